"""A board's connection on PostgreSQL, as the op layer uses it (``sql.BoardConnection``).

The op layer writes its statements in this connection's dialect (``sql.POSTGRESQL``: ``%s``
parameters, ``->>`` for JSON fields); rows read by name or by position, and a bool is
stored as the 0/1 the schema keeps. The transactions mean here:

- a writer's (``begin_write``) locks the board's revision row (``SELECT … FOR UPDATE``):
  writers of one board take turns, as under the file's lease, and every later statement
  of the transaction sees every commit before it (READ COMMITTED takes a fresh snapshot
  per statement). Writers of other boards never wait.
- its ``commit`` first sends ``NOTIFY`` on the board's channel, in the same transaction,
  so every listening app hears of the change exactly when it is visible. The channel is a
  secret kept in the board's ``meta`` and the notice carries nothing: a role that may not
  read the board cannot hear it, nor learn anything from it if it could.
- a reader's (``begin_read``) is a REPEATABLE READ, READ ONLY one: a read sees one
  snapshot of the whole board, so it is never torn by a writer.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import TransactionStatus

from formboard.core.store.sql import POSTGRESQL

# Whether a commit here waits for a synchronous standby's answer.
_SYNCHRONOUS = (
    "current_setting('synchronous_standby_names') <> '' AND "
    "current_setting('synchronous_commit') IN ('on', 'remote_write', 'remote_apply')"
)


class Row(tuple[Any, ...]):
    """A row that reads ``row[0]`` and ``row["title"]``, and ``keys()``."""

    _names: dict[str, int]

    def __new__(cls, names: dict[str, int], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _rows(cursor: psycopg.Cursor[Any]) -> Any:
    names = {c.name: i for i, c in enumerate(cursor.description or ())}
    return lambda values: Row(names, values)


def connect(conninfo: str, *, autocommit: bool) -> psycopg.Connection[Any]:
    """A connection to the board server as formboard makes every one: named, bounded, and
    with nothing prepared on the server — behind a transaction pooler (pgbouncer) the next
    statement may run on a server connection that has another client's prepared statement
    of the same name, or none of ours."""
    return psycopg.connect(conninfo, autocommit=autocommit, prepare_threshold=None,
                           application_name="formboard", connect_timeout=10)  # fmt: skip


def in_schema(schema: str) -> psycopg.sql.Composed:
    """The statement that makes this transaction read and write the board in ``schema``.

    Every transaction says it (``SET LOCAL``), never the session: behind a transaction
    pooler the next transaction may run on another server connection, one another board's
    client used a moment ago.
    """
    return psycopg.sql.SQL("SET LOCAL search_path TO {}").format(psycopg.sql.Identifier(schema))


def use_schema(raw: psycopg.Connection[Any], schema: str) -> None:
    """Read and write the board in ``schema`` for the rest of this transaction."""
    raw.execute(in_schema(schema))


class _BoolAsInt(Dumper):
    """True/False as 1/0: the schema keeps flags as integers, as the file does."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class PgConnection:
    """A psycopg connection to one board's schema."""

    dialect = POSTGRESQL

    def __init__(
        self, conn: psycopg.Connection[Any], schema: str, channel: str | None = None
    ) -> None:
        self.raw = conn
        self.schema = schema
        self.channel = channel or schema  # a board from before schema 5: its schema's name
        conn.row_factory = _rows
        conn.adapters.register_dumper(bool, _BoolAsInt)
        self._writing = False  # in a writer's transaction: its commit sends NOTIFY
        # A commit waits for a synchronous standby (the server's settings, read with the
        # revision's lock): after ``say_after`` seconds ``on_wait`` is told, after
        # ``give_up`` the wait is cancelled — the op stands, committed on this server, and
        # ``unconfirmed`` says its standby did not confirm it.
        self.synchronous = False
        self.say_after, self.give_up = 1.0, 10.0
        self.on_wait: Callable[[], None] | None = None
        self.unconfirmed = False

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def begin(self) -> None:
        """Start a transaction in the board's schema, unless one is under way."""
        if not self.in_transaction and self.schema:
            use_schema(self.raw, self.schema)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        self.begin()
        return self.raw.execute(statement, params or None)

    def executemany(self, statement: str, params: Iterable[Sequence[Any]]) -> None:
        self.begin()
        with self.raw.cursor() as cur:
            cur.executemany(statement, list(params))

    def begin_write(self) -> None:
        """Take the board's revision row; every statement after is bounded (a writer held
        up behind one that waits for a gone standby is told so, not left hanging)."""
        self._writing = True
        self.unconfirmed = False
        cur = self.raw.execute(psycopg.sql.SQL(
            "{}; SET LOCAL statement_timeout = {}; SELECT value, " + _SYNCHRONOUS
            + " FROM meta WHERE key = 'revision' FOR UPDATE"
        ).format(in_schema(self.schema), psycopg.sql.Literal(int(self.give_up * 1000))))  # fmt: skip
        cur.nextset()
        cur.nextset()
        found = cur.fetchone()
        self.synchronous = bool(found and found[1])

    def begin_read(self) -> None:
        # SET TRANSACTION before anything else the transaction does; one round trip.
        isolation = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        if self.schema:
            self.raw.execute(psycopg.sql.SQL(isolation + "; {}").format(in_schema(self.schema)))
        else:
            self.raw.execute(isolation)

    def commit(self) -> None:
        writing, self._writing = self._writing, False
        if writing:
            self._announce()
        if not (writing and self.synchronous):
            self.raw.commit()
            return
        said: list[str] = []

        def heard(notice: psycopg.errors.Diagnostic) -> None:
            said.append(notice.message_primary or "")

        timers = [threading.Timer(self.say_after, self._waiting),
                  threading.Timer(self.give_up, self._cancel)]  # fmt: skip
        self.raw.add_notice_handler(heard)
        for timer in timers:
            timer.daemon = True
            timer.start()
        try:
            self.raw.commit()
        finally:
            for timer in timers:
                timer.cancel()
            self.raw.remove_notice_handler(heard)
        # "canceling wait for synchronous replication …: the transaction has already
        # committed locally, but might not have been replicated to the standby."
        self.unconfirmed = any("synchronous replication" in line for line in said)

    def _waiting(self) -> None:
        if self.on_wait is not None:
            with contextlib.suppress(Exception):  # a closing app: nobody to tell
                self.on_wait()

    def _cancel(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.raw.cancel_safe(timeout=5.0)

    def rollback(self) -> None:
        self._writing = False
        self.raw.rollback()

    def _announce(self) -> None:
        """NOTIFY the board's channel, in the writer's transaction; listeners read what
        changed themselves, so the notice says nothing (no revision, no name)."""
        self.raw.execute("SELECT pg_notify(%s, '')", (self.channel,))

    def close(self) -> None:
        self.raw.close()
