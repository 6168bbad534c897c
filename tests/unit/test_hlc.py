"""The hybrid logical clock: every stamp greater than all before it, seen or given."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench_app.store.hlc import Hlc, HybridClock, ms_to_ts, ts_ms


def test_a_stamp_reads_back_and_compares_as_its_text() -> None:
    stamp = Hlc(1763913543123, 7, "station-a")
    assert str(stamp) == "1763913543123-0007-station-a"
    assert Hlc.parse(str(stamp)) == stamp
    assert Hlc.parse("17639-0007-x") is None and Hlc.parse(None) is None
    assert ts_ms(ms_to_ts(1763913543123)) == 1763913543123
    assert ms_to_ts(1763913543123) == "2025-11-23T15:59:03.123Z"


def test_the_counter_runs_within_a_millisecond_then_borrows_the_next() -> None:
    clock = HybridClock("s", Hlc(1000, 9998, "s"))
    assert clock.tick(1000) == Hlc(1000, 9999, "s")
    assert clock.tick(999) == Hlc(1001, 0, "s")  # a clock going back never goes back here
    assert clock.tick(5000) == Hlc(5000, 0, "s")


@given(
    walls=st.lists(st.integers(1_600_000_000_000, 1_600_000_000_050), min_size=1),
    seen=st.lists(st.integers(1_600_000_000_000, 1_600_000_000_100), max_size=5),
)
def test_stamps_only_grow_and_pass_every_observed_stamp(walls: list[int], seen: list[int]) -> None:
    clock = HybridClock("b")
    given_out: list[Hlc] = []
    observed: list[Hlc] = []
    for n, wall in enumerate(walls):
        if n < len(seen):
            other = Hlc(seen[n], 3, "a")
            clock.observe(other)
            observed.append(other)
        stamp = clock.tick(wall)
        assert all(stamp > s for s in given_out + observed)
        assert str(stamp) > max([str(s) for s in given_out + observed], default="")
        given_out.append(stamp)
