"""User text made safe for the screen.

Card text is data, never markup: it goes into Rich ``Text`` objects as plain
strings, and control characters (possible in boards written by other tools)
are replaced by visible symbols so they never reach the terminal.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture" for it, e.g. ␛
    return "\ufffd"


def safe(value: str, *, one_line: bool = False) -> str:
    """``value`` with control characters made visible (and line breaks folded if one_line)."""
    if one_line:
        value = value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(_visible, value)


def plain(value: str, style: str = "", *, one_line: bool = False) -> Text:
    """A Rich Text holding ``value`` literally (square brackets stay square brackets)."""
    return Text(safe(value, one_line=one_line), style=style, no_wrap=one_line, end="")


def first_line(value: str) -> str:
    """The first non-empty line of a free text."""
    for line in value.splitlines():
        if line.strip():
            return line.strip()
    return ""


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
