"""A bench killed (SIGKILL) between the two writes of the signed head around a commit: before
COMMIT with the pending head on disk, or after COMMIT before the head is confirmed. Neither
makes `etabli db check` cry wolf, the next start settles the head, and from then on removing
the last fact is caught again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench_app.domain.model import DonorKind
from bench_app.station import Station
from bench_app.store.anchors import HEAD_FILE
from bench_app.store.database import NewEvent
from tests.integrity import tampering as t
from tests.integrity.conftest import db_check

CHILD = textwrap.dedent(
    """
    import os
    import signal
    import sys
    from pathlib import Path

    from bench_app.domain.model import DonorKind
    from bench_app.station import Station
    from bench_app.store import anchors

    folder, where = Path(sys.argv[1]), sys.argv[2]
    station = Station(folder, operator="child")
    station.register_donor("Avant", DonorKind.COMPANY)


    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)


    if where == "after-commit":
        anchors.HeadSigner.after_commit = lambda self, new: die()
    else:
        sign_pending = anchors.HeadSigner.before_commit

        def pending_then_die(self, conn, new):
            sign_pending(self, conn, new)
            die()

        anchors.HeadSigner.before_commit = pending_then_die
    station.register_donor("Pendant", DonorKind.COMPANY)
    print("still alive", flush=True)
    """
)


def _head(folder: Path) -> dict[str, object]:
    document = json.loads((folder / HEAD_FILE).read_bytes())["document"]
    assert isinstance(document, dict)
    return document


def _donor_names(folder: Path) -> list[str]:
    with t.reader(folder) as conn:
        return [str(r[0]) for r in conn.execute("SELECT name FROM donors ORDER BY rowid")]


@pytest.mark.parametrize("where", ["before-commit", "after-commit"])
def test_a_kill_between_the_head_writes_is_no_false_alarm(data_dir: Path, where: str) -> None:
    env = {**os.environ, "ETABLI_TESTING": "1"}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), where],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert "still alive" not in child.stdout

    committed = where == "after-commit"
    assert _donor_names(data_dir) == (["Avant", "Pendant"] if committed else ["Avant"])
    head = _head(data_dir)
    # The head stops at the first donor, with the cut commit's head signed as pending.
    assert head["seq"] == 1
    assert head["pending"] is not None
    assert head["pending"]["seq"] == 2  # type: ignore[index]

    proc = db_check(data_dir)
    assert proc.returncode == 0, proc.stdout
    assert f"the log ends at fact #{2 if committed else 1}" in proc.stdout
    assert _head(data_dir) == head  # the check settles nothing: it only reads

    # The next start settles the head: no pending any more, and it names the log's end.
    station = Station(data_dir, operator="after-kill")
    try:
        settled = _head(data_dir)
        assert settled["pending"] is None
        assert settled["seq"] == (2 if committed else 1)
        station.register_donor("Après", DonorKind.COMPANY)
        assert station.store.check().ok
    finally:
        station.close()
    assert db_check(data_dir).returncode == 0

    # The window is closed: removing the last fact is caught again.
    t.delete_last(data_dir, 1)
    proc = db_check(data_dir)
    assert proc.returncode == 1
    assert "1 fact(s) were removed from the end of the log" in proc.stdout


def test_a_rolled_back_transaction_signs_nothing(data_dir: Path) -> None:
    """A transaction rolled back after an append (the caller's own error) leaves the head
    where it was, and the next commit signs on from the committed head."""
    station = Station(data_dir, operator="amina")
    try:
        station.register_donor("Un", DonorKind.COMPANY)
        with pytest.raises(RuntimeError), station.store.transaction() as conn:
            station.store.append(
                conn,
                NewEvent("donor.registered", {"donor_id": "d2", "name": "x", "kind": "company"}),
                operator="amina",
                training=False,
            )
            raise RuntimeError("the caller changed its mind")
        assert _head(data_dir)["seq"] == 1
        assert station.store.check().ok
        station.register_donor("Deux", DonorKind.COMPANY)
        assert _head(data_dir)["seq"] == 2
        assert station.store.check().ok
    finally:
        station.close()
