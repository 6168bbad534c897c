"""`etabli profiles check|list|pictures` and `etabli images import|list`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.text import Text

# The profile loader (YAML, JSON Schema) and the image library load only when these
# commands run, so every other command starts without them.

Common = Callable[..., None]


def add_profile_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "profiles",
        help=say(Text("fiches des modèles : vérifier, lister", "device profiles: check, list")),
    )
    common(p, top=False)
    psub = p.add_subparsers(dest="profiles_command", required=True)
    check = psub.add_parser(
        "check",
        help=say(
            Text(
                "vérifie les fiches (défaut : livrées + celles de l’atelier)",
                "validate profile files (default: shipped + override)",
            )
        ),
    )
    common(check, top=False)
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    listing = psub.add_parser(
        "list",
        help=say(
            Text(
                "liste les fiches et d’où vient chacune",
                "list the profiles and where each comes from",
            )
        ),
    )
    common(listing, top=False)
    listing.add_argument("--json", action="store_true")
    pictures = psub.add_parser(
        "pictures",
        help=say(
            Text(
                "les images que les étapes de l’opérateur peuvent montrer",
                "pictures operator steps may use",
            )
        ),
    )
    common(pictures, top=False)

    p = sub.add_parser(
        "images",
        help=say(
            Text(
                "la bibliothèque d’images vérifiées : importer, lister",
                "the verified image library: import, list",
            )
        ),
    )
    common(p, top=False)
    isub = p.add_subparsers(dest="images_command", required=True)
    imp = isub.add_parser(
        "import",
        help=say(
            Text(
                "importe des images (et leurs empreintes) depuis un dossier",
                "import images (and their checksums) from a folder",
            )
        ),
    )
    common(imp, top=False)
    imp.add_argument("source", type=Path, metavar="DIR")
    imp.add_argument(
        "--accept-unchecked",
        action="store_true",
        help=say(
            Text(
                "importe aussi les images sans empreinte publiée (calculée ici)",
                "also import images with no published checksum (their hash is computed here)",
            )
        ),
    )
    listing = isub.add_parser(
        "list",
        help=say(
            Text(
                "liste la bibliothèque, ou ce qui manque à chaque fiche",
                "list the library, or what each profile misses",
            )
        ),
    )
    common(listing, top=False)
    listing.add_argument("--missing", action="store_true")
    listing.add_argument("--json", action="store_true")


def run_profiles(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.profiles.loader import check_files, load_station_profiles
    from bench_app.profiles.pictures import INSTALL_PICTURES

    fr = lang == "fr"
    if args.profiles_command == "check":
        if args.paths:
            problems = check_files(args.paths)
            count = len(args.paths)
        else:
            profiles = load_station_profiles(folder)
            problems = profiles.problems
            count = len(profiles) + len({p.path for p in problems})
        for problem in problems:
            print(str(problem), file=sys.stderr)
        if problems:
            bad = len({p.path for p in problems})
            print(
                f"{bad} fichier(s) invalide(s) sur {count}."
                if fr
                else f"{bad} of {count} file(s) invalid.",
                file=sys.stderr,
            )
            return 1
        print(f"{count} profil(s) valide(s)." if fr else f"{count} valid profile(s).")
        return 0
    if args.profiles_command == "list":
        profiles = load_station_profiles(folder)
        rows = profiles.listing()
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                origin = (
                    {"shipped": "livré", "override": "atelier"}[r["origin"]] if fr else r["origin"]
                )
                mark = f" (remplace {r['replaces']})" if fr and r["replaces"] else ""
                mark = mark or (f" (replaces {r['replaces']})" if r["replaces"] else "")
                systems = ", ".join(r["operating_systems"]) or "-"
                tool = "" if r["install_tool"] == "fastboot" else f"  [{r['install_tool']}]"
                print(
                    f"{r['codename']:<12} {r['brand'] + ' ' + r['name']:<28} {origin:<9} "
                    f"{systems}{tool}  {r['path']}{mark}"
                )
        for problem in profiles.problems:
            print(str(problem), file=sys.stderr)
        return 1 if profiles.problems else 0
    for name, text in INSTALL_PICTURES.items():
        print(f"{name:<30} {text.get(lang)}")
    return 0


def run_images(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.install.images import ImageLibrary
    from bench_app.profiles.loader import load_station_profiles

    fr = lang == "fr"
    profiles = load_station_profiles(folder)
    library = ImageLibrary(folder, profiles)
    if args.images_command == "import":

        def progress(name: str, done: int, total: int) -> None:
            if done == total or done % (256 * 1024 * 1024) < 4 * 1024 * 1024:
                print(f"  {name}: {done * 100 // max(total, 1)} %", file=sys.stderr)

        report = library.import_folder(
            args.source, allow_unchecked=args.accept_unchecked, progress=progress
        )
        for entry in report.imported:
            print(
                f"{'importée' if fr else 'imported'}: {entry.file}  {entry.sha256}  ({entry.checksum_source})"
            )
        for entry in report.already_present:
            print(f"{'déjà là' if fr else 'already there'}: {entry.file}")
        for path, error in report.refused:
            print(f"{'REFUSÉE' if fr else 'REFUSED'}: {path}: {error.text(lang)}", file=sys.stderr)
        return 0 if report.ok else 1
    if args.missing:
        rows = [
            {
                "codename": p.codename,
                "os": o.id,
                "missing": [r.file for r in library.missing_for(p, o.id)],
            }
            for p in profiles
            if p.installable
            for o in p.operating_systems
        ]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                status = ", ".join(r["missing"]) or ("complet" if fr else "complete")
                print(f"{r['codename']:<12} {r['os']:<16} {status}")
        return 0
    entries = library.entries()
    if args.json:
        print(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print("Bibliothèque vide." if fr else "Empty library.")
    for e in entries:
        print(f"{e.file:<48} {e.kind:<9} {e.size / 1e6:>9.1f} MB  {e.sha256}  {e.checksum_source}")
    return 0
