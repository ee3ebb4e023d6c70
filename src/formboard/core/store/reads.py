"""How a board file is read: read-only connections, settled reads, damage only when sure.

A mixin of BoardStore (see its docstring for the protocol every opener keeps). Every
read uses a read-only connection, which can never roll a journal back; on a network
drive a fresh one, which sees past stale page caches. A read that meets a commit in
progress is tried again, bounded; one that keeps meeting commits waits for the write lease
and reads under it; then one sentence says the board is busy (``BoardBusy``), never
damaged. "Damaged" is said only when ``integrity_check`` on a
fresh read-only connection, taken under the lease, confirms it (:meth:`damage`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from formboard.core.changes import ChangeSet
from formboard.core.errors import BoardBusy, BoardCorrupt, BoardLocked, BoardReadOnly
from formboard.core.meetings import Meeting
from formboard.core.model import Board, Card, Op
from formboard.core.since import Touch, touch
from formboard.core.store import feed, files, health, rows
from formboard.core.store.sql import Dialect
from formboard.core.store.writes import leased

if TYPE_CHECKING:
    from formboard.core.lock import WriteLease

T = TypeVar("T")

# A read or write can meet another host's commit in progress (a live journal) or, through
# a caching mount, a file size that is seconds behind ("malformed", "unable to open"):
# each passes in a moment, so it is tried again after these pauses (about 3 s in all).
RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
# A read that met a commit this many times waits its turn for the write lease and reads
# under it, where no formboard commit can be in progress: a colleague writing without a
# pause (and a loaded machine stretching each commit) can no longer starve it.
LEASED_AFTER = 2
# The fields of an op's values that name the cards it touches (a perspective's card, a
# link's two ends).
_LINK_KEYS = ("card_id", "from", "to")
_TRANSIENT = (
    "readonly", "unable to open", "disk i/o", "malformed", "locked", "busy", "not a database",
)  # fmt: skip
# How long damage must persist before it is believed: a caching mount's attributes lag.
_CONFIRM_S = 1.0
_CONFIRM_NETWORK_S = 25.0


class BoardReads:
    """Reads, the settled-read protocol and the damage check; mixed into BoardStore."""

    path: Path
    network: bool
    dialect: Dialect
    lease: WriteLease
    on_lock_wait: Callable[..., None] | None
    on_busy: Callable[[float], None] | None
    _closed: bool
    _sqlite_mode: str
    _local: threading.local
    _readers: list[sqlite3.Connection]
    _readers_lock: threading.Lock

    def _connect(self, mode: str) -> sqlite3.Connection:
        raise NotImplementedError

    def _corrupt(self, problem: object) -> BoardCorrupt:
        raise NotImplementedError

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
        for attempt, pause in enumerate((*RETRY_PAUSES, None)):
            try:
                if attempt >= LEASED_AFTER and isinstance(problem, CommitInProgress):
                    return self._read_leased(fn, settled)
                return self._read_once(fn, settled)
            except CommitInProgress as exc:
                problem = exc
            except sqlite3.Error as exc:
                if not self._transient(exc):
                    raise self._sqlite_error(exc, writing=False) from None
                problem = exc
                if "readonly" in str(exc) and attempt == len(RETRY_PAUSES) - 1:
                    # A live journal for seconds while nobody holds the lease: a crashed
                    # writer's. A colleague's commit holds the lease, so this waits for it.
                    self._roll_back_crashed_journal()
            if pause is not None:
                waited = self._pause(pause, waited)
        assert problem is not None
        raise self._unsettled(problem, writing=False)

    def _read_leased(self, fn: Callable[[sqlite3.Connection], T], settled: bool) -> T:
        """The read, under the write lease when this process may take it: it waits its turn
        behind a colleague's commit (bounded; a lease that stays taken is a busy board)."""
        if not self._can_lease():
            return self._read_once(fn, settled)
        try:
            with leased(self.lease, self.on_lock_wait):
                return self._read_once(fn, settled)
        except BoardLocked:
            raise BoardBusy.saying(writing=False) from None

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
        """Whether an error may pass when tried again (see ``RETRY_PAUSES``)."""
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
            return self._read(partial(first_complaint, pragma="quick_check"), settled=False)
        except (BoardCorrupt, BoardBusy) as exc:
            return str(exc)

    def integrity_check(self) -> str | None:
        """None when ``PRAGMA integrity_check`` says ok, else its first complaint."""
        try:
            return self._read(partial(first_complaint, pragma="integrity_check"), settled=False)
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
                        return first_complaint(conn, "integrity_check")
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
        return self._read(meta_or_nothing, settled=False)

    def logged_revision(self) -> int:
        """The revision the op log accounts for (less than ``revision()`` after an outside write)."""
        return self._read(
            lambda conn: int(conn.execute("SELECT MAX(rev_to) FROM ops").fetchone()[0] or 0),
            settled=False,
        )

    def revision(self) -> int:
        """The board's current revision."""
        return self._read(rows.read_revision, settled=False)

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
            p = conn.dialect.param
            if limit is None:
                found = conn.execute(
                    f"SELECT * FROM ops WHERE seq > {p} ORDER BY seq", (since_seq,)
                )
            else:
                found = conn.execute(
                    f"SELECT * FROM ops WHERE seq > {p} ORDER BY seq LIMIT {p}", (since_seq, limit)
                )
            return [rows.op_from_row(r) for r in found]

        return self._read(read)

    def ops_between(self, after: int, up_to: int | None = None) -> list[Op]:
        """The ops with a revision after ``after`` and up to ``up_to`` (a meeting's span)."""
        p = self.dialect.param
        where = f"rev_to > {p}" + (f" AND rev_to <= {p}" if up_to is not None else "")
        args = (after,) if up_to is None else (after, up_to)

        def read(conn: sqlite3.Connection) -> list[Op]:
            found = conn.execute(f"SELECT * FROM ops WHERE {where} ORDER BY seq", args)
            return [rows.op_from_row(r) for r in found]

        return self._read(read)

    def ops_by_seq(self, seqs: list[int]) -> list[Op]:
        """The ops numbered ``seqs``, oldest first."""

        def read(conn: sqlite3.Connection) -> list[Op]:
            found = []
            for start in range(0, len(seqs), 900):
                chunk = seqs[start : start + 900]
                found += conn.execute(
                    f"SELECT * FROM ops WHERE seq IN ({conn.dialect.params(len(chunk))})", chunk
                ).fetchall()
            return sorted((rows.op_from_row(r) for r in found), key=lambda op: op.seq)

        return self._read(read, settled=False)

    def touches_after(self, revision: int) -> list[Touch]:
        """Which cards each op after ``revision`` touched, without reading the ops whole:
        what the since-last-meeting markers need, cheap on a long log."""

        def read(conn: sqlite3.Connection) -> list[Touch]:
            d = conn.dialect
            fields = ", ".join(d.json_text("coalesce(after, before)", k) for k in _LINK_KEYS)
            found = conn.execute(
                f"SELECT seq, op, entity, entity_id, author, {fields} "
                f"FROM ops WHERE rev_to > {d.param} ORDER BY seq",
                (revision,),
            )
            return [touch(*r) for r in found]

        return self._read(read)

    def ops_page(
        self,
        before_seq: int | None = None,
        limit: int = 200,
        *,
        card_id: str | None = None,
        author: str | None = None,
        revisions: tuple[int, int | None] | None = None,
    ) -> list[Op]:
        """A page of the op log, newest first: before ``before_seq``, about one card (its
        own ops, its perspectives' and its links'), by one author, within revisions
        ``(after, up_to)``. Each page costs an index walk of one page, not the log."""
        p, json_text = self.dialect.param, self.dialect.json_text
        where, args = [f"seq < {p}"], [before_seq if before_seq is not None else 2**62]
        if card_id is not None:
            about = [json_text("coalesce(after, before)", k) for k in _LINK_KEYS]
            where.append(f"(entity_id = {p} OR " + " OR ".join(f"{a} = {p}" for a in about) + ")")
            args += [card_id] * 4
        if author is not None:
            where.append(f"author = {p}")
            args.append(author)
        if revisions is not None:
            where.append(f"rev_to > {p}")
            args.append(revisions[0])
            if revisions[1] is not None:
                where.append(f"rev_to <= {p}")
                args.append(revisions[1])
        sql = f"SELECT * FROM ops WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT {p}"

        def read(conn: sqlite3.Connection) -> list[Op]:
            return [rows.op_from_row(r) for r in conn.execute(sql, (*args, limit))]

        return self._read(read, settled=False)

    def board_at(self, revision: int) -> Board:
        """The board as it was at ``revision``, from the op log (``past.board_at``)."""
        from formboard.core.store.past import board_at

        return self._read(partial(board_at, revision=revision))

    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet:
        """What changed after ``revision`` (see ``feed.changes_since``)."""
        return self._read(partial(feed.changes_since, revision=revision, known=known))

    def all_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, in one snapshot, each as it is (to copy the board)."""
        return self._read(rows.all_rows)

    def meetings(self) -> list[Meeting]:
        """The board's meetings, oldest first, with who came to each."""
        return self._read(rows.read_meetings, settled=False)

    def problems(self) -> list[health.Problem]:
        """Every value another program stored that formboard would not have (``health``)."""
        return health.meta_problems(self.meta()) + self._read(health.row_problems)


class CommitInProgress(sqlite3.DatabaseError):
    """A read overlapped a colleague's commit (its journal was live, or the revision moved)."""


def meta_or_nothing(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return rows.read_meta(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            return {}  # another program's database, not a damaged board
        raise


def first_complaint(conn: sqlite3.Connection, pragma: str) -> str | None:
    found = conn.execute(f"PRAGMA {pragma}").fetchall()
    first = found[0][0] if found else "no answer"
    return None if first == "ok" else str(first)
