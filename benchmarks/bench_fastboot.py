#!/usr/bin/env python3
"""Flashing, measured against Debian's own `fastboot` on the same simulated bootloaders:

0. the simulator's own intake: downloads sent with `sendfile` (kernel speed, no client
   work at all), so the simulator is shown not to be the bottleneck;
1. one raw image (default 512 MiB: random data with a quarter of zeros; larger than the
   256 MiB max-download-size, so both clients turn it into sparse pieces) flashed by
   `FastbootClient` vs `fastboot flash`, the order flipped every other repetition;
2. the same image as a sparse file made by img2simg;
3. 8 phones (8 simulators) flashed at once: 8 client threads vs 8 `fastboot` processes,
   medians of the same number of rounds, the order flipped every other round.

Ratios are Debian's seconds over ours: above 1, Établi is faster. Every flash is checked
byte for byte against the image afterwards (outside the timing). Every simulated phone gets
one download before the timings (its download memory is then in place, as a phone's RAM),
and the images are synced to disk first, so neither the first client nor the first run
pays for the set-up.

    .venv/bin/python benchmarks/bench_fastboot.py [--size-mib 512] [--reps 3]
        [--phones 8] [--parallel-mib 128]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _common

os.environ["ETABLI_TESTING"] = "1"  # the simulated bootloaders start in test mode here

from bench_app.devices.fastboot.client import FastbootClient
from bench_app.devices.fastboot.tcp import TcpTransport
from bench_app.simulators.bootloader import FastbootSimulator, SimulatedBootloader

MiB = 1 << 20
PARTITION = "system_a"  # 1 GiB on the simulated phone


def make_image(path: Path, size: int) -> None:
    """Random data with every fourth MiB zero, as a real system image has empty stretches."""
    with open(path, "wb") as f:
        for index in range(size // MiB):
            f.write(bytes(MiB) if index % 4 == 3 else os.urandom(MiB))


# Where the simulated phones keep their partitions: RAM (tmpfs) unless --partitions-on-disk.
# On the station's disk, a flash could run while the kernel writes the last flash's pages
# back or waits on the file system's journal, whichever client it was: that measured the
# disk, not the clients (runs alternated slow and fast, the slow ones on either client).
PHONE_DIR: str | None = "/dev/shm" if os.path.isdir("/dev/shm") else None


# What the simulated phones take in one download; --max-download-mib lowers it so that a
# quick run's small image is split too (at 256 MiB a 64 MiB image went whole).
MAX_DOWNLOAD = 256 * MiB


def start_phone() -> tuple[SimulatedBootloader, FastbootSimulator]:
    folder = Path(tempfile.mkdtemp(prefix="bench-fastboot-phone-", dir=PHONE_DIR))
    bootloader = SimulatedBootloader("FP4", unlocked=True, folder=folder)
    bootloader.max_download_size = MAX_DOWNLOAD
    sim = FastbootSimulator(bootloader)
    sim.start()
    return bootloader, sim


def stop_phone(bootloader: SimulatedBootloader, sim: FastbootSimulator) -> None:
    sim.stop()
    bootloader.close()
    if bootloader.folder is not None:
        shutil.rmtree(bootloader.folder, ignore_errors=True)  # made here, not by the phone


def warm(sim: FastbootSimulator, size: int) -> None:
    """One download of `size` zero bytes, nothing flashed: the simulated phone's download
    memory is then in place, as a phone's RAM is, so whichever client goes first does not
    pay for the simulator's first page faults."""
    zeros = memoryview(bytes(MiB))
    with socket.create_connection((sim.host, sim.port)) as sock:
        sock.sendall(b"FB01")
        assert sock.recv(4, socket.MSG_WAITALL) == b"FB01"

        def reply() -> bytes:
            (length,) = struct.unpack(">Q", sock.recv(8, socket.MSG_WAITALL))
            return sock.recv(length, socket.MSG_WAITALL)

        command = b"download:%08x" % size
        sock.sendall(struct.pack(">Q", len(command)) + command)
        assert reply().startswith(b"DATA")
        sock.sendall(struct.pack(">Q", size))
        for start in range(0, size, MiB):
            sock.sendall(zeros[: min(MiB, size - start)])
        assert reply() == b"OKAY"


def flash_ours(sim: FastbootSimulator, image: Path) -> None:
    with FastbootClient(TcpTransport(sim.host, sim.port)) as client:
        client.flash("system", image, slot="a")


def flash_debian(sim: FastbootSimulator, image: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["fastboot", "-s", sim.serial, "flash", PARTITION, str(image)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_debian(proc: subprocess.Popen[bytes]) -> None:
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"fastboot failed: {err.decode(errors='replace')}")


def same_content(bootloader: SimulatedBootloader, raw: Path) -> bool:
    size = raw.stat().st_size
    with open(raw, "rb") as a, open(bootloader.partitions[PARTITION].path, "rb") as b:
        done = 0
        while done < size:
            chunk = a.read(16 * MiB)
            if chunk != b.read(len(chunk)):
                return False
            done += len(chunk)
    return True


def reset(bootloader: SimulatedBootloader) -> None:
    """The partition blank again, and nothing of the last flash left to write to the disk.

    Without the sync, the flash after one that wrote hundreds of MiB runs while the kernel
    writes those pages back (or waits for them on truncating): every other flash was slow
    (0.3 s or 0.85 s at 256 MiB), whichever client it was, and with the order flipped each
    repetition the slow ones fell twice on one client out of three repetitions."""
    os.sync()
    path = bootloader.partitions[PARTITION].path
    with open(path, "r+b") as f:
        f.truncate(0)
        f.truncate(bootloader.partitions[PARTITION].size)
    os.sync()


def simulator_intake(sim: FastbootSimulator, image: Path, limit: int) -> float:
    """MB/s the simulator takes downloads at, from a sender that does no work of its own."""
    size = image.stat().st_size
    with socket.create_connection((sim.host, sim.port)) as sock, open(image, "rb") as f:
        sock.sendall(b"FB01")
        assert sock.recv(4) == b"FB01"

        def reply() -> bytes:
            (length,) = struct.unpack(">Q", sock.recv(8, socket.MSG_WAITALL))
            return sock.recv(length, socket.MSG_WAITALL)

        start = time.perf_counter()
        offset = 0
        while offset < size:
            piece = min(limit, size - offset)
            command = b"download:%08x" % piece
            sock.sendall(struct.pack(">Q", len(command)) + command)
            assert reply().startswith(b"DATA")
            sock.sendall(struct.pack(">Q", piece))
            sent = 0
            while sent < piece:
                sent += os.sendfile(sock.fileno(), f.fileno(), offset + sent, piece - sent)
            assert reply() == b"OKAY"
            offset += piece
        return size / MiB / (time.perf_counter() - start)


def one_at_a_time(image: Path, raw: Path, reps: int) -> dict[str, Any]:
    bootloader, sim = start_phone()
    warm(sim, min(bootloader.max_download_size, image.stat().st_size))
    ours: list[float] = []
    debian: list[float] = []
    try:
        # One untimed flash with each client first: the first flash into a new phone was
        # measured slower whoever made it, and it always fell to the client listed first.
        for flash in (
            lambda: flash_ours(sim, image),
            lambda: wait_debian(flash_debian(sim, image)),
        ):
            reset(bootloader)
            flash()
        for rep in range(reps):
            order = ("ours", "debian") if rep % 2 == 0 else ("debian", "ours")
            for who in order:
                reset(bootloader)
                start = time.perf_counter()
                if who == "ours":
                    flash_ours(sim, image)
                else:
                    wait_debian(flash_debian(sim, image))
                (ours if who == "ours" else debian).append(time.perf_counter() - start)
                if not same_content(bootloader, raw):
                    raise SystemExit(f"{who}: the partition does not match the image")
    finally:
        stop_phone(bootloader, sim)
    size = raw.stat().st_size / MiB
    return {
        "etabli_s": _common.median(ours),
        "fastboot_s": _common.median(debian),
        # a bimodal client shows as a wide spread between its fastest and slowest run
        "etabli_spread": max(ours) / min(ours),
        "fastboot_spread": max(debian) / min(debian),
        "etabli_mibps": round(size / _common.median(ours), 1),
        "fastboot_mibps": round(size / _common.median(debian), 1),
        "ratio": round(_common.median(debian) / _common.median(ours), 3),
        "etabli_seconds": [round(t, 3) for t in ours],
        "fastboot_seconds": [round(t, 3) for t in debian],
    }


def many_at_once(image: Path, phones: int, reps: int) -> dict[str, Any]:
    """8 client threads vs 8 `fastboot` processes, `reps` rounds each after an untimed one
    of each, the order flipped every other round (the first round after the phones start is
    slower, whoever runs it)."""
    started = [start_phone() for _ in range(phones)]

    def ours() -> None:
        threads = [threading.Thread(target=flash_ours, args=(sim, image)) for _, sim in started]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def debian() -> None:
        procs = [flash_debian(sim, image) for _, sim in started]
        for proc in procs:
            wait_debian(proc)

    times: dict[str, list[float]] = {"ours": [], "debian": []}
    all_match = True
    try:
        for _, sim in started:
            warm(sim, image.stat().st_size)
        # One untimed round with each client first, as for one phone: the first round after
        # the phones start was measured slower whoever ran it (6.2 s against 0.9–2.4 s), and
        # with two rounds it decided the median of the client that went first.
        for flash_all in (ours, debian):
            for bootloader, _ in started:
                reset(bootloader)
            flash_all()
        for rep in range(reps):
            order = ("ours", "debian") if rep % 2 == 0 else ("debian", "ours")
            for who in order:
                for bootloader, _ in started:
                    reset(bootloader)
                start = time.perf_counter()
                (ours if who == "ours" else debian)()
                times[who].append(time.perf_counter() - start)
                all_match = all_match and all(same_content(b, image) for b, _ in started)
    finally:
        for bootloader, sim in started:
            stop_phone(bootloader, sim)
    total = phones * image.stat().st_size / MiB
    m_ours, m_debian = _common.median(times["ours"]), _common.median(times["debian"])
    return {
        "phones": phones,
        "etabli_seconds": round(m_ours, 3),
        "fastboot_seconds": round(m_debian, 3),
        "etabli_aggregate_mibps": round(total / m_ours, 1),
        "fastboot_aggregate_mibps": round(total / m_debian, 1),
        "ratio": round(m_debian / m_ours, 3),
        "etabli_rounds": [round(t, 3) for t in times["ours"]],
        "fastboot_rounds": [round(t, 3) for t in times["debian"]],
        "all_partitions_match": all_match,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--parallel-mib", type=int, default=128)
    parser.add_argument(
        "--max-download-mib",
        type=int,
        default=256,
        help="the simulated phones' max-download-size (the raw image must exceed it)",
    )
    parser.add_argument(
        "--partitions-on-disk",
        action="store_true",
        help="keep the simulated phones' partitions in the temporary folder, not in /dev/shm",
    )
    _common.add_json_flag(parser)
    args = parser.parse_args()
    global PHONE_DIR, MAX_DOWNLOAD
    MAX_DOWNLOAD = args.max_download_mib * MiB
    if args.size_mib <= args.max_download_mib:
        parser.error("--size-mib must exceed --max-download-mib: the raw image must be split")
    if args.partitions_on_disk:
        PHONE_DIR = None
    for needed in ("fastboot", "img2simg"):
        if shutil.which(needed) is None:
            raise SystemExit(
                f"{needed} is missing (Debian packages fastboot, android-sdk-libsparse-utils)"
            )
    with tempfile.TemporaryDirectory(prefix="bench-fastboot-") as folder:
        raw = Path(folder) / "system.img"
        make_image(raw, args.size_mib * MiB)
        sparse = Path(folder) / "system.simg"
        subprocess.run(["img2simg", str(raw), str(sparse)], check=True)
        small = Path(folder) / "small.img"
        make_image(small, args.parallel_mib * MiB)
        # The images' pages go to the disk now, not during the first flash measured.
        os.sync()

        bootloader, sim = start_phone()
        try:
            intake = simulator_intake(sim, raw, bootloader.max_download_size)
        finally:
            stop_phone(bootloader, sim)
        raw_result = one_at_a_time(raw, raw, args.reps)
        sparse_result = one_at_a_time(sparse, raw, args.reps)
        parallel = many_at_once(small, args.phones, args.reps)
    speed = "reference seconds / ours (above 1: Établi is faster)"
    measures = [
        _common.measure(
            "fastboot_raw_split_vs_fastboot",
            raw_result["etabli_s"],
            raw_result["fastboot_s"],
            "s",
            raw_result["fastboot_s"] / raw_result["etabli_s"],
            ratio_means=speed,
        ),
        _common.measure(
            "fastboot_raw_spread_vs_fastboot",
            raw_result["etabli_spread"],
            raw_result["fastboot_spread"],
            "slowest run / fastest run",
        ),
        _common.measure(
            "fastboot_sparse_vs_fastboot",
            sparse_result["etabli_s"],
            sparse_result["fastboot_s"],
            "s",
            sparse_result["fastboot_s"] / sparse_result["etabli_s"],
            ratio_means=speed,
        ),
        _common.measure(
            f"fastboot_{args.phones}_phones_vs_fastboot",
            parallel["etabli_seconds"],
            parallel["fastboot_seconds"],
            "s",
            parallel["ratio"],
            ratio_means=speed,
        ),
    ]
    _common.report(
        "fastboot",
        {
            "image_mib": args.size_mib,
            "phone_partitions": PHONE_DIR or tempfile.gettempdir(),
            "max_download_size_mib": args.max_download_mib,
            "simulator_intake_mibps": round(intake, 1),
            "raw_image": raw_result,
            "sparse_image": sparse_result,
            "many_phones": {"image_mib": args.parallel_mib, **parallel},
        },
        measures,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
