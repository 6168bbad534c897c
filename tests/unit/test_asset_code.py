"""Asset codes: the check character, parsing what operators type, station prefixes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.domain import asset_code
from bench_app.domain.asset_code import (
    ALPHABET,
    MAX_NUMBER,
    TRAINING_PREFIX,
    AssetCode,
    check_character,
    new_station_prefix,
)
from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.station import Station

CODE_LEN = 9


def _rejected(text: str) -> bool:
    try:
        AssetCode.parse(text)
    except BenchError as exc:
        assert exc.code == "ASSET_CODE_INVALID", exc.code
        return True
    return False


def _typing_mistakes(compact: str) -> list[str]:
    """Every single substitution (within the alphabet) and every swap of two different
    neighbours of a 9-character code."""
    variants: list[str] = []
    for i, original in enumerate(compact):
        head, tail = compact[:i], compact[i + 1 :]
        variants.extend(head + c + tail for c in ALPHABET if c != original)
    for i in range(CODE_LEN - 1):
        a, b = compact[i], compact[i + 1]
        if a != b:
            variants.append(compact[:i] + b + a + compact[i + 2 :])
    return variants


def _generated_codes() -> list[AssetCode]:
    rng = random.Random(20261123)
    station = "K7QX"
    codes = [AssetCode.make(station, n) for n in range(1, 1001)]
    # Numbers across the whole range, so the leading digits vary too.
    codes += [AssetCode.make(station, n) for n in range(1, MAX_NUMBER + 1, 7919)]
    codes += [AssetCode.make(TRAINING_PREFIX, n) for n in range(1, 51)]
    for _ in range(4):
        prefix = "".join(rng.choice(ALPHABET) for _ in range(4))
        codes += [AssetCode.make(prefix, rng.randint(1, MAX_NUMBER)) for _ in range(40)]
    return codes


def test_check_catches_every_substitution_and_neighbour_swap_on_generated_codes() -> None:
    codes = _generated_codes()
    tried = 0
    for code in codes:
        compact = code.compact
        assert AssetCode.parse(compact) == code
        for variant in _typing_mistakes(compact):
            tried += 1
            if not _rejected(variant):
                pytest.fail(f"{variant} (a typing mistake on {code}) was accepted")
    # 30 substitutions at 9 places, plus the swaps, per code.
    assert tried >= len(codes) * 9 * 30


def test_every_mistake_at_every_place_is_caught_for_every_pair_of_characters() -> None:
    """Exhaustive over characters: every (place, old, new) substitution and every
    (place, left, right) swap, each tried on a code that actually holds those characters."""
    base = "K7QX3333"
    subs_seen: set[tuple[int, str]] = set()
    swaps_seen: set[tuple[int, str, str]] = set()
    for place in range(8):
        for left in ALPHABET:
            for right in ALPHABET:
                body = list(base)
                body[place] = left
                if place + 1 < 8:
                    body[place + 1] = right
                elif check_character("".join(body)) != right:
                    # The last swap is with the check character: vary an earlier place until
                    # the check character is the one wanted.
                    for c in ALPHABET:
                        body[0 if place > 0 else 1] = c
                        if check_character("".join(body)) == right:
                            break
                compact = "".join(body) + check_character("".join(body))
                if int(asset_code.decode_number(compact[4:8])) == 0:
                    continue
                assert not _rejected(compact)
                for i, original in enumerate(compact):
                    if (i, original) in subs_seen:
                        continue
                    subs_seen.add((i, original))
                    for c in ALPHABET:
                        if c != original:
                            assert _rejected(compact[:i] + c + compact[i + 1 :]), compact
                a, b = compact[place], compact[place + 1]
                if a != b and (place, a, b) not in swaps_seen:
                    swaps_seen.add((place, a, b))
                    assert _rejected(compact[:place] + b + a + compact[place + 2 :]), compact
    assert subs_seen == {(i, c) for i in range(CODE_LEN) for c in ALPHABET}
    assert swaps_seen == {
        (i, a, b) for i in range(CODE_LEN - 1) for a in ALPHABET for b in ALPHABET if a != b
    }


def test_str_compact_and_parse_round_trip() -> None:
    code = AssetCode.make("k7qx", 1234)
    text = str(code)
    assert text.count("-") == 2
    prefix, number, check = text.split("-")
    assert (prefix, len(number), len(check)) == ("K7QX", 4, 1)
    assert code.compact == prefix + number + check
    assert AssetCode.parse(text) == code
    assert AssetCode.parse(code.compact) == code
    assert AssetCode.parse(text).number == 1234


def test_parse_accepts_lower_case_spaces_and_missing_hyphens() -> None:
    code = AssetCode.make("K7QX", 77)
    text = str(code)
    for typed in (
        text.lower(),
        text.replace("-", ""),
        text.replace("-", " "),
        f"  {text.replace('-', ' - ')}\t",
        code.compact.lower(),
        " ".join(code.compact),
    ):
        assert AssetCode.parse(typed) == code, typed


@pytest.mark.parametrize("bad", ["0", "O", "1", "I", "U"])
def test_parse_rejects_impossible_characters_and_names_them(bad: str) -> None:
    code = AssetCode.make("K7QX", 5).compact
    typed = code[:5] + bad + code[6:]
    with pytest.raises(BenchError) as info:
        AssetCode.parse(typed)
    assert info.value.code == "ASSET_CODE_INVALID"
    detail = str(info.value.values["detail"])
    assert detail.split(":")[-1].split() == [bad]
    assert bad in info.value.message.fr
    assert bad in info.value.message.en


@pytest.mark.parametrize("length", [0, 1, 8, 10, 12])
def test_parse_rejects_wrong_length(length: int) -> None:
    typed = (AssetCode.make("K7QX", 5).compact * 2)[:length]
    with pytest.raises(BenchError) as info:
        AssetCode.parse(typed)
    assert info.value.code == "ASSET_CODE_INVALID"
    assert str(length) in str(info.value.values["detail"])


def test_number_zero_is_not_a_code() -> None:
    body = "K7QX2222"
    with pytest.raises(BenchError) as info:
        AssetCode.parse(body + check_character(body))
    assert info.value.code == "ASSET_CODE_INVALID"
    with pytest.raises(ValueError):
        AssetCode.make("K7QX", 0)
    with pytest.raises(ValueError):
        AssetCode.make("K7QX", MAX_NUMBER + 1)


def test_alphabet_has_no_lookalikes_and_sorts_like_numbers() -> None:
    for lookalike in "0O1IU":
        assert lookalike not in ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    # The station finds its last code by text order: it must be number order.
    assert list(ALPHABET) == sorted(ALPHABET)
    numbers = [1, 2, 30, 31, 32, 961, 962, 29790, 29791, MAX_NUMBER]
    texts = [str(AssetCode.make("K7QX", n)) for n in numbers]
    assert texts == sorted(texts)


def test_new_station_prefix_is_never_the_training_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    # Make the random draw produce TEST first, then something else.
    draws = iter("TEST" + "ABCD")
    monkeypatch.setattr(asset_code.secrets, "choice", lambda _alphabet: next(draws))
    assert new_station_prefix() == "ABCD"


def test_new_station_prefixes_are_valid() -> None:
    prefixes = {new_station_prefix() for _ in range(300)}
    for prefix in prefixes:
        assert len(prefix) == 4
        assert set(prefix) <= set(ALPHABET)
        assert prefix != TRAINING_PREFIX
    assert len(prefixes) > 250  # random, not a constant


def test_two_stations_with_different_prefixes_never_share_a_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prefixes as close as they can be: they differ in their last character only.
    prefixes = iter(["K7QX", "K7QY"])
    monkeypatch.setattr(asset_code, "new_station_prefix", lambda: next(prefixes))
    codes: list[set[str]] = []
    for name in ("a", "b"):
        station = Station(tmp_path / name, operator="t")
        try:
            made = {
                station.register_device(DeviceKind.LAPTOP, serial=f"{name}{i}").asset_code
                for i in range(40)
            }
            assert len(made) == 40
            assert {AssetCode.parse(c).prefix for c in made} == {station.store.station_prefix}
            codes.append(made)
        finally:
            station.close()
    assert codes[0].isdisjoint(codes[1])
    # Same numbers on both stations, still different codes (even without separators).
    for n in range(1, 2000):
        a, b = AssetCode.make("K7QX", n), AssetCode.make("K7QY", n)
        assert a.compact != b.compact
        assert AssetCode.parse(b.compact).prefix == "K7QY"


prefixes = st.text(alphabet=ALPHABET, min_size=4, max_size=4)
numbers = st.integers(min_value=1, max_value=MAX_NUMBER)


@settings(max_examples=300, database=None)
@given(prefix=prefixes, number=numbers, data=st.data())
def test_property_round_trip_and_single_mistakes(
    prefix: str, number: int, data: st.DataObject
) -> None:
    code = AssetCode.make(prefix, number)
    assert AssetCode.parse(str(code)) == code
    assert AssetCode.parse(code.compact.lower()) == code
    assert code.training == (prefix == TRAINING_PREFIX)
    place = data.draw(st.integers(min_value=0, max_value=CODE_LEN - 1))
    other = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != code.compact[place]))
    typo = code.compact[:place] + other + code.compact[place + 1 :]
    assert _rejected(typo)
