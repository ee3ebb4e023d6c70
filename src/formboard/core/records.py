"""Files for the record: the board exported in each format, written owner-only.

The command line writes them where a person names (``export -o``); the app writes them
into the person's data folder (``<data>/exports/``, ``<data>/notes/``) and says where.
File names hold the client's pseudonymous code and a time, never client text.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from formboard.core.files import make_private_folders, private_mode, write_atomically
from formboard.core.model import Board, Op

# Format -> (file suffix, how people call it, what it holds).
EXPORTS = {
    "html": ("html", "HTML", "a printable page: every card, the links as sentences, a diagram"),
    "markdown": ("md", "markdown", "the board as text to read"),
    "json": ("json", "JSON", "everything, to keep or import"),
    "mermaid": ("mmd", "Mermaid", "the links as a Mermaid diagram"),
    "dot": ("dot", "DOT", "the links as a Graphviz DOT diagram"),
}


def render(board: Board, fmt: str, last_change: Op | None = None) -> str:
    """The board in ``fmt`` (a key of EXPORTS); each writer is imported only when used.

    ``last_change`` (the op log's newest entry) dates the pages people read.
    """
    if fmt == "html":
        from formboard.core.record_html import board_to_html

        return board_to_html(board, last_change=last_change)
    if fmt in ("mermaid", "dot"):
        from formboard.core.diagram import board_to_dot, board_to_mermaid

        return board_to_mermaid(board) if fmt == "mermaid" else board_to_dot(board)
    from formboard.core.export import board_to_json, board_to_markdown

    if fmt == "json":
        return board_to_json(board, last_change)
    return board_to_markdown(board, last_change)


def file_name(client: str, suffix: str, when: datetime | None = None) -> str:
    """``C-0421-2026-12-02-0915.html``: the client code (made safe for a file name)."""
    code = re.sub(r"[^A-Za-z0-9_-]", "_", client)[:40] or "board"
    return f"{code}-{(when or datetime.now()):%Y-%m-%d-%H%M}.{suffix}"


def write_private(path: Path, text: str, *, our_folder: bool = False) -> None:
    """Write ``text`` to ``path`` whole or not at all, owner-only (0660 in a team folder).

    ``our_folder``: the path is in formboard's own data folder, which is made (0700) if
    missing; any other folder must exist already.
    """
    if our_folder:
        make_private_folders(path.parent)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    write_atomically(path, text.encode("utf-8"), private_mode(path.parent)[0])
