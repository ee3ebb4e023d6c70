"""Text renderings for `formboard show` (readable, and --plain for screen readers) and `log`.

A card's facts, a link's sentence, a time and the board order come from core/facts.py;
this module only words them for a terminal. Everything a board holds passes through
core/text.py's ``one_line`` before it is printed: the model refuses control characters,
but a file written by another program (the sqlite3 shell) is read as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from formboard.core.facts import (
    PROBLEM_MARK,
    CardFacts,
    card_facts,
    count,
    link_counts,
    link_titles,
    local_time,
    ordered_cards,
)
from formboard.core.history import said_by, told
from formboard.core.meetings import Meeting, upper_first
from formboard.core.model import Board, Card, Column, Link, Op
from formboard.core.text import one_line

SHORT_ID_MIN = 4


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


def _sentence(text: str) -> str:
    """End a phrase with a full stop unless it already ends a sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def link_line(link: Link, titles: dict[str, str]) -> str:
    """A link read from its target: "Panic at work — maintained by — Avoiding the office".

    The CLI always reads links this way (target, passive phrase, source), so a listing
    starts with the card that is acted upon, as the board's symptoms usually are.
    """
    first, words, second = link_titles(link, titles, backwards=True, ids=True)
    return f"{one_line(first)} — {words} — {one_line(second)}"


def _markers(facts: CardFacts) -> list[str]:
    """The facts in brackets after a card's title: the ones it has, in words."""
    marks = [facts.status_word, *([facts.domain.value] if facts.domain else []), *_counts(facts)]
    if facts.client_words:
        marks.append("client's words")
    if facts.problems:
        marks.append(f"{PROBLEM_MARK} written outside formboard: see `formboard check`")
    return marks


def _counts(facts: CardFacts) -> list[str]:
    """The counts above zero, in words: "2 perspectives", "1 link"."""
    return [
        count(n, noun)
        for n, noun in [(facts.perspectives, "perspective"), (facts.links, "link")]
        if n
    ]


def problem_lines(board: Board) -> list[str]:
    """What is wrong with the board as another program left it, one line each."""
    return [f"{PROBLEM_MARK} {one_line(p)}." for p in board.problems]


def render_board(board: Board, changed: str = "") -> str:
    """The readable board: columns as headings with counts, one line per card; ``changed``
    says when and by whom it last changed (``history.last_changed``), not its revision."""
    shorts = short_ids([c.id for c in board.cards] + [lk.id for lk in board.links])
    links = link_counts(board.links)
    title = f" — {one_line(board.title)}" if board.title else ""
    out = [f"{one_line(board.client)}{title}" + (f" ({changed})" if changed else "")]
    out += problem_lines(board)
    for column in Column:
        cards = board.column(column)
        archived = len(board.column(column, archived=True))
        out += ["", f"{column.label} ({len(cards)})"]
        width = max((len(shorts[c.id]) for c in cards), default=0)
        for card in cards:
            marks = " · ".join(_markers(card_facts(card, links[card.id])))
            out.append(f"  {shorts[card.id]:<{width}}  {one_line(card.title)}  [{marks}]")
        if not cards:
            out.append("  (no cards)")
        if archived:
            out.append(f"  ({archived} archived)")
    if board.links:
        titles = {c.id: c.title for c in board.cards}
        out += ["", f"Links ({len(board.links)})"]
        width = max(len(shorts[lk.id]) for lk in board.links)
        for link in board.links:
            out.append(f"  {shorts[link.id]:<{width}}  {link_line(link, titles)}")
    return "\n".join(out)


def _plain_card(card: Card, links: int) -> str:
    """One card as sentences: title, then each fact it has, then its id."""
    facts = card_facts(card, links)
    parts = [_sentence(one_line(card.title)), _sentence(facts.status_word.capitalize())]
    if facts.domain:
        parts.append(f"{facts.domain.value.capitalize()} domain.")
    parts += [f"{counted}." for counted in _counts(facts)]
    if facts.client_words:
        parts.append(_sentence(f"Client's words: {one_line(card.client_words)}"))
    parts += [_sentence(f"Written outside formboard: {p}") for p in facts.problems]
    parts.append(f"Id {card.id}.")
    return " ".join(parts)


def render_plain(board: Board, changed: str = "") -> str:
    """A linear text for screen readers: headings, one sentence-line per card, link sentences."""
    links = link_counts(board.links)
    title = f": {one_line(board.title)}" if board.title else ""
    out = [_sentence(f"Board for client {one_line(board.client)}{title}")]
    if changed:
        out.append(_sentence(changed[0].upper() + changed[1:]))
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
        note = " " + _sentence(f"Note: {one_line(link.note)}") if link.note.strip() else ""
        out.append(_sentence(link_line(link, titles)) + note)
    return "\n".join(out)


def render_log(ops: list[Op], titles: Mapping[str, str]) -> str:
    """One line per change: seq, local time, who, and what they did as a sentence."""
    shown = [op for op in ops if op.op != "renumber"]  # part of a move or an add
    if not shown:
        return "No changes in the log after that point."
    rows = [
        (str(op.seq), local_time(op.at), said_by(op, with_role=True), said)
        for op, said in told(shown, titles)
    ]
    header = ("seq", "time", "who", "what")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2])]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines)


def render_archived(board: Board, ops: list[Op]) -> str:
    """The archived cards, by column: id, title, who archived each and when."""
    archived_by = {op.entity_id: op for op in ops if op.op == "archive_card"}  # the latest
    cards = [c for c in ordered_cards(board) if c.archived]
    if not cards:
        return "Archived (0 cards): nothing is archived."
    lines = [
        f"Archived ({count(len(cards), 'card')}); `formboard restore BOARD ID` brings one back"
    ]
    for card in cards:
        op = archived_by.get(card.id)
        when = f" — archived by {said_by(op)} {local_time(op.at)}" if op else ""
        lines.append(f"  {card.id}  {one_line(card.title)}  [{card.column.label}]{when}")
    return "\n".join(lines)


def render_meetings(meetings: Sequence[Meeting]) -> str:
    """One paragraph per meeting: number, title, when, who facilitated, who came."""
    if not meetings:
        return "No meetings yet. Start one with: formboard meeting start BOARD"
    lines = []
    for m in meetings:
        start = local_time(m.started_at)
        end = local_time(m.ended_at) if m.ended_at else "running now"
        lines.append(
            f"{upper_first(m.named())}: {start} – {end}, facilitated by {m.facilitator_said}"
        )
        if m.ended_by and m.ended_by != m.facilitator:
            lines[-1] += f", ended by {one_line(m.ended_by_name or m.ended_by)}"
        if m.attendees:
            lines.append("  present: " + "; ".join(a.said for a in m.attendees))
    return "\n".join(lines)
