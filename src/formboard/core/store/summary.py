"""One line about a board for the board chooser, read without the write path."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from formboard.core.store.files import sqlite_uri
from formboard.core.store.schema import FORMAT_NAME

BOARD_SUFFIX = ".board"


@dataclass(frozen=True)
class BoardSummary:
    """What the chooser shows: client, title, cards, last change and by whom."""

    path: Path
    client: str = ""
    title: str = ""
    cards: int = 0
    last_change_at: str = ""
    last_change_by: str = ""
    problem: str = ""  # one sentence when the file cannot be read as a board


def summarise(path: Path) -> BoardSummary:
    """Read a board's summary through a short read-only connection."""
    try:
        conn = sqlite3.connect(sqlite_uri(path.absolute(), "ro"), uri=True, timeout=2)
    except sqlite3.Error as exc:
        return BoardSummary(path, problem=f"cannot be opened ({exc})")
    conn.text_factory = bytes  # text that is not UTF-8 (another program's) reads too: _text
    try:
        meta = {_text(k): _text(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        if meta.get("format") != FORMAT_NAME:
            return BoardSummary(path, problem="is not a formboard board")
        cards = conn.execute("SELECT COUNT(*) FROM cards WHERE archived = 0").fetchone()[0]
        last = conn.execute(
            "SELECT at, COALESCE(NULLIF(author_name, ''), author) FROM ops ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return BoardSummary(
            path,
            client=meta.get("client", ""),
            title=meta.get("title", ""),
            cards=cards,
            last_change_at=_text(last[0]) if last else meta.get("created_at", ""),
            last_change_by=_text(last[1]) if last else "",
        )
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            return BoardSummary(path, problem="is not a formboard board")
        # Unconfirmed: a colleague's commit in progress looks the same for a moment. Only
        # opening the board may call it damaged (BoardStore.damage).
        return BoardSummary(path, problem="could not be read just now; open it to check it")
    finally:
        conn.close()


def _text(value: object) -> str:
    """A stored value as text: bytes another program stored read as UTF-8 (as ``rows.text_of``
    does; not imported, so the chooser starts without the models)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def find_boards(folder: Path) -> list[BoardSummary]:
    """Every ``*.board`` file in ``folder``, by client code."""
    paths = sorted(p for p in folder.glob(f"*{BOARD_SUFFIX}") if p.is_file())
    return sorted(
        (summarise(p) for p in paths), key=lambda s: (s.problem != "", s.client, s.path.name)
    )
