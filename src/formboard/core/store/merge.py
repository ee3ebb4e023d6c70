"""Optimistic revisions: merge an edit field by field, or report a conflict.

DESIGN §3: writes carry the ``rev`` they started from; fields others changed since
merge with mine, the same field is a conflict shown to the person with both versions.
"""

from __future__ import annotations

from typing import Any

from formboard.core.errors import BoardConflict, FieldConflict, InvalidInput
from formboard.core.model import Card, Perspective
from formboard.core.store.op_rows import op_values
from formboard.core.store.rows import perspective_from_row, read_cards
from formboard.core.store.sql import BoardConnection, Row
from formboard.core.store.writes import Author, Record, Tx

_SQL_NAME = {"column": "col"}
OUTSIDE = "someone outside formboard"


def reload(conn: BoardConnection, entity: str, eid: str) -> Card | Perspective:
    p = conn.dialect.param
    if entity == "card":
        return read_cards(conn, [eid])[eid]
    return perspective_from_row(
        conn.execute(f"SELECT * FROM perspectives WHERE id = {p}", (eid,)).fetchone()
    )


def update_row(
    conn: BoardConnection,
    author: Author,
    entity: str,
    op_name: str,
    row: Row,
    wanted: dict[str, Any],
    base_rev: int | None,
) -> Tx:
    """Merge ``wanted`` into a card or perspective row.

    With ``base_rev`` older than the row, fields others changed since then merge with
    mine when they differ. A field I send as it was at ``base_rev`` is not a change of
    mine, so theirs stands. A field both of us changed is a conflict even when the
    values agree (a read-modify-write such as a counter must not count twice): nothing
    is written and both versions go back to the person.
    """
    p = conn.dialect.param
    if type(row["rev"]) is not int:  # another program's value: there is no next to set
        raise InvalidInput(
            f"{entity.capitalize()} {row['id']}'s revision is not a number (changed outside "
            "formboard), so nothing was changed. `formboard repair BOARD` sets it to a number."
        )
    current = {k: row[_SQL_NAME.get(k, k)] for k in wanted}
    if base_rev is not None and row["rev"] != base_rev:
        theirs = values_at(conn, row["id"], base_rev, row["rev"])
        if theirs is None:  # the log cannot say what changed: any difference clashes
            clashing = [k for k in wanted if current[k] != wanted[k]]
        else:
            wanted = {k: v for k, v in wanted.items() if theirs.get(k, _UNSEEN) != v}
            clashing = [k for k in wanted if k in theirs]
        if clashing:
            base = theirs or {}
            conflict = BoardConflict(
                entity=entity,
                entity_id=row["id"],
                conflicts=[FieldConflict(k, wanted[k], current[k], base.get(k)) for k in clashing],
                # A rev the log cannot explain was made outside formboard (the shell).
                theirs_by=last_author(conn, row["id"]) if theirs is not None else OUTSIDE,
                current_rev=row["rev"],
            )
            return Tx(conflict=conflict)
    changed = {k: v for k, v in wanted.items() if current[k] != v}
    if not changed:
        return Tx(reload(conn, entity, row["id"]))
    table = "cards" if entity == "card" else "perspectives"
    sets = ", ".join(f"{_SQL_NAME.get(k, k)} = {p}" for k in changed)
    stamp_values: tuple[str, ...]
    if entity == "card":
        stamp, stamp_values = f"updated_by = {p}, updated_at = {p}", (author.login, author.at)
    else:
        stamp, stamp_values = f"updated_at = {p}", (author.at,)
    conn.execute(
        f"UPDATE {table} SET {sets}, {stamp}, rev = rev + 1 WHERE id = {p} AND rev = {p}",
        (*changed.values(), *stamp_values, row["id"], row["rev"]),
    )
    before = {k: current[k] for k in changed}
    after = dict(changed)
    if entity == "perspective":
        after["card_id"] = before["card_id"] = row["card_id"]
    record = Record(op_name, entity, row["id"], row["rev"] + 1, before, after)
    return Tx(reload(conn, entity, row["id"]), [record])


_UNSEEN = object()


def clash_since(
    conn: BoardConnection,
    entity: str,
    row: Row,
    base_rev: int | None,
    mine: dict[str, Any],
) -> BoardConflict | None:
    """A conflict if any field in ``mine`` changed after ``base_rev``, else None.

    For writes that do not merge field by field (a move, an archive): ``mine`` names
    what the write sets, in words a person reads (its keys are op-log field names).
    """
    if base_rev is None or row["rev"] == base_rev:
        return None
    theirs = values_at(conn, row["id"], base_rev, row["rev"])
    clashing = [k for k in mine if theirs is None or k in theirs]
    if not clashing:
        return None
    base = theirs or {}
    return BoardConflict(
        entity=entity,
        entity_id=row["id"],
        conflicts=[
            FieldConflict(k, mine[k], _as(mine[k], row[_SQL_NAME.get(k, k)]), base.get(k))
            for k in clashing
        ],
        theirs_by=last_author(conn, row["id"]) if theirs is not None else OUTSIDE,
        current_rev=row["rev"],
    )


def _as(mine: Any, value: Any) -> Any:
    """A stored value in the type of mine (``archived`` is stored as 0 or 1)."""
    return bool(value) if isinstance(mine, bool) else value


def values_at(
    conn: BoardConnection, eid: str, base_rev: int, current_rev: int
) -> dict[str, Any] | None:
    """The fields changed after ``base_rev``, each with its value at ``base_rev``.

    None when the log cannot account for every revision since (a writer bypassed it, or
    another program garbled a record of one: what that change changed is unknown).
    """
    p = conn.dialect.param
    rows = conn.execute(
        f"SELECT entity_rev, before, after FROM ops WHERE entity_id = {p} AND entity_rev > {p} "
        "AND op != 'conflict' ORDER BY entity_rev, seq",
        (eid, base_rev),
    ).fetchall()
    if len({r["entity_rev"] for r in rows}) < current_rev - base_rev:
        return None
    values: dict[str, Any] = {}
    for r in rows:
        (before, before_wrong), (after, after_wrong) = op_values(r["before"]), op_values(r["after"])
        if before_wrong or after_wrong:
            return None
        for k in after or {}:
            # the first change after base_rev says what the field was at base_rev
            values.setdefault(k, (before or {}).get(k, _UNSEEN))
    return values


def last_author(conn: BoardConnection, eid: str) -> str:
    p = conn.dialect.param
    row = conn.execute(
        f"SELECT author, author_name FROM ops WHERE entity_id = {p} AND op != 'conflict' "
        "ORDER BY seq DESC LIMIT 1",
        (eid,),
    ).fetchone()
    return (row["author_name"] or row["author"]) if row else ""
