"""What the laptop reads for its guided tests without anyone, from folders standing in for
/sys and /dev and from doubles of the programs (iw, arecord, aplay, fswebcam): wireless
interfaces, networks seen, USB ports and devices, cameras, a recording's level, a tone
played; a missing program is a reading ("none"), never an error."""

from __future__ import annotations

import wave
from pathlib import Path

from bench_app.diagnostics import laptop_guided as guided
from bench_app.diagnostics.laptop_guided import LAPTOP_TESTS, TESTS_BY_ID
from bench_app.settings import assets_dir

IW_SCAN = """BSS aa:bb:cc:dd:ee:01(on wlp2s0)
\tfreq: 2412
\tSSID: Atelier-Invites
BSS aa:bb:cc:dd:ee:02(on wlp2s0)
\tSSID: Livebox-12AB
BSS aa:bb:cc:dd:ee:03(on wlp2s0)
\tSSID: Atelier-Invites
BSS aa:bb:cc:dd:ee:04(on wlp2s0)
\tSSID:
"""  # a hidden network: no name


def test_wireless_interfaces_and_the_networks_iw_sees(tmp_path: Path) -> None:
    for name, wireless in (("eth0", False), ("wlp2s0", True), ("lo", False)):
        (tmp_path / name).mkdir()
        if wireless:
            (tmp_path / name / "wireless").mkdir()
    assert guided.wireless_interfaces(tmp_path) == ["wlp2s0"]
    assert guided.wireless_interfaces(tmp_path / "absent") == []
    asked: list[list[str]] = []

    def iw(argv: list[str]) -> str | None:
        asked.append(argv)
        return IW_SCAN

    assert guided.networks_seen("wlp2s0", iw) == ["Atelier-Invites", "Livebox-12AB"]
    assert asked == [["iw", "dev", "wlp2s0", "scan"]]
    assert guided.networks_seen("wlp2s0", lambda _argv: None) is None  # no iw, or not root


def test_usb_ports_and_the_devices_plugged(tmp_path: Path) -> None:
    for hub, ports in (("usb1", "4"), ("usb2", "2")):
        (tmp_path / hub).mkdir()
        (tmp_path / hub / "maxchild").write_text(ports + "\n")
    (tmp_path / "1-2").mkdir()
    (tmp_path / "1-2" / "product").write_text("SanDisk Cruzer\n")
    (tmp_path / "1-2:1.0").mkdir()  # an interface of that device, not a device
    assert guided.usb_ports(tmp_path) == {
        "ports": 6,
        "devices": [{"port": "1-2", "product": "SanDisk Cruzer"}],
    }
    assert guided.usb_ports(tmp_path / "absent") == {"ports": 0, "devices": []}


def test_cameras_are_the_video_devices(tmp_path: Path) -> None:
    for name in ("video0", "video1", "sda"):
        (tmp_path / name).touch()
    assert guided.cameras(tmp_path) == [str(tmp_path / "video0"), str(tmp_path / "video1")]


def test_the_microphone_level_is_the_recordings_peak(tmp_path: Path) -> None:
    def arecord(argv: list[str]) -> str | None:
        assert argv[0] == "arecord"
        guided.tone_wav(Path(argv[-1]), seconds=0.1)  # what a microphone near a tone records
        return ""

    reading = guided.record_level(1, arecord)
    assert reading["recorder"] == "arecord"
    assert 0.3 < reading["level"] < 0.4  # the tone's amplitude: 12000 of 32768
    assert guided.record_level(1, lambda _argv: None) == {"recorder": None, "level": None}


def test_the_tone_is_a_short_wav_and_is_played_by_the_first_player_that_works(
    tmp_path: Path,
) -> None:
    wav = guided.tone_wav(tmp_path / "t.wav", seconds=0.5, rate=8000)
    with wave.open(str(wav)) as read:
        assert (read.getnchannels(), read.getframerate(), read.getnframes()) == (1, 8000, 4000)
    played: list[str] = []

    def only_aplay(argv: list[str]) -> str | None:
        played.append(argv[0])
        return "" if argv[0] == "aplay" and Path(argv[1]).is_file() else None

    assert guided.play_tone(only_aplay) == {"player": "aplay"}
    assert played == ["paplay", "aplay"]
    assert guided.play_tone(lambda _argv: None) == {"player": None}


def test_a_webcam_frame_only_when_a_tool_made_one(tmp_path: Path) -> None:
    out = tmp_path / "frame.jpg"

    def ffmpeg(argv: list[str]) -> str | None:
        if argv[0] != "ffmpeg":
            return None  # no fswebcam here
        Path(argv[-1]).write_bytes(b"\xff\xd8jpeg")
        return ""

    assert guided.webcam_frame("/dev/video0", out, ffmpeg) == out
    out.unlink()
    assert guided.webcam_frame("/dev/video0", out, lambda _argv: "") is None  # wrote nothing


def test_the_list_is_shared_words_and_pictures() -> None:
    assert [t.id for t in LAPTOP_TESTS] == [
        "keyboard", "screen", "webcam", "loudspeaker", "microphone", "touchpad", "usb_ports",
        "wifi",
    ]  # fmt: skip
    for test in LAPTOP_TESTS:
        assert TESTS_BY_ID[test.id] is test
        assert (assets_dir() / "steps" / test.picture).is_file(), test.picture
        for words in (test.question.fr, test.question.en):
            assert len(words.replace(" ?", "?").split()) <= 12, words
