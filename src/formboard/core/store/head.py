"""A large board's first rows: what its first frame shows, read before the rest of it.

Reading a 5000-card board and laying every card out costs the app's start several times
what the screen shows. The app opens such a board with the first cards of each column
(``read_start``), the column's true counts beside them, and reads the whole board right
after its first frame; a key pressed meanwhile waits for it (``tui/app.py``).
"""

from __future__ import annotations

from typing import NamedTuple

from formboard.core.model import Board, Column
from formboard.core.store import rows
from formboard.core.store.sql import BoardConnection, Row

# Boards with more cards than this open by their first rows; smaller ones are read whole
# (reading them costs less than a second query would save).
HEAD_FIRST_ABOVE = 1000
# Cards read per column: more than a screen shows (each card takes three lines or more).
ROWS_PER_COLUMN = 60


class BoardStart(NamedTuple):
    """What the app opens with: the board, or only its first rows and each column's count."""

    board: Board
    totals: dict[Column, int] | None = None  # None: ``board`` is the whole board


def read_start(conn: BoardConnection) -> BoardStart:
    """The whole board when it has ``HEAD_FIRST_ABOVE`` cards or fewer; else the first
    ``ROWS_PER_COLUMN`` cards of each column on the board (not archived), their
    perspectives and links, and how many cards each column holds."""
    (count,) = conn.execute("SELECT COUNT(*) FROM cards").fetchone()
    if count <= HEAD_FIRST_ABOVE:
        return BoardStart(rows.read_board(conn))
    p = conn.dialect.param
    totals: dict[Column, int] = {}
    found: list[Row] = []
    for column in Column:
        where = f"FROM cards WHERE col = {p} AND archived = 0"
        (totals[column],) = conn.execute(f"SELECT COUNT(*) {where}", (column.value,)).fetchone()
        found += conn.execute(
            f"SELECT {rows.CARD_COLUMNS} {where} ORDER BY position, id LIMIT {p}",
            (column.value, ROWS_PER_COLUMN),
        ).fetchall()
    ids = [r["id"] for r in found]
    by_card = rows.perspectives_by_card(conn, ids)
    marks = conn.dialect.params(len(ids))
    links = (
        conn.execute(
            f"SELECT * FROM links WHERE from_id IN ({marks}) OR to_id IN ({marks}) "
            "ORDER BY created_at, id",
            ids + ids,
        )
        if ids
        else ()
    )
    cards = tuple(rows.card_with(r, by_card) for r in found)
    head = rows.board_of(conn, cards, tuple(rows.link_from_row(r) for r in links))
    return BoardStart(head, totals)
