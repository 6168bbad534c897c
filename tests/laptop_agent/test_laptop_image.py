"""`etabli laptop-image`: the station streams a system image from its verified library to
the agent (a real process on loopback), which writes it on one of its image disks and
reads it back. Only the image's data blocks travel and land; the disk is "installed" (the
laptop's system image stage done) only when read back as mapped; before every disk of the
laptop is verified erased, a changed library file, a block map the image does not match, a
frame changed on the way or a link cut mid-write: never installed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import struct
import threading
from pathlib import Path
from typing import Any

from bench_app.install.bmap import BlockMap, MappedRange, build_from_sparse, render_bmap
from bench_app.install.images import ImageLibrary
from tests.laptop_agent.test_agent_process import CODE, Agent, _etabli
from tests.laptop_agent.test_laptop_erase import _facts, _of

IMAGE = "systeme-atelier.img"
IMAGE_SIZE = 1 << 20
BLOCK = 4096
DATA_BLOCKS = ((0, 0), (10, 12), (100, 100), (200, 201))  # the rest are holes


def _image_bytes() -> bytes:
    """An MBR with one partition, and marked blocks; zeros (holes) elsewhere."""
    data = bytearray(IMAGE_SIZE)
    data[446:462] = bytes([0x80, 0, 0, 0, 0x83, 0, 0, 0]) + struct.pack("<II", 2048, 0)
    data[510:512] = b"\x55\xaa"
    for first, last in DATA_BLOCKS[1:]:
        for block in range(first, last + 1):
            mark = f"système de l’atelier, bloc {block} ".encode()
            data[block * BLOCK : (block + 1) * BLOCK] = (mark * BLOCK)[:BLOCK]
    return bytes(data)


def _sparse_image(folder: Path) -> Path:
    """The image as a sparse file: only its data blocks are allocated."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / IMAGE
    data = _image_bytes()
    with open(path, "wb") as f:
        f.truncate(IMAGE_SIZE)
        for first, last in DATA_BLOCKS:
            f.seek(first * BLOCK)
            f.write(data[first * BLOCK : (last + 1) * BLOCK])
    return path


def _library_image(tmp_path: Path) -> bytes:
    """The image and its block map imported into the station's library with their
    published checksums; the image's bytes."""
    source = tmp_path / "usb"
    image = _sparse_image(source)
    bmap = render_bmap(build_from_sparse(image))
    (source / (IMAGE + ".bmap")).write_bytes(bmap)
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in (image, source / (IMAGE + ".bmap"))
    )
    (source / "SHA256SUMS").write_text(sums)
    report = ImageLibrary(tmp_path / "station-data").import_folder(source)
    assert report.ok and len(report.imported) == 2, report.refused
    return _image_bytes()


def _erase(tmp_path: Path, agent: Agent, *serials: str) -> None:
    confirms = [a for s in serials for a in ("--confirm-serial", s)]
    done = _etabli(
        tmp_path, "laptop-erase", agent.address, CODE, "--method", "clear-random", *confirms
    )
    assert done.returncode == 0, done.stderr


def _image(tmp_path: Path, address: str, *more: str) -> Any:
    return _etabli(
        tmp_path, "laptop-image", address, CODE, "--confirm-serial", "LAPA1", "--lang", "en", *more
    )


def _journey(tmp_path: Path, asset: str) -> dict[str, Any]:
    done = _etabli(tmp_path, "journey", asset, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _image_jobs(tmp_path: Path) -> list[str]:
    """The states of the station's laptop.install_image jobs."""
    from bench_app.store.database import DB_NAME, Store

    with Store.open_for_reading(tmp_path / "station-data" / DB_NAME) as store:
        rows = store.query("SELECT state FROM jobs WHERE pipeline = 'laptop.install_image'")
    return [r[0] for r in rows]


def _mapped(data: bytes) -> list[tuple[int, bytes]]:
    return [(f * BLOCK, data[f * BLOCK : (last + 1) * BLOCK]) for f, last in DATA_BLOCKS]


def test_the_image_lands_block_for_block_and_makes_the_stage(tmp_path: Path, agent: Agent) -> None:
    image = _library_image(tmp_path)
    _erase(tmp_path, agent, "LAPA1", "LAPB2")
    erased = agent.disks[0].read_bytes()
    other = agent.disks[1].read_bytes()

    done = _image(tmp_path, agent.address, "--image", IMAGE, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    mapped = sum(len(b) for _, b in _mapped(image))
    assert (record["result"], record["reasons"], record["image"]) == ("installed", [], IMAGE)
    assert (record["mapped_bytes"], record["bytes"], record["image_size"]) == (
        mapped,
        mapped,
        IMAGE_SIZE,
    )
    assert agent.lines.until("Système écrit et relu")

    disk = agent.disks[0].read_bytes()
    for offset, expected in _mapped(image):
        assert disk[offset : offset + len(expected)] == expected  # the image, where it has data
    holes = [
        (b * BLOCK, (b + 1) * BLOCK)
        for b in range(IMAGE_SIZE // BLOCK)
        if not any(f <= b <= last for f, last in DATA_BLOCKS)
    ]
    # Only the data blocks travelled: the holes still hold the erasure's pattern.
    assert all(disk[a:z] == erased[a:z] and any(disk[a:z]) for a, z in holes)
    assert disk[IMAGE_SIZE:] == erased[IMAGE_SIZE:]
    assert agent.disks[1].read_bytes() == other  # the other disk was not touched

    facts = _facts(tmp_path, record["disk_asset_code"])
    (started,) = _of(facts, "image.write_started")
    assert (started["map_source"], started["computer"]) == ("bmap-file", record["asset_code"])
    (written,) = _of(facts, "image.written")
    assert (written["verified"], written["result"]) == (True, "installed")
    assert written["readback_digest"] == written["expected_digest"]
    assert _of(facts, "job.finished")[-1]["state"] == "succeeded"
    journey = _journey(tmp_path, record["asset_code"])
    assert "system_image" in journey["done"], journey


def test_refused_until_every_disk_is_erased(tmp_path: Path, agent: Agent) -> None:
    _library_image(tmp_path)
    before = [d.read_bytes() for d in agent.disks]
    refused = _image(tmp_path, agent.address, "--image", IMAGE)
    assert refused.returncode == 2
    assert "disk-LAPA1, disk-LAPB2 not erased" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr

    _erase(tmp_path, agent, "LAPA1")  # one disk of two
    erased = agent.disks[0].read_bytes()
    refused = _image(tmp_path, agent.address, "--image", IMAGE)
    assert refused.returncode == 2
    assert "disk-LAPB2 not erased" in refused.stderr and "LAPA1" not in refused.stderr
    assert agent.disks[0].read_bytes() == erased and agent.disks[1].read_bytes() == before[1]
    assert _image_jobs(tmp_path) == []  # nothing recorded, nothing sent
    asset = json.loads(_etabli(tmp_path, "pair", agent.address, CODE, "--json").stdout)
    assert "system_image" not in _journey(tmp_path, asset["asset_code"])["done"]


def test_a_library_image_changed_since_import_is_never_sent(tmp_path: Path, agent: Agent) -> None:
    _library_image(tmp_path)
    _erase(tmp_path, agent, "LAPA1", "LAPB2")
    erased = agent.disks[0].read_bytes()
    library = ImageLibrary(tmp_path / "station-data")
    stored = library.path_of(library.find(IMAGE))  # type: ignore[arg-type]
    os.chmod(stored, 0o644)
    with open(stored, "r+b") as f:
        f.seek(10 * BLOCK)
        f.write(b"X")
    done = _image(tmp_path, agent.address, "--image", IMAGE)
    assert done.returncode == 2
    assert "does not match" in done.stderr or "checksum" in done.stderr.lower(), done.stderr
    assert agent.disks[0].read_bytes() == erased


def test_an_image_that_does_not_match_its_map_is_not_installed(
    tmp_path: Path, agent: Agent
) -> None:
    folder = tmp_path / "elsewhere"
    image = _sparse_image(folder)
    good = build_from_sparse(image)
    wrong = list(good.ranges)
    wrong[2] = MappedRange(wrong[2].first, wrong[2].last, "0" * 64)  # block 100 claimed other
    bad = BlockMap(good.image_size, good.block_size, tuple(wrong))
    (folder / (IMAGE + ".bmap")).write_bytes(render_bmap(bad))
    _erase(tmp_path, agent, "LAPA1", "LAPB2")
    erased = agent.disks[0].read_bytes()

    done = _image(tmp_path, agent.address, "--image", str(image))
    assert done.returncode == 2
    assert "stopped writing the system" in done.stderr and "blocks 100-100" in done.stderr
    disk = agent.disks[0].read_bytes()
    assert disk[100 * BLOCK : 101 * BLOCK] == erased[100 * BLOCK : 101 * BLOCK]  # not written
    asset = json.loads(_etabli(tmp_path, "devices", "--json").stdout)
    (disk_row,) = [d for d in asset if d["serial"] == "disk-LAPA1"]
    facts = _facts(tmp_path, disk_row["asset_code"])
    assert _of(facts, "image.written") == []
    assert [f["code"] for f in _of(facts, "job.failed")] == ["AGENT_REFUSED"]
    laptop = next(d for d in asset if d["kind"] == "laptop")
    assert "system_image" not in _journey(tmp_path, laptop["asset_code"])["done"]


class _Relay:
    """A TCP relay between station and agent that, in the station's direction to the
    agent, flips a byte of sealed frame `tamper` or cuts both ways after frame `cut`."""

    def __init__(self, agent_address: str, *, tamper: int = 0, cut: int = 0) -> None:
        host, port = agent_address.rsplit(":", 1)
        self.agent = (host, int(port))
        self.tamper, self.cut = tamper, cut
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.threads = [threading.Thread(target=self._accept)]
        self.threads[0].start()

    def _accept(self) -> None:
        station, _ = self.listener.accept()
        agent = socket.create_connection(self.agent, timeout=30)
        back = threading.Thread(target=self._pipe, args=(agent, station))
        back.start()
        self.threads.append(back)
        self._frames(station, agent)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def _frames(self, src: socket.socket, dst: socket.socket) -> None:
        from bench_app.devices.laptop.channel import ChannelClosed, recv_frame

        n = 0
        try:
            while True:
                body = bytearray(recv_frame(src))
                n += 1
                if n == self.tamper:
                    body[len(body) // 2] ^= 0x40
                dst.sendall(struct.pack(">I", len(body)) + bytes(body))
                if n == self.cut:
                    break
        except (ChannelClosed, OSError):
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()
        for t in self.threads:
            t.join(30)


# Station → agent frames: hello, confirmation, describe, the write order, then the chunks.
FIRST_CHUNK = 5


def _not_installed(tmp_path: Path) -> dict[str, Any]:
    rows = json.loads(_etabli(tmp_path, "devices", "--json").stdout)
    (disk_row,) = [d for d in rows if d["serial"] == "disk-LAPA1"]
    facts = _facts(tmp_path, disk_row["asset_code"])
    assert _of(facts, "image.written") == []
    laptop = next(d for d in rows if d["kind"] == "laptop")
    assert "system_image" not in _journey(tmp_path, laptop["asset_code"])["done"]
    return {"facts": facts}


def test_a_chunk_changed_on_the_way_stops_the_write(tmp_path: Path, agent: Agent) -> None:
    _library_image(tmp_path)
    _erase(tmp_path, agent, "LAPA1", "LAPB2")
    relay = _Relay(agent.address, tamper=FIRST_CHUNK + 1)
    try:
        done = _image(tmp_path, relay.address, "--image", IMAGE)
    finally:
        relay.close()
    assert done.returncode == 2
    assert "Link lost while writing the system" in done.stderr, done.stderr
    facts = _not_installed(tmp_path)["facts"]
    assert [f["reason"] for f in _of(facts, "job.interrupted")] == ["laptop_link_lost"]
    disk = agent.disks[0].read_bytes()
    assert b"bloc 10 " not in disk  # the changed chunk never reached the disk


def test_a_link_cut_mid_write_is_never_installed(tmp_path: Path, agent: Agent) -> None:
    image = _library_image(tmp_path)
    _erase(tmp_path, agent, "LAPA1", "LAPB2")
    relay = _Relay(agent.address, cut=FIRST_CHUNK + 1)  # two chunks of four reach the agent
    try:
        done = _image(tmp_path, relay.address, "--image", IMAGE)
    finally:
        relay.close()
    assert done.returncode == 2
    assert "Link lost while writing the system" in done.stderr, done.stderr
    facts = _not_installed(tmp_path)["facts"]
    assert [f["reason"] for f in _of(facts, "job.interrupted")] == ["laptop_link_lost"]
    assert _of(facts, "job.finished")[-1]["state"] == "succeeded"  # the erasure's, not this one
    disk = agent.disks[0].read_bytes()
    assert disk[10 * BLOCK : 13 * BLOCK] == image[10 * BLOCK : 13 * BLOCK]  # it got this far
    assert disk[200 * BLOCK : 202 * BLOCK] != image[200 * BLOCK : 202 * BLOCK]

    # Written again over a sound link: installed.
    again = _image(tmp_path, agent.address, "--image", IMAGE, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["result"] == "installed"


def test_a_range_changed_on_the_disk_fails_the_read_back(tmp_path: Path) -> None:
    """The agent's read-back, on a disk file holding the image but for one changed byte:
    that range is named, the digest differs, and the station records it not installed."""
    from bench_app.install.agent_write import ImageOrder, mapped_digest, read_back
    from bench_app.laptop_system_image import _report_reasons

    image = _image_bytes()
    mapped = build_from_sparse(_sparse_image(tmp_path / "img"))
    order = ImageOrder(
        str(tmp_path / "disk.img"),
        "disk",
        IMAGE,
        mapped.image_size,
        mapped.block_size,
        tuple((r.first, r.last, r.checksum) for r in mapped.ranges),
    )
    disk = bytearray(image + bytes(4096))
    (tmp_path / "disk.img").write_bytes(bytes(disk))
    expected = mapped_digest([r.checksum for r in mapped.ranges])
    frames: list[dict[str, Any]] = []
    good = read_back(order, frames.append)
    assert (good["ok"], good["readback_digest"], good["mismatches"]) == (True, expected, [])

    disk[100 * BLOCK + 7] ^= 0x01
    (tmp_path / "disk.img").write_bytes(bytes(disk))
    bad = read_back(order, frames.append)
    assert bad["ok"] is False and bad["readback_digest"] != expected
    assert bad["mismatches"] == [{"first_block": 100, "last_block": 100}]
    report = {"bytes_written": order.mapped_bytes, "milliseconds": 5, "verification": bad}
    verification, reasons = _report_reasons(report, order, expected)
    assert verification["ok"] is False
    assert [r.en for r in reasons] == ["The disk read back does not match the image."]
    # A report that says "ok" but whose digest is not the station's: refused all the same.
    lying = {**report, "verification": {**bad, "ok": True}}
    assert _report_reasons(lying, order, expected)[1] == reasons
