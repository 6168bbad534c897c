"""A laptop done alone, with no network: `etabli agent --bundle-dir DIR`, DIR being the
Établi stick the laptop booted from.

The stick is enrolled at a station first (`prepare_stick`, `etabli stick-prepare DIR`): it
gets its own signing key and its own asset-code prefix in DIR/etabli-stick/ (a data folder
of its own, with its own event log), and the station keeps the stick's public key among the
keys it trusts. The station's key never leaves the station.

On the laptop the agent records, in the stick's log, the same facts a station records
through the network (laptop_erasure.py): the laptop registered with a sticker-ready asset
code (the stick's prefix, so it cannot collide with the station's codes) and its inventory,
each disk confirmed by the operator registered as a drive linked to the laptop
(`disk.linked`), and its erasure (Clear, full verification) with a checkpoint every few
seconds. After each run the whole log is written as one signed bundle in DIR
(sync/bundle.py: idempotent import, a cut bundle refused whole), which the station imports
and certifies.

A power cut mid-erasure leaves the job running in the stick's log with its last
checkpoint: the next run marks it interrupted, then resumes the same pass (same stream)
from that checkpoint, and the full verification reads the whole disk back."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.agent_tests import TestDesk
from bench_app.devices.this_machine.inventory import inventory_this_machine, run_program
from bench_app.diagnostics.laptop_guided import (
    KO,
    LAPTOP_TESTS,
    OK,
    SKIPPED,
    LaptopTest,
    automated_readings,
)
from bench_app.domain.asset_code import TRAINING_PREFIX, new_station_prefix
from bench_app.domain.model import Device, JobState
from bench_app.erasure import overwrite as io
from bench_app.erasure.agent_erase import erase_one
from bench_app.erasure.drive_erase import CLEAR_RANDOM, CLEAR_ZERO
from bench_app.erasure.records import erasure_records
from bench_app.erasure.verdict import erasure_reasons
from bench_app.errors import BenchError
from bench_app.input_files import shown
from bench_app.install.agent_write import CHUNK, END_FRAME, WriteRefused, chunk_frame, write_through
from bench_app.install.image_writer import (
    ImagePlan,
    _ImageReader,
    check_layout,
    file_sha256,
    plan_image,
)
from bench_app.install.images import IMAGE_SUFFIXES, published_checksums
from bench_app.laptop_agent import agent_disks
from bench_app.laptop_erasure import _disk_device, chosen_disks, start_facts
from bench_app.laptop_system_image import (
    image_order,
    record_write_finished,
    record_write_started,
    record_write_stopped,
    unerased_disks,
)
from bench_app.laptop_tests import begin_check, chosen_tests, end_check, record_answer
from bench_app.laptops import _record_laptop, record_facts
from bench_app.settings import Settings
from bench_app.signing import (
    KEYS_DIR,
    STATION_KEY_NAME,
    StationKey,
    TrustedKey,
    public_pem,
    trust_key_file,
)
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.store.uuid7 import uuid7_str
from bench_app.sync.bundle import BundleHeader, export_bundle
from bench_app.text import Text

STICK_DATA = "etabli-stick"  # the stick's own data folder, inside DIR
BUNDLE_NAME = "etabli-stick.bundle"  # the signed bundle of every fact the stick recorded
PUBLIC_NAME = "stick-public.pem"  # the stick's public key, for a hub's keyring
OFFLINE_ADDRESS = "offline"  # where the laptop was reached: on its own, no station
METHODS = (CLEAR_ZERO, CLEAR_RANDOM)

Say = Callable[[Text], None]
Ask = Callable[[Text], str | None]  # None: no operator to answer (end of input)
# One guided test run on the laptop: {"answer" (ok, ko, skipped), "by", "readings"}.
Tester = Callable[[LaptopTest], dict[str, Any]]
KEYS = {"o": OK, "y": OK, "n": KO, "p": SKIPPED, "s": SKIPPED}  # typed at the console


def stick_folder(stick_dir: Path) -> Path:
    return Path(stick_dir) / STICK_DATA


def bundle_path(stick_dir: Path) -> Path:
    return Path(stick_dir) / BUNDLE_NAME


@dataclass(frozen=True)
class Enrolled:
    """A stick enrolled at a station: its key (trusted there) and its asset-code prefix."""

    key: TrustedKey
    prefix: str
    public_file: Path


def _prefixes_in_use(store: Store) -> set[str]:
    rows = store.query("SELECT DISTINCT substr(asset_code, 1, 4) FROM devices")
    return {str(r[0]) for r in rows} | {store.station_prefix, TRAINING_PREFIX}


def prepare_stick(station_folder: Path, stick_dir: Path) -> Enrolled:
    """Enrols the stick at `stick_dir` at this station: makes the stick's signing key (kept
    when it has one), gives it an asset-code prefix no device of this station carries (its
    own kept when free), and adds its public key to the station's trusted keys. Doing it
    again is harmless."""
    folder = stick_folder(stick_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file, a device, a loop of links: no folder to write to
        raise BenchError(
            "STICK_FOLDER_INVALID", path=str(stick_dir), detail=exc.strerror or str(exc)
        ) from exc
    key = StationKey.load_or_create(folder)
    public_file = folder / PUBLIC_NAME
    public_file.write_text(public_pem(key.public), encoding="ascii")
    station = Station(station_folder, recover=False)
    try:
        taken = _prefixes_in_use(station.store)
    finally:
        station.close()
    stick = Store(folder / DB_NAME)
    try:
        prefix = stick.station_prefix
        if prefix in taken:
            while prefix in taken:
                prefix = new_station_prefix()
            # Not a hub's prefix, but given the same way: kept across runs in the stick's log.
            stick.set_station_prefix(prefix)
    finally:
        stick.close()
    trusted = trust_key_file(Path(station_folder), public_file)
    return Enrolled(trusted, prefix, public_file)


def _require_prepared(stick_dir: Path) -> Path:
    folder = stick_folder(stick_dir)
    if not (folder / KEYS_DIR / STATION_KEY_NAME).is_file():
        raise BenchError("STICK_NOT_PREPARED", path=str(stick_dir))
    return folder


def prepare_offline(
    stick_dir: Path, disk_paths: Sequence[str]
) -> tuple[Path, list[dict[str, Any]], dict[str, Any]]:
    """The stick's data folder (STICK_NOT_PREPARED when never enrolled), the laptop's disks
    (the boot stick refused before anything is read) and its description."""
    folder = _require_prepared(stick_dir)
    disks = agent_disks(disk_paths, folder)
    return folder, disks, describe_laptop(disks)


def describe_laptop(disks: list[dict[str, Any]]) -> dict[str, Any]:
    """What the agent tells a station about this laptop: {"agent_id", "identity",
    "inventory", "disks"} (the same as over the network)."""
    real = [(d["path"], d["transport"]) for d in disks if not d["image_file"]]
    inventory = inventory_this_machine(run_program, drives=real)
    return {
        "agent_id": secrets.token_hex(4),
        "identity": inventory.identity(),
        "inventory": inventory.to_json(include_raw=True),
        "disks": disks,
    }


def ask_confirmations(disks: list[dict[str, Any]], ask: Ask, say: Say) -> list[str]:
    """The end of each serial the operator types on the laptop's console, one disk after
    the other; an empty answer keeps that disk, a wrong one is asked again."""
    confirms: list[str] = []
    for disk in disks:
        serial = str(disk.get("serial", ""))
        if disk.get("refusals"):
            say(
                Text(
                    f"Disque n° {serial} : ne peut pas être effacé ({', '.join(disk['refusals'])}).",
                    f"Disk {serial}: may not be erased ({', '.join(disk['refusals'])}).",
                )
            )
            continue
        size = int(disk.get("size_bytes", 0))
        while True:
            typed = ask(
                Text(
                    f"Disque {disk.get('model', '')} ({size} octets) : tapez la fin de son "
                    "numéro de série pour l’effacer, ou Entrée pour le garder.",
                    f"Disk {disk.get('model', '')} ({size} bytes): type the end of its serial "
                    "to erase it, or Enter to keep it.",
                )
            )
            if not typed:
                break
            try:
                chosen_disks([disk], [typed])
            except BenchError as exc:
                say(exc.message)
                continue
            confirms.append(typed)
            break
    return confirms


def _unfinished(store: Store, device: Device) -> dict[str, Any] | None:
    """The erasure a power cut stopped on this disk (started, never finished), or None."""
    records = erasure_records(store, device.id)
    last = records[-1] if records else None
    return last if last is not None and last["result"] == "in_progress" else None


def _events_of(store: Store, device: Device, kind: str, erasure_id: str) -> list[dict[str, Any]]:
    return [
        e.payload
        for e in queries.events(store, device.id)
        if e.type == kind and e.payload.get("erasure_id") == erasure_id
    ]


def _begin(
    station: Station,
    device: Device,
    disk: dict[str, Any],
    laptop: Device,
    method: str,
    agent: dict[str, str],
) -> dict[str, Any]:
    """Records a new erasure of `disk` (job, erasure.started, pass_started) or, when a power
    cut stopped one, its resumption from its last checkpoint. Returns the job to run."""
    operator = station.operator
    size = int(disk.get("size_bytes", 0))
    left = _unfinished(station.store, device)
    if left is not None:
        ids = {"job_id": left["job_id"], "erasure_id": left["erasure_id"]}
        first = _events_of(station.store, device, "erasure.pass_started", left["erasure_id"])[0]
        checkpoints = _events_of(station.store, device, "erasure.checkpoint", left["erasure_id"])
        start = max((int(c["offset"]) for c in checkpoints), default=0)
        stream = io.Stream.from_json(first["stream"])
        record_facts(
            station,
            device,
            operator,
            [
                ("job.resumed", {"job_id": ids["job_id"]}),
                ("job.started", {"job_id": ids["job_id"]}),
                (
                    "erasure.pass_started",
                    {
                        **ids,
                        "pass_no": 1,
                        "pattern": stream.pattern.value,
                        "start_byte": start,
                        "end_byte": size,
                        "stream": stream.to_json(),
                        "resumed": True,
                    },
                ),
            ],
        )
        return {**ids, "device": device, "disk": disk, "stream": stream, "start": start,
                "resumed": True, "hidden": left["hidden_areas"]}  # fmt: skip
    pattern = io.Pattern.ZEROS if method == CLEAR_ZERO else io.Pattern.RANDOM
    stream = io.Stream.new(pattern)
    ids = {"job_id": uuid7_str(), "erasure_id": uuid7_str()}
    image = bool(disk.get("image_file"))
    hidden = {"state": "not_applicable" if image else "not_checked"}
    ssd = disk.get("media") == "ssd" and not image
    target = {k: v for k, v in disk.items() if k not in ("refusals", "confirm_serial")}
    facts = start_facts(
        ids,
        device,
        target,
        hidden=hidden,
        ssd=ssd,
        agent=agent,
        computer=laptop.asset_code,
        stream=stream,
        start=0,
        resumed=False,
    )
    record_facts(station, device, operator, facts)
    return {**ids, "device": device, "disk": disk, "stream": stream, "start": 0,
            "resumed": False, "hidden": hidden}  # fmt: skip


def _finish(station: Station, job: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """Records the pass, the verification and the verdict of one disk's report."""
    ids = {"job_id": job["job_id"], "erasure_id": job["erasure_id"]}
    size = int(job["disk"].get("size_bytes", 0))
    facts: list[tuple[str, dict[str, Any]]] = []
    passes: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    found: list[Text] = []
    done, checked = report.get("pass"), report.get("verification")
    if "refused" in report or "failed" in report or not isinstance(done, dict):
        why = str(report.get("refused") or report.get("failed") or "?")[:300]
        found.append(Text(f"Le portable n’a pas effacé : {why}.", f"Not erased: {why}."))
    else:
        fact = {**ids, "pass_no": 1, "pattern": job["stream"].pattern.value, **done}
        facts.append(("erasure.pass_finished", fact))
        passes.append(fact)
        # The pass covers the disk when it reached its end from where it (re)started.
        whole = done["completed"] and job["start"] + done["bytes"] == size
        if isinstance(checked, dict):
            full = checked.get("mode") == "full" and checked.get("bytes_checked") == size
            verified = {**ids, **checked, "ok": bool(checked.get("ok") and whole and full)}
            facts.append(("erasure.verified", verified))
            checks.append(verified)
        if not whole:
            found.append(
                Text(
                    "Le passage ne couvre pas tout le disque.", "The pass does not cover the disk."
                )
            )
    reasons = list(dict.fromkeys(found + erasure_reasons(passes, checks, job["hidden"])))
    result = "erased" if not reasons else "not_erased"
    facts.append(
        ("erasure.finished", {**ids, "result": result, "reasons": [r.to_json() for r in reasons]})
    )
    finished: dict[str, Any] = {
        "job_id": job["job_id"],
        "state": (JobState.SUCCEEDED if not reasons else JobState.BLOCKED).value,
    }
    if reasons:
        finished["message"] = Text(
            "NON EFFACÉ : " + " ".join(r.fr for r in reasons),
            "NOT ERASED: " + " ".join(r.en for r in reasons),
        ).to_json()
    facts.append(("job.finished", finished))
    record_facts(station, job["device"], station.operator, facts)
    return {
        "asset_code": job["device"].asset_code,
        "serial": job["device"].serial,
        "path": job["disk"]["path"],
        "resumed_at": job["start"] if job["resumed"] else None,
        "result": result,
        "reasons": [r.to_json() for r in reasons],
    }


def _erase_all(
    station: Station, jobs: list[dict[str, Any]], folder: Path, say: Say
) -> list[dict[str, Any]]:
    """Every disk at once, each on its own thread, each checkpoint recorded in the stick's
    log as soon as the disk confirmed it."""
    cancelled = threading.Event()
    every = Settings.load(folder).erase_checkpoint_seconds
    reports: dict[str, dict[str, Any]] = {}

    def work(job: dict[str, Any]) -> None:
        path = job["disk"]["path"]
        device = job["device"]
        serial = str(job["disk"].get("serial", ""))

        def checkpoint(offset: int) -> None:
            record_facts(
                station,
                device,
                station.operator,
                [("erasure.checkpoint", {"job_id": job["job_id"], "erasure_id": job["erasure_id"],
                                         "pass_no": 1, "offset": offset})],
            )  # fmt: skip
            say(Text(f"Point de reprise : {serial} {offset}", f"Checkpoint: {serial} {offset}"))

        try:
            reports[path] = erase_one(
                path,
                job["disk"]["confirm_serial"],
                job["stream"],
                folder,
                cancelled,
                lambda _f: None,
                start=job["start"],
                checkpoint=checkpoint,
                checkpoint_seconds=every,
            )
        except Exception as exc:  # a disk gone mid-way: reported, never erased
            reports[path] = {"path": path, "failed": f"{type(exc).__name__}: {exc}"[:300]}

    threads = [threading.Thread(target=work, args=(j,), daemon=True) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [_finish(station, j, reports[j["disk"]["path"]]) for j in jobs]


def run_offline(
    stick_dir: Path,
    disk_paths: Sequence[str],
    *,
    method: str,
    confirms: list[str] | None,
    operator: str,
    say: Say,
    ask: Ask,
    tests: Sequence[LaptopTest] = (),
    tester: Tester | None = None,
    image: ImagePlan | None = None,
    prepared: tuple[Path, list[dict[str, Any]], dict[str, Any]] | None = None,
    on_asset: Callable[[str], None] = lambda _code: None,
) -> dict[str, Any]:
    """The laptop's journey alone: inventory, the laptop's asset code (said at once, to be
    written on it), the disks confirmed (`confirms`, else asked with `ask`) erased in
    parallel with full verification (a power-cut erasure resumed), the guided `tests`
    (each run by `tester`, else asked at the console with `ask`), the system `image`
    (checked with `plan_stick_image`) written to the first disk confirmed once every disk
    is verified erased, then every fact of the stick written as one signed bundle in
    `stick_dir`. Facts are those a station records online. `prepared`: what
    `prepare_offline` already read (the window needs it first); `on_asset(code)` is told
    the laptop's asset code as soon as it has one. Returns {"asset_code",
    "serial", "bundle", "disks": [{"asset_code", "serial", "path", "resumed_at", "result",
    "reasons"}], "tests": [{"test", "answer", "by", "readings"}], "image": None or
    {"result", "reasons", ...}}."""
    if method not in METHODS:
        raise BenchError(
            "ERASE_METHOD_UNAVAILABLE", method=method, reason=Text("inconnue.", "unknown.")
        )
    folder, disks, description = prepared or prepare_offline(stick_dir, disk_paths)
    key = StationKey.load_or_create(folder)
    # A run killed by a power cut left its jobs running: they are marked interrupted here.
    station = Station(folder, operator=operator)
    try:
        laptop = _record_laptop(station, description, OFFLINE_ADDRESS, operator)
        on_asset(laptop.asset_code)
        say(
            Text(
                f"CODE À ÉCRIRE SUR LE PORTABLE : {laptop.asset_code}",
                f"CODE TO WRITE ON THE LAPTOP: {laptop.asset_code}",
            )
        )
        typed = confirms if confirms is not None else ask_confirmations(disks, ask, say)
        chosen = chosen_disks(disks, typed)
        agent = {"id": description["agent_id"], "address": OFFLINE_ADDRESS}
        jobs = [
            _begin(station, _disk_device(station, d, laptop), d, laptop, method, agent)
            for d in chosen
        ]
        for j in jobs:
            if j["resumed"]:
                say(
                    Text(
                        f"Reprise de l’effacement de {j['device'].serial} à l’octet {j['start']}.",
                        f"Resuming the erasure of {j['device'].serial} at byte {j['start']}.",
                    )
                )
        if jobs:
            say(Text("Effacement en cours…", "Erasing…"))
        results = _erase_all(station, jobs, folder, say) if jobs else []
        answered = run_tests(
            station, laptop, tests, tester or console_tester(ask, say), operator, say
        )
        written = None
        if image is not None:
            written = _write_image(station, laptop, disks, chosen, image, agent, folder, say)
        header = write_bundle(station.store, key, stick_dir)
        outcome = {
            "asset_code": laptop.asset_code,
            "serial": laptop.serial,
            "bundle": str(bundle_path(stick_dir)),
            "events": header.events,
            "disks": results,
            "tests": answered,
            "image": written,
        }
    finally:
        station.close()
    return outcome


def write_bundle(store: Store, key: StationKey, stick_dir: Path) -> BundleHeader:
    """Every fact the stick recorded, as one signed bundle beside its data folder (written
    whole or not at all)."""
    return export_bundle(store, key, bundle_path(stick_dir))


def tests_option(given: str) -> list[LaptopTest]:
    """The guided tests `--tests` names: "none", "all" or ids separated by commas (in the
    list's order); LAPTOP_TEST_UNKNOWN for a name not in the list."""
    if given.strip().lower() == "none":
        return []
    if given.strip().lower() == "all":
        return list(LAPTOP_TESTS)
    ids = [i.strip() for i in given.split(",") if i.strip()]
    if not ids:
        raise BenchError(
            "LAPTOP_TEST_UNKNOWN", test=given[:40], known=", ".join(t.id for t in LAPTOP_TESTS)
        )
    return chosen_tests(ids)


def console_tester(ask: Ask, say: Say) -> Tester:
    """Each test's question asked at the laptop's console (o/n/p), after its automated
    readings; no answer (end of input) leaves the test skipped."""

    def run(test: LaptopTest) -> dict[str, Any]:
        readings = {k: v for k, v in automated_readings(test.id).items() if k != "frame"}
        while True:
            typed = ask(
                Text(
                    f"{test.title.fr} — {test.question.fr} (o/n/p)",
                    f"{test.title.en} — {test.question.en} (y/n/s)",
                )
            )
            if typed is None:
                return {"answer": SKIPPED, "by": "laptop", "readings": readings}
            answer = KEYS.get(typed.strip().lower()[:1])
            if answer is not None:
                return {"answer": answer, "by": "laptop", "readings": readings}
            say(Text("Répondez o (oui), n (non) ou p (passer).", "Answer y, n or s (skip)."))

    return run


def desk_tester(desk: TestDesk) -> Tester:
    """Each test shown on the laptop's own window (the agent's test desk, as when a station
    asks for it) and answered there."""

    def run(test: LaptopTest) -> dict[str, Any]:
        return desk.run({"op": "test", "test": test.id}, lambda _frame: None)

    return run


def run_tests(
    station: Station,
    laptop: Device,
    tests: Sequence[LaptopTest],
    tester: Tester,
    operator: str,
    say: Say,
) -> list[dict[str, Any]]:
    """Runs each test with `tester` and records it as the station does online: one check
    job of the laptop, one step per answer as it comes (laptop_tests' facts)."""
    if not tests:
        return []
    job_id = begin_check(station, laptop, operator, tests)
    results: list[dict[str, Any]] = []
    for index, test in enumerate(tests, start=1):
        say(
            Text(
                f"Test {index}/{len(tests)} : {test.title.fr}",
                f"Test {index}/{len(tests)}: {test.title.en}",
            )
        )
        given = tester(test)
        answer = given.get("answer")
        readings = given.get("readings")
        result = {
            "test": test.id,
            "answer": answer if answer in (OK, KO, SKIPPED) else SKIPPED,
            "by": given.get("by") if given.get("by") in ("laptop", "cancelled") else "laptop",
            "readings": dict(readings) if isinstance(readings, dict) else {},
        }
        record_answer(station, laptop, operator, job_id, test, result)
        results.append(result)
    end_check(station, laptop, operator, job_id)
    return results


def plan_stick_image(images_dir: Path, name: str | None = None) -> ImagePlan:
    """The workshop's image on the stick (`name`, else the only one in `images_dir`), checked
    as the station's library checks an import: the sha256 published beside it (SHA256SUMS,
    <name>.sha256) must match, its block map's too, and it must look like a disk. Refused
    (STICK_IMAGE_CHOOSE, IMAGE_NO_CHECKSUM, IMAGE_CHECKSUM_MISMATCH, DISK_IMAGE_*) before
    anything is erased or written."""
    folder = Path(images_dir)
    if not folder.is_dir():
        raise BenchError(
            "STICK_IMAGE_CHOOSE", name=shown(name or ""), path=shown(str(folder)), names="—"
        )
    sums = published_checksums(folder)
    images = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.name.lower().endswith(IMAGE_SUFFIXES)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    found = [p for p in images if p.name == name] if name else images
    if len(found) != 1:
        raise BenchError(
            "STICK_IMAGE_CHOOSE",
            name=shown(name or ""),
            path=shown(str(folder)),
            names=", ".join(shown(p.name) for p in images)[:300] or "—",
        )
    (path,) = found
    expected = sums.get(path)
    if expected is None:
        raise BenchError("IMAGE_NO_CHECKSUM", name=path.name)
    bmap = path.with_name(path.name + ".bmap")
    if bmap.is_file() and bmap in sums:
        seen = file_sha256(bmap)
        if seen != sums[bmap]:
            raise BenchError(
                "IMAGE_CHECKSUM_MISMATCH", name=bmap.name, expected=sums[bmap][:16], found=seen[:16]
            )
    check_layout(path)
    plan = plan_image(path, bmap=bmap if bmap.is_file() else None, expected_sha256=expected)
    return plan


def _local_frames(plan: ImagePlan, chunks: Any) -> Any:
    """The image's mapped ranges as the frames a station would send (agent_write's)."""
    reader = _ImageReader(plan)
    buf = bytearray(CHUNK)
    try:
        for _index, offset, length, _last in chunks:
            view = memoryview(buf)[:length]
            reader.fill(offset, view)
            yield chunk_frame(offset, view)
        yield END_FRAME
    finally:
        reader.close()


def _write_image(
    station: Station,
    laptop: Device,
    disks: list[dict[str, Any]],
    chosen: list[dict[str, Any]],
    plan: ImagePlan,
    agent: dict[str, str],
    folder: Path,
    say: Say,
) -> dict[str, Any]:
    """The system image written to the first disk confirmed, with the agent's writer and
    its safety rules, read back and recorded as the station records it; never written
    unless every disk the laptop offers is verified erased."""
    operator = station.operator
    missing = unerased_disks(station, laptop, disks) if chosen else ["—"]
    if missing:
        refusal = BenchError("LAPTOP_IMAGE_NOT_ERASED", disks=", ".join(missing))
        say(refusal.message)
        return {
            "image": plan.path.name,
            "result": "not_written",
            "reasons": [refusal.message.to_json()],
        }
    seen = file_sha256(plan.path)  # checked again right before it is written
    if seen != plan.file_sha256:
        refusal = BenchError(
            "DISK_IMAGE_SHA256", name=plan.path.name, expected=plan.file_sha256, found=seen
        )
        say(refusal.message)
        return {
            "image": plan.path.name,
            "result": "not_written",
            "reasons": [refusal.message.to_json()],
        }
    disk = chosen[0]
    device = _disk_device(station, disk, laptop)
    order = image_order(plan, disk)
    job = record_write_started(station, device, laptop, plan, disk, agent, operator)
    say(
        Text(f"Écriture du système sur {device.serial}…", f"Writing the system to {device.serial}…")
    )
    frames = _local_frames(plan, order.chunks())
    try:
        report = write_through(order, lambda: next(frames), lambda _frame: None, folder)
    except WriteRefused as exc:
        stopped = BenchError("LAPTOP_IMAGE_FAILED", detail=str(exc)[:200])
        record_write_stopped(station, device, job, stopped, operator)
        say(stopped.message)
        return {
            "image": plan.path.name,
            "result": "not_installed",
            "reasons": [stopped.message.to_json()],
        }
    finally:
        frames.close()
    result = record_write_finished(station, device, job, plan, order, report, operator)
    result.update(disk_asset_code=device.asset_code)
    return result
