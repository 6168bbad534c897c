"""The set-up's last page enrols the station with the collective's hub through the same
code path as `etabli enrol`: a bad address or a used code is said in one short sentence and
nothing is saved; a good code enrols the station (its sync.json), off the window's thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.sync.client import SyncConfig
from tests.sync.conftest import LiveHub
from tests.ui.conftest import Bench, make_bench  # noqa: F401  (fixture)
from ui.workshop_setup import HubPage


def test_the_hub_page_enrols_the_station(
    make_bench: Callable[..., Bench],  # noqa: F811
    live_hub: LiveHub,
    data_dir: Path,
    qtbot: QtBot,
) -> None:
    bench = make_bench(training=False, lang="fr")
    dialog = bench.window.open_settings()
    hub = dialog.page("HubPage")
    assert isinstance(hub, HubPage)
    sync_json = data_dir / "sync.json"

    hub.url.setText("ftp://127.0.0.1/")
    hub.code.setText("ABCD")
    qtbot.mouseClick(hub.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hub.enrol_button.isEnabled() and "…" not in hub.message.text())
    assert "adresse" in hub.message.text().lower()
    assert not sync_json.exists()

    hub.url.setText(live_hub.url)
    hub.code.setText("PAS-UN-VRAI-CODE")
    qtbot.mouseClick(hub.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: hub.enrol_button.isEnabled() and "…" not in hub.message.text(), timeout=20_000
    )
    assert hub.message.text() == "Inscription refusée : demandez un nouveau code."
    assert not sync_json.exists()

    hub.code.setText(live_hub.code("Ressourcerie du Port"))
    qtbot.mouseClick(hub.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(hub.enrolled), timeout=20_000)
    assert hub.message.text() == "Poste inscrit (Ressourcerie du Port)."
    config = SyncConfig.load(data_dir)
    assert config.enrolled and config.hub_url == live_hub.url
    assert config.workshop == "Ressourcerie du Port"
    dialog.reject()  # the enrolment stays: it was its own action, said on the page
    assert SyncConfig.load(data_dir).enrolled
