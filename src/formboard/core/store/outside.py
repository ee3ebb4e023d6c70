"""What another program left where ``health`` does not look: the op log, the meetings and
who came to them, and bytes (a BLOB) in any column where formboard keeps text.

Reads never stop on these (``rows`` reads each as a stand-in and says so); this module
finds every one for `formboard check`, each with its place and what sets it right. The op
log is the board's record and formboard never rewrites it, so what sets a row of it right
is a backup taken before the change.
"""

from __future__ import annotations

import sqlite3

from formboard.core.store.health import ORPHAN_FIX, Problem
from formboard.core.store.op_rows import op_problems
from formboard.core.store.rows import blobs_in, text_of
from formboard.core.store.sql import BoardConnection, Row

# The entities whose problems `check` lists under "op log" and "meetings", not "rows".
LOG_ENTITIES = ("op",)
MEETING_ENTITIES = ("meeting", "attendance")

_FROM_BACKUP = "restore the newest backup that has it whole (see the backups line)"
BYTES = "is stored as bytes, not text"
# What sets a card's or a link's text right, as `health` says it for any other value.
_TEXT_FIXES = {
    ("card", "title"): "formboard edit {board} {id} --title TEXT",
    ("card", "body"): "formboard edit {board} {id} --body TEXT",
    ("card", "client_words"): "formboard edit {board} {id} --words TEXT",
    ("card", "column"): "formboard move {board} {id} COLUMN",
    ("perspective", "text"): "its author runs formboard edit-perspective {board} {id} TEXT",
    ("link", "note"): "formboard unlink {board} {id}, then formboard link again",
    # An id, or the card a perspective or link belongs to: `repair` stores it as text.
    **{key: "formboard repair {board}" for key in (
        ("card", "id"), ("perspective", "id"), ("perspective", "card_id"), ("link", "id"),
        ("link", "from_id"), ("link", "to_id"))},
}  # fmt: skip
_TABLES = (("cards", "card", "id"), ("perspectives", "perspective", "id"),
           ("links", "link", "id"), ("members", "member", "login"))  # fmt: skip


def problems(conn: BoardConnection) -> list[Problem]:
    """Every such value, in the order `check` says them: the rows, the log, the meetings."""
    return blobs(conn) + log_problems(conn) + meeting_problems(conn)


def blobs(conn: BoardConnection) -> list[Problem]:
    """Bytes where text belongs in the cards, perspectives, links, members and settings."""
    found = []
    for table, entity, key in _TABLES:
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY {key}"):
            for column in blobs_in(row):
                field = "column" if column == "col" else column  # as the card names it
                fix = _TEXT_FIXES.get((entity, field)) or _in_shell(table, column, key, row)
                found.append(Problem(entity, str(text_of(row[key])), field, BYTES, fix))
    for row in conn.execute("SELECT key, value FROM meta ORDER BY key"):
        if blobs_in(row):
            fix = _in_shell("meta", "value", "key", row)
            key = str(text_of(row["key"]))  # the setting: "title"
            found.append(Problem("board", key, key, BYTES, fix))
    return found


def _in_shell(table: str, column: str, key: str, row: Row) -> str:
    """The sqlite3 statement that stores a BLOB as text again (only a file holds BLOBs):
    its bytes, where they are UTF-8; else a text to type (invalid UTF-8 stored as text
    would stop every read)."""
    where = str(text_of(row[key])).replace("'", "''")
    try:
        row[column].decode("utf-8")
        value = f"CAST({column} AS TEXT)"
    except UnicodeDecodeError:
        value = "'TEXT'"
    return f"in the sqlite3 shell, UPDATE {table} SET {column} = {value} WHERE {key} = '{where}'"


def log_problems(conn: BoardConnection) -> list[Problem]:
    """Every row of the op log that holds what formboard would not have written there."""
    return [
        Problem("op", str(row["seq"]), column, what, _FROM_BACKUP)
        for row in conn.execute("SELECT * FROM ops ORDER BY seq")
        for column, what in op_problems(row)
    ]


def meeting_problems(conn: BoardConnection) -> list[Problem]:
    """Meetings with values formboard would not have written, who came to a meeting that is
    no longer on the board, and meetings the op log started whose row is gone."""
    found = []
    numbers = set()
    try:
        meetings = conn.execute("SELECT * FROM meetings ORDER BY number").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # a board of schema 2, opened read-only: it has no meetings yet
        raise
    for row in meetings:
        number = str(text_of(row["number"]))
        numbers.add(number)
        found += [Problem("meeting", number, c, BYTES, _FROM_BACKUP) for c in blobs_in(row)]
        revs = ["started_rev"] + (["ended_rev"] if row["ended_at"] is not None else [])
        found += [
            Problem("meeting", number, rev, "is not a number", _FROM_BACKUP)
            for rev in revs
            if type(row[rev]) is not int
        ]
    for row in conn.execute("SELECT * FROM attendance ORDER BY meeting, login, name"):
        meeting, login = str(text_of(row["meeting"])), text_of(row["login"])
        where = f"of {login} at meeting {meeting}"
        if meeting not in numbers:
            found.append(Problem(
                "attendance", where, "",
                "names a meeting that is not on the board (deleted outside formboard)",
                f"{ORPHAN_FIX}, or restore the newest backup that has the meeting",
            ))  # fmt: skip
        found += [Problem("attendance", where, c, BYTES, _FROM_BACKUP) for c in blobs_in(row)]
    started = conn.execute("SELECT DISTINCT entity_id FROM ops WHERE op = 'start_meeting'")
    for (number,) in started:
        if str(text_of(number)) not in numbers:
            found.append(Problem(
                "meeting", str(text_of(number)), "",
                "is in the op log, but its row is gone (deleted outside formboard)",
                _FROM_BACKUP,
            ))  # fmt: skip
    return found
