"""The .deb packages the offline installer carries: what the packaged app needs from the
system at run time (the programs it calls, the libraries it loads by name) and that a fresh
desktop install of the build machine's distribution lacks, with their dependencies.

"A fresh desktop" is computed, not guessed: the packages of priority required, important and
standard, plus the desktop task (Debian's task-gnome-desktop, Ubuntu's ubuntu-desktop-minimal)
with its dependencies and recommendations, as apt installs them. The packages are those of
this machine's distribution and release: build the archive on the release it is for
(Debian 12 for Debian 12, Ubuntu 24.04 for Ubuntu 24.04). install.sh installs only those
that are not installed already.
"""

from __future__ import annotations

import subprocess
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import bootstrap

# The runtime list of the station, but for what the PyInstaller build carries itself.
BUNDLED = {"fonts-dejavu-core"}  # assets/fonts has the fonts the app uses
DESKTOP_TASKS = (("task-gnome-desktop", "task-desktop"), ("ubuntu-desktop-minimal",))
PRIORITIES = {"required", "important", "standard"}
_DEPENDS = {"Depends", "PreDepends"}
_RECOMMENDS = {"Recommends"}


@dataclass
class Alternative:
    name: str
    providers: list[str] = field(default_factory=list)  # for a virtual package


@dataclass
class Graph:
    """The dependency graph `apt-cache depends --recurse` prints, with its OR groups."""

    groups: dict[str, list[tuple[str, list[Alternative]]]] = field(default_factory=dict)

    def roots_closure(self, roots: Iterable[str], kinds: set[str], prefer: set[str]) -> set[str]:
        """The packages apt installs for `roots`: for each OR group, an alternative already
        in `prefer` if there is one, else the first real one (a virtual one's first provider)."""
        seen: set[str] = set()
        todo = [r for r in roots if r in self.groups]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for kind, alternatives in self.groups.get(name, []):
                if kind not in kinds:
                    continue
                chosen = _choose(alternatives, prefer, self.groups)
                if chosen is not None and chosen not in seen:
                    todo.append(chosen)
        return seen


def _choose(
    alternatives: list[Alternative], prefer: set[str], known: Collection[str]
) -> str | None:
    candidates = [
        name
        for alt in alternatives
        for name in ([alt.name] if not alt.name.startswith("<") else alt.providers)
    ]
    for name in candidates:
        if name in prefer:
            return name
    return next((name for name in candidates if name in known), None)


def parse_depends(text: str) -> Graph:
    """Reads `apt-cache depends --recurse` output: a package at column 0, its dependencies
    as `  Kind: name` (`|` before the kind: an alternative follows), providers indented more."""
    graph = Graph()
    current: list[tuple[str, list[Alternative]]] | None = None
    continues = False
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            name = line.strip()
            current = None if name.startswith("<") else graph.groups.setdefault(name, [])
            continues = False
            continue
        if current is None:
            continue
        stripped = line.strip()
        if line.startswith("    ") and current:  # a provider of the last alternative
            current[-1][1][-1].providers.append(stripped)
            continue
        alternative = stripped.startswith("|")
        kind, _, target = stripped.lstrip("|").partition(": ")
        kind = kind.replace("Pre-Depends", "PreDepends")
        if continues and current:
            current[-1][1].append(Alternative(target.strip()))
        else:
            current.append((kind, [Alternative(target.strip())]))
        continues = alternative
    return graph


def _apt_depends(names: Iterable[str], *, recommends: bool) -> Graph:
    cmd = ["apt-cache", "depends", "--recurse", "--no-suggests", "--no-conflicts"]
    cmd += ["--no-breaks", "--no-replaces", "--no-enhances"]
    if not recommends:
        cmd.append("--no-recommends")
    done = subprocess.run([*cmd, *names], capture_output=True, text=True, check=True)
    return parse_depends(done.stdout)


def _priority_packages() -> set[str]:
    """Every package of priority required, important or standard in the apt lists."""
    done = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True)
    found: set[str] = set()
    name = ""
    for line in done.stdout.splitlines():
        if line.startswith("Package: "):
            name = line.removeprefix("Package: ").strip()
        elif line.startswith("Priority: ") and line.split()[1] in PRIORITIES:
            found.add(name)
    return found


def desktop_baseline() -> set[str]:
    """The packages a fresh desktop install of this distribution has."""
    base = _priority_packages()
    for task in DESKTOP_TASKS:
        if all(bootstrap.apt_known(t) for t in task):
            graph = _apt_depends([*task, *sorted(base)], recommends=True)
            return graph.roots_closure([*task, *base], _DEPENDS | _RECOMMENDS, base)
    raise SystemExit("[établi build] no desktop task known to apt here (Debian or Ubuntu only)")


def wanted_roots() -> list[str]:
    """The runtime packages of the packaged app, each group's name this release knows."""
    roots = []
    for group in bootstrap.RUNTIME_PACKAGES:
        if group[0] in BUNDLED:
            continue
        roots.append(next((n for n in group if bootstrap.apt_known(n)), group[-1]))
    return roots


def _needed_and_baseline() -> tuple[set[str], set[str]]:
    """The app's runtime packages with their dependencies, and a fresh desktop's packages."""
    baseline = desktop_baseline()
    roots = wanted_roots()
    needed = _apt_depends(roots, recommends=False).roots_closure(roots, _DEPENDS, baseline)
    return needed, baseline


def missing_on_desktop() -> list[str]:
    """The packages (with dependencies) the app needs that a fresh desktop lacks, sorted."""
    needed, baseline = _needed_and_baseline()
    return sorted(needed - baseline)


def present_on_desktop() -> list[str]:
    """The packages (with dependencies) the app needs that a fresh desktop has already, sorted:
    what the archive counts on, so what a test system standing for a desktop must have."""
    needed, baseline = _needed_and_baseline()
    return sorted(needed & baseline)


def download(folder: Path) -> list[Path]:
    """Downloads those packages (`apt-get download`) into `folder`; returns the .deb files."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.deb"):
        old.unlink()
    names = missing_on_desktop()
    if names:
        subprocess.run(["apt-get", "download", "-q", *names], cwd=folder, check=True)
    return sorted(folder.glob("*.deb"))


def release_codename() -> str:
    """This machine's distribution and release, as `debian12` or `ubuntu24.04`."""
    values = {}
    for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        values[key] = value.strip().strip('"')
    return f"{values.get('ID', 'linux')}{values.get('VERSION_ID', '')}"
