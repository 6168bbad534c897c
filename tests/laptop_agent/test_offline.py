"""`etabli agent --bundle-dir DIR`: a laptop done alone, with no network, the folder DIR
standing in for the Établi stick. The stick is enrolled at a station (`etabli
stick-prepare`); the agent erases both image disks (full verification) and writes a signed
bundle of its facts in DIR; the station imports it (twice: nothing new the second time) and
issues each disk's certificate, naming the laptop. A cut bundle is refused whole, a stick
the station never prepared is refused, and an agent killed mid-erasure (kill -9) resumes
from its checkpoint on the stick: the disks end erased and verified, nothing of the donor
left."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bench_app.erasure import overwrite as io
from bench_app.install.bmap import build_from_sparse, render_bmap
from bench_app.settings import Settings
from tests.cli_bad_input.conftest import CLI
from tests.laptop_agent.test_agent_process import _env, _fake_programs, _Lines
from tests.laptop_agent.test_laptop_image import (
    BLOCK,
    DATA_BLOCKS,
    IMAGE,
    _image_bytes,
    _sparse_image,
)

DONOR = b"old data of the donor "
SIZE = 1_100_000


def _run(
    tmp_path: Path, data: Path, *argv: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *argv],
        env=_env(tmp_path, data),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _station(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return _run(tmp_path, tmp_path / "station-data", *argv)


def _disks(tmp_path: Path, size: int = SIZE) -> list[Path]:
    disks = []
    for serial in ("LAPA1", "LAPB2"):
        image = tmp_path / f"disk-{serial}.img"
        image.write_bytes((DONOR * (size // len(DONOR) + 1))[:size])
        disks.append(image)
    return disks


def _agent_argv(stick: Path, disks: list[Path]) -> list[str]:
    argv = ["agent", "--bundle-dir", str(stick), "--no-screen"]  # answers typed at the console
    for d in disks:
        argv += ["--disk", str(d)]
    return argv


def _facts(tmp_path: Path, asset: str) -> list[dict[str, Any]]:
    done = _station(tmp_path, "events", "--device", asset, "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _of(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f["payload"] for f in facts if f["type"] == kind]


def _devices(tmp_path: Path) -> dict[str, dict[str, Any]]:
    done = _station(tmp_path, "devices", "--json")
    assert done.returncode == 0, done.stderr
    return {str(d["asset_code"]): d for d in json.loads(done.stdout)}


def _certificate_text(tmp_path: Path, asset: str) -> str:
    pdf = tmp_path / f"{asset}.pdf"
    issued = _station(tmp_path, "certificate", asset, "-o", str(pdf))
    assert issued.returncode == 0, issued.stderr
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())  # table cells wrap


def _prepared(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    _fake_programs(tmp_path / "bin")
    stick = tmp_path / "stick"
    done = _station(tmp_path, "stick-prepare", str(stick), "--json")
    assert done.returncode == 0, done.stderr
    named = _station(tmp_path, "settings", "set", "organisation", "Atelier du test")
    assert named.returncode == 0, named.stderr
    return stick, json.loads(done.stdout)


def _scanned(disk: Path, stream: dict[str, Any]) -> None:
    """The residue scan: nothing of the donor's data, and exactly the recorded stream."""
    data = disk.read_bytes()
    assert DONOR[:8] not in data
    expected = bytearray(len(data))
    io.Stream.from_json(stream).fill(0, memoryview(expected))
    assert data == bytes(expected)


def _station_prefix(tmp_path: Path) -> str:
    from bench_app.store.database import DB_NAME, Store

    with Store.open_for_reading(tmp_path / "station-data" / DB_NAME) as store:
        return store.station_prefix


def test_a_laptop_done_alone_comes_in_through_its_bundle_and_is_certified(
    tmp_path: Path,
) -> None:
    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0:
        pytest.fail("pdftotext (poppler-utils) is needed to read the certificate")
    stick, enrolled = _prepared(tmp_path)
    assert enrolled["prefix"] != _station_prefix(tmp_path)
    disks = _disks(tmp_path)

    # The operator confirms each disk on the laptop's console by typing the end of its serial
    # (a wrong end is asked again).
    done = _run(
        tmp_path,
        tmp_path / "agent-home",
        *_agent_argv(stick, disks),
        "--method",
        "clear-random",
        stdin="ZZZZ\nlapa1\nLAPB2\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    code_line = next(x for x in done.stdout.splitlines() if x.startswith("CODE À ÉCRIRE"))
    laptop_code = code_line.split(": ")[1]
    assert laptop_code.startswith(enrolled["prefix"] + "-")
    said = [line.split() for line in done.stdout.splitlines() if "EFFACÉ" in line]
    assert [s[2:4] for s in said] == [["disk-LAPA1", "EFFACÉ"], ["disk-LAPB2", "EFFACÉ"]]
    bundle = stick / "etabli-stick.bundle"
    assert bundle.is_file()
    # Nothing was recorded at the station by the agent: its facts are all in the bundle.
    assert _devices(tmp_path) == {}

    imported = _station(tmp_path, "bundle", "import", str(bundle), "--lang", "en")
    assert imported.returncode == 0, imported.stderr
    assert "refused: 0" in imported.stdout and "imported: 0" not in imported.stdout
    again = _station(tmp_path, "bundle", "import", str(bundle), "--lang", "en")
    assert again.returncode == 0, again.stderr
    assert "  imported: 0" in again.stdout  # idempotent: the same facts are not counted twice

    devices = _devices(tmp_path)
    laptop = devices[laptop_code]
    assert (laptop["kind"], laptop["serial"]) == ("laptop", "MP1CHKDC")
    drives = sorted(
        (d for d in devices.values() if d["kind"] == "drive"), key=lambda d: d["serial"]
    )
    assert [d["serial"] for d in drives] == ["disk-LAPA1", "disk-LAPB2"]
    for drive, image in zip(drives, disks, strict=True):
        assert str(drive["asset_code"]).startswith(enrolled["prefix"] + "-")
        facts = _facts(tmp_path, str(drive["asset_code"]))
        (link,) = _of(facts, "disk.linked")
        assert link["host_asset"] == laptop_code
        (started,) = _of(facts, "erasure.started")
        assert (started["method"], started["verify"], started["computer"]) == (
            "clear-random",
            "full",
            laptop_code,
        )
        (passed,) = _of(facts, "erasure.pass_finished")
        assert (passed["bytes"], passed["completed"], passed["errors"]) == (SIZE, True, [])
        (verified,) = _of(facts, "erasure.verified")
        assert (verified["mode"], verified["bytes_checked"], verified["ok"]) == ("full", SIZE, True)
        assert _of(facts, "erasure.finished")[0]["result"] == "erased"
        _scanned(image, _of(facts, "erasure.pass_started")[0]["stream"])

        text = _certificate_text(tmp_path, str(drive["asset_code"]))
        assert "Certificat d’effacement de données" in text
        assert f"{laptop_code} Lenovo YOGA 720-13IKB n° MP1CHKDC" in text
        assert drive["serial"] in text


def _stick_images(stick: Path, *, wrong_sum: bool = False) -> Path:
    """The workshop's laptop image on the stick as the library imports it: the image, its
    block map and a SHA256SUMS (one digit wrong when `wrong_sum`)."""
    folder = stick / "images"
    image = _sparse_image(folder)
    bmap = folder / (IMAGE + ".bmap")
    bmap.write_bytes(render_bmap(build_from_sparse(image)))
    sums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (image, bmap)}
    if wrong_sum:
        sums[IMAGE] = ("0" if sums[IMAGE][0] != "0" else "1") + sums[IMAGE][1:]
    (folder / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    return folder


def test_the_whole_journey_alone_tests_and_image_come_in_through_the_bundle(
    tmp_path: Path,
) -> None:
    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0:
        pytest.fail("pdftotext (poppler-utils) is needed to read the certificate")
    stick, _ = _prepared(tmp_path)
    disks = _disks(tmp_path)
    images = _stick_images(stick)
    # Both disks confirmed, then the keyboard answered "n" (fails) and the screen "o".
    done = _run(
        tmp_path, tmp_path / "agent-home", *_agent_argv(stick, disks),
        "--tests", "keyboard,screen", "--images", str(images), "--image", IMAGE,
        stdin="LAPA1\nLAPB2\nx\nn\no\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert "Clavier — Appuyez sur chaque touche. Toutes s’allument ? (o/n/p)" in out
    assert "keyboard  NE FONCTIONNE PAS" in out and "screen  fonctionne" in out
    assert f"{IMAGE}  SYSTÈME INSTALLÉ" in out
    laptop_code = next(x for x in out.splitlines() if x.startswith("CODE À ÉCRIRE")).split(": ")[1]
    written = disks[0].read_bytes()
    image = _image_bytes()
    for first, last in DATA_BLOCKS:
        a, z = first * BLOCK, (last + 1) * BLOCK
        assert written[a:z] == image[a:z]  # the image on the first disk confirmed
    assert DONOR[:8] not in disks[1].read_bytes()

    imported = _station(tmp_path, "bundle", "import", str(stick / "etabli-stick.bundle"))
    assert imported.returncode == 0, imported.stderr
    journey = _station(tmp_path, "journey", laptop_code, "--json")
    assert journey.returncode == 0, journey.stderr
    assert {"check", "erase", "system_image"} <= set(json.loads(journey.stdout)["done"])

    # The check job, as the station records it online: one step per answer.
    facts = _facts(tmp_path, laptop_code)
    (created,) = [c for c in _of(facts, "job.created") if c["pipeline"] == "laptop.guided_tests"]
    assert created["steps"] == ["keyboard", "screen"]
    steps = {s["step_id"]: s for s in _of(facts, "step.finished")}
    assert {k: (v["status"], v["evidence"]["answered_on"]) for k, v in steps.items()} == {
        "keyboard": ("failed", "laptop"),
        "screen": ("passed", "laptop"),
    }

    # The station's grade counts the laptop's failed keyboard.
    from bench_app.station import Station
    from bench_app.store import queries

    station = Station(tmp_path / "station-data", operator="Camille")
    try:
        device = queries.device_by_identity(station.store, "laptop", "MP1CHKDC", "")
        assert device is not None
        works = {c: "works" for c in ("screen", "keyboard", "battery", "hinges")}
        station.grade_by_hand(device.id, works, "very_good")
        grade = [e for e in queries.events(station.store, device.id) if e.type == "grade.assigned"]
    finally:
        station.close()
    assert grade[-1].payload["functional"] == "D"
    assert grade[-1].payload["tested"] == {"keyboard": "failed", "screen": "passed"}

    text = _certificate_text(tmp_path, laptop_code)
    assert "MP1CHKDC" in text and "disk-LAPA1" in text and "disk-LAPB2" in text


def test_an_image_that_does_not_match_its_sum_is_refused_before_any_write(
    tmp_path: Path,
) -> None:
    stick, _ = _prepared(tmp_path)
    disks = _disks(tmp_path)
    images = _stick_images(stick, wrong_sum=True)
    done = _run(
        tmp_path, tmp_path / "agent-home", *_agent_argv(stick, disks),
        "--confirm-serial", "LAPA1", "--images", str(images), "--lang", "en",
    )  # fmt: skip
    assert done.returncode == 2
    assert IMAGE in done.stderr and "Traceback" not in done.stderr
    assert all(DONOR in d.read_bytes() for d in disks)  # neither erased nor written
    assert not (stick / "etabli-stick.bundle").exists()


def test_with_a_window_the_journey_runs_beside_it_and_closing_it_skips_the_test_shown(
    tmp_path: Path,
) -> None:
    """The window (offscreen here) shows the tests while the journey runs on its own thread;
    closing it (SIGTERM) ends the test on screen as skipped and the bundle is still written."""
    stick, _ = _prepared(tmp_path)
    disks = _disks(tmp_path)
    argv = [a for a in _agent_argv(stick, disks) if a != "--no-screen"]
    process = subprocess.Popen(
        [*CLI, *argv, "--confirm-serial", "LAPA1", "--tests", "screen"],
        env=_env(tmp_path, tmp_path / "agent-home"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(process)
    try:
        lines.until("Écran du portable : plein écran.")
        lines.until("Test 1/1 : Écran")
        process.send_signal(signal.SIGTERM)
        assert lines.until("screen  non testé")
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        lines.thread.join()
        assert process.stderr is not None
        stderr = process.stderr.read()
        process.stderr.close()
        assert process.stdout is not None
        process.stdout.close()
    assert "Traceback" not in stderr
    assert (stick / "etabli-stick.bundle").is_file()
    assert DONOR not in disks[0].read_bytes() and DONOR in disks[1].read_bytes()


def test_a_cut_bundle_is_refused_whole(tmp_path: Path) -> None:
    stick, _ = _prepared(tmp_path)
    disks = _disks(tmp_path)
    done = _run(
        tmp_path,
        tmp_path / "agent-home",
        *_agent_argv(stick, disks),
        "--confirm-serial",
        "LAPA1",
    )
    assert done.returncode == 0, done.stderr
    whole = (stick / "etabli-stick.bundle").read_bytes()
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(whole[: len(whole) * 2 // 3])  # the stick pulled out mid-copy
    refused = _station(tmp_path, "bundle", "import", str(cut), "--lang", "en")
    assert refused.returncode == 2
    assert "cut short" in refused.stderr and "Traceback" not in refused.stderr
    assert _devices(tmp_path) == {}
    # Only the disk confirmed was erased; the other keeps its data.
    assert DONOR in disks[1].read_bytes() and DONOR not in disks[0].read_bytes()


def test_a_stick_this_station_never_prepared_is_refused(tmp_path: Path) -> None:
    stick, _ = _prepared(tmp_path)
    done = _run(
        tmp_path, tmp_path / "agent-home", *_agent_argv(stick, _disks(tmp_path)),
        "--confirm-serial", "LAPA1", "--confirm-serial", "LAPB2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    other = tmp_path / "other-station"
    refused = _run(
        tmp_path, other, "bundle", "import", str(stick / "etabli-stick.bundle"), "--lang", "en"
    )
    assert refused.returncode == 2
    assert "does not trust" in refused.stderr and "stick-prepare" in refused.stderr
    assert "Traceback" not in refused.stderr
    listed = _run(tmp_path, other, "devices", "--json")
    assert json.loads(listed.stdout) == []


def test_a_stick_not_prepared_erases_nothing(tmp_path: Path) -> None:
    _fake_programs(tmp_path / "bin")
    disks = _disks(tmp_path)
    done = _run(
        tmp_path, tmp_path / "agent-home", *_agent_argv(tmp_path / "bare-stick", disks),
        "--confirm-serial", "LAPA1", "--lang", "en",
    )  # fmt: skip
    assert done.returncode == 2
    assert "not prepared" in done.stderr and "Traceback" not in done.stderr
    assert all(DONOR in d.read_bytes() for d in disks)


# The agent's own journey in a child process whose console freezes right after the first
# checkpoint of each disk is recorded on the stick (the moment the power goes): the parent
# sees both checkpoints said, then kills it with SIGKILL. No pass can finish meanwhile, as
# every later checkpoint waits on the frozen console.
FROZEN = textwrap.dedent(
    """
    import sys
    import threading
    from pathlib import Path

    from bench_app.laptop_offline import run_offline

    frozen = threading.Event()

    def say(text):
        print(text.en, flush=True)
        if text.en.startswith("Checkpoint:"):
            frozen.wait()

    run_offline(
        Path(sys.argv[1]), sys.argv[2:], method="clear-random",
        confirms=["LAPA1", "LAPB2"], operator="before the power cut", say=say,
        ask=lambda _t: None,
    )
    """
)


def test_an_agent_killed_mid_erasure_resumes_from_the_stick_and_verifies(tmp_path: Path) -> None:
    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0:
        pytest.fail("pdftotext (poppler-utils) is needed to read the certificate")
    stick, _ = _prepared(tmp_path)
    # Several chunks per disk and a checkpoint after each: the first lands inside the disk.
    size = 3 * (8 << 20) + 4096
    settings = Settings.load(stick / "etabli-stick")
    settings.erase_checkpoint_seconds = 0.01
    settings.save(stick / "etabli-stick")
    disks = _disks(tmp_path, size)
    child = subprocess.Popen(
        [sys.executable, "-c", FROZEN, str(stick), *map(str, disks)],
        env=_env(tmp_path, tmp_path / "agent-home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(child)
    try:
        seen = {lines.until("Checkpoint:", 120).split()[1] for _ in range(2)}
        assert seen == {"disk-LAPA1", "disk-LAPB2"}
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        lines.thread.join(30)
    assert child.returncode == -signal.SIGKILL
    assert not (stick / "etabli-stick.bundle").exists()  # killed before any bundle

    done = _run(
        tmp_path, tmp_path / "agent-home", *_agent_argv(stick, disks),
        "--confirm-serial", "LAPA1", "--confirm-serial", "LAPB2", "--lang", "en",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    resumed = {
        line.split()[4]: int(line.split()[-1].rstrip("."))
        for line in done.stdout.splitlines()
        if line.startswith("Resuming the erasure of")
    }
    assert set(resumed) == {"disk-LAPA1", "disk-LAPB2"}
    assert all(0 < offset <= size for offset in resumed.values())

    imported = _station(tmp_path, "bundle", "import", str(stick / "etabli-stick.bundle"))
    assert imported.returncode == 0, imported.stderr
    drives = sorted(
        (d for d in _devices(tmp_path).values() if d["kind"] == "drive"), key=lambda d: d["serial"]
    )
    assert len(drives) == 2
    for drive, image in zip(drives, disks, strict=True):
        facts = _facts(tmp_path, str(drive["asset_code"]))
        assert len(_of(facts, "erasure.started")) == 1  # the same erasure, carried on
        assert _of(facts, "job.interrupted")[0]["reason"] == "STATION_STOPPED"
        first, again = _of(facts, "erasure.pass_started")
        assert (first["resumed"], again["resumed"]) == (False, True)
        assert again["start_byte"] == resumed[str(drive["serial"])]
        assert again["stream"] == first["stream"]  # the same pass, from its checkpoint
        (passed,) = _of(facts, "erasure.pass_finished")
        assert (passed["bytes"], passed["completed"]) == (size - again["start_byte"], True)
        (verified,) = _of(facts, "erasure.verified")
        assert (verified["mode"], verified["bytes_checked"], verified["ok"]) == ("full", size, True)
        assert _of(facts, "erasure.finished")[0]["result"] == "erased"
        _scanned(image, first["stream"])
        text = _certificate_text(tmp_path, str(drive["asset_code"]))
        assert "Certificat d’effacement de données" in text
        assert "repris" in text


# The agent serving a station, in a child process whose console freezes at the first
# checkpoint of each disk kept on the stick (the moment the power goes); the parent kills it.
FROZEN_AGENT = textwrap.dedent(
    """
    import sys
    import threading
    from pathlib import Path

    from bench_app.laptop_agent import AgentServer, AgentState, agent_disks
    from bench_app.laptop_offline import describe_laptop

    stick, data = Path(sys.argv[1]), Path(sys.argv[2])
    described = describe_laptop(agent_disks(sys.argv[3:], data))
    frozen = threading.Event()
    printing = threading.Lock()  # two disks' threads at once: one line each

    def on_event(what):
        with printing:
            print(what, flush=True)
        if what == "checkpoint":
            frozen.wait()

    state = AgentState(described.pop("agent_id"), "246810", described, on_event=on_event,
                       data_dir=data, stick=stick)
    server = AgentServer(("127.0.0.1", 0), state)
    print("Agent 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
    """
)


def test_an_agent_killed_mid_erasure_offers_the_resume_to_the_station(tmp_path: Path) -> None:
    from tests.laptop_agent.test_agent_process import CODE

    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0:
        pytest.fail("pdftotext (poppler-utils) is needed to read the certificate")
    _fake_programs(tmp_path / "bin")
    named = _station(tmp_path, "settings", "set", "organisation", "Atelier du test")
    assert named.returncode == 0, named.stderr
    stick, agent_data = tmp_path / "stick", tmp_path / "agent-data"
    agent_data.mkdir()
    settings = Settings.load(agent_data)
    settings.erase_checkpoint_seconds = 0.01
    settings.save(agent_data)
    size = 3 * (8 << 20) + 4096
    disks = _disks(tmp_path, size)
    confirms = ["--confirm-serial", "LAPA1", "--confirm-serial", "LAPB2"]

    child = subprocess.Popen(
        [sys.executable, "-c", FROZEN_AGENT, str(stick), str(agent_data), *map(str, disks)],
        env=_env(tmp_path, agent_data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(child)
    station = None
    try:
        address = lines.until("Agent ").split()[1]
        station = subprocess.Popen(
            [*CLI, "laptop-erase", address, CODE, *confirms, "--method", "clear-random",
             "--lang", "en"],
            env=_env(tmp_path, tmp_path / "station-data"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        lines.until("checkpoint", 120)
        lines.until("checkpoint", 120)  # both disks stopped at a checkpoint kept on the stick
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        lines.thread.join(30)
    assert station is not None
    out, err = station.communicate(timeout=120)
    assert station.returncode == 2 and "NOT ERASED" in err, (out, err)
    kept = {
        json.loads(p.read_text())["serial"]: json.loads(p.read_text())
        for p in (stick / "etabli-checkpoints").glob("*.json")
    }
    assert set(kept) == {"disk-LAPA1", "disk-LAPB2"}
    assert all(0 < k["offset"] <= size for k in kept.values())

    # Booted again from the same stick: the station pairs again and is offered the resume.
    argv = [*CLI, "agent", "--bundle-dir", str(stick), "--pair-code", CODE, "--listen",
            "127.0.0.1:0", "--data-dir", str(agent_data)]  # fmt: skip
    for d in disks:
        argv += ["--disk", str(d)]
    agent = subprocess.Popen(
        argv,
        env=_env(tmp_path, agent_data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(agent)
    try:
        address = lines.until("Agent ").split()[2]
        done = _station(tmp_path, "laptop-erase", address, CODE, *confirms, "--json")
        assert done.returncode == 0, done.stderr
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(30)
        lines.thread.join(30)
    record = json.loads(done.stdout)
    assert [(d["serial"], d["result"]) for d in record["disks"]] == [
        ("disk-LAPA1", "erased"),
        ("disk-LAPB2", "erased"),
    ]
    assert list((stick / "etabli-checkpoints").glob("*.json")) == []  # let go once verified

    for disk, image in zip(record["disks"], disks, strict=True):
        facts = _facts(tmp_path, disk["asset_code"])
        cut, carried = _of(facts, "erasure.started")
        assert cut["erasure_id"] != carried["erasure_id"]  # a new job, a new erasure
        assert _of(facts, "job.interrupted")[0]["job_id"] == cut["job_id"]
        first, again = _of(facts, "erasure.pass_started")
        assert (first["resumed"], again["resumed"]) == (False, True)
        assert again["stream"] == first["stream"] == kept[disk["serial"]]["stream"]
        assert again["start_byte"] == kept[disk["serial"]]["offset"]
        (passed,) = _of(facts, "erasure.pass_finished")
        assert passed["erasure_id"] == carried["erasure_id"]
        assert (passed["bytes"], passed["completed"]) == (size - again["start_byte"], True)
        (verified,) = _of(facts, "erasure.verified")
        assert (verified["mode"], verified["bytes_checked"], verified["ok"]) == ("full", size, True)
        (finished,) = _of(facts, "erasure.finished")
        assert (finished["erasure_id"], finished["result"]) == (carried["erasure_id"], "erased")
        _scanned(image, first["stream"])

        from bench_app.output.certificates.references import certificate_reference

        text = _certificate_text(tmp_path, disk["asset_code"])
        assert "Certificat d’effacement de données" in text
        assert certificate_reference(carried["erasure_id"]) in text
        assert certificate_reference(cut["erasure_id"]) not in text
