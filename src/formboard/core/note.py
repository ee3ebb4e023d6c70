"""The note for the record: what a meeting did, in plain sentences a clinician can paste.

Client code and board title, date and time, who came (with disciplines, from when to
when), then every change the meeting made, each exactly once, grouped by the part of the
formulation it touched, and the client's own words that were recorded. No card ids, no
control characters; markdown for a text record, HTML for printing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from formboard.core import facts
from formboard.core.export import md_line
from formboard.core.history import chain_line, known_titles, record_seal, sentence
from formboard.core.html_page import h, h_block, page
from formboard.core.meetings import Attendee, Meeting, upper_first
from formboard.core.model import Board, Op
from formboard.core.person import Person
from formboard.core.rules import clean_client_code
from formboard.core.since import NOT_CHANGES, card_of
from formboard.core.text import one_line, visible

_FULL = 100_000  # a note quotes changed text whole


@dataclass
class Part:
    """One card's changes in the note."""

    card_id: str
    title: str
    column: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Note:
    """What a note says, before it is written as markdown or HTML."""

    heading: str
    when: str
    facilitated: str
    present: list[str]
    parts: list[Part]
    other: list[str]
    words: list[tuple[str, str]]  # (card title, the client's words)
    count: int  # how many changes
    client: str = ""  # the client code alone, for the confidential header
    history: str = ""  # the op log's chain head when it was written (``chain_line``)


def _card_of(op: Op) -> str | None:
    """The card a change sits under: a link's under the card it starts from."""
    if op.entity == "link":
        return (op.after or op.before or {}).get("from")
    return card_of(op)


def _person(op: Op, disciplines: dict[Person, str]) -> str:
    name = one_line(visible(op.author_name or op.author))
    discipline = one_line(visible(disciplines.get(op.person, "")))
    return f"{name} ({discipline})" if discipline else name


def _line(op: Op, titles: Mapping[str, str], disciplines: dict[Person, str]) -> str:
    """One change as a sentence with its author: a perspective's discipline is said once
    when it is the author's own, and a quoted text that ends its sentence ends the line."""
    after = op.after or {}
    if op.op == "add_perspective" and after.get("discipline") == disciplines.get(op.person):
        op = op.model_copy(update={"after": {**after, "discipline": ""}})
    said = f"{_person(op, disciplines)} {sentence(op, titles, this=_card_of(op), limit=_FULL)}"
    quoted = (
        one_line(visible(after["text"])) if op.op == "add_perspective" and after.get("text") else ""
    )
    if quoted:  # a record's entries are dated
        said += f" ({facts.local_time(op.at)}): “{quoted}”"
    return said if quoted.endswith((".", "!", "?", "…")) else said + "."


def default_path(folder: Path, client: str, number: int, fmt: str) -> Path:
    """Where the app offers to write meeting ``number``'s note: ``<folder>/<client>-meeting-
    <n>.md`` (``.html``), always a file in ``folder``. A client code another program stored
    can hold anything ("../../x", a slash, a control character): only a code formboard
    accepts names the file; any other is "board"."""
    try:
        name = clean_client_code(client)
    except ValueError:
        name = "board"
    suffix = "html" if fmt == "html" else "md"
    return folder / f"{name}-meeting-{int(number)}.{suffix}"


def written(note: Note, where: object) -> str:
    """What the app and ``formboard note`` say once the note is written."""
    return f"Wrote the note ({facts.count(note.count, 'change')}) to {where}."


def build(board: Board, meeting: Meeting | None, ops: Sequence[Op]) -> Note:
    """The note of ``ops`` (a meeting's, or any span's) on ``board`` as it is now.

    Cards are named by their titles now (cards are archived, never deleted), else by the
    last title the ops know.
    """
    cards = {c.id: c for c in board.cards}
    titles = known_titles(ops, {c.id: c.title for c in board.cards})
    disciplines = {m.person: m.discipline for m in board.members}
    if meeting is not None:
        disciplines.update({a.person: a.discipline for a in meeting.attendees if a.discipline})
    parts: dict[str, Part] = {}
    other: list[str] = []
    words: dict[str, str] = {}
    counted = 0
    for op in ops:
        if op.op in NOT_CHANGES:  # bookkeeping, not a change to the formulation
            continue
        counted += 1
        said = _line(op, titles, disciplines)
        card_id = _card_of(op)
        if card_id is None:
            other.append(said)
            continue
        if card_id not in parts:
            card = cards.get(card_id)
            column = card.column.label if card is not None else ""
            parts[card_id] = Part(card_id, titles.get(card_id, "a card"), column)
        parts[card_id].lines.append(said)
        recorded = (op.after or {}).get("client_words") if op.entity == "card" else None
        if recorded and recorded.strip():
            words[card_id] = recorded
    order = {c.id: facts.board_order(c) for c in board.cards}
    ordered = sorted(parts.values(), key=lambda p: order.get(p.card_id, (99, 0.0, p.card_id)))
    return Note(
        heading=_heading(board),
        when=_when(meeting, ops),
        facilitated=_facilitated(meeting, disciplines),
        present=[_attendee(a) for a in meeting.attendees] if meeting else [],
        parts=ordered,
        other=other,
        words=[(titles.get(cid, "a card"), text) for cid, text in words.items()],
        count=counted,
        client=board.client,
        history=chain_line(ops[-1]) if ops else "",
    )


def _heading(board: Board) -> str:
    client = one_line(visible(board.client))
    title = one_line(visible(board.title))
    return f"{client} — {title}" if title else client


def _when(meeting: Meeting | None, ops: Sequence[Op]) -> str:
    if meeting is None:
        if not ops:
            return "No changes in this span."
        return f"Changes from {facts.local_time(ops[0].at)} to {facts.local_time(ops[-1].at)}."
    start = facts.local_time(meeting.started_at)
    end = facts.local_time(meeting.ended_at) if meeting.ended_at else "(still running)"
    if meeting.ended_at and end[:10] == start[:10]:
        end = end[11:]
    return f"{upper_first(meeting.named())}, {start} – {end}."


def _facilitated(meeting: Meeting | None, disciplines: dict[Person, str]) -> str:
    if meeting is None:
        return ""
    who = meeting.facilitator_said
    discipline = disciplines.get(meeting.facilitator_person, "")
    said = f"Facilitated by {who}" + (f" ({one_line(visible(discipline))})" if discipline else "")
    if meeting.ended_by and meeting.ended_by_person != meeting.facilitator_person:
        said += f"; ended by {one_line(visible(meeting.ended_by_name or meeting.ended_by))}"
    return said + "."


def _attendee(a: Attendee) -> str:
    start = facts.local_time(a.from_at)[11:]
    end = facts.local_time(a.to_at)[11:] if a.to_at else "the end"
    return f"{a.said}, {start}–{end}"


# ------------------------------------------------------------------ writing


def markdown(note: Note) -> str:
    """The note as markdown that also reads as plain text."""
    out = [f"# Case meeting note: {md_line(note.heading)}", "", md_line(note.when)]
    if note.facilitated:
        out += ["", md_line(note.facilitated)]
    if note.present:
        out += ["", "## Present", "", *[f"- {md_line(p)}" for p in note.present]]
    out += ["", f"## Changes ({facts.count(note.count, 'change')})", ""]
    if not note.parts and not note.other:
        out.append("No changes were made.")
    for part in note.parts:
        where = f" ({part.column})" if part.column else ""
        out += [f"### {md_line(one_line(visible(part.title)))}{where}", ""]
        out += [f"- {md_line(line)}" for line in part.lines] + [""]
    if note.other:
        out += ["### The board", "", *[f"- {md_line(line)}" for line in note.other], ""]
    if note.words:
        out += ["## The client's own words", ""]
        for title, text in note.words:
            out += [f"{md_line(one_line(visible(title)))}:", ""]
            out += [f"> {md_line(line)}".rstrip() for line in visible(text).splitlines()] + [""]
    if note.history:
        out += ["", record_seal(note.history)]
    return "\n".join(out).rstrip("\n") + "\n"


def html_page(note: Note) -> str:
    """The note as one self-contained, printable HTML page (``core/html_page.py``)."""
    out = [
        f"<h1>Case meeting note: {h(note.heading)}</h1>",
        f"<p>{h(note.when)}</p>",
    ]
    if note.facilitated:
        out.append(f"<p>{h(note.facilitated)}</p>")
    if note.present:
        out += ["<h2>Present</h2><ul>", *[f"<li>{h(p)}</li>" for p in note.present], "</ul>"]
    out.append(f"<h2>Changes ({facts.count(note.count, 'change')})</h2>")
    if not note.parts and not note.other:
        out.append("<p>No changes were made.</p>")
    for part in note.parts:
        column = f' <span class="column">({h(part.column)})</span>' if part.column else ""
        out += [f"<h3>{h(part.title)}{column}</h3><ul>"]
        out += [f"<li>{h(line)}</li>" for line in part.lines] + ["</ul>"]
    if note.other:
        out += ["<h3>The board</h3><ul>", *[f"<li>{h(x)}</li>" for x in note.other], "</ul>"]
    if note.words:
        out.append("<h2>The client's own words</h2>")
        for title, text in note.words:
            out.append(f"<p>{h(title)}:</p><blockquote>{h_block(text)}</blockquote>")
    if note.history:
        out.append(f'<p class="history">{h(record_seal(note.history))}</p>')
    return page(tab_title="formboard: meeting note", client=note.client, body=out)
