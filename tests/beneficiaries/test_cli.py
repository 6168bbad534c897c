"""`etabli beneficiary` as real processes: add, list, export to a file, forget (saying what
is erased and what stays), and the retention purge on demand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench_app import beneficiaries
from bench_app.store.database import DB_NAME, Store

CLI = [sys.executable, "-m", "bench_app.commands.main"]


def run(folder: Path, *argv: str, lang: str = "fr") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "beneficiary", *argv, "--data-dir", str(folder), "--lang", lang],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_add_list_export_and_forget_one_person(data_dir: Path, tmp_path: Path) -> None:
    added = run(
        data_dir, "add", "DOS-77", "--name", "Léa Martin", "--structure", "Mission locale",
        "--contact", "06 11 22 33 44",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    again = run(data_dir, "add", "DOS-77")
    assert again.returncode == 2 and "déjà enregistré" in again.stderr
    listed = run(data_dir, "list", "--json")
    assert [(p["reference"], p["name"], p["contact"]) for p in json.loads(listed.stdout)] == [
        ("DOS-77", "Léa Martin", "06 11 22 33 44")
    ]
    out = tmp_path / "dos-77.json"
    exported = run(data_dir, "export", "DOS-77", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["record"]["structure"] == "Mission locale" and data["devices"] == []
    forgot = run(data_dir, "forget", "DOS-77", lang="en")  # no supervisor listed here
    assert forgot.returncode == 0, forgot.stderr
    assert "Erased: name, structure and contact of DOS-77" in forgot.stdout
    assert "keeps the file number" in forgot.stdout
    assert json.loads(run(data_dir, "list", "--json").stdout) == []
    after = json.loads(run(data_dir, "export", "DOS-77").stdout)
    assert after["record"] is None
    assert [f["type"] for f in after["facts"]] == [
        "beneficiary.registered",
        "beneficiary.forgotten",
    ]
    unknown = run(data_dir, "forget", "DOS-77")
    assert unknown.returncode == 2 and "aucune donnée" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_purge_on_demand_erases_who_is_past_the_retention_period(data_dir: Path) -> None:
    with Store(data_dir / DB_NAME) as store:  # written as years ago, before any purge ran
        beneficiaries.add(
            store, "DOS-2019", name="Ancien", operator="o", training=False,
            now="2019-05-01T10:00:00.000Z",
        )  # fmt: skip
        beneficiaries.add(store, "DOS-NOW", name="Récent", operator="o", training=False)
    purged = run(data_dir, "purge")
    assert purged.returncode == 0, purged.stderr
    assert "Délai de conservation : 36 mois. Effacés : 1." in purged.stdout
    assert "DOS-2019" in purged.stdout and "DOS-NOW" not in purged.stdout
    assert [p["reference"] for p in json.loads(run(data_dir, "list", "--json").stdout)] == [
        "DOS-NOW"
    ]


def test_the_retention_period_and_sharing_are_settings(data_dir: Path) -> None:
    where = ("--data-dir", str(data_dir), "--lang", "fr")
    for key, value in (("beneficiary_retention_months", "24"), ("share_beneficiary_data", "oui")):
        done = subprocess.run([*CLI, "settings", "set", key, value, *where], capture_output=True)
        assert done.returncode == 0, done.stderr
    refused = subprocess.run(
        [*CLI, "settings", "set", "share_beneficiary_data", "peut-être", *where],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "oui ou non" in refused.stderr
    purged = run(data_dir, "purge")
    assert "Délai de conservation : 24 mois." in purged.stdout
    shown = subprocess.run([*CLI, "settings", "show", *where], capture_output=True, text=True)
    assert "Noms des bénéficiaires dans l’export d’activité (share_beneficiary_data) : oui" in (
        shown.stdout
    )
