"""Looking after a board file: repairing it, filling a new one whole (a copy's rows),
removing one just made.

What ``BoardStore.repair``, ``fill`` and ``discard`` do, kept beside the store: a copy
(``copying``) or an import (``importing``) that fails removes the half-made board.
"""

from __future__ import annotations

import contextlib
from contextlib import closing
from typing import TYPE_CHECKING, Any

from formboard.core.errors import BoardReadOnly
from formboard.core.store import files, health, ops
from formboard.core.store.writes import leased

if TYPE_CHECKING:
    from formboard.core.store.board_store import BoardStore


def fill(store: BoardStore, rows: dict[str, list[dict[str, Any]]]) -> None:
    """``rows`` into the new, empty board ``store``: one transaction, under the lease."""
    with leased(store.lease, store.on_lock_wait), closing(store._connect("rw")) as conn:
        conn.begin_write()
        try:
            ops.fill(conn, rows)
            revision = int(
                conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]
            )
            conn.commit()
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        files.write_sidecar(store.path, revision, store.client_id)


def discard(store: BoardStore) -> None:
    """Close ``store`` and remove its file, sidecar and journal."""
    store.close()
    for made in (store.path, files.sidecar_path(store.path), files.journal_path(store.path)):
        with contextlib.suppress(OSError):
            made.unlink()


def repair(store: BoardStore) -> list[str]:
    """Put back the schema version and revision, and move orphans to the op log.

    Allowed on a board that is read-only only because those settings were broken.
    Returns what was done, one sentence each (nothing when all was well).
    """
    if store.read_only_reason is not None and not store._meta_broken:
        raise BoardReadOnly(f"The board cannot be changed: {store.read_only_reason}.")
    sidecar = files.read_sidecar_revision(store.path)
    store._repairing = True
    try:
        done: list[str] = store._write(lambda conn, author: health.repair(conn, sidecar))
    finally:
        store._repairing = False
    if store._meta_broken:
        store._meta_broken, store.read_only_reason = False, None
    return done
