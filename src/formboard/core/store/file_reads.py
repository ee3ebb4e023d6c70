"""How a board file is read: read-only connections, settled reads, damage only when sure.

A part of BoardStore (see its docstring for the protocol every opener keeps). Every read
uses a read-only connection, which can never roll a journal back; on a network drive a
fresh one, which sees past stale page caches. A read that meets a commit in progress is
tried again, bounded; one that keeps meeting commits waits for the write lease and reads
under it; then one sentence says the board is busy (``BoardBusy``), never damaged.
"Damaged" is said only when ``integrity_check`` on a fresh read-only connection, taken
under the lease, confirms it (:meth:`FileReader.damage`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from formboard.core.errors import (
    BoardBusy,
    BoardCorrupt,
    BoardLocked,
    BoardNotFound,
    BoardReadOnly,
    DriveProblem,
    FormboardError,
    NotABoard,
)
from formboard.core.store import files, rows
from formboard.core.store.files import SqliteConnection
from formboard.core.store.reads import RETRY_PAUSES, pause_before_retry
from formboard.core.store.sql import BoardConnection
from formboard.core.store.writes import leased

if TYPE_CHECKING:
    from formboard.core.lock import LeaseInfo, WriteLease

T = TypeVar("T")

# A read that met a commit this many times waits its turn for the write lease and reads
# under it, where no formboard commit can be in progress: a colleague writing without a
# pause (and a loaded machine stretching each commit) can no longer starve it.
LEASED_AFTER = 2
_TRANSIENT = (
    "readonly", "unable to open", "disk i/o", "malformed", "locked", "busy", "not a database",
)  # fmt: skip
# How long damage must persist before it is believed: a caching mount's attributes lag.
_CONFIRM_S = 1.0
_CONFIRM_NETWORK_S = 25.0


class CommitInProgress(sqlite3.DatabaseError):
    """A read overlapped a colleague's commit (its journal was live, or the revision moved)."""


class FileReader:
    """The reading of one board file, owned by its BoardStore: the settled-read protocol,
    the read-only connections, the damage check and the sentence for an SQLite error.

    ``mode`` is how SQLite may open the file ("rw" or "ro", from ``files.access``);
    ``opened`` turns true once the file proved to be a board, ``closed`` when the store
    closes; ``corrupt`` makes the sentence for confirmed damage (and the store read-only).
    """

    def __init__(
        self,
        path: Path,
        lease: WriteLease,
        *,
        network: bool,
        corrupt: Callable[[str], BoardCorrupt],
        on_lock_wait: Callable[[LeaseInfo | None, float], None] | None = None,
        on_busy: Callable[[float], None] | None = None,
    ) -> None:
        self.path, self.lease, self.network = path, lease, network
        self.corrupt, self.on_lock_wait, self.on_busy = corrupt, on_lock_wait, on_busy
        self.mode = "rw"
        self.opened = False
        self.closed = False
        self._local = threading.local()  # each thread's read-only connection (local disk)
        self._readers: list[SqliteConnection] = []
        self._readers_lock = threading.Lock()

    def connect(self, mode: str) -> SqliteConnection:
        return files.connect(self.path, mode)

    def close(self) -> None:
        """No more reads; the read-only connections kept for threads are closed."""
        self.closed = True
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # ------------------------------------------------------------- reading

    def read(self, fn: Callable[[BoardConnection], T], *, settled: bool = True) -> T:
        """``fn(conn)`` in one read transaction on a fresh read-only connection.

        A read-only connection never rolls a journal back (see the module docstring). A
        colleague's commit in progress, a busy lock or a cache that is behind is met as an
        SQLite error, or (``settled``) as the journal turning live or the revision moving
        during the read: each is tried again, bounded. ``settled=False`` is for reads of one
        value, which cannot be torn. Errors become the typed sentences of ``sqlite_error``.
        """
        problem: sqlite3.Error | None = None
        waited = 0.0
        for attempt, pause in enumerate((*RETRY_PAUSES, None)):
            try:
                if attempt >= LEASED_AFTER and isinstance(problem, CommitInProgress):
                    return self._read_leased(fn, settled)
                return self._read_once(fn, settled)
            except CommitInProgress as exc:
                problem = exc
            except sqlite3.Error as exc:
                if not self.transient(exc):
                    raise self.sqlite_error(exc, writing=False) from None
                problem = exc
                if "readonly" in str(exc) and attempt == len(RETRY_PAUSES) - 1:
                    # A live journal for seconds while nobody holds the lease: a crashed
                    # writer's. A colleague's commit holds the lease, so this waits for it.
                    self.roll_back_crashed_journal()
            if pause is not None:
                waited = pause_before_retry(self.on_busy, pause, waited)
        assert problem is not None
        raise self.unsettled(problem, writing=False)

    def _read_leased(self, fn: Callable[[BoardConnection], T], settled: bool) -> T:
        """The read, under the write lease when this process may take it: it waits its turn
        behind a colleague's commit (bounded; a lease that stays taken is a busy board)."""
        if not self.can_lease():
            return self._read_once(fn, settled)
        try:
            with leased(self.lease, self.on_lock_wait):
                return self._read_once(fn, settled)
        except BoardLocked:
            raise BoardBusy.saying(writing=False) from None

    def _read_once(self, fn: Callable[[BoardConnection], T], settled: bool) -> T:
        if self.closed:
            raise BoardReadOnly("The board is closed.")
        with self._reader() as conn:
            try:
                conn.begin_read()
                if not settled:
                    return fn(conn)
                # Revision first, then the journal: a commit that began after this point
                # bumps the revision (seen below), one that began before left it live.
                before = rows.read_revision(conn)
                if files.journal_live(self.path):
                    raise CommitInProgress("a commit is in progress")
                result = fn(conn)
            finally:
                if conn.in_transaction:
                    conn.commit()
        if files.journal_live(self.path) or self._read_once(rows.read_revision, False) != before:
            raise CommitInProgress("the board changed while it was read")
        return result

    @contextlib.contextmanager
    def _reader(self) -> Iterator[BoardConnection]:
        """A read-only connection for one read transaction.

        On a network drive a fresh one each time: a connection kept open reads pages from
        the client's stale cache (DESIGN §4). On a local disk the page cache is coherent,
        so each thread keeps one (parsing the schema costs more than the read); a
        read-only connection never rolls a journal back, kept or not.
        """
        if self.network:
            with closing(self.connect("ro")) as fresh:
                yield fresh
            return
        conn: SqliteConnection | None = getattr(self._local, "reader", None)
        if conn is None:
            conn = self._local.reader = self.connect("ro")
            with self._readers_lock:
                self._readers.append(conn)
        try:
            yield conn
        except sqlite3.Error:
            self._local.reader = None  # it may be wedged: the next read connects afresh
            with self._readers_lock, contextlib.suppress(ValueError):
                self._readers.remove(conn)
            conn.close()
            raise

    def transient(self, exc: sqlite3.Error) -> bool:
        """Whether an error may pass when tried again (see ``RETRY_PAUSES``)."""
        text = str(exc).lower()
        if not self.opened and ("not a database" in text or "encrypted" in text):
            return False  # a file that never was a board (a JSON file, say) will not become one
        return any(t in text for t in _TRANSIENT)

    def can_lease(self) -> bool:
        """Whether this process may take the lease (it needs to write in the folder)."""
        return self.mode == "rw" and os.access(self.path.parent, os.W_OK)

    def roll_back_crashed_journal(self) -> None:
        """Let SQLite roll a hot journal back while we hold the lease, so no commit is torn.

        Under the lease no formboard commit is in progress anywhere, so a live journal
        is a crashed writer's.
        """
        if not self.can_lease():
            return
        with (
            contextlib.suppress(sqlite3.Error, BoardLocked),
            leased(self.lease, self.on_lock_wait),
            closing(self.connect("rw")) as conn,
        ):
            conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()

    # ---------------------------------------------------- checks and damage

    def complaint(self, pragma: str) -> str | None:
        """None when ``PRAGMA <pragma>`` says ok, else its first complaint (unconfirmed)."""
        try:
            return self.read(lambda conn: first_complaint(conn, pragma), settled=False)
        except (BoardCorrupt, BoardBusy) as exc:
            return str(exc)

    def damage(self) -> str | None:
        """What is wrong with the file, confirmed; None when it is sound.

        Only ``integrity_check`` on a fresh read-only connection, taken while holding the
        write lease (so no formboard commit is in progress anywhere), may call a board
        damaged. A cache that is behind (an sshfs mount's file size) can make a sound file
        look cut short for a while, so such an error is asked again until ``_CONFIRM_S``
        has passed. A file that cannot be reached is not damaged: BoardBusy, as is a lease
        that stays taken (BoardLocked). Where no lease can be taken (a read-only folder)
        the check runs without it.
        """
        can_lease = self.can_lease()
        with leased(self.lease, self.on_lock_wait) if can_lease else contextlib.nullcontext():
            deadline = time.monotonic() + (_CONFIRM_NETWORK_S if self.network else _CONFIRM_S)
            while True:
                try:
                    with closing(self.connect("ro")) as conn:
                        return first_complaint(conn, "integrity_check")
                except sqlite3.DatabaseError as exc:
                    text = str(exc)
                    if "readonly" in text:
                        self.roll_back_crashed_journal()  # we hold the lease: a crash's
                    damaged = any(w in text for w in ("malformed", "not a database", "corrupt"))
                    if time.monotonic() >= deadline:
                        if damaged:
                            return text
                        raise BoardBusy.saying(writing=False) from None
                time.sleep(0.25)

    def unsettled(self, problem: sqlite3.Error, writing: bool) -> FormboardError:
        """The sentence for an error that did not pass when tried again.

        "Damaged" only when :meth:`damage` confirms it; otherwise the board is sound and
        was busy, and nothing was written.
        """
        text = str(problem)
        if "locked" in text or "busy" in text or isinstance(problem, CommitInProgress):
            return BoardBusy.saying(writing)
        if not self.path.parent.exists():
            return BoardNotFound(
                f"The board {self.path} could not be reached ({text}); "
                "check that its drive is connected, then try again."
            )
        try:
            found = self.damage()
        except (BoardLocked, BoardBusy):
            return BoardBusy.saying(writing)
        if found:
            return self.corrupt(found)
        if writing and ("readonly" in text or "read-only" in text):
            return BoardReadOnly(f"The board cannot be changed: {self.path} is read-only.")
        return BoardBusy.saying(writing)

    def sqlite_error(self, exc: sqlite3.Error, writing: bool = True) -> Exception:
        """One sentence for an SQLite error that trying again will not change."""
        text = str(exc)
        if "disk is full" in text:  # SQLITE_FULL: the drive, not the board
            return DriveProblem(errno.ENOSPC, self.path.parent, "nothing was changed")
        if not self.opened and ("not a database" in text or "encrypted" in text):
            return NotABoard(f"{self.path} is not a formboard board (not an SQLite file).")
        if self.transient(exc) or "not a database" in text or "corrupt" in text:
            return self.unsettled(exc, writing)
        if not writing:
            return BoardNotFound(
                f"The board {self.path} could not be read ({text}); "
                "check that its drive is connected, then try again."
            )
        return BoardReadOnly(f"The board could not be written ({text}); nothing was changed.")


def first_complaint(conn: BoardConnection, pragma: str) -> str | None:
    found = conn.execute(f"PRAGMA {pragma}").fetchall()
    first = found[0][0] if found else "no answer"
    return None if first == "ok" else str(first)
