"""BoardStore: the one door to a board file.

Every write is an op: one ``BEGIN IMMEDIATE`` transaction inside the write
lease that changes rows, appends to the op log and bumps ``meta.revision``
(triggers bump it, so writers that bypass formboard bump it too). After commit,
still inside the lease, the sidecar ``<board>.rev`` is replaced so viewers on
network drives notice, and it never goes back to an older revision.

One protocol for every opener, wherever it sits (DESIGN §3): a colleague may reach the
same file through a mount whose SQLite locks never reach us, so a process on the file
server's own disk treats the board exactly as one on a network drive does.

- A read-write connection exists only while this process holds the write lease: it is
  opened inside the lease and closed before the lease is given back. SQLite rolls back
  any journal it takes for hot, and without the lease that "hot" journal may be another
  host's commit in progress; rolling it back tears that commit.
- Every read uses a read-only connection, which can never roll a journal back (SQLite
  answers SQLITE_READONLY_ROLLBACK instead); on a network drive a fresh one, which sees
  past stale page caches. A read that meets a commit in progress is tried again,
  bounded, then one sentence says the board is busy (``BoardBusy``), never damaged.
- "Damaged" is said only when ``integrity_check`` on a fresh read-only connection, taken
  under the lease, confirms it (:meth:`BoardStore.damage`).

Not thread-safe for writes: one store per writing thread (the TUI's session owns one).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from formboard.core.changes import ChangeSet
from formboard.core.errors import (
    BoardBusy,
    BoardCorrupt,
    BoardLocked,
    BoardNotFound,
    BoardReadOnly,
    DriveProblem,
    FormboardError,
    InvalidInput,
    NotABoard,
)
from formboard.core.filesystem import is_network_drive
from formboard.core.identity import Identity, current_identity
from formboard.core.lock import LeaseInfo, LeaseOwner, WriteLease
from formboard.core.model import (
    Board,
    Card,
    Member,
    Op,
    clean_client_code,
    clean_line,
    now_iso,
)
from formboard.core.store import feed, files, health, ops, rows, schema
from formboard.core.store.edits import BoardEdits, column_of, new_id
from formboard.core.store.writes import (
    AmbiguousCommit,
    Author,
    OpFn,
    Record,
    leased,
    run_transaction,
)

__all__ = ["BoardStore", "column_of", "new_id"]

T = TypeVar("T")

# A read or write can meet another host's commit in progress (a live journal) or, through
# a caching mount, a file size that is seconds behind ("malformed", "unable to open"):
# each passes in a moment, so it is tried again after these pauses (about 3 s in all).
_RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
_TRANSIENT = (
    "readonly", "unable to open", "disk i/o", "malformed", "locked", "busy", "not a database",
)  # fmt: skip
# How long damage must persist before it is believed: a caching mount's attributes lag.
_CONFIRM_S = 1.0
_CONFIRM_NETWORK_S = 25.0


class BoardStore(BoardEdits):
    """Create, open, read and write one board file."""

    def __init__(
        self,
        path: Path | str,
        *,
        identity: Identity | None = None,
        read_only: bool = False,
        lease_ttl: float | None = None,
        lock_wait: float | None = None,
        on_lock_wait: Callable[[LeaseInfo | None, float], None] | None = None,
        on_busy: Callable[[float], None] | None = None,
        _create: tuple[str, str] | None = None,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.identity = identity or current_identity()
        self.client_id = secrets.token_hex(8)
        self.read_only_reason: str | None = "it was opened read-only" if read_only else None
        self.on_lock_wait = on_lock_wait
        self.on_busy = on_busy  # told (seconds so far) before each retry of a busy board
        self.network = is_network_drive(self.path)
        owner = LeaseOwner(
            login=self.identity.login,
            name=self.identity.name,
            host=self.identity.host,
            pid=os.getpid(),
            uuid=self.client_id,
        )
        self.lease = WriteLease(self.path, owner, ttl=lease_ttl, wait=lock_wait)
        self._closed = False
        self._opened = False  # until the file proved to be a board
        self._local = threading.local()  # each thread's read-only connection (local disk)
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._sqlite_mode = "rw"
        self._client_seq = 0
        self._member_recorded = False
        self._meta_broken = False  # read-only only until `repair` (health.meta_problems)
        self._repairing = False
        if _create is not None:
            self._create_file(*_create)
        else:
            self._open_existing()

    # ------------------------------------------------------------- opening

    @classmethod
    def create(cls, path: Path | str, client: str, title: str = "", **kwargs: Any) -> BoardStore:
        """Create a new board file; BoardExists if a file is already there."""
        try:
            client = clean_client_code(client)
        except ValueError as exc:
            raise InvalidInput(f"The client code {exc}.") from None
        try:
            title = clean_line(title)
        except ValueError as exc:
            raise InvalidInput(f"The board title {exc}.") from None
        return cls(path, _create=(client, title), **kwargs)

    @classmethod
    def open(cls, path: Path | str, **kwargs: Any) -> BoardStore:
        """Open an existing board: BoardNotFound, NotABoard or BoardCorrupt if it can't be."""
        return cls(path, **kwargs)

    def _connect(self, mode: str) -> sqlite3.Connection:
        return files.connect(self.path, mode)

    def _create_file(self, client: str, title: str) -> None:
        files.create_private(self.path)
        try:
            with leased(self.lease, self.on_lock_wait), closing(self._connect("rwc")) as conn:
                conn.execute("BEGIN IMMEDIATE")
                schema.create_schema(conn, client, title, new_id(), now_iso())
                conn.execute("COMMIT")
                files.write_sidecar(self.path, 0, self.client_id)
        except BaseException:
            self._closed = True
            for made in (self.path, files.journal_path(self.path)):
                with contextlib.suppress(OSError):
                    made.unlink()
            raise
        self._opened = True

    def _open_existing(self) -> None:
        path = self.path
        self._sqlite_mode, reason = files.access(path)
        self.read_only_reason = self.read_only_reason or reason
        try:
            meta = self._read(_meta_or_nothing, settled=False)
        except BaseException:
            self._closed = True
            raise
        if meta.get("format") != schema.FORMAT_NAME:
            self._closed = True
            raise NotABoard(f"{path} is an SQLite database but not a formboard board.")
        self._opened = True
        version = health.int_setting(meta, "schema_version")
        broken = [p.field for p in health.meta_problems(meta)]
        if broken:
            # Without them a write could land in an unknown schema or move the revision
            # backwards (viewers would miss it): read-only until `formboard repair`.
            self.read_only_reason = self.read_only_reason or (
                f"its {' and '.join(broken)} {'were' if len(broken) > 1 else 'was'} changed outside formboard: "
                f"`formboard repair {path}` puts them back"
            )
            self._meta_broken = True
            version = schema.SCHEMA_VERSION if version is None else version
        if version > schema.SCHEMA_VERSION:
            self.read_only_reason = (
                f"it was written by a newer formboard (schema {version}; this one knows "
                f"{schema.SCHEMA_VERSION}): update formboard to edit it"
            )
        try:
            quick = partial(_first_complaint, pragma="quick_check")
            problem = self._read(quick, settled=False) and self.damage()
        except BoardCorrupt as exc:
            problem = exc.problem  # confirmed while reading: the file is damaged
        except BaseException:
            self._closed = True
            raise
        if problem:
            self.read_only_reason = f"the file is damaged ({problem}): restore a backup"
        elif version < schema.SCHEMA_VERSION and self.read_only_reason is None:
            try:
                self._migrate()
            except BaseException:
                self._closed = True
                raise

    def _migrate(self) -> None:
        with leased(self.lease, self.on_lock_wait), closing(self._connect("rw")) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = health.int_setting(_meta_or_nothing(conn), "schema_version") or 0
                if current < schema.SCHEMA_VERSION:
                    schema.migrate(conn, current)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _corrupt(self, problem: object) -> BoardCorrupt:
        self.read_only_reason = "the file is damaged: restore a backup"
        error = BoardCorrupt(
            f"{self.path} is damaged ({problem}); formboard will not write to it. "
            "Restore a backup (see `formboard check`)."
        )
        error.problem = str(problem)
        return error

    def close(self) -> None:
        """Close the store and its read connections; it cannot be used afterwards."""
        self._closed = True
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> BoardStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    @property
    def sidecar_path(self) -> Path:
        """``<board>.rev``: the revision, rewritten after every commit."""
        return files.sidecar_path(self.path)

    # --------------------------------------------------------------- reads

    def _read(self, fn: Callable[[sqlite3.Connection], T], *, settled: bool = True) -> T:
        """``fn(conn)`` in one read transaction on a fresh read-only connection.

        A read-only connection never rolls a journal back (see the module docstring). A
        colleague's commit in progress, a busy lock or a cache that is behind is met as an
        SQLite error, or (``settled``) as the journal turning live or the revision moving
        during the read: each is tried again, bounded. ``settled=False`` is for reads of one
        value, which cannot be torn. Errors become the typed sentences of ``_sqlite_error``.
        """
        problem: sqlite3.Error | None = None
        waited = 0.0
        for attempt, pause in enumerate((*_RETRY_PAUSES, None)):
            try:
                return self._read_once(fn, settled)
            except _CommitInProgress as exc:
                problem = exc
            except sqlite3.Error as exc:
                if not self._transient(exc):
                    raise self._sqlite_error(exc, writing=False) from None
                problem = exc
                if "readonly" in str(exc) and attempt == len(_RETRY_PAUSES) - 1:
                    # A live journal for seconds while nobody holds the lease: a crashed
                    # writer's. A colleague's commit holds the lease, so this waits for it.
                    self._roll_back_crashed_journal()
            if pause is not None:
                waited = self._pause(pause, waited)
        assert problem is not None
        raise self._unsettled(problem, writing=False)

    def _pause(self, pause: float, waited: float) -> float:
        """Tell ``on_busy`` and wait before trying a busy board again; the time waited."""
        if self.on_busy is not None:
            self.on_busy(waited)
        time.sleep(pause)
        return waited + pause

    def _read_once(self, fn: Callable[[sqlite3.Connection], T], settled: bool) -> T:
        if self._closed:
            raise BoardReadOnly("The board is closed.")
        with self._reader() as conn:
            try:
                conn.execute("BEGIN")
                if not settled:
                    return fn(conn)
                # Revision first, then the journal: a commit that began after this point
                # bumps the revision (seen below), one that began before left it live.
                before = rows.read_revision(conn)
                if files.journal_live(self.path):
                    raise _CommitInProgress("a commit is in progress")
                result = fn(conn)
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        if files.journal_live(self.path) or self._read_once(rows.read_revision, False) != before:
            raise _CommitInProgress("the board changed while it was read")
        return result

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection for one read transaction.

        On a network drive a fresh one each time: a connection kept open reads pages from
        the client's stale cache (DESIGN §4). On a local disk the page cache is coherent,
        so each thread keeps one (parsing the schema costs more than the read); a
        read-only connection never rolls a journal back, kept or not.
        """
        if self.network:
            with closing(self._connect("ro")) as conn:
                yield conn
            return
        conn = getattr(self._local, "reader", None)
        if conn is None:
            conn = self._local.reader = self._connect("ro")
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

    def _transient(self, exc: sqlite3.Error) -> bool:
        """Whether an error may pass when tried again (see ``_RETRY_PAUSES``)."""
        text = str(exc).lower()
        if not self._opened and ("not a database" in text or "encrypted" in text):
            return False  # a file that never was a board (a JSON file, say) will not become one
        return any(t in text for t in _TRANSIENT)

    def _can_lease(self) -> bool:
        """Whether this process may take the lease (it needs to write in the folder)."""
        return self._sqlite_mode == "rw" and os.access(self.path.parent, os.W_OK)

    def _roll_back_crashed_journal(self) -> None:
        """Let SQLite roll a hot journal back while we hold the lease, so no commit is torn.

        Under the lease no formboard commit is in progress anywhere, so a live journal
        is a crashed writer's.
        """
        if not self._can_lease():
            return
        with (
            contextlib.suppress(sqlite3.Error, BoardLocked),
            leased(self.lease, self.on_lock_wait),
            closing(self._connect("rw")) as conn,
        ):
            conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()

    def quick_check(self) -> str | None:
        """None when ``PRAGMA quick_check`` says ok, else its first complaint (unconfirmed)."""
        try:
            return self._read(partial(_first_complaint, pragma="quick_check"), settled=False)
        except (BoardCorrupt, BoardBusy) as exc:
            return str(exc)

    def integrity_check(self) -> str | None:
        """None when ``PRAGMA integrity_check`` says ok, else its first complaint."""
        try:
            return self._read(partial(_first_complaint, pragma="integrity_check"), settled=False)
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
        can_lease = self._can_lease()
        with leased(self.lease, self.on_lock_wait) if can_lease else contextlib.nullcontext():
            deadline = time.monotonic() + (_CONFIRM_NETWORK_S if self.network else _CONFIRM_S)
            while True:
                try:
                    with closing(self._connect("ro")) as conn:
                        return _first_complaint(conn, "integrity_check")
                except sqlite3.DatabaseError as exc:
                    text = str(exc)
                    if "readonly" in text:
                        self._roll_back_crashed_journal()  # we hold the lease: a crash's
                    damaged = any(w in text for w in ("malformed", "not a database", "corrupt"))
                    if time.monotonic() >= deadline:
                        if damaged:
                            return text
                        raise BoardBusy.saying(writing=False) from None
                time.sleep(0.25)

    def meta(self) -> dict[str, str]:
        """The board's settings (``meta``): format, schema version, revision, client, ..."""
        return self._read(_meta_or_nothing, settled=False)

    def logged_revision(self) -> int:
        """The revision the op log accounts for (less than ``revision()`` after an outside write)."""
        return self._read(
            lambda conn: int(conn.execute("SELECT MAX(rev_to) FROM ops").fetchone()[0] or 0),
            settled=False,
        )

    def revision(self) -> int:
        """The board's current revision."""
        return self._read(rows.read_revision, settled=False)

    def fresh_revision(self) -> int:
        """The revision through a brand-new connection (every read uses one)."""
        return self.revision()

    def board(self) -> Board:
        """Everything on the board, archived cards included."""
        return self._read(rows.read_board)

    def card(self, card_id: str) -> Card:
        """One card, with its perspectives, by full id or unique prefix."""

        def read(conn: sqlite3.Connection) -> Card:
            full = rows.resolve_card(conn, card_id)
            return rows.read_cards(conn, [full])[full]

        return self._read(read)

    def resolve_card_id(self, prefix: str) -> str:
        """The full id of the one card whose id starts with ``prefix``."""
        return self._read(partial(rows.resolve_card, prefix=prefix))

    def ops(self, since_seq: int = 0, limit: int | None = None) -> list[Op]:
        """The op log after ``since_seq``, oldest first."""

        def read(conn: sqlite3.Connection) -> list[Op]:
            found = conn.execute(
                "SELECT * FROM ops WHERE seq > ? ORDER BY seq LIMIT ?",
                (since_seq, -1 if limit is None else limit),
            )
            return [rows.op_from_row(r) for r in found]

        return self._read(read)

    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet:
        """What changed after ``revision`` (see ``feed.changes_since``)."""
        return self._read(partial(feed.changes_since, revision=revision, known=known))

    def problems(self) -> list[health.Problem]:
        """Every value another program stored that formboard would not have (``health``)."""
        return health.meta_problems(self.meta()) + self._read(health.row_problems)

    def repair(self) -> list[str]:
        """Put back the schema version and revision, and move orphans to the op log.

        Allowed on a board that is read-only only because those settings were broken.
        Returns what was done, one sentence each (nothing when all was well).
        """
        if self.read_only_reason is not None and not self._meta_broken:
            raise BoardReadOnly(f"The board cannot be changed: {self.read_only_reason}.")
        sidecar = files.read_sidecar_revision(self.path)
        self._repairing = True
        try:
            done = self._write(lambda conn, author: health.repair(conn, sidecar))
        finally:
            self._repairing = False
        if self._meta_broken:
            self._meta_broken, self.read_only_reason = False, None
        return done

    def backup(self, dest: Path) -> Path:
        """A consistent copy (SQLite's online backup) at ``dest``, owner-only.

        Taken under the write lease, so no commit from any host lands while it is copied.
        """
        with leased(self.lease, self.on_lock_wait), closing(self._connect("ro")) as conn:
            return files.backup(conn, Path(dest))

    # ---------------------------------------------------------- write path

    def _write(self, op_fn: Callable[..., Any]) -> Any:
        """Run ``op_fn(conn, author)`` as one op; a retried unclear commit never applies twice.

        The read-write connection is opened inside the lease and closed before it is given
        back: only the lease holder ever has one (see the module docstring). A commit that
        may have landed, or an error that passes (a cache behind, a drive away for a
        moment), is tried again, bounded, with the same ``client_seq``.
        """
        if self.read_only_reason is not None and not self._repairing:
            raise BoardReadOnly(f"The board cannot be changed: {self.read_only_reason}.")
        if self._closed:
            raise BoardReadOnly("The board is closed.")
        self._client_seq += 1
        client_seq = self._client_seq
        unclear = False  # a commit failed in a way that may have landed
        last_unclear = ""
        problem: sqlite3.Error | None = None
        waited = 0.0
        for pause in (*_RETRY_PAUSES, None):
            author = Author(self.identity.login, self.identity.name, now_iso())
            bound: OpFn = partial(op_fn, author=author)
            try:
                with leased(self.lease, self.on_lock_wait):
                    with closing(self._connect("rw")) as conn:
                        tx, revision = run_transaction(
                            conn, self.identity, self.client_id, client_seq, bound,
                            self.lease, self._join_record,
                        )  # fmt: skip
                    if revision is not None:
                        # Inside the lease, so sidecars are written in commit order.
                        files.write_sidecar(self.path, revision, self.client_id)
            except AmbiguousCommit as exc:
                unclear = True
                last_unclear = str(exc)
            except sqlite3.Error as exc:
                if not (unclear or self._transient(exc)):
                    raise self._sqlite_error(exc) from None
                problem = exc
            else:
                self._member_recorded = True
                if tx.conflict is not None:
                    raise tx.conflict
                return tx.result
            if pause is not None:
                waited = self._pause(pause, waited)
        if unclear and "disk is full" in last_unclear:
            # Each try first looked for this op in the log and did not find it, then its
            # COMMIT failed for want of space (SQLite rolls that back): nothing landed.
            raise DriveProblem(errno.ENOSPC, self.path.parent, "nothing was changed")
        if unclear:
            raise BoardReadOnly(
                "The board file could not be written: the drive kept failing, so your last "
                "change may not have been saved. Check the connection; the board shows what was."
            )
        assert problem is not None
        raise self._unsettled(problem, writing=True)

    def _join_record(self, conn: sqlite3.Connection) -> Record | None:
        """Make the writer a member of the board on their first write through this store."""
        if self._member_recorded:
            return None
        ident = self.identity
        me = Member(
            login=ident.login, name=ident.name, discipline=ident.discipline,
            initials=ident.initials, last_seen=now_iso(),
        )  # fmt: skip
        return ops.upsert_member(conn, me)

    def _unsettled(self, problem: sqlite3.Error, writing: bool) -> FormboardError:
        """The sentence for an error that did not pass when tried again.

        "Damaged" only when :meth:`damage` confirms it; otherwise the board is sound and
        was busy, and nothing was written.
        """
        text = str(problem)
        if "locked" in text or "busy" in text or isinstance(problem, _CommitInProgress):
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
            return self._corrupt(found)
        if writing and ("readonly" in text or "read-only" in text):
            return BoardReadOnly(f"The board cannot be changed: {self.path} is read-only.")
        return BoardBusy.saying(writing)

    def _sqlite_error(self, exc: sqlite3.Error, writing: bool = True) -> Exception:
        """One sentence for an SQLite error that trying again will not change."""
        text = str(exc)
        if "disk is full" in text:  # SQLITE_FULL: the drive, not the board
            return DriveProblem(errno.ENOSPC, self.path.parent, "nothing was changed")
        if not self._opened and ("not a database" in text or "encrypted" in text):
            return NotABoard(f"{self.path} is not a formboard board (not an SQLite file).")
        if self._transient(exc) or "not a database" in text or "corrupt" in text:
            return self._unsettled(exc, writing)
        if not writing:
            return BoardNotFound(
                f"The board {self.path} could not be read ({text}); "
                "check that its drive is connected, then try again."
            )
        return BoardReadOnly(f"The board could not be written ({text}); nothing was changed.")


class _CommitInProgress(sqlite3.DatabaseError):
    """A read overlapped a colleague's commit (its journal was live, or the revision moved)."""


def _meta_or_nothing(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return rows.read_meta(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            return {}  # another program's database, not a damaged board
        raise


def _first_complaint(conn: sqlite3.Connection, pragma: str) -> str | None:
    found = conn.execute(f"PRAGMA {pragma}").fetchall()
    first = found[0][0] if found else "no answer"
    return None if first == "ok" else str(first)
