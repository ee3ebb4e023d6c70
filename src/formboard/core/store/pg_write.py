"""A write to a board on a server, applied once whatever fails between its COMMIT and
the answer (issue 24, point 1).

Every try of one op carries the same ``(client_id, client_seq)``; ``run_transaction``
looks for it in the op log first, so a COMMIT that landed while its answer was lost is
found, never applied again. A refused connection (a restart, a failover) is tried again;
once a transaction was cut off, the write waits up to ``FORMBOARD_SERVER_WAIT`` seconds
to learn its fate, and a command the app's session tries again meanwhile keeps its
number. What cannot be learned is said: it may have been written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors

from formboard.core.errors import BoardBusy, BoardReadOnly
from formboard.core.lock import env_seconds
from formboard.core.model import now_iso
from formboard.core.store import health, pg_access
from formboard.core.store.pg_url import first_line as _first_line
from formboard.core.store.reads import RETRY_PAUSES, pause_before_retry
from formboard.core.store.writes import Author, OpFn, run_transaction

if TYPE_CHECKING:
    from formboard.core.store.pg_store import PgStore

UNCLEAR_WAIT = 10.0  # seconds a write whose commit was cut off waits to learn its fate
MAY_HAVE_LANDED = (
    "The board server went away while your change was being saved and is not back yet: "
    "it may have been written (`formboard log` shows it if so)."
)


class OutcomeUnknown(BoardBusy):
    """A write whose COMMIT may have landed, and the server has not come back to say."""


def _pauses() -> Iterator[float]:
    """The pauses between tries: short ones first, then a steady one until the caller's
    deadline."""
    yield from RETRY_PAUSES
    while True:
        yield RETRY_PAUSES[-1]


def write(store: PgStore, op_fn: Callable[..., Any]) -> Any:
    """Run ``op_fn(conn, author)`` as one transaction of ``store``'s board, once."""
    if store.read_only_reason is not None and not store._repairing:
        raise BoardReadOnly(f"The board cannot be changed: {store.read_only_reason}.")
    if store._closed:
        raise BoardReadOnly("The board is closed.")
    client_seq = _op_number(store)
    waited, unclear = 0.0, False  # unclear: a transaction was cut off, fate unknown
    give_up = time.monotonic() + sum(RETRY_PAUSES)
    unclear_wait = env_seconds("FORMBOARD_SERVER_WAIT", UNCLEAR_WAIT)
    for pause in _pauses():
        author = Author(store.identity.login, store.identity.name, now_iso())
        bound: OpFn = partial(op_fn, author=author)
        with store._lock:
            try:
                conn = store._connection()
            except BoardBusy:  # refused: a restart, a failover; nothing was sent
                conn = None
            try:
                if conn is not None:
                    tx, _revision = run_transaction(
                        conn, store.identity, store.client_id, client_seq, bound,
                        store._join_record, author.at,
                    )  # fmt: skip
            except (psycopg.OperationalError, pg_errors.SerializationFailure,
                    pg_errors.DeadlockDetected) as exc:  # fmt: skip
                # The connection dropped (its COMMIT may have landed: the retry's look
                # at the op log finds it) or the server asked to try again.
                store._drop_connection()
                if isinstance(exc, psycopg.OperationalError) and not unclear:
                    unclear = True  # wait longer for it to learn the op's fate
                    give_up = max(give_up, time.monotonic() + unclear_wait)
            except psycopg.Error as exc:
                store._drop_connection()
                raise BoardReadOnly(
                    f"The board could not be written ({_first_line(exc)}); nothing was changed."
                ) from None
            else:
                if conn is not None:
                    store._member_recorded = True
                    store.unconfirmed = conn.unconfirmed
                    store._unsettled = None
                    if tx.conflict is not None:
                        raise tx.conflict
                    return tx.result
        if time.monotonic() + pause > give_up:
            break
        waited = pause_before_retry(store.on_busy, pause, waited)
    if unclear:
        store._unsettled = (store.running, client_seq)
        raise OutcomeUnknown(MAY_HAVE_LANDED)
    raise BoardBusy(
        "The board server could not be reached to save; your change was not saved. "
        "The board shows what was."
    )


def _op_number(store: PgStore) -> int:
    """This op's (client_id, client_seq) number: a command tried again while the fate
    of its last try is unknown is the same op, so it lands once whatever happened."""
    unsettled = store._unsettled
    if unsettled is not None and unsettled[0] is not None and unsettled[0] is store.running:
        return unsettled[1]
    store._unsettled = None
    store._client_seq += 1
    return store._client_seq


def repair_settings(store: PgStore) -> list[str]:
    """``PgStore.repair``: the board's revision set right, if another program garbled it."""
    if not store._meta_broken:
        return []
    store._repairing = True
    try:
        done: list[str] = store._write(lambda conn, author: health.repair_revision(conn))
    finally:
        store._repairing = False
    store._meta_broken, store.read_only_reason = False, None
    return done


def fill(store: PgStore, rows: dict[str, list[dict[str, Any]]]) -> None:
    """``PgStore.fill``: ``rows`` into a new, empty board, in one transaction.

    The op log keeps the roles that wrote it on the source's server (none from a file):
    its owner alone may switch off the trigger that writes the role, for this transaction.
    """
    with store._lock:
        conn = store._connection()
        try:
            conn.begin_write()
            pg_access.fill(conn, rows)
            conn.commit()
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
