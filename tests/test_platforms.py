"""Clients on macOS and Windows (issue 26), tested on Linux.

No Mac or Windows machine is at hand, so: the command line's tests run a second time with
Python made to look as it does on Windows (``tests/winshim``: no ``pwd``, ``fcntl``,
``termios``, no ``os.fchmod`` or ``os.geteuid``); what formboard decides from a platform is
a pure function of injected facts (``drives.judge``), with a table of each platform's
cases; paths are tested as ``PureWindowsPath``; and Windows' refusal to replace a file
another process has open is played by a test double around the lease.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path, PureWindowsPath

import pytest
from click.testing import CliRunner
from tests.helpers_store import subprocess_env

from formboard.cli import cli
from formboard.core import files as core_files
from formboard.core.drives import UNKNOWN, DriveFacts, judge
from formboard.core.lock import LeaseOwner, WriteLease
from formboard.core.store.files import name_problem, sqlite_uri

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
# The command line's tests (every command: new, add … copy, backup, repair, undo, meeting)
# and the lease's, run again as on Windows.
SHIM_RUN = ("cli", "lock", "copy", "backup", "undo", "meetings")
# Left out there: the app (Textual's terminal driver on Windows is its own), boards on a
# server (the test cluster is started with runuser) and the damaged-file tests (they wait
# half a minute for damage to be confirmed and touch no platform's part).
SHIM_LEAVES_OUT = ("not damaged_board_is_one_sentence and not postgresql and not server "
                   "and not in_the_app and not history_says")  # fmt: skip

# ------------------------------------------------------------------ the shim


def test_every_command_line_and_lease_test_passes_with_python_as_on_windows() -> None:
    """The command line's and the lease's tests again (``SHIM_RUN``), in a Python without pwd, grp,
    fcntl, termios, os.fchmod or os.geteuid (Python 3.11/3.12 on Windows). Before: `import
    pwd` stopped every command at import; every write stopped at os.fchmod, leaving a
    0-byte board behind; breaking a stale lease stopped at os.geteuid. Left out: what is
    POSIX's own (file modes, sticky folders: ``posix``) and ``SHIM_LEAVES_OUT``."""
    env = {**subprocess_env(), "FORMBOARD_SHIM": "windows", "USERNAME": "ana"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "winshim"), env["PYTHONPATH"]])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-m", "not posix", "-k", SHIM_LEAVES_OUT, "-o", "addopts=",
         *(str(ROOT / "tests" / f"test_{name}.py") for name in SHIM_RUN)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    tail = "\n".join(done.stdout.splitlines()[-25:])
    assert done.returncode == 0, tail + done.stderr[-2000:]
    assert " passed" in tail and "failed" not in tail and "error" not in tail, tail


def test_four_writing_processes_lose_nothing_when_windows_refuses_files_in_use() -> None:
    """The lease's property test (four processes, 200 increments under the lease, none
    lost) as on Windows, every third rename or replace in each process refused as Windows
    refuses a file another process has open (``FORMBOARD_SHIM_IN_USE``)."""
    env = {**subprocess_env(), "FORMBOARD_SHIM": "windows", "FORMBOARD_SHIM_IN_USE": "3",
           "USERNAME": "ana"}  # fmt: skip
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "winshim"), env["PYTHONPATH"]])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-o", "addopts=", "-k", "four_processes_never_lose_an_increment",
         str(ROOT / "tests" / "test_lock.py")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:]


def test_the_shim_is_python_as_on_windows() -> None:
    """The shim takes away what Windows' Python lacks (so the test above means something)."""
    env = {**subprocess_env(), "FORMBOARD_SHIM": "windows"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "winshim"), env["PYTHONPATH"]])
    probe = (
        "import os, importlib\n"
        "missing = []\n"
        "for m in ('pwd', 'grp', 'fcntl', 'termios'):\n"
        "    try: importlib.import_module(m)\n"
        "    except ImportError: missing.append(m)\n"
        "print(missing, hasattr(os, 'fchmod'), hasattr(os, 'geteuid'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "['pwd', 'grp', 'fcntl', 'termios'] False False", done.stderr


# ------------------------------------------------------------- knowing a share

CASES = [
    # Linux: the mount table, then statfs's magic number.
    (DriveFacts("linux", "/srv/team", "ext4", 0xEF53), None),
    (DriveFacts("linux", "/mnt/team", "nfs4"), "nfs4"),
    (DriveFacts("linux", "/mnt/team", "cifs"), "cifs"),
    (DriveFacts("linux", "/mnt/team", "fuse.sshfs"), "fuse.sshfs"),
    (DriveFacts("linux", "/mnt/team", "", 0xFE534D42), "smb2"),
    (DriveFacts("linux", "/media/usb", "fuseblk", 0x65735546), "fuse"),  # FUSE, by statfs
    (DriveFacts("linux", "/mnt/team", "", None), UNKNOWN),
    # macOS: statfs's f_fstypename.
    (DriveFacts("darwin", "/Users/ana/team", fs_name="apfs"), None),
    (DriveFacts("darwin", "/Volumes/team", fs_name="smbfs"), "smbfs"),
    (DriveFacts("darwin", "/Volumes/team", fs_name="nfs"), "nfs"),
    (DriveFacts("darwin", "/Volumes/team", fs_name="afpfs"), "afpfs"),
    (DriveFacts("darwin", "/Volumes/team", fs_name="webdav"), "webdav"),
    (DriveFacts("darwin", "/Volumes/team", fs_name="macfuse"), "macfuse"),
    (DriveFacts("darwin", "/Volumes/team", fs_name=""), UNKNOWN),
    (DriveFacts("darwin", "/Volumes/team", fs_name="lifs"), UNKNOWN),
    # Windows: a UNC path, then GetDriveTypeW (4: a mapped network drive).
    (DriveFacts("win32", r"\\server\share\team"), "a network share (UNC path)"),
    (DriveFacts("win32", "//server/share/team"), "a network share (UNC path)"),
    (DriveFacts("win32", r"Z:\team", drive_type=4), "a mapped network drive"),
    (DriveFacts("win32", r"C:\Users\ana\team", drive_type=3), None),
    (DriveFacts("win32", r"E:\team", drive_type=2), None),
    (DriveFacts("win32", r"Y:\team", drive_type=None), UNKNOWN),
    (DriveFacts("win32", r"Y:\team", drive_type=1), UNKNOWN),
]


@pytest.mark.parametrize(("facts", "verdict"), CASES, ids=lambda c: str(getattr(c, "folder", c)))
def test_a_share_is_known_on_every_platform_and_unknown_is_a_network_drive(facts, verdict):
    assert judge(facts) == verdict


def test_the_watch_setting_still_overrides_what_a_drive_is_taken_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formboard.core import watch

    monkeypatch.setattr(watch, "network_drive", lambda path: UNKNOWN)
    board = tmp_path / "C-0421.board"
    mode, why = watch.choose_mode(board, None)
    assert mode is watch.WatchMode.POLL and "cannot identify" in why
    mode, why = watch.choose_mode(board, "events")
    assert mode is watch.WatchMode.EVENTS


# ------------------------------------------------------------ paths and names


def test_what_macos_and_windows_say_is_read_as_they_say_it(tmp_path: Path) -> None:
    from formboard.core.drives import fs_name_in, windows_path
    from formboard.core.store.files import as_listed

    statfs = bytearray(2168)
    statfs[72:77] = b"smbfs"
    assert fs_name_in(bytes(statfs)) == "smbfs"
    assert windows_path("\\\\?\\UNC\\server\\share\\team") == "\\\\server\\share\\team"
    assert windows_path("\\\\?\\C:\\team") == "C:\\team"
    assert windows_path("Z:\\team") == "Z:\\team"
    # A board opened by another spelling, where case does not count: the file's own name
    # (its lease and sidecar are named after it, so every colleague meets on one lease).
    (tmp_path / "C-0421.board").write_bytes(b"")
    assert as_listed(tmp_path / "c-0421.board") == tmp_path / "C-0421.board"
    assert as_listed(tmp_path / "C-0421.board") == tmp_path / "C-0421.board"
    (tmp_path / "C-0421.BOARD").write_bytes(b"")  # two candidates: as typed
    assert as_listed(tmp_path / "c-0421.board") == tmp_path / "c-0421.board"


def test_a_windows_share_opens_by_the_uri_sqlite_takes() -> None:
    unc = PureWindowsPath(r"\\server\share\team\C-0421.board")
    assert sqlite_uri(unc, "rw") == "file:////server/share/team/C-0421.board?mode=rw"
    extended = PureWindowsPath("\\\\?\\UNC\\server\\share\\team\\C-0421.board")
    assert sqlite_uri(extended, "rw") == "file:////server/share/team/C-0421.board?mode=rw"
    drive = PureWindowsPath(r"Z:\team\C 0421#.board")
    assert sqlite_uri(drive, "ro") == "file:///Z:/team/C%200421%23.board?mode=ro"


def test_sqlite_reads_the_empty_authority_form(tmp_path: Path) -> None:
    """The form given to a UNC path is one SQLite parses (here on a local path)."""
    path = tmp_path / "x.board"
    uri = "file:///" + str(path) + "?mode=rwc"  # file:////tmp/…: an empty authority
    conn = sqlite3.connect(uri, uri=True)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert path.exists()


@pytest.mark.parametrize(
    "name", ["CON.board", "nul.board", "COM1.board", "lpt9.board", "COM0.board", "LPT¹.board",
             "CONIN$.board", "C-0421.board.", "C-0421.board ", "C:0421.board", "C-0421?.board"],
)  # fmt: skip
def test_names_windows_cannot_hold_are_refused_everywhere(tmp_path: Path, name: str) -> None:
    """A Linux colleague must not make a board a Windows colleague cannot open: `new`,
    `copy` and `import` refuse such a name in one sentence and leave nothing behind."""
    assert name_problem(name) is not None
    source = tmp_path / "C-0421.board"
    assert runner.invoke(cli, ["new", str(source), "--client", "C-0421"]).exit_code == 0
    exported = tmp_path / "export.json"
    assert runner.invoke(cli, ["export", str(source), "-o", str(exported)]).exit_code == 0
    folder = tmp_path / "team"
    folder.mkdir()
    for args in (["new", str(folder / name), "--client", "C-0421"],
                 ["copy", str(source), str(folder / name)],
                 ["import", str(exported), str(folder / name)]):  # fmt: skip
        done = runner.invoke(cli, args)
        assert done.exit_code == 1, done.output
        said = done.output.strip()
        assert said.startswith("formboard: The board's file name:") and "\n" not in said, said
        assert "Windows" in said
    assert list(folder.iterdir()) == []


def test_names_that_differ_only_in_capitals_are_one_file_on_macos_and_windows(
    tmp_path: Path,
) -> None:
    assert (
        runner.invoke(cli, ["new", str(tmp_path / "C-0421.board"), "--client", "C-0421"]).exit_code
        == 0
    )
    done = runner.invoke(cli, ["new", str(tmp_path / "c-0421.board"), "--client", "C-0421"])
    assert done.exit_code == 1
    assert (
        "differs from c-0421.board only in capitals (or in how an accent is written): on "
        "macOS and Windows" in " ".join(done.output.split())
    )
    assert not (tmp_path / "c-0421.board").exists()
    composed, decomposed = "Caf\u00e9.board", "Cafe\u0301.board"  # "Café" typed two ways
    assert (
        runner.invoke(cli, ["new", str(tmp_path / composed), "--client", "C-0422"]).exit_code == 0
    )
    assert (
        runner.invoke(cli, ["new", str(tmp_path / decomposed), "--client", "C-0422"]).exit_code == 1
    )


def test_a_failed_new_leaves_no_empty_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows every `new` failed at os.fchmod and left a 0-byte board, after which
    `new` said "already exists" and `show` "an empty file"."""
    from formboard.core.store import files

    def refuse(fd: int, mode: int, folder: Path) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(files, "set_mode", refuse)
    board = tmp_path / "C-0421.board"
    assert runner.invoke(cli, ["new", str(board), "--client", "C-0421"]).exit_code == 1
    assert not board.exists()


# --------------------------------------------------------- modes and machines


def test_no_mode_is_set_and_no_only_you_warning_where_modes_mean_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formboard.cli import cards

    set_modes: list[int] = []
    monkeypatch.setattr(os, "fchmod", lambda fd, mode: set_modes.append(mode), raising=False)
    monkeypatch.setattr(core_files, "modes_hold", lambda folder: False)
    monkeypatch.setattr(cards, "modes_hold", lambda folder: False)
    done = runner.invoke(cli, ["new", str(tmp_path / "C-0421.board"), "--client", "C-0421"])
    assert done.exit_code == 0 and "Only you can open it" not in done.output
    assert set_modes == []
    monkeypatch.setattr(core_files, "modes_hold", lambda folder: True)
    monkeypatch.setattr(cards, "modes_hold", lambda folder: True)
    done = runner.invoke(cli, ["new", str(tmp_path / "C-0422.board"), "--client", "C-0422"])
    assert "Only you can open it" in done.output and set_modes


def test_a_presence_file_from_another_computer_is_never_judged_without_a_boot_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS and Windows have no boot id: two computers with one name were one machine,
    and a colleague's presence was removed because this computer had no such process."""
    from formboard.core import presence
    from formboard.core.identity import Identity
    from formboard.core.presence_entry import PresenceEntry

    monkeypatch.setattr(presence, "_boot_id", lambda: "")
    board = tmp_path / "C-0421.board"
    board.write_bytes(b"")
    me = Identity(login="ben", name="Ben Okafor", discipline="psychiatry", host="ward-pc")
    ben = presence.Presence(board, me)
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    other = PresenceEntry(
        login="ana", name="Ana Lima", discipline="nursing", initials="AL", host="ward-pc",
        pid=int(done.stdout), client_id="c-ana", focused=None, following=None,
        at="2025-01-01T00:00:00.000Z", beat=3, machine="",
    )  # fmt: skip
    assert not ben._dead_here(other)


def test_a_stale_lease_from_another_computer_is_broken_from_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`WriteLease.removable` called os.geteuid, which Windows lacks: one crashed Windows
    session locked the board for every Windows colleague."""
    monkeypatch.delattr(os, "geteuid")
    board = tmp_path / "C-0421.board"
    board.write_bytes(b"")
    stale = WriteLease(board, LeaseOwner.create("ana", host="laptop-7"), ttl=60)
    stale.acquire()  # renews only every 20 s: as good as gone for the next while
    past = time.time() - 5
    os.utime(stale.lock_dir / "owner.json", (past, past))
    started = time.monotonic()
    with WriteLease(board, LeaseOwner.create("ben", host="ward-pc"), ttl=0.5, wait=5) as mine:
        assert mine.holder() is not None and mine.holder().login == "ben"
    assert time.monotonic() - started < 4


# ------------------------------------------------------------ "file in use"


class InUse:
    """Windows refuses to replace or remove a file another process has open (without
    FILE_SHARE_DELETE, as Python opens files): ``os.replace``/``os.rename`` onto a file a
    reader holds, now and then, raise PermissionError as Windows does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, every: int = 3) -> None:
        self.calls, self.every, self.refused = 0, every, 0
        self.real_replace, self.real_rename = os.replace, os.rename
        self.lock = threading.Lock()
        monkeypatch.setattr(os, "replace", self.replace)
        monkeypatch.setattr(os, "rename", self.rename)

    def _in_use(self, target: object) -> bool:
        with self.lock:
            self.calls += 1
            refuse = os.path.exists(str(target)) and self.calls % self.every == 0
            self.refused += refuse
            return refuse

    def replace(self, src: object, dst: object, **kw: object) -> None:
        if self._in_use(dst):
            raise PermissionError(13, "The process cannot access the file because it is "
                                  "being used by another process", str(dst))  # fmt: skip
        self.real_replace(src, dst, **kw)  # type: ignore[arg-type]

    def rename(self, src: object, dst: object, **kw: object) -> None:
        if self._in_use(src):
            raise PermissionError(13, "Access is denied", str(src))
        self.real_rename(src, dst, **kw)  # type: ignore[arg-type]


def test_the_lease_holds_when_windows_refuses_a_file_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One holder at a time, and a renewal or a release survives a reader holding the owner
    file open (Windows' PermissionError), with three writers and a reader in threads."""
    in_use = InUse(monkeypatch)
    board = tmp_path / "C-0421.board"
    board.write_bytes(b"")
    holders: list[str] = []
    overlaps: list[str] = []
    lost: list[str] = []
    done = threading.Event()

    def writer(login: str) -> None:
        lease = WriteLease(board, LeaseOwner.create(login, host="ward-pc"), ttl=0.6, wait=20)
        for _ in range(4):
            with lease:
                holders.append(login)
                if len(holders) != 1:
                    overlaps.append(",".join(holders))
                renewed = lease.holder().renewed  # type: ignore[union-attr]
                time.sleep(0.5)  # long enough for a renewal (every ttl / 3), even when busy
                holder = lease.holder()
                if not lease.verify() or holder is None or holder.renewed <= renewed:
                    lost.append(login)  # a renewal did not survive the reader
                holders.remove(login)

    def reader() -> None:
        lease = WriteLease(board, LeaseOwner.create("viewer", host="ward-pc"))
        while not done.is_set():
            lease.holder()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("ana", "ben", "cat")]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    watcher.join(5)
    assert not overlaps and not lost
    assert in_use.refused > 0  # Windows' refusal was met, and passed
    assert not list(tmp_path.glob("*.lock*")) and not list(tmp_path.glob(".*tmp-*"))


def test_serve_says_plainly_that_it_is_for_linux_and_macos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formboard.cli import serve

    monkeypatch.setattr(serve.sys, "platform", "win32")
    done = runner.invoke(cli, ["serve", str(tmp_path)])
    assert done.exit_code == 1
    assert "formboard serve runs on Linux and macOS" in done.output
