"""Classroom scenarios: every shipped file is checked, a wrong file is refused whole with the
file and the field named, and « Remettre la classe à zéro » gives fresh devices and drives
full of the donor's data again without touching the real data folder or deleting a fact."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.domain.imei import is_valid_imei
from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.output.printers import load_printers
from bench_app.settings import training_dir
from bench_app.simulators.classroom import Classroom, donated_laptops
from bench_app.simulators.docked_drive import (
    DriveBehaviour,
    SimulatedDockedDrive,
    make_image,
    training_drive_folder,
)
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.scenarios import (
    SCENARIOS_DIR,
    find_scenario,
    load_scenario,
    load_scenarios,
    scenario_files,
)
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from bench_app.store import queries
from tests.unit.support import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_scenarios_are_the_trainers_sets() -> None:
    scenarios = load_scenarios()
    assert [s.title.fr for s in scenarios] == [
        "Découverte",
        "Effacement des disques",
        "Téléphones bloqués",
        "Installation",
        "Un portable donné",
        "iPhones",
        "Mode reprise (Android 16)",
        "Un prêt et son retour",
        "Un don, de l’accueil au rapport",
        "L’accord du formateur",
        "Tout",
        "Un portable sur la clé Établi",
    ]
    assert len(scenario_files()) == len(scenarios)
    drives = {d.behaviour for d in find_scenario("effacement-des-disques").devices}
    assert drives == {
        DriveBehaviour.HEALTHY,
        DriveBehaviour.FAILING,
        DriveBehaviour.UNPLUGGED_MID_ERASURE,
        DriveBehaviour.END_OF_LIFE,
    }
    locked = {d.persona for d in find_scenario("Téléphones bloqués").devices}
    assert locked == {"frp-locked", "mdm-enrolled", "worn-battery"}
    iphones = find_scenario("iphones").devices
    assert [(d.kind, d.persona) for d in iphones] == [
        ("iphone", "iphone-13"), ("iphone", "find-my-on"), ("iphone", "worn-battery"),
        ("iphone", "never-trusts"),
    ]  # fmt: skip
    install = find_scenario("installation").devices
    assert [d.kind for d in install] == ["handset", "handset"]
    assert {next(iter(d.faults)) for d in install} == {"drop_download_after", "fail_flash"}
    # A donated laptop: its disk is docked, the laptop itself is taken in by the station.
    (docked,) = find_scenario("portable").devices
    assert docked.kind == "drive" and docked.laptop is not None
    assert donated_laptops(find_scenario("portable"), 2)[0].serial == "SIML0021T480R2"
    # A laptop started from the stick: its agent is started, nothing is plugged for it.
    (stick,) = find_scenario("portable-sur-cle").devices
    assert (stick.kind, stick.persona) == ("stick_laptop", "thinkpad-t470")
    # The scenarios about the workshop's records set them up when played (class_seeds).
    assert {s.name: s.seed for s in scenarios if s.seed} == {
        "pret-et-retour": "loan",
        "don-au-rapport": "lot",
        "accord-du-formateur": "approval",
    }
    # « Tout » holds every device of the other scenarios (those whose case is a record set
    # up by a seed need it, and play on their own).
    everything = {(d.kind, d.persona, d.behaviour, d.serial) for d in find_scenario("tout").devices}
    for scenario in scenarios:
        if scenario.seed:
            continue
        for d in scenario.devices:
            assert (d.kind, d.persona, d.behaviour, d.serial) in everything, (scenario.name, d)
    # A name is found by its file name or its title, in any case.
    assert find_scenario("TOUT").name == find_scenario("Everything").name == "tout"


def test_an_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(BenchError) as info:
        find_scenario("Examen")
    assert info.value.code == "SCENARIO_UNKNOWN"
    assert "Examen" in info.value.message.fr and "decouverte" in info.value.message.fr


GOOD_DEVICE = '[[device]]\nkind = "drive"\npersona = "hdd-sata-500"\n'
HEAD = '[title]\nfr = "Essai"\nen = "Trial"\n[summary]\nfr = "Un essai."\nen = "A trial."\n'


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("title = [", "—"),  # not TOML
        ('[title]\nfr = "Essai"\n[summary]\nfr = "a"\nen = "b"\n' + GOOD_DEVICE, "title.en"),
        (HEAD, "device"),
        ("level = 3\n" + HEAD + GOOD_DEVICE, "level"),
        ('printer = "epson"\n' + HEAD + GOOD_DEVICE, "printer"),
        (HEAD + '[[device]]\nkind = "tablet"\npersona = "fairphone-4"\n', "device[1].kind"),
        (
            HEAD + GOOD_DEVICE + '[[device]]\nkind = "phone"\npersona = "nokia-3310"\n',
            "device[2].persona",
        ),
        (HEAD + GOOD_DEVICE + 'behaviour = "on fire"\n', "device[1].behaviour"),
        (
            HEAD + '[[device]]\nkind = "phone"\npersona = "fairphone-4"\nbehaviour = "failing"\n',
            "device[1].behaviour",
        ),
        (
            HEAD
            + '[[device]]\nkind = "phone"\npersona = "fairphone-4"\n[device.flags]\nexplodes = true\n',
            "device[1].flags",
        ),
        (
            HEAD
            + '[[device]]\nkind = "handset"\npersona = "fairphone-4"\n[device.faults]\nmelt = 1\n',
            "device[1].faults.melt",
        ),
        (HEAD + GOOD_DEVICE + 'serial = "../../etc/passwd"\n', "device[1].serial"),
        (HEAD + '[[device]]\nkind = "iphone"\npersona = "fairphone-4"\n', "device[1].persona"),
        (
            HEAD + '[[device]]\nkind = "iphone"\npersona = "iphone-13"\n[device.flags]\nx = 1\n',
            "device[1].flags",
        ),
        (HEAD + '[[device]]\nkind = "stick_laptop"\npersona = "macbook"\n', "device[1].persona"),
        ('seed = "party"\n' + HEAD + GOOD_DEVICE, "seed"),
        (HEAD + GOOD_DEVICE + '[device.caption]\nfr = "Sain"\n', "device[1].caption.en"),
        (
            HEAD + GOOD_DEVICE + '[device.laptop]\nbrand = "Dell"\nmodel = "E7490"\n',
            "device[1].laptop.serial",
        ),
        (
            HEAD
            + '[[device]]\nkind = "phone"\npersona = "fairphone-4"\n'
            + '[device.laptop]\nbrand = "Dell"\nmodel = "E7490"\nserial = "DL1"\n',
            "device[1].laptop",
        ),
    ],
)
def test_a_malformed_scenario_names_its_file_and_field(
    tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "essai.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BenchError) as info:
        load_scenario(path)
    error = info.value
    assert error.code == "SCENARIO_INVALID"
    assert str(path) in error.message.fr and f"« {field} »" in error.message.fr, error.message.fr
    assert str(path) in error.message.en and f"“{field}”" in error.message.en
    # One wrong file stops the whole list: no half-loaded menu.
    (tmp_path / "bon.toml").write_text(HEAD + GOOD_DEVICE, encoding="utf-8")
    with pytest.raises(BenchError):
        load_scenarios(tmp_path)


def test_the_scenario_folder_is_shipped_with_the_package() -> None:
    assert SCENARIOS_DIR.is_relative_to(ROOT / "bench_app")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"bench_app.simulators.scenarios" = ["*.toml"]' in pyproject


def _tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def real_and_training(data_dir: Path) -> Iterator[tuple[Path, Path]]:
    """A real station's folder with a real fact in it, and its training folder beside it."""
    real = data_dir
    station = Station(real, training=False, operator="Amina")
    station.register_device(DeviceKind.LAPTOP, brand="Dell", model="Latitude 5490", serial="REAL1")
    station.close()
    yield real, training_dir(real)


def _donor_bytes(image: Path, tmp_path: Path) -> bytes:
    """What the donor's data of a drive image called so is, made afresh elsewhere."""
    fresh = tmp_path / "donor" / image.name
    make_image(fresh, image.stat().st_size)
    return fresh.read_bytes()


def test_reset_gives_fresh_devices_and_donor_data_and_leaves_the_real_folder_alone(
    real_and_training: tuple[Path, Path],
    station_adb_key: CryptographySigner,
    tmp_path: Path,
) -> None:
    real, training = real_and_training
    real_before = _tree(real)
    station = Station(training, training=True, operator="Stagiaire")
    source = SimulatedSource(
        SimulationMode.TEST,
        Timing(scale=0.02),
        adb_signer=station_adb_key,
        drive_folder=training_drive_folder(training),
    )
    station.attach_source(source)
    classroom = Classroom(source)
    try:
        classroom.play("effacement-des-disques")
        wait_for(lambda: len(station.connected_device_ids()) == 4, "the four drives")
        first = {d.serial: d for d in source.known() if isinstance(d, SimulatedDockedDrive)}
        assert set(first) == {"SIMD0005HDD", "SIMD0011HDD", "SIMD0012SSD", "SIMD0013NVM"}
        first_ids = set(station.connected_device_ids())
        for drive in first.values():
            assert drive.image.parent == training_drive_folder(training)
            assert not drive.image.is_relative_to(real) and not drive.image.is_relative_to(training)
            drive.image.write_bytes(bytes(drive.size))  # as an erasure leaves it
        events_before = station.store.query("SELECT count(*) FROM events")[0][0]

        classroom.reset()
        wait_for(
            lambda: (
                len(station.connected_device_ids()) == 4
                and not set(station.connected_device_ids()) & first_ids
            ),
            "the fresh drives",
        )
        again = {d.serial: d for d in source.known() if isinstance(d, SimulatedDockedDrive)}
        assert set(again) == {s + "R1" for s in first}
        for drive in again.values():
            data = drive.image.read_bytes()
            assert data != bytes(drive.size)
            assert data == _donor_bytes(drive.image, tmp_path)
        assert not any(d.image.exists() for d in first.values())  # last round's images gone
        # Nothing recorded was deleted: the last round's devices keep their records.
        assert station.store.query("SELECT count(*) FROM events")[0][0] >= events_before
        ids = {d.id for d in queries.devices(station.store)}
        assert first_ids <= ids and len(ids) == 8
        assert all(d.training for d in queries.devices(station.store))
    finally:
        classroom.close()
        source.stop()
        station.close()
    # The next window on this training folder keeps the class where the reset left it.
    assert Classroom(source).round == 1
    assert _tree(real) == real_before


def test_a_reset_class_phone_gets_a_new_serial_and_imei(
    station_adb_key: CryptographySigner,
) -> None:
    source = SimulatedSource(SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_adb_key)
    classroom = Classroom(source)
    try:
        classroom.play("telephones-bloques")
        before = {
            source.simulator(h.key).persona.serial: source.simulator(h.key).persona.imei
            for h in source.known()
        }
        classroom.reset()
        after = {
            source.simulator(h.key).persona.serial: source.simulator(h.key).persona.imei
            for h in source.known()
        }
        assert set(after) == {s + "R1" for s in before}
        assert not set(after.values()) & set(before.values())
        # Each keeps the case it shows in class.
        captions = {source.caption(h.key).fr for h in source.known()}  # type: ignore[union-attr]
        assert captions == {
            "Compte Google bloqué (FRP)",
            "Géré par une entreprise (MDM)",
            "Batterie usée",
        }
    finally:
        classroom.close()
        source.stop()


def test_installation_handsets_carry_the_faults_their_scenario_gives(
    station_adb_key: CryptographySigner,
) -> None:
    source = SimulatedSource(SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_adb_key)
    classroom = Classroom(source)
    try:
        handles = classroom.play("installation")
        handsets = [source.handset(h.key) for h in handles]
        assert [h.serial for h in handsets] == ["FP4CABLE01", "FP4IMAGE02"]
        assert handsets[0].bootloader.faults.drop_download_after == 524288
        assert handsets[1].bootloader.faults.fail_flash == "image not for this device"
        assert [source.caption(h.key).fr for h in handles] == [  # type: ignore[union-attr]
            "Câble arraché pendant l’écriture",
            "Mauvaise image : le téléphone la refuse",
        ]
        assert classroom.printer_config() is not None
        assert classroom.printer_config().kind.value == "zpl"  # type: ignore[union-attr]
        # A scenario change takes them away for good: their ports stop answering.
        classroom.play("decouverte")
        assert all(not h.adb.listening for h in handsets)
        assert len(source.known()) == 5
    finally:
        classroom.close()
        source.stop()


def _etabli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_command_line_refuses_a_scenario_outside_training_or_unknown(tmp_path: Path) -> None:
    outside = _etabli("--scenario", "tout", data=tmp_path / "d")
    assert outside.returncode == 2
    assert "Un scénario ne se joue qu’en mode formation." in outside.stderr
    unknown = _etabli("--training", "--scenario", "examen", data=tmp_path / "d")
    assert unknown.returncode == 2
    assert "Aucun scénario de formation « examen »" in unknown.stderr
    assert "Traceback" not in outside.stderr + unknown.stderr
    assert not (tmp_path / "d").exists()  # refused before any station opened


def test_the_window_started_with_a_scenario_shows_its_devices(tmp_path: Path) -> None:
    """`etabli --training --scenario Tout` in a real process: the window's map of what is on
    screen (ETABLI_UI_MAP) shows the seventeen devices of « Tout » plugged in, with its cases
    (its fourth iPhone never trusts the station: a card waiting for « Faire confiance »)."""
    ui_map = tmp_path / "ui-map.json"
    # A screen large enough for every card at once: the map lists only what is in sight, and
    # which cards a smaller one shows depends on the order the devices answered in.
    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps({"screens": [{"name": "big", "x": 0, "y": 0, "width": 3840, "height": 2160,
                                 "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}),
        encoding="utf-8",
    )  # fmt: skip
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM=f"offscreen:configfile={screen}",
        ETABLI_UI_MAP=str(ui_map),
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "--data-dir",
            str(tmp_path / "formation"),
            "--training",
            "--scenario",
            "Tout",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # Cases only « Tout » has (the map lists the cards in sight, not those scrolled away).
    only_in_tout = {
        "Mauvaise image : le téléphone la refuse",
        "Câble arraché pendant l’écriture",
        "Disque usé : SMART en échec",
        "Secteurs défectueux",
        "Débranché pendant l’effacement",
        "Géré par une entreprise (MDM)",
        "Mode reprise, bloqué par un compte Google (FRP)",
        "Localiser activé",
        "iPhone en bon état",
    }
    status = "17 appareils branchés · 0 contrôle en cours"

    def shown() -> set[str]:
        try:
            return set(re.findall(r'"text": "([^"]*)"', ui_map.read_text(encoding="utf-8")))
        except OSError:
            return set()

    waiting = "En attente : touchez « Faire confiance » sur l’iPhone"

    def ready() -> bool:
        return status in shown() and waiting in shown() and bool(only_in_tout & shown())

    try:
        wait_for(lambda: ready() or process.poll() is not None, "the cards", 90)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    # The class printer was the station's printer while the class ran, and only then.
    assert load_printers(tmp_path / "formation").printers == []


@pytest.mark.parametrize(
    ("serial", "said"),
    [
        ("FP4CABLE01", "fastboot:flash"),  # the cable comes out during the download
        ("FP4IMAGE02", "image not for this device"),  # the bootloader refuses the image
    ],
)
def test_the_installation_scenario_shows_its_faults_to_a_real_install(
    data_dir: Path,
    station_adb_key: CryptographySigner,
    tmp_path: Path,
    serial: str,
    said: str,
) -> None:
    """Each handset of « Installation » stops the real install job on its own fault, says
    so, and finishes when the trainee resumes (each fault happens once)."""
    from bench_app.devices.fastboot.finder import FINDER
    from bench_app.install.images import ImageLibrary
    from bench_app.install.phone_install import phone_install
    from bench_app.jobs.engine import NullListener
    from bench_app.jobs.prompt import Prompt
    from tests.install.test_phone_install import make_rom

    stick = tmp_path / "stick" / "lineageos" / "FP4"
    stick.mkdir(parents=True)
    (stick / "recovery.img").write_bytes(os.urandom(2 << 20))
    rom = make_rom(stick)
    (stick / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
            for p in (stick / "recovery.img", rom)
        )
    )
    assert ImageLibrary(data_dir).import_folder(tmp_path / "stick").ok

    station = Station(data_dir, training=True, operator="Stagiaire")
    station.pipelines.register(
        phone_install(data_dir, finder=FINDER, boot_timeout_s=15.0, poll_s=0.05)
    )
    source = SimulatedSource(SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_adb_key)
    station.attach_source(source)
    classroom = Classroom(source)
    handsets: dict[str, object] = {}

    class Trainee(NullListener):
        """Does on the phone what each question asks (recovery menu items), then answers."""

        def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
            if prompt is None:
                return
            adb = handsets[serial].adb  # type: ignore[attr-defined]
            if prompt.picture == "recovery-format-data.svg":
                wait_for(lambda: adb.mode == "recovery" and adb.listening, "recovery", 60)
                adb.recovery_select("wipe_data")
            elif prompt.picture == "recovery-sideload.svg":
                wait_for(lambda: adb.mode in ("recovery", "sideload") and adb.listening, "sl", 60)
                if adb.mode == "recovery":
                    adb.recovery_select("apply_update_from_adb")
            prompt.answer(prompt.choices[0].key)

    station.set_job_listener(Trainee())
    try:
        for handle in classroom.play("installation"):
            handsets[source.handset(handle.key).serial] = source.handset(handle.key)
        wait_for(lambda: len(station.connected_device_ids()) == 2, "both phones")
        device_id = next(
            d
            for d in station.connected_device_ids()
            if station.device(d).serial == serial  # type: ignore[union-attr]
        )

        def over() -> bool:
            return station.engine.job_for_device(device_id) is None

        station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
        wait_for(over, "the install", 120)
        job = station.latest_job(device_id)
        assert job is not None and job.state.value == "failed"
        assert job.message is not None and said in job.message.fr, job.message
        station.resume_job(job.id)
        wait_for(over, "the resumed install", 120)
        resumed = station.latest_job(device_id)
        assert resumed is not None
        assert resumed.state.value == "succeeded", resumed.message
    finally:
        classroom.close()
        source.stop()
        station.close()


def test_the_iphones_scenario_plugs_its_iphones_and_a_reset_makes_new_ones(
    station_adb_key: CryptographySigner,
) -> None:
    source = SimulatedSource(SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_adb_key)
    classroom = Classroom(source)
    try:
        handles = classroom.play("iphones")
        sims = [source.iphone(h.key) for h in handles]
        assert [s.persona.name for s in sims] == [
            "iphone-13", "find-my-on", "worn-battery", "never-trusts"]  # fmt: skip
        assert all(h.key == f"ios:{s.udid}" for h, s in zip(handles, sims, strict=True))
        assert [source.caption(h.key).fr for h in handles] == [  # type: ignore[union-attr]
            "iPhone en bon état", "Localiser activé", "Batterie usée",
            "Jamais « Faire confiance »"]  # fmt: skip
        before = {s.persona.serial: (s.udid, s.values["InternationalMobileEquipmentIdentity"])
                  for s in sims}  # fmt: skip
        classroom.reset()
        after = {
            source.iphone(h.key).persona.serial: (
                source.iphone(h.key).udid,
                source.iphone(h.key).values["InternationalMobileEquipmentIdentity"],
            )
            for h in source.known()
        }
        assert set(after) == {serial + "R1" for serial in before}
        udids, imeis = zip(*after.values(), strict=True)
        assert not set(udids) & {u for u, _ in before.values()}
        assert all(is_valid_imei(i) for i in imeis)
        assert not set(imeis) & {i for _, i in before.values()}
        assert all(not s.plugged.is_set() for s in sims)  # the first round's went away
    finally:
        classroom.close()
        source.stop()
