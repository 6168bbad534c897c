#!/usr/bin/env python3
"""Erasure at disk speed, beside `dd` on the same targets, in one run, as ratios:

1. one target at a time (a loop device over an image file, then the plain image file),
   the two tools one after the other in alternating order, medians of N repetitions:
   `dd if=/dev/zero oflag=direct conv=fsync` vs the zero pass and the random (AES-256-CTR)
   pass; `dd of=/dev/null iflag=direct` vs the full verification of zeros and of the random
   stream, with beside them the verification's reads alone (its threads and chunks, nothing
   compared: the limit of a verification reading this way on this disk); and the whole
   `etabli erase --method clear-random --verify full` command vs a dd write followed by a dd
   read of the same image;
2. four image files at once: four passes on four threads (one worker per drive, as the
   station runs them) vs four `dd` processes at once, aggregate throughput;
3. the window's event-loop latency (a 10 ms timer, offscreen) while the station's job
   engine erases four image files (clear-random, full verification), beside idle.

Only image files this run creates, and loop devices it attaches over them, are written to;
all are removed or detached at the end. Needs root for the loop device (skipped otherwise).

    .venv/bin/python benchmarks/bench_erase.py [--size-mib 2048] [--reps 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import mmap
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import _common

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication

from bench_app.devices.drives.blockio import CHUNK, BlockIO, Control
from bench_app.devices.drives.handle import DriveHandle
from bench_app.erasure.overwrite import READS, Pattern, Stream, overwrite, verify
from bench_app.settings import Settings
from bench_app.station import Station
from ui.app import build_window, create_app
from ui.latency import LatencyProbe

MiB = 1 << 20
DD_BLOCK = 4 * MiB  # dd's bs=4M
MARGIN = 512 * MiB  # free space left over besides the images
T = TypeVar("T")
Times = dict[str, list[float]]


# -- targets ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Target:
    """An image file this run made, or a loop device this run attached over one."""

    path: str  # what is written to
    image: Path
    size: int
    loop: bool = False

    @property
    def kind(self) -> str:
        return "loop" if self.loop else "file"

    def check_ours(self) -> None:
        """Refuses anything but what this run made, right before every write."""
        if not self.image.is_file() or self.image.stat().st_size != self.size:
            raise RuntimeError(f"{self.image} is not the image this benchmark made")
        if not self.loop:
            if os.path.realpath(self.path) != str(self.image):
                raise RuntimeError(f"{self.path} is not the image this benchmark made")
            return
        name = Path(self.path).name
        backing = Path(f"/sys/block/{name}/loop/backing_file")
        try:
            held = backing.read_text().strip()
        except OSError:
            held = ""
        if os.path.realpath(held) != str(self.image):
            raise RuntimeError(f"{self.path} is no longer the loop device over {self.image}")


def make_image(folder: Path, label: str, size: int) -> Path:
    """A new image file, written once in full so that its blocks are allocated before any
    measurement. Its name's stem stands in for the serial."""
    path = (folder / f"ETABLI-BENCH-{label}-{secrets.token_hex(2).upper()}.img").resolve()
    with open(path, "xb") as f:
        f.truncate(size)
    dd_write(Target(str(path), path, size))
    return path


def attach_loop(image: Path) -> str:
    done = subprocess.run(
        ["losetup", "--find", "--show", "--direct-io=on", str(image)],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def detach_loop(device: str) -> None:
    subprocess.run(["losetup", "--detach", device], check=False, capture_output=True)


def loop_direct_io(device: str) -> bool:
    try:
        return Path(f"/sys/block/{Path(device).name}/loop/dio").read_text().strip() == "1"
    except OSError:
        return False


# -- the reference: dd -------------------------------------------------------------------------


def dd_write_argv(t: Target) -> list[str]:
    t.check_ours()
    # A file target always gets count= and notrunc: without count, dd would fill the disk.
    conv = "fsync" if t.loop else "notrunc,fsync"
    return [
        "dd",
        "if=/dev/zero",
        f"of={t.path}",
        "bs=4M",
        f"count={t.size // DD_BLOCK}",
        "oflag=direct",
        f"conv={conv}",
        "status=none",
    ]


def dd_read_argv(t: Target) -> list[str]:
    return [
        "dd",
        f"if={t.path}",
        "of=/dev/null",
        "bs=4M",
        f"count={t.size // DD_BLOCK}",
        "iflag=direct",
        "status=none",
    ]


# CPU seconds of every dd run and the bytes it moved, for the CPU-per-GiB reference
DD_CPU: list[tuple[float, int]] = []


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: Sequence[str], size: int = 0) -> float:
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(argv, check=True)
    seconds = time.perf_counter() - start
    if size:
        DD_CPU.append((_children_cpu() - cpu, size))
    return seconds


def dd_write(t: Target) -> float:
    return timed(dd_write_argv(t), t.size)


def dd_read(t: Target) -> float:
    return timed(dd_read_argv(t), t.size)


def dd_at_once(argvs: list[list[str]]) -> float:
    start = time.perf_counter()
    procs = [subprocess.Popen(argv) for argv in argvs]
    try:
        codes = [p.wait() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    if any(codes):
        raise RuntimeError(f"dd failed: {codes}")
    return time.perf_counter() - start


# -- Établi's engine ---------------------------------------------------------------------------


@dataclass(slots=True)
class Engine:
    chunk: int = CHUNK
    direct_io: set[bool] = field(default_factory=set)
    # CPU seconds of this process (every thread) and bytes, for each random pass or its check
    cpu: list[tuple[float, int]] = field(default_factory=list)
    count_cpu: bool = True  # off while several targets run at once (one process's CPU)

    def write(self, t: Target, pattern: Pattern) -> tuple[float, Stream]:
        t.check_ours()
        stream = Stream.new(pattern)
        cpu = time.process_time()
        start = time.perf_counter()
        io = BlockIO(t.path, write=True)
        try:
            result = overwrite(io, t.size, stream, Control(threading.Event()), chunk=self.chunk)
        finally:
            io.close()
        seconds = time.perf_counter() - start
        if pattern is Pattern.RANDOM and self.count_cpu:
            self.cpu.append((time.process_time() - cpu, t.size))
        self.direct_io.add(io.direct)
        if not result.completed or result.errors or result.bytes_done != t.size:
            raise RuntimeError(f"the pass on {t.path} did not finish cleanly: {result}")
        return seconds, stream

    def check(self, t: Target, stream: Stream) -> float:
        cpu = time.process_time()
        start = time.perf_counter()
        io = BlockIO(t.path, write=False)
        try:
            result = verify(io, t.size, stream, Control(threading.Event()), chunk=self.chunk)
        finally:
            io.close()
        seconds = time.perf_counter() - start
        if stream.pattern is Pattern.RANDOM and self.count_cpu:
            self.cpu.append((time.process_time() - cpu, t.size))
        if not result.ok or result.bytes_checked != t.size:
            raise RuntimeError(f"the verification of {t.path} failed: {result.to_json()}")
        return seconds


def bare_reads(t: Target, chunk: int) -> float:
    """The verification's reads and nothing else: READS threads, each reading every
    READS-th chunk into one page-aligned buffer with O_DIRECT, nothing compared, nothing
    reported. What the verification would take if comparing cost nothing (seconds)."""
    fd = os.open(t.path, os.O_RDONLY | os.O_DIRECT)
    offsets = list(range(0, t.size, chunk))

    def reader(first: int) -> None:
        view = memoryview(mmap.mmap(-1, chunk))
        for offset in offsets[first::READS]:
            got = os.preadv(fd, [view[: min(chunk, t.size - offset)]], offset)
            if got <= 0:
                raise OSError(f"short read at {offset} of {t.path}")

    try:
        return on_threads([partial(reader, i) for i in range(READS)])[0]
    finally:
        os.close(fd)


def on_threads(work: Sequence[Callable[[], T]]) -> tuple[float, list[T]]:
    """Runs each callable on a thread of its own; (wall seconds, results)."""
    results: list[T | None] = [None] * len(work)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = work[i]()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if errors:
        raise errors[0]
    return seconds, [r for r in results if r is not None]


# -- the measurements --------------------------------------------------------------------------


def ordered(items: list[T], flip: bool) -> list[T]:
    return list(reversed(items)) if flip else list(items)


def add(times: Times, name: str, seconds: float) -> None:
    times.setdefault(name, []).append(seconds)


def one_target(t: Target, engine: Engine, reps: int) -> Times:
    """Each write, then the reads of what it left, the order flipped every other repetition."""
    times: Times = {}
    zeros = Stream(Pattern.ZEROS)
    for rep in range(reps):
        flip = rep % 2 == 1

        def zero_block(flip: bool) -> None:
            for name in ordered(["dd_write", "engine_zero"], flip):
                if name == "dd_write":
                    add(times, name, dd_write(t))
                else:
                    add(times, name, engine.write(t, Pattern.ZEROS)[0])
            for name in ordered(["dd_read_zeros", "verify_zeros"], flip):
                add(times, name, dd_read(t) if name == "dd_read_zeros" else engine.check(t, zeros))

        def random_block(flip: bool) -> None:
            seconds, stream = engine.write(t, Pattern.RANDOM)
            add(times, "engine_random", seconds)
            readers = {
                "dd_read_random": lambda: dd_read(t),
                "verify_random": lambda: engine.check(t, stream),
                "bare_reads": lambda: bare_reads(t, engine.chunk),
            }
            for name in ordered(list(readers), flip):
                add(times, name, readers[name]())

        for block in ordered([zero_block, random_block], flip):
            block(flip)
    return times


def whole_command(t: Target, reps: int, scratch: Path) -> tuple[Times, list[dict[str, Any]]]:
    """`etabli erase` (a process of its own, a new data folder each time) vs dd write + read."""
    times: Times = {}
    records: list[dict[str, Any]] = []
    serial = t.image.stem
    for rep in range(reps):
        for name in ordered(["etabli_erase", "dd_write_read"], rep % 2 == 1):
            if name == "dd_write_read":
                add(times, name, dd_write(t) + dd_read(t))
                continue
            t.check_ours()
            data = Path(tempfile.mkdtemp(prefix="data-", dir=scratch))
            argv = [
                sys.executable,
                "-m",
                "bench_app.commands.main",
                "erase",
                t.path,
                "--method",
                "clear-random",
                "--verify",
                "full",
                "--confirm-serial",
                serial[-4:],
                "--json",
                "--data-dir",
                str(data),
            ]
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, cwd=_common.ROOT)
            add(times, name, time.perf_counter() - start)
            shutil.rmtree(data, ignore_errors=True)
            if done.returncode != 0:
                raise RuntimeError(f"etabli erase failed ({done.returncode}): {done.stderr}")
            record = json.loads(done.stdout)
            if record.get("result") != "erased":
                raise RuntimeError(f"etabli erase did not erase: {record.get('reasons')}")
            records.append(
                {
                    "pass_seconds": record["passes"][0]["seconds"],
                    "verify_seconds": record["verification"]["seconds"],
                    "duration_seconds": record["duration_seconds"],
                }
            )
    return times, records


def at_once(targets: list[Target], engine: Engine, reps: int) -> Times:
    times: Times = {}
    for rep in range(reps):
        flip = rep % 2 == 1

        def zero_block(flip: bool) -> None:
            for name in ordered(["dd_write", "engine_zero"], flip):
                if name == "dd_write":
                    add(times, name, dd_at_once([dd_write_argv(t) for t in targets]))
                else:
                    work = [partial(engine.write, t, Pattern.ZEROS) for t in targets]
                    add(times, name, on_threads(work)[0])

        def random_block(flip: bool) -> None:
            seconds, written = on_threads(
                [partial(engine.write, t, Pattern.RANDOM) for t in targets]
            )
            add(times, "engine_random", seconds)
            streams = [stream for _, stream in written]
            for name in ordered(["dd_read_random", "verify_random"], flip):
                if name == "dd_read_random":
                    add(times, name, dd_at_once([dd_read_argv(t) for t in targets]))
                else:
                    checks = [
                        partial(engine.check, t, s) for t, s in zip(targets, streams, strict=True)
                    ]
                    add(times, name, on_threads(checks)[0])

        for block in ordered([zero_block, random_block], flip):
            block(flip)
    return times


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.001)


def ui_latency(
    targets: list[Target], scratch: Path, timeout: float, *, with_window: bool
) -> dict[str, Any]:
    """How late a 10 ms timer fires while the station's job engine erases the targets at
    once (clear-random, full verification), beside idle: with the window shown (offscreen),
    or with a bare QApplication (what the engine and the station cost without the window)."""
    for t in targets:
        t.check_ours()
    app = create_app()
    data = Path(tempfile.mkdtemp(prefix="station-", dir=scratch))
    station = Station(data, settings=Settings(max_parallel_jobs=len(targets)))
    window = build_window(station, app, "fr") if with_window else None
    try:
        if window is not None:
            window.resize(1280, 800)
            window.show()
        devices = [station.device_connected(DriveHandle(t.path)) for t in targets]
        spin(1.0)
        idle = LatencyProbe(10)
        idle.start()
        spin(3.0)
        idle.stop()

        busy = LatencyProbe(10)
        busy.start()
        start = time.perf_counter()
        for device, t in zip(devices, targets, strict=True):
            options = {
                "method": "clear-random",
                "verify": "full",
                "confirm_serial": t.image.stem[-4:],
            }
            station.start_job(device.id, "drive.erase", options)
        deadline = start + timeout
        while station.engine.active() and time.perf_counter() < deadline:
            spin(0.05)
        elapsed = time.perf_counter() - start
        busy.stop()
        states = []
        for device in devices:
            job = station.latest_job(device.id)
            states.append(job.state.value if job is not None else "none")
        cards = len(window.cards) if window is not None else 0
    finally:
        if window is not None:
            window.shutdown()
        station.close()
        shutil.rmtree(data, ignore_errors=True)
    return {
        "window": with_window,
        "drives": len(targets),
        "cards_shown": cards,
        "job_states": states,
        "jobs_wall_s": round(elapsed, 2),
        "idle_samples": len(idle.samples),
        "idle_p50_ms": round(idle.percentile(50), 2),
        "idle_p95_ms": round(idle.percentile(95), 2),
        "idle_max_ms": round(max(idle.samples), 2),
        "busy_samples": len(busy.samples),
        "busy_p50_ms": round(busy.percentile(50), 2),
        "busy_p95_ms": round(busy.percentile(95), 2),
        "busy_max_ms": round(max(busy.samples), 2),
    }


# -- reporting -------------------------------------------------------------------------------


def mbps(size: int, seconds: float) -> float:
    return round(size / seconds / 1e6, 1)


def summarize(times: Times, size: int, pairs: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Medians as MB/s, and for each (label, ours, reference) the ratio ours/reference of
    throughputs (above 1: Établi is faster)."""
    medians = {name: _common.median(values) for name, values in times.items()}
    out: dict[str, Any] = {
        "median_mbps": {name: mbps(size, s) for name, s in medians.items()},
        "median_seconds": {name: round(s, 3) for name, s in medians.items()},
        # every repetition, slowest to fastest: how much the disk wandered
        "all_mbps": {name: sorted(mbps(size, s) for s in values) for name, values in times.items()},
        "ratios": {},
    }
    for label, ours, reference in pairs:
        out["ratios"][label] = round(medians[reference] / medians[ours], 3)
    return out


SINGLE_PAIRS = [
    ("zero_pass_vs_dd_write", "engine_zero", "dd_write"),
    ("random_pass_vs_dd_write", "engine_random", "dd_write"),
    ("verify_zeros_vs_dd_read", "verify_zeros", "dd_read_zeros"),
    ("verify_random_vs_dd_read", "verify_random", "dd_read_random"),
    ("bare_reads_vs_dd_read", "bare_reads", "dd_read_random"),
]
PARALLEL_PAIRS = [
    ("zero_passes_vs_dd_writes", "engine_zero", "dd_write"),
    ("random_passes_vs_dd_writes", "engine_random", "dd_write"),
    ("verify_random_vs_dd_reads", "verify_random", "dd_read_random"),
]
LABELS = {
    "zero_pass_vs_dd_write": ("zero pass", "engine_zero", "dd_write"),
    "random_pass_vs_dd_write": ("random pass (AES-256-CTR)", "engine_random", "dd_write"),
    "verify_zeros_vs_dd_read": ("full verify, zeros", "verify_zeros", "dd_read_zeros"),
    "verify_random_vs_dd_read": ("full verify, random", "verify_random", "dd_read_random"),
    "bare_reads_vs_dd_read": ("bare reads, nothing compared", "bare_reads", "dd_read_random"),
    "zero_passes_vs_dd_writes": ("zero passes", "engine_zero", "dd_write"),
    "random_passes_vs_dd_writes": ("random passes", "engine_random", "dd_write"),
    "verify_random_vs_dd_reads": ("full verify, random", "verify_random", "dd_read_random"),
}


def print_table(figures: dict[str, Any]) -> None:
    print(f"{'target':<8} {'measure':<26} {'Établi':>14} {'dd':>14} {'Établi/dd':>10}")
    for key in ("loop", "file", "at_once"):
        part = figures.get(key)
        if not part or "ratios" not in part:
            continue
        where = f"{figures['targets_at_once']}× file" if key == "at_once" else key
        unit = "MB/s∑" if key == "at_once" else "MB/s"
        for label, ratio in part["ratios"].items():
            text, ours, reference = LABELS[label]
            print(
                f"{where:<8} {text:<26} {part['median_mbps'][ours]:>8.0f} {unit:<5} "
                f"{part['median_mbps'][reference]:>8.0f} {unit:<5} {ratio:>10.2f}"
            )
    command = figures.get("whole_command")
    if command:
        print(
            f"{'file':<8} {'etabli erase, wall':<26} {command['etabli_erase_s']:>10.2f} s   "
            f"{command['dd_write_read_s']:>10.2f} s   {command['ratio']:>10.2f}"
        )
    stations = figures.get("station_jobs", {})
    if stations:
        print("\nevent loop, 10 ms timer, late by (ms)   p50 / p95 / max")
    for key, text in (("bare", "no window"), ("window", "window")):
        ui = stations.get(key)
        if not ui:
            continue
        print(
            f"  {text:<9} idle                   {ui['idle_p50_ms']:6.2f} / "
            f"{ui['idle_p95_ms']:6.2f} / {ui['idle_max_ms']:6.2f}\n"
            f"  {text:<9} {ui['drives']} station erasures    {ui['busy_p50_ms']:6.2f} / "
            f"{ui['busy_p95_ms']:6.2f} / {ui['busy_max_ms']:6.2f}   "
            f"({', '.join(sorted(set(ui['job_states'])))}, {ui['jobs_wall_s']:.1f} s; "
            f"dd write + read at once: {ui['dd_write_read_at_once_s']:.1f} s)"
        )
    print()


def disk_of(folder: Path) -> str:
    done = subprocess.run(
        ["findmnt", "--noheadings", "--output", "SOURCE,FSTYPE", "--target", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    return " ".join(done.stdout.split())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


# -- main --------------------------------------------------------------------------------------


def aes_floor(size: int) -> float:
    """CPU seconds per GiB written and verified that the AES-256-CTR stream alone costs in
    this process now (made twice: once to write, once to compare), under the same load as
    the passes: no pass that checks every byte against the stream can go below it."""
    stream = Stream.new(Pattern.RANDOM)
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    zeros = bytes(CHUNK)
    todo = max(size, 256 * MiB)
    cpu = time.process_time()
    for _ in range(2):
        for offset in range(0, todo, CHUNK):
            stream.fill(offset, view, zeros)
    return (time.process_time() - cpu) / (todo / (1 << 30))


def erase_measures(figures: dict[str, Any], engine: Engine) -> list[dict[str, Any]]:
    """The measure records: verification of a random pass against a dd read (on the loop
    device where there is one, else the image file), CPU per GiB written and verified, and
    the whole command."""
    speed = "dd seconds / ours (above 1: Établi is faster)"
    single = figures["loop"] if "median_seconds" in figures.get("loop", {}) else figures["file"]
    seconds = single["median_seconds"]
    gib = 1 << 30
    # Random passes and their checks, each alone in this process (one write, then one full
    # read per pass): CPU seconds per GiB of drive written and verified. dd: its CPU per GiB
    # moved, twice (one write and one read of each GiB).
    ours_cpu = sum(c for c, _ in engine.cpu) / (sum(n for _, n in engine.cpu) / 2 / gib)
    dd_cpu = 2 * sum(c for c, _ in DD_CPU) / (sum(n for _, n in DD_CPU) / gib)
    whole = figures["whole_command"]
    records = [
        _common.measure(
            "verify_random_vs_dd_read",
            seconds["verify_random"],
            seconds["dd_read_random"],
            "s",
            seconds["dd_read_random"] / seconds["verify_random"],
            ratio_means=speed,
        ),
        # The same reads with nothing compared, in the same rotation: the limit of a
        # verification that reads this way on this disk (no goal).
        _common.measure(
            "verify_bare_reads_vs_dd_read",
            seconds["bare_reads"],
            seconds["dd_read_random"],
            "s",
            seconds["dd_read_random"] / seconds["bare_reads"],
            ratio_means=speed,
        ),
        _common.measure(
            "random_pass_vs_dd_write",
            seconds["engine_random"],
            seconds["dd_write"],
            "s",
            seconds["dd_write"] / seconds["engine_random"],
            ratio_means=speed,
        ),
        _common.measure("erase_cpu_per_gib", ours_cpu, dd_cpu, "CPU-s/GiB"),
        # The stream's own cost at this moment, beside: the part of the figure above no
        # engine can remove (a shared machine's load raises both alike).
        _common.measure(
            "erase_cpu_aes_floor_per_gib",
            figures["aes_floor_cpu_per_gib"],
            dd_cpu,
            "CPU-s/GiB",
        ),
        _common.measure(
            "erase_command_vs_dd_write_read",
            whole["etabli_erase_s"],
            whole["dd_write_read_s"],
            "s",
            whole["ratio"],
            ratio_means=speed,
        ),
    ]
    at_once = figures["at_once"]["ratios"]
    records.append(
        _common.measure(
            "verify_random_at_once_vs_dd_reads",
            figures["at_once"]["median_seconds"]["verify_random"],
            figures["at_once"]["median_seconds"]["dd_read_random"],
            "s",
            at_once["verify_random_vs_dd_reads"],
            ratio_means=speed,
        )
    )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=2048, help="per target (multiple of 4)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (medians are kept)")
    parser.add_argument("--at-once", type=int, default=4, help="targets erased at once")
    parser.add_argument("--chunk-mib", type=int, default=CHUNK // MiB, help="the engine's writes")
    parser.add_argument("--no-ui", action="store_true", help="skip the window's latency")
    _common.add_json_flag(parser)
    args = parser.parse_args()
    if args.size_mib < 64 or args.size_mib % 4:
        parser.error("--size-mib: a multiple of 4, at least 64")
    if args.reps < 1 or args.at_once < 1:
        parser.error("--reps and --at-once must be at least 1")
    if shutil.which("dd") is None:
        raise SystemExit("dd (coreutils) is needed as the reference")
    size = args.size_mib * MiB
    base = Path(tempfile.gettempdir())
    use_loop = os.geteuid() == 0 and shutil.which("losetup") is not None
    images = args.at_once + (1 if use_loop else 0)
    needed = images * size + MARGIN
    free = shutil.disk_usage(base).free
    if free < needed:
        print(
            f"Not enough free space in {base}: this benchmark needs {needed / 2**30:.1f} GiB "
            f"({images} images of {args.size_mib} MiB), {free / 2**30:.1f} GiB are free. "
            "Try a smaller --size-mib.",
            file=sys.stderr,
        )
        raise SystemExit(2)

    engine = Engine(chunk=args.chunk_mib * MiB)
    figures: dict[str, Any] = {
        "size_mib": args.size_mib,
        "reps": args.reps,
        "targets_at_once": args.at_once,
        "engine_chunk_mib": args.chunk_mib,
        "dd_block_mib": DD_BLOCK // MiB,
        "disk": disk_of(base),
        "cpu": cpu_model(),
        "kernel": os.uname().release,
    }
    scratch = Path(tempfile.mkdtemp(prefix="etabli-erase-bench-", dir=base)).resolve()
    loops: list[str] = []
    try:
        files = [
            Target(str(p), p, size)
            for p in (make_image(scratch, f"D{i + 1}", size) for i in range(args.at_once))
        ]
        if use_loop:
            backing = make_image(scratch, "LOOP", size)
            try:
                device = attach_loop(backing)
            except subprocess.CalledProcessError as exc:
                figures["loop"] = {"skipped": (exc.stderr or str(exc)).strip()}
            else:
                loops.append(device)
                loop = Target(device, backing, size, loop=True)
                figures["loop_device"] = {"direct_io": loop_direct_io(device)}
                figures["loop"] = summarize(one_target(loop, engine, args.reps), size, SINGLE_PAIRS)
        else:
            figures["loop"] = {"skipped": "loop devices need root"}

        figures["file"] = summarize(one_target(files[0], engine, args.reps), size, SINGLE_PAIRS)

        command, records = whole_command(files[0], args.reps, scratch)
        etabli_s = _common.median(command["etabli_erase"])
        dd_s = _common.median(command["dd_write_read"])
        figures["whole_command"] = {
            "etabli_erase_s": round(etabli_s, 3),
            "dd_write_read_s": round(dd_s, 3),
            "ratio": round(dd_s / etabli_s, 3),
            "inside_etabli_median": {
                key: round(_common.median([r[key] for r in records]), 3) for key in records[0]
            },
        }

        figures["aes_floor_cpu_per_gib"] = round(aes_floor(size), 4)
        engine.count_cpu = False
        parallel = at_once(files, engine, args.reps)
        figures["at_once"] = summarize(parallel, size * len(files), PARALLEL_PAIRS)
        figures["engine_direct_io"] = sorted(engine.direct_io)

        if not args.no_ui:
            timeout = 600 + 20 * size / 1e9 * len(files)
            dd_s = _common.median(parallel["dd_write"]) + _common.median(parallel["dd_read_random"])
            stations: dict[str, Any] = {}
            for key, with_window in (("bare", False), ("window", True)):
                found = ui_latency(files, scratch, timeout, with_window=with_window)
                found["dd_write_read_at_once_s"] = round(dd_s, 2)
                found["ratio_vs_dd_write_read"] = round(dd_s / found["jobs_wall_s"], 3)
                stations[key] = found
            figures["station_jobs"] = stations
    finally:
        for device in loops:
            detach_loop(device)
        shutil.rmtree(scratch, ignore_errors=True)

    print_table(figures)
    _common.report("erase", figures, erase_measures(figures, engine), as_json=args.json)


if __name__ == "__main__":
    main()
