"""`etabli settings [show|set KEY VALUE] [--json]` as a real process: every setting shown,
a PIN's hash never; a good value saved; an unknown key or a bad value refused (exit 2, what
to give) with the settings file left exactly as it was."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench_app.operators import hash_pin
from bench_app.settings import SETTINGS_NAME, Settings
from tests.cli_bad_input.conftest import CLI, child_env


def etabli(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    home = folder.parent / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [*CLI, *argv], env=child_env(folder, home), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    Settings(
        organisation="Atelier du Faubourg",
        station_name="Poste 2",
        operators=[
            {"name": "Aïcha", "pin_hash": hash_pin("2468"), "role": "supervisor"},
            {"name": "Marc"},
        ],
    ).save(data)
    return data


def test_show_lists_every_setting_but_never_a_pin_hash(folder: Path) -> None:
    stored = (folder / SETTINGS_NAME).read_text(encoding="utf-8")
    assert "scrypt$" in stored  # the file does hold the hash...
    plain = etabli(folder, "settings")
    shown = etabli(folder, "settings", "show", "--json")
    for done in (plain, shown):
        assert done.returncode == 0, done.stderr
        assert "scrypt" not in done.stdout and "pin_hash" not in done.stdout  # ...never shown
    values = json.loads(shown.stdout)
    assert values["organisation"] == "Atelier du Faubourg"
    assert values["station_name"] == "Poste 2"
    assert values["operators"] == [
        {"name": "Aïcha", "pin": True, "role": "supervisor"},
        {"name": "Marc", "pin": False, "role": "operator"},
    ]
    assert set(values) == set(json.loads(stored))
    assert "Atelier (organisation) : Atelier du Faubourg" in plain.stdout
    assert "Aïcha (avec PIN, responsable), Marc" in plain.stdout
    english = etabli(folder, "--lang", "en", "settings")
    assert "Workshop (organisation): Atelier du Faubourg" in english.stdout
    assert "Aïcha (with PIN, supervisor), Marc" in english.stdout


def test_set_saves_a_checked_value(folder: Path) -> None:
    done = etabli(folder, "settings", "set", "station_name", "  Poste   du fond ")
    assert done.returncode == 0, done.stderr
    assert "Nom du poste : Poste du fond" in done.stdout
    done = etabli(folder, "settings", "set", "phone_system", "aucun", "--json")
    assert json.loads(done.stdout) == {"phone_system": ""}
    saved = Settings.load(folder)
    assert (saved.station_name, saved.phone_system) == ("Poste du fond", "")
    assert [o.name for o in saved.operator_list()] == ["Aïcha", "Marc"]  # the rest kept
    assert saved.operator_list()[0].has_pin


@pytest.mark.parametrize(
    ("argv", "says_fr", "says_en"),
    [
        (
            ("colour", "rouge"),
            "Le réglage « colour » n’existe pas.",
            "There is no setting “colour”.",
        ),
        (("operators", "[]"), "n’existe pas", "There is no setting “operators”."),
        (("warranty_months", "999"), "de 0 à 120", "from 0 to 120"),
        (("language", "de"), "fr ou en", "fr or en"),
        (("organisation", "Atelier\nbis"), "caractères de contrôle", "control characters"),
        (("organisation", "x" * 121), "au plus 120 caractères", "at most 120 characters"),
        (("verification_url", "verif.example.org"), "https://", "https://"),
        (("operator", "Zoé"), "pas sur la liste du poste", "not on the station's list"),
    ],
)
def test_set_refuses_an_unknown_key_or_a_bad_value(
    folder: Path, argv: tuple[str, str], says_fr: str, says_en: str
) -> None:
    before = (folder / SETTINGS_NAME).read_bytes()
    for lang, says in (("fr", says_fr), ("en", says_en)):
        done = etabli(folder, "--lang", lang, "settings", "set", *argv)
        assert done.returncode == 2, done.stdout
        assert says in done.stderr
        assert "Traceback" not in done.stderr
        # What to do: the keys one may set, or an example of a good value.
        assert ("organisation, organisation_address" in done.stderr) or (
            ("Donnez une valeur comme" if lang == "fr" else "Give a value like") in done.stderr
        )
    assert (folder / SETTINGS_NAME).read_bytes() == before
    assert not list(folder.glob("*.tmp"))


def test_the_window_look_is_set_from_the_command_line(folder: Path) -> None:
    done = etabli(folder, "settings", "set", "theme", "Contrast")
    assert done.returncode == 0, done.stderr
    assert "Contraste de la fenêtre : contrast" in done.stdout
    done = etabli(folder, "settings", "set", "text_size", "125 %")
    assert done.returncode == 0, done.stderr
    assert "Taille du texte (%) : 125" in done.stdout
    saved = Settings.load(folder)
    assert (saved.theme, saved.text_size) == ("contrast", 125)
    before = (folder / SETTINGS_NAME).read_bytes()
    for key, value in (("theme", "sombre"), ("text_size", "140")):
        refused = etabli(folder, "settings", "set", key, value)
        assert refused.returncode == 2, refused.stdout
        assert key in refused.stderr and "Traceback" not in refused.stderr
    assert (folder / SETTINGS_NAME).read_bytes() == before
