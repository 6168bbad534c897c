"""A bad-input strategy for every `etabli` command: each draws command lines that must be
refused (never a success), mixing what any command can get wrong (unknown options, a bad
data folder, text that is not UTF-8, huge or negative numbers) with what each command reads
(certificates, bundles, profiles, keys, images, its data folder's own files).

Commands that need hardware or run long (erase, write-image, simulate, hub, gui, diagnose,
sync) only get cases refused before any work starts: every case has a part that is wrong
before the first write, the first connection or the first window. `erase` and `write-image`
only ever point at files the example made, and at /dev/zero or /dev/null."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from hypothesis import strategies as st

from tests.cli_bad_input.cases import (
    HUGE,
    Arg,
    Case,
    Made,
    Seed,
    alias_bomb,
    deep_block_yaml,
    deep_json,
    deep_json_object,
    deep_toml,
    deep_yaml,
    gzip_of,
    long_header_bundle,
    wide_json,
)
from tests.cli_bad_input.conftest import SEEDED_BENEFICIARY

S = st.SearchStrategy

# -- text and numbers ---------------------------------------------------------------------

# Bytes that are not UTF-8, as Python hands them over from argv (lone surrogates).
undecodable: S[str] = st.binary(min_size=0, max_size=12).map(
    lambda b: (b"n\xff" + b.replace(b"\0", b"") + b"\xfe").decode("utf-8", "surrogateescape")
)
# Any text an argument can hold (argv cannot hold NUL).
any_text: S[str] = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
)
long_text: S[str] = st.integers(2_000, 60_000).map(lambda n: ("ÉtabliΩ " * n)[:n])
control_text: S[str] = st.sampled_from(["\n", "\t\t", "\x1b[31mrouge\x1b[0m", "a\rb", "\x7f", " "])
bad_text: S[str] = st.one_of(undecodable, any_text, long_text, control_text, st.just(""))

huge_numbers = st.integers(10**10, 10**40).map(str)
negative_numbers = st.integers(-(10**12), -1).map(str)
odd_numbers = st.sampled_from(
    ["nan", "inf", "-inf", "1e999", "0x10", "", " ", "七", "1_000", "--1"]
)


def bad_number(least: int, most: int) -> S[str]:
    """Text that is not a whole number from `least` to `most`."""
    return st.one_of(
        huge_numbers,
        negative_numbers,
        odd_numbers,
        st.integers(most + 1, most + 10**6).map(str),
        st.integers(least - 10**6, least - 1).map(str),
        undecodable,
    )


def bad_seconds(least: float, most: float) -> S[str]:
    return st.one_of(
        huge_numbers.map(lambda s: s + ".5"),
        negative_numbers,
        st.sampled_from(["nan", "inf", "-inf", "1e999", "", "soon", "0"]),
        st.floats(most * 2, 1e300).map(repr),
        undecodable,
    )


# -- files -------------------------------------------------------------------------------


def specials(name: str = "input") -> S[Made]:
    """What stands where a file is expected but is no file to read."""
    return st.sampled_from(
        [
            Made("missing", name),
            Made("folder", name),
            Made("zero", name),
            Made("null", name),
            Made("fifo", name),
            Made("loop", name),
            Made("through-file", name),
            Made("sparse", name, size=HUGE),
        ]
    )


garbage: S[bytes] = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=200).map(lambda b: b"\xff\xfe\x00" + b),
    st.just(b""),
    st.just(b"\n" * 5000),
)


def contents(name: str, *extra: S[bytes]) -> S[Made]:
    """A regular file of bad content, a special file, or a good file with a bad name."""
    return st.one_of(
        specials(name),
        st.builds(Made, st.just("bytes"), st.just(name), st.one_of(garbage, *extra)),
        st.builds(Made, st.just("undecodable"), st.just(name), garbage),
    )


def seeded_damage(seeded_name: str) -> S[Made]:
    """A seeded file cut short or with one byte changed."""
    return st.one_of(
        st.builds(
            Made,
            st.just("truncated"),
            st.just(seeded_name),
            size=st.integers(0, 10**6),
            seeded=st.just(seeded_name),
        ),
        st.builds(
            Made,
            st.just("flipped"),
            st.just(seeded_name),
            size=st.integers(0, 10**6),
            seeded=st.just(seeded_name),
        ),
    )


def bad_output(suffix: str) -> S[Made]:
    """Where no file can be written (or a name the records cannot keep)."""
    return st.sampled_from(
        [
            Made("folder", "out" + suffix),
            Made("through-file", "out" + suffix),
            Made("missing", "no-such-folder/out" + suffix),
            Made("undecodable", "out" + suffix),
        ]
    )


json_damage: S[bytes] = st.one_of(
    st.integers(2_000, 200_000).map(deep_json),
    st.integers(2_000, 50_000).map(deep_json_object),
    st.integers(10_000, 300_000).map(wide_json),
)


def json_damage_and(*bad: bytes) -> S[bytes]:
    """Damage any JSON file can have, or one of these values wrong for that file."""
    return st.one_of(json_damage, st.sampled_from(bad))


toml_damage: S[bytes] = st.one_of(
    st.integers(2_000, 100_000).map(deep_toml), st.just(b"[rule]\nco2 = 'many'\n")
)
yaml_damage: S[bytes] = st.one_of(
    st.integers(65, 50_000).map(deep_yaml),
    st.integers(65, 2_000).map(deep_block_yaml),
    st.integers(6, 9).map(alias_bomb),
    st.just(b"codename: [unclosed\n"),
    st.just(b"a: 1\na: 2\n"),
)
bundle_damage: S[bytes] = st.one_of(
    garbage.map(gzip_of),
    st.integers(70_000, 2_000_000).map(long_header_bundle),
    st.just(gzip_of(b'{"format": "etabli.bundle", "version": 99}\n{}\n')),
)


def data_file(relative: str, *extra: S[bytes]) -> S[tuple[str, Made]]:
    """One of the data folder's own files, replaced by something bad."""
    made = st.one_of(
        specials().filter(lambda m: m.kind not in ("missing", "through-file")),
        st.builds(Made, st.just("bytes"), st.just("x"), st.one_of(garbage, *extra)),
    )
    return made.map(lambda m: (relative, m))


SETTINGS = data_file(
    "settings.json",
    json_damage_and(
        b'{"language": "xx"}', b'{"max_parallel_jobs": 1e999}', b'{"warranty_months": -1}'
    ),
)
# A real station whose workshop has no name yet: no certificate, no handover sheet.
UNNAMED = data_file(
    "settings.json", st.sampled_from([b'{"organisation": ""}', b'{"organisation": "   "}'])
)
PRINTERS = data_file(
    "printers.json",
    json_damage_and(b'{"printers": [{"name": 1}], "default": []}', b'{"printers": {"a": 1}}'),
)
TRUSTED = data_file("keys/trusted/other.pub", st.just(b"-----BEGIN PUBLIC KEY-----\nAAAA\n"))
STATION_KEY = data_file("keys/station-ed25519.pem")
INDEX = data_file(
    "images/index.json", json_damage_and(b'{"images": [{"file": 1}]}', b'{"images": 3}')
)
FACTORS = data_file("environment-factors.toml", toml_damage)
PROFILE = data_file("device_profiles/broken.yaml", yaml_damage).filter(
    lambda f: f[1].kind == "bytes"  # a FIFO there is no profile file: skipped, not refused
)

# -- shapes every command gets ------------------------------------------------------------

DATA_DIR_BAD = st.sampled_from(
    [Made("bytes", "data-file", b"not a folder"), Made("null"), Made("fifo", "data-fifo")]
)


def common(command: tuple[str, ...], base: tuple[Arg, ...], *, data_dir: bool = True) -> S[Case]:
    """Errors any command can get: unknown option, bad --lang, bad or undecodable
    --data-dir, a stray argument that is not UTF-8."""
    shapes: list[S[Case]] = [
        st.sampled_from(["--no-such-option", "-Z", "--lang=xx", "--json=3"]).map(
            lambda o: Case((*command, *base, o))
        ),
        undecodable.map(lambda t: Case((*command, *base, "--no-such-option", t))),
    ]
    if data_dir:
        shapes.append(DATA_DIR_BAD.map(lambda m: Case((*command, *base, "--data-dir", m))))
        shapes.append(undecodable.map(lambda t: Case((*command, *base, "--data-dir", t))))
    return st.one_of(*shapes)


def with_files(
    command: tuple[str, ...], base: tuple[Arg, ...], *files: S[tuple[str, Made]]
) -> S[Case]:
    """The command as given, with one of the data folder's files it reads made bad."""
    return st.one_of(*files).map(lambda f: Case((*command, *base), (f,)))


def argv(*parts: S[Arg] | Arg) -> S[tuple[Arg, ...]]:
    return st.tuples(*(p if isinstance(p, st.SearchStrategy) else st.just(p) for p in parts))


def case(*parts: S[Arg] | Arg) -> S[Case]:
    return argv(*parts).map(Case)


# -- per command --------------------------------------------------------------------------

ASSET, LAPTOP, LOT = Seed("asset"), Seed("laptop"), Seed("lot")
# A lot is found by a start or an end of its id (hex digits and dashes) or its agreement.
not_a_lot = bad_text.filter(
    lambda t: not re.fullmatch(r"[0-9a-fA-F-]+", t.strip()) and t.strip().upper() != "CONV-2026-01"
)
# Asset codes that are not the seeded ones: malformed, or well formed and unknown.
bad_asset = st.one_of(bad_text, st.sampled_from(["ABCD-2345-X", "ZZZZ-9999-9", "-", "--lot"]))


def root() -> S[Case]:
    # No subcommand opens the window: only cases refused before it opens.
    return st.one_of(
        st.sampled_from(
            [Case(("--no-such-option",)), Case(("--lang", "xx")), Case(("no-such-command",))]
        ),
        DATA_DIR_BAD.map(lambda m: Case(("--data-dir", m))),
        undecodable.map(lambda t: Case(("--data-dir", t))),
    )


def gui() -> S[Case]:
    return st.one_of(
        st.sampled_from(
            [Case(("gui", "--no-such-option")), Case(("gui", "--lang", "de")), Case(("gui", "x"))]
        ),
        DATA_DIR_BAD.map(lambda m: Case(("gui", "--data-dir", m))),
        undecodable.map(lambda t: Case(("gui", "--data-dir", t))),
    )


# Never the right confirmation, whatever else a case breaks: nothing is ever written.
wrong_serial = st.one_of(bad_text, st.just("WXYZ-no")).filter(
    lambda t: not (len(t.strip()) >= 4 and "disk-wxyz".endswith(t.strip().lower()))
)


def erase() -> S[Case]:
    target = Made("bytes", "disk-WXYZ.img", b"\0" * 65536)
    methods = st.sampled_from(["clear-zero", "clear-random", "purge"])
    return st.one_of(
        case("erase", target, "--method", methods, "--confirm-serial", wrong_serial),
        case("erase", contents("disk-ABCD.img"), "--method", methods, "--confirm-serial", "nope"),
        case(
            "erase",
            target,
            "--method",
            st.one_of(bad_text, st.just("shred")),
            "--confirm-serial",
            "nope",
        ),
        case(
            "erase",
            target,
            "--method",
            "clear-zero",
            "--verify",
            bad_text,
            "--confirm-serial",
            "nope",
        ),
        case("erase", target, "--method", "clear-zero"),  # no confirmation at all
        case(
            "erase",
            target,
            "--method",
            "clear-zero",
            "--confirm-serial",
            "nope",
            "--operator",
            bad_text,
        ),
        with_files(
            ("erase",), (target, "--method", "clear-zero", "--confirm-serial", "nope"), SETTINGS
        ),
        common(("erase",), (target, "--method", "clear-zero", "--confirm-serial", "nope")),
    )


# `etabli agent` serves until stopped: every case is wrong before it listens (the code,
# the address, or a disk that is no disk; never a readable file, which it would offer).
not_a_disk = st.sampled_from(
    [
        Made(kind, "disk-LAP.img")
        for kind in ("missing", "folder", "zero", "null", "fifo", "loop", "through-file")
    ]
)
bad_pair_code = st.one_of(
    bad_text, st.sampled_from(["12345", "1234567", "12 345", "abcdef", "١٢٣٤٥٦"])
).filter(lambda t: not (len(t) == 6 and t.isascii() and t.isdigit()))
bad_listen = st.one_of(
    bad_text,
    st.sampled_from(["127.0.0.1", "127.0.0.1:99999", "203.0.113.9:7410", ":7410", "[::1]"]),
)


def agent() -> S[Case]:
    return st.one_of(
        case("agent", "--pair-code", bad_pair_code, "--listen", "127.0.0.1:0"),
        case("agent", "--pair-code", "123456", "--listen", bad_listen),
        case("agent", "--pair-code", "123456", "--listen", "127.0.0.1:0", "--disk", not_a_disk),
        common(("agent",), ("--pair-code", "12", "--listen", "127.0.0.1:0")),
        agent_offline(),
    )


# `etabli agent --bundle-dir`: a folder that is no prepared stick is refused before any disk
# is read; --confirm-serial without it is refused too.
not_a_stick = st.sampled_from(
    [
        Made("bytes", "stick", b"not a folder"),
        Made("null"),
        Made("zero"),
        Made("fifo", "stick-fifo"),
        Made("loop", "stick"),
        Made("through-file", "stick"),
        Made("folder", "stick"),  # a folder, never prepared at a station
    ]
)


# --tests: a name not in the list; --images: a folder with no image to write, or whose only
# image is no disk or does not match its published sum (refused before any disk is read).
bad_tests = st.one_of(bad_text, st.sampled_from(["keyboard,nope", ",", "clavier", "none,all"]))
not_stick_images = st.one_of(
    specials("images"),
    st.sampled_from(
        [
            Made("usb-wrongsum", "images"),
            Made("usb-good", "images"),
            Made("usb-undecodable", "images"),
            Made("usb-manifest", "images", b"not a checksum file"),
        ]
    ),
)


def agent_offline() -> S[Case]:
    return st.one_of(
        case("agent", "--bundle-dir", not_a_stick, "--confirm-serial", "LAPA1"),
        case("agent", "--bundle-dir", not_a_stick, "--disk", not_a_disk),
        case("agent", "--bundle-dir", not_a_stick, "--method", bad_text),
        case("agent", "--pair-code", "123456", "--confirm-serial", bad_text),
        case("agent", "--bundle-dir", not_a_stick, "--tests", bad_tests),
        case("agent", "--bundle-dir", not_a_stick, "--images", not_stick_images),
        case("agent", "--bundle-dir", not_a_stick, "--image", bad_text),
        case(
            "agent",
            "--bundle-dir",
            not_a_stick,
            "--images",
            Made("usb-good", "images"),
            "--image",
            bad_text,
        ),
        case("agent", "--pair-code", "123456", "--images", bad_text),
        case("agent", "--pair-code", "123456", "--tests", st.sampled_from(["none", "screen"])),
    )


def stick_prepare() -> S[Case]:
    # Only what cannot hold a stick's folder: a good folder would be prepared (exit 0).
    no_folder = st.sampled_from(
        [
            Made("bytes", "stick", b"not a folder"),
            Made("null"),
            Made("zero"),
            Made("fifo", "stick-fifo"),
            Made("loop", "stick"),
            Made("through-file", "stick"),
        ]
    )
    return st.one_of(
        case("stick-prepare", no_folder),
        case("stick-prepare", no_folder, "--json"),
        common(("stick-prepare",), (Made("bytes", "stick", b"not a folder"),)),
    )


bad_wait = st.one_of(
    huge_numbers,
    negative_numbers,
    st.sampled_from(["nan", "inf", "-inf", "1e999", "", "soon", "60.5"]),
    st.floats(61, 1e300).map(repr),
    undecodable,
)


def laptops() -> S[Case]:
    return st.one_of(
        case("laptops", "--wait", bad_wait),
        case("laptops", "--json", "--wait", bad_wait),
        common(("laptops",), ("--wait", "0")),
    )


def pair() -> S[Case]:
    # A closed port on this machine: a good code and address are refused at once.
    return st.one_of(
        case("pair", "127.0.0.1:1", bad_pair_code),
        case("pair", bad_text, "123456"),
        case("pair", "127.0.0.1:1", "123456"),
        case("pair", "127.0.0.1:1", "123456", "--operator", bad_text),
        case("pair", "127.0.0.1"),  # no code
        common(("pair",), ("127.0.0.1:1", "123456")),
    )


def laptop_erase() -> S[Case]:
    # A closed port: every order is refused before a byte is written anywhere.
    return st.one_of(
        case("laptop-erase", "127.0.0.1:1", bad_pair_code, "--confirm-serial", "LAPA1"),
        case("laptop-erase", bad_text, "123456", "--confirm-serial", "LAPA1"),
        case("laptop-erase", "127.0.0.1:1", "123456"),  # no disk named
        case("laptop-erase", "127.0.0.1:1", "123456", "--confirm-serial", bad_text),
        case(
            "laptop-erase", "127.0.0.1:1", "123456", "--confirm-serial", "A1", "--method", bad_text
        ),
        case(
            "laptop-erase",
            "127.0.0.1:1",
            "123456",
            "--confirm-serial",
            "A1",
            "--operator",
            bad_text,
        ),
        common(("laptop-erase",), ("127.0.0.1:1", "123456", "--confirm-serial", "LAPA1")),
    )


def laptop_check() -> S[Case]:
    # A closed port: nothing is asked of any laptop; an unknown test is refused first.
    return st.one_of(
        case("laptop-check", "127.0.0.1:1", bad_pair_code),
        case("laptop-check", bad_text, "123456"),
        case("laptop-check", "127.0.0.1:1", "123456"),
        case("laptop-check", "127.0.0.1:1", "123456", "--answer-here"),
        case("laptop-check", "127.0.0.1:1", "123456", "--test", bad_text),
        case("laptop-check", "127.0.0.1:1", "123456", "--operator", bad_text),
        common(("laptop-check",), ("127.0.0.1:1", "123456", "--test", "keyboard")),
    )


def laptop_image() -> S[Case]:
    # A closed port or an image the library lacks: refused before anything is sent.
    at = ("127.0.0.1:1", "123456", "--confirm-serial", "LAPA1")
    return st.one_of(
        case("laptop-image", "127.0.0.1:1", bad_pair_code, "--confirm-serial", "LAPA1"),
        case("laptop-image", bad_text, "123456", "--confirm-serial", "LAPA1"),
        case("laptop-image", "127.0.0.1:1", "123456"),  # no disk named
        case("laptop-image", "127.0.0.1:1", "123456", "--confirm-serial", bad_text),
        case("laptop-image", *at, "--image", bad_text),
        case("laptop-image", *at, "--operator", bad_text),
        common(("laptop-image",), at),
    )


def write_image() -> S[Case]:
    target = Made("bytes", "disk-WXYZ.img", b"\0" * (1 << 20))
    image = Made("bytes", "small.img", b"\x5a" * 4096)
    bad_image = st.one_of(
        specials("image.img"),
        st.builds(Made, st.just("undecodable"), st.just("image.img"), garbage),
        garbage.map(lambda b: Made("bytes", "image.img.gz", b"\x1f\x8b\x08\x00" + b)),
        garbage.map(lambda b: Made("bytes", "image.img.xz", b"\xfd7zXZ\x00" + b)),
        st.just(Made("bytes", "empty.img", b"")),
    )
    return st.one_of(
        case("write-image", bad_image, target, "--confirm-serial", "nope"),
        case("write-image", image, contents("disk-ABCD.img"), "--confirm-serial", "nope"),
        case("write-image", image, target, "--confirm-serial", wrong_serial),
        case(
            "write-image",
            image,
            target,
            "--confirm-serial",
            "nope",
            "--bmap",
            contents("image.bmap"),
        ),
        case("write-image", image, target, "--confirm-serial", "nope", "--sha256", bad_text),
        case("write-image", image, bad_text, "--confirm-serial", "nope"),
        with_files(("write-image",), (image, target, "--confirm-serial", "nope"), SETTINGS, INDEX),
        common(("write-image",), (image, target, "--confirm-serial", "nope")),
    )


def simulate_phone() -> S[Case]:
    unknown = bad_text.filter(lambda t: t not in _personas())
    return st.one_of(
        case("simulate", "phone", "--persona", unknown),
        case("simulate", "phone", "--persona", "fairphone-4", "--port", bad_number(0, 65535)),
        case("simulate", "phone", "--persona", "fairphone-4", "--host", "192.0.2.1"),
        case("simulate", "phone"),  # no persona
        common(("simulate", "phone"), ("--persona", "fairphone-4"), data_dir=False),
    )


def _personas() -> set[str]:
    from bench_app.simulators.adb_phone.persona import list_personas

    return set(list_personas())


def simulate_handset() -> S[Case]:
    """Only refusals: a handset that starts would run until Ctrl+C."""
    unknown = bad_text.filter(lambda t: t not in _personas())
    return st.one_of(
        case("simulate", "handset", "--model", unknown),
        case("simulate", "handset", "--model", "fairphone-4", "--port", bad_number(0, 65535)),
        case("simulate", "handset", "--model", "fairphone-4", "--host", "192.0.2.1"),
        case("simulate", "handset", "--model", "fairphone-4", "--operator", bad_text),
        case("simulate", "handset"),  # no model
        common(("simulate", "handset"), ("--model", "fairphone-4"), data_dir=False),
    )


def simulate_iphone() -> S[Case]:
    """Only refusals: an iPhone that starts would run until Ctrl+C."""
    from bench_app.simulators.iphone import list_personas

    unknown = bad_text.filter(lambda t: t not in set(list_personas()))
    return st.one_of(
        case("simulate", "iphone", "--persona", unknown),
        case("simulate", "iphone", "--persona", "iphone-13", "--port", bad_number(0, 65535)),
        case("simulate", "iphone", "--persona", "iphone-13", "--host", "192.0.2.1"),
        case("simulate", "iphone", "--persona", "iphone-13", "--socket", "/nonexistent/dir/s"),
        case("simulate", "iphone"),  # no persona
        common(("simulate", "iphone"), ("--persona", "iphone-13"), data_dir=False),
    )


def batch_wipe_install() -> S[Case]:
    """Refused before any phone is reached, or on phones that are not there."""
    bad_target = st.one_of(
        undecodable, st.sampled_from(["", " ", "host:port", "h:99999", "h:-1", "a b", "x:"])
    )
    good = ("--system", "eos", "--wait", "1")
    return st.one_of(
        case("batch", "wipe-install", *good, bad_target),
        case("batch", "wipe-install", *good, st.sampled_from([ASSET, LAPTOP])),  # not phones
        case("batch", "wipe-install", "--system", bad_text, "--wait", "1", "127.0.0.1:1"),
        case("batch", "wipe-install", "127.0.0.1:1"),  # no --system
        case("batch", "wipe-install", *good),  # no phone at all
        case("batch", "wipe-install", *good, "--route", bad_text, "127.0.0.1:1"),
        case("batch", "wipe-install", *good, "--fastboot", bad_target, "127.0.0.1:1"),
        case(
            "batch",
            "wipe-install",
            "--system",
            "eos",
            "--wait",
            bad_seconds(1, 3600),
            "127.0.0.1:1",
        ),
        common(("batch", "wipe-install"), (*good, "127.0.0.1:1", "127.0.0.2:1")),
    )


def simulate_fastboot() -> S[Case]:
    return st.one_of(
        case("simulate", "fastboot", "--product", "FP4", "--port", bad_number(0, 65535)),
        case("simulate", "fastboot", "--product", st.one_of(st.just(""), undecodable)),
        case("simulate", "fastboot", "--product", "FP4", "--host", st.just("192.0.2.1")),
        case("simulate", "fastboot"),
        common(("simulate", "fastboot"), ("--product", "FP4"), data_dir=False),
    )


def diagnose() -> S[Case]:
    # 127.0.0.1:1 refuses at once and --wait 1 bounds the rest: never a long wait.
    good = ("127.0.0.1:1", "--wait", "1")
    bad_target = st.one_of(
        undecodable, st.sampled_from(["", " ", "host:port", "h:99999", "h:-1", "a b", "x:"])
    )
    return st.one_of(
        case("diagnose", bad_target, "--wait", "1"),
        case("diagnose", *good, "--imei", st.one_of(bad_text, st.just("356938035643808"))),
        case("diagnose", "127.0.0.1:1", "--wait", bad_seconds(1, 3600)),
        case("diagnose", *good),  # a phone that is not there
        case("diagnose", *good, "--operator", bad_text),
        common(("diagnose",), good),
    )


def hub_server() -> S[Case]:
    bad_listen = st.one_of(
        bad_text, st.sampled_from(["8750", ":8750", "host:0", "[::1]:99999", "h:p"])
    )
    return st.one_of(
        case("hub", "--listen", bad_listen),
        case("hub", "--workers", bad_number(1, 64), "--listen", "127.0.0.1:1"),
        case("hub", "--db", _bad_db(), "--listen", "192.0.2.1:1"),
        common(("hub",), ("--listen", "nowhere")),
    )


def hub_init() -> S[Case]:
    return st.one_of(
        case("hub", "init", st.one_of(undecodable, st.sampled_from(["", "   ", "\t"]))),
        case("hub", "init", "Atelier de Lyon", "--db", _bad_db()),
        common(("hub", "init"), ("Atelier de Lyon",)),
    )


def hub_health() -> S[Case]:
    # Nothing answers on port 1 of this machine; other addresses are not http(s) at all.
    not_http = st.one_of(
        bad_text.filter(lambda t: not t.strip().lower().startswith("http")),
        st.sampled_from(["file:///etc/passwd", "ftp://127.0.0.1/", "http://", "http://[::1"]),
    )
    return st.one_of(
        case("hub", "health", "--url", not_http),
        case("hub", "health", "--url", "http://127.0.0.1:1/health"),
        case("hub", "health", "--url", "http://127.0.0.1:1/health", "--wait", bad_seconds(0, 3600)),
        common(("hub", "health"), ("--url", "http://127.0.0.1:1/health")),
    )


def selfcheck() -> S[Case]:
    # Only what the command line can get wrong: a damaged file of the data folder is a line
    # of the report (a warning with what to do), not a refusal.
    return st.one_of(
        case("selfcheck", st.one_of(bad_text, st.just("now"))),
        case("selfcheck", "--json", st.sampled_from(["--verbose", "-j", "--json=yes"])),
        common(("selfcheck",), ()),
    )


def _bad_db() -> S[Arg]:
    """A --db that is no hub database (never a new file: that would be a good one)."""
    files = contents("hub.sqlite3").filter(
        lambda m: (
            m.kind not in ("missing", "undecodable") and not (m.kind == "bytes" and not m.data)
        )
    )
    return st.one_of(
        st.sampled_from(["mysql://x/y", "sqlite://", "sqlite:///", "postgresql"]),
        undecodable.map(lambda t: "sqlite:///" + t),
        files.map(lambda m: replace(m, prefix="sqlite://")),
    )


def hub_enrol_code() -> S[Case]:
    return st.one_of(
        case("hub", "enrol-code", st.one_of(undecodable, st.sampled_from(["", "   ", "\t"]))),
        case("hub", "enrol-code", "Atelier de Lyon", "--valid-days", bad_number(1, 366)),
        case("hub", "enrol-code", "Atelier de Lyon", "--db", _bad_db()),
        common(("hub", "enrol-code"), ("Atelier de Lyon",)),
    )


def hub_import_bundle() -> S[Case]:
    return st.one_of(
        case("hub", "import-bundle", contents("bundle.etabli", bundle_damage)),
        case("hub", "import-bundle", seeded_damage("bundle.etabli")),
        # Whole and signed, but its station never enrolled with this hub.
        case("hub", "import-bundle", Made("seeded", "bundle.etabli", seeded="bundle.etabli")),
        case(
            "hub",
            "import-bundle",
            Made("seeded", "bundle.etabli", seeded="bundle.etabli"),
            "--db",
            _bad_db(),
        ),
        common(("hub", "import-bundle"), (Made("seeded", "b.etabli", seeded="bundle.etabli"),)),
    )


def certificate() -> S[Case]:
    return st.one_of(
        case("certificate", bad_asset, "-o", "out.pdf"),
        case("certificate", "--lot", not_a_lot, "-o", "out.pdf"),
        case("certificate", ASSET, "--lot", LOT, "-o", "out.pdf"),  # both
        case("certificate", "-o", "out.pdf"),  # neither
        case("certificate", ASSET, "-o", bad_output(".pdf")),
        with_files(("certificate",), (ASSET, "-o", "out.pdf"), SETTINGS, STATION_KEY, UNNAMED),
        with_files(("certificate",), ("--lot", LOT, "-o", "out.pdf"), UNNAMED),
        common(("certificate",), (ASSET, "-o", "out.pdf")),
    )


def verify_certificate() -> S[Case]:
    cert = Made("seeded", "certificate.pdf", seeded="certificate.pdf")
    return st.one_of(
        case("verify-certificate", contents("certificate.pdf")),
        case("verify-certificate", seeded_damage("certificate.pdf")),
        case("verify-certificate", cert, "--key", contents("other.pub")),
        case("verify-certificate", contents("certificate.pdf"), "--json"),
        with_files(("verify-certificate",), (cert,), TRUSTED),
        common(("verify-certificate",), (cert,)),
    )


def report_erasure() -> S[Case]:
    return st.one_of(
        case("report", "erasure", bad_asset, "-o", "out.json"),
        case("report", "erasure", LAPTOP, "-o", "out.json"),  # never erased
        case("report", "erasure", ASSET, "-o", bad_output(".json")),
        with_files(
            ("report", "erasure"), (ASSET, "-o", "out.json"), SETTINGS, STATION_KEY, UNNAMED
        ),
        common(("report", "erasure"), (ASSET, "-o", "out.json")),
    )


def report_lot() -> S[Case]:
    return st.one_of(
        case("report", "lot", not_a_lot, "-o", "out.pdf"),
        case("report", "lot", st.sampled_from(["%%%%%%", "______", "%"]), "-o", "out.pdf"),
        case(
            "report",
            "lot",
            LOT,
            "-o",
            st.one_of(bad_output(".pdf"), st.sampled_from(["out.txt", "out"])),
        ),
        with_files(("report", "lot"), (LOT, "-o", "out.pdf"), SETTINGS, FACTORS),
        common(("report", "lot"), (LOT, "-o", "out.pdf")),
    )


def report_handover() -> S[Case]:
    return st.one_of(
        case("report", "handover", bad_asset, "-o", "out.pdf"),
        case("report", "handover", ASSET, "-o", st.one_of(bad_output(".pdf"), st.just("out.csv"))),
        with_files(("report", "handover"), (ASSET, "-o", "out.pdf"), SETTINGS, UNNAMED),
        common(("report", "handover"), (ASSET, "-o", "out.pdf")),
    )


def report_activity() -> S[Case]:
    bad_date = st.one_of(
        bad_text, st.sampled_from(["2026-02-30", "99999-01-01", "0000-01-01", "2026-13-01"])
    )
    return st.one_of(
        case("report", "activity", "--from", bad_date, "--to", "2026-12-31", "-o", "out.csv"),
        case("report", "activity", "--from", "2026-12-31", "--to", "2026-01-01", "-o", "out.csv"),
        case(
            "report",
            "activity",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "-o",
            st.one_of(bad_output(".csv"), st.just("out.pdf")),
        ),
        with_files(
            ("report", "activity"),
            ("--from", "2026-01-01", "--to", "2026-12-31", "-o", "out.csv"),
            SETTINGS,
        ),
        common(
            ("report", "activity"), ("--from", "2026-01-01", "--to", "2026-12-31", "-o", "out.csv")
        ),
    )


def label() -> S[Case]:
    return st.one_of(
        case("label", bad_asset, "-o", "out.png"),
        case(
            "label", ASSET, "-o", st.one_of(bad_output(".png"), st.sampled_from(["out.jpg", "out"]))
        ),
        case("label", ASSET, "-o", "out.png", "--template", bad_text),
        with_files(("label",), (ASSET, "-o", "out.png"), SETTINGS, PRINTERS),
        common(("label",), (ASSET, "-o", "out.png")),
    )


def print_label() -> S[Case]:
    return st.one_of(
        case("print-label", bad_asset),
        case("print-label", ASSET, "--printer", bad_text),
        case("print-label", ASSET),  # no printer set up
        with_files(("print-label",), (ASSET,), PRINTERS, SETTINGS),
        common(("print-label",), (ASSET,)),
    )


def keys_trust() -> S[Case]:
    private = st.just(
        b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
    )
    return st.one_of(
        case("keys", "trust", contents("other.pub", private)),
        case("keys", "trust", seeded_damage("station.pub")),
        common(("keys", "trust"), (Made("seeded", "station.pub", seeded="station.pub"),)),
    )


def keys_export_public() -> S[Case]:
    return st.one_of(
        case("keys", "export-public", "-o", bad_output(".pub")),
        with_files(("keys", "export-public"), (), STATION_KEY),
        common(("keys", "export-public"), ("-o", "out.pub")),
    )


def keys_show() -> S[Case]:
    return st.one_of(
        with_files(("keys", "show"), (), TRUSTED, STATION_KEY),
        common(("keys", "show"), ()),
    )


def bundle_export() -> S[Case]:
    return st.one_of(
        case("bundle", "export", bad_output(".etabli")),
        with_files(("bundle", "export"), ("out.etabli",), STATION_KEY),
        common(("bundle", "export"), ("out.etabli",)),
    )


def bundle_import() -> S[Case]:
    return st.one_of(
        case("bundle", "import", contents("bundle.etabli", bundle_damage)),
        case("bundle", "import", seeded_damage("bundle.etabli")),
        with_files(
            ("bundle", "import"),
            (Made("seeded", "b.etabli", seeded="bundle.etabli"),),
            TRUSTED,
            STATION_KEY,
        ),
        common(("bundle", "import"), (Made("seeded", "b.etabli", seeded="bundle.etabli"),)),
    )


def enrol() -> S[Case]:
    not_http = bad_text.filter(lambda t: not t.strip().lower().startswith("http"))
    odd_urls = st.sampled_from(
        [
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
            "http://",
            "http://[::1",
            "http://127.0.0.1:99999",
            "https://:80/",
        ]
    )
    return st.one_of(
        case("enrol", st.one_of(not_http, odd_urls), "ABCD-EFGH-JKLM-NPQR"),
        # A hub that is not there (a closed port on this machine): refused at once.
        case("enrol", "http://127.0.0.1:1", bad_text),
        common(("enrol",), ("http://127.0.0.1:1", "CODE")),
    )


def sync() -> S[Case]:
    # The seeded station is not enrolled: every form must stop at once and say so.
    sync_json = data_file("sync.json", json_damage)
    return st.one_of(
        st.sampled_from([Case(("sync", "--once")), Case(("sync", "status")), Case(("sync",))]),
        case("sync", "--once", "--interval", bad_seconds(1, 86400)),
        case("sync", st.one_of(bad_text, st.just("push")).filter(lambda t: t != "status")),
        sync_json.map(lambda f: Case(("sync", "--once"), (f,))),
        sync_json.map(lambda f: Case(("sync", "status"), (f,))),
        common(("sync",), ("--once",)),
    )


def export_ereuse() -> S[Case]:
    return st.one_of(
        case("export", "ereuse", bad_asset, "-o", "out.json"),
        case("export", "ereuse", ASSET, "-o", "out.json"),  # a drive, not a computer
        case("export", "ereuse", LAPTOP, "-o", "out.json"),  # never inventoried
        case("export", "ereuse", LAPTOP, "-o", bad_output(".json")),
        common(("export", "ereuse"), (LAPTOP, "-o", "out.json")),
    )


def profiles_check() -> S[Case]:
    return st.one_of(
        case("profiles", "check", contents("fp9.yaml", yaml_damage)),
        st.lists(contents("fp9.yaml", yaml_damage), min_size=2, max_size=3).map(
            lambda ms: Case(("profiles", "check", *ms))
        ),
        common(("profiles", "check"), (Made("bytes", "fp9.yaml", b"codename: [x\n"),)),
    )


def images_import() -> S[Case]:
    return st.one_of(
        case("images", "import", specials("usb")),
        case("images", "import", Made("bytes", "usb", b"a file")),
        case("images", "import", "--accept-unchecked", Made("usb-undecodable", "usb")),
        case("images", "import", Made("usb-wrongsum", "usb")),
        st.one_of(
            garbage, st.integers(100_000, 400_000).map(lambda n: b"0" * 64 + b"  x\n" * n)
        ).map(lambda b: Case(("images", "import", Made("usb-manifest", "usb", b)))),
        with_files(("images", "import"), (Made("usb-good", "usb"),), INDEX),
        common(("images", "import"), (Made("folder", "usb"),)),
    )


def images_list() -> S[Case]:
    return st.one_of(
        with_files(("images", "list"), (), INDEX),
        with_files(("images", "list"), ("--json",), INDEX),
        common(("images", "list"), ()),
    )


def profiles_list() -> S[Case]:
    return st.one_of(
        with_files(("profiles", "list"), (), PROFILE),
        common(("profiles", "list"), ()),
    )


def events() -> S[Case]:
    return st.one_of(
        case("events", "--device", bad_asset),
        common(("events",), ()),
    )


def journey() -> S[Case]:
    return st.one_of(case("journey", bad_asset), common(("journey",), (ASSET,)))


# Text that names no seeded device: not UTF-8, empty, control characters, very long, codes
# with a typo or unknown, bare or in a label's address, words no device has.
unmatched_search = st.one_of(
    undecodable,
    long_text,
    control_text,
    st.just(""),
    st.sampled_from(
        ["ABCD-2345-X", "ZZZZ-9999-9", "zzq-nothing-here", "https://verif.example.org/ABCD-2345-Z"]
    ),
)


def search() -> S[Case]:
    return st.one_of(case("search", unmatched_search), common(("search",), ("zzq-nothing-here",)))


def lots_list() -> S[Case]:
    return st.one_of(
        with_files(("lots",), (), SETTINGS),
        case("lots", bad_text.filter(lambda t: t[:1] != "-" and t.strip() != "")),
        common(("lots",), ()),
    )


def lot_page() -> S[Case]:
    return st.one_of(
        case("lot", not_a_lot),
        case("lot", st.sampled_from(["%%%%%%", "______", "%"])),
        case("lot", not_a_lot, "--json"),
        with_files(("lot",), (LOT,), SETTINGS),
        common(("lot",), (LOT,)),
    )


def outcome() -> S[Case]:
    kinds = st.sampled_from(["reuse", "loan", "rental", "sale", "parts", "recycling"])
    bad_due = st.one_of(undecodable, st.sampled_from(["", "2020-01-01", "demain", "31/12/2099"]))
    bad_price = st.one_of(undecodable, st.sampled_from(["", "-1", "nan", "12.345", "1e3", "€"]))
    return st.one_of(
        case("outcome", bad_asset, kinds),
        case("outcome", ASSET, st.one_of(bad_text, st.just("donation"))),
        # The seeded laptop was never erased: it goes to no one.
        case("outcome", LAPTOP, "reuse", "--beneficiary", "B-12"),
        case("outcome", LAPTOP, "sale", "--price", "40"),
        case("outcome", ASSET, "recycling", "--reference", st.sampled_from(["", "  "])),
        case("outcome", ASSET, "loan", "--beneficiary", "B-12", "--due", bad_due),
        case("outcome", ASSET, st.sampled_from(["reuse", "loan", "rental"])),  # no beneficiary
        case("outcome", ASSET, "sale", "--price", bad_price),
        case("outcome", ASSET, "parts", "--note", undecodable),
        case("outcome", ASSET, "sale", "--price", "40", "--receipt", st.sampled_from(["", " "])),
        case("outcome", ASSET, "rental", "--beneficiary", "B-12", "--months", bad_months),
        case("outcome", ASSET, "rental", "--beneficiary", "B-12"),  # no term
        case("outcome", ASSET, "parts", st.sampled_from(["--part", "--to"]), "écran"),  # half
        case("outcome", ASSET, "parts", "--part", "écran", "--to", bad_asset),
        case("outcome", ASSET, "parts", "--part", "écran", "--to", ASSET),  # itself
        case("outcome", ASSET, "recycling", "--reference", "ECO-1", "--weight", bad_weight),
        case(
            "outcome",
            ASSET,
            "loan",
            "--beneficiary",
            "B-12",
            "--due",
            "2099-01-01",
            "--signature",
            not_a_picture,
        ),
        # A supervisor named but no PIN to be had: refused before anything is opened.
        case(
            "outcome",
            ASSET,
            "recycling",
            "--reference",
            "ECO-1",
            "--supervisor",
            st.one_of(st.sampled_from(["Nadia", "x"]), undecodable),
        ),
        common(("outcome",), (ASSET, "recycling")),
    )


# A file number that cannot be recorded: empty, blank, too long, with a control character.
bad_reference: S[str] = st.one_of(
    st.sampled_from(["", "   ", "DOS\n1", "\x7f", "R" * 41]), long_text, control_text
)
# Any file number but the seeded person's: unknown here, or not a file number at all.
not_on_record: S[str] = bad_text.filter(lambda t: t.strip() != SEEDED_BENEFICIARY)
bad_field: S[str] = st.one_of(long_text, control_text.filter(str.strip), st.just("a\x1b[31m"))


def beneficiary_add() -> S[Case]:
    field = st.sampled_from(["--name", "--structure", "--contact"])
    return st.one_of(
        case("beneficiary", "add", bad_reference),
        case("beneficiary", "add", SEEDED_BENEFICIARY),  # already on record
        case("beneficiary", "add", "DOS-NEW-1", field, bad_field),
        case("beneficiary", "add", "DOS-NEW-2", field, undecodable),
        with_files(("beneficiary", "add"), ("DOS-NEW-3",), SETTINGS),
        common(("beneficiary", "add"), ("DOS-NEW-4",)),
    )


def beneficiary_export() -> S[Case]:
    return st.one_of(
        case("beneficiary", "export", not_on_record),
        case("beneficiary", "export", not_on_record, "--out", "person.json"),
        case("beneficiary", "export", SEEDED_BENEFICIARY, "--out", bad_output(".json")),
        common(("beneficiary", "export"), (SEEDED_BENEFICIARY,)),
    )


def beneficiary_forget() -> S[Case]:
    return st.one_of(
        case("beneficiary", "forget", not_on_record),
        case("beneficiary", "forget", SEEDED_BENEFICIARY, "--supervisor", undecodable),
        with_files(("beneficiary", "forget"), (SEEDED_BENEFICIARY,), SETTINGS),
        common(("beneficiary", "forget"), (SEEDED_BENEFICIARY,)),
    )


bad_months = st.one_of(
    undecodable, st.sampled_from(["0", "61", "-1", "1.5", "douze", " ", "１２"]), huge_numbers
)
bad_weight = st.one_of(
    undecodable, st.sampled_from(["0", "-1", "lourd", "nan", "inf", "1,2345", "1e3"]), huge_numbers
)
# Where the photo of a signed sheet is expected: no file, or a file that is no PNG or JPEG.
not_a_picture: S[Made] = st.one_of(
    specials("fiche.png"),
    st.builds(
        Made,
        st.just("bytes"),
        st.just("fiche.png"),
        garbage.filter(lambda b: not b.startswith((b"\x89PNG", b"\xff\xd8\xff"))),
    ),
)


def loans() -> S[Case]:
    return st.one_of(
        case("loans", "--due-within", bad_number(0, 3650)),
        case("loans", "--overdue", "--due-within", st.one_of(negative_numbers, odd_numbers)),
        common(("loans",), ()),
    )


def return_() -> S[Case]:
    bad_state = st.one_of(undecodable, st.sampled_from(["", "bon", "cassé", "GOOD"]))
    return st.one_of(
        case("return", bad_asset, "--condition", "bon état"),
        case("return", ASSET, "--condition", "bon état"),  # not lent: nothing to close
        case("return", LAPTOP, "--condition", "bon état", "--state", "good"),
        case("return", ASSET, "--condition", st.sampled_from(["", "  ", "\t"])),
        case("return", ASSET, "--condition", undecodable),
        case("return", ASSET),  # no condition
        case("return", ASSET, "--condition", "rayé", "--state", bad_state),
        common(("return",), (ASSET, "--condition", "bon état")),
    )


def loan_sign() -> S[Case]:
    """Nothing is out on the seeded devices: a sheet to sign is refused, as is a bad code or
    a file that is no picture (read first: nothing kept)."""
    return st.one_of(
        case("loan-sign", bad_asset),
        case("loan-sign", st.sampled_from([ASSET, LAPTOP])),  # not lent
        case("loan-sign", ASSET, "--signature", not_a_picture),
        case("loan-sign", ASSET, "--signature", undecodable),
        common(("loan-sign",), (ASSET,)),
    )


def loan_pay() -> S[Case]:
    bad_amount = st.one_of(
        undecodable, st.sampled_from(["0", "-5", "dix", "1e3", "nan", "12,345", ""]), huge_numbers
    )
    bad_day = st.one_of(undecodable, st.sampled_from(["2026-02-30", "demain", "2999-01-01"]))
    return st.one_of(
        case("loan-pay", bad_asset, "--amount", "12", "--receipt", "R-1"),
        case("loan-pay", ASSET, "--amount", "12", "--receipt", "R-1"),  # not rented
        case("loan-pay", ASSET, "--amount", bad_amount, "--receipt", "R-1"),
        case("loan-pay", ASSET, "--amount", "12", "--receipt", st.one_of(bad_text, st.just(" "))),
        case("loan-pay", ASSET, "--amount", "12", "--receipt", "R-1", "--on", bad_day),
        case("loan-pay", ASSET, "--amount", "12", "--receipt", "R-1", "--months", bad_months),
        case("loan-pay", ASSET, "--amount", "12"),  # no receipt
        common(("loan-pay",), (ASSET, "--amount", "12", "--receipt", "R-1")),
    )


def give_part() -> S[Case]:
    """The seeded devices are not kept for parts: every part is refused, as is a bad code."""
    return st.one_of(
        case("give-part", bad_asset, "--part", "écran", "--to", LAPTOP),
        case("give-part", ASSET, "--part", "écran", "--to", LAPTOP),  # not kept for parts
        case("give-part", ASSET, "--part", bad_text, "--to", LAPTOP),
        case("give-part", ASSET, "--part", "écran", "--to", bad_asset),
        case("give-part", ASSET, "--part", "écran"),  # to no device
        common(("give-part",), (ASSET, "--part", "écran", "--to", LAPTOP)),
    )


def parts() -> S[Case]:
    return st.one_of(case("parts", bad_asset), common(("parts",), (ASSET,)))


def override_check() -> S[Case]:
    """No approval, no PIN (no terminal, no $ETABLI_SUPERVISOR_PIN), or a device whose
    check never failed: nothing is recorded."""
    supervisor = st.one_of(st.sampled_from(["Nadia", "x", "--reason"]), undecodable)
    return st.one_of(
        case("override-check", bad_asset),
        case("override-check", st.sampled_from([ASSET, LAPTOP])),
        case("override-check", ASSET, "--supervisor", supervisor, "--reason", "batterie"),
        case("override-check", LAPTOP, "--supervisor", "Nadia", "--reason", bad_text),
        case("override-check", ASSET, "--reason", bad_text),
        common(("override-check",), (ASSET,)),
    )


def phone_job(command: str) -> Callable[[], S[Case]]:
    """`wipe` and `install`: refused before any phone is reached, or on a phone that is
    not there (127.0.0.1:1 refuses at once and --wait 1 bounds the rest)."""
    bad_target = st.one_of(
        undecodable, st.sampled_from(["", " ", "host:port", "h:99999", "h:-1", "a b", "x:"])
    )
    extra = ("--system", "eos") if command == "install" else ()
    good = ("127.0.0.1:1", "--wait", "1", *extra)
    shapes = [
        case(command, bad_target, "--wait", "1", *extra),
        case(command, bad_asset.filter(lambda t: ":" not in t), "--wait", "1", *extra),
        case(command, st.sampled_from([ASSET, LAPTOP]), "--wait", "1", *extra),  # not phones
        case(command, "127.0.0.1:1", "--wait", bad_seconds(1, 3600), *extra),
        case(command, *good),  # a phone that is not there
        case(command, *good, "--fastboot", bad_target),
        case(command, *good, "--adb", bad_target),
        common((command,), good),
    ]
    if command == "wipe":
        shapes.append(case(command, *good, "--route", bad_text))
    else:
        shapes.append(case(command, "127.0.0.1:1", "--wait", "1"))  # no --system
        shapes.append(case(command, st.sampled_from([ASSET, LAPTOP]), "--skip", "raison"))
        shapes.append(case(command, st.sampled_from([ASSET, LAPTOP]), "--skip", st.just("  ")))
    return lambda: st.one_of(*shapes)


def settings_show(command: tuple[str, ...]) -> Callable[[], S[Case]]:
    """`settings` and `settings show`: only a damaged settings file or a bad option is refused."""
    return lambda: st.one_of(
        with_files(command, (), SETTINGS),
        with_files(command, ("--json",), SETTINGS),
        case(*command, bad_text.filter(lambda t: t not in ("show", "set") and t[:1] != "-")),
        common(command, ()),
    )


def settings_set() -> S[Case]:
    keys = st.sampled_from(["organisation", "station_name", "organisation_contact"])
    bad_key = st.one_of(
        bad_text, st.sampled_from(["operators", "colour", "Organisation", "pin_hash"])
    )
    return st.one_of(
        case("settings", "set", bad_key, "Ressourcerie"),
        case("settings", "set", keys, st.one_of(long_text, control_text.filter(str.strip))),
        case("settings", "set", "language", st.one_of(bad_text, st.just("de"))),
        case("settings", "set", "warranty_months", bad_number(0, 120)),
        case("settings", "set", "max_parallel_jobs", bad_number(1, 64)),
        case("settings", "set", "beneficiary_retention_months", bad_number(1, 120)),
        case(
            "settings",
            "set",
            "share_beneficiary_data",
            st.one_of(
                undecodable,
                st.sampled_from(["", "peut-être", "2", "vrai?", "oui non", "ouii"]),
            ),
        ),
        case("settings", "set", "erase_checkpoint_seconds", bad_seconds(0.01, 600)),
        case("settings", "set", "verification_url", st.sampled_from(["ftp://x", "verif", "a b"])),
        case("settings", "set", "theme", st.sampled_from(["sombre", "dark", "", "contraste!"])),
        case("settings", "set", "text_size", st.sampled_from(["110", "99", "200", "grand", ""])),
        case("settings", "set", "organisation"),  # no value
        with_files(("settings", "set"), ("organisation", "Ressourcerie"), SETTINGS),
        common(("settings", "set"), ("organisation", "Ressourcerie")),
    )


def simple(*command: str) -> Callable[[], S[Case]]:
    """Commands with no input but their options and the data folder."""
    return lambda: common(tuple(command), ())


STRATEGIES: dict[tuple[str, ...], Callable[[], S[Case]]] = {
    (): root,
    ("gui",): gui,
    ("devices",): simple("devices"),
    ("events",): events,
    ("db", "check"): simple("db", "check"),
    # The package's self-check takes no option at all.
    # Only refusals: a good set of options would serve on its socket until stopped.
    ("erase-helper",): lambda: st.one_of(
        st.sampled_from(
            [
                ("--no-such-option",),
                ("--gid", "x"),
                ("--gid",),
                ("--socket",),
                ("--idle-exit", "soon"),
                ("--group", "groupe-inexistant-zz", "--socket", "/nonexistent/erase.sock"),
            ]
        ).map(lambda o: Case(("erase-helper", *o))),
        undecodable.map(lambda t: Case(("erase-helper", "--gid", t))),
    ),
    ("build-check",): lambda: st.one_of(
        st.sampled_from(["--no-such-option", "x", "--data-dir", "--lang=fr"]).map(
            lambda o: Case(("build-check", o))
        ),
        undecodable.map(lambda t: Case(("build-check", t))),
    ),
    ("simulate", "phone"): simulate_phone,
    ("simulate", "fastboot"): simulate_fastboot,
    ("simulate", "handset"): simulate_handset,
    ("simulate", "iphone"): simulate_iphone,
    ("batch", "wipe-install"): batch_wipe_install,
    ("diagnose",): diagnose,
    ("drives",): simple("drives"),
    ("inventory",): lambda: st.one_of(
        st.just(Case(("inventory",))),  # --this-machine is required
        common(("inventory",), ("--this-machine",)),
    ),
    ("erase",): erase,
    ("agent",): agent,
    ("laptops",): laptops,
    ("pair",): pair,
    ("laptop-erase",): laptop_erase,
    ("laptop-image",): laptop_image,
    ("stick-prepare",): stick_prepare,
    ("laptop-check",): laptop_check,
    ("profiles", "check"): profiles_check,
    ("profiles", "list"): profiles_list,
    ("profiles", "pictures"): simple("profiles", "pictures"),
    ("images", "import"): images_import,
    ("images", "list"): images_list,
    ("certificate",): certificate,
    ("verify-certificate",): verify_certificate,
    ("report", "erasure"): report_erasure,
    ("report", "lot"): report_lot,
    ("report", "handover"): report_handover,
    ("report", "activity"): report_activity,
    ("keys", "export-public"): keys_export_public,
    ("keys", "trust"): keys_trust,
    ("keys", "show"): keys_show,
    ("label",): label,
    ("print-label",): print_label,
    ("write-image",): write_image,
    ("export", "ereuse"): export_ereuse,
    ("hub",): hub_server,
    ("hub", "enrol-code"): hub_enrol_code,
    ("hub", "import-bundle"): hub_import_bundle,
    ("hub", "init"): hub_init,
    ("hub", "health"): hub_health,
    ("selfcheck",): selfcheck,
    ("bundle", "export"): bundle_export,
    ("bundle", "import"): bundle_import,
    ("enrol",): enrol,
    ("sync",): sync,
    ("journey",): journey,
    ("search",): search,
    ("lots",): lots_list,
    ("lot",): lot_page,
    ("outcome",): outcome,
    ("beneficiary", "add"): beneficiary_add,
    ("beneficiary", "list"): lambda: st.one_of(
        common(("beneficiary", "list"), ()), common(("beneficiary", "list"), ("--json",))
    ),
    ("beneficiary", "export"): beneficiary_export,
    ("beneficiary", "forget"): beneficiary_forget,
    ("beneficiary", "purge"): lambda: st.one_of(
        with_files(("beneficiary", "purge"), (), SETTINGS), common(("beneficiary", "purge"), ())
    ),
    ("loans",): loans,
    ("return",): return_,
    ("loan-sign",): loan_sign,
    ("loan-pay",): loan_pay,
    ("give-part",): give_part,
    ("parts",): parts,
    ("override-check",): override_check,
    ("wipe",): phone_job("wipe"),
    ("install",): phone_job("install"),
    ("settings",): settings_show(("settings",)),
    ("settings", "show"): settings_show(("settings", "show")),
    ("settings", "set"): settings_set,
}
