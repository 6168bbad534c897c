"""Hostile bundle files: a gzip bomb, a file with no header, more lines than announced, a
key nobody trusts, a nesting no parser should recurse into. Each is refused with its code,
nothing imported, without reading (or holding) more than the cap; and `etabli bundle
import` of a 1 MB bomb of 1 GiB stays under 300 MiB of memory as a real process."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import sys
import zlib
from pathlib import Path
from typing import BinaryIO

import pytest

from bench_app.domain.model import DonorKind
from bench_app.errors import BenchError
from bench_app.store.database import DB_NAME, Store
from bench_app.sync import bundle
from bench_app.wire.canonical import canonical_json
from tests.rss_probe import run_measured
from tests.sync_bundles.support import (
    Bench,
    hostile_header,
    intake,
    open_bench,
    write_bomb,
)

CEILING_KIB = 300 * 1024


class _Counting:
    """A file read through, counting the compressed bytes the reader asked for."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.read_bytes += len(data)
        return data


def _read_counting(path: Path, b: Bench) -> tuple[BenchError, int]:
    with path.open("rb") as f:
        counting = _Counting(f)
        with pytest.raises(BenchError) as caught:
            bundle.read_stream(
                counting,  # type: ignore[arg-type]
                bundle.keyring_trust(b.keyring(), str(path)),
                source=str(path),
            )
    return caught.value, counting.read_bytes


def _refused(b: Bench, path: Path) -> BenchError:
    count, before = b.event_count(), b.snapshot()
    with pytest.raises(BenchError) as caught:
        bundle.import_bundle(b.store, path, b.keyring())
    assert b.event_count() == count
    assert b.snapshot() == before
    return caught.value


def test_a_gzip_bomb_stops_at_the_cap_and_imports_nothing(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    b.trust(a)
    bomb = tmp_path / "bomb.etabli-bundle"
    size = write_bomb(bomb, hostile_header(a.key, a.store.station_id), 1024)
    assert size < 1_200_000  # about 1 MB on the stick, 1 GiB once inflated

    error = _refused(b, bomb)
    assert error.code == "BUNDLE_TOO_LARGE"
    assert "128 MiB" in error.message.en and "Nothing was imported" in error.message.en
    assert "128 Mio" in error.message.fr

    error, read = _read_counting(bomb, b)
    assert error.code == "BUNDLE_TOO_LARGE"
    assert read < size // 2  # it stopped at the cap, far before the end of the file


def test_one_gzip_stream_past_the_cap_is_refused_too(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    b.trust(a)
    bomb = tmp_path / "single.etabli-bundle"
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with bomb.open("wb") as f:  # one gzip member: the inflater's own output bound is tested
        f.write(packer.compress(hostile_header(a.key, a.store.station_id)))
        zeros = bytes(4 * 1024 * 1024)
        for _ in range((bundle.MAX_INFLATED_BYTES >> 22) + 8):
            f.write(packer.compress(zeros))
        f.write(packer.flush())
    assert _refused(b, bomb).code == "BUNDLE_TOO_LARGE"


def test_a_file_without_a_header_line_is_refused_after_a_few_kilobytes(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    _, b = benches
    blank = tmp_path / "blank.etabli-bundle"
    size = write_bomb(blank, b"", 1024)  # 1 GiB of zeros, never a line
    error = _refused(b, blank)
    assert error.code == "BUNDLE_UNREADABLE"
    assert "no bundle header" in error.message.en
    assert _read_counting(blank, b)[1] < size // 2


def test_a_key_nobody_trusts_is_refused_before_the_body_is_read(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches  # B does not trust A
    bomb = tmp_path / "untrusted.etabli-bundle"
    size = write_bomb(bomb, hostile_header(a.key, a.store.station_id), 1024)
    error, read = _read_counting(bomb, b)
    assert error.code == "BUNDLE_KEY_UNKNOWN"
    assert read < size // 2
    assert _refused(b, bomb).code == "BUNDLE_KEY_UNKNOWN"


def test_more_lines_than_the_header_announces_are_refused_as_they_come(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    b.trust(a)
    lines = tmp_path / "lines.etabli-bundle"
    size = write_bomb(lines, hostile_header(a.key, a.store.station_id, events=2), 512, fill=b"\n")
    error, read = _read_counting(lines, b)
    assert error.code == "BUNDLE_UNREADABLE"
    assert "more lines than the 2 events announced" in error.message.en
    assert read < size // 2


def test_a_signed_line_nested_too_deeply_is_refused_not_parsed(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    b.trust(a)
    for depth in (100, 100_000):  # the second would raise RecursionError in json.loads
        body = b'{"payload":' + b"[" * depth + b"]" * depth + b"}\n"
        head = hostile_header(a.key, a.store.station_id, events=1)
        head = head.replace(
            b'"' + b"0" * 64 + b'"', f'"{hashlib.sha256(body).hexdigest()}"'.encode()
        )
        signature = base64.b64encode(a.key.sign(head + body)).decode("ascii")
        path = tmp_path / f"deep-{depth}.etabli-bundle"
        path.write_bytes(
            gzip.compress(head + body + canonical_json({"signature": signature}) + b"\n")
        )
        error = _refused(b, path)
        assert error.code == "BUNDLE_UNREADABLE"
        assert "line 2: nested too deeply" in error.message.en
    deep_header = tmp_path / "deep-header.etabli-bundle"
    deep_header.write_bytes(gzip.compress(b"[" * 30_000 + b"]" * 30_000 + b"\n"))
    error = _refused(b, deep_header)
    assert error.code == "BUNDLE_UNREADABLE" and "nested too deeply" in error.message.en


def test_a_bundle_in_several_gzip_members_with_zero_padding_still_imports(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    made = intake(a)
    b.trust(a)
    raw = gzip.decompress(bundle.encode(a.store.events_since(), a.key, a.store.station_id, None))
    path = tmp_path / "members.etabli-bundle"
    cut = len(raw) // 3  # members need not end on a line
    path.write_bytes(gzip.compress(raw[:cut]) + gzip.compress(raw[cut:]) + bytes(512))
    loaded, result = bundle.import_bundle(b.store, path, b.keyring())
    assert len(loaded.events) == len(result.accepted) == a.event_count()
    assert {d for d in made["devices"]} <= {r[0] for r in b.store.query("SELECT id FROM devices")}


def test_export_refuses_what_no_station_could_import(
    benches: tuple[Bench, Bench], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = benches
    intake(a)
    monkeypatch.setattr(bundle, "MAX_INFLATED_BYTES", 2048)
    path = tmp_path / "big.etabli-bundle"
    with pytest.raises(BenchError) as caught:
        bundle.export_bundle(a.store, a.key, path)
    assert caught.value.code == "BUNDLE_EXPORT_TOO_LARGE"
    assert "--since-ack" in caught.value.action.en
    assert not path.exists()


def test_an_altered_copy_of_an_event_held_here_is_refused_not_a_duplicate(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    b.trust(a)
    path = tmp_path / "a.etabli-bundle"
    bundle.export_bundle(a.store, a.key, path)
    bundle.import_bundle(b.store, path, b.keyring())
    held = a.store.events_since()[0]
    altered = dataclasses.replace(held, payload={**held.payload, "note": "changed on the way"})
    result = b.store.import_events([altered, held])
    assert [r.event_id for r in result.rejected] == [held.id]
    assert result.rejected[0].reason == "content does not match its hash"
    assert result.duplicates == [held.id]  # the true copy is still a duplicate


def test_the_import_command_stays_under_300_mib_on_a_1_gib_bomb(tmp_path: Path) -> None:
    a, b = open_bench(tmp_path, "A"), open_bench(tmp_path, "B")
    b.trust(a)
    b.station.register_donor("Donateur B", DonorKind.COMPANY)
    count = b.event_count()
    bomb = tmp_path / "bomb.etabli-bundle"
    write_bomb(bomb, hostile_header(a.key, a.store.station_id), 1024)
    a.station.close()
    b.station.close()

    argv = [sys.executable, "-m", "bench_app.commands.main", "bundle", "import", str(bomb)]
    rc, peak_kib, err = run_measured([*argv, "--data-dir", str(b.folder), "--lang", "en"], tmp_path)
    assert rc == 2
    assert "larger than 128 MiB" in err and "Nothing was imported" in err
    assert "Traceback" not in err
    assert peak_kib < CEILING_KIB, f"peak RSS {peak_kib // 1024} MiB"
    with Store(b.folder / DB_NAME) as store:
        row = store.query_one("SELECT count(*) FROM events")
        assert row is not None and row[0] == count
