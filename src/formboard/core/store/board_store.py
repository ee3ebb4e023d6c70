"""BoardStore: the one door to a board file.

Every write is an op: one ``BEGIN IMMEDIATE`` transaction inside the write
lease that changes rows, appends to the op log and bumps ``meta.revision``
(triggers bump it, so writers that bypass formboard bump it too). After commit,
still inside the lease, the sidecar ``<board>.rev`` is replaced so viewers on
network drives notice, and it never goes back to an older revision.
Not thread-safe: one store per thread (the TUI's write worker owns its own).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from formboard.core.changes import ChangeSet
from formboard.core.errors import (
    BoardCorrupt,
    BoardLocked,
    BoardNotFound,
    BoardReadOnly,
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
from formboard.core.store import feed, files, ops, rows, schema
from formboard.core.store.edits import BoardEdits, column_of, new_id
from formboard.core.store.writes import (
    AMBIGUOUS_COMMIT_RETRIES,
    AmbiguousCommit,
    Author,
    OpFn,
    Record,
    leased,
    run_transaction,
)

__all__ = ["BoardStore", "column_of", "new_id"]

# A read on a network drive can meet another host's commit in progress as a "hot
# journal" (or, on a caching mount, a journal already gone): it passes in a moment.
_READ_RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8)
_TRANSIENT = ("readonly", "unable to open", "disk i/o", "malformed", "locked", "busy")


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
        _create: tuple[str, str] | None = None,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.identity = identity or current_identity()
        self.client_id = secrets.token_hex(8)
        self.read_only_reason: str | None = "it was opened read-only" if read_only else None
        self.on_lock_wait = on_lock_wait
        self.network = is_network_drive(self.path)
        owner = LeaseOwner(
            login=self.identity.login,
            name=self.identity.name,
            host=self.identity.host,
            pid=os.getpid(),
            uuid=self.client_id,
        )
        self.lease = WriteLease(self.path, owner, ttl=lease_ttl, wait=lock_wait)
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._sqlite_mode = "rw"
        self._client_seq = 0
        self._member_recorded = False
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

    def _connect(self, mode: str | None = None) -> sqlite3.Connection:
        return files.connect(self.path, mode or self._sqlite_mode, network=self.network)

    def _create_file(self, client: str, title: str) -> None:
        files.create_private(self.path)
        try:
            self._conn = self._connect("rwc")
            with leased(self.lease, self.on_lock_wait):
                self.conn.execute("BEGIN IMMEDIATE")
                schema.create_schema(self.conn, client, title, new_id(), now_iso())
                self.conn.execute("COMMIT")
                files.write_sidecar(self.path, 0, self.client_id)
        except BaseException:
            self.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise

    def _open_existing(self) -> None:
        path = self.path
        self._sqlite_mode, reason = files.access(path)
        self.read_only_reason = self.read_only_reason or reason
        try:
            # Probe before setting the journal mode: that would change a file not ours.
            self._conn = files.connect(path, self._sqlite_mode, journal=False)
            meta = self._meta()
            if meta.get("format") == schema.FORMAT_NAME:
                self.conn.execute(
                    schema.NETWORK_JOURNAL_PRAGMA if self.network else schema.JOURNAL_PRAGMA
                )
        except sqlite3.DatabaseError as exc:
            self.close()
            if "not a database" in str(exc) or "encrypted" in str(exc):
                raise NotABoard(f"{path} is not a formboard board (not an SQLite file).") from None
            raise self._corrupt(exc) from None
        if meta.get("format") != schema.FORMAT_NAME:
            self.close()
            raise NotABoard(f"{path} is an SQLite database but not a formboard board.")
        version = int(meta.get("schema_version", "0"))
        if version > schema.SCHEMA_VERSION:
            self.read_only_reason = (
                f"it was written by a newer formboard (schema {version}; this one knows "
                f"{schema.SCHEMA_VERSION}): update formboard to edit it"
            )
        problem = self.quick_check()
        if problem:
            self.read_only_reason = f"the file is damaged ({problem}): restore a backup"
        elif version < schema.SCHEMA_VERSION and self.read_only_reason is None:
            try:
                self._migrate()
            except BaseException:
                self.close()
                raise

    def _meta(self) -> dict[str, str]:
        try:
            return rows.read_meta(self.conn)
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc) or "no such column" in str(exc):
                return {}  # another program's database, not a damaged board
            raise

    def _migrate(self) -> None:
        with leased(self.lease, self.on_lock_wait):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                current = int(self._meta().get("schema_version", "0"))
                if current < schema.SCHEMA_VERSION:
                    schema.migrate(self.conn, current)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def _corrupt(self, exc: sqlite3.Error) -> BoardCorrupt:
        self.read_only_reason = "the file is damaged: restore a backup"
        return BoardCorrupt(
            f"{self.path} is damaged ({exc}); formboard will not write to it. "
            "Restore a backup (see `formboard check`)."
        )

    @property
    def conn(self) -> sqlite3.Connection:
        if self._closed:
            raise BoardReadOnly("The board is closed.")
        if self._conn is None:  # dropped after a failed commit: connect afresh
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

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

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction; on a network drive through a fresh connection (DESIGN §4).

        SQLite errors become the typed errors a person can read (BoardCorrupt, ...).
        """
        try:
            conn = self._network_reader() if self.network else self.conn
            try:
                if not conn.in_transaction:
                    conn.execute("BEGIN")
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
                if conn is not self._conn:
                    conn.close()
        except sqlite3.Error as exc:
            raise self._sqlite_error(exc, writing=False) from None

    def _network_reader(self) -> sqlite3.Connection:
        """A fresh read-only connection in a read transaction, for a board on a network drive.

        Read-only, so it never rolls a journal back: another host's commit in progress
        looks like a crashed one from here (SQLite's locks do not cross the mounts), and
        rolling it back would tear that commit. Such errors pass in a moment, so retry; a
        journal still hot after that is a crashed writer's, rolled back under the lease.
        """
        for attempt, pause in enumerate((*_READ_RETRY_PAUSES, None)):
            conn = None
            try:
                conn = self._connect("ro")
                conn.execute("BEGIN")
                conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()  # takes the shared lock
                return conn
            except sqlite3.DatabaseError as exc:
                if conn is not None:
                    conn.close()
                if pause is None or not any(t in str(exc).lower() for t in _TRANSIENT):
                    raise
                if "readonly" in str(exc) and attempt == len(_READ_RETRY_PAUSES) // 2:
                    self._roll_back_crashed_journal()
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _roll_back_crashed_journal(self) -> None:
        """Let SQLite roll a hot journal back while we hold the lease, so no commit is torn."""
        if self.read_only_reason is not None:
            return
        with (
            contextlib.suppress(sqlite3.Error, BoardLocked),
            leased(self.lease, self.on_lock_wait),
        ):
            conn = self._connect("rw")
            try:
                conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
            finally:
                conn.close()

    def quick_check(self) -> str | None:
        """None when ``PRAGMA quick_check`` says ok, else its first complaint."""
        try:
            found = self.conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        first = found[0][0] if found else "no answer"
        return None if first == "ok" else str(first)

    def revision(self) -> int:
        """The board's current revision."""
        with self._reading() as conn:
            return rows.read_revision(conn)

    def fresh_revision(self) -> int:
        """The revision through a brand-new connection, which sees past stale caches."""
        try:
            conn = self._network_reader() if self.network else self._connect()
            try:
                return rows.read_revision(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise self._sqlite_error(exc, writing=False) from None

    def board(self) -> Board:
        """Everything on the board, archived cards included."""
        with self._reading() as conn:
            return rows.read_board(conn)

    def card(self, card_id: str) -> Card:
        """One card, with its perspectives, by full id or unique prefix."""
        with self._reading() as conn:
            full = rows.resolve_card(conn, card_id)
            return rows.read_cards(conn, [full])[full]

    def resolve_card_id(self, prefix: str) -> str:
        """The full id of the one card whose id starts with ``prefix``."""
        with self._reading() as conn:
            return rows.resolve_card(conn, prefix)

    def ops(self, since_seq: int = 0, limit: int | None = None) -> list[Op]:
        """The op log after ``since_seq``, oldest first."""
        with self._reading() as conn:
            found = conn.execute(
                "SELECT * FROM ops WHERE seq > ? ORDER BY seq LIMIT ?",
                (since_seq, -1 if limit is None else limit),
            )
            return [rows.op_from_row(r) for r in found]

    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet:
        """What changed after ``revision`` (see ``feed.changes_since``)."""
        with self._reading() as conn:
            return feed.changes_since(conn, revision, known)

    def backup(self, dest: Path) -> Path:
        """A consistent copy (SQLite's online backup) at ``dest``, owner-only."""
        return files.backup(self.conn, Path(dest))

    # ---------------------------------------------------------- write path

    def _write(self, op_fn: Callable[..., Any]) -> Any:
        """Run ``op_fn(conn, author)`` as one op; a retried unclear commit never applies twice."""
        if self.read_only_reason is not None:
            raise BoardReadOnly(f"The board cannot be changed: {self.read_only_reason}.")
        self._client_seq += 1
        client_seq = self._client_seq
        unclear = False  # a commit failed in a way that may have landed
        for _ in range(AMBIGUOUS_COMMIT_RETRIES + 1):
            author = Author(self.identity.login, self.identity.name, now_iso())
            bound: OpFn = partial(op_fn, author=author)
            if self.network:
                # A connection left open on a network drive reads stale pages from this
                # client's cache (sshfs: 20 s) and would commit on top of them: connect
                # afresh, inside the lease, after the previous writer's commit.
                self._drop_connection()
            try:
                with leased(self.lease, self.on_lock_wait):
                    tx, revision = run_transaction(
                        self.conn, self.identity, self.client_id, client_seq, bound,
                        self.lease, self._join_record,
                    )  # fmt: skip
                    if revision is not None:
                        # Inside the lease, so sidecars are written in commit order.
                        files.write_sidecar(self.path, revision, self.client_id)
            except AmbiguousCommit:
                unclear = True
                self._drop_connection()
                continue
            except sqlite3.Error as exc:
                if unclear:
                    continue  # e.g. the drive is still away: try again, then say so
                raise self._sqlite_error(exc) from None
            self._member_recorded = True
            if tx.conflict is not None:
                raise tx.conflict
            return tx.result
        raise BoardReadOnly(
            "The board file could not be written: the drive kept failing, so your last "
            "change may not have been saved. Check the connection; the board shows what was."
        )

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

    def _drop_connection(self) -> None:
        """Close a connection that may be wedged; the next use connects afresh."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _sqlite_error(self, exc: sqlite3.Error, writing: bool = True) -> Exception:
        """One sentence for an SQLite error met while writing or reading."""
        text = str(exc)
        if "locked" in text or "busy" in text:
            return BoardLocked("another program using the file", None)
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return self._corrupt(exc)
        if not writing:
            return BoardNotFound(
                f"The board {self.path} could not be read ({text}); "
                "check that its drive is connected, then try again."
            )
        if "readonly" in text or "read-only" in text:
            return BoardReadOnly(f"The board cannot be changed: {self.path} is read-only.")
        return BoardReadOnly(f"The board could not be written ({text}); nothing was changed.")
