"""What this station has and lacks to work, line by line ("Ce poste" in the window,
`etabli selfcheck [--json]`): libusb, the udev rules, the `etabli` group, the erasure
helper, label printers, free space for images, the image library, the hub.

Each line says its state and, when it is not ok, what to do (French first). A line is
BLOCKING when work cannot be done at all without it: phones need libusb, the udev rules and
the group (a normal user reaches no phone otherwise), a drive erasure needs the helper (or
root), and the data folder needs room to record anything. Printers, images and the hub only
WARN: a label can be printed later, an image imported later, a sync done later (or by USB
stick); the station keeps working.

Every check reads the machine through `Probes`, so a test can put the machine in any state.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import grp
import json
import os
import pwd
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.text import Text

GROUP = "etabli"
RULES_DIRS = (Path("/etc/udev/rules.d"), Path("/lib/udev/rules.d"), Path("/usr/lib/udev/rules.d"))
RULES_FILE = "60-etabli.rules"  # what packaging/udev/ installs
GiB = 1 << 30
FREE_BLOCKING = 1 * GiB  # below: the event log and certificates may not fit
FREE_WARNING = 8 * GiB  # below: one more system image (1 to 4 GB) may not fit
# USB vendors of the label printers Établi drives: Brother (QL), Zebra.
LABEL_PRINTER_VENDORS = {"04f9": "Brother", "0a5f": "Zebra"}
HUB_TIMEOUT = 5.0
MISSING_LISTED = 5


# The screen's own words (the window's "Ce poste" dialog shows them as they are).
SCREEN_TITLE = Text("Ce poste", "This station")
SCREEN_INTRO = Text(
    "Ce qu’il faut à ce poste pour travailler, et quoi faire quand il manque quelque chose.",
    "What this station needs to work, and what to do when something is missing.",
)
CHECKING = Text("Vérification en cours…", "Checking…")
RECHECK = Text("Vérifier à nouveau", "Check again")
CLOSE = Text("Fermer", "Close")
ALL_GOOD = Text("Tout est prêt pour travailler.", "Everything is ready for work.")
BLOCKED = Text(
    "Quelque chose empêche de travailler : voyez les lignes en rouge.",
    "Something stops work: see the lines in red.",
)
STATE_WORDS = {
    "ok": Text("OK", "OK"),
    "warning": Text("À voir", "Check"),
    "blocking": Text("Bloquant", "Blocking"),
}


class State(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BLOCKING = "blocking"


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One line of the self-check: what was looked at, what was found, what to do."""

    id: str
    title: Text
    state: State
    found: Text
    action: Text | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title.to_json(),
            "state": self.state.value,
            "found": self.found.to_json(),
            "action": self.action.to_json() if self.action else None,
        }


@dataclass(frozen=True, slots=True)
class GroupInfo:
    gid: int
    members: tuple[str, ...]


def _group(name: str) -> GroupInfo | None:
    try:
        g = grp.getgrnam(name)
    except KeyError:
        return None
    return GroupInfo(g.gr_gid, tuple(g.gr_mem))


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def _primary_gid_of(user: str) -> int | None:
    try:
        return pwd.getpwnam(user).pw_gid
    except KeyError:
        return None


def _ping_helper() -> None:
    from bench_app.devices.drives.erase_helper import EraseHelperClient

    EraseHelperClient(timeout=HUB_TIMEOUT).ping()


def _usb_vendors(root: Path = Path("/sys/bus/usb/devices")) -> list[str]:
    """The vendor id of every USB device plugged in (lower-case hex)."""
    found = []
    with contextlib.suppress(OSError):
        for dev in sorted(root.iterdir()):
            with contextlib.suppress(OSError):
                found.append((dev / "idVendor").read_text().strip().lower())
    return found


def _free_bytes(folder: Path) -> int:
    # The folder may not exist yet: its nearest existing parent holds it.
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _hub_health(url: str) -> None:
    """Returns when the hub answers its health request; OSError or ValueError otherwise."""
    target = url.rstrip("/") + "/v1/health"
    if not target.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) address: {url}")
    with urllib.request.urlopen(target, timeout=HUB_TIMEOUT) as answer:
        json.loads(answer.read() or b"{}")


@dataclass
class Probes:
    """How the checks read the machine; each one replaceable by a test."""

    find_library: Callable[[str], str | None] = ctypes.util.find_library
    rules_dirs: tuple[Path, ...] = RULES_DIRS
    euid: Callable[[], int] = os.geteuid
    group: Callable[[str], GroupInfo | None] = _group
    process_groups: Callable[[], set[int]] = field(default=lambda: {os.getegid(), *os.getgroups()})
    user_name: Callable[[], str] = _user_name
    primary_gid_of: Callable[[str], int | None] = _primary_gid_of
    ping_helper: Callable[[], None] = _ping_helper
    usb_vendors: Callable[[], list[str]] = _usb_vendors
    free_bytes: Callable[[Path], int] = _free_bytes
    hub_health: Callable[[str], None] = _hub_health


# -- the lines ------------------------------------------------------------------------------


def check_libusb(p: Probes) -> CheckLine:
    title = Text("Bibliothèque USB (libusb)", "USB library (libusb)")
    found = p.find_library("usb-1.0")
    if found:
        return CheckLine(
            "libusb", title, State.OK, Text(f"Présente : {found}.", f"Present: {found}.")
        )
    return CheckLine(
        "libusb",
        title,
        State.BLOCKING,
        Text("Absente : aucun téléphone ne peut être joint.", "Missing: no phone can be reached."),
        Text(
            "Installez-la : sudo apt install libusb-1.0-0",
            "Install it: sudo apt install libusb-1.0-0",
        ),
    )


def check_udev_rules(p: Probes) -> CheckLine:
    title = Text("Règles udev (téléphones, imprimantes)", "udev rules (phones, printers)")
    found = sorted(
        str(path)
        for folder in p.rules_dirs
        if folder.is_dir()
        for path in folder.glob("*etabli*.rules")
    )
    if found:
        names = ", ".join(found)
        return CheckLine(
            "udev_rules", title, State.OK, Text(f"Installées : {names}.", f"Installed: {names}.")
        )
    return CheckLine(
        "udev_rules",
        title,
        State.WARNING if p.euid() == 0 else State.BLOCKING,  # root reaches devices anyway
        Text(
            "Absentes : sans root, les téléphones et imprimantes sont inaccessibles.",
            "Missing: without root, phones and printers cannot be reached.",
        ),
        Text(
            f"Installez-les : sudo cp packaging/udev/{RULES_FILE} /etc/udev/rules.d/ && sudo "
            "udevadm control --reload && sudo udevadm trigger (puis rebranchez les appareils).",
            f"Install them: sudo cp packaging/udev/{RULES_FILE} /etc/udev/rules.d/ && sudo "
            "udevadm control --reload && sudo udevadm trigger (then plug the devices again).",
        ),
    )


def check_group(p: Probes) -> CheckLine:
    title = Text(f"Groupe {GROUP}", f"The {GROUP} group")
    if p.euid() == 0:
        return CheckLine(
            "group",
            title,
            State.OK,
            Text(
                "Compte root : le groupe n’est pas nécessaire.",
                "Root account: the group is not needed.",
            ),
        )
    user = p.user_name()
    info = p.group(GROUP)
    add = Text(
        f"Demandez à l’encadrant : sudo usermod -aG {GROUP} {user}, puis reconnectez-vous.",
        f"Ask your supervisor: sudo usermod -aG {GROUP} {user}, then log in again.",
    )
    if info is None:
        return CheckLine(
            "group",
            title,
            State.BLOCKING,
            Text(
                f"Le groupe {GROUP} n’existe pas sur ce poste.",
                f"The {GROUP} group does not exist here.",
            ),
            Text(
                f"Installez Établi avec son installateur, ou : sudo groupadd --system {GROUP} && "
                f"sudo usermod -aG {GROUP} {user}, puis reconnectez-vous.",
                f"Install Établi with its installer, or: sudo groupadd --system {GROUP} && "
                f"sudo usermod -aG {GROUP} {user}, then log in again.",
            ),
        )
    if info.gid in p.process_groups():
        return CheckLine(
            "group",
            title,
            State.OK,
            Text(f"{user} est dans le groupe.", f"{user} is in the group."),
        )
    if user in info.members or p.primary_gid_of(user) == info.gid:
        return CheckLine(
            "group",
            title,
            State.BLOCKING,
            Text(
                f"{user} vient d’être ajouté au groupe : pas encore pris en compte.",
                f"{user} was just added to the group: not in effect yet.",
            ),
            Text("Fermez la session et reconnectez-vous.", "Log out and log in again."),
        )
    return CheckLine(
        "group",
        title,
        State.BLOCKING,
        Text(f"{user} n’est pas dans le groupe {GROUP}.", f"{user} is not in the {GROUP} group."),
        add,
    )


def check_erase_helper(p: Probes) -> CheckLine:
    title = Text("Service d’effacement des disques", "Drive erasure service")
    if p.euid() == 0:
        return CheckLine(
            "erase_helper",
            title,
            State.OK,
            Text(
                "Compte root : Établi ouvre les disques lui-même.",
                "Root account: Établi opens disks itself.",
            ),
        )
    try:
        p.ping_helper()
    except BenchError as exc:
        return CheckLine(
            "erase_helper",
            title,
            State.BLOCKING,
            Text(f"Ne répond pas : {exc.message.fr}", f"Does not answer: {exc.message.en}"),
            exc.action,
        )
    return CheckLine("erase_helper", title, State.OK, Text("Joignable.", "Reachable."))


def check_printers(p: Probes, data_dir: Path) -> CheckLine:
    from bench_app.output.printers.config import load_printers

    title = Text("Imprimantes d’étiquettes", "Label printers")
    plugged = sorted(
        {LABEL_PRINTER_VENDORS[v] for v in p.usb_vendors() if v in LABEL_PRINTER_VENDORS}
    )
    seen = (
        Text(
            f" Branchée(s) en USB : {', '.join(plugged)}.",
            f" Plugged in by USB: {', '.join(plugged)}.",
        )
        if plugged
        else Text("", "")
    )
    try:
        setup = load_printers(data_dir)
    except BenchError as exc:
        return CheckLine("printers", title, State.WARNING, exc.message, exc.action)
    if setup.printers:
        names = ", ".join(pr.name for pr in setup.printers)
        return CheckLine(
            "printers",
            title,
            State.OK,
            Text(f"Configurée(s) : {names}.{seen.fr}", f"Set up: {names}.{seen.en}"),
        )
    return CheckLine(
        "printers",
        title,
        State.WARNING,
        Text(f"Aucune imprimante configurée.{seen.fr}", f"No printer set up.{seen.en}"),
        Text(
            "Ajoutez-en une avec le bouton Imprimantes ; les étiquettes attendront.",
            "Add one with the Printers button; labels can wait.",
        ),
    )


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f}"


def check_free_space(p: Probes, data_dir: Path) -> CheckLine:
    title = Text("Place libre pour les données et les images", "Free space for data and images")
    free = p.free_bytes(data_dir)
    found = Text(f"{_gb(free)} Go libres dans {data_dir}.", f"{_gb(free)} GB free in {data_dir}.")
    if free < FREE_BLOCKING:
        return CheckLine(
            "free_space",
            title,
            State.BLOCKING,
            found,
            Text(
                "Libérez de la place (supprimez d’anciennes images), au moins 1 Go.",
                "Free some space (remove old images), at least 1 GB.",
            ),
        )
    if free < FREE_WARNING:
        return CheckLine(
            "free_space",
            title,
            State.WARNING,
            found,
            Text(
                "Une image système de plus risque de ne pas tenir : libérez de la place.",
                "One more system image may not fit: free some space.",
            ),
        )
    return CheckLine("free_space", title, State.OK, found)


def _system_matches(wanted: str, name: str, os_id: str) -> bool:
    """Whether a profile's system is the workshop's ("/e/OS" is "eos", "LineageOS" is
    "lineageos-21"): by name, or by id, ignoring case, slashes and spaces."""

    def norm(text: str) -> str:
        return text.lower().replace("/", "").replace(" ", "")

    key = norm(wanted)
    return bool(key) and (norm(name) == key or os_id == key or os_id.startswith(key + "-"))


def check_images(
    data_dir: Path, phone_system: str, profiles: Iterable[Any] | None = None
) -> CheckLine:
    """The library's images (present, with the size they were imported with), and the
    device profiles whose images for the workshop's system are missing."""
    from bench_app.install.images import ImageLibrary
    from bench_app.profiles.loader import load_station_profiles

    class _Reading(ImageLibrary):
        def _sweep(self) -> None:  # an import may be under way in the window: touch nothing
            pass

    title = Text("Bibliothèque d’images", "Image library")
    try:
        library = _Reading(data_dir)
        entries = library.entries()
    except BenchError as exc:
        return CheckLine("images", title, State.WARNING, exc.message, exc.action)
    damaged = []
    for entry in entries:
        path = library.path_of(entry)
        try:
            ok = path.stat().st_size == entry.size
        except OSError:
            ok = False
        if not ok:
            damaged.append(entry.file)
    lacking: list[str] = []
    if phone_system:
        for profile in profiles if profiles is not None else load_station_profiles(data_dir):
            for system in profile.operating_systems:
                if _system_matches(phone_system, system.name, system.id):
                    if library.missing_for(profile, system.id):
                        lacking.append(profile.codename)
                    break
    count = len(entries) - len(damaged)
    parts_fr = [f"{count} image(s) vérifiée(s) à l’import."]
    parts_en = [f"{count} image(s) verified at import."]
    if damaged:
        listed = ", ".join(damaged[:MISSING_LISTED])
        parts_fr.append(f"Manquantes ou abîmées : {listed}.")
        parts_en.append(f"Missing or damaged: {listed}.")
    if lacking:
        listed = ", ".join(sorted(lacking)[:MISSING_LISTED]) + (
            "…" if len(lacking) > MISSING_LISTED else ""
        )
        parts_fr.append(f"{len(lacking)} modèle(s) sans leurs images {phone_system} : {listed}.")
        parts_en.append(f"{len(lacking)} model(s) without their {phone_system} images: {listed}.")
    found = Text(" ".join(parts_fr), " ".join(parts_en))
    if damaged or lacking or not entries:
        return CheckLine(
            "images",
            title,
            State.WARNING,
            found,
            Text(
                "Importez les images depuis une clé USB : etabli images import DOSSIER.",
                "Import the images from a USB stick: etabli images import FOLDER.",
            ),
        )
    return CheckLine("images", title, State.OK, found)


def check_hub(p: Probes, data_dir: Path) -> CheckLine:
    from bench_app.store.anchors import read_hub_ack
    from bench_app.sync.client import SyncConfig

    title = Text("Hub du collectif", "The collective's hub")
    config = SyncConfig.load(data_dir)
    if not config.enrolled or not config.hub_url:
        return CheckLine(
            "hub",
            title,
            State.OK,
            Text(
                "Poste non inscrit : il travaille hors ligne (échanges par clé USB).",
                "Station not enrolled: it works offline (exchanges by USB stick).",
            ),
        )
    try:
        ack = read_hub_ack(data_dir)
    except BenchError:
        ack = None
    last = (
        Text(f"Dernière synchro : {ack.received_at}.", f"Last sync: {ack.received_at}.")
        if ack is not None
        else Text("Jamais synchronisé.", "Never synced.")
    )
    try:
        p.hub_health(config.hub_url)
    except (OSError, ValueError) as exc:
        why = str(getattr(exc, "reason", exc))
        return CheckLine(
            "hub",
            title,
            State.WARNING,
            Text(
                f"{config.hub_url} injoignable ({why}). {last.fr}",
                f"{config.hub_url} unreachable ({why}). {last.en}",
            ),
            Text(
                "Rien n’est perdu : la synchro reprendra avec le réseau (ou par clé USB).",
                "Nothing is lost: sync resumes with the network (or by USB stick).",
            ),
        )
    return CheckLine(
        "hub",
        title,
        State.OK,
        Text(f"{config.hub_url} joignable. {last.fr}", f"{config.hub_url} reachable. {last.en}"),
    )


def run_selfcheck(
    data_dir: Path,
    probes: Probes | None = None,
    *,
    phone_system: str | None = None,
    profiles: Iterable[Any] | None = None,
) -> list[CheckLine]:
    """Every line, in the order the screen shows them."""
    from bench_app.settings import Settings

    p = probes or Probes()
    if phone_system is None:
        try:
            phone_system = Settings.load(data_dir).phone_system
        except BenchError:
            phone_system = ""
    return [
        check_libusb(p),
        check_udev_rules(p),
        check_group(p),
        check_erase_helper(p),
        check_printers(p, data_dir),
        check_free_space(p, data_dir),
        check_images(data_dir, phone_system, profiles),
        check_hub(p, data_dir),
    ]


def blocks(lines: Iterable[CheckLine]) -> bool:
    """Whether something stops work (a BLOCKING line)."""
    return any(line.state is State.BLOCKING for line in lines)
