"""The guided tests only a laptop itself can show, as one list shared by the laptop's screen
(ui/agent_window.py) and the station (bench_app/laptop_tests.py): keyboard, screen, webcam,
speakers, microphone, touchpad, USB ports, Wi-Fi. Each has the grading policy's step id
(the phone list's words where they mean the same part), a title, one question and a picture.

Automated readings (what the agent can see without a person: cameras, wireless interfaces,
USB ports, the sound tools) are taken on the laptop and sent with the answer; a missing tool
is a reading too ("none found"), never an error."""

from __future__ import annotations

import math
import os
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.text import Text

OK, KO, SKIPPED = "ok", "ko", "skipped"
PIPELINE = "laptop.guided_tests"  # the check job that records the answers, one step each
ANSWERS = (OK, KO, SKIPPED)


@dataclass(frozen=True)
class LaptopTest:
    """One guided test: `id` is its step id (the grading policy's name for the part)."""

    id: str
    title: Text
    question: Text
    picture: str  # under assets/steps


LAPTOP_TESTS: tuple[LaptopTest, ...] = (
    LaptopTest(
        "keyboard",
        Text("Clavier", "Keyboard"),
        Text("Appuyez sur chaque touche. Toutes s’allument ?", "Press every key. Do all light up?"),
        "keyboard.svg",
    ),
    LaptopTest(
        "screen",
        Text("Écran", "Screen"),
        Text(
            "Regardez chaque couleur. Aucun point mort, aucune ligne ?",
            "Look at each colour. No dead pixel, no line?",
        ),
        "screen.svg",
    ),
    LaptopTest(
        "webcam",
        Text("Webcam", "Webcam"),
        Text("La webcam montre-t-elle une image nette ?", "Does the webcam show a sharp picture?"),
        "camera_front.svg",
    ),
    LaptopTest(
        "loudspeaker",
        Text("Haut-parleurs", "Speakers"),
        Text("Un son est joué. L’entendez-vous bien ?", "A tone plays. Do you hear it clearly?"),
        "speaker.svg",
    ),
    LaptopTest(
        "microphone",
        Text("Micro", "Microphone"),
        Text(
            "Parlez près du portable. Le niveau bouge-t-il ?",
            "Speak near the laptop. Does the level move?",
        ),
        "microphone.svg",
    ),
    LaptopTest(
        "touchpad",
        Text("Pavé tactile", "Touchpad"),
        Text(
            "Dessinez sur la zone, cliquez à gauche et à droite. Tout répond ?",
            "Draw in the area, click left and right. All respond?",
        ),
        "touch.svg",
    ),
    LaptopTest(
        "usb_ports",
        Text("Prises USB", "USB ports"),
        Text(
            "Branchez une clé dans chaque prise USB. Chacune la voit ?",
            "Plug a stick into each USB port. Is it seen each time?",
        ),
        "usb_port.svg",
    ),
    LaptopTest(
        "wifi",
        Text("Wi-Fi", "Wi-Fi"),
        Text("Le portable voit-il des réseaux Wi-Fi ?", "Does the laptop see Wi-Fi networks?"),
        "wifi.svg",
    ),
)
TESTS_BY_ID = {t.id: t for t in LAPTOP_TESTS}

# The keyboard drawn on the laptop's screen: French AZERTY rows, each key (Qt key name the
# window matches, printed cap). The names are Qt's `Key_…` suffixes, kept here as plain data.
AZERTY_ROWS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Escape", "Échap"), ("F1", "F1"), ("F2", "F2"), ("F3", "F3"), ("F4", "F4"), ("F5", "F5"),
     ("F6", "F6"), ("F7", "F7"), ("F8", "F8"), ("F9", "F9"), ("F10", "F10"), ("F11", "F11"),
     ("F12", "F12"), ("Delete", "Suppr")),
    (("twosuperior", "²"), ("Ampersand", "&"), ("Eacute", "é"), ("QuoteDbl", "\""),
     ("Apostrophe", "'"), ("ParenLeft", "("), ("Minus", "-"), ("Egrave", "è"),
     ("Underscore", "_"), ("Ccedilla", "ç"), ("Agrave", "à"), ("ParenRight", ")"),
     ("Equal", "="), ("Backspace", "⟵")),
    (("Tab", "Tab"), ("A", "A"), ("Z", "Z"), ("E", "E"), ("R", "R"), ("T", "T"), ("Y", "Y"),
     ("U", "U"), ("I", "I"), ("O", "O"), ("P", "P"), ("Dead_Circumflex", "^"),
     ("Dollar", "$"), ("Return", "Entrée")),
    (("CapsLock", "Verr. maj"), ("Q", "Q"), ("S", "S"), ("D", "D"), ("F", "F"), ("G", "G"),
     ("H", "H"), ("J", "J"), ("K", "K"), ("L", "L"), ("M", "M"), ("Ugrave", "ù"),
     ("Asterisk", "*")),
    (("Shift", "Maj"), ("Less", "<"), ("W", "W"), ("X", "X"), ("C", "C"), ("V", "V"),
     ("B", "B"), ("N", "N"), ("Comma", ","), ("Semicolon", ";"), ("Colon", ":"),
     ("Exclam", "!")),
    (("Control", "Ctrl"), ("Meta", "⊞"), ("Alt", "Alt"), ("Space", "Espace"),
     ("AltGr", "Alt Gr"), ("Menu", "Menu"), ("Left", "←"), ("Up", "↑"), ("Down", "↓"),
     ("Right", "→")),
)  # fmt: skip
KEYBOARD_KEYS = tuple(name for row in AZERTY_ROWS for name, _cap in row)
# Where each drawn key sits, as Linux input key codes (linux/input-event-codes.h): a key is
# lit by its place, whatever keymap the system has loaded (a stick's framebuffer without a
# French keymap reads the AZERTY "A" as the US "Q").
KEY_POSITIONS: dict[str, int] = {
    "Escape": 1, "F1": 59, "F2": 60, "F3": 61, "F4": 62, "F5": 63, "F6": 64, "F7": 65,
    "F8": 66, "F9": 67, "F10": 68, "F11": 87, "F12": 88, "Delete": 111,
    "twosuperior": 41, "Ampersand": 2, "Eacute": 3, "QuoteDbl": 4, "Apostrophe": 5,
    "ParenLeft": 6, "Minus": 7, "Egrave": 8, "Underscore": 9, "Ccedilla": 10, "Agrave": 11,
    "ParenRight": 12, "Equal": 13, "Backspace": 14,
    "Tab": 15, "A": 16, "Z": 17, "E": 18, "R": 19, "T": 20, "Y": 21, "U": 22, "I": 23,
    "O": 24, "P": 25, "Dead_Circumflex": 26, "Dollar": 27, "Return": 28,
    "CapsLock": 58, "Q": 30, "S": 31, "D": 32, "F": 33, "G": 34, "H": 35, "J": 36, "K": 37,
    "L": 38, "M": 39, "Ugrave": 40, "Asterisk": 43,
    "Shift": 42, "Less": 86, "W": 44, "X": 45, "C": 46, "V": 47, "B": 48, "N": 49,
    "Comma": 50, "Semicolon": 51, "Colon": 52, "Exclam": 53,
    "Control": 29, "Meta": 125, "Alt": 56, "Space": 57, "AltGr": 100, "Menu": 127,
    "Left": 105, "Up": 103, "Down": 108, "Right": 106,
}  # fmt: skip
KEY_AT = {code: name for name, code in KEY_POSITIONS.items()}

Run = Callable[[list[str]], str | None]  # a program's output, None when it is absent or fails


def run_program(argv: list[str], timeout: float = 15.0) -> str | None:
    """The program's standard output, or None when it is not installed or fails."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def cameras(dev: Path = Path("/dev")) -> list[str]:
    """The video devices the kernel offers (/dev/video*)."""
    return sorted(str(p) for p in dev.glob("video*"))


def wireless_interfaces(net: Path = Path("/sys/class/net")) -> list[str]:
    """Network interfaces that are wireless (they have a `wireless` or `phy80211` entry)."""
    if not net.is_dir():
        return []
    return sorted(
        p.name for p in net.iterdir() if (p / "wireless").exists() or (p / "phy80211").exists()
    )


def networks_seen(interface: str, run: Run = run_program) -> list[str] | None:
    """The Wi-Fi network names `iw` finds on `interface`; None when it cannot scan."""
    out = run(["iw", "dev", interface, "scan"])
    if out is None:
        return None
    names = [line.split(":", 1)[1].strip() for line in out.splitlines() if "SSID:" in line]
    return sorted({n for n in names if n})


def usb_ports(usb: Path = Path("/sys/bus/usb/devices")) -> dict[str, Any]:
    """USB root hubs' ports and the devices plugged now (from /sys): {"ports", "devices"}."""
    if not usb.is_dir():
        return {"ports": 0, "devices": []}
    ports = 0
    devices = []
    for entry in sorted(usb.iterdir()):
        if entry.name.startswith("usb"):
            text = _read(entry / "maxchild")
            ports += int(text) if text.isdigit() else 0
        elif ":" not in entry.name:  # a device, not one of its interfaces
            product = _read(entry / "product")
            devices.append({"port": entry.name, "product": product})
    return {"ports": ports, "devices": devices}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def tone_wav(path: Path, seconds: float = 1.5, hz: float = 660.0, rate: int = 22050) -> Path:
    """A short sine tone written as a 16-bit mono WAV file."""
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (int(12000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(frames))
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


def play_tone(run: Run = run_program) -> dict[str, Any]:
    """Plays a short tone with aplay or paplay; {"player": name or None}."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = tone_wav(Path(tmp) / "tone.wav")
        for player in ("paplay", "aplay"):
            if run([player, str(wav)]) is not None:
                return {"player": player}
    return {"player": None}


def record_level(seconds: int = 3, run: Run = run_program) -> dict[str, Any]:
    """Records a few seconds with arecord; {"recorder", "level"} where level is the peak of
    the recording from 0 to 1 (None when nothing could record)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "voice.wav"
        argv = ["arecord", "-q", "-d", str(seconds), "-f", "S16_LE", "-r", "16000", str(wav)]
        if run(argv) is None or not wav.exists():
            return {"recorder": None, "level": None}
        return {"recorder": "arecord", "level": wav_peak(wav)}


def wav_peak(path: Path) -> float:
    """The loudest sample of a 16-bit WAV file, from 0 to 1."""
    with wave.open(str(path), "rb") as source:
        data = source.readframes(source.getnframes())
    count = len(data) // 2
    if not count:
        return 0.0
    peak = max(abs(s) for s in struct.unpack(f"<{count}h", data[: count * 2]))
    return round(peak / 32768, 3)


def webcam_frame(device: str, out: Path, run: Run = run_program) -> Path | None:
    """One frame from `device` as a JPEG with fswebcam or ffmpeg; None when neither works."""
    tries = (
        ["fswebcam", "-q", "-d", device, "--no-banner", "-r", "640x480", str(out)],
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "video4linux2", "-i", device,
         "-frames:v", "1", str(out)],
    )  # fmt: skip
    for argv in tries:
        if run(argv) is not None and out.exists() and out.stat().st_size > 0:
            return out
    return None


def automated_readings(test_id: str, run: Run = run_program) -> dict[str, Any]:
    """What the laptop can read for `test_id` before anyone answers (sent with the answer).
    The webcam's frame is saved under the agent's temporary folder, shown on the laptop
    only: its path stays out of what the station receives (`frame` is popped by the agent)."""
    if test_id == "webcam":
        found = cameras()
        readings: dict[str, Any] = {"cameras": found}
        if found:
            shot = Path(tempfile.gettempdir()) / f"etabli-webcam-{os.getpid()}.jpg"
            frame = webcam_frame(found[0], shot, run)
            readings["frame_captured"] = frame is not None
            if frame is not None:
                readings["frame"] = str(frame)
        return readings
    if test_id == "wifi":
        interfaces = wireless_interfaces()
        seen = {i: networks_seen(i, run) for i in interfaces}
        return {"interfaces": interfaces, "networks": {i: n for i, n in seen.items() if n}}
    if test_id == "usb_ports":
        return usb_ports()
    if test_id == "loudspeaker":
        return play_tone(run)
    if test_id == "microphone":
        return record_level(run=run)
    return {}
