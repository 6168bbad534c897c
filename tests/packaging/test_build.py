"""The packaged app, built for real by `python3 packaging/build.py` into a temporary folder
(25 to 40 s on two cores: it stays in the default test run), then: its build-check offscreen,
its window on a real X server, every data file of the source tree inside it, database
upgrades and refusals by the built program, and install.sh / uninstall.sh run into a fake
root."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import pytest

from bench_app.devices.drives.erase_helper import EraseHelperClient
from bench_app.domain.model import DeviceKind
from bench_app.station import Station
from bench_app.store.database import DB_NAME
from bench_app.store.migrations import LATEST_VERSION
from tests.system.desktop import Desktop

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
DUMPS = ROOT / "tests" / "data" / "databases"
CHECKS = (
    "assets",
    "grading",
    "profiles",
    "simulators",
    "translations",
    "documents",
    "libraries",
    "commands",
    "station",
)
HELPER_UNITS = ("etabli-erase-helper.socket", "etabli-erase-helper.service")
# The source folders whose every file the app may read at run time, and where they land.
DATA_FOLDERS = (
    "assets",
    "device_profiles",
    "bench_app/simulators/adb_phone/personas",
    "bench_app/simulators/drive_firmware/answers",
)

pytestmark = pytest.mark.slow


def _load_build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("etabli_build", PACKAGING / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of a workshop's session: no source tree on the path, its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ETABLI_"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(home / "share"))
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The app built by the documented command into a temporary folder, and its output."""
    base = tmp_path_factory.mktemp("build")
    done = subprocess.run(
        [
            sys.executable,
            str(PACKAGING / "build.py"),
            "--dist",
            str(base / "dist"),
            "--work",
            str(base / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return base / "dist" / "etabli", done.stdout


def _run(app: Path, *argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(app / "etabli"), *argv],
        env=_clean_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_build_checks_itself_offscreen(built: tuple[Path, str], tmp_path: Path) -> None:
    app, output = built
    assert "build-check passed (packaged)" in output  # build.py refuses a build that fails it
    done = _run(app, "build-check", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name in CHECKS:
        assert any(line.startswith(f"OK    {name}:") for line in lines), (name, done.stdout)
    assert "FAIL" not in done.stdout
    assert "Traceback" not in done.stderr
    # It read the build's own copies, not the source tree's.
    assert f"pictures in {app / '_internal' / 'assets'}" in done.stdout
    assert "(packaged)" in lines[-1]
    # The temporary database was removed, the session's data folder never made.
    assert not (tmp_path / "share" / "etabli").exists()


def test_the_build_carries_every_data_file_and_no_test_tool(built: tuple[Path, str]) -> None:
    app, _ = built
    internal = app / "_internal"
    tracked = subprocess.run(
        ["git", "ls-files", *DATA_FOLDERS], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 100
    missing = [name for name in tracked if not (internal / name).is_file()]
    assert missing == []
    for scenario in (ROOT / "bench_app" / "simulators" / "scenarios").glob("*.toml"):
        assert (internal / scenario.relative_to(ROOT)).is_file(), scenario.name
    for lang in ("fr", "en"):
        assert (internal / "ui" / "i18n" / f"etabli_{lang}.qm").stat().st_size > 1000
    # Qt's own French, for its dialogs (the folder chooser), beside PySide6's libraries.
    assert (internal / "PySide6" / "Qt" / "translations" / "qtbase_fr.qm").stat().st_size > 1000
    for tool in ("pytest", "_pytest", "hypothesis", "mypy"):
        assert not (internal / tool).exists(), tool


def _v2_station(folder: Path) -> None:
    folder.mkdir(parents=True)
    raw = sqlite3.connect(folder / DB_NAME)
    try:
        raw.executescript((DUMPS / "v2.sql").read_text(encoding="utf-8"))
    finally:
        raw.close()


def test_the_built_app_upgrades_an_older_database_after_a_backup(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    app, _ = built
    folder = tmp_path / "data"
    _v2_station(folder)
    before = sqlite3.connect(folder / DB_NAME)
    try:
        codes = {
            json.loads(p)["asset_code"]
            for (p,) in before.execute("SELECT payload FROM events WHERE type='device.registered'")
        }
    finally:
        before.close()
    assert codes
    done = _run(app, "devices", "--json", "--data-dir", str(folder), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {d["asset_code"] for d in json.loads(done.stdout)} == codes
    backup = folder / f"{DB_NAME}.v2.bak"
    assert backup.is_file()
    for path, version in ((backup, 2), (folder / DB_NAME, LATEST_VERSION)):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        finally:
            conn.close()
        assert int(found[0]) == version, path
    check = _run(app, "db", "check", "--data-dir", str(folder), home=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_built_app_refuses_a_newer_database_plainly(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    app, _ = built
    folder = tmp_path / "data"
    station = Station(folder, operator="future")
    try:
        station.register_device(DeviceKind.LAPTOP, serial="FUTURE-1")
    finally:
        station.close()
    raw = sqlite3.connect(folder / DB_NAME)
    try:  # what a later version's migration would leave
        raw.execute("CREATE TABLE later_feature (id TEXT)")
        raw.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(LATEST_VERSION + 1),)
        )
        raw.commit()
    finally:
        raw.close()
    before = (folder / DB_NAME).read_bytes()
    said = (
        ("fr", "plus récente", "Installez la dernière version"),
        ("en", "newer Établi", "Install the latest Établi"),
    )
    for lang, what, to_do in said:
        done = _run(app, "devices", "--data-dir", str(folder), "--lang", lang, home=tmp_path)
        assert done.returncode == 2
        assert what in done.stderr and to_do in done.stderr
        assert str(LATEST_VERSION + 1) in done.stderr
        assert "Traceback" not in done.stderr
    assert (folder / DB_NAME).read_bytes() == before
    assert not list(folder.glob("*.bak"))


def test_the_built_window_opens_on_a_real_x_server(built: tuple[Path, str], tmp_path: Path) -> None:
    """What a workshop gets: the xcb platform plugin and its libraries from the bundle, the
    training class playing its first scenario; a polite SIGTERM closes it with exit 0."""
    app, _ = built
    desktop = Desktop(1366, 768)
    ui_map = tmp_path / "ui-map.json"
    log = tmp_path / "etabli.log"
    env = {
        **_clean_env(tmp_path),
        "DISPLAY": desktop.display,
        "QT_QPA_PLATFORM": "xcb",
        "ETABLI_UI_MAP": str(ui_map),
    }
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(app / "etabli"), "--training", "--data-dir", str(tmp_path / "data")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            titles = _wait_for_windows(process, ui_map, log)
            assert any(t.startswith("Établi") for t in titles), titles
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log.read_text()[-3000:]
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            desktop.stop()
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert "Could not load the Qt platform plugin" not in text


def _wait_for_windows(process: subprocess.Popen[bytes], ui_map: Path, log: Path) -> list[str]:
    """The titles of the windows the app lists in its widget map, once it has written one."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"etabli stopped (exit {process.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            windows = json.loads(ui_map.read_text(encoding="utf-8"))["windows"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            windows = []
        if windows:
            return [str(w.get("title", "")) for w in windows]
        time.sleep(0.1)
    raise AssertionError(f"no window within 90 s:\n{log.read_text()[-3000:]}")


def _deb(folder: Path, name: str) -> Path:
    """A real, empty .deb package named `name`."""
    tree = folder / name
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <t@example.org>\n"
        "Description: test package\n",
        encoding="utf-8",
    )
    subprocess.run(
        ["dpkg-deb", "--build", str(tree), str(folder / f"{name}.deb")],
        capture_output=True,
        check=True,
    )
    return folder / f"{name}.deb"


def _fake_root(root: Path) -> None:
    """The files of a fresh system install.sh reads and writes: users, groups, dpkg's status."""
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\natelier:x:1000:1000:Atelier:/home/atelier:/bin/bash\n"
    )
    (root / "etc" / "group").write_text("root:x:0:\natelier:x:1000:\n")
    (root / "etc" / "shadow").write_text(
        "root:*:19000:0:99999:7:::\natelier:*:19000:0:99999:7:::\n"
    )
    (root / "etc" / "gshadow").write_text("root:*::\natelier:!::\n")
    for name in ("shadow", "gshadow"):
        (root / "etc" / name).chmod(0o640)
    shutil.copy2("/etc/os-release", root / "etc" / "os-release")
    (root / "var" / "lib" / "dpkg").mkdir(parents=True)
    (root / "var" / "lib" / "dpkg" / "status").write_text(
        "Package: etabli-test-present\nStatus: install ok installed\nVersion: 1.0\n"
        "Architecture: all\nMaintainer: Test <t@example.org>\nDescription: test\n\n"
    )


def _script(path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROOT": str(root), "SUDO_USER": "atelier"}
    return subprocess.run(
        ["sh", str(path)], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_install_and_uninstall_into_a_fake_root(built: tuple[Path, str], tmp_path: Path) -> None:
    app, _ = built
    build = _load_build_module()
    debs = [
        _deb(tmp_path / "debs", "etabli-test-present"),
        _deb(tmp_path / "debs", "etabli-test-missing"),
    ]
    archive = build.stage_archive(app, tmp_path / "stage", debs)
    for name in (
        "install.sh",
        "uninstall.sh",
        "60-etabli.rules",
        "etabli.desktop",
        "etabli.svg",
        "LISEZMOI.txt",
        "RELEASE",
        "app/etabli",
        "systemd/etabli-erase-helper.socket",
        "systemd/etabli-erase-helper.service",
        "erase-helper.md",
    ):
        assert (archive / name).is_file(), name
    root = tmp_path / "root"
    _fake_root(root)

    done = _script(archive / "install.sh", root)
    assert done.returncode == 0, done.stdout + done.stderr
    opt = root / "opt" / "etabli"
    assert os.access(opt / "etabli", os.X_OK)
    assert os.access(opt / "uninstall.sh", os.X_OK)
    launcher = root / "usr" / "local" / "bin" / "etabli"
    assert os.access(launcher, os.X_OK)
    assert 'exec /opt/etabli/etabli "$@"' in launcher.read_text()
    rules = root / "etc" / "udev" / "rules.d" / "60-etabli.rules"
    assert rules.read_bytes() == (PACKAGING / "udev" / "60-etabli.rules").read_bytes()
    desktop = root / "usr" / "share" / "applications" / "etabli.desktop"
    assert desktop.read_bytes() == (PACKAGING / "etabli.desktop").read_bytes()
    icon = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "etabli.svg"
    assert icon.read_bytes() == (ROOT / "assets" / "icons" / "etabli.svg").read_bytes()
    groups = (root / "etc" / "group").read_text().splitlines()
    (line,) = [g for g in groups if g.startswith("etabli:")]
    assert line.split(":")[3] == "atelier"
    assert "group_created=yes" in (opt / "INSTALLED").read_text()
    # It says what it changed, and which packages it would have installed.
    for changed in (str(opt), str(launcher), str(rules), str(desktop), "group etabli", "atelier"):
        assert changed in done.stdout, changed
    assert "etabli-test-missing" in done.stdout
    assert "etabli-test-present" not in done.stdout
    # The installed copy runs.
    check = _run(opt, "build-check", home=tmp_path / "home")
    assert check.returncode == 0, check.stdout + check.stderr
    # The erasure helper's units, whose program is the installed one, and the helper answers.
    units = root / "etc" / "systemd" / "system"
    for unit in HELPER_UNITS:
        assert (units / unit).read_bytes() == (PACKAGING / "systemd" / unit).read_bytes()
        assert str(units / unit) in done.stdout
    assert "erasure helper not enabled in a test root" in done.stdout
    doc = root / "usr" / "share" / "doc" / "etabli" / "erase-helper.md"
    assert doc.read_bytes() == (ROOT / "docs" / "erase-helper.md").read_bytes()
    _the_installed_helper_answers(root, tmp_path)

    # An update: data kept, the group not made twice, the app replaced.
    data = root / "home" / "atelier" / ".local" / "share" / "etabli"
    data.mkdir(parents=True)
    (data / DB_NAME).write_bytes(b"the workshop's data")
    (opt / "left-over-from-the-old-version").write_text("x")
    again = _script(archive / "install.sh", root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already there" in again.stdout
    assert (
        len(
            [
                g
                for g in (root / "etc" / "group").read_text().splitlines()
                if g.startswith("etabli:")
            ]
        )
        == 1
    )
    assert not (opt / "left-over-from-the-old-version").exists()
    assert (data / DB_NAME).read_bytes() == b"the workshop's data"

    gone = _script(opt / "uninstall.sh", root)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    for path in (opt, launcher, rules, desktop, icon, doc, *(units / u for u in HELPER_UNITS)):
        assert not path.exists(), path
        assert str(path) in gone.stdout
    assert not any(
        g.startswith("etabli:") for g in (root / "etc" / "group").read_text().splitlines()
    )
    assert (data / DB_NAME).read_bytes() == b"the workshop's data"
    assert str(data) in gone.stdout
    assert (root / "etc" / "passwd").read_text().count("atelier") == 2

    # An archive made on another release installs none of its packages and names them.
    (archive / "RELEASE").write_text("otheros1\n")
    other = _script(archive / "install.sh", root)
    assert other.returncode == 0, other.stdout + other.stderr
    assert "this archive is for otheros1" in other.stdout
    assert "      etabli-test-missing" in other.stdout
    assert "etabli-test-present" not in other.stdout


def _helper_program(root: Path) -> list[str]:
    """The erasure helper's command line as the installed service unit gives it, with its
    program inside `root`."""
    unit = root / "etc" / "systemd" / "system" / "etabli-erase-helper.service"
    (line,) = [x for x in unit.read_text().splitlines() if x.startswith("ExecStart=")]
    argv = line.removeprefix("ExecStart=").split()
    return [str(root / argv[0].lstrip("/")), *argv[1:]]


def _the_installed_helper_answers(root: Path, tmp_path: Path) -> None:
    """Runs the installed helper the way systemd does (its listening socket as fd 3,
    LISTEN_PID its own pid: the packaged program must not fork), for root's group: it answers
    a ping, refuses a malformed request plainly, and answers again."""
    argv = _helper_program(root)
    assert os.access(argv[0], os.X_OK), argv[0]
    assert argv[1] == "erase-helper"
    argv = [*argv[: argv.index("--group")], "--gid", "0", "--data-dir", str(tmp_path / "data")]
    short = tempfile.mkdtemp(prefix="eh-pkg-")  # a unix socket's path is at most 107 bytes
    path = str(Path(short) / "erase.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    fd = listener.fileno()
    script = f'exec 3<&{fd} {fd}<&-; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"'
    log = tmp_path / "helper.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-c", script, "bash", *argv],
            pass_fds=(fd,),
            env=_clean_env(tmp_path / "home"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        client = EraseHelperClient(path, timeout=60)
        assert client.ping() is True, log.read_text()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(60)
            s.connect(path)
            s.sendall(b'{"op": "format-everything"}\n')
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        assert json.loads(answer) == {
            "ok": False,
            "code": "ERASE_HELPER_BAD_REQUEST",
            "values": {"detail": "unknown op 'format-everything'"},
        }
        assert client.ping() is True
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        listener.close()
        shutil.rmtree(short, ignore_errors=True)
    text = log.read_text()
    assert "refused [ERASE_HELPER_BAD_REQUEST]" in text and "Traceback" not in text


def test_the_desktop_entry_is_valid_and_bilingual() -> None:
    entry = PACKAGING / "etabli.desktop"
    done = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout
    text = entry.read_text(encoding="utf-8")
    assert "Comment[fr]=" in text and "\nComment=" in text
    assert "Icon=etabli" in text and "Exec=etabli" in text
