#!/usr/bin/env python3
"""Writing a laptop image: Établi (block map, O_DIRECT) beside `dd` of the whole image and
beside Debian's `bmaptool copy`, on the same loop device, in one run, as ratios.

The image is a sparse raw file of --size-mib (4 GiB by default) of which a quarter is data
(random, so nothing compresses or dedups it), in 16 extents spread over the image, with the
map made by `bmaptool create`. Each repetition runs, in rotating order:
- Établi's write of the mapped ranges (the image's checksums are checked as it is read,
  and the disk is flushed at the end), then, timed apart, its verification (every mapped
  range read back with O_DIRECT and compared with the map's sha256);
- `dd if=IMG of=LOOP bs=4M count=N oflag=direct conv=fsync` (the whole image);
- `bmaptool copy --bmap IMG.bmap IMG LOOP` (mapped ranges, checksums checked, fsync).
- the mapped ranges alone copied dd's way (4 MiB read, then written with O_DIRECT), no
  checksum, fsync: the floor of any write of only the mapped bytes on this disk.
Then once, the whole `etabli write-image` command (station, events, write and verify).
The image is read from the page cache by every tool alike (it was just written).
Ratios > 1 mean Établi took less time. Only files this run makes and the loop device it
attaches over its own target file are written; all are removed at the end. Needs root.

    .venv/bin/python benchmarks/bench_image_write.py [--size-mib 4096] [--reps 3]
"""

from __future__ import annotations

import argparse
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import _common

from bench_app.devices.drives.blockio import BlockIO, Control
from bench_app.install.image_writer import plan_image, verify_image, write_image

MiB = 1 << 20
DD_BLOCK = 4 * MiB
EXTENTS = 16
MARGIN = 1024 * MiB


def make_image(folder: Path, size: int) -> Path:
    """A sparse image, a quarter of it random data in EXTENTS evenly spread extents, with an
    MBR partition table over the start."""
    path = folder / "laptop-image.img"
    data = size // 4 // EXTENTS
    with open(path, "wb") as f:
        f.truncate(size)
        for i in range(EXTENTS):
            f.seek(i * (size // EXTENTS))
            left = data
            while left:
                n = min(left, 16 * MiB)
                f.write(os.urandom(n))
                left -= n
    # A disk image starts with its partition table: write-image refuses one that does not.
    subprocess.run(
        ["sfdisk", "-q", "--no-reread", "--no-tell-kernel", str(path)],
        input="label: dos\nstart=2048, type=L\n",
        text=True,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["bmaptool", "create", str(path), "-o", str(path) + ".bmap"],
        check=True,
        capture_output=True,
    )
    return path


class Target:
    """The loop device this run attached over the target file this run made."""

    def __init__(self, folder: Path, size: int) -> None:
        self.file = folder / "TARGET-B3NCH.img"
        with open(self.file, "wb") as f:
            f.truncate(size)
        out = subprocess.run(
            ["losetup", "--find", "--show", "--direct-io=on", str(self.file)],
            check=True,
            capture_output=True,
            text=True,
        )
        self.dev = out.stdout.strip()
        self.size = size

    def check_ours(self) -> None:
        """Refuses anything but the loop device over this run's file, before every write."""
        backing = Path(f"/sys/block/{Path(self.dev).name}/loop/backing_file")
        if backing.read_text().strip() != str(self.file):
            raise RuntimeError(f"{self.dev} is not the loop device this benchmark attached")

    def detach(self) -> None:
        subprocess.run(["losetup", "--detach", self.dev], check=False, capture_output=True)


def timed(argv: list[str]) -> float:
    began = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True)
    return time.monotonic() - began


def run_dd(image: Path, target: Target) -> float:
    target.check_ours()
    count = image.stat().st_size // DD_BLOCK
    return timed(
        [
            "dd",
            f"if={image}",
            f"of={target.dev}",
            "bs=4M",
            f"count={count}",
            "oflag=direct",
            "conv=fsync",
            "status=none",
        ]
    )


def run_bare_mapped(image: Path, target: Target) -> float:
    """The floor for a tool that writes only the mapped bytes: each mapped range copied the
    way dd copies (read DD_BLOCK from the image, write it with O_DIRECT, one after the
    other), no checksum, fsync at the end. Seconds."""
    target.check_ours()
    block_map = plan_image(image).block_map
    buf = mmap.mmap(-1, DD_BLOCK)
    view = memoryview(buf)
    began = time.monotonic()
    src = os.open(image, os.O_RDONLY)
    out = os.open(target.dev, os.O_WRONLY | os.O_DIRECT)
    try:
        for r in block_map.ranges:
            offset, length = block_map.extent(r)
            for pos in range(offset, offset + length, DD_BLOCK):
                n = min(DD_BLOCK, offset + length - pos)
                part = view[: -(-n // 4096) * 4096]  # O_DIRECT: whole pages
                got = os.preadv(src, [part], pos)
                if got < n:
                    raise OSError(f"short read at {pos} of {image}")
                os.pwritev(out, [part], pos)
        os.fsync(out)
    finally:
        os.close(out)
        os.close(src)
    return time.monotonic() - began


def run_bmaptool(image: Path, target: Target) -> float:
    target.check_ours()
    return timed(["bmaptool", "-q", "copy", "--bmap", f"{image}.bmap", str(image), target.dev])


def run_etabli(image: Path, target: Target) -> tuple[float, float, bool]:
    """Établi's write, then its verification: (write seconds, verify seconds, verified)."""
    target.check_ours()
    plan = plan_image(image)
    control = Control(threading.Event())
    began = time.monotonic()
    out = BlockIO(target.dev, write=True)
    try:
        write_image(plan, out, control)
    finally:
        out.close()
    wrote = time.monotonic() - began
    began = time.monotonic()
    back = BlockIO(target.dev, write=False)
    try:
        result = verify_image(plan.block_map, back, control)
    finally:
        back.close()
    return wrote, time.monotonic() - began, result.ok


def run_cli(image: Path, target: Target, data_dir: Path) -> float:
    target.check_ours()
    return timed(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "write-image",
            str(image),
            target.dev,
            "--confirm-serial",
            "3NCH",
            "--data-dir",
            str(data_dir),
            "--json",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=4096, help="image size (multiple of 64)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (medians are kept)")
    _common.add_json_flag(parser)
    args = parser.parse_args()
    if args.size_mib < 256 or args.size_mib % 64:
        parser.error("--size-mib: a multiple of 64, at least 256")
    if os.geteuid() != 0 or not shutil.which("losetup") or not shutil.which("bmaptool"):
        raise SystemExit("needs root, losetup and bmaptool")
    size = args.size_mib * MiB
    base = Path(tempfile.gettempdir())
    # The image is sparse (a quarter allocated); the target file fills up as dd writes it.
    needed = size // 4 + size + MARGIN
    free = shutil.disk_usage(base).free
    if free < needed:
        raise SystemExit(
            f"Not enough free space in {base}: {needed / 2**30:.1f} GiB needed, "
            f"{free / 2**30:.1f} GiB free. Try a smaller --size-mib."
        )
    folder = Path(tempfile.mkdtemp(prefix="etabli-bench-image-", dir=base))
    target: Target | None = None
    try:
        image = make_image(folder, size)
        target = Target(folder, size)
        run_dd(image, target)  # allocates the whole target file once, so every run finds it alike
        runs: dict[str, list[float]] = {
            "etabli": [],
            "verify": [],
            "dd": [],
            "bmaptool": [],
            "bare_mapped": [],
        }
        verified = True
        tools: list[tuple[str, Callable[[], None]]] = []
        t = target

        def etabli() -> None:
            nonlocal verified
            wrote, checked, ok = run_etabli(image, t)
            runs["etabli"].append(wrote)
            runs["verify"].append(checked)
            verified = verified and ok

        tools = [
            ("etabli", etabli),
            ("dd", lambda: runs["dd"].append(run_dd(image, t))),
            ("bmaptool", lambda: runs["bmaptool"].append(run_bmaptool(image, t))),
            ("bare_mapped", lambda: runs["bare_mapped"].append(run_bare_mapped(image, t))),
        ]
        for rep in range(args.reps):
            turn = rep % len(tools)
            for _, run in tools[turn:] + tools[:turn]:
                run()
        cli = run_cli(image, target, folder / "station")
        with open(target.dev, "rb") as f:
            # The target holds the image's data where the map says (first extent's start).
            same = f.read(MiB) == image.open("rb").read(MiB)
        med = {k: _common.median(v) for k, v in runs.items()}
        mapped = size // 4
        speed = "dd seconds / ours (above 1: Établi is faster)"
        measures = [
            _common.measure(
                "image_write_bmap_vs_dd",
                med["etabli"],
                med["dd"],
                "s",
                med["dd"] / med["etabli"],
                ratio_means=speed,
            ),
            _common.measure(
                "image_write_and_verify_vs_dd",
                med["etabli"] + med["verify"],
                med["dd"],
                "s",
                med["dd"] / (med["etabli"] + med["verify"]),
                ratio_means=speed,
            ),
            # The mapped bytes alone copied dd's way, no checksum, in the same rotation:
            # the most a write of only the mapped bytes gains over dd on this disk (no goal).
            _common.measure(
                "image_write_mapped_floor_vs_dd",
                med["bare_mapped"],
                med["dd"],
                "s",
                med["dd"] / med["bare_mapped"],
                ratio_means=speed,
            ),
            _common.measure(
                "image_write_vs_bmaptool",
                med["etabli"],
                med["bmaptool"],
                "s",
                med["bmaptool"] / med["etabli"],
                ratio_means="bmaptool seconds / ours (above 1: Établi is faster)",
            ),
        ]
        _common.report(
            "bench_image_write",
            {
                "image_bytes": size,
                "mapped_bytes": mapped,
                "reps": args.reps,
                "verified": verified and same,
                "seconds": {k: round(v, 3) for k, v in med.items()},
                "seconds_all": {k: [round(x, 3) for x in v] for k, v in runs.items()},
                "etabli_write_throughput_mbps": round(mapped / med["etabli"] / 1e6),
                "dd_throughput_mbps": round(size / med["dd"] / 1e6),
                "ratio_dd_over_etabli_write": round(med["dd"] / med["etabli"], 2),
                "ratio_dd_over_etabli_write_and_verify": round(
                    med["dd"] / (med["etabli"] + med["verify"]), 2
                ),
                "ratio_bmaptool_over_etabli_write": round(med["bmaptool"] / med["etabli"], 2),
                "etabli_cli_write_image_seconds": round(cli, 3),
                "ratio_dd_over_etabli_cli": round(med["dd"] / cli, 2),
            },
            measures,
            as_json=args.json,
        )
    finally:
        if target is not None:
            target.detach()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
