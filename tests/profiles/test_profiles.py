"""Every shipped profile validates; bad files are reported by file, line and field; the
workshop's override folder replaces or adds profiles; the loader never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.commands.main import main
from bench_app.errors import BenchError
from bench_app.profiles import (
    ProfileFileError,
    ProfileProblem,
    load_profile_file,
    load_profiles,
    load_station_profiles,
    other_tool_error,
    override_dir,
    shipped_profiles_dir,
)
from bench_app.profiles.pictures import INSTALL_PICTURES, picture_path

SHIPPED = sorted(shipped_profiles_dir().glob("*.yaml"))


def test_at_least_ten_shipped_profiles_all_valid() -> None:
    profiles = load_profiles()
    assert profiles.problems == []
    assert len(profiles) == len(SHIPPED) >= 10
    assert {p.origin for p in profiles} == {"shipped"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_each_shipped_profile_is_sourced_and_its_pictures_are_known(path: Path) -> None:
    profile = load_profile_file(path)
    assert profile.sources and all(s.startswith("https://") for s in profile.sources)
    for system in profile.operating_systems:
        for step in system.steps:
            for s in (step, *step.fallback):
                picture = s.args.get("picture")
                if picture is not None:
                    assert picture in INSTALL_PICTURES, picture
        for name in {s.args["image"] for s in system.steps if "image" in s.args}:
            assert system.image(name).file


def test_catalogued_pictures_exist() -> None:
    for name in INSTALL_PICTURES:
        assert picture_path(name).is_file(), name


def test_samsung_needs_another_tool_and_has_no_steps() -> None:
    profiles = load_profiles()
    for codename in ("starlte", "beyond1lte"):
        profile = profiles.require(codename)
        assert not profile.installable
        assert all(not o.steps for o in profile.operating_systems)
        error = other_tool_error(profile)
        assert error.code == "PROFILE_OTHER_TOOL" and "Odin" in error.message.fr


def test_lookup_by_codename_alias_and_usb_id() -> None:
    profiles = load_profiles()
    assert profiles.for_codename("fp4") is profiles.for_codename("FP4")
    assert profiles.for_codename("FP3+") is not None
    assert profiles.for_codename("FP3+").codename == "FP3"  # type: ignore[union-attr]
    assert profiles.for_codename("nokia-unknown") is None
    with pytest.raises(BenchError) as caught:
        profiles.require("nokia-unknown")
    assert caught.value.code == "PROFILE_UNKNOWN"
    pixels = {p.codename for p in profiles.for_usb_id("18D1", "4EE0")}
    assert pixels == {"sargo", "sunfish", "redfin"}
    assert [p.codename for p in profiles.for_usb_id("22b8", "2e80")] == ["river"]
    fairphones = {p.codename for p in profiles.for_usb_id("2ae5", "0000")}
    assert fairphones == {"FP3", "FP4"}  # vendor-only ids match any product


def test_steps_follow_the_options() -> None:
    fp4 = load_profiles().require("FP4").os("lineageos-20")
    assert fp4 is not None
    with_wipe = fp4.steps_for()
    without = fp4.steps_for({"wipe": False})
    assert len(with_wipe) == len(without) + 1
    assert [s.action for s in with_wipe if s not in without] == ["phone:wipe"]
    unlocked = next(s for s in with_wipe if s.action == "fastboot:assert_var")
    assert unlocked.args == {"name": "unlocked", "value": "yes"}  # a string, not YAML 1.1's True
    assert [s.action for s in unlocked.fallback][:2] == [
        "operator:action",
        "fastboot:flashing_unlock",
    ]


def _line_of(text: str, needle: str) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    assert len(lines) >= 1, needle
    return lines[0]


def _first_problem(path: Path) -> ProfileProblem:
    with pytest.raises(ProfileFileError) as caught:
        load_profile_file(path)
    return caught.value.problems[0]


def _broken(tmp_path: Path, old: str, new: str, name: str = "FP4.yaml") -> tuple[Path, str]:
    text = (shipped_profiles_dir() / "FP4.yaml").read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(broken, encoding="utf-8")
    return path, broken


@pytest.mark.parametrize(
    ("old", "new", "needle", "field_end", "words"),
    [
        # a misspelt key: reported at that key
        (
            "        partition: recovery\n",
            "        partiton: recovery\n",
            "partiton",
            ".partiton",
            "unknown field",
        ),
        # a value outside the allowed ones
        (
            "        to: bootloader\n",
            "        to: bootlader\n",
            "bootlader",
            "steps[0].to",
            "bootlader",
        ),
        # a wrong type
        ("ab_slots: true", "ab_slots: 2", "ab_slots: 2", "ab_slots", "not of type"),
        # an image name no image carries
        (
            "        image: rom\n",
            "        image: rommm\n",
            "rommm",
            ".image",
            "no image named rommm",
        ),
        # a picture that does not exist
        (
            "picture: recovery-sideload.svg",
            "picture: nowhere.svg",
            "nowhere.svg",
            ".picture",
            "no picture",
        ),
        # a condition on an option that does not exist
        (
            "          option: wipe\n",
            "          option: wype\n",
            "option: wype",
            ".if.option",
            "no option named wype",
        ),
        # a text without its English half
        (
            '    en: "Unlock code to ask',
            '    in: "Unlock code to ask',
            "in: ",
            "unlock.note.in",
            "unknown field",
        ),
    ],
)
def test_a_malformed_profile_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, needle: str, field_end: str, words: str
) -> None:
    path, text = _broken(tmp_path, old, new)
    with pytest.raises(ProfileFileError) as caught:
        load_profile_file(path)
    problem = next(p for p in caught.value.problems if p.field.endswith(field_end))
    assert problem.path == path
    assert problem.line == _line_of(text, needle)
    assert problem.field.endswith(field_end)
    assert words in problem.message
    error = caught.value.bench_error()
    first = caught.value.problems[0]
    assert error.code == "PROFILE_INVALID" and f"line {first.line}," in error.message.en


def test_a_missing_required_field_points_at_its_parent(tmp_path: Path) -> None:
    path, text = _broken(tmp_path, "        partition: recovery\n", "")
    problem = _first_problem(path)
    assert problem.field.endswith("].partition")
    assert problem.message == "is required here"
    flash_steps = [
        i + 1
        for i, line in enumerate(text.splitlines())
        if line.strip() == "- action: fastboot:flash"
    ]
    assert problem.line == flash_steps[0]


def test_bad_yaml_and_duplicate_keys_give_their_line(tmp_path: Path) -> None:
    path, text = _broken(tmp_path, "brand: Fairphone\n", "brand: [Fairphone\n")
    problem = _first_problem(path)
    assert problem.field == "(YAML)"
    assert problem.line >= _line_of(text, "brand: [Fairphone")
    path, text = _broken(tmp_path, "brand: Fairphone\n", "brand: Fairphone\nbrand: Other\n")
    problem = _first_problem(path)
    assert problem.line == _line_of(text, "brand: Other")
    assert "written twice" in problem.message


def test_file_name_must_match_codename(tmp_path: Path) -> None:
    path, _ = _broken(tmp_path, "codename: FP4", "codename: FP4", name="fairphone4.yaml")
    problem = _first_problem(path)
    assert problem.field == "codename" and "FP4.yaml" in problem.message


def test_override_folder_replaces_and_adds(data_dir: Path) -> None:
    folder = override_dir(data_dir)
    folder.mkdir(parents=True)
    text = (shipped_profiles_dir() / "FP4.yaml").read_text(encoding="utf-8")
    (folder / "FP4.yaml").write_text(text.replace('name: "4"', 'name: "4 (atelier)"'), "utf-8")
    new = text.replace("codename: FP4", "codename: FP4x").replace("aliases: [fp4]", "aliases: []")
    (folder / "FP4x.yaml").write_text(new, "utf-8")
    profiles = load_station_profiles(data_dir)
    assert profiles.problems == []
    assert profiles.require("FP4").name == "4 (atelier)"
    assert profiles.require("FP4").origin == "override"
    assert profiles.require("FP4x").origin == "override"
    assert len(profiles) == len(SHIPPED) + 1
    rows = {r["codename"]: r for r in profiles.listing()}
    assert rows["FP4"]["replaces"] == str(shipped_profiles_dir() / "FP4.yaml")
    assert rows["FP4x"]["replaces"] is None
    assert rows["sargo"]["origin"] == "shipped"


def test_a_broken_override_keeps_the_shipped_profile(data_dir: Path) -> None:
    folder = override_dir(data_dir)
    folder.mkdir(parents=True)
    (folder / "FP4.yaml").write_text("codename: FP4\nbrand: [\n", "utf-8")
    (folder / "notes.txt").write_text("not a profile", "utf-8")
    profiles = load_station_profiles(data_dir)
    assert profiles.require("FP4").origin == "shipped"
    assert [p.path for p in profiles.problems] == [folder / "FP4.yaml"]


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_never_crashes_the_loader(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes
) -> None:
    path = tmp_path_factory.mktemp("garbage") / "junk.yaml"
    path.write_bytes(blob)
    with pytest.raises(ProfileFileError) as caught:
        load_profile_file(path)
    assert all(p.path == path and p.line >= 1 for p in caught.value.problems)


def test_cli_check_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, text = _broken(tmp_path, "        to: bootloader\n", "        to: bootlader\n")
    assert main(["profiles", "check", str(path), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{_line_of(text, 'bootlader')}: operating_systems[0].steps[0].to:" in err
    assert main(["profiles", "check"]) == 0
    assert main(["profiles", "list", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "ginkgo" in out and "odin-heimdall" in out


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records each file the loader really parses and validates (not served from memory)."""
    from bench_app.profiles import loader

    parsed: list[Path] = []
    real = loader._parse_profile

    def counting(path: Path, *args: object) -> object:
        parsed.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_parse_profile", counting)
    return parsed


def test_unchanged_profiles_are_validated_once_across_loads(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = override_dir(data_dir)
    folder.mkdir(parents=True)
    text = (shipped_profiles_dir() / "FP4.yaml").read_text(encoding="utf-8")
    (folder / "FP4.yaml").write_text(text.replace('name: "4"', 'name: "4 (atelier)"'), "utf-8")
    parsed = _count_parses(monkeypatch)
    first = load_station_profiles(data_dir)
    assert parsed.count(folder / "FP4.yaml") <= 1
    before = len(parsed)
    for _ in range(5):  # as every installation job does
        again = load_station_profiles(data_dir)
        assert again.require("FP4").name == "4 (atelier)"
    assert len(parsed) == before
    assert [p.codename for p in again] == [p.codename for p in first]


def test_an_edited_profile_is_read_again_and_a_broken_one_stays_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = override_dir(data_dir)
    folder.mkdir(parents=True)
    text = (shipped_profiles_dir() / "FP4.yaml").read_text(encoding="utf-8")
    path = folder / "FP4.yaml"
    path.write_text(text.replace('name: "4"', 'name: "4 (un)"'), "utf-8")
    assert load_station_profiles(data_dir).require("FP4").name == "4 (un)"
    parsed = _count_parses(monkeypatch)
    path.write_text(text.replace('name: "4"', 'name: "4 (deux)"'), "utf-8")
    assert load_station_profiles(data_dir).require("FP4").name == "4 (deux)"
    assert parsed == [path]  # only the file that changed
    path.write_text("codename: FP4\nbrand: [\n", "utf-8")
    for _ in range(2):  # refused each time, with its problems, parsed once
        profiles = load_station_profiles(data_dir)
        assert profiles.require("FP4").origin == "shipped"
        assert [p.path for p in profiles.problems] == [path]
    assert parsed == [path, path]
