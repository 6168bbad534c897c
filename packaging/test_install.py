"""The offline installation, end to end, on a fresh Debian 12: `python3 packaging/build.py
--test-install` (as root; 6 to 8 minutes with the build, under a minute with --archive-file
once the Debian root is cached). Too long for the default test run: a command of its own.

1. builds the archive on this machine (Debian 12), as a newcomer would, or takes one given
   with --archive-file;
2. makes a fresh Debian 12 (bookworm) root with debootstrap: minbase, sudo, and the packages
   a fresh desktop has that the archive counts on (offline_debs.present_on_desktop); the
   debootstrap tarball is cached (--cache), so a rerun downloads nothing;
3. attaches a loop device over an image file made here, and starts a namespace with no
   network (only loopback), its own processes and mounts, chrooted into that root, with the
   loop device (and nothing else of /dev) visible inside;
4. inside, with no network: a user `atelier` in group sudo runs `sudo ./install.sh` from the
   unpacked archive; then as that user, now in group `etabli`: `etabli settings set` the
   workshop and the station, `etabli build-check`, a simulated phone (`etabli simulate
   handset`) reached by `etabli diagnose` and listed by `etabli devices`, the loop device
   erased by `etabli erase` through the erasure helper (started as root the way systemd
   starts it from the installed units: there is no systemd in a chroot), and a certificate
   (`etabli certificate`) that names the workshop and the station (pdftotext);
5. `sudo /opt/etabli/uninstall.sh` removes the app and keeps the station's data.

Each step is printed with its result; the first failure stops with a non-zero exit. Everything
is removed at the end (the namespace dies with its processes and mounts, the loop device is
detached, the root deleted) unless --keep.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import bootstrap  # beside this file (packaging/ is no package)
import offline_debs

SUITE = "bookworm"
RELEASE = "debian12"
MIRROR = "http://deb.debian.org/debian"
USER = "atelier"
HOSTNAME = "poste-essai"
HOME = f"/home/{USER}"
# What a fresh desktop has that matters here besides the app's own needs: a user who may sudo.
DESKTOP_EXTRAS = ("sudo", "adduser", "passwd")
WORKSHOP = {
    "organisation": "Ressourcerie des Essais",
    "organisation_address": "12 rue des Ateliers, 69007 Lyon",
    "organisation_contact": "contact@essais.fr",
    "station_name": "Poste d'essai n°1",
}
IMAGE_SIZE = 32 << 20
USER_PATH = "/usr/local/bin:/usr/bin:/bin"


class Failed(Exception):
    """A step did not do what it should; the message says what was seen."""


def say(message: str) -> None:
    print(f"[test-install] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


@contextmanager
def step(name: str, figures: dict[str, float] | None = None) -> Iterator[None]:
    """Prints the step, then OK with its time or FAIL; records its time in `figures`."""
    say(f"▶ {name}")
    started = time.monotonic()
    try:
        yield
    except Exception:
        say(f"✗ FAIL {name} ({time.monotonic() - started:.1f} s)")
        raise
    seconds = time.monotonic() - started
    if figures is not None:
        figures[name] = seconds
    say(f"✓ OK   {name} ({seconds:.1f} s)")


def show(text: str, indent: str = "    ") -> None:
    for line in text.rstrip().splitlines():
        print(indent + line, flush=True)


def desktop_packages(cache: Path) -> list[str]:
    """The packages the test root gets besides minbase: a user who may sudo, and what a fresh
    desktop has that the archive counts on. Worked out from apt's data (about a minute), then
    kept in `cache` until apt's lists or the runtime packages change."""
    lists = sorted(Path("/var/lib/apt/lists").glob("*_Packages*"))
    state = repr(
        (bootstrap.RUNTIME_PACKAGES, DESKTOP_EXTRAS, [(p.name, p.stat().st_mtime) for p in lists])
    )
    kept = cache / f"desktop-packages-{hashlib.sha256(state.encode()).hexdigest()[:12]}.txt"
    if kept.is_file():
        return kept.read_text().split()
    include = sorted({*DESKTOP_EXTRAS, *offline_debs.present_on_desktop()})
    kept.write_text("\n".join(include) + "\n")
    return include


def debootstrap_root(root: Path, cache: Path, mirror: str) -> str:
    """A fresh bookworm in `root`. The first time: debootstrap downloads into a tarball, then
    installs from it; the installed tree is kept too, so a rerun only unpacks it (seconds).
    Returns what was done, for the report."""
    cache.mkdir(parents=True, exist_ok=True)
    include = desktop_packages(cache)
    key = hashlib.sha256(" ".join([SUITE, mirror, *include]).encode()).hexdigest()[:12]
    tree = cache / f"root-{SUITE}-minbase-{key}.tar"
    unpack = ["tar", "--numeric-owner", "--xattrs", "-C", str(root)]
    if tree.is_file():
        _run_logged([*unpack, "-xpf", str(tree)])
        return f"unpacked the cached installed root {tree} ({tree.stat().st_size / 1e6:.0f} MB)"
    tarball = cache / f"debootstrap-{SUITE}-minbase-{key}.tgz"
    common = ["debootstrap", "--variant=minbase", "--include=" + ",".join(include)]
    done = []
    if not tarball.is_file():
        started = time.monotonic()
        partial = tarball.with_suffix(".partial.tgz")
        with tempfile.TemporaryDirectory(prefix="etabli-debootstrap-") as scratch:
            _run_logged([*common, f"--make-tarball={partial}", SUITE, scratch, mirror])
        partial.rename(tarball)
        done.append(f"debootstrap tarball downloaded in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    _run_logged([*common, f"--unpack-tarball={tarball}", SUITE, str(root), mirror])
    done.append(f"{len(include)} packages installed in {time.monotonic() - started:.0f} s")
    partial_tree = tree.with_suffix(".partial.tar")
    _run_logged([*unpack, "-cpf", str(partial_tree), "."])
    partial_tree.rename(tree)
    done.append(f"cached: {tarball.name}, {tree.name} in {cache}")
    return "; ".join(done)


def _run_logged(argv: Sequence[str]) -> None:
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        show(done.stdout[-3000:] + done.stderr[-3000:])
        raise Failed(f"{argv[0]} failed (exit {done.returncode})")


class Sandbox:
    """A chroot into `root` inside new mount, network and process namespaces: no network but
    loopback, its own /proc, the machine's /sys (read-only), one loop device in its /dev.
    Commands enter it with nsenter; killing its first process ends every process in it and
    drops its mounts."""

    def __init__(self, root: Path, loop: str) -> None:
        self.root = root
        r = str(root)
        setup = "; ".join(
            [
                "set -e",
                f"hostname {HOSTNAME}",
                f"mount --bind {r} {r}",  # the chroot's / is a mount, as on a real system
                f"mount -t proc proc {r}/proc",
                f"mount --bind /sys {r}/sys",
                f"mount -o remount,bind,ro {r}/sys",
                f"touch {r}{loop}",
                f"mount --bind {loop} {r}{loop}",
                "ip link set lo up",
                "echo ready",
                f"exec chroot {r} /bin/sleep infinity",
            ]
        )
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--net", "--pid", "--uts", "--fork", "--propagation", "private",
             "--kill-child", "sh", "-c", setup],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.holder.stdout is not None
        line = self.holder.stdout.readline()
        if line.strip() != "ready":
            self.holder.kill()
            raise Failed(f"namespace not made: {line}{self.holder.communicate()[1]}")
        self.pid = self._sleeper()

    def _sleeper(self) -> int:
        """The host pid of the namespace's first process (the chrooted sleep)."""
        children = Path(f"/proc/{self.holder.pid}/task/{self.holder.pid}/children")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for pid in children.read_text().split():
                if Path(f"/proc/{pid}/comm").read_text().strip() == "sleep":
                    return int(pid)
            time.sleep(0.05)  # the exec of chroot in the namespace's first process
        raise Failed("the namespace's chroot did not start")

    def argv(self, argv: Sequence[str], user: str | None = None) -> list[str]:
        """The command line that runs `argv` inside, as root or as `user` (its groups read
        afresh from /etc/group, as at a new login; a clean environment)."""
        enter = ["nsenter", "-t", str(self.pid), "-m", "-n", "-p", "-r", "-w"]
        if user is None:
            env = ["env", "-i", "HOME=/root", f"PATH={USER_PATH}:/usr/sbin:/sbin", "LANG=C.UTF-8"]
            return [*enter, *env, *argv]
        drop = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]
        env = [
            "env", "-i", f"HOME={HOME}", f"USER={user}", f"PATH={USER_PATH}",
            "LANG=C.UTF-8", "QT_QPA_PLATFORM=offscreen",
        ]  # fmt: skip
        return [*enter, *drop, *env, *argv]

    def run(
        self, argv: Sequence[str], user: str | None = None, *, ok: bool = True, timeout: int = 600
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.argv(argv, user), capture_output=True, text=True, timeout=timeout, check=False
        )
        if ok and done.returncode != 0:
            show(done.stdout[-4000:])
            show(done.stderr[-4000:])
            raise Failed(f"{' '.join(argv)}: exit {done.returncode}")
        return done

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def close(self) -> None:
        if self.holder.poll() is None:
            self.holder.kill()  # --kill-child: the namespace's processes go with it
        self.holder.wait(timeout=60)


def attach_loop(folder: Path) -> tuple[str, Path, str]:
    """A loop device over an image file made here, full of random bytes (a donor's data);
    returns the device, the file and the serial it shows (the file's name)."""
    serial = "E2E-SN-" + os.urandom(3).hex().upper()
    image = folder / f"{serial}.img"
    image.write_bytes(os.urandom(IMAGE_SIZE))
    done = subprocess.run(
        ["losetup", "--find", "--show", str(image)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip(), image, serial


def exec_start(unit: Path) -> list[str]:
    (line,) = [x for x in unit.read_text().splitlines() if x.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=").split()


def run_install_test(archive: Path, cache: Path, mirror: str, keep: bool) -> int:
    """The whole test; 0 when every step passed."""
    figures: dict[str, float] = {}
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="etabli-test-install-", dir="/var/tmp"))
    os.chmod(work, 0o755)
    root = work / "root"
    root.mkdir()
    loop = ""
    sandbox: Sandbox | None = None
    helper: subprocess.Popen[bytes] | None = None
    simulator: subprocess.Popen[str] | None = None
    try:
        with step("debootstrap: a fresh Debian 12 (minbase, sudo, a desktop's libraries)", figures):
            say("  " + debootstrap_root(root, cache, mirror))
        os_release = (root / "etc" / "os-release").read_text()
        check('VERSION_ID="12"' in os_release, "the new root is not Debian 12")

        with step("a loop device over an image file made for this test"):
            loop, image, serial = attach_loop(work)
            say(f"  {loop} over {image} (serial {serial})")

        with step("a namespace with no network, chrooted into the new root"):
            sandbox = Sandbox(root, loop)
            links = sandbox.run(["cat", "/proc/net/dev"]).stdout.splitlines()[2:]
            names = sorted(line.split(":")[0].strip() for line in links)
            check(names == ["lo"], f"network interfaces inside: {names}")
            say("  network interfaces inside: lo only")

        with step(f"the desktop's user {USER}, in group sudo"):
            sandbox.run(["useradd", "--create-home", "--shell", "/bin/bash",
                         "--groups", "sudo", USER])  # fmt: skip
            # Stands for the password the user types at sudo's prompt.
            sudoers = sandbox.path(f"/etc/sudoers.d/{USER}")
            sudoers.write_text(f"{USER} ALL=(ALL:ALL) NOPASSWD: ALL\n")
            sudoers.chmod(0o440)
            sandbox.path("/etc/hostname").write_text(f"{HOSTNAME}\n")
            with sandbox.path("/etc/hosts").open("a") as hosts:
                hosts.write(f"127.0.1.1\t{HOSTNAME}\n")

        with step("the archive copied in and unpacked by the user"):
            shutil.copy2(archive, sandbox.path(f"{HOME}/{archive.name}"))
            sandbox.run(["chown", f"{USER}:{USER}", f"{HOME}/{archive.name}"])
            sandbox.run(["tar", "-xzf", f"{HOME}/{archive.name}", "-C", HOME], USER)
            with tarfile.open(archive) as tar:
                top = tar.getnames()[0].split("/")[0]
            folder = f"{HOME}/{top}"

        with step("sudo ./install.sh, with no network", figures):
            done = sandbox.run(["sh", "-c", f"cd {folder} && sudo ./install.sh"], USER)
            show(done.stdout)
            for needle in ("/opt/etabli", "60-etabli.rules", "etabli-erase-helper.socket"):
                check(needle in done.stdout, f"install.sh did not say it installed {needle}")
            check("systemd is not running here" in done.stdout, "no word on the helper")
            groups = sandbox.run(["id", "-nG"], USER).stdout.split()
            check("etabli" in groups, f"{USER} is not in group etabli: {groups}")
            say(f"  {USER}'s groups: {' '.join(groups)}")
        installed_debs = re.findall(r"\+ paquet / package (\S+)", done.stdout)

        with step("first set-up as the user: the workshop and the station"):
            for key, value in WORKSHOP.items():
                sandbox.run(["etabli", "settings", "set", key, value], USER)
            shown = json.loads(sandbox.run(["etabli", "settings", "--json"], USER).stdout)
            values = _settings_values(shown)
            for key, value in WORKSHOP.items():
                check(values.get(key) == value, f"{key}: {values.get(key)!r}")
            say("  " + ", ".join(f"{k}={v}" for k, v in WORKSHOP.items()))

        with step("etabli build-check"):
            done = sandbox.run(["etabli", "build-check"], USER)
            show(done.stdout.splitlines()[-1])
            check("FAIL" not in done.stdout, done.stdout)

        with step("a simulated phone reached and diagnosed"):
            simulator = subprocess.Popen(
                sandbox.argv(["etabli", "simulate", "handset", "--port", "0",
                              "--model", "fairphone-4"], USER),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            port = _simulator_port(simulator)
            done = sandbox.run(["etabli", "diagnose", f"127.0.0.1:{port}", "--json"], USER)
            diagnosis = json.loads(done.stdout)
            check(diagnosis["job"]["state"] == "succeeded", f"diagnosis: {diagnosis['job']}")
            listed = json.loads(sandbox.run(["etabli", "devices", "--json"], USER).stdout)
            phones = [d for d in listed if d["asset_code"] == diagnosis["asset_code"]]
            check(len(phones) == 1 and phones[0]["brand"] == "Fairphone", f"devices: {listed}")
            say(f"  {phones[0]['asset_code']} {phones[0]['brand']} {phones[0]['model']}, "
                f"stage {phones[0]['stage']}")  # fmt: skip

        with step("the erasure helper started as root from the installed units"):
            helper = _start_helper(sandbox, work / "helper.log")
            opened = sandbox.run(["sh", "-c", f"exec 3<>{loop}"], USER, ok=False)
            check(opened.returncode != 0, f"{USER} may open {loop} itself")
            say(f"  {USER} cannot open {loop} itself: {opened.stderr.strip()}")

        with step("the loop device erased by the user through the helper", figures):
            done = sandbox.run(["etabli", "erase", loop, "--method", "clear-zero", "--verify",
                                "full", "--confirm-serial", serial[-4:], "--json"], USER)  # fmt: skip
            erasure = json.loads(done.stdout)
            check(erasure["result"] == "erased", f"result: {erasure['result']}")
            check(erasure["verification"]["ok"], f"verification: {erasure['verification']}")
            check(_all_zero(image), "the image file is not all zeros")
            log = (work / "helper.log").read_text()
            check(f"uid=1000: opened {loop} (serial {serial})" in log, f"helper log:\n{log}")
            say(f"  {erasure['asset_code']}: erased and verified, image all zeros; helper log:")
            show(log, "      ")

        with step("the erasure certificate names the workshop and the station"):
            pdf = f"{HOME}/certificat.pdf"
            sandbox.run(["etabli", "certificate", erasure["asset_code"], "-o", pdf], USER)
            text = subprocess.run(
                ["pdftotext", "-layout", str(sandbox.path(pdf)), "-"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            flat = " ".join(text.split())
            for key in ("organisation", "organisation_address", "station_name", "organisation_contact"):  # fmt: skip
                check(WORKSHOP[key] in flat, f"the certificate lacks {WORKSHOP[key]!r}:\n{text}")
            check(serial in flat, f"the certificate lacks the disk's serial {serial}")
            say(f"  {pdf}: {WORKSHOP['organisation']}, {WORKSHOP['station_name']}, {serial}")

        with step("sudo /opt/etabli/uninstall.sh keeps the station's data"):
            _stop(simulator)
            simulator = None
            _stop(helper)
            helper = None
            done = sandbox.run(["sudo", "/opt/etabli/uninstall.sh"], USER)
            show(done.stdout)
            check(not sandbox.path("/opt/etabli").exists(), "/opt/etabli is still there")
            for unit in ("etabli-erase-helper.socket", "etabli-erase-helper.service"):
                check(not sandbox.path(f"/etc/systemd/system/{unit}").exists(), unit)
            data = sandbox.path(f"{HOME}/.local/share/etabli/etabli.sqlite3")
            check(data.is_file(), f"the station's database is gone: {data}")
    except (Failed, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as exc:
        say(f"FAILED: {exc}")
        return 1
    finally:
        _stop(simulator)
        _stop(helper)
        if sandbox is not None:
            sandbox.close()
        if loop:
            subprocess.run(["losetup", "--detach", loop], check=False)
        if keep:
            say(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = time.monotonic() - started
    say("figures:")
    for name, seconds in figures.items():
        say(f"  {seconds:6.1f} s  {name}")
    say(f"  {total:6.1f} s  in all (the archive's build not counted)")
    say(f"  .deb packages installed from the archive: {' '.join(installed_debs) or 'none'}")
    say("PASSED")
    return 0


def _settings_values(shown: object) -> dict[str, object]:
    """`etabli settings --json` as {key: value}, whichever of its shapes it has."""
    if isinstance(shown, dict):
        return {k: (v.get("value") if isinstance(v, dict) else v) for k, v in shown.items()}
    if isinstance(shown, list):
        return {item["key"]: item["value"] for item in shown}
    raise Failed(f"settings --json: {shown!r}")


def _simulator_port(simulator: subprocess.Popen[str]) -> int:
    assert simulator.stdout is not None
    for line in simulator.stdout:
        found = re.search(r"adb connect [0-9.]+:(\d+)", line)
        if found:
            return int(found.group(1))
    raise Failed(f"the simulated phone did not start (exit {simulator.wait()})")


def _start_helper(sandbox: Sandbox, log: Path) -> subprocess.Popen[bytes]:
    """Does what systemd does with the installed units: binds the socket of the .socket unit
    (root, group etabli, its mode), then starts the .service unit's ExecStart as root with
    that socket as fd 3 and LISTEN_PID/LISTEN_FDS set."""
    units = sandbox.path("/etc/systemd/system")
    listen = _unit_value(units / "etabli-erase-helper.socket", "ListenStream")
    mode = int(_unit_value(units / "etabli-erase-helper.socket", "SocketMode"), 8)
    group = _unit_value(units / "etabli-erase-helper.socket", "SocketGroup")
    gid = next(
        int(line.split(":")[2])
        for line in sandbox.path("/etc/group").read_text().splitlines()
        if line.startswith(f"{group}:")
    )
    path = sandbox.path(listen)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    if path.exists():
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chown(path, 0, gid)
    os.chmod(path, mode)
    listener.listen(16)
    fd = listener.fileno()
    argv = exec_start(units / "etabli-erase-helper.service")
    script = f'exec 3<&{fd} {fd}<&-; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"'
    with log.open("wb") as out:
        proc = subprocess.Popen(
            sandbox.argv(["bash", "-c", script, "bash", *argv]),
            pass_fds=(fd,), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    listener.close()  # the helper holds it now
    say(f"  {' '.join(argv)} on {listen} (root:{group} {mode:o})")
    return proc


def _unit_value(unit: Path, key: str) -> str:
    (line,) = [x for x in unit.read_text().splitlines() if x.startswith(f"{key}=")]
    return line.split("=", 1)[1].strip()


def _all_zero(image: Path) -> bool:
    with image.open("rb") as f:
        while chunk := f.read(1 << 20):
            if chunk.count(0) != len(chunk):
                return False
    return True


def _stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def preflight() -> str | None:
    """Why this test cannot run here, or None."""
    if os.geteuid() != 0:
        return "run it as root (debootstrap, chroot, namespaces, loop devices)"
    if offline_debs.release_codename() != RELEASE:
        return f"build on Debian 12 for a Debian 12 archive (this is {offline_debs.release_codename()})"
    for tool in ("debootstrap", "unshare", "nsenter", "losetup", "pdftotext", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (packaging/bootstrap.py BUILD_PACKAGES)"
    return None


def main(archive: Path, cache: Path, mirror: str = MIRROR, keep: bool = False) -> int:
    why = preflight()
    if why:
        say(f"cannot run: {why}")
        return 2
    say(f"archive: {archive} ({archive.stat().st_size / 1e6:.0f} MB)")
    return run_install_test(archive, cache, mirror, keep)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
