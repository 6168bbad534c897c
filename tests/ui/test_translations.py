"""French first, English second: every string of the main screens is translated in both."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Bench
from ui.i18n import I18N_DIR
from ui.intake_dialog import IntakeDialog

ROOT = Path(__file__).resolve().parents[2]


def read_ts(path: Path) -> dict[str, list[str]]:
    """source -> translations (one, or the plural forms)."""
    text = path.read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for block in re.findall(r"<message[^>]*>.*?</message>", text, re.S):
        source = html.unescape(re.search(r"<source>(.*?)</source>", block, re.S).group(1))  # type: ignore[union-attr]
        assert 'type="unfinished"' not in block, f"{path.name}: unfinished: {source!r}"
        assert 'type="vanished"' not in block and 'type="obsolete"' not in block, source
        forms = re.findall(r"<numerusform>(.*?)</numerusform>", block, re.S)
        if not forms:
            forms = re.findall(r"<translation>(.*?)</translation>", block, re.S)
        assert forms and all(f.strip() for f in forms), (
            f"{path.name}: empty translation for {source!r}"
        )
        out[source] = [html.unescape(f) for f in forms]
    return out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_string_is_translated(lang: str) -> None:
    translations = read_ts(I18N_DIR / f"etabli_{lang}.ts")
    assert len(translations) > 80
    if lang == "fr":
        # A French translation that merely repeats the English is a forgotten one.
        same = [
            s
            for s, t in translations.items()
            if t == [s] and s not in {"IMEI", "Android", "Association", "Wi-Fi…"}
        ]
        assert same == []


def test_ts_files_cover_every_string_in_the_code(tmp_path: Path) -> None:
    """Running lupdate on today's code adds nothing new to the committed .ts files."""
    lupdate = shutil.which("pyside6-lupdate") or str(
        Path(sys.executable).parent / "pyside6-lupdate"
    )
    sources = sorted(str(p) for p in (ROOT / "ui").glob("*.py"))
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [lupdate, *sources, "-locations", "none", "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    in_code = set(re.findall(r"<source>(.*?)</source>", fresh.read_text(encoding="utf-8"), re.S))
    for lang in ("fr", "en"):
        committed = set(
            re.findall(
                r"<source>(.*?)</source>",
                (I18N_DIR / f"etabli_{lang}.ts").read_text(encoding="utf-8"),
                re.S,
            )
        )
        assert in_code - committed == set(), (
            f"run `python3 packaging/i18n.py update` and translate ({lang})"
        )


def test_qm_files_are_compiled() -> None:
    for lang in ("fr", "en"):
        qm = I18N_DIR / f"etabli_{lang}.qm"
        assert qm.exists() and qm.stat().st_size > 1000


def visible_texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
    texts.append(root.windowTitle())
    return [t for t in texts if t.strip()]


def test_french_screens_show_no_english(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    english = {s for s, t in read_ts(I18N_DIR / "etabli_fr.ts").items() if t != [s]}
    english |= {s.split("%")[0].strip() for s in english if "%" in s}
    bench = make_bench(lang="fr")
    bench.simulator.add_training_set()
    qtbot.waitUntil(lambda: len(bench.window.cards) == 5, timeout=20_000)
    for device_id in list(bench.window.cards)[:2]:
        bench.station.start_job(device_id)
    qtbot.waitUntil(lambda: any(v.prompt for v in bench.window.views.values()), timeout=20_000)
    bench.window._flush(full=True)
    dialog = IntakeDialog(bench.station, "fr", bench.window)
    qtbot.addWidget(dialog)
    shown = visible_texts(bench.window) + visible_texts(dialog)
    leaks = sorted({t for t in shown if t in english})
    assert leaks == []
    assert "Accueil d’un don" in shown and "Lancer le contrôle" in shown


def test_language_switches_while_running(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    bench = make_bench(lang="fr")
    bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=20_000)
    window = bench.window
    assert window.intake_button.text() == "Accueil d’un don"
    window.language.setCurrentIndex(1)
    window.language.activated.emit(1)
    qtbot.waitUntil(lambda: window.intake_button.text() == "Intake of a donation", timeout=5_000)
    card = next(iter(window.cards.values()))
    assert card.button.text() == "Start the check"
    assert bench.station.settings.language == "en"
