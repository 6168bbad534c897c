"""Icons and step pictures from assets/, loaded once."""

from __future__ import annotations

from functools import cache, lru_cache

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from bench_app.domain.model import DeviceKind
from bench_app.settings import assets_dir


@cache
def device_icon(kind: DeviceKind) -> QIcon:
    return QIcon(str(assets_dir() / "icons" / f"{kind.value}.svg"))


@cache
def app_icon() -> QIcon:
    return QIcon(str(assets_dir() / "icons" / "etabli.svg"))


def picture(name: str, size: QSize) -> QPixmap:
    """A step picture rendered at `size` (SVG scales cleanly for any screen); drawn once per
    name and size: each new question of a running check shows one."""
    return _picture(name, size.width(), size.height())


@lru_cache(maxsize=64)  # a few dozen pictures of ~100 KB at most
def _picture(name: str, width: int, height: int) -> QPixmap:
    size = QSize(width, height)
    path = assets_dir() / "steps" / name
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(str(path))
    if renderer.isValid():
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
    return pixmap
