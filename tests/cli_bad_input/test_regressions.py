"""The tracebacks fault tests found, each now a plain refusal (or handled), as real processes:
special files read without blocking and within bounds, names that are not UTF-8, a 50,000
deep YAML, a huge --valid-days, a garbage hub database, a 3,000-character operator on a
certificate."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.store.database import DB_NAME
from tests.cli_bad_input.cases import alias_bomb, deep_yaml
from tests.cli_bad_input.conftest import CLI, child_env, db_check, stored_events
from tests.devices_drives.conftest import make_image

MiB = 1 << 20
QUICK_S = 30  # far more than any refusal takes; a blocked read never ends


@pytest.fixture
def env(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return child_env(data_dir, home)


def etabli(
    env: dict[str, str], *argv: str | bytes, timeout: float = QUICK_S
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *argv], env=env, capture_output=True, timeout=timeout, check=False)
    out, err = (s.decode("utf-8", "replace") for s in (done.stdout, done.stderr))
    assert "Traceback" not in out + err, out + err
    return subprocess.CompletedProcess(done.args, done.returncode, out, err)


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "certificate.pdf"
    os.mkfifo(path)
    yield path


# -- special files and sizes -----------------------------------------------------------------


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_verify_certificate_refuses_special_files_at_once(
    special: str, tmp_path: Path, fifo: Path, env: dict[str, str]
) -> None:
    target = {"/dev/zero": "/dev/zero", "fifo": str(fifo), "folder": str(tmp_path)}[special]
    done = etabli(env, "verify-certificate", target, "--lang", "en")
    assert done.returncode == 1
    kind = {
        "/dev/zero": "it is a device",
        "fifo": "it is a pipe (FIFO)",
        "folder": "it is a folder",
    }
    assert f"NOT VALID: {target} is not an Établi erasure certificate: {kind[special]}" in (
        done.stderr
    )


def test_a_fifo_with_a_writer_waiting_is_still_refused_unread(
    fifo: Path, env: dict[str, str]
) -> None:
    """Even with a writer holding the FIFO open, nothing is read from it."""
    writer_opened = threading.Event()

    def write() -> None:
        # The command closes the FIFO unread: the write, or the flush when the file closes,
        # meets a broken pipe.
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as w:
            writer_opened.set()  # open() blocked until the command opened it for reading
            w.write(b"%PDF-1.7" + b"x" * 65536)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    done = etabli(env, "verify-certificate", str(fifo), "--lang", "en")
    assert done.returncode == 1 and "pipe (FIFO)" in done.stderr
    if not writer_opened.is_set():  # unblock the writer if the command never opened it
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    thread.join(QUICK_S)
    assert not thread.is_alive()


def test_a_certificate_far_too_large_is_refused_without_reading_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    huge = tmp_path / "huge.pdf"
    with open(huge, "wb") as f:
        f.truncate(8 << 30)  # sparse: announced 8 GiB, costs no disk
    done = etabli(env, "verify-certificate", str(huge), "--lang", "en")
    assert done.returncode == 1
    assert f"NOT VALID: {huge} is far too large to be an Établi certificate" in done.stderr


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (("keys", "trust"), "other.pub"),
        (("bundle", "import"), "bundle.etabli"),
        (("hub", "import-bundle"), "bundle.etabli"),
        (("profiles", "check"), "fp9.yaml"),
    ],
)
def test_every_input_file_is_bounded_and_refuses_special_files(
    argv: tuple[str, ...], name: str, tmp_path: Path, env: dict[str, str]
) -> None:
    huge = tmp_path / name
    with open(huge, "wb") as f:
        f.truncate(8 << 30)
    for path in (str(huge), "/dev/zero"):
        done = etabli(env, *argv, path, "--lang", "en")
        assert done.returncode in (1, 2), done
        assert ("far too large" in done.stderr + done.stdout) or path == "/dev/zero", done
        assert ("it is a device" in done.stderr + done.stdout) or path != "/dev/zero", done


@pytest.mark.parametrize("name", ["settings.json", "printers.json"])
def test_data_folder_files_deeply_nested_or_special_are_refused(
    name: str, data_dir: Path, env: dict[str, str], tmp_path: Path
) -> None:
    data_dir.mkdir(parents=True)
    target = data_dir / name
    target.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    done = etabli(env, "label", "ABCD-2345-X", "-o", str(tmp_path / "x.png"), "--lang", "en")
    assert done.returncode == 2 and "nested too deeply" in done.stderr
    target.unlink()
    os.mkfifo(target)
    done = etabli(env, "label", "ABCD-2345-X", "-o", str(tmp_path / "x.png"), "--lang", "en")
    assert done.returncode == 2 and "pipe (FIFO)" in done.stderr


# -- names that are not UTF-8 ----------------------------------------------------------------


def test_an_operator_name_that_is_not_utf8_is_recorded_with_replacement_characters(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    image = make_image(tmp_path / "disk-OPER.img", 2 * MiB)
    env = {**env, "ETABLI_OPERATOR": os.fsdecode(b"Ren\xe9e\x1b[31m")}
    done = etabli(
        env, "erase", str(image), "--method", "clear-zero", "--confirm-serial", "OPER", timeout=120
    )
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        operators = {r[0] for r in conn.execute("SELECT DISTINCT operator FROM events")}
    finally:
        conn.close()
    assert operators == {"Ren\ufffde[31m"}  # the byte shown as U+FFFD, the escape dropped
    assert db_check(data_dir)[0] == 0


def test_an_image_named_with_bytes_that_are_not_utf8_is_refused_untouched(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    raw = os.fsencode(tmp_path) + b"/disk-\xff\xfe.img"
    before = os.urandom(MiB)
    with open(raw, "wb") as f:
        f.write(before)
    name = os.fsdecode(raw)
    done = etabli(env, "erase", name, "--method", "clear-zero", "--confirm-serial", name[-6:])
    assert done.returncode == 2
    assert (
        "contient des caractères illisibles" in done.stderr
        and "disk-\ufffd\ufffd.img" in done.stderr
    )
    assert Path(name).read_bytes() == before
    assert not (data_dir / DB_NAME).exists()  # refused before the station even opened


def test_a_confirmation_that_is_not_utf8_is_refused_before_anything(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    image = make_image(tmp_path / "disk-CONF.img", MiB)
    before = image.read_bytes()
    confirm = os.fsdecode(b"CO\xffNF")
    done = etabli(
        env,
        "erase",
        str(image),
        "--method",
        "clear-zero",
        "--confirm-serial",
        confirm,
        "--lang",
        "en",
    )
    assert done.returncode == 2 and "unreadable characters" in done.stderr
    assert image.read_bytes() == before


def test_a_workshop_name_that_is_not_utf8_is_refused_and_nothing_stored(
    data_dir: Path, env: dict[str, str]
) -> None:
    done = etabli(env, "hub", "enrol-code", os.fsdecode(b"Atelier \xe9t\xe9"), "--lang", "en")
    assert done.returncode == 2 and "“Atelier \ufffdt\ufffd” contains unreadable" in done.stderr
    assert not (data_dir / "etabli-hub.sqlite3").exists()


def test_images_import_refuses_a_name_that_is_not_utf8_and_leaves_nothing_behind(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "good.img").write_bytes(b"good" * 1024)
    with open(os.fsencode(usb) + b"/bad-\xff.img", "wb") as f:
        f.write(b"bad" * 1024)
    done = etabli(env, "images", "import", str(usb), "--accept-unchecked", "--lang", "en")
    assert done.returncode == 1
    assert "imported: good.img" in done.stdout
    assert "REFUSED" in done.stderr and "bad-\ufffd.img" in done.stderr
    library = data_dir / "images"
    stored = sorted(p.relative_to(library).as_posix() for p in library.rglob("*") if p.is_file())
    assert [p for p in stored if p.startswith("files/")] == [
        p for p in stored if p.startswith("files/") and p.endswith("/good.img")
    ]
    assert len([p for p in stored if p.startswith("files/")]) == 1
    assert not [p for p in stored if p.endswith((".tmp", ".part"))]
    listing = etabli(env, "images", "list", "--json")
    assert listing.returncode == 0 and "good.img" in listing.stdout and "bad-" not in listing.stdout


def test_a_manifest_far_too_large_is_refused_and_its_images_stay_out(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "lineage.zip").write_bytes(b"rom" * 1024)
    with open(usb / "SHA256SUMS", "wb") as f:
        f.truncate(8 << 30)
    done = etabli(env, "images", "import", str(usb), "--lang", "en")
    assert done.returncode == 1
    assert "SHA256SUMS is far too large" in done.stderr
    assert "lineage.zip" in done.stderr  # no checksum known for it: refused too
    assert not (data_dir / "images" / "files").exists()


def test_an_image_the_index_cannot_take_is_taken_back(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    """When the library's index cannot be written, the copy just made does not stay as an
    orphan nobody sees."""
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "good.img").write_bytes(b"good" * 1024)
    index = data_dir / "images" / "index.json"
    index.parent.mkdir(parents=True)
    os.mkfifo(index)
    done = etabli(env, "images", "import", str(usb), "--accept-unchecked", "--lang", "en")
    assert done.returncode == 1 and "pipe (FIFO)" in done.stderr
    assert not [p for p in (data_dir / "images").rglob("*") if p.is_file() and p.name != ".lock"]


# -- other tracebacks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (deep_yaml(50_000), "nested more than 64 levels deep"),
        (alias_bomb(9), "more than 100000 values once its aliases are expanded"),
    ],
)
def test_profiles_check_refuses_deep_and_exploding_yaml(
    content: bytes, problem: str, tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "fp9.yaml"
    path.write_bytes(content)
    done = etabli(env, "profiles", "check", str(path), "--lang", "en")
    assert done.returncode == 1
    assert f"{path}:" in done.stderr and problem in done.stderr


@pytest.mark.parametrize("days", ["99999999999", "367", "0", "-5"])
def test_hub_enrol_code_refuses_impossible_validity(
    days: str, data_dir: Path, env: dict[str, str]
) -> None:
    done = etabli(env, "hub", "enrol-code", "Atelier", "--valid-days", days, "--lang", "en")
    assert done.returncode == 2
    assert (
        f"Impossible validity: {days} day(s). Give a number of days from 1 to 366." in done.stderr
    )


def test_hub_refuses_a_database_that_is_not_one_and_leaves_it_alone(
    tmp_path: Path, env: dict[str, str]
) -> None:
    for content in (b"garbage, not a database" * 100, b"\x00"):
        garbage = tmp_path / "hub.db"
        garbage.write_bytes(content)
        done = etabli(
            env, "hub", "enrol-code", "Atelier", "--db", f"sqlite://{garbage}", "--lang", "en"
        )
        assert done.returncode == 2
        assert f"The hub's database {garbage} cannot be read" in done.stderr
        assert garbage.read_bytes() == content


def test_a_3000_character_operator_still_gets_a_certificate_that_verifies(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    """Long values are shortened with an ellipsis on the page (the signed data keeps them
    whole); the page is rendered and read back."""
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftoppm, pdftotext) is needed: see packaging/bootstrap.py")
    from bench_app.settings import Settings

    Settings(organisation="Ressourcerie " * 250, station_name="Poste " * 500).save(data_dir)
    serial = "S" * 240  # one long word, as a file name can be
    image = make_image(tmp_path / f"{serial}.img", 2 * MiB)
    long_env = {**env, "ETABLI_OPERATOR": "Opératrice Camille " * 160}
    done = etabli(
        long_env, "erase", str(image), "--method", "clear-zero", "--confirm-serial", "SSSS",
        "--json", timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    asset = __import__("json").loads(done.stdout)["asset_code"]
    pdf = tmp_path / "long.pdf"
    done = etabli(env, "certificate", asset, "-o", str(pdf), "--lang", "en", timeout=120)
    assert done.returncode == 0, done.stderr
    verified = etabli(env, "verify-certificate", str(pdf), "--lang", "en", timeout=120)
    assert verified.returncode == 0 and "ERASED AND VERIFIED" in verified.stdout, verified.stderr
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Opératrice Camille" in text and "…" in text
    assert "Ressourcerie Ressourcerie" in text
    pages = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")],
        capture_output=True,
        check=True,
    )
    assert pages.returncode == 0
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(pngs) <= 3
    from PIL import Image

    first = Image.open(pngs[0]).convert("L")
    # Ink on the page, and none of it past the right margin: long words were wrapped.
    darkest, _ = first.getextrema()
    assert isinstance(darkest, int) and darkest < 100
    margin = first.crop((int(first.width * 0.97), 0, first.width, first.height))
    margin_darkest, _ = margin.getextrema()
    assert isinstance(margin_darkest, int) and margin_darkest > 200
    assert db_check(data_dir)[0] == 0
    assert stored_events(data_dir)
