"""Card positions in a column: fractional, renumbered when the floats run out."""

from __future__ import annotations

from typing import Any

from formboard.core.errors import InvalidInput
from formboard.core.model import Column
from formboard.core.store.rows import resolve_card
from formboard.core.store.sql import BoardConnection
from formboard.core.store.writes import Record

POSITION_STEP = 1024.0


def place(
    conn: BoardConnection,
    column: Column,
    card_id: str,
    *,
    before: str | None = None,
    index: int | None = None,
    top: bool = False,
) -> tuple[float, list[Record]]:
    """A position for ``card_id`` in ``column``, renumbering the column when floats run out.

    Positions are fractional so concurrent moves never reorder unrelated cards;
    ties order by id, identically on every screen. Only the neighbours are read
    (the column index), so a write costs the same on a 5000-card board.
    """
    p = conn.dialect.param
    where = f"col = {p} AND archived = 0 AND id != {p}"
    args: tuple[Any, ...] = (column.value, card_id)
    if before is not None:
        target = resolve_card(conn, before)
        row = conn.execute(
            f"SELECT position FROM cards WHERE id = {p} AND {where}", (target, *args)
        ).fetchone()
        if row is None:
            raise InvalidInput("The card to place it before is not in that column.")
        index = conn.execute(
            f"SELECT COUNT(*) FROM cards WHERE {where} AND (position < {p} OR "
            f"(position = {p} AND id < {p}))",
            (*args, row["position"], row["position"], target),
        ).fetchone()[0]
    elif top:
        index = 0
    if index is not None:
        index = max(index, 0)
        pair = conn.execute(
            f"SELECT position FROM cards WHERE {where} ORDER BY position, id LIMIT 2 OFFSET {p}",
            (*args, max(index - 1, 0)),
        ).fetchall()
        positions = [r["position"] for r in pair]
        if not all(isinstance(at, int | float) for at in positions):
            return renumber(conn, where, args, index)  # another program's value: set right
        if index == 0 and positions:
            prev_pos, next_pos = positions[0] - 2 * POSITION_STEP, positions[0]
        elif len(positions) == 2:
            prev_pos, next_pos = positions
        else:
            index = None  # past the end: the bottom
    if index is None:
        last = conn.execute(f"SELECT MAX(position) FROM cards WHERE {where}", args).fetchone()[0]
        if last is not None and not isinstance(last, int | float):
            last = _last_number(conn, where, args)
        return (POSITION_STEP if last is None else last + POSITION_STEP), []
    mid = (prev_pos + next_pos) / 2
    if prev_pos < mid < next_pos:
        return mid, []
    return renumber(conn, where, args, index)


def _last_number(conn: BoardConnection, where: str, args: tuple[Any, ...]) -> float | None:
    """The highest position in the column that is a number: SQLite orders text another
    program stored there after every number (a card shown last, as ``card_from_row`` does)."""
    found = conn.execute(f"SELECT position FROM cards WHERE {where}", args)
    return max(
        (r["position"] for r in found if isinstance(r["position"], int | float)), default=None
    )


def renumber(
    conn: BoardConnection, where: str, args: tuple[Any, ...], gap_at: int
) -> tuple[float, list[Record]]:
    """Spread a column out again, leaving a gap at ``gap_at`` for the card being placed."""
    p = conn.dialect.param
    order = conn.execute(
        f"SELECT id, position FROM cards WHERE {where} ORDER BY position, id", args
    ).fetchall()
    records = []
    for i, r in enumerate(order):
        pos = (i + 1 + (1 if i >= gap_at else 0)) * POSITION_STEP
        if pos != r["position"]:
            conn.execute(f"UPDATE cards SET position = {p} WHERE id = {p}", (pos, r["id"]))
            before, after = {"position": r["position"]}, {"position": pos}
            records.append(Record("renumber", "card", r["id"], None, before, after))
    return (gap_at + 1) * POSITION_STEP, records
