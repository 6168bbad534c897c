"""`etabli build-check`: proves that an installed or packaged Établi carries everything it
reads at run time, without a screen and without touching the station's data.

It starts Qt offscreen, reads the assets (icons, step pictures, fonts, grading policy), the
shipped device profiles, both compiled translations, the simulators' personas and classroom
scenarios, opens a station on a database in a temporary folder, builds the window on it,
makes a small PDF with the embedded fonts and a QR code, finds libusb and libudev, then
quits. Each check prints one line; exit 0 only when every one passed. It is the check the
packaging tests run on the PyInstaller build (a file left out of the spec fails here, not at
a workshop). `etabli selfcheck` is another thing: the state of this machine for real work.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path


def _assets() -> str:
    from PySide6.QtSvg import QSvgRenderer

    from bench_app.settings import assets_dir

    folder = assets_dir()
    pictures = sorted((folder / "icons").glob("*.svg")) + sorted((folder / "steps").glob("*.svg"))
    if not (folder / "icons" / "etabli.svg").is_file():
        raise RuntimeError(f"no application icon in {folder / 'icons'}")
    bad = [p.name for p in pictures if not QSvgRenderer(str(p)).isValid()]
    if bad:
        raise RuntimeError(f"unreadable pictures: {', '.join(bad)}")
    return f"{len(pictures)} pictures in {folder}"


def _policy() -> str:
    from bench_app.grading.policy import GradingPolicy, default_policy_path

    policy = GradingPolicy.load()
    return f"grading policy {default_policy_path().name}, {len(policy.workshop)} workshop rules"


def _profiles() -> str:
    from bench_app.profiles.loader import load_profiles, shipped_profiles_dir

    loaded = load_profiles([])
    if loaded.problems:
        raise RuntimeError("; ".join(str(p) for p in loaded.problems[:3]))
    if not loaded.profiles:
        raise RuntimeError(f"no device profile in {shipped_profiles_dir()}")
    return f"{len(loaded.profiles)} device profiles"


def _simulators() -> str:
    from bench_app.simulators.adb_phone.persona import list_personas, load_persona
    from bench_app.simulators.scenarios import load_scenarios

    names = list_personas()
    for name in names:
        load_persona(name)
    scenarios = load_scenarios()
    if not names or not scenarios:
        raise RuntimeError("no persona or no classroom scenario")
    return f"{len(names)} personas, {len(scenarios)} scenarios"


def _translations() -> str:
    from PySide6.QtCore import QCoreApplication

    from ui.i18n import LANGUAGES, Translations

    app = QCoreApplication.instance()
    assert app is not None
    translations = Translations(app)
    said = {}
    for lang in LANGUAGES:
        if not translations.install(lang):
            raise RuntimeError(f"ui/i18n/etabli_{lang}.qm is missing or unreadable")
        said[lang] = QCoreApplication.translate("", "Phone")
    translations.install("fr")
    if said.get("fr") != "Téléphone":
        raise RuntimeError(f"the French translation does not translate: {said}")
    # Qt's own dialogs (the folder chooser) speak French through qtbase_fr.qm.
    from ui.file_chooser import QT_CONTEXT

    if QCoreApplication.translate(QT_CONTEXT, "Look in:") == "Look in:":
        raise RuntimeError("Qt's own French translation (qtbase_fr.qm) is missing")
    return ", ".join(LANGUAGES)


def _documents() -> str:
    import pikepdf
    from reportlab.pdfgen.canvas import Canvas

    from bench_app.output import pdf_style
    from bench_app.output.qr_matrix import qr_matrix

    pdf_style.register_fonts()
    with tempfile.TemporaryDirectory(prefix="etabli-build-check-") as tmp:
        path = Path(tmp) / "check.pdf"
        canvas = Canvas(str(path))
        canvas.setFont(pdf_style.FONT, 12)
        canvas.drawString(72, 720, "Établi — contrôle du paquet")
        canvas.save()
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
    rows = qr_matrix("ETABLI-BUILD-CHECK")
    return f"PDF with embedded fonts ({pages} page), QR code {len(rows)}×{len(rows)}"


def _libraries() -> str:
    import pyudev
    import usb.backend.libusb1

    if usb.backend.libusb1.get_backend() is None:
        raise RuntimeError("libusb-1.0 not found (package libusb-1.0-0)")
    pyudev.Context()
    return "libusb-1.0, libudev"


def _command_groups() -> str:
    import importlib.metadata

    groups = {e.name: e for e in importlib.metadata.entry_points(group="etabli.commands")}
    if "hub" not in groups:
        raise RuntimeError("the hub's command group is not installed")
    groups["hub"].load()
    return ", ".join(sorted(groups))


def _station_and_window(folder: Path) -> str:
    from PySide6.QtWidgets import QApplication

    from bench_app.domain.model import DeviceKind
    from bench_app.station import Station
    from ui.app import build_window

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    station = Station(folder, operator="build-check")
    try:
        device = station.register_device(DeviceKind.LAPTOP, serial="BUILD-CHECK-1")
        report = station.store.check()
        if not report.ok:
            raise RuntimeError(f"the new database does not check: {report.problems}")
        window = build_window(station, app, "fr", operator="build-check")
        window.show()
        app.processEvents()
        title = window.windowTitle()
        window.close()
        window.shutdown()
        window.deleteLater()
        app.processEvents()
    finally:
        station.close()
    return f"database in {folder}, device {device.asset_code}, window « {title} »"


def run_build_check() -> int:
    """Runs every check offscreen, prints one line each; 0 when all passed, else 1."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.app import create_app

    app = create_app()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="etabli-build-check-") as tmp:
        checks: list[tuple[str, Callable[[], str]]] = [
            ("assets", _assets),
            ("grading", _policy),
            ("profiles", _profiles),
            ("simulators", _simulators),
            ("translations", _translations),
            ("documents", _documents),
            ("libraries", _libraries),
            ("commands", _command_groups),
            ("station", lambda: _station_and_window(Path(tmp) / "data")),
        ]
        for name, check in checks:
            try:
                print(f"OK    {name}: {check()}", flush=True)
            except Exception as exc:  # every failure is reported, the next checks still run
                failed += 1
                print(f"FAIL  {name}: {type(exc).__name__}: {exc}", flush=True)
                if os.environ.get("ETABLI_BUILD_CHECK_TRACE"):
                    traceback.print_exc()
    app.processEvents()
    frozen = "packaged" if getattr(sys, "frozen", False) else "from source"
    print(f"{'build-check passed' if not failed else f'{failed} check(s) failed'} ({frozen})")
    return 0 if not failed else 1
