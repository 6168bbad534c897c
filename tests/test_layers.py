"""The layers around the wire hold, read from the source itself: the station's core never
imports the hub (not even inside a function), the wire imports nothing of the station but
itself, and the store does not reach into sync."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def _imported(node: ast.AST, *, typing_too: bool) -> Iterator[str]:
    """Every module an import under `node` names (`from a import b` names a and a.b)."""
    for child in ast.iter_child_nodes(node):
        if not typing_too and _is_type_checking(child):
            continue
        if isinstance(child, ast.Import):
            yield from (alias.name for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield child.module
            yield from (f"{child.module}.{alias.name}" for alias in child.names)
        yield from _imported(child, typing_too=typing_too)


def _imports_under(folder: str, *, typing_too: bool = True) -> dict[str, set[str]]:
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found[str(path.relative_to(ROOT))] = set(_imported(tree, typing_too=typing_too))
    assert found, folder
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_core_never_imports_the_hub() -> None:
    offenders = {
        path: sorted(n for n in names if _within(n, "hub"))
        for path, names in _imports_under("bench_app").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_wire_imports_nothing_of_the_station_but_itself() -> None:
    offenders = {
        path: sorted(
            n
            for n in names
            if (_within(n, "bench_app") and n != "bench_app" and not _within(n, "bench_app.wire"))
            or _within(n, "hub")
        )
        for path, names in _imports_under("bench_app/wire", typing_too=False).items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_store_does_not_reach_into_sync() -> None:
    offenders = {
        path: sorted(n for n in names if _within(n, "bench_app.sync") or _within(n, "hub"))
        for path, names in _imports_under("bench_app/store").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}
