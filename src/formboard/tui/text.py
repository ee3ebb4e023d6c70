"""User text made safe for the screen: core/text.py's one rule, in the app's Rich terms.

Card text is data, never markup: it goes into Rich ``Text`` objects as plain
strings, and control characters (possible in boards written by other tools)
are replaced by visible symbols (core/text.py) so they never reach the terminal.
Besides ``safe`` (the app's name for that rule), only what needs Rich lives here:
``Text`` objects and widths in terminal cells.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from formboard.core import text


def safe(value: str, *, one_line: bool = False) -> str:
    """``value`` with control characters made visible (and line breaks folded if one_line).

    The one rule of core/text.py, as the app's widgets call it.
    """
    return text.one_line(value) if one_line else text.visible(value)


def plain(value: str, style: str = "", *, one_line: bool = False) -> Text:
    """A Rich Text holding ``value`` literally (square brackets stay square brackets)."""
    return Text(safe(value, one_line=one_line), style=style, no_wrap=one_line, end="")


def truncate(value: str, width: int) -> str:
    """Cut ``value`` to ``width`` terminal cells, ending with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(value) <= width:
        return value
    out, used = [], 0
    for ch in value:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"
