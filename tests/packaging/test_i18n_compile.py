"""`packaging/i18n.py compile` under a running Établi: the window maps its .qm into memory,
so a .qm is never rewritten in place. Found as a bus error (SIGBUS) in a window test while
the package build, on another test worker, compiled the translations again."""

from __future__ import annotations

import importlib.util
import mmap
import shutil
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _i18n() -> ModuleType:
    spec = importlib.util.spec_from_file_location("etabli_i18n", ROOT / "packaging" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_compiled_file_in_use_is_replaced_whole_and_only_when_it_changed(tmp_path: Path) -> None:
    i18n = _i18n()
    for lang in i18n.LANGUAGES:
        shutil.copy(ROOT / "ui" / "i18n" / f"etabli_{lang}.ts", tmp_path)
    i18n.compile_all(tmp_path)
    qm = tmp_path / "etabli_fr.qm"
    first = qm.stat().st_ino
    assert qm.stat().st_size > 1000

    i18n.compile_all(tmp_path)  # nothing changed: the file in use stays the same file
    assert qm.stat().st_ino == first

    # A running window has the file mapped; the translations change and are compiled again.
    with qm.open("rb") as held, mmap.mmap(held.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        before = bytes(mapped)
        ts = tmp_path / "etabli_fr.ts"
        ts.write_text(
            ts.read_text(encoding="utf-8").replace("Rebrancher", "Rebrancher l’appareil", 1),
            encoding="utf-8",
        )
        i18n.compile_all(tmp_path)
        assert bytes(mapped) == before  # every mapped page still reads (no bus error)
    assert qm.stat().st_ino != first and qm.read_bytes() != before
    assert "Rebrancher l’appareil".encode("utf-16-be") in qm.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "etabli_en.qm", "etabli_en.ts", "etabli_fr.qm", "etabli_fr.ts",
    ]  # fmt: skip
