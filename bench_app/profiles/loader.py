"""Loading and validating device profiles: the shipped ones, then the workshop's overrides.

`load_profiles()` never raises for a bad file: it returns every good profile plus a list of
problems, each naming the file, the line and the field. A workshop's override with the same
codename as a shipped profile replaces it; a broken override leaves the shipped one in place
(a typo in a fix must not take a working model away)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from bench_app.errors import BenchError
from bench_app.input_files import PROFILE_MAX, read_input_text
from bench_app.profiles import yaml_lines
from bench_app.profiles.model import (
    Condition,
    DeviceProfile,
    ImageRef,
    OsOption,
    ProfileProblem,
    Step,
    UnlockInfo,
    UsbId,
)
from bench_app.profiles.pictures import picture_path
from bench_app.text import Text

OVERRIDE_FOLDER = "device_profiles"  # inside the station data folder
SCHEMA_NAME = "schema.json"
PROFILE_SUFFIXES = (".yaml", ".yml")
IMAGE_ACTIONS = ("adb:sideload", "fastboot:flash", "image:verify")
PICTURE_ACTIONS = ("operator:action", "phone:wipe")
SLOT_ACTIONS = ("fastboot:set_active",)


def shipped_profiles_dir() -> Path:
    """The device_profiles/ folder shipped beside the code (like assets/)."""
    return Path(__file__).resolve().parents[2] / "device_profiles"


def override_dir(data_folder: Path) -> Path:
    """The workshop's own profiles: DATA/device_profiles/."""
    return data_folder / OVERRIDE_FOLDER


@lru_cache(maxsize=4)
def _validator(schema_path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class ProfileFileError(Exception):
    """A profile file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[ProfileProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    def bench_error(self) -> BenchError:
        """The first problem as a PROFILE_INVALID error (file, line, field, what is wrong)."""
        first = self.problems[0]
        return BenchError(
            "PROFILE_INVALID",
            path=str(first.path),
            line=first.line,
            field=first.field,
            detail=first.message,
        )


@dataclass
class ProfileSet:
    """The profiles a station knows, by codename, plus the files that were refused."""

    profiles: dict[str, DeviceProfile] = field(default_factory=dict)
    problems: list[ProfileProblem] = field(default_factory=list)
    # codename -> the shipped file an override replaced
    replaced: dict[str, Path] = field(default_factory=dict)

    def __iter__(self) -> Iterator[DeviceProfile]:
        return iter(sorted(self.profiles.values(), key=lambda p: (p.brand, p.name)))

    def __len__(self) -> int:
        return len(self.profiles)

    def for_codename(self, codename: str) -> DeviceProfile | None:
        """The profile whose codename is `codename` (any case), else the only one that lists it
        as an alias; None when unknown or when several profiles claim that alias."""
        wanted = codename.strip().lower()
        for profile in self.profiles.values():
            if profile.codename.lower() == wanted:
                return profile
        claims = [p for p in self.profiles.values() if wanted in (a.lower() for a in p.aliases)]
        return claims[0] if len(claims) == 1 else None

    def require(self, codename: str) -> DeviceProfile:
        """Like for_codename, but an unknown model is a BenchError PROFILE_UNKNOWN."""
        profile = self.for_codename(codename)
        if profile is None:
            raise BenchError("PROFILE_UNKNOWN", codename=codename)
        return profile

    def for_usb_id(self, vendor: str, product: str) -> list[DeviceProfile]:
        """Profiles that list this USB id (hex, any case). Several models often share one
        (every Pixel's fastboot is 18d1:4ee0): the caller then asks the phone its codename."""
        return [p for p in self if any(u.matches(vendor, product) for u in p.usb_ids)]

    def listing(self) -> list[dict[str, Any]]:
        """One row per profile: codename, model, where it came from, its systems."""
        return [
            {
                "codename": p.codename,
                "brand": p.brand,
                "name": p.name,
                "origin": p.origin,
                "path": str(p.path),
                "replaces": str(self.replaced[p.codename]) if p.codename in self.replaced else None,
                "install_tool": p.install_tool,
                "operating_systems": [o.id for o in p.operating_systems],
            }
            for p in self
        ]


def load_profiles(
    extra_dirs: Sequence[Path] = (), *, shipped_dir: Path | None = None
) -> ProfileSet:
    """Every valid profile of the shipped folder, then of each of `extra_dirs` in order (a
    later folder's profile replaces an earlier one with the same codename). Missing folders
    are simply empty. Never raises for a bad file: see `ProfileSet.problems`."""
    shipped = shipped_dir or shipped_profiles_dir()
    schema_path = shipped / SCHEMA_NAME
    result = ProfileSet()
    origins = [(shipped, "shipped")] + [(Path(d), "override") for d in extra_dirs]
    for folder, origin in origins:
        seen: dict[str, Path] = {}
        for path in _profile_files(folder):
            try:
                profile = load_profile_file(path, origin=origin, schema_path=schema_path)
            except ProfileFileError as exc:
                result.problems.extend(exc.problems)
                continue
            key = profile.codename.lower()
            if key in seen:
                result.problems.append(
                    ProfileProblem(path, 1, "codename", f"same codename as {seen[key].name}")
                )
                continue
            seen[key] = path
            previous = next(
                (c for c in result.profiles if c.lower() == key), None
            )  # codenames compare without case
            if previous is not None:
                replaced = result.profiles.pop(previous)
                result.replaced[profile.codename] = result.replaced.get(previous, replaced.path)
            result.profiles[profile.codename] = profile
    result.problems.sort(key=lambda p: (str(p.path), p.line))
    return result


def load_station_profiles(data_folder: Path) -> ProfileSet:
    """The shipped profiles plus the station's override folder (DATA/device_profiles/)."""
    return load_profiles([override_dir(data_folder)])


def check_files(paths: Iterable[Path], *, origin: str = "override") -> list[ProfileProblem]:
    """Every problem in these files (empty when all are valid profiles)."""
    problems: list[ProfileProblem] = []
    for path in paths:
        try:
            load_profile_file(path, origin=origin)
        except ProfileFileError as exc:
            problems.extend(exc.problems)
    return problems


def _profile_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in PROFILE_SUFFIXES and p.is_file())


def load_profile_file(
    path: Path, *, origin: str = "shipped", schema_path: Path | None = None
) -> DeviceProfile:
    """One profile file, validated; raises ProfileFileError listing file, line and field."""
    try:
        text = read_input_text(path, limit=PROFILE_MAX)
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileFileError(
            [ProfileProblem(path, 1, "(file)", f"cannot be read: {exc}")]
        ) from exc
    except BenchError as exc:  # a folder, a FIFO, a device, or far too large
        raise ProfileFileError([ProfileProblem(path, 1, "(file)", exc.message.en)]) from exc
    schema = schema_path or shipped_profiles_dir() / SCHEMA_NAME
    # Every installation reloads the profiles: the same bytes are parsed and validated once.
    key = (str(path), origin, str(schema), hashlib.sha256(text.encode()).digest())
    with _parsed_lock:
        known = _parsed.get(key)
    if known is None:
        try:
            known = _parse_profile(path, text, origin, schema)
        except ProfileFileError as exc:
            known = exc
        with _parsed_lock:
            if len(_parsed) >= _PARSED_MAX:
                _parsed.clear()
            _parsed[key] = known
    if isinstance(known, ProfileFileError):
        raise ProfileFileError(list(known.problems))
    return known


# (file, origin, schema, sha-256 of the text) -> its profile or its problems. Profiles are
# frozen, so one parsed file is safely shared by every job and thread.
_parsed: dict[tuple[str, str, str, bytes], DeviceProfile | ProfileFileError] = {}
_parsed_lock = threading.Lock()
_PARSED_MAX = 512


def _parse_profile(path: Path, text: str, origin: str, schema: Path) -> DeviceProfile:
    try:
        data = yaml_lines.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ProfileFileError([ProfileProblem(path, line, "(YAML)", detail)]) from exc
    except yaml.YAMLError as exc:
        raise ProfileFileError([ProfileProblem(path, 1, "(YAML)", str(exc))]) from exc
    except RecursionError:  # deeper than the YAML parser goes: no profile is
        raise ProfileFileError([ProfileProblem(path, 1, "(YAML)", "nested too deeply")]) from None
    if not isinstance(data, dict):
        raise ProfileFileError(
            [ProfileProblem(path, 1, "(document)", "a profile must be a YAML mapping")]
        )
    validator = _validator(schema)
    problems = [_schema_problem(path, data, e) for e in validator.iter_errors(data)]
    if not problems:
        problems = _semantic_problems(path, data)
    if problems:
        unique = {(p.line, p.field, p.message): p for p in problems}
        raise ProfileFileError(sorted(unique.values(), key=lambda p: p.line))
    return _build(data, path, origin)


_REQUIRED = re.compile(r"^'([^']+)' is a required property$")
_UNEXPECTED = re.compile(r"'([^']+)'")


def _schema_field_names(schema: Any) -> set[str]:
    """Every property name a (sub)schema defines, at any depth."""
    names: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("properties"), dict):
            names.update(schema["properties"])
        for value in schema.values():
            names |= _schema_field_names(value)
    elif isinstance(schema, list):
        for value in schema:
            names |= _schema_field_names(value)
    return names


def _schema_problem(path: Path, root: Any, error: ValidationError) -> ProfileProblem:
    # The most specific error inside anyOf/oneOf/if-then, not the umbrella one.
    while error.context:
        error = best_match(error.context)
    where: list[str | int] = list(error.absolute_path)
    message = error.message
    if error.validator == "required":
        match = _REQUIRED.match(message)
        field_path = [*where, match.group(1)] if match else where
        message = "is required here" if match else message
        return ProfileProblem(
            path, yaml_lines.line_of(root, where), yaml_lines.field_name(field_path), message
        )
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        names = _UNEXPECTED.findall(message)
        # When a step's own check failed, its good fields are listed too: name the stranger.
        strangers = [n for n in names if n not in _schema_field_names(error.schema)] or names
        if strangers:
            key_path = [*where, strangers[0]]
            return ProfileProblem(
                path,
                yaml_lines.line_of(root, key_path),
                yaml_lines.field_name(key_path),
                "unknown field (check its spelling and its indentation)",
            )
    if len(message) > 240:
        message = message[:237] + "..."
    return ProfileProblem(
        path, yaml_lines.line_of(root, where), yaml_lines.field_name(where), message
    )


def _semantic_problems(path: Path, data: dict[str, Any]) -> list[ProfileProblem]:
    """What the schema cannot say: names that must refer to each other, pictures, tools."""
    problems: list[ProfileProblem] = []

    def add(where: list[str | int], message: str) -> None:
        problems.append(
            ProfileProblem(
                path, yaml_lines.line_of(data, where), yaml_lines.field_name(where), message
            )
        )

    if path.stem != data["codename"]:
        add(["codename"], f"the file must be named {data['codename']}{path.suffix}")
    other_tool = data["install_tool"] != "fastboot"
    if other_tool != (data["unlock"]["method"] == "not-possible-with-fastboot"):
        add(
            ["unlock", "method"],
            "not-possible-with-fastboot goes with install_tool odin-heimdall, and only with it",
        )
    os_ids: set[str] = set()
    for i, os_data in enumerate(data["operating_systems"]):
        base: list[str | int] = ["operating_systems", i]
        if os_data["id"] in os_ids:
            add([*base, "id"], f"the system id {os_data['id']} is used twice")
        os_ids.add(os_data["id"])
        images = [img["name"] for img in os_data["images"]]
        for j, name in enumerate(images):
            if images.index(name) != j:
                add([*base, "images", j, "name"], f"the image name {name} is used twice")
        options = [o["id"] for o in os_data.get("options", [])]
        if other_tool and os_data["steps"]:
            add([*base, "steps"], "a phone that needs another tool has no steps here")
        if not other_tool and not os_data["steps"]:
            add([*base, "steps"], "at least one step is needed")
        for k, step in _walk_steps(os_data["steps"], [*base, "steps"]):
            _check_step(step, k, set(images), set(options), bool(data.get("ab_slots")), add)
    return problems


def _walk_steps(
    steps: list[Any], where: list[str | int]
) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    for i, step in enumerate(steps):
        yield [*where, i], step
        yield from _walk_steps(step.get("fallback", []), [*where, i, "fallback"])


def _check_step(
    step: dict[str, Any],
    where: list[str | int],
    images: set[str],
    options: set[str],
    ab_slots: bool,
    add: Any,
) -> None:
    action = step["action"]
    if action in IMAGE_ACTIONS and step["image"] not in images:
        add([*where, "image"], f"no image named {step['image']} in this system's images")
    condition = step.get("if")
    if condition is not None and condition["option"] not in options:
        add([*where, "if", "option"], f"no option named {condition['option']} in this system")
    picture = step.get("picture")
    if action in PICTURE_ACTIONS and picture is not None and not picture_path(picture).is_file():
        add([*where, "picture"], f"no picture {picture} in assets/steps/")
    if action == "phone:wipe" and step["method"] == "recovery" and picture is None:
        add([*where, "picture"], "a wipe in recovery is guided: give text and picture")
    slot_step = action in SLOT_ACTIONS or step.get("slot") in ("a", "b", "other", "all")
    if slot_step and not ab_slots:
        add([*where, "action" if action in SLOT_ACTIONS else "slot"], "this phone has no A/B slots")


def _text(raw: Any) -> Text:
    return Text(str(raw["fr"]), str(raw["en"]))


def _step(raw: dict[str, Any]) -> Step:
    reserved = {"action", "if", "fallback", "note"}
    condition = raw.get("if")
    return Step(
        action=raw["action"],
        args={k: _plain(v) for k, v in raw.items() if k not in reserved},
        condition=Condition(condition["option"], condition["equals"]) if condition else None,
        fallback=tuple(_step(s) for s in raw.get("fallback", [])),
        note=_text(raw["note"]) if "note" in raw else None,
        line=getattr(raw, "line", 0),
    )


def _plain(value: Any) -> Any:
    # Steps leave the loader as plain dicts and lists (no line bookkeeping).
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _build(data: dict[str, Any], path: Path, origin: str) -> DeviceProfile:
    unlock = data["unlock"]
    systems = []
    for raw in data["operating_systems"]:
        systems.append(
            OsOption(
                id=raw["id"],
                name=raw["name"],
                version=str(raw["version"]),
                images=tuple(
                    ImageRef(i["name"], i["file"], i["sha256"], i["kind"], i.get("source", ""))
                    for i in raw["images"]
                ),
                steps=tuple(_step(s) for s in raw["steps"]),
                options={o["id"]: o["default"] for o in raw.get("options", [])},
                option_labels={o["id"]: _text(o["label"]) for o in raw.get("options", [])},
                notes=tuple(_text(n) for n in raw.get("notes", [])),
            )
        )
    return DeviceProfile(
        codename=data["codename"],
        aliases=tuple(data.get("aliases", [])),
        brand=data["brand"],
        name=data["name"],
        models=tuple(data.get("models", [])),
        usb_ids=tuple(
            UsbId(u["vendor"], u.get("product"), u["mode"], u.get("note", ""))
            for u in data.get("usb_ids", [])
        ),
        ab_slots=data.get("ab_slots"),
        recovery_partition=data.get("recovery_partition", "recovery"),
        install_tool=data["install_tool"],
        unlock=UnlockInfo(
            method=unlock["method"],
            command=unlock.get("command", ""),
            needs_code=unlock.get("needs_code", False),
            code_source=unlock.get("code_source", ""),
            waiting_period_days=unlock.get("waiting_period_days"),
            operator_confirms_on_phone=unlock.get("operator_confirms_on_phone", True),
            note=_text(unlock["note"]) if "note" in unlock else None,
        ),
        notes=tuple(_text(n) for n in data.get("notes", [])),
        warnings=tuple(_text(n) for n in data.get("warnings", [])),
        sources=tuple(data["sources"]),
        unverified=tuple(data.get("unverified", [])),
        operating_systems=tuple(systems),
        path=path,
        origin=origin,
    )


def other_tool_error(profile: DeviceProfile) -> BenchError:
    """The refusal the station shows for a phone it cannot install (Samsung: download mode)."""
    return BenchError("PROFILE_OTHER_TOOL", model=profile.label, tool="Odin / Heimdall")
