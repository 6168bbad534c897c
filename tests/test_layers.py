"""The layers hold, read from the source itself (imports inside functions and type-only
imports count): the station's core never imports the hub nor Qt, the wire imports nothing of
the station but itself, the store imports only what lies beneath it, and no module of
bench_app/, ui/ or hub/ imports from a layer above its own (`LAYERS`)."""

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


# Bottom to top. A module may import from its own layer and the layers below it. A name stands
# for its package and everything in it, but for `bench_app` and `bench_app.jobs`, which stand
# for their own __init__.py only (their modules sit in several layers).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base: messages, errors, input files, settings, the operators list and the workshop",
        ("bench_app", "bench_app.text", "bench_app.errors", "bench_app.input_files",
         "bench_app.settings", "bench_app.operators", "bench_app.settings_edit",
         "bench_app.workshop", "bench_app.sizes"),
    ),
    ("the wire", ("bench_app.wire",)),
    ("domain and the station key", ("bench_app.domain", "bench_app.signing")),
    ("the store", ("bench_app.store",)),
    ("prompts and external processes", ("bench_app.jobs.prompt", "bench_app.jobs.process")),
    ("devices and device profiles", ("bench_app.devices", "bench_app.profiles")),
    ("the job engine and its steps", ("bench_app.jobs", "bench_app.jobs.steps",
                                      "bench_app.jobs.engine")),
    ("the work", ("bench_app.diagnostics", "bench_app.grading", "bench_app.erasure",
                  "bench_app.install", "bench_app.journey", "bench_app.disk_links",
                  "bench_app.beneficiaries", "bench_app.loans", "bench_app.parts", "bench_app.approvals",
                  "bench_app.search", "bench_app.laptop_agent", "bench_app.agent_tests")),
    ("the pipeline catalogue", ("bench_app.jobs.pipelines",)),
    ("documents, sync and simulators", ("bench_app.output", "bench_app.sync",
                                        "bench_app.simulators", "bench_app.dashboard")),
    ("the station and its self-check", ("bench_app.station", "bench_app.selfcheck",
                                        "bench_app.lots", "bench_app.laptops",
                                        "bench_app.laptop_erasure", "bench_app.laptop_offline",
                                        "bench_app.laptop_tests", "bench_app.laptop_system_image")),
    ("batches: several devices' jobs chained on the station", ("bench_app.jobs.batches",)),
    ("a class scenario's records, set up on the station", ("bench_app.class_seeds",)),
    ("front ends", ("bench_app.commands", "ui", "hub")),
]  # fmt: skip
_EXACT = {"bench_app", "bench_app.jobs"}
# What the store may import besides itself (the anchors are signed with the station key).
STORE_MAY_IMPORT = ("bench_app.domain", "bench_app.wire", "bench_app.signing",
                    "bench_app.errors", "bench_app.text")  # fmt: skip
QT = ("PySide6", "shiboken6", "pyudev.pyside6")
OURS = ("bench_app", "ui", "hub")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    """Whether `name` is one of our modules or packages (not a name inside a module)."""
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth, relative ones resolved;
    `from a import b` names a.b when b is a module, else a."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            named = {f"{base}.{alias.name}" for alias in node.names}
            for name in sorted({full if _is_module(full) else base for full in named}):
                yield node.lineno, name


def _every_module() -> list[Path]:
    found = [p for folder in OURS for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(found) > 100, "the source was not found"
    return found


def _layer(name: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the name matched, layer)
    for index, (_title, names) in enumerate(LAYERS):
        for prefix in names:
            hit = name == prefix or (prefix not in _EXACT and name.startswith(prefix + "."))
            if hit and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def _ours(name: str) -> bool:
    return any(_within(name, top) for top in OURS)


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(
        str(p.relative_to(ROOT)) for p in _every_module() if _layer(_module_name(p)) is None
    )
    assert unplaced == [], f"modules missing from LAYERS in tests/test_layers.py: {unplaced}"


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    offences = []
    for path in _every_module():
        own = _layer(_module_name(path))
        assert own is not None, path
        for line, name in _imports(path):
            if not _ours(name):
                continue
            theirs = _layer(name)
            if theirs is None or theirs > own:
                above = "no layer" if theirs is None else f"layer '{LAYERS[theirs][0]}'"
                offences.append(
                    f"{path.relative_to(ROOT)}:{line} imports {name} ({above}, above its own "
                    f"layer '{LAYERS[own][0]}')"
                )
    assert offences == [], "imports from a layer above:\n" + "\n".join(offences)


def test_the_store_imports_only_what_lies_beneath_it() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in (ROOT / "bench_app" / "store").rglob("*.py")
        for line, name in _imports(path)
        if _ours(name)
        and not any(_within(name, allowed) for allowed in ("bench_app.store", *STORE_MAY_IMPORT))
    ]
    assert offences == [], "the store imports beyond domain, wire, signing, errors, text:\n" + (
        "\n".join(offences)
    )


def test_only_ui_imports_qt_and_only_the_front_ends_import_ui() -> None:
    """Qt stays in ui/; the `etabli` command (a front end too) may open the window."""
    offences = []
    for path in _every_module():
        module = _module_name(path)
        for line, name in _imports(path):
            qt = any(_within(name, q) for q in QT) and not _within(module, "ui")
            window = _within(name, "ui") and not (
                _within(module, "ui") or _within(module, "bench_app.commands")
            )
            if qt or window:
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert offences == [], "Qt or the window imported outside the front ends:\n" + "\n".join(
        offences
    )
