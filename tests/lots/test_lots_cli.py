"""`etabli lots` and `etabli lot LOT` as real processes, on a donation whose devices stand
at several stages: the counts and the lines are the journeys'."""

from __future__ import annotations

import json

from tests.journey.test_phone_commands import run
from tests.lots.conftest import Bench
from tests.lots.test_lots_core import _stages


def test_lots_counts_each_stage_and_lot_lists_each_device(bench: Bench) -> None:
    _stages(bench)
    folder = bench.station.folder
    listed = run(folder, "lots", "--json")
    assert listed.returncode == 0, listed.stderr
    [lot] = json.loads(listed.stdout)["lots"]
    assert lot["agreement_ref"] == "CONV-2026-07"
    assert (lot["expected"], lot["received"], lot["attention"]) == (8, 9, 4)
    assert lot["stages"]["check"] == 2 and lot["stages"]["blocked"] == 1
    assert lot["stages"]["done"] == 1 and lot["stages"]["system_image"] == 1

    text = run(folder, "lots")
    assert text.returncode == 0, text.stderr
    assert "CONV-2026-07  Département du Nord" in text.stdout
    assert "9 reçu(s) / 8 attendu(s)" in text.stdout
    assert "Contrôle 2" in text.stdout and "Bloqué 1" in text.stdout

    page = run(folder, "lot", "conv-2026-07", "--json")
    assert page.returncode == 0, page.stderr
    devices = {d["label"].split()[-1]: d for d in json.loads(page.stdout)["devices"]}
    assert devices["fini"]["stage"] == "done" and devices["fini"]["grade"] == "B"
    assert devices["fini"]["outcome"] == "spare_parts"
    assert [b["code"] for b in devices["verrouille"]["blockers"]] == ["JOURNEY_FRP_LOCK"]

    english = run(folder, "lot", bench.lot_id[-8:], "--lang", "en")
    assert english.returncode == 0, english.stderr
    locked = bench.devices["verrouille"].asset_code
    assert f"{locked}  Marque verrouille  Blocked" in english.stdout
    assert "blocks:" in english.stdout


def test_an_unknown_lot_is_refused_plainly(bench: Bench) -> None:
    refused = run(bench.station.folder, "lot", "CONV-1999-99")
    assert refused.returncode == 2
    assert "Aucun don ne correspond à « CONV-1999-99 »" in refused.stderr
    assert "Traceback" not in refused.stderr
