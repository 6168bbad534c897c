"""The station's ADB key pair: made on first use, kept in the data folder. A phone asks its
user once to trust this key ("Allow USB debugging?"), then remembers it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_cryptography import CryptographySigner

KEY_NAME = "adbkey"


def station_key_path(data_folder: Path) -> Path:
    return data_folder / "adb" / KEY_NAME


def station_signer(data_folder: Path) -> CryptographySigner:
    """The station's signer, creating the key pair (private key readable by us only)."""
    path = station_key_path(data_folder)
    if not path.exists() or not path.with_suffix(".pub").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        keygen(str(path))
        os.chmod(path, 0o600)
        _name_public_key(path.with_suffix(".pub"))
    return CryptographySigner(str(path))


def _name_public_key(pub: Path) -> None:
    """Phones show the key's comment in their dialog: make it say which bench asks."""
    text = pub.read_text(encoding="utf-8").split(" ", 1)[0].strip()
    pub.write_text(f"{text} etabli@{socket.gethostname()}\n", encoding="utf-8")
