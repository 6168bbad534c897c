"""What the store makes of a data folder that fails: plain errors with stable codes, never
a commit into a folder that went away, and who holds the folder's lock."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from pathlib import Path

import pytest

from bench_app.errors import BenchError, folder_error
from bench_app.store import queries
from bench_app.store.database import DB_NAME, RESERVE_BYTES, RESERVE_NAME, NewEvent, Store


def _donor(n: int) -> NewEvent:
    return NewEvent("donor.registered", {"donor_id": f"d-{n}", "name": f"D{n}", "kind": "company"})


def test_file_system_errors_in_the_data_folder_get_their_code(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    codes = {
        errno.ENOSPC: "DISK_FULL",
        errno.EDQUOT: "DISK_FULL",
        errno.EROFS: "DATA_FOLDER_READONLY",
        errno.EIO: "DATA_FOLDER_GONE",
    }
    for number, code in codes.items():
        error = folder_error(OSError(number, os.strerror(number)), folder)
        assert error is not None and error.code == code
        assert str(folder) in error.message.fr
    # One file missing in a folder that is there is not the folder gone.
    assert folder_error(OSError(errno.ENOENT, "missing", str(folder / "x")), folder) is None
    gone = folder_error(OSError(errno.ENOENT, "missing"), tmp_path / "elsewhere")
    assert gone is not None and gone.code == "DATA_FOLDER_GONE"
    assert folder_error(OSError(errno.EINVAL, "bad argument"), folder) is None


def test_a_folder_moved_away_is_never_written_to_again(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    store = Store(folder / DB_NAME)
    try:
        assert (folder / RESERVE_NAME).stat().st_size == RESERVE_BYTES
        store.record([_donor(1)], operator="t", training=False)
        folder.rename(tmp_path / "moved")  # the file stays open, at another path
        with pytest.raises(BenchError) as info:
            store.record([_donor(2)], operator="t", training=False)
        assert info.value.code == "DATA_FOLDER_GONE"
        assert str(folder) in info.value.message.fr
    finally:
        store.close()
    with Store(tmp_path / "moved" / DB_NAME) as moved:
        assert [e.payload["donor_id"] for e in queries.events(moved)] == ["d-1"]
        assert moved.check().ok


def test_a_read_only_view_knows_whether_a_live_process_holds_the_folder(tmp_path: Path) -> None:
    db = tmp_path / "data" / DB_NAME
    with Store(db) as writer:
        writer.record([_donor(1)], operator="t", training=False)
        with Store.open_for_reading(db) as view:
            assert not view.writer and view.held_elsewhere
    with Store.open_for_reading(db) as alone:
        assert alone.writer and not alone.held_elsewhere


@pytest.mark.parametrize("when", ["before the head is signed", "while the head is written"])
def test_a_folder_removed_during_a_commit_is_said_gone_and_nothing_else(
    tmp_path: Path, when: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by a removed folder mid-erasure: the signed head's write failed first, and its
    own error reached the operator beside « Le dossier de données … n’est plus accessible »."""
    folder = tmp_path / "data"
    store = Store(folder / DB_NAME)
    try:
        store.record([_donor(1)], operator="t", training=False)
        if when == "while the head is written":
            # The folder goes between the store's last look and the head's write.
            signer = store._head
            assert signer is not None
            before_commit = signer.before_commit

            def folder_goes_then_write(*args: object) -> object:
                shutil.rmtree(folder)
                return before_commit(*args)  # type: ignore[arg-type]

            monkeypatch.setattr(signer, "before_commit", folder_goes_then_write)
        with pytest.raises(BenchError) as info, store.transaction() as conn:
            store.append(conn, _donor(2), operator="t", training=False)
            if when == "before the head is signed":
                shutil.rmtree(folder)
        assert info.value.code == "DATA_FOLDER_GONE"
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not folder.exists()  # nothing made again in its place
    finally:
        store.close()
