"""Text renderings for the `formboard` command: the board, a screen-reader text, the op log.

Everything a board holds passes through :func:`safe_line` or :func:`safe_text` before it
reaches the terminal: the model refuses control characters, but a file written by another
program (the sqlite3 shell) is read as it is.
"""

from __future__ import annotations

from collections import Counter

from formboard.core.export import ordered_cards
from formboard.core.model import Board, Card, Column, Link, Op
from formboard.core.text import one_line, visible

SHORT_ID_MIN = 4

# The one rule for text on a terminal (core/text.py), under the names this module uses.
safe_text = visible
safe_line = one_line


def short_ids(ids: list[str]) -> dict[str, str]:
    """The shortest prefix (at least 4 characters) that names each id uniquely."""
    ordered = sorted(set(ids))
    out = {}
    for i, eid in enumerate(ordered):
        need = SHORT_ID_MIN
        for other in (ordered[i - 1] if i else "", ordered[i + 1] if i + 1 < len(ordered) else ""):
            shared = 0
            while shared < min(len(eid), len(other)) and eid[shared] == other[shared]:
                shared += 1
            need = max(need, shared + 1)
        out[eid] = eid[:need]
    return out


def count(n: int, noun: str) -> str:
    """``1 card``, ``2 cards``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _sentence(text: str) -> str:
    """End a phrase with a full stop unless it already ends a sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def link_sentence(link: Link, titles: dict[str, str]) -> str:
    """A link read from its target: "Panic at work — maintained by — Avoiding the office".

    The CLI always reads links this way (target, passive phrase, source), so a listing
    starts with the card that is acted upon, as the board's symptoms usually are.
    """
    src = safe_line(titles.get(link.from_id, link.from_id))
    dst = safe_line(titles.get(link.to_id, link.to_id))
    return f"{dst} — {link.kind.passive} — {src}"


def _link_counts(board: Board) -> Counter[str]:
    counts: Counter[str] = Counter()
    for link in board.links:
        counts[link.from_id] += 1
        counts[link.to_id] += 1
    return counts


def _markers(card: Card, links: int) -> list[str]:
    marks = [card.status.label]
    if card.domain:
        marks.append(card.domain.value)
    if card.perspectives:
        marks.append(count(len(card.perspectives), "perspective"))
    if links:
        marks.append(count(links, "link"))
    if card.client_words.strip():
        marks.append("client's words")
    if card.problems:
        marks.append("⚠ written outside formboard: see `formboard check`")
    return marks


def problem_lines(board: Board) -> list[str]:
    """What is wrong with the board as another program left it, one line each."""
    return [f"⚠ {safe_line(p)}." for p in board.problems]


def render_board(board: Board) -> str:
    """The readable board: columns as headings with counts, one line per card."""
    shorts = short_ids([c.id for c in board.cards] + [lk.id for lk in board.links])
    links = _link_counts(board)
    title = f" — {safe_line(board.title)}" if board.title else ""
    out = [f"{safe_line(board.client)}{title} (revision {board.revision})"]
    out += problem_lines(board)
    for column in Column:
        cards = board.column(column)
        archived = len(board.column(column, archived=True))
        out += ["", f"{column.label} ({len(cards)})"]
        width = max((len(shorts[c.id]) for c in cards), default=0)
        for card in cards:
            marks = " · ".join(_markers(card, links[card.id]))
            out.append(f"  {shorts[card.id]:<{width}}  {safe_line(card.title)}  [{marks}]")
        if not cards:
            out.append("  (no cards)")
        if archived:
            out.append(f"  ({archived} archived)")
    if board.links:
        titles = {c.id: c.title for c in board.cards}
        out += ["", f"Links ({len(board.links)})"]
        width = max(len(shorts[lk.id]) for lk in board.links)
        for link in board.links:
            out.append(f"  {shorts[link.id]:<{width}}  {link_sentence(link, titles)}")
    return "\n".join(out)


def _plain_card(card: Card, links: int) -> str:
    parts = [_sentence(safe_line(card.title)), _sentence(card.status.label.capitalize())]
    if card.domain:
        parts.append(f"{card.domain.value.capitalize()} domain.")
    if card.perspectives:
        parts.append(count(len(card.perspectives), "perspective") + ".")
    if links:
        parts.append(count(links, "link") + ".")
    if card.client_words.strip():
        parts.append(_sentence(f"Client's words: {safe_line(card.client_words)}"))
    parts += [_sentence(f"Written outside formboard: {p}") for p in card.problems]
    parts.append(f"Id {card.id}.")
    return " ".join(parts)


def render_plain(board: Board) -> str:
    """A linear text for screen readers: headings, one sentence-line per card, link sentences."""
    links = _link_counts(board)
    title = f": {safe_line(board.title)}" if board.title else ""
    out = [_sentence(f"Board for client {safe_line(board.client)}{title}")]
    out.append(f"Revision {board.revision}.")
    out += problem_lines(board)
    for column in Column:
        cards = board.column(column)
        out += ["", f"{column.label} ({count(len(cards), 'card')})"]
        out += [_plain_card(card, links[card.id]) for card in cards]
    archived = [c for c in ordered_cards(board) if c.archived]
    if archived:
        out += ["", f"Archived ({count(len(archived), 'card')})"]
        out += [_plain_card(card, links[card.id]) for card in archived]
    titles = {c.id: c.title for c in board.cards}
    out += ["", f"Links ({count(len(board.links), 'link')})"]
    for link in board.links:
        note = " " + _sentence(f"Note: {safe_line(link.note)}") if link.note.strip() else ""
        out.append(_sentence(link_sentence(link, titles)) + note)
    return "\n".join(out)


def _when(at: str) -> str:
    # Stored as 2026-11-27T00:15:50.031Z; seconds are enough in a listing.
    return at[:19].replace("T", " ") + ("Z" if at.endswith("Z") else "")


def render_log(ops: list[Op]) -> str:
    """One line per op: seq, time, author, op, entity and a short entity id."""
    if not ops:
        return "No changes in the log after that point."
    rows = []
    for op in ops:
        who = safe_line(op.author_name)
        who = (
            f"{who} ({safe_line(op.author)})" if who and who != op.author else safe_line(op.author)
        )
        rows.append(
            (
                str(op.seq),
                _when(op.at),
                who,
                safe_line(op.op),
                safe_line(op.entity),
                safe_line(op.entity_id)[:10],
            )
        )
    header = ("seq", "time (UTC)", "author", "op", "entity", "id")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].rjust(widths[0])] + [
            c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
