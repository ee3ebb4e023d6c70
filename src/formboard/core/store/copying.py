"""Moving a board: a whole copy, from a file to a server and back, checked before it counts.

``copy_board`` reads every row of the source in one snapshot — settings, cards,
perspectives, links, members, the op log, meetings and who came — and writes them into a
new board in one transaction, keeping each row as it is (the op log's numbers, its
authors and times; the board's id and revision), so the copy's history, undo and "as it
was" are the source's. Then the copy is read back and compared with the source (its JSON
export, its op log, its meetings); only a copy that matches is reported, any other is
removed again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from formboard.core.errors import FormboardError
from formboard.core.store.interface import Store, create_store, open_store

# In the order they are filled: a row's card exists before its perspectives and links.
TABLES = ("members", "cards", "perspectives", "links", "ops", "meetings", "attendance")
_ORDER = {"ops": "seq", "meetings": "number", "attendance": "meeting, login", "members": "login"}
# Settings a copy keeps from its source (the format and schema are the copy's own).
KEPT_META = ("revision", "board_id", "client", "title", "created_at")


class CopyMismatch(FormboardError):
    """The copy, read back, is not the source: it was removed again."""


def read_rows(conn: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as dicts, in a stable order."""
    found = {"meta": [dict(r) for r in conn.execute("SELECT key, value FROM meta")]}
    for table in TABLES:
        order = _ORDER.get(table, "id")
        found[table] = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]
    return found


def fill(conn: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert ``rows`` into a new, empty board in the caller's transaction, then set its
    settings to the source's (the inserts' triggers moved its revision)."""
    for table in TABLES:
        described = conn.execute(f"SELECT * FROM {table} LIMIT 0").description or ()
        columns = {getattr(d, "name", None) or d[0] for d in described}
        for row in rows[table]:
            names = [n for n in row if n in columns]  # a server's op log has a role too
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[n] for n in names],
            )
    meta = {r["key"]: r["value"] for r in rows["meta"]}
    for key in KEPT_META:
        if key in meta:
            conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, meta[key]))


def _same(source: Store, copy: Store) -> str | None:
    """What differs between the two boards, in words; None when the copy is the source."""
    from formboard.core.export import board_to_dict

    exported = [board_to_dict(b.board()) for b in (source, copy)]
    for each in exported:
        each.pop("exported_at", None)  # when each was read, not what it holds
    if exported[0] != exported[1]:
        return "the boards differ"
    if [o.model_dump() for o in source.ops()] != [o.model_dump() for o in copy.ops()]:
        return "the op logs differ"
    if source.meetings() != copy.meetings():
        return "the meetings differ"
    if source.revision() != copy.revision():
        return "the revisions differ"
    return None


def copy_board(source: Path | str, dest: Path | str, **options: Any) -> Store:
    """Copy the board at ``source`` to a new board at ``dest`` and check it.

    Returns the copy, open (the caller closes it). BoardExists if ``dest`` is taken;
    CopyMismatch (the copy removed again) if it does not read back as the source.
    """
    with open_store(source, read_only=True) as src:
        meta = src.meta()
        rows = src._read(read_rows)  # type: ignore[attr-defined]
        copy = create_store(dest, meta.get("client", ""), meta.get("title", ""), **options)
        try:
            (_fill_server if hasattr(copy, "url") else _fill_file)(copy, rows)
            differs = _same(src, copy)
        except BaseException:
            _remove(copy)
            raise
        if differs:
            _remove(copy)
            raise CopyMismatch(
                f"The copy did not read back as the board ({differs}); it was removed."
            )
    return copy


def _fill_file(store: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The rows into a new board file: one transaction, under the write lease."""
    from contextlib import closing

    from formboard.core.store import files
    from formboard.core.store.writes import leased

    with leased(store.lease, store.on_lock_wait), closing(store._connect("rw")) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            fill(conn, rows)
            revision = int(
                conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        files.write_sidecar(store.path, revision, store.client_id)


def _fill_server(store: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The rows into a new board on the server: one transaction (its COMMIT notifies)."""
    with store._lock:
        conn = store._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            fill(conn, rows)
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('ops', 'seq'), "
                "GREATEST((SELECT MAX(seq) FROM ops), 1))"
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise


def _remove(copy: Store) -> None:
    discard = getattr(copy, "discard", None)
    if discard is not None:
        discard()
        return
    from formboard.core.store import files

    copy.close()
    for made in (copy.path, files.sidecar_path(copy.path), files.journal_path(copy.path)):
        made.unlink(missing_ok=True)
