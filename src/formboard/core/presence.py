"""Who else has the board open, and which card they are on (DESIGN §5).

Presence never touches the board file: a heartbeat there would wake every viewer and
contend for the write lease. Each running app keeps one small JSON file in
``<board>.presence/``, rewritten (write-temp-then-rename) on focus change and every few
seconds; everyone reads the folder on each poll.

Whether an entry is fresh is judged by its ``beat``, a counter the writer bumps on every
write: an entry is gone once its content has not changed for ``stale_after`` seconds of
*our own monotonic clock*. That never compares two machines' clocks (skewed wall clocks
between hosts) and never trusts ``stat()`` (attribute caches hold mtimes for 20-60 s on
sshfs and NFS, DESIGN §4); opening and reading a tiny file sees remote writes at once.
Only an entry seen for the first time is also judged by its mtime against the server's
time (a freshly written probe file, as the lease does, DESIGN §3), so a file left behind
by a crash long ago is not shown for ``stale_after`` seconds on start-up.

Presence files hold card ids, logins, where a person is (the board, a card, the history
at a revision) and the filter they typed, never a card's text. A filter may quote the
board, so the files are as private as the board: the same folder, the same mode.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from formboard.core.digest import hex_digest
from formboard.core.drives import modes_hold
from formboard.core.files import private_mode, server_now, write_atomically
from formboard.core.identity import Identity, current_identity
from formboard.core.model import now_iso
from formboard.core.person import person_key
from formboard.core.presence_entry import VIEWS, WHERE_DEFAULTS
from formboard.core.presence_entry import PresenceEntry as PresenceEntry  # re-exported: read here
from formboard.core.settings import config_path

STALE_AFTER = 15.0
BEAT_EVERY = 5.0
_FORGET_AFTER = 4  # × stale_after unchanged: the file is removed, whoever left it
_FIRST_SIGHT_SLACK = 2  # × stale_after by server time: an unknown file counts as old
_MAX_FILE = 16_384
_CARD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


def presence_folder(board_path: Path) -> Path:
    """``<board>.presence/``, beside the board."""
    board_path = Path(board_path)
    return board_path.with_name(board_path.name + ".presence")


def file_name(key: str) -> str:
    """The presence file's name for an entry key, safe on every file system."""
    return _UNSAFE.sub("_", key) + ".json"


class Presence:
    """This app's presence on one board, and everyone else's.

    Thread-safe. Every method does file I/O on the (possibly network) drive, so the app
    calls them from a worker thread, never its UI thread. Writing and reading hold
    separate locks: a slow read of the folder never delays a focus announcement.
    """

    def __init__(
        self,
        board_path: Path,
        identity: Identity | None = None,
        *,
        client_id: str = "",
        stale_after: float = STALE_AFTER,
        beat_every: float = BEAT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.board_path = Path(board_path).absolute()
        self.identity = identity or current_identity()
        self.client_id = client_id
        self.stale_after = stale_after
        self.beat_every = beat_every
        self.clock = clock
        self.folder = presence_folder(self.board_path)
        self.pid = os.getpid()
        self.machine = _boot_id()
        me = self.identity
        self.path = self.folder / file_name(f"{me.login}@{me.host}-{self.pid}")
        self.problem: str | None = None
        self.read_only = False
        self.focused: str | None = None
        self.following: str | None = None
        self.where: dict[str, Any] = {}  # view, filter, ...: checked in announce
        self._beat = 0
        self._last_write: float | None = None
        self._left = False
        self._seen: dict[str, tuple[tuple[object, ...], float]] = {}  # name -> (version, since)
        self._entries: dict[str, PresenceEntry] = {}  # name -> the entry last read
        self._fresh: list[PresenceEntry] = []  # the last answer of others()
        self._read_at = float("-inf")
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        # Person.token -> (board file moved on to, when): where colleagues went on to.
        self.moves: dict[str, tuple[str, str]] = {}

    # --------------------------------------------------------------- writing

    def announce(
        self, focused: str | None = None, following: str | None = None, **where: object
    ) -> None:
        """Write my file now: ``focused`` is a card id, ``following`` a login (or None).

        ``where``: ``view`` ("" the board, "card", "history", "map"), ``filter`` (what I
        typed), ``history_rev``, ``summon``, ``centre`` and ``following_name`` (the name of
        whom I follow: a login may be shared; see PresenceEntry); left out, each is as it was.
        """
        if focused is not None and not _CARD_ID.match(focused):
            raise ValueError("presence takes a card id (letters, digits, - and _), not text")
        if following is not None and (len(following) > 128 or not following.isprintable()):
            raise ValueError("presence takes a login to follow, not text")
        if where.get("view", "") not in VIEWS or set(where) - (WHERE_DEFAULTS.keys() - {"machine"}):
            raise ValueError("presence takes a view of the board, card, history or map")
        centre = str(where.get("centre", ""))
        if centre and not _CARD_ID.match(centre):
            raise ValueError("presence takes a card id (letters, digits, - and _), not text")
        if len(str(where.get("filter", ""))) > 200:
            raise ValueError("a filter that long is not announced")
        named = str(where.get("following_name", ""))
        if len(named) > 200 or not named.isprintable():
            raise ValueError("presence takes the name of whom I follow, not text")
        with self._write_lock:
            self.focused, self.following = focused, following
            self.where.update(where)
            self._write()

    def heartbeat(self) -> None:
        """Rewrite my file if it is ``beat_every`` seconds old; call this every second or so."""
        with self._write_lock:
            if self._last_write is None or self.clock() - self._last_write >= self.beat_every:
                self._write()

    def leave(self) -> None:
        """Remove my file; after this, announce and heartbeat do nothing."""
        with self._write_lock:
            self._left = True
            if not self.read_only:
                with contextlib.suppress(OSError):
                    os.unlink(self.path)

    def _write(self) -> None:
        if self._left or self.read_only:
            return
        file_mode, dir_mode = private_mode(self.board_path.parent)
        entry = self.entry()
        try:
            self._make_folder(dir_mode)
            write_atomically(self.path, entry.to_json(), file_mode)
        except OSError as exc:
            if isinstance(exc, PermissionError) or exc.errno in _READ_ONLY_ERRNOS:
                self.read_only = True
                self.problem = (
                    "Colleagues cannot see that you have this board open: its presence "
                    "folder is not writable for you. You still see them."
                )
            else:  # a drive hiccup: the next heartbeat tries again
                self.problem = (
                    "Colleagues may not see that you have this board open: the presence "
                    f"file could not be written ({exc.strerror or type(exc).__name__})."
                )
            return
        self._last_write = self.clock()
        self.problem = None

    def entry(self) -> PresenceEntry:
        """My entry as colleagues read it, with the next beat."""
        me = self.identity
        self._beat += 1
        return PresenceEntry(
            login=me.login, name=me.name, discipline=me.discipline, initials=me.initials,
            host=me.host, pid=self.pid, client_id=self.client_id, focused=self.focused,
            following=self.following, at=now_iso(), beat=self._beat, machine=self.machine,
            **self.where,
        )  # fmt: skip

    def _make_folder(self, dir_mode: int) -> None:
        try:
            os.mkdir(self.folder, dir_mode)
        except FileExistsError:
            return
        if modes_hold(self.folder.parent):  # the umask strips a team folder's group bits
            os.chmod(self.folder, dir_mode)

    # --------------------------------------------------------------- reading

    def others(self) -> list[PresenceEntry]:
        """Everyone else with the board open, fresh entries only, sorted by name."""
        with self._read_lock:
            return self._others()

    def _others(self) -> list[PresenceEntry]:
        now = self.clock()
        try:
            names = os.listdir(self.folder)
        except OSError:
            # A drive away for a moment is not everyone leaving (a follower would stop
            # following): the last answer stands until it would have gone stale.
            return self._fresh if now - self._read_at < self.stale_after else []
        seen: dict[str, tuple[tuple[object, ...], float]] = {}
        fresh: list[PresenceEntry] = []
        first_sight: dict[str, float] = {}  # name -> mtime, to judge by server time
        moves: dict[str, tuple[str, str]] = {}
        for name in names:
            if name.startswith(MOVED) and name.endswith(".json"):
                moved = _read_move(self.folder / name)
                if moved is not None:
                    moves[moved[0]] = moved[1]
                continue
            if name.startswith(".") or not name.endswith(".json") or name == self.path.name:
                continue
            found = _read_entry(self.folder / name)
            if found is None:  # partial, corrupt, gone since listdir, or a caching mount
                before = self._seen.get(name)  # that failed a read for a moment: as it was
                if before is not None and name in self._entries:
                    seen[name] = before
                    if now - before[1] < self.stale_after:
                        fresh.append(self._entries[name])
                continue
            entry, mtime = found
            if file_name(entry.key) != name:
                continue  # a file under someone else's name
            version = (entry.beat, entry.at, entry.client_id)
            before = self._seen.get(name)
            since = before[1] if before is not None and before[0] == version else now
            if before is None:
                first_sight[name] = mtime
            seen[name] = (version, since)
            if self._dead_here(entry) or now - since >= self.stale_after * _FORGET_AFTER:
                self._remove(name)
                seen.pop(name)
            elif now - since < self.stale_after:
                fresh.append(entry)
            self._entries[name] = entry
        if first_sight:
            fresh = self._judge_first_sight(fresh, first_sight, seen, now)
        self._seen = seen
        self._entries = {n: e for n, e in self._entries.items() if n in seen}
        self.moves = moves
        self._fresh = sorted(fresh, key=lambda e: (e.name.casefold(), e.login, e.key))
        self._read_at = now
        return self._fresh

    def _judge_first_sight(
        self,
        fresh: list[PresenceEntry],
        first_sight: dict[str, float],
        seen: dict[str, tuple[tuple[object, ...], float]],
        now: float,
    ) -> list[PresenceEntry]:
        """Hide files we have never seen whose mtime is long past by the server's clock."""
        server_now = self._server_now()
        if server_now is None:
            return fresh  # read-only: the beat alone decides, after stale_after
        old = {
            name
            for name, mtime in first_sight.items()
            if server_now - mtime > self.stale_after * _FIRST_SIGHT_SLACK
        }
        for name in old:
            version, _ = seen[name]
            seen[name] = (version, now - self.stale_after)  # stale until its beat moves
        return [e for e in fresh if file_name(e.key) not in old]

    def _server_now(self) -> float | None:
        """The file server's clock, from a probe file in the presence folder."""
        if self.read_only or not self.folder.is_dir():
            return None
        return server_now(self.folder / f".probe-{uuid.uuid4().hex}")

    def _dead_here(self, entry: PresenceEntry) -> bool:
        """True for a file from this machine whose process has ended."""
        if entry.host != self.identity.host or entry.pid == self.pid:
            return False
        if not self.machine or entry.machine != self.machine:
            # Another machine with the same name, or before a reboot; or no boot id to tell
            # (macOS, Windows): never judged by this machine's processes.
            return False
        return not _pid_alive(entry.pid)

    def _remove(self, name: str) -> None:
        if not self.read_only:
            with contextlib.suppress(OSError):
                os.unlink(self.folder / name)


def same_name_said(identity: Identity, others: list[PresenceEntry]) -> str | None:
    """What to tell me when another app at my login goes by my name, or None.

    Colleagues at one login are told apart by their names; two apps that claim the same one
    are one person to everyone (their following, meetings and undo). It may be me twice.
    """
    me = identity.person
    twin = next((e for e in others if e.person == me), None)
    if twin is None:
        return None
    where = "on this computer" if twin.host == identity.host else f"on {twin.host}"
    return (
        f"Another formboard at this login is also called {me.name} ({where}). If that is "
        f"someone else, set your own name in {config_path()} (see “Who you are” in the "
        "README) so colleagues can tell you apart."
    )


MOVED = "moved-"  # a file that says where someone went on from this board


def record_move(board_path: Path, identity: Identity, to_board: Path) -> None:
    """Say, beside ``board_path``, that I went on to ``to_board`` (a board in the same
    folder): colleagues who followed me there are offered to come along.

    Only the board file's name is written (a client code), never client text; a folder
    that cannot be written is no error (nobody is told, nothing else changes). One file per
    person — login and name, for colleagues at one login go on to boards of their own.
    """
    to_board = Path(to_board)
    if to_board.parent.absolute() != Path(board_path).parent.absolute():
        return
    folder = presence_folder(Path(board_path))
    file_mode, _ = private_mode(folder.parent)
    me = identity.person
    data = json.dumps(
        {"login": me.login, "name": me.name, "to": to_board.name, "at": now_iso()},
        ensure_ascii=False,
    ).encode()
    named = hex_digest(me.name.encode())[:12]  # a name is no file name
    with contextlib.suppress(OSError):
        if folder.is_dir():
            write_atomically(folder / file_name(f"{MOVED}{me.login}-{named}"), data, file_mode)


def _read_move(path: Path) -> tuple[str, tuple[str, str]] | None:
    """``(Person.token, (board file name, when))`` from a move file, or None for anything
    odd (a file of an earlier formboard, without a name, is its login's)."""
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(_MAX_FILE))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    login, to, at = data.get("login"), data.get("to"), data.get("at")
    if not (isinstance(login, str) and isinstance(to, str) and isinstance(at, str)) or not (
        login and to and at
    ):
        return None
    if "/" in to or "\\" in to or to.startswith(".") or not to.isprintable():
        return None
    name = data.get("name")
    return person_key(login, name if isinstance(name, str) else "").token, (to, at)


def _read_entry(path: Path) -> tuple[PresenceEntry, float] | None:
    """An entry and its file's mtime, read through one descriptor, or ``None``."""
    try:
        with open(path, "rb") as f:
            mtime, raw = os.fstat(f.fileno()).st_mtime, f.read(_MAX_FILE + 1)
    except OSError:
        return None
    entry = PresenceEntry.from_json(raw) if len(raw) <= _MAX_FILE else None
    return (entry, mtime) if entry is not None else None


def _pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` runs on this machine; unsure counts as alive."""
    if os.name == "nt":
        return True  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True  # EPERM: alive, someone else's; anything else: unsure
    return True


def _boot_id() -> str:
    """This machine's boot id (Linux), or "" where there is none."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""
