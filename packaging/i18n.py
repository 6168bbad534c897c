#!/usr/bin/env python3
"""Translations: `update` extracts the UI's strings into ui/i18n/*.ts (keeping what is
already translated); `compile` turns each .ts into the .qm the app loads. The start and test
commands run `compile`; translators edit the .ts files with Qt Linguist or any text editor."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "ui" / "i18n"
LANGUAGES = ("fr", "en")


def tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}") or str(Path(sys.executable).parent / f"pyside6-{name}")
    if not Path(found).exists():
        raise SystemExit(f"pyside6-{name} not found: install the project first (pip install -e .)")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ui").glob("*.py"))


def update() -> None:
    for lang in LANGUAGES:
        ts = I18N / f"etabli_{lang}.ts"
        subprocess.run(
            [
                tool("lupdate"),
                *sources(),
                "-no-obsolete",
                "-locations",
                "none",
                "-source-language",
                "en",
                "-target-language",
                lang,
                "-ts",
                str(ts.relative_to(ROOT)),
            ],
            cwd=ROOT,
            check=True,
        )


def compile_all(folder: Path = I18N) -> None:
    """Each .qm written beside its .ts, then put in place in one rename, and only when it
    changed: a running Établi maps its .qm into memory, and a file rewritten under it in
    place would crash it (SIGBUS), as a second start or the package build would do."""
    for lang in LANGUAGES:
        ts = folder / f"etabli_{lang}.ts"
        qm = ts.with_suffix(".qm")
        fresh = qm.with_name(f".{qm.stem}.{os.getpid()}.qm")
        try:
            subprocess.run([tool("lrelease"), "-silent", str(ts), "-qm", str(fresh)], check=True)
            if qm.exists() and qm.read_bytes() == fresh.read_bytes():
                continue
            os.replace(fresh, qm)
        finally:
            fresh.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("update", "compile"))
    args = parser.parse_args()
    update() if args.action == "update" else compile_all()


if __name__ == "__main__":
    main()
