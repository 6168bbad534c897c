"""Training mode's "Téléphone simulé": a trainee installs LineageOS on a simulated handset
by pressing its keys in the window, and answers the station's prompts "C’est fait" once
done. The real install pipeline, ADB driver and fastboot client run against the handset."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.domain.model import JobState
from bench_app.erasure.records import erasure_records
from bench_app.install.images import ImageLibrary
from bench_app.install.phone_install import phone_install
from tests.install.test_phone_install import NEW_BUILD, make_rom
from tests.ui.conftest import Bench
from ui.handset_panel import HandsetPanel

WAIT = 60_000  # ms


def import_images(data_dir: Path, tmp_path: Path) -> None:
    stick = tmp_path / "stick" / "lineageos" / "FP4"
    stick.mkdir(parents=True)
    (stick / "recovery.img").write_bytes(os.urandom(1 << 20))
    rom = make_rom(stick)
    (stick / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
            for p in (stick / "recovery.img", rom)
        )
    )
    assert ImageLibrary(data_dir).import_folder(tmp_path / "stick").ok


def click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer_done(qtbot: QtBot, bench: Bench, device_id: str, picture: str) -> None:
    """Waits for the station's question with this picture, then clicks "C’est fait"."""
    view = bench.window.views[device_id]
    panel = bench.window.panel

    def shown() -> bool:
        # The panel draws at its next turn: until then its buttons answer the last question.
        prompt = view.prompt
        return prompt is not None and prompt.picture == picture and panel._shown_prompt is prompt

    qtbot.waitUntil(shown, timeout=WAIT)
    prompt = view.prompt
    keys = panel.answers.keys
    button = next((b for b in panel.answer_buttons() if keys.get(b) == "done"), None)
    assert prompt is not None and button is not None
    click(qtbot, button)
    assert prompt.answered


def wait_page(qtbot: QtBot, panel: HandsetPanel, page: str) -> None:
    qtbot.waitUntil(
        lambda: panel.drawing.current is not None and panel.drawing.current.page == page,
        timeout=WAIT,
    )


def highlighted(panel: HandsetPanel) -> str:
    screen = panel.drawing.current
    assert screen is not None and screen.highlight is not None
    return screen.items[screen.highlight]


def test_a_trainee_installs_lineageos_with_the_phone_keys(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    data_dir: Path,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    bench = make_bench(lang="fr")
    import_images(data_dir, tmp_path)
    finder = FastbootFinder(usb=None)
    bench.station.pipelines.register(
        phone_install(data_dir, finder=finder, boot_timeout_s=20.0, poll_s=0.05)
    )
    phone = bench.simulator.add_handset(
        "fairphone-4", finder=finder, boot_delay=0.1, operator="person"
    )
    handset = bench.simulator.handset(phone.key)
    handset.adb.phone.fs.write("/sdcard/DCIM/IMG_donor.jpg", b"JFIF", 0o660, 1_700_000_000)
    qtbot.waitUntil(lambda: len(bench.station.connected_device_ids()) == 1, timeout=WAIT)
    device_id = bench.station.connected_device_ids()[0]
    bench.window.select(device_id)
    panel = bench.window.show_handset(phone.key)
    assert panel is not None and panel.isVisible()
    assert panel.drawing.current is not None and panel.drawing.current.page == "android"
    assert panel.power.text() == "Marche/Arrêt" and panel.volume_down.text() == "Volume −"

    bench.station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
    # The bootloader asks on its screen, twice (unlock, then the critical partitions).
    answer_done(qtbot, bench, device_id, "unlock-confirm.svg")
    for _ in range(2):
        # A new question starts on "Do not unlock", as on a Pixel's screen.
        qtbot.waitUntil(
            lambda: (
                panel.drawing.current is not None
                and panel.drawing.current.page == "unlock"
                and highlighted(panel) == "Do not unlock the bootloader"
            ),
            timeout=WAIT,
        )
        assert not handset.bootloader.critical_unlocked
        click(qtbot, panel.volume_down)
        assert highlighted(panel) == "Unlock the bootloader"
        click(qtbot, panel.power)
    qtbot.waitUntil(lambda: handset.bootloader.critical_unlocked, timeout=WAIT)
    assert handset.bootloader.unlocked

    # The recovery's menu: nothing is erased until the trainee chooses it.
    wait_page(qtbot, panel, "recovery")
    answer_view = bench.window.views[device_id]
    qtbot.waitUntil(
        lambda: (
            answer_view.prompt is not None
            and answer_view.prompt.picture == "recovery-format-data.svg"
        ),
        timeout=WAIT,
    )
    assert handset.adb.phone.wipes == 0
    assert highlighted(panel) == "Reboot system now"
    click(qtbot, panel.volume_down)
    click(qtbot, panel.volume_down)
    assert highlighted(panel) == "Factory reset"
    panel.grab().save(str(artifacts_dir / "handset-panel-recovery.png"))
    click(qtbot, panel.power)
    assert panel.drawing.current.title == "Factory reset"
    click(qtbot, panel.power)  # "Format data/factory reset"
    assert panel.drawing.current.title == "Format data?"
    click(qtbot, panel.volume_down)
    click(qtbot, panel.power)  # "Format data"
    assert handset.adb.phone.wipes == 1
    assert "Data wipe complete." in panel.drawing.current.lines
    answer_done(qtbot, bench, device_id, "recovery-format-data.svg")

    # "Apply update", then "Apply from ADB"; the station sends the system.
    answer_view = bench.window.views[device_id]
    qtbot.waitUntil(
        lambda: (
            answer_view.prompt is not None and answer_view.prompt.picture == "recovery-sideload.svg"
        ),
        timeout=WAIT,
    )
    click(qtbot, panel.volume_down)
    click(qtbot, panel.power)
    assert highlighted(panel) == "Apply from ADB"
    click(qtbot, panel.power)
    wait_page(qtbot, panel, "sideload")
    answer_done(qtbot, bench, device_id, "recovery-sideload.svg")

    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=WAIT)
    job = bench.station.latest_job(device_id)
    assert job is not None and job.state is JobState.SUCCEEDED, job.message if job else None
    assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
    assert handset.adb.phone.fs.stat("/sdcard/DCIM/IMG_donor.jpg") is None
    (record,) = erasure_records(bench.station.store, device_id)
    assert record["result"] == "erased" and record["verification"]["ok"] is True
    wait_page(qtbot, panel, "android")


def test_the_simulation_menu_shows_the_keys_of_the_selected_phone(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(lang="fr")
    window = bench.window
    handset_phone = bench.simulator.add_handset(
        "fairphone-4", finder=FastbootFinder(usb=None), operator="person"
    )
    plain_phone = bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: len(bench.station.known_keys()) == 2, timeout=WAIT)
    keys = bench.station.known_keys()
    show = next(a for a in window._sim_menu.actions() if a.text() == "Montrer le téléphone simulé")
    # A phone plugged in over plain ADB has no screen nor keys to show.
    window.select(keys[plain_phone.key])
    show.trigger()
    assert window.handset_panels == {}
    # The complete phone: its screen and keys open, on its Android screen.
    window.select(keys[handset_phone.key])
    show.trigger()
    panel = window.handset_panels.get(handset_phone.key)
    assert panel is not None and panel.isVisible()
    assert panel.drawing.current is not None and panel.drawing.current.page == "android"
    # Beside the device panel, not over its question: the two are read side by side.
    questions = QRect(window.panel.mapToGlobal(QPoint(0, 0)), window.panel.size())
    assert not panel.frameGeometry().intersects(questions), (panel.frameGeometry(), questions)
    assert panel.frameGeometry().left() >= window.geometry().left()
    # Closed, then asked for again: it comes back.
    panel.close()
    assert not panel.isVisible()
    show.trigger()
    again = window.handset_panels[handset_phone.key]
    assert again.isVisible()
