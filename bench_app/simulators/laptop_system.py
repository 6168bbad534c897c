"""The classroom's laptop system image: a small disk image (a partition table and a few
marked blocks, 2 MiB) that a trainee writes onto a donated laptop's docked disk, as the
workshop would write its own system. Imported into the training station's image library
with its published checksum, so the real library and writer check it as any image."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from bench_app.install.images import ImageLibrary
from bench_app.simulators.docked_drive import training_drive_folder

TRAINING_IMAGE = "systeme-portable-formation.img"
IMAGE_SIZE = 2 << 20
SECTOR = 512
MARK = "ÉTABLI — système du portable (formation)\n".encode()


def image_bytes() -> bytes:
    """The image: an MBR with one Linux partition from 1 MiB, marked blocks inside it."""
    data = bytearray(IMAGE_SIZE)
    start, sectors = (1 << 20) // SECTOR, (IMAGE_SIZE - (1 << 20)) // SECTOR
    data[446:462] = bytes([0x80, 0, 0, 0, 0x83, 0, 0, 0]) + struct.pack("<II", start, sectors)
    data[510:512] = b"\x55\xaa"
    for block in range(0, IMAGE_SIZE - (1 << 20), 64 << 10):  # a mark every 64 KiB
        at = (1 << 20) + block
        data[at : at + len(MARK)] = MARK
    return bytes(data)


def training_laptop_image(data_folder: Path) -> str:
    """The class's laptop image, imported (once) into the image library of the training
    station in `data_folder`; returns its name in the library. BenchError when the
    library refuses it (a full disk, a library that cannot be read)."""
    library = ImageLibrary(data_folder)
    if library.find(TRAINING_IMAGE) is not None:
        return TRAINING_IMAGE
    source = training_drive_folder(data_folder) / "systeme-portable"
    source.mkdir(parents=True, exist_ok=True)
    data = image_bytes()
    (source / TRAINING_IMAGE).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (source / "sha256sums").write_text(f"{digest}  {TRAINING_IMAGE}\n", encoding="utf-8")
    report = library.import_folder(source)
    if report.refused:
        raise report.refused[0][1]
    return TRAINING_IMAGE
