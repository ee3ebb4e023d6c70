"""The board's SQL on PostgreSQL: one connection that speaks the dialect the ops are written in.

The ops (``ops``, ``edits``, ``rows``, ``meetings``, ``undo``, ``past``, ``feed``) are
written once, for a connection with ``execute(sql, params)`` and ``?`` placeholders, and
rows read by name or by position. ``PgConnection`` gives them that over psycopg 3:
placeholders become ``%s``, SQLite's ``json_extract`` becomes ``->>``, a bool is stored as
the 0/1 the schema keeps, and the three transaction statements become what they mean here:

- ``BEGIN IMMEDIATE`` (a writer's transaction) locks the board's revision row
  (``SELECT … FOR UPDATE``): writers of one board take turns, as under the file's lease,
  and every later statement of the transaction sees every commit before it (READ
  COMMITTED takes a fresh snapshot per statement). Writers of other boards never wait.
- ``COMMIT`` first sends ``NOTIFY`` on the board's channel with the new revision, in the
  same transaction, so every listening app hears of the change exactly when it is visible.
- ``BEGIN`` (a reader's transaction) is a REPEATABLE READ, READ ONLY one: a read sees one
  snapshot of the whole board, so it is never torn by a writer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import TransactionStatus

_JSON_EXTRACT = re.compile(r"json_extract\(([^,()]+(?:\([^()]*\))?),\s*'\$\.(\w+)'\)")
_PLACEHOLDER = re.compile(r"\?")


class Row(tuple):
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


class _BoolAsInt(Dumper):
    """True/False as 1/0: the schema keeps flags as integers, as the file does."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def translate(statement: str) -> str:
    """SQLite's spelling of a statement, in PostgreSQL's."""
    statement = _JSON_EXTRACT.sub(r"((\1)::jsonb ->> '\2')", statement)
    return _PLACEHOLDER.sub("%s", statement.replace("%", "%%"))


class PgConnection:
    """A psycopg connection seen as the ops expect a board connection to be."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str) -> None:
        self.raw = conn
        self.schema = schema
        conn.row_factory = _rows
        conn.adapters.register_dumper(bool, _BoolAsInt)
        self._writing = False  # in a writer's transaction: its COMMIT sends NOTIFY

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, statement: str, params: Sequence[Any] | None = None) -> Any:
        word = statement.strip().upper()
        if word == "BEGIN IMMEDIATE":
            self._writing = True
            return self.raw.execute("SELECT value FROM meta WHERE key = 'revision' FOR UPDATE")
        if word == "BEGIN":
            return self.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if word == "COMMIT":
            if self._writing:
                self._announce()
            self._writing = False
            self.raw.commit()
            return None
        if word == "ROLLBACK":
            self._writing = False
            self.raw.rollback()
            return None
        return self.raw.execute(translate(statement), params)  # type: ignore[arg-type]

    def executemany(self, statement: str, params: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(translate(statement), list(params))

    def _announce(self) -> None:
        """NOTIFY the board's channel with its revision, in the writer's transaction."""
        found = self.raw.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        revision = str(found[0]) if found else "0"
        self.raw.execute("SELECT pg_notify(%s, %s)", (channel(self.schema), revision))

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self._writing = False
        self.raw.rollback()

    def close(self) -> None:
        self.raw.close()


def channel(schema: str) -> str:
    """The NOTIFY channel of a board: its schema's name (an identifier, ≤ 63 bytes)."""
    return schema
