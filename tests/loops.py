"""Loop devices the tests attach, and their release: only while they are still the test's own.

Test files run side by side on several workers, and the kernel hands a freed loop number to the
next `losetup --find`. A test that unplugs its loop device mid-test (to play a drive pulled out)
must not, at its end, unmount, swap off or detach the same number: by then it may be another
test's disk. So a loop device is released only while it still stands on the very file (device
and inode, wherever the test moved it) it was attached to."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Loop:
    dev: str
    backing: str | None  # "MAJ:MIN:INODE" of the file or device it stands on


def backing_of(dev: str) -> str | None:
    """The file or device a loop device stands on, as "MAJ:MIN:INODE"; None when it is free."""
    done = subprocess.run(
        ["losetup", "--list", "--noheadings", "--raw", "-O", "BACK-MAJ:MIN,BACK-INO", dev],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None
    # --raw escapes the column's padding as \x20.
    majmin, ino = done.stdout.replace("\\x20", "").split()
    return f"{majmin}:{ino}"


def attach(backing: Path | str, *options: str) -> Loop:
    """`losetup --find --show [OPTIONS] BACKING`: the loop device now standing on it."""
    out = subprocess.run(
        ["losetup", "--find", "--show", *options, str(backing)],
        check=True,
        capture_output=True,
        text=True,
    )
    dev = out.stdout.strip()
    return Loop(dev, backing_of(dev))


def detach(dev: str, wait: float = 10.0) -> None:
    """Detaches `dev` and waits until the kernel has let go of its file: a device still open
    (udev probing it) is only marked to be cleared at its last close."""
    backing = backing_of(dev)
    subprocess.run(["losetup", "--detach", dev], check=True, capture_output=True)
    _wait_gone(dev, backing, wait)


def _wait_gone(dev: str, backing: str | None, wait: float) -> None:
    deadline = time.monotonic() + wait
    while backing is not None and backing_of(dev) == backing and time.monotonic() < deadline:
        time.sleep(0.05)


def release(loop: Loop) -> None:
    """Unmounts, swaps off and detaches the loop device if it still stands on its own file;
    else leaves it alone (the test detached it already, the number may be another test's)."""
    if loop.backing is None or backing_of(loop.dev) != loop.backing:
        return
    subprocess.run(["umount", loop.dev], check=False, capture_output=True)
    subprocess.run(["swapoff", loop.dev], check=False, capture_output=True)
    subprocess.run(["losetup", "--detach", loop.dev], check=False, capture_output=True)
    _wait_gone(loop.dev, loop.backing, 10.0)
