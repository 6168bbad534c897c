"""`etabli laptop-erase`: the station has the agent (a real process on loopback) erase both
of its image disks at once, with full verification, and records each as a docked drive's
erasure, linked to the laptop; the disks hold nothing of the donor's data afterwards, and
each disk's certificate names the laptop. A link cut after the order leaves the jobs
interrupted, never erased."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from bench_app.erasure import overwrite as io
from tests.laptop_agent.test_agent_process import CODE, Agent, _devices, _etabli

DONOR = b"old data of the donor "


def _facts(tmp_path: Path, asset: str) -> list[dict[str, Any]]:
    done = _etabli(tmp_path, "events", "--device", asset, "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _of(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f["payload"] for f in facts if f["type"] == kind]


def _name_the_workshop(tmp_path: Path) -> None:
    named = _etabli(tmp_path, "settings", "set", "organisation", "Atelier du test")
    assert named.returncode == 0, named.stderr


def _jobs(tmp_path: Path) -> dict[str, str]:
    """device asset -> state of its laptop.disk_erase job, read from the station's store."""
    from bench_app.store.database import DB_NAME, Store

    with Store.open_for_reading(tmp_path / "station-data" / DB_NAME) as store:
        rows = store.query(
            "SELECT d.asset_code, j.state FROM jobs j JOIN devices d ON d.id = j.device_id"
            " WHERE j.pipeline = 'laptop.disk_erase'"
        )
    return {r[0]: r[1] for r in rows}


def test_both_disks_erased_at_once_recorded_and_certified(tmp_path: Path, agent: Agent) -> None:
    done = _etabli(
        tmp_path,
        "laptop-erase",
        agent.address,
        CODE,
        "--method",
        "clear-random",
        "--confirm-serial",
        "LAPA1",
        "--confirm-serial",
        "lapb2",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert [(d["serial"], d["result"], d["reasons"]) for d in record["disks"]] == [
        ("disk-LAPA1", "erased", []),
        ("disk-LAPB2", "erased", []),
    ]
    assert agent.lines.until("Effacement terminé")

    devices = {d["asset_code"]: d for d in _devices(tmp_path)}
    laptop = devices[record["asset_code"]]
    assert (laptop["kind"], laptop["serial"]) == ("laptop", "MP1CHKDC")
    assert _jobs(tmp_path) == {d["asset_code"]: "succeeded" for d in record["disks"]}

    for disk, image in zip(record["disks"], agent.disks, strict=True):
        assert devices[disk["asset_code"]]["kind"] == "drive"
        facts = _facts(tmp_path, disk["asset_code"])
        (link,) = _of(facts, "disk.linked")
        assert link["host_asset"] == record["asset_code"]
        (started,) = _of(facts, "erasure.started")
        assert (started["method"], started["verify"], started["target"]["path"]) == (
            "clear-random",
            "full",
            str(image),
        )
        (passed,) = _of(facts, "erasure.pass_finished")
        assert (passed["bytes"], passed["completed"], passed["errors"]) == (1_100_000, True, [])
        (verified,) = _of(facts, "erasure.verified")
        assert (verified["mode"], verified["bytes_checked"], verified["ok"]) == (
            "full",
            1_100_000,
            True,
        )
        assert _of(facts, "erasure.finished")[0]["result"] == "erased"

        # The residue scan: nothing of the donor's data, and exactly the recorded stream.
        data = image.read_bytes()
        assert DONOR[:8] not in data
        (first_pass,) = _of(facts, "erasure.pass_started")
        expected = bytearray(len(data))
        io.Stream.from_json(first_pass["stream"]).fill(0, memoryview(expected))
        assert data == bytes(expected)

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the certificate")
    _name_the_workshop(tmp_path)
    for disk in record["disks"]:
        pdf = tmp_path / f"{disk['asset_code']}.pdf"
        issued = _etabli(tmp_path, "certificate", disk["asset_code"], "-o", str(pdf))
        assert issued.returncode == 0, issued.stderr
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())  # table cells wrap
        assert "Certificat d’effacement de données" in text
        assert f"{record['asset_code']} Lenovo YOGA 720-13IKB n° MP1CHKDC" in text
        assert disk["serial"] in text

    # Erased again, with zeros this time, as an operator reads it: both said, both zero.
    again = _etabli(
        tmp_path, "laptop-erase", agent.address, CODE, "--confirm-serial", "LAPA1",
        "--confirm-serial", "LAPB2", "--method", "clear-zero", "--lang", "en",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    said = [line for line in again.stdout.splitlines() if "ERASED" in line]
    assert [line.split()[:3] for line in said] == [
        [d["asset_code"], "serial", d["serial"]] for d in record["disks"]
    ]
    assert all(line.split()[3] == "ERASED" for line in said)
    assert all(image.read_bytes() == bytes(1_100_000) for image in agent.disks)


def test_a_disk_not_confirmed_is_refused_before_anything(tmp_path: Path, agent: Agent) -> None:
    done = _etabli(
        tmp_path, "laptop-erase", agent.address, CODE, "--confirm-serial", "ZZZZ", "--lang", "en"
    )
    assert done.returncode == 2
    assert "ZZZZ" in done.stderr and "Traceback" not in done.stderr
    assert _devices(tmp_path) == []
    assert all(DONOR in image.read_bytes() for image in agent.disks)


class _CuttingProxy:
    """A TCP relay that forwards the station's frames and hangs up on the station right
    after passing on its fourth (hello, confirmation, describe, then the erase order)."""

    def __init__(self, agent_address: str) -> None:
        host, port = agent_address.rsplit(":", 1)
        self.agent = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.threads = [threading.Thread(target=self._accept)]
        self.threads[0].start()

    def _accept(self) -> None:
        from bench_app.devices.laptop.channel import ChannelClosed, recv_frame

        station, _ = self.listener.accept()
        agent = socket.create_connection(self.agent, timeout=30)
        down = threading.Thread(target=self._pipe, args=(agent, station))
        down.start()
        self.threads.append(down)
        try:
            for _ in range(4):
                body = recv_frame(station)
                agent.sendall(struct.pack(">I", len(body)) + body)
        except (ChannelClosed, OSError):
            pass
        station.shutdown(socket.SHUT_RDWR)
        station.close()
        agent.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for t in self.threads:
            t.join(30)


def test_a_link_cut_mid_erasure_leaves_the_jobs_interrupted(tmp_path: Path, agent: Agent) -> None:
    proxy = _CuttingProxy(agent.address)
    try:
        done = _etabli(
            tmp_path,
            "laptop-erase",
            proxy.address,
            CODE,
            "--confirm-serial",
            "LAPA1",
            "--confirm-serial",
            "LAPB2",
            "--lang",
            "en",
        )
    finally:
        proxy.close()
    assert done.returncode == 2
    assert "NOT ERASED" in done.stderr and "Traceback" not in done.stderr
    drives = [str(d["asset_code"]) for d in _devices(tmp_path) if d["kind"] == "drive"]
    assert len(drives) == 2
    assert _jobs(tmp_path) == {d: "interrupted" for d in drives}
    for drive in drives:
        facts = _facts(tmp_path, drive)
        assert _of(facts, "erasure.started") and not _of(facts, "erasure.finished")
        assert _of(facts, "job.interrupted")[0]["reason"] == "laptop_link_lost"
        _name_the_workshop(tmp_path)
        pdf = tmp_path / f"{drive}.pdf"
        issued = _etabli(tmp_path, "certificate", drive, "-o", str(pdf), "--lang", "en")
        # What is issued for an interrupted erasure is a report of failure, never a certificate.
        assert issued.returncode == 0, issued.stderr
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Erasure report" in text and "Data erasure certificate" not in text
