"""QR code modules for the documents: Debian's libqrencode (C) when it is there, else segno.

A certificate's code holds its whole signed JSON (about 1,600 characters, version ~27):
segno, in pure Python, takes 0.1 s to choose the best of the 8 masks and 12 ms even with a
fixed one, half of a certificate's cost; libqrencode does the same work, best mask included,
in well under a millisecond. Both follow ISO/IEC 18004, so any reader decodes either."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# QRecLevel of qrencode.h
_LEVELS = {"l": 0, "m": 1, "q": 2, "h": 3}
_MODE_8 = 2  # QR_MODE_8: the hint for text; libqrencode still splits it into the best modes


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
        lib.QRcode_encodeString.restype = ctypes.POINTER(_QRcode)
        lib.QRcode_encodeString.argtypes = [
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.QRcode_free.restype = None
        lib.QRcode_free.argtypes = [ctypes.POINTER(_QRcode)]
        return lib
    return None


_DARK = bytes(b & 1 for b in range(256))  # bit 0 of each byte of libqrencode: dark


def qr_matrix(text: str, error: str = "m") -> list[bytes]:
    """The modules of a (full, not micro) QR code of `text` at error level `error`, row by
    row from the top, one byte per module: 1 for dark, 0 for light; no quiet zone."""
    lib = _libqrencode()
    if lib is not None:
        found = lib.QRcode_encodeString(text.encode("utf-8"), 0, _LEVELS[error], _MODE_8, 1)
        if found:
            try:
                width = found.contents.width
                data = ctypes.string_at(found.contents.data, width * width)
            finally:
                lib.QRcode_free(found)
            modules = data.translate(_DARK)
            return [modules[y * width : (y + 1) * width] for y in range(width)]
    import segno  # no libqrencode on this machine, or it refused the text: same code, slower

    return [bytes(row) for row in segno.make(text, error=error, micro=False).matrix]
