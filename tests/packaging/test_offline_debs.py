"""The offline installer's package selection: apt's dependency listing read with its OR
groups and virtual packages, and the closure that prefers what the desktop already has."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def _offline_debs() -> ModuleType:
    sys.path.insert(0, str(PACKAGING))  # it imports bootstrap, beside it
    try:
        name = "etabli_offline_debs"
        spec = importlib.util.spec_from_file_location(name, PACKAGING / "offline_debs.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PACKAGING))


debs = _offline_debs()

# As `apt-cache depends --recurse` prints it: `|` before a kind means an alternative follows,
# `<name>` is virtual, and its providers are indented below it.
LISTING = """\
app
  Depends: libc6
 |Depends: mailer-a
  Depends: mailer-b
  Depends: <default-logind>
    systemd
    elogind
  Recommends: extra
  PreDepends: early
libc6
  Depends: libgcc-s1
mailer-a
  Depends: libc6
mailer-b
  Depends: libc6
systemd
  Depends: libc6
elogind
  Depends: libc6
extra
early
libgcc-s1
<default-logind>
"""


def test_the_listing_is_read_with_its_alternatives_and_virtual_packages() -> None:
    graph = debs.parse_depends(LISTING)
    assert set(graph.groups) == {"app", "libc6", "mailer-a", "mailer-b", "systemd", "elogind",
                                 "extra", "early", "libgcc-s1"}  # fmt: skip
    groups = graph.groups["app"]
    assert [(kind, [a.name for a in alts]) for kind, alts in groups] == [
        ("Depends", ["libc6"]),
        ("Depends", ["mailer-a", "mailer-b"]),
        ("Depends", ["<default-logind>"]),
        ("Recommends", ["extra"]),
        ("PreDepends", ["early"]),
    ]
    assert groups[2][1][0].providers == ["systemd", "elogind"]


def test_the_closure_takes_first_choices_or_what_is_already_there() -> None:
    graph = debs.parse_depends(LISTING)
    depends = {"Depends", "PreDepends"}
    assert graph.roots_closure(["app"], depends, set()) == {
        "app", "libc6", "libgcc-s1", "mailer-a", "systemd", "early"
    }  # fmt: skip
    # What the desktop has is chosen over the first alternative or provider.
    assert graph.roots_closure(["app"], depends, {"mailer-b", "elogind"}) == {
        "app", "libc6", "libgcc-s1", "mailer-b", "elogind", "early"
    }  # fmt: skip
    assert "extra" in graph.roots_closure(["app"], {*depends, "Recommends"}, set())


def test_apt_s_own_listing_of_a_real_package_is_read() -> None:
    done = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", "nvme-cli"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    graph = debs.parse_depends(done.stdout)
    closure = graph.roots_closure(["nvme-cli"], {"Depends", "PreDepends"}, set())
    assert {"nvme-cli", "libnvme1", "libc6"} <= closure
    assert not any(name.startswith("<") for name in closure)
    # No recommendation came in: smartmontools, say, is no dependency of nvme-cli.
    assert closure <= set(graph.groups)
    assert "smartmontools" not in closure
