"""Whole-device block I/O: a drive (or an image file) opened with O_DIRECT, page-aligned
buffers, reads and writes that go to the end of their buffer, and a thread that fills the
next buffers while the current one is written or compared.

O_DIRECT keeps the page cache out of the way: it neither slows a pass down nor answers for
the disk when a pass reads back what it wrote. The erasure passes (erasure/overwrite.py)
and the image writer (install/image_writer.py) both go through here.
"""

from __future__ import annotations

import errno
import mmap
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench_app.devices.source import DeviceGone

CHUNK = 8 << 20  # bytes per write; a multiple of every sector size
CHECKPOINT_SECONDS = 2.0
# Errors that mean the drive went away rather than that a sector is bad.
GONE_ERRNOS = frozenset({errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.ESHUTDOWN})


class BlockIO:
    """A drive or image file opened for whole-device I/O, with O_DIRECT where the kernel
    allows it (a file on tmpfs does not: then writes are flushed at each checkpoint)."""

    def __init__(self, path: str, *, write: bool) -> None:
        self.path = path
        flags = (os.O_RDWR if write else os.O_RDONLY) | getattr(os, "O_CLOEXEC", 0)
        self.direct = True
        try:
            self.fd = os.open(path, flags | os.O_DIRECT)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            self.fd = os.open(path, flags)
            self.direct = False
        self._plain: int | None = None  # for a tail O_DIRECT refuses (unaligned length)
        self._write = write

    @classmethod
    def from_fds(cls, path: str, direct_fd: int, plain_fd: int, *, direct: bool) -> BlockIO:
        """A drive another process opened (the erasure helper): `direct_fd` with O_DIRECT
        when `direct`, `plain_fd` without; both read-write, both closed by `close`."""
        io = cls.__new__(cls)
        io.path = path
        io.fd = direct_fd
        io.direct = direct
        io._plain = plain_fd
        io._write = True
        return io

    def pwrite(self, buf: memoryview, offset: int) -> int:
        try:
            return os.pwrite(self.fd, buf, offset)
        except OSError as exc:
            if exc.errno == errno.EINVAL and self.direct:
                return os.pwrite(self._plain_fd(), buf, offset)
            raise

    def preadinto(self, buf: memoryview, offset: int) -> int:
        try:
            return os.preadv(self.fd, [buf], offset)
        except OSError as exc:
            if exc.errno == errno.EINVAL and self.direct:
                return os.preadv(self._plain_fd(), [buf], offset)
            raise

    def sync(self) -> None:
        os.fsync(self.fd)
        if self._plain is not None:
            os.fsync(self._plain)

    def close(self) -> None:
        for fd in (self.fd, self._plain):
            if fd is not None:
                os.close(fd)

    def _plain_fd(self) -> int:
        if self._plain is None:
            self._plain = os.open(self.path, os.O_RDWR if self._write else os.O_RDONLY)
        return self._plain


def aligned(size: int) -> mmap.mmap:
    """A page-aligned buffer, as O_DIRECT needs."""
    return mmap.mmap(-1, size)


# Buffers a finished pass leaves for the next: a fresh 8 MiB buffer costs 2,048 page faults
# (about 4 ms of CPU) the first time it is filled. Every buffer taken is wholly overwritten
# before use; at most SPARE_MAX are kept (32 MiB at CHUNK).
SPARE_MAX = 4
_spare: list[mmap.mmap] = []
_spare_lock = threading.Lock()


def _take(size: int) -> mmap.mmap:
    with _spare_lock:
        for index, buf in enumerate(_spare):
            if len(buf) == size:
                return _spare.pop(index)
    return aligned(size)


def _give(buf: mmap.mmap) -> None:
    with _spare_lock:
        if len(_spare) < SPARE_MAX:
            _spare.append(buf)


ProgressFn = Callable[[int], None]  # bytes done so far in this pass
CheckpointFn = Callable[[int], None]  # offset below which everything is durable


@dataclass(slots=True)
class Control:
    """What a pass reports to and checks with whoever runs it."""

    cancelled: threading.Event
    progress: ProgressFn = lambda done: None
    checkpoint: CheckpointFn = lambda offset: None
    still_there: Callable[[], bool] = lambda: True
    checkpoint_seconds: float = CHECKPOINT_SECONDS


def write_all(io: BlockIO, view: memoryview, offset: int) -> None:
    """Writes the whole of `view` at `offset`; a write that makes no progress is EIO."""
    done = 0
    while done < len(view):
        n = io.pwrite(view[done:], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "short write")
        done += n


def read_all(io: BlockIO, view: memoryview, offset: int) -> None:
    """Fills the whole of `view` from `offset`; a read that makes no progress is EIO."""
    done = 0
    while done < len(view):
        n = io.preadinto(view[done:], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "short read")
        done += n


def raise_if_gone(exc: OSError, control: Control, path: str) -> None:
    """DeviceGone when `exc` means the drive went away rather than that a sector is bad."""
    if exc.errno in GONE_ERRNOS or not control.still_there() or not os.path.exists(path):
        raise DeviceGone(f"{path}: {exc.strerror or exc}") from exc


Chunk = tuple[int, int]  # offset, length


class ReadAhead:
    """Fills buffers ahead of their consumer, on threads of their own: the stream's bytes
    for the writer, or the disk's for the verifier. The consumer hands each buffer back
    once used. An OSError while filling travels with its chunk.

    With `workers` > 1, chunk i is filled by worker i % workers, each with its own buffers,
    and the consumer still gets them in order: a verification keeps that many reads in
    flight, so the disk always has the next one queued while a completion is handled."""

    DEPTH = 3  # buffers per worker

    def __init__(
        self,
        todo: list[Chunk],
        fill: Callable[[int, memoryview], None],
        chunk: int,
        *,
        workers: int = 1,
        depth: int | None = None,
    ) -> None:
        self.todo, self.fill, self.chunk = todo, fill, chunk
        self.workers = max(1, min(workers, len(todo) or 1))
        self.depth = depth or (self.DEPTH if self.workers == 1 else 2)
        self._free: list[queue.Queue[mmap.mmap]] = [queue.Queue() for _ in range(self.workers)]
        self._ready: list[
            queue.Queue[tuple[int, mmap.mmap, int, OSError | None] | BaseException | None]
        ] = [queue.Queue() for _ in range(self.workers)]
        self._owner: dict[int, int] = {}  # id of a buffer -> the worker it belongs to
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(w,), name="erase-ahead", daemon=True)
            for w in range(self.workers)
        ]

    def __enter__(self) -> ReadAhead:
        for w in range(self.workers):
            for _ in range(self.depth):
                buf = _take(self.chunk)
                self._owner[id(buf)] = w
                self._free[w].put(buf)
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for free in self._free:
            for _ in range(self.depth):
                free.put(aligned(16))  # wakes the thread if it waits for a buffer
        for thread in self._threads:
            thread.join()
        for free in self._free:  # the buffers not handed back were dropped by the consumer
            while not free.empty():
                buf = free.get()
                if id(buf) in self._owner:
                    _give(buf)

    def __iter__(self) -> Iterator[tuple[int, mmap.mmap, int, OSError | None]]:
        for index in range(len(self.todo)):
            item = self._ready[index % self.workers].get()
            if item is None:  # pragma: no cover - a worker ends only after its last chunk
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def release(self, buf: mmap.mmap) -> None:
        self._free[self._owner[id(buf)]].put(buf)

    def _run(self, worker: int) -> None:
        free, ready = self._free[worker], self._ready[worker]
        try:
            for offset, length in self.todo[worker :: self.workers]:
                buf = free.get()
                if self._stop.is_set():
                    return
                error: OSError | None = None
                try:
                    self.fill(offset, memoryview(buf)[:length])
                except OSError as exc:
                    error = exc
                ready.put((offset, buf, length, error))
            ready.put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            ready.put(exc)
