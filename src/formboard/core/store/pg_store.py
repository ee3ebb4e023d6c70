"""PgStore: a board on a PostgreSQL server, behind the same Store interface as the file.

A board is addressed by a URL, ``postgresql://host/db?board=C-0421``: everything but
``board`` (and ``team``) is libpq's own, and libpq finds the rest the usual way (the
service file, ``PGPASSFILE``, ``PG*`` variables); a password is never asked for, printed
or kept. Each board is one schema with the file's tables, named by an opaque id
(``board_`` and the board's id): the name in its address is found inside the boards this
role may read (``pg_access``), so no role lists the others' client codes.

The guarantees are the file's (DESIGN §3), kept by the database's transactions instead of
a lease: every write is one transaction that appends to the op log and bumps the revision
(``pg_sql`` says how), so an op is whole or absent; writers of one board take turns on its
revision row; a write whose COMMIT met a dropped connection is tried again with the same
``(client_id, client_seq)``, which finds it if it landed; a newer schema opens read-only.
Reads are REPEATABLE READ snapshots, never torn. One connection per store, used by one
thread at a time (a lock); a dropped one is opened again on the next read or write.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import psycopg
from psycopg import errors as pg_errors

from formboard.core.errors import (
    STANDBY,
    STANDBY_WAIT,
    BoardBusy,
    BoardExists,
    BoardNotFound,
    BoardReadOnly,
    FormboardError,
    InvalidInput,
)
from formboard.core.identity import Identity, current_identity
from formboard.core.lock import env_seconds
from formboard.core.model import Member, now_iso
from formboard.core.rules import clean_client_code, clean_line
from formboard.core.store import health, ops, pg_access, pg_schema, schema
from formboard.core.store.edits import BoardEdits
from formboard.core.store.pg_sql import PgConnection, connect
from formboard.core.store.pg_url import (
    FULL,
    OPEN_WAIT,
    coming_back,
    full_server,
    parse_board_url,
    redacted,
)
from formboard.core.store.pg_url import first_line as _first_line
from formboard.core.store.reads import (
    RETRY_PAUSES,
    BoardReads,
    meta_or_nothing,
    pause_before_retry,
)
from formboard.core.store.sql import POSTGRESQL
from formboard.core.store.writes import Record

if TYPE_CHECKING:
    from formboard.core.store.checks import Check

T = TypeVar("T")


def _in_recovery(conn: Any) -> bool:
    """Whether the server is a standby replaying its primary's log (``pg_is_in_recovery``)."""
    return bool(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])


class PgStore(BoardReads, BoardEdits):
    """Create, open, read and write one board on a PostgreSQL server."""

    kind: Literal["file", "server"] = "server"
    dialect = POSTGRESQL

    def __init__(
        self,
        url: str,
        *,
        identity: Identity | None = None,
        read_only: bool = False,
        on_busy: Callable[[float], None] | None = None,
        _create: tuple[str, str] | None = None,
        **_file_options: Any,  # the file's lease options mean nothing here
    ) -> None:
        self.url = url
        self.conninfo, self.board_code, self.team = parse_board_url(url)
        self.schema = ""  # found by its name when opened (``_find``), made when created
        self.channel = ""  # its NOTIFY channel, from its meta
        self.standby = False  # the server is a read-only standby (read when opened)
        self.location = redacted(url)
        self.path = Path(f"{self.board_code}.board")  # a name for messages, not a file
        self.identity = identity or current_identity()
        self.client_id = secrets.token_hex(8)
        self.read_only_reason: str | None = "it was opened read-only" if read_only else None
        self.on_busy = on_busy
        self.on_lock_wait = None
        self.on_wait: Callable[[str], None] | None = None  # a commit waits for a standby
        self.unconfirmed = False  # the last write's standby did not confirm it (``pg_sql``)
        self.network = True
        self._closed = False
        self._opened = False
        self._lock = threading.RLock()
        self._conn: PgConnection | None = None
        self._client_seq = 0
        self._unsettled: tuple[Any, int] | None = None  # (command, client_seq): fate unknown
        self._member_recorded = False
        self._meta_broken = False  # read-only only until `repair` (health.meta_problems)
        self._repairing = False
        if _create is not None:
            self._create(*_create)
        else:
            self._open_existing()

    @classmethod
    def create(cls, url: str, client: str, title: str = "", **kwargs: Any) -> PgStore:
        try:
            client = clean_client_code(client)
            title = clean_line(title)
        except ValueError as exc:
            raise InvalidInput(f"The board {exc}.") from None
        return cls(url, _create=(client, title), **kwargs)

    @classmethod
    def open(cls, url: str, **kwargs: Any) -> PgStore:
        return cls(url, **kwargs)

    # ------------------------------------------------------------- the connection

    def _connection(self) -> PgConnection:
        if self._conn is not None and not self._conn.raw.closed:
            return self._conn
        waited = 0.0
        while True:
            try:
                raw = connect(self.conninfo, autocommit=False)
                break
            except psycopg.OperationalError as exc:
                if self._opened or not coming_back(exc) or waited >= OPEN_WAIT:
                    self._refused(exc)
                # Opening during a restart: a writer's retry finds its op by its number,
                # so trying again a moment later applies nothing twice.
                waited = pause_before_retry(self.on_busy, 0.25, waited)
        self._conn = PgConnection(raw, self.schema, self.channel)
        self._conn.give_up = env_seconds("FORMBOARD_STANDBY_WAIT", self._conn.give_up)
        self._conn.on_wait = self._standby_wait
        return self._conn

    def _refused(self, exc: psycopg.OperationalError) -> NoReturn:
        """The sentence for a connection the server refused."""
        if full_server(exc):
            raise BoardBusy(FULL) from None
        if self._opened:  # it was there: away for a moment, as a busy file is
            raise BoardBusy(
                "The board server cannot be reached just now; nothing was lost, "
                "formboard tries again."
            ) from None
        raise BoardNotFound(
            f"The board server for {self.location} could not be reached "
            f"({_first_line(exc)}); check the address and that the server is up."
        ) from None

    def _standby_wait(self) -> None:
        if self.on_wait is not None:
            self.on_wait(STANDBY_WAIT)

    def _use(self, schema_name: str, channel: str) -> None:
        """From now on the board is the one in ``schema_name``, notified on ``channel``."""
        self.schema, self.channel = schema_name, channel
        conn = self._conn
        if conn is not None and not conn.raw.closed:
            conn.schema, conn.channel = schema_name, channel  # its next transaction's

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None

    @contextlib.contextmanager
    def _owners_transaction(self, done: str) -> Iterator[psycopg.Connection[Any]]:
        """One transaction of the board's owner on the raw connection, committed after the
        block; the server's refusal is one sentence ("The board could not be ``done``")."""
        with self._lock:
            raw = self._connection().raw
            try:
                yield raw
                raw.commit()
            except psycopg.Error as exc:
                raw.rollback()
                raise BoardReadOnly(
                    f"The board could not be {done} ({_first_line(exc)})."
                ) from None
            except BaseException:
                raw.rollback()
                raise

    def _create(self, client: str, title: str) -> None:
        with self._owners_transaction("created") as raw:
            made = pg_access.make(raw, self.board_code, client, title, self.team)
        if made is None:
            raise BoardExists(f"There is a board {self.board_code} at {self.location} already.")
        with self._lock:
            self._use(*made)
        self._opened = True

    def _find(self) -> str:
        """The schema of the board the address names, among those this role may open; else
        one sentence: no such board, or one this role is not granted (ask its owner)."""
        with self._lock:
            raw = self._connection().raw
            try:
                found = pg_access.locate(raw, self.board_code)
                me = str((raw.execute("SELECT current_user").fetchone() or ("",))[0])
            except psycopg.Error as exc:
                self._drop_connection()
                raise BoardNotFound(
                    f"The board {self.board_code} at {self.location} could not be looked up "
                    f"({_first_line(exc)})."
                ) from None
            finally:
                if not raw.closed:
                    raw.rollback()
        return found.schema(self.board_code, self.location, me)

    def _moved(self) -> bool:
        """Whether its owner upgraded (renamed) the board since it was opened: then it is
        read where it went."""
        with self._lock:
            if self._conn is not None and self._conn.in_transaction:
                self._conn.rollback()
            try:
                found = self._find()
            except FormboardError:
                return False
            if found == self.schema:
                return False
            self._use(found, self.channel)
            return True

    def _open_existing(self) -> None:
        with self._lock:
            found = self._find()
            self._use(found, found)
        meta = self._read(meta_or_nothing, settled=False)
        if meta.get("format") != schema.FORMAT_NAME:
            raise BoardNotFound(f"There is no board {self.board_code} at {self.location}.")
        self._use(self.schema, meta.get("channel") or self.schema)
        self._opened = True
        version = health.int_setting(meta, "schema_version") or 0
        self.standby = self._read(_in_recovery, settled=False)
        broken = health.settings_broken(meta, self.location)
        if self.standby:  # it replays its primary's writes and takes none of its own
            self.read_only_reason = STANDBY
        elif broken:  # a write would stop on it: `repair` sets it right
            self._meta_broken, self.read_only_reason = True, broken
        elif version > schema.SCHEMA_VERSION:
            self.read_only_reason = (
                f"it was written by a newer formboard (schema {version}; this one knows "
                f"{schema.SCHEMA_VERSION}): update formboard to edit it"
            )
        elif version < schema.SCHEMA_VERSION and self.read_only_reason is None:
            with self._lock:
                conn = self._connection()
                self.read_only_reason = pg_schema.upgrade(conn)
                self.schema, self.channel = conn.schema, conn.channel

    # ------------------------------------------------------------- reading

    def _read(self, fn: Callable[[Any], T], *, settled: bool = True) -> T:
        """``fn(conn)`` in one REPEATABLE READ, READ ONLY transaction; a dropped
        connection is opened again and the read tried again, bounded."""
        if self._closed:
            raise BoardReadOnly("The board is closed.")
        waited, moved = 0.0, False
        for pause in (*RETRY_PAUSES, None):
            with self._lock:
                conn = self._connection()
                try:
                    conn.begin_read()
                    return fn(conn)
                except pg_errors.UndefinedTable:
                    if self._opened and not moved and self._moved():
                        moved = True  # its owner upgraded it meanwhile: read it there
                        continue
                    raise BoardNotFound(
                        f"There is no board {self.board_code} at {self.location}."
                    ) from None
                except psycopg.OperationalError:
                    self._drop_connection()
                except psycopg.Error as exc:
                    raise BoardNotFound(
                        f"The board {self.board_code} at {self.location} could not be read "
                        f"({_first_line(exc)})."
                    ) from None
                finally:
                    if self._conn is not None and self._conn.in_transaction:
                        self._conn.rollback()  # a read has nothing to commit
            if pause is None:
                break
            waited = pause_before_retry(self.on_busy, pause, waited)
        raise BoardBusy("The board server did not answer; try again in a moment.")

    def quick_check(self) -> str | None:
        return None  # PostgreSQL keeps its own pages whole (checksums, WAL)

    def check_now(self) -> None:
        pass  # nothing is left for later (``quick_check``)

    def integrity_check(self) -> str | None:
        return None

    def damage(self) -> str | None:
        return None

    # ------------------------------------------------------------- writing

    def _write(self, op_fn: Callable[..., Any]) -> Any:
        """Run ``op_fn(conn, author)`` as one transaction; a retry never applies it twice,
        whatever happens between its COMMIT and the answer (``pg_write``)."""
        from formboard.core.store.pg_write import write

        return write(self, op_fn)

    def _join_record(self, conn: Any) -> Record | None:
        if self._member_recorded:
            return None
        ident = self.identity
        me = Member(login=ident.login, name=ident.name, discipline=ident.discipline,
                    initials=ident.initials, last_seen=now_iso())  # fmt: skip
        return ops.upsert_member(conn, me)

    # ------------------------------------------------------------- following it

    def watch(self, on_change: Callable[[], None], mode: Any, **options: Any) -> Any:
        """A listener on the board's channel (``pg_live``): no polling, whatever ``mode``;
        on a standby, which passes on no notifications, its revision is polled."""
        from formboard.core.store.pg_live import PgWatcher, notify_through

        return PgWatcher(self.conninfo, self.schema, self.channel, on_change, poll=self.standby,
                         probe=partial(notify_through, self))  # fmt: skip

    def presence(self) -> Any:
        """Who else has the board open: the board's ``presence`` table (``pg_live``)."""
        from formboard.core.store.pg_live import PgPresence

        return PgPresence(self, self.identity)

    # ------------------------------------------------------------- looking after it

    def check(self) -> list[Check]:
        from formboard.core.store.checks import server_checks

        return server_checks(self)

    def take_backup(self) -> str:
        raise BoardReadOnly("Back up a board on a server with the server's own tools (pg_dump).")

    def backup_if_due(self) -> str | None:
        return None  # the server's own tools keep its backups

    def fill(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """``rows`` into this new, empty board: one transaction (its commit notifies)."""
        from formboard.core.store.pg_write import fill

        fill(self, rows)

    def repair(self) -> list[str]:
        """Set the board's revision right where another program made it something other
        than a number (the one setting a server's types do not hold); what was done."""
        from formboard.core.store.pg_write import repair_settings

        return repair_settings(self)

    def discard(self) -> None:
        """Drop a board just made whose filling failed (an import), then close."""
        with self._lock:
            conn = self._connection()
            if conn.in_transaction:
                conn.rollback()
            pg_access.drop(conn.raw, self.schema)
        self.close()

    # ------------------------------------------------------------- its team

    def grant(self, role: str) -> None:
        """Let ``role`` (a team, or one person's role) open this board: read it and add to
        it, never change its op log. Its owner's right alone."""
        if self.grant_teams([role]):
            raise pg_access.no_such_role(role)

    def teams(self) -> list[str]:
        """The roles this board is granted to, its owner aside."""
        return self._read(lambda conn: pg_access.teams(conn.raw, self.schema), settled=False)

    def grant_teams(self, roles: list[str]) -> list[str]:
        """Grant this board to each of ``roles`` there is on its server; those there are not."""
        with self._owners_transaction("granted") as raw:
            missing = pg_access.grant_as_owner(raw, self.schema, roles)
        return missing

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._drop_connection()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None
