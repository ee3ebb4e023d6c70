"""What the op layer needs of a board's connection, and how each database spells its SQL.

The ops (``ops``, ``rows``, ``edits``, ``meetings``, ``merge``, ``undo``, ``past``,
``positions``, ``feed``, ``writes``) are written once, against :class:`BoardConnection`:
``execute`` / ``executemany`` with the dialect's own parameter marker, and transactions
begun and ended by name (``begin_write``, ``begin_read``, ``commit``, ``rollback``) —
each backend does what they mean in its own way. Where the two databases spell a
statement differently, the op layer asks the connection's :class:`Dialect`; nothing ever
rewrites one database's SQL text into the other's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol

# A row as both drivers give it: read by column name or by position.
Row = Any


class Dialect(NamedTuple):
    """How one database spells what differs between the two."""

    name: str
    param: str  # the positional parameter marker
    json_text_template: str  # a JSON value's text field: {expr} and {key}

    def json_text(self, expr: str, key: str) -> str:
        """SQL for the text of field ``key`` of the JSON object in ``expr``; NULL where
        ``expr`` holds text that is not JSON (another program's), so a read goes on."""
        return self.json_text_template.format(expr=expr, key=key)

    def params(self, count: int) -> str:
        """``count`` parameter markers, comma separated (an IN list, a VALUES row)."""
        return ",".join([self.param] * count)


SQLITE = Dialect(
    "sqlite", "?", "json_extract(CASE WHEN json_valid({expr}) THEN {expr} END, '$.{key}')"
)
# as_json: the board's own function (``pg_schema.AS_JSON``; PostgreSQL 15 has no IS JSON).
POSTGRESQL = Dialect("postgresql", "%s", "(as_json({expr}) ->> '{key}')")


class BoardConnection(Protocol):
    """A connection to one board, as the op layer uses it."""

    dialect: Dialect

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, statement: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, statement: str, params: Iterable[Sequence[Any]], /) -> Any: ...

    def begin_write(self) -> None:
        """Begin a writer's transaction: writers of one board take turns from here."""

    def begin_read(self) -> None:
        """Begin a reader's transaction: one consistent view of the whole board."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...
