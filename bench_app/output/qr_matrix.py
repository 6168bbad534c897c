"""QR code modules for the documents: Debian's libqrencode (C) when it is there, else segno.

A certificate's code holds its whole signed JSON (about 1,600 characters, version ~27):
segno, in pure Python, takes 0.1 s to choose the best of the 8 masks and 12 ms with a fixed
one; libqrencode takes 2 to 5 ms choosing the mask (it scores all 8 patterns over the whole
symbol) and a few tenths of a millisecond with a fixed one. Both use the fixed mask `MASK`:
the choice only lowers a penalty score for patterns that might confuse a poor reader, and the
data is compressed (random-looking) so no mask gives large blocks; zbar reads it back (tests).
Both follow ISO/IEC 18004, so any reader decodes either."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

# QRecLevel of qrencode.h
_LEVELS = {"l": 0, "m": 1, "q": 2, "h": 3}
_MODE_8 = 2  # QR_MODE_8: the hint for text; libqrencode still splits it into the best modes
MASK = 0  # ISO/IEC 18004 mask pattern 000: (row + column) mod 2 == 0


class _QRcode(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_int),
        ("width", ctypes.c_int),
        ("data", ctypes.POINTER(ctypes.c_ubyte)),
    ]


@functools.cache
def _libqrencode() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("qrencode")
    for candidate in (name, "libqrencode.so.4"):
        if not candidate:
            continue
        try:
            lib = ctypes.CDLL(candidate)
        except OSError:
            continue
        # QRcode_encodeString less its mask search: input, split into modes, fixed mask.
        lib.QRinput_new2.restype = ctypes.c_void_p
        lib.QRinput_new2.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.QRinput_free.restype = None
        lib.QRinput_free.argtypes = [ctypes.c_void_p]
        lib.Split_splitStringToQRinput.restype = ctypes.c_int
        lib.Split_splitStringToQRinput.argtypes = [
            ctypes.c_char_p,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.QRcode_encodeMask.restype = ctypes.POINTER(_QRcode)
        lib.QRcode_encodeMask.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.QRcode_free.restype = None
        lib.QRcode_free.argtypes = [ctypes.POINTER(_QRcode)]
        return lib
    return None


_DARK = bytes(b & 1 for b in range(256))  # bit 0 of each byte of libqrencode: dark


def qr_matrix(text: str, error: str = "m") -> list[bytes]:
    """The modules of a (full, not micro) QR code of `text` at error level `error`, row by
    row from the top, one byte per module: 1 for dark, 0 for light; no quiet zone."""
    lib = _libqrencode()
    found = _encode(lib, text, error) if lib is not None else None
    if lib is not None and found:
        try:
            width = found.contents.width
            data = ctypes.string_at(found.contents.data, width * width)
        finally:
            lib.QRcode_free(found)
        modules = data.translate(_DARK)
        return [modules[y * width : (y + 1) * width] for y in range(width)]
    import segno  # no libqrencode on this machine, or it refused the text: same code, slower

    code = segno.make(text, error=error, micro=False, mask=MASK)
    return [bytes(row) for row in code.matrix]


def _encode(lib: ctypes.CDLL, text: str, error: str) -> Any:
    """libqrencode's symbol for `text` with the fixed mask (a NULL pointer when it refuses)."""
    source = lib.QRinput_new2(0, _LEVELS[error])  # version 0: the smallest that holds it
    if not source:
        return None
    try:
        if lib.Split_splitStringToQRinput(text.encode("utf-8"), source, _MODE_8, 1) != 0:
            return None
        return lib.QRcode_encodeMask(source, MASK)
    finally:
        lib.QRinput_free(source)
