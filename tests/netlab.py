"""The network-drive lab: one folder on a private sshd, mounted twice with sshfs as two "hosts".

SQLite's own locks do not reach across sshfs mounts (DESIGN §3), and stat caches hide remote
changes (DESIGN §4); the lab lets tests see formboard on a real network file system:

- ``sshd`` runs as a child of the test process on 127.0.0.1 only, on a free port (2222
  if it is free), with its own config, host key and authorized key in a temporary folder;
  root logs in with a generated key, never a password.
- The folder ``server/`` is mounted twice with sshfs: ``mount_a`` with sshfs's default
  caches (attributes and directory entries for 20 s, like a colleague's ordinary mount),
  ``mount_b`` with every cache off (``dir_cache=no,attr_timeout=0,entry_timeout=0,
  direct_io``). Both show the same folder; ``server`` is that folder read directly.
- Every step is bounded: a step that does not finish in time makes the lab unavailable
  with a reason, and tests that use it skip with that reason (see :func:`netlab_fixture`).
- Where samba's ``smbd`` and ``smbnetfs`` are installed (and port 445 on 127.0.0.1 is
  free), the same folder is also shared by a private smbd (guest access, 127.0.0.1 only)
  and mounted through smbnetfs (FUSE, libsmbclient) as ``mount_smb``: a colleague on a
  Windows-style share. Without them ``mount_smb`` is None and ``smb_missing`` says why;
  the lab runs on.
- Teardown unmounts (``fusermount -u``, else ``umount -l``), stops sshfs, smbd and sshd
  (only the processes the lab started) and removes the folder.

``FORMBOARD_NETLAB=require`` turns "unavailable" into a test error instead of a skip, for
a CI machine that must run the lab. ``python tests/netlab.py`` sets a lab up, prints its
paths and waits for Enter (for poking at it by hand).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from tests import needs

PREFERRED_PORT = 2222
SSHD_PORT_ATTEMPTS = 3
STARTUP_TIMEOUT = 10.0  # sshd listening, each mount appearing
STEP_TIMEOUT = 15.0  # any other command (ssh-keygen, fusermount)
REQUIRE_ENV = "FORMBOARD_NETLAB"
CACHING_OPTIONS = ""  # sshfs's defaults
UNCACHED_OPTIONS = "dir_cache=no,attr_timeout=0,entry_timeout=0,direct_io"

T = TypeVar("T")


class LabUnavailable(RuntimeError):
    """The lab cannot run here; the message says what is missing, in one sentence."""


def _sshd_binary() -> str | None:
    found = shutil.which("sshd")
    if found:
        return found
    return "/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None


def _fusermount() -> str | None:
    return shutil.which("fusermount3") or shutil.which("fusermount")


def missing() -> str | None:
    """What this machine lacks for the lab, in words, or ``None`` when it has everything."""
    if not sys.platform.startswith("linux"):
        return f"it needs Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return "it needs root (sshd with its own config and FUSE mounts); run the tests as root"
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse does not exist (no FUSE here; a container needs --device /dev/fuse)"
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "/dev/fuse is not readable and writable"
    if _sshd_binary() is None:
        return "sshd is not installed (apt-get install openssh-server)"
    if shutil.which("sshfs") is None:
        return "sshfs is not installed (apt-get install sshfs)"
    if shutil.which("ssh-keygen") is None or shutil.which("ssh") is None:
        return "the ssh client tools are not installed (apt-get install openssh-client)"
    if _fusermount() is None:
        return "fusermount is not installed (apt-get install fuse3)"
    return None


def mounted(path: Path) -> str | None:
    """The file system type mounted exactly at ``path`` ("fuse.sshfs"), or ``None``."""
    target = os.path.realpath(path)
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None
    found = None
    for line in lines:
        left, _, right = line.partition(" - ")
        parts = left.split()
        if len(parts) >= 5 and parts[4].replace("\\040", " ") == target and right:
            found = right.split()[0]  # the last mount on a point is the visible one
    return found


def bounded(fn: Callable[[], T], timeout: float, what: str) -> T:
    """``fn()`` in a daemon thread; LabUnavailable if it takes longer than ``timeout``.

    File operations on a FUSE mount can hang when its server is gone; this keeps the
    test run from hanging with them.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name=f"netlab-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise LabUnavailable(f"{what} did not finish within {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _run(cmd: list[str], what: str, timeout: float = STEP_TIMEOUT) -> None:
    try:
        done = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise LabUnavailable(f"{what} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise LabUnavailable(f"{what} could not run ({exc})") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LabUnavailable(f"{what} failed: {detail[-1] if detail else done.returncode}")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port(avoid: int | None = None) -> int:
    if avoid != PREFERRED_PORT and _port_free(PREFERRED_PORT):
        return PREFERRED_PORT
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ssh_banner(port: int) -> bool:
    """Whether an SSH server answers on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.settimeout(1.0)
            return s.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " / ".join(text[-lines:])


@dataclass
class NetLab:
    """A running lab. ``mount_a``/``mount_b`` are two hosts' views of ``server``."""

    root: Path
    server: Path
    mount_a: Path
    mount_b: Path
    port: int
    key: Path
    mount_smb: Path | None = None  # the server folder through SMB (smbnetfs), if it runs
    smb_missing: str | None = None  # why there is no SMB view
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)
    _mounts: list[Path] = field(default_factory=list, repr=False)
    _closed: bool = field(default=False, repr=False)

    def paths(self, name: str) -> tuple[Path, Path, Path]:
        """``name`` as seen through mount A, mount B and the server folder."""
        return self.mount_a / name, self.mount_b / name, self.server / name

    def folder(self, name: str) -> tuple[Path, Path, Path]:
        """A new, empty subfolder (one per test), as seen through A, B and the server."""
        (self.server / name).mkdir()
        return self.paths(name)

    def smb_path(self, name: str) -> Path | None:
        """``name`` as seen through the SMB mount, or None when the lab has none."""
        return None if self.mount_smb is None else self.mount_smb / name

    def sshfs_command(self, mount: Path, extra: str = "") -> list[str]:
        """The sshfs command line (foreground) that mounts ``server`` at ``mount``."""
        options = [
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            f"IdentityFile={self.key}",
            f"port={self.port}",
            "BatchMode=yes",
            "LogLevel=ERROR",
            "ConnectTimeout=5",
        ]
        if extra:
            options.append(extra)
        return [
            "sshfs", "-f", "-F", "/dev/null",
            f"root@127.0.0.1:{self.server}", str(mount),
            "-o", ",".join(options),
        ]  # fmt: skip

    def close(self) -> None:
        """Unmount both mounts, stop sshfs and sshd, remove the folder; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        fusermount = _fusermount()
        for mount in reversed(self._mounts):
            if mounted(mount) is None:
                continue
            if fusermount is not None:
                with contextlib.suppress(LabUnavailable):
                    _run([fusermount, "-u", str(mount)], f"unmounting {mount}", timeout=10)
            if mounted(mount) is not None:
                with contextlib.suppress(LabUnavailable):
                    _run(["umount", "-l", str(mount)], f"lazy unmount of {mount}", timeout=10)
        for proc in reversed(self._procs):  # sshfs mounts first, then sshd
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=5)
        if not any(mounted(m) for m in self._mounts):
            shutil.rmtree(self.root, ignore_errors=True)


def start_lab(root: Path | None = None, *, timeout: float = STARTUP_TIMEOUT) -> NetLab:
    """Set the lab up in ``root`` (a new temp folder by default); LabUnavailable if it can't.

    On failure everything started so far is stopped again.
    """
    reason = missing()
    if reason:
        raise LabUnavailable(reason)
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="formboard-netlab-"))
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "ssh"
    conf.mkdir(mode=0o700, exist_ok=True)
    lab = NetLab(
        root=root,
        server=root / "server",
        mount_a=root / "host-a",
        mount_b=root / "host-b",
        port=_free_port(),
        key=conf / "client_key",
    )
    for folder in (lab.server, lab.mount_a, lab.mount_b):
        folder.mkdir(exist_ok=True)
    atexit.register(lab.close)  # a run that ends without fixture teardown still cleans up
    try:
        _start_sshd(lab, conf, timeout)
        _mount(lab, lab.mount_a, CACHING_OPTIONS, timeout)
        _mount(lab, lab.mount_b, UNCACHED_OPTIONS, timeout)
        bounded(lambda: _same_folder(lab), timeout, "a first file through both mounts")
    except BaseException:
        lab.close()
        raise
    try:
        _start_smb(lab, timeout)
    except LabUnavailable as exc:
        lab.smb_missing = str(exc)
        lab.mount_smb = None
    return lab


SMB_PORT = 445  # smbnetfs (libsmbclient) knows no other port


def _start_smb(lab: NetLab, timeout: float) -> None:
    """Share ``server`` with a private smbd on 127.0.0.1 and mount it with smbnetfs."""
    smbd = shutil.which("smbd") or (
        "/usr/sbin/smbd" if os.access("/usr/sbin/smbd", os.X_OK) else None
    )
    if smbd is None or shutil.which("smbnetfs") is None:
        raise LabUnavailable(
            "samba's smbd or smbnetfs is not installed (apt-get install samba smbnetfs)"
        )
    if not _port_free(SMB_PORT):
        raise LabUnavailable(f"port {SMB_PORT} on 127.0.0.1 is taken")
    conf = lab.root / "smb"
    for sub in ("run", "lock", "state", "cache", "private", "home/.smb"):
        (conf / sub).mkdir(parents=True, exist_ok=True)
    config = conf / "smb.conf"
    config.write_text(
        "\n".join(
            [
                "[global]",
                "server role = standalone server",
                "interfaces = lo",
                "bind interfaces only = yes",
                f"smb ports = {SMB_PORT}",
                "map to guest = Bad User",
                "guest account = root",
                "disable netbios = yes",
                "server min protocol = SMB2",
                "load printers = no",
                "printing = bsd",
                "printcap name = /dev/null",
                "disable spoolss = yes",
                *(
                    f"{name} directory = {conf / name}"
                    for name in ("pid", "lock", "state", "cache")
                ),
                f"private dir = {conf / 'private'}",
                f"log file = {conf / 'smbd.log'}",
                "[team]",
                f"path = {lab.server}",
                "read only = no",
                "guest ok = yes",
                "force user = root",
                "create mask = 0600",
                "",
            ]
        )
    )
    log = conf / "smbd.out"
    with open(log, "wb") as err:
        # Its own session: smbd and smbnetfs signal their process group on their way out,
        # which must never reach the test run that started them (seen: a run was killed).
        proc = subprocess.Popen(
            [smbd, "--foreground", "--no-process-group", "-s", str(config)],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True,
        )  # fmt: skip
    lab._procs.append(proc)
    deadline = time.monotonic() + timeout
    while _port_free(SMB_PORT):
        if proc.poll() is not None:
            raise LabUnavailable(f"smbd exited at once ({_tail(log) or proc.returncode})")
        if time.monotonic() >= deadline:
            raise LabUnavailable(
                f"smbd did not listen on 127.0.0.1:{SMB_PORT} within {timeout:.0f} s"
            )
        time.sleep(0.05)
    client = conf / "home" / ".smb" / "smbnetfs.conf"
    client.write_text(
        'smb_query_browsers "false"\nshow_hidden_hosts "true"\nauth "guest" ""\n'
        'smb_tree_scan_period "86400"\nhost localhost visible=true\n'
    )
    client.chmod(0o600)
    mount = lab.root / "host-smb"
    mount.mkdir(exist_ok=True)
    with open(conf / "smbnetfs.out", "wb") as err:
        netfs = subprocess.Popen(
            ["smbnetfs", str(mount), "-f", "-o", f"config={client}"],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True,
            env={**os.environ, "HOME": str(conf / "home")},
        )  # fmt: skip
    lab._procs.append(netfs)
    lab._mounts.append(mount)
    while mounted(mount) != "fuse.smbnetfs":
        if netfs.poll() is not None:
            raise LabUnavailable(f"smbnetfs could not mount ({_tail(conf / 'smbnetfs.out')})")
        if time.monotonic() >= deadline:
            raise LabUnavailable(f"smbnetfs did not mount within {timeout:.0f} s")
        time.sleep(0.05)
    lab.mount_smb = mount / "localhost" / "team"
    name = f"probe-{uuid.uuid4().hex}"

    def same_folder() -> None:
        (lab.server / name).write_text(name)
        try:
            if (lab.mount_smb / name).read_text() != name:  # type: ignore[operator]
                raise LabUnavailable("the SMB mount does not show the server folder")
        finally:
            (lab.server / name).unlink()

    bounded(same_folder, timeout, "a first file through the SMB mount")


def _start_sshd(lab: NetLab, conf: Path, timeout: float) -> None:
    host_key = conf / "host_key"
    for key in (host_key, lab.key):
        _run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "netlab", "-f", str(key)],
            "ssh-keygen",
        )
    shutil.copyfile(lab.key.with_suffix(".pub"), conf / "authorized_keys")
    # sshd refuses to start without its privilege separation folder (Debian: /run/sshd).
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    deadline = time.monotonic() + timeout
    for attempt in range(SSHD_PORT_ATTEMPTS):
        if attempt:
            lab.port = _free_port(avoid=lab.port)  # another lab took the port meanwhile
        if _try_sshd(lab, conf, host_key, deadline, timeout):
            return
    raise LabUnavailable(f"sshd could not listen on 127.0.0.1 ({_tail(conf / 'sshd.log')})")


def _try_sshd(lab: NetLab, conf: Path, host_key: Path, deadline: float, timeout: float) -> bool:
    """Start sshd on ``lab.port``: True once it listens, False if the port was taken."""
    config = conf / "sshd_config"
    pid_file = conf / "sshd.pid"
    pid_file.unlink(missing_ok=True)
    config.write_text(
        "\n".join(
            [
                f"Port {lab.port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {pid_file}",
                f"AuthorizedKeysFile {conf / 'authorized_keys'}",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",  # pam_loginuid fails in containers; keys need no PAM
                "StrictModes no",  # the temp folder's modes are not sshd's business here
                "Subsystem sftp internal-sftp",
                "MaxStartups 50",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    sshd = _sshd_binary()
    assert sshd is not None
    _run([sshd, "-t", "-f", str(config)], "sshd's config check")
    log = conf / "sshd.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    lab._procs.append(proc)
    # sshd writes its pid file once it listens: so the banner is ours, not another lab's.
    while not (_pid_in(pid_file) == proc.pid and _ssh_banner(lab.port)):
        if proc.poll() is not None:
            if "Address already in use" in _tail(log, 5):
                return False
            raise LabUnavailable(f"sshd exited at once ({_tail(log) or proc.returncode})")
        if time.monotonic() >= deadline:
            raise LabUnavailable(
                f"sshd did not answer on 127.0.0.1:{lab.port} within {timeout:.0f} s"
            )
        time.sleep(0.05)
    return True


def _pid_in(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _mount(lab: NetLab, mount: Path, extra: str, timeout: float) -> None:
    log = lab.root / "ssh" / f"sshfs-{mount.name}.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            lab.sshfs_command(mount, extra),
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    lab._procs.append(proc)
    lab._mounts.append(mount)
    deadline = time.monotonic() + timeout
    while mounted(mount) != "fuse.sshfs":
        if proc.poll() is not None:
            raise LabUnavailable(
                f"sshfs could not mount {mount.name} ({_tail(log) or proc.returncode})"
            )
        if time.monotonic() >= deadline:
            raise LabUnavailable(f"sshfs did not mount {mount.name} within {timeout:.0f} s")
        time.sleep(0.05)


def _same_folder(lab: NetLab) -> None:
    """Write through A, read through B and the server: one folder, or LabUnavailable."""
    name = f"probe-{uuid.uuid4().hex}"
    through_a, through_b, on_server = lab.paths(name)
    through_a.write_text(name)
    try:
        if through_b.read_text() != name or on_server.read_text() != name:
            raise LabUnavailable("the two mounts do not show the same folder")
    finally:
        on_server.unlink()


def netlab_fixture(scope: str = "session", timeout: float = STARTUP_TIMEOUT) -> Any:
    """A pytest fixture (assign it to a name in a test module) that yields a :class:`NetLab`.

    Tests that use it skip, saying what is missing, when the lab cannot run here — unless
    ``FORMBOARD_NETLAB=require``, when that is an error.
    """

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def netlab() -> Iterator[NetLab]:
        required = os.environ.get(REQUIRE_ENV, "").strip().lower() == "require"
        try:
            lab = start_lab(timeout=timeout)
        except LabUnavailable as exc:
            problem = str(exc)
        else:
            problem = None
        if problem is not None:
            message = f"network lab unavailable: {problem}"
            if required:
                pytest.fail(f"{message} ({REQUIRE_ENV}=require)", pytrace=False)
            needs.missing(message)
        try:
            yield lab
        finally:
            lab.close()

    return netlab


if __name__ == "__main__":
    try:
        running = start_lab()
    except LabUnavailable as problem:
        sys.exit(f"network lab unavailable: {problem}")
    print(f"server {running.server}\nhost A {running.mount_a}  (sshfs default caches)")
    print(f"host B {running.mount_b}  ({UNCACHED_OPTIONS})\nport   {running.port}")
    print(f"SMB    {running.mount_smb or running.smb_missing}")
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        input("Enter ends the lab. ")
    running.close()
