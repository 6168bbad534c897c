"""Batches in the window: four identical simulated handsets (one model, four serials) get a
tick box on their cards; "Tous les Fairphone 4" ticks them and "Effacer et installer
LineageOS" starts each one's verified wipe then installation. The test is the operator: it
does on each phone what its question asks and answers with the window's buttons. One phone's
cable comes out mid-flash; the three others finish, and the summary says so, with why."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.domain.model import DeviceStage
from bench_app.erasure.phone_wipe import phone_wipe
from bench_app.erasure.records import erasure_records
from bench_app.install.phone_install import phone_install
from bench_app.jobs.prompt import Prompt
from bench_app.simulators.bootloader.bootloader import BootloaderFaults
from tests.install.test_batches import act_on_phone
from tests.install.test_phone_install import NEW_BUILD
from tests.ui.conftest import Bench
from tests.ui.test_handset_panel import import_images

WAIT = 240_000  # ms: four phones at once on a shared machine


def shoot(window: QWidget, path: Path) -> None:
    """The window as drawn once its pending layouts are done (as the event loop would)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    assert window.grab().save(str(path))


def click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


class Operator:
    """Does on each phone what its question asks (in a thread: a hand takes its time), then
    answers in the window: selects the phone's card and clicks the panel's button."""

    def __init__(self, bench: Bench, qtbot: QtBot, handsets: dict[str, Any]) -> None:
        self.bench, self.qtbot, self.handsets = bench, qtbot, handsets
        self.seen: set[Prompt] = set()  # kept alive, so no id is ever reused
        self.ready: queue.Queue[tuple[str, Prompt, str]] = queue.Queue()
        self.hands: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def follow(self) -> None:
        """One look at the window: new questions get a hand, done ones get their answer."""
        for device_id, view in list(self.bench.window.views.items()):
            prompt = view.prompt
            if prompt is None or prompt in self.seen or device_id not in self.handsets:
                continue
            self.seen.add(prompt)
            hand = threading.Thread(target=self._hand, args=(device_id, prompt), daemon=True)
            self.hands.append(hand)
            hand.start()
        while not self.ready.empty():
            device_id, prompt, answer = self.ready.get()
            if not prompt.answered:
                self._answer_in_window(device_id, prompt, answer)
        assert not self.errors, self.errors

    def _hand(self, device_id: str, prompt: Prompt) -> None:
        try:
            self.ready.put((device_id, prompt, act_on_phone(self.handsets[device_id], prompt)))
        except BaseException as exc:
            self.errors.append(exc)

    def _answer_in_window(self, device_id: str, prompt: Prompt, answer: str) -> None:
        window = self.bench.window
        window.select(device_id)
        panel = window.panel
        if prompt.entry is not None:  # typed answers are not what this test is about
            prompt.answer(answer)
            return
        button = next(
            (b for b in panel.answer_buttons() if panel.answers.keys.get(b) == answer), None
        )
        if button is None:  # the panel draws the question at its next redraw
            self.ready.put((device_id, prompt, answer))
            return
        click(self.qtbot, button)

    def done(self) -> None:
        for hand in self.hands:
            hand.join(timeout=120)


def test_a_batch_of_four_phones_is_wiped_and_installed_and_one_pulled_cable_stops_only_it(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    data_dir: Path,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    bench = make_bench(lang="fr")
    bench.window.resize(1366, 768)
    import_images(data_dir, tmp_path)
    finder = FastbootFinder(usb=None)
    station = bench.station
    station.pipelines.register(phone_wipe(None, boot_timeout_s=20.0, poll_s=0.05))
    station.pipelines.register(
        phone_install(data_dir, finder=finder, boot_timeout_s=20.0, poll_s=0.05)
    )
    by_serial: dict[str, Any] = {}
    for i in range(4):
        options: dict[str, Any] = {"serial": f"FP4WIN{i + 1:03d}", "boot_delay": 0.1}
        if i == 3:  # its cable comes out while the recovery image is written
            options["faults"] = BootloaderFaults(drop_download_after=512 * 1024)
        phone = bench.simulator.add_handset("fairphone-4", finder=finder, **options)
        handset = bench.simulator.handset(phone.key)
        handset.adb.phone.fs.write("/sdcard/DCIM/IMG_donor.jpg", b"JFIF", 0o660, 1_700_000_000)
        by_serial[handset.serial] = handset
    window = bench.window
    qtbot.waitUntil(lambda: len(window.cards) == 4, timeout=WAIT)
    handsets = {}
    for device_id in window.cards:
        handle = station.handle(device_id)
        assert handle is not None
        handsets[device_id] = bench.simulator.handset(handle.key)
    pulled = next(d for d, h in handsets.items() if h.serial == "FP4WIN004")
    bar = window.batch_bar

    # Four of one model: each card has its tick box, and the bar offers them all.
    qtbot.waitUntil(lambda: all(c.batch_box.isVisible() for c in window.cards.values()))
    assert bar.isVisible() and not bar.start_button.isEnabled()
    (all_button,) = bar.findChildren(QPushButton, "BatchAll")
    assert all_button.text() == "Tous les Fairphone 4"
    click(qtbot, all_button)
    assert sorted(bar.ticked()) == sorted(window.cards)
    systems = [bar.system.itemData(i) for i in range(bar.system.count())]
    assert systems == ["lineageos-20", "eos"]
    assert bar.system.currentData() == "eos"  # the station's usual system, /e/OS
    bar.system.setCurrentIndex(0)
    assert bar.start_button.text() == "Effacer et installer LineageOS"
    assert bar.start_button.isEnabled()
    assert all(c.batch_box.text() == "Série" for c in window.cards.values())
    shoot(window, artifacts_dir / "batch-ticked-1366x768.png")
    click(qtbot, bar.start_button)
    assert len(bar.batches) == 1
    batch, strip = bar.batches[0]
    assert not any(c.batch_box.isChecked() for c in window.cards.values())

    operator = Operator(bench, qtbot, handsets)
    progress_seen: dict[str, set[int]] = {d: set() for d in window.cards}
    shot: list[bool] = []

    def follow() -> bool:
        operator.follow()
        for device_id, card in window.cards.items():
            if card.progress.isVisible():
                progress_seen[device_id].add(card.progress.value())
        summary = batch.summary()
        if not shot and summary.done and not summary.finished:
            # A batch under way, as the operator sees it on a 1366×768 laptop.
            bar.refresh()
            shoot(window, artifacts_dir / "batch-running-1366x768.png")
            shot.append(True)
        return summary.finished

    try:
        qtbot.waitUntil(follow, timeout=WAIT)
    finally:
        operator.done()
    summary = batch.summary()
    codes = {d: window.views[d].device.asset_code for d in handsets}
    assert sorted(summary.done) == sorted(codes[d] for d in handsets if d != pulled)
    assert [asset for asset, _ in summary.failed] == [codes[pulled]]
    assert "fastboot:flash" in summary.failed[0][1].fr

    # The strip says it in words, with why the fourth stopped.
    qtbot.waitUntil(lambda: strip.done.text() == "3 terminés", timeout=WAIT)
    assert strip.failed.text() == "1 échoué" and strip.failed.isVisible()
    assert not strip.running.isVisible() and not strip.waiting.isVisible()
    assert strip.why.isVisible() and codes[pulled] in strip.why.text()
    assert "fastboot" in strip.why.text()
    shoot(window, artifacts_dir / "batch-summary-1366x768.png")

    for device_id, handset in handsets.items():
        # Every phone: a verified wipe first, its own progress on its own card.
        (first, *_) = erasure_records(station.store, device_id)
        assert first["result"] == "erased" and first["verification"]["ok"] is True
        assert len(progress_seen[device_id] - {0}) >= 2, progress_seen[device_id]
        device = station.device(device_id)
        assert device is not None
        if device_id == pulled:
            assert handset.persona.props["ro.build.fingerprint"] != NEW_BUILD
            assert device.stage is DeviceStage.ERASED
        else:
            assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
            assert device.stage is DeviceStage.INSTALLED
    assert shot, "the batch was never seen under way"
