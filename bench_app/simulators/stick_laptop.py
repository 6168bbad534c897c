"""A laptop booted from the Établi stick, for the class and the tests: the real agent server
(bench_app/laptop_agent.py) on loopback, in this process, its two disks image files full of
the donor's "data", its identity a recorded one. Only the laptop is pretended: the pairing,
the sealed channel, the safety rules and the erasure are the real ones.

Its pairing code is drawn at random and given to whoever started it (the trainer reads it
where the laptop's screen would show it)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.devices.laptop.channel import new_pairing_code
from bench_app.laptop_agent import AgentServer, AgentState, agent_disks
from bench_app.simulators.docked_drive import make_image

MiB = 1024 * 1024
# The class's laptop: a model workshops receive by the dozen from companies.
IDENTITY = {"brand": "Lenovo", "model": "ThinkPad T470", "kind": "laptop"}
DISK_SIZE = 4 * MiB  # erased in a moment in class, long enough to see both bars move


@dataclass
class StickLaptop:
    """A running agent: where to reach it, its code, its disks; `close()` stops it."""

    server: AgentServer
    thread: threading.Thread
    address: str
    code: str
    agent_id: str
    disks: list[Path]
    events: list[str] = field(default_factory=list)  # "paired", "wrong-code", "erasing"...
    announcement: Any = None

    def close(self) -> None:
        if self.announcement is not None:
            self.announcement.close()
            self.announcement = None
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(30)


def start_stick_laptop(
    folder: Path,
    *,
    serial: str = "SIMSTICK0001",
    disk_serials: tuple[str, ...] = ("SIMLAPA1", "SIMLAPB2"),
    code: str | None = None,
    announce: bool = False,
    disk_size: int = DISK_SIZE,
) -> StickLaptop:
    """Starts the agent on 127.0.0.1 (a free port) with fresh disk images in `folder`
    (never a station's data folder: the erasure refuses files there); `announce` also
    announces it by DNS-SD on loopback."""
    folder.mkdir(parents=True, exist_ok=True)
    disks = []
    for disk_serial in disk_serials:
        image = folder / f"{disk_serial}.img"
        image.unlink(missing_ok=True)
        make_image(image, disk_size)
        disks.append(image)
    agent_data = folder / "agent"
    agent_data.mkdir(exist_ok=True)
    offered = agent_disks([str(d) for d in disks], agent_data)
    identity = {**IDENTITY, "serial": serial}
    description = {
        "identity": identity,
        "inventory": {
            "system": {**identity, "chassis": "Notebook"},
            "memory_bytes": 8 * 1024 * MiB,
        },
        "disks": offered,
    }
    events: list[str] = []
    state = AgentState(
        # Random, as the real agent's (`etabli agent`): two laptops announced at once, even
        # of one model and serial, are two services on the network.
        secrets.token_hex(4),
        code or new_pairing_code(),
        description,
        on_event=events.append,
        data_dir=agent_data,
    )
    server = AgentServer(("127.0.0.1", 0), state)
    thread = threading.Thread(target=server.serve_forever, name="stick-laptop", daemon=True)
    thread.start()
    port = int(server.server_address[1])
    laptop = StickLaptop(
        server, thread, f"127.0.0.1:{port}", state.code, state.agent_id, disks, events
    )
    if announce:
        from bench_app.devices.laptop.discovery import Announcement

        try:
            laptop.announcement = Announcement(
                state.agent_id, "127.0.0.1", port, brand=identity["brand"], model=identity["model"]
            )
        except BaseException:
            laptop.close()
            raise
    return laptop
