"""The write path: lease, BEGIN IMMEDIATE, idempotent ops, op log, sidecar.

Every write follows it, so every write is one whole op in the log or nothing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from formboard.core.errors import BoardConflict, FieldConflict
from formboard.core.identity import Identity
from formboard.core.lock import WriteLease
from formboard.core.model import now_iso
from formboard.core.person import Person, person_key
from formboard.core.store import chain
from formboard.core.store.op_rows import op_values
from formboard.core.store.rows import (
    dump,
    link_from_row,
    perspective_from_row,
    read_cards,
    read_revision,
)
from formboard.core.store.sql import BoardConnection, Row

AMBIGUOUS_COMMIT_RETRIES = 3


class Author(NamedTuple):
    """Who is writing, and when (one timestamp for the whole op)."""

    login: str
    name: str
    at: str

    @property
    def person(self) -> Person:
        return person_key(self.login, self.name)


@dataclass
class Record:
    """One op-log row to append in the current transaction."""

    op: str
    entity: str
    entity_id: str
    entity_rev: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass
class Tx:
    """What an op did inside its transaction: its result, its log rows, or a conflict."""

    result: Any = None
    records: list[Record] = field(default_factory=list)
    conflict: BoardConflict | None = None


OpFn = Callable[[BoardConnection], Tx]


class AmbiguousCommit(Exception):
    """COMMIT failed in a way that leaves it unknown whether it took effect."""


class LeaseLost(Exception):
    """The lease was broken under us before COMMIT; roll back and retry."""


@contextlib.contextmanager
def leased(lease: WriteLease, on_wait: Callable[..., None] | None) -> Iterator[None]:
    """Hold the write lease (bounded wait, then BoardLocked) for one transaction."""
    lease.acquire(on_wait)
    try:
        yield
    finally:
        lease.release()


def run_transaction(
    conn: BoardConnection,
    identity: Identity,
    client_id: str,
    client_seq: int,
    op_fn: OpFn,
    member: Callable[[BoardConnection], Record | None],
    at: str | None = None,
    still_mine: Callable[[], bool] | None = None,
) -> tuple[Tx, int | None]:
    """One op as one transaction, logged at ``at`` (the op's own timestamp, so a row's
    ``updated_at`` is its op's ``at`` and the board as it was can be told exactly).

    ``still_mine`` is asked just before the commit, where the backend needs it (the file's
    write lease, which a writer can lose on a network drive); a server's transaction is
    its own lock and needs none.

    Returns the op's Tx and the board revision to announce in the sidecar, or None
    when the op changed nothing (a no-op, or a conflict that only logged my version).
    """
    p = conn.dialect.param
    conn.begin_write()
    try:
        done = conn.execute(
            f"SELECT * FROM ops WHERE client_id = {p} AND client_seq = {p} ORDER BY part",
            (client_id, client_seq),
        ).fetchall()
        if done:
            # This op already landed: the first attempt's COMMIT did take effect.
            # Nobody announced it yet (that COMMIT raised), so announce it now.
            tx, revision = replay(conn, done), read_revision(conn)
            conn.rollback()
            return tx, revision
        rev_from = read_revision(conn)
        joined = member(conn)
        tx = op_fn(conn)
        if tx.conflict is not None:
            tx.records = [conflict_record(tx.conflict)]
        if joined is not None:
            tx.records.append(joined)
        rev_to = read_revision(conn)
        at = at or now_iso()
        logged = [
            (
                rev_from, rev_to, at, identity.login, identity.name, identity.host,
                client_id, client_seq, part, rec.op, rec.entity, rec.entity_id,
                rec.entity_rev, dump(rec.before), dump(rec.after),
            )
            for part, rec in enumerate(tx.records)
        ]  # fmt: skip
        hashes = chain.next_hashes(conn, logged)  # each row chained to the one before
        conn.executemany(
            f"INSERT INTO ops ({', '.join(chain.CHAINED)}, hash) "
            f"VALUES ({conn.dialect.params(len(chain.CHAINED) + 1)})",
            [(*values, digest) for values, digest in zip(logged, hashes, strict=True)],
        )
        if still_mine is not None and not still_mine():
            raise LeaseLost
    except LeaseLost:
        conn.rollback()
        raise AmbiguousCommit("the write lease was lost") from None
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    try:
        commit(conn)
    except sqlite3.OperationalError as exc:
        # I/O error, busy past the timeout...: it may or may not have landed. The caller
        # retries with the same (client_id, client_seq), which finds it if it did.
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
        raise AmbiguousCommit(str(exc)) from None
    return tx, (rev_to if rev_to != rev_from else None)


def commit(conn: BoardConnection) -> None:
    """Commit the op's transaction (a seam for fault-injection tests)."""
    conn.commit()


def replay(conn: BoardConnection, rows: list[Row]) -> Tx:
    """The result of an op that already landed, rebuilt from its log rows."""
    p = conn.dialect.param
    first = rows[0]
    entity, eid = first["entity"], first["entity_id"]
    if first["op"] == "conflict":
        # A record another program garbled since names no fields: the conflict still stands.
        before, after = op_values(first["before"])[0] or {}, op_values(first["after"])[0] or {}
        conflicts = [FieldConflict(f, after[f], before.get(f)) for f in after]
        at = first["entity_rev"] if type(first["entity_rev"]) is int else 0
        conflict = BoardConflict(entity, eid, conflicts, current_rev=at)
        return Tx(conflict=conflict)
    if entity == "card":
        return Tx(read_cards(conn, [eid]).get(eid))
    if entity == "perspective":
        row = conn.execute(f"SELECT * FROM perspectives WHERE id = {p}", (eid,)).fetchone()
        return Tx(perspective_from_row(row) if row else None)
    if entity == "link":
        row = conn.execute(f"SELECT * FROM links WHERE id = {p}", (eid,)).fetchone()
        return Tx(link_from_row(row) if row else None)
    return Tx()


def conflict_record(conflict: BoardConflict) -> Record:
    """The losing version of a conflict, kept in the op log (nothing is lost)."""
    return Record(
        op="conflict",
        entity=conflict.entity,
        entity_id=conflict.entity_id,
        entity_rev=conflict.current_rev,
        before={c.field: c.theirs for c in conflict.conflicts},
        after={c.field: c.mine for c in conflict.conflicts},
    )
