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


def notice_text(value: object) -> str:
    """What a notice says, as the plain characters Textual's toast can draw.

    A Rich ``Text`` gives its characters (the toast cannot draw one); anything else its
    ``str``; control characters are made visible, line breaks kept.
    """
    return safe(value.plain if isinstance(value, Text) else str(value))


def truncate(value: str, width: int) -> str:
    """Cut ``value`` to ``width`` terminal cells, ending with an ellipsis when cut.

    The cut falls between words ("Father's sudden …"), so no word is left in half; only
    a first word longer than the room is cut inside.
    """
    if width <= 0:
        return ""
    if cell_len(value) <= width:
        return value
    kept = _cells(value, width - 2) if width > 2 else ""  # room for " …"
    if not kept.endswith(" ") and value[len(kept) : len(kept) + 1] != " ":
        kept = kept[: kept.rfind(" ") + 1]  # back to the end of the last whole word
    if kept.strip():
        return f"{kept.rstrip()} …"
    return _cells(value, width - 1) + "…" if width > 1 else "…"  # one long word


def wrap_title(title: str, width: int, most: int) -> list[str]:
    """``title`` on at most ``most`` lines of ``width`` cells, words kept whole where they
    fit; the last line ends with "…" when the title goes on.

    A board of 5000 cards wraps every title before its first frame, so lengths are
    counted once a word (an ASCII title's cells are its characters), not once a line.
    """
    if width <= 0:
        return [""]
    cells = len if title.isascii() else cell_len
    if cells(title) <= width:
        return [title]
    lines: list[str] = []
    line, used = "", 0  # the line being filled, and its cells
    for word in title.split(" "):
        size = cells(word)
        while size > width:  # a word longer than the line: cut it
            room = width - used - (1 if line else 0)
            if room <= 0:
                lines.append(line)
                line, used, room = "", 0, width
            head = _cells(word, room)
            lines.append(f"{line} {head}".strip() if line else head)
            line, used, word = "", 0, word[len(head) :]
            size = cells(word)
        if not line:
            line, used = word, size
        elif used + 1 + size <= width:
            line, used = f"{line} {word}", used + 1 + size
        else:
            lines.append(line)
            line, used = word, size
    if line:
        lines.append(line)
    if len(lines) > most:
        rest = " ".join(lines[most - 1 :])
        lines = [*lines[: most - 1], truncate(rest + " …", width) if cell_len(rest) <= width
                 else truncate(rest, width)]  # fmt: skip
    return lines or [""]


def _cells(word: str, room: int) -> str:
    """The longest start of ``word`` that fits ``room`` cells (at least one character)."""
    out: list[str] = []
    used = 0
    for ch in word:
        if used + cell_len(ch) > room and out:
            break
        out.append(ch)
        used += cell_len(ch)
    return "".join(out)
