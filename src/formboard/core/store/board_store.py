"""BoardStore: the one door to a board file.

Every write is an op: one ``BEGIN IMMEDIATE`` transaction inside the write lease that
changes rows, appends to the op log and bumps ``meta.revision`` (triggers bump it, so
writers that bypass formboard bump it too). After commit, still inside the lease, the
sidecar ``<board>.rev`` is replaced so viewers on network drives notice, and it never
goes back to an older revision.

One protocol for every opener, wherever it sits (DESIGN §3): a colleague may reach the
same file through a mount whose SQLite locks never reach us, so a process on the file
server's own disk treats the board exactly as one on a network drive does.

- A read-write connection exists only while this process holds the write lease: it is
  opened inside the lease and closed before the lease is given back. SQLite rolls back
  any journal it takes for hot, and without the lease that "hot" journal may be another
  host's commit in progress; rolling it back tears that commit.
- Every read uses a read-only connection, which can never roll a journal back, on a
  network drive a fresh one: the store's ``file`` part (``file_reads.py``, which also
  says how a busy or damaged board is told).

Not thread-safe for writes: one store per writing thread (the session owns one).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from formboard.core.drives import is_network_drive
from formboard.core.errors import (
    BoardCorrupt,
    BoardReadOnly,
    DriveProblem,
    InvalidInput,
    NotABoard,
)
from formboard.core.identity import Identity, current_identity
from formboard.core.lock import LeaseInfo, LeaseOwner, WriteLease
from formboard.core.model import Member, now_iso
from formboard.core.rules import clean_client_code, clean_line
from formboard.core.store import backups, file_care, files, health, ops, schema
from formboard.core.store.edits import BoardEdits, column_of, new_id
from formboard.core.store.file_reads import FileReader, first_complaint
from formboard.core.store.files import SqliteConnection
from formboard.core.store.reads import (
    RETRY_PAUSES,
    BoardReads,
    meta_or_nothing,
    pause_before_retry,
)
from formboard.core.store.sql import SQLITE, BoardConnection
from formboard.core.store.writes import (
    AmbiguousCommit,
    Author,
    OpFn,
    Record,
    leased,
    run_transaction,
)

if TYPE_CHECKING:
    from formboard.core.presence import Presence
    from formboard.core.store.checks import Check
    from formboard.core.watch import BoardWatcher, WatchMode

__all__ = ["BoardStore", "column_of", "new_id"]

T = TypeVar("T")


class BoardStore(BoardReads, BoardEdits):
    """Create, open, read and write one board file."""

    kind: Literal["file", "server"] = "file"
    dialect = SQLITE
    on_wait: Callable[[str], None] | None = None  # a file has no standby to wait for
    unconfirmed = False

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
        check_later: bool = False,
        _create: tuple[str, str] | None = None,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        # The app's large boards: the file's check (its whole length) after the first frame
        # (``check_now``); a board that needs migrating is checked at once, as always.
        self._check_later = check_later
        self.identity = identity or current_identity()
        self.client_id = os.urandom(8).hex()
        self.read_only_reason: str | None = "it was opened read-only" if read_only else None
        self.on_lock_wait = on_lock_wait
        self.on_busy = on_busy  # told (seconds so far) before each retry of a busy board
        self.network = is_network_drive(self.path)
        if _create is None and (self.network or not sys.platform.startswith("linux")):
            self.path = files.as_listed(self.path)  # a share ignores case: one lease for all
        me = self.identity
        owner = LeaseOwner(login=me.login, name=me.name, host=me.host, pid=os.getpid(),
                           uuid=self.client_id)  # fmt: skip
        self.lease = WriteLease(self.path, owner, ttl=lease_ttl, wait=lock_wait)
        # Its reading: read-only connections, settled reads, damage only when sure.
        self.file = FileReader(self.path, self.lease, network=self.network,
                               corrupt=self._corrupt, on_lock_wait=on_lock_wait,
                               on_busy=on_busy)  # fmt: skip
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

    def _connect(self, mode: str) -> SqliteConnection:
        return self.file.connect(mode)

    def _read(self, fn: Callable[[BoardConnection], T], *, settled: bool = True) -> T:
        return self.file.read(fn, settled=settled)

    def _read_now(self, fn: Callable[[BoardConnection], T]) -> T:
        return self.file._read_once(fn, False)  # an SQLite error as it is: the caller skips

    def quick_check(self) -> str | None:
        """None when ``PRAGMA quick_check`` says ok, else its first complaint (unconfirmed)."""
        return self.file.complaint("quick_check")

    def integrity_check(self) -> str | None:
        """None when ``PRAGMA integrity_check`` says ok, else its first complaint."""
        return self.file.complaint("integrity_check")

    def damage(self) -> str | None:
        """What is wrong with the file, confirmed; None when it is sound (``FileReader``)."""
        return self.file.damage()

    def _create_file(self, client: str, title: str) -> None:
        files.create_private(self.path)
        try:
            with leased(self.lease, self.on_lock_wait), closing(self._connect("rwc")) as conn:
                conn.begin_write()
                schema.create_schema(conn, client, title, new_id(), now_iso())
                conn.commit()
                files.write_sidecar(self.path, 0, self.client_id)
        except BaseException:
            self.file.closed = True
            for made in (self.path, files.journal_path(self.path)):
                with contextlib.suppress(OSError):
                    made.unlink()
            raise
        self.file.opened = True

    def _open_existing(self) -> None:
        path = self.path
        self.file.mode, reason = files.access(path)
        self.read_only_reason = self.read_only_reason or reason
        try:
            meta = self._read(meta_or_nothing, settled=False)
        except BaseException:
            self.file.closed = True
            raise
        if meta.get("format") != schema.FORMAT_NAME:
            self.file.closed = True
            raise NotABoard(f"{path} is an SQLite database but not a formboard board.")
        self.file.opened = True
        version = health.int_setting(meta, "schema_version")
        broken = health.settings_broken(meta, path)
        if broken:
            self.read_only_reason = self.read_only_reason or broken
            self._meta_broken = True
        version = schema.SCHEMA_VERSION if version is None else version
        if version > schema.SCHEMA_VERSION:
            self.read_only_reason = (
                f"it was written by a newer formboard (schema {version}; this one knows "
                f"{schema.SCHEMA_VERSION}): update formboard to edit it"
            )
        if self._check_later and version == schema.SCHEMA_VERSION:
            return
        self._check_later = False
        try:
            self._check()
        except BaseException:
            self.file.closed = True
            raise
        if version < schema.SCHEMA_VERSION and self.read_only_reason is None:
            try:
                self._migrate()
            except BaseException:
                self.file.closed = True
                raise

    def check_now(self) -> None:
        """The file's check, if it was left for later (``check_later``)."""
        if self._check_later:
            self._check_later = False
            self._check()

    def _check(self) -> None:
        """``PRAGMA quick_check`` (damage confirmed by ``damage``): a damaged file is read-only."""
        try:
            quick = partial(first_complaint, pragma="quick_check")
            problem = self._read(quick, settled=False) and self.damage()
        except BoardCorrupt as exc:
            problem = exc.problem  # confirmed while reading: the file is damaged
        if problem:
            self.read_only_reason = f"the file is damaged ({problem}): restore a backup"

    def _migrate(self) -> None:
        with leased(self.lease, self.on_lock_wait), closing(self._connect("rw")) as conn:
            conn.begin_write()
            try:
                current = health.int_setting(meta_or_nothing(conn), "schema_version") or 0
                if current < schema.SCHEMA_VERSION:
                    schema.migrate(conn, current)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def _corrupt(self, problem: str) -> BoardCorrupt:
        self.read_only_reason = "the file is damaged: restore a backup"
        error = BoardCorrupt(
            f"{self.path} is damaged ({problem}); formboard will not write to it. "
            "Restore a backup (see `formboard check`)."
        )
        error.problem = str(problem)
        return error

    def close(self) -> None:
        """Close the store and its read connections; it cannot be used afterwards."""
        self.file.close()

    def __enter__(self) -> BoardStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    @property
    def location(self) -> str:  # where it is, to say in a message: its file's path
        return str(self.path)

    @property
    def sidecar_path(self) -> Path:
        """``<board>.rev``: the revision, rewritten after every commit."""
        return files.sidecar_path(self.path)

    def watch(self, on_change: Callable[[], None], mode: WatchMode, **options: Any) -> BoardWatcher:
        """A watcher that calls ``on_change`` when the board may have moved on (not started).

        File events on a local disk, the sidecar and now and then ``meta.revision`` on a
        network drive, read through its own connections: never this store's, nor its lease.
        """
        from formboard.core.watch import BoardWatcher  # the app's, not the command line's

        return BoardWatcher(
            self.path, mode, on_change, read_revision=partial(files.revision_on_disk, self.path),
            **options,
        )  # fmt: skip

    def presence(self) -> Presence:
        """Who else has this board open: files in a folder beside it (``core.presence``)."""
        from formboard.core.presence import Presence

        return Presence(self.path, self.identity)

    def repair(self) -> list[str]:
        """Put back the schema version and revision, and move orphans to the op log.

        Allowed on a board that is read-only only because those settings were broken.
        Returns what was done, one sentence each (nothing when all was well).
        """
        return file_care.repair(self)

    def check(self) -> list[Check]:
        """Every check on this board: one line each, each with what to do (``checks``)."""
        from formboard.core.store.checks import checks_of

        return checks_of(self)

    def take_backup(self) -> str:
        """A backup now, into this person's data folder (``backups``); where it is."""
        return str(backups.take_backup(self))

    def backup_if_due(self) -> str | None:
        """A backup when the newest is an hour old (or there is none); where, or None."""
        taken = backups.backup_if_due(self)
        return str(taken) if taken is not None else None

    def fill(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """``rows`` into this new, empty board: one transaction, under the write lease."""
        file_care.fill(self, rows)

    def discard(self) -> None:
        """Remove this board file, just made, whose filling failed (and its sidecar)."""
        file_care.discard(self)

    def backup(self, dest: Path) -> Path:
        """A consistent copy (SQLite's online backup) at ``dest``, owner-only."""
        return backups.copy_to(self, dest)

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
        if self.file.closed:
            raise BoardReadOnly("The board is closed.")
        self._client_seq += 1
        client_seq = self._client_seq
        unclear = False  # a commit failed in a way that may have landed
        last_unclear = ""
        problem: sqlite3.Error | None = None
        waited = 0.0
        for pause in (*RETRY_PAUSES, None):
            author = Author(self.identity.login, self.identity.name, now_iso())
            bound: OpFn = partial(op_fn, author=author)
            try:
                with leased(self.lease, self.on_lock_wait):
                    with closing(self._connect("rw")) as conn:
                        tx, revision = run_transaction(
                            conn, self.identity, self.client_id, client_seq, bound,
                            self._join_record, author.at, still_mine=self.lease.verify,
                        )  # fmt: skip
                    if revision is not None:
                        # Inside the lease, so sidecars are written in commit order.
                        files.write_sidecar(self.path, revision, self.client_id)
            except AmbiguousCommit as exc:
                unclear = True
                last_unclear = str(exc)
            except sqlite3.Error as exc:
                if not (unclear or self.file.transient(exc)):
                    raise self.file.sqlite_error(exc) from None
                problem = exc
            else:
                self._member_recorded = True
                if tx.conflict is not None:
                    raise tx.conflict
                return tx.result
            if pause is not None:
                waited = pause_before_retry(self.on_busy, pause, waited)
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
        raise self.file.unsettled(problem, writing=True)

    def _join_record(self, conn: BoardConnection) -> Record | None:
        """Make the writer a member of the board on their first write through this store."""
        if self._member_recorded:
            return None
        ident = self.identity
        me = Member(
            login=ident.login, name=ident.name, discipline=ident.discipline,
            initials=ident.initials, last_seen=now_iso(),
        )  # fmt: skip
        return ops.upsert_member(conn, me)
