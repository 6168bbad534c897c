"""The small interface every fastboot transport offers the client: whole messages out,
whole messages in, with a timeout.

Fastboot is host-driven and synchronous: the host sends a command (one message), the device
answers with messages of at most 256 bytes (INFO/TEXT/OKAY/FAIL/DATA). In a data phase the
host sends the announced number of bytes, in as many messages as it likes.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from bench_app.devices.fastboot.sparse import FileRegion, Part

Progress = Callable[[int, int], None]  # (bytes sent so far, bytes in all)

SEND_CHUNK = 1 << 20  # bytes read from a file and sent at a time by the generic data phase


class TransportGone(Exception):
    """The link to the phone is lost (unplugged, rebooted, connection closed)."""


class TransportTimeout(Exception):
    """The phone did not answer within the time allowed."""


class TransportGarbled(Exception):
    """The phone sent something the transport cannot make sense of."""


class Transport(ABC):
    """A link to one phone in fastboot mode (USB bulk endpoints, or TCP)."""

    description = "fastboot"

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Sends one message (a command, or a piece of a data phase)."""

    @abstractmethod
    def recv(self, max_size: int, timeout: float) -> bytes:
        """Returns the next message (at most `max_size` bytes); raises TransportTimeout when
        none came within `timeout` seconds, TransportGone when the link is lost."""

    @abstractmethod
    def close(self) -> None:
        """Lets the phone go. Safe to call twice."""

    def send_data(self, total: int, parts: Iterable[Part], progress: Progress | None) -> None:
        """Sends a data phase of `total` bytes made of `parts`; reports progress as it goes.

        This generic version reads file regions in 1 MiB pieces; a transport that can send
        straight from a file (TCP with sendfile) overrides it.
        """
        sent = 0
        for part in parts:
            if isinstance(part, FileRegion):
                done = 0
                while done < part.length:
                    piece = os.pread(
                        part.fd, min(SEND_CHUNK, part.length - done), part.offset + done
                    )
                    if not piece:
                        raise TransportGone("the image file is shorter than expected")
                    self.send(piece)
                    done += len(piece)
                    sent += len(piece)
                    if progress is not None:
                        progress(sent, total)
            else:
                view = memoryview(part)
                for start in range(0, len(view), SEND_CHUNK):
                    piece_view = view[start : start + SEND_CHUNK]
                    self.send(bytes(piece_view))
                    sent += len(piece_view)
                if progress is not None and len(view):
                    progress(sent, total)

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
