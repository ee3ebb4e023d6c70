"""The op log as sentences a team reads: who did what to which part, and what it was before.

"Ben Okafor moved ‘Panic attacks in the car park’ to Sources", "Ana Ruiz changed the status
of ‘Early loss of a parent’: hypothesis → agreed". Cards are named by their title (the
latest the log knows, so a card removed since is still named), never by an id; every
piece of board text goes through the one terminal-safe rule and is cut to a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from formboard.core.errors import InvalidInput
from formboard.core.facts import PROBLEM_MARK, link_said, local_time
from formboard.core.meetings import Meeting, last_ended
from formboard.core.model import Column, Op, Status
from formboard.core.person import Person
from formboard.core.text import one_line, visible

_QUOTE_MAX = 60
_FIELD_WORDS = {
    "title": "title",
    "body": "text",
    "client_words": "client's own words",
    "status": "status",
    "domain": "domain",
    "text": "text",
    "discipline": "discipline",
}
_STATE_WORDS = {"archived": "archive state", "column": "place"}


def field_words(name: str) -> str:
    """A field as people say it: "client's own words", "text", "archive state"."""
    return _FIELD_WORDS.get(name) or _STATE_WORDS.get(name) or name.replace("_", " ")


def quoted(text: Any, limit: int = _QUOTE_MAX) -> str:
    """‘text’ on one line, visible, cut to ``limit`` characters."""
    line = one_line(visible(str(text or "")))
    return f"‘{line if len(line) <= limit else line[: limit - 1] + '…'}’"


def known_titles(ops: Iterable[Op], current: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each card's latest title: the board's where it has the card, else the log's last word."""
    titles: dict[str, str] = {}
    for op in ops:
        if op.entity == "card":
            for values in (op.before or {}, op.after or {}):
                if values.get("title") and isinstance(values["title"], str):
                    titles[op.entity_id] = values["title"]
    titles.update(current or {})
    return titles


def _value_words(field: str, value: Any, limit: int = _QUOTE_MAX) -> str:
    if value in (None, ""):
        return "(empty)" if field != "domain" else "none"
    if field == "status":
        try:
            return Status(value).label
        except ValueError:
            return quoted(value)
    if field == "domain":
        return one_line(visible(str(value)))
    return quoted(value, limit)


class _Titles(dict[str, str]):
    """Card titles, with the card a sentence is about (``this``) named "this part"."""

    this: str | None = None


def _card(titles: Mapping[str, str], card_id: str) -> str:
    if card_id and card_id == getattr(titles, "this", None):
        return "this part"
    title = titles.get(card_id) if isinstance(card_id, str) else None
    return quoted(title) if title else "a card"


def _column(value: Any) -> str:
    try:
        return Column(value).label
    except ValueError:
        return quoted(value)


def _link(op: Op, titles: Mapping[str, str]) -> str:
    values = op.after or op.before or {}
    ends = (_card(titles, values.get(end, "")) for end in ("from", "to"))
    return " ".join(link_said(values.get("kind", ""), *ends))


def sentence(
    op: Op, titles: Mapping[str, str], *, this: str | None = None, limit: int = _QUOTE_MAX
) -> str:
    """What ``op`` did, as a sentence without its author (the caller names them).

    ``this``: the card the sentence sits under (a note groups changes by card), named
    "this part"; ``limit``: how much of a changed text is quoted. An op whose record
    another program changed says so (``Op.problems``; `formboard check` names them).
    """
    if this is not None:
        titles = _Titles(titles)
        titles.this = this
    said = _what(op, titles, limit)
    if op.problems:
        said = f"{said.rstrip(': ')} ({PROBLEM_MARK} its record was changed outside formboard)"
    return said


def _what(op: Op, titles: Mapping[str, str], limit: int) -> str:
    before, after = op.before or {}, op.after or {}
    card = _card(titles, op.entity_id)
    match op.op:
        case "add_card":
            return f"added {card} to {_column(after.get('column'))}"
        case "edit_card" | "edit_perspective":
            what = card if op.op == "edit_card" else "their perspective"
            if op.op == "edit_perspective":
                what += f" on {_card(titles, after.get('card_id', ''))}"
            changes = [
                f"the {field_words(k)} "
                f"{_value_words(k, before.get(k), limit)} → {_value_words(k, v, limit)}"
                for k, v in after.items()
                if k != "card_id"
            ]
            return f"changed {what}: " + "; ".join(changes)
        case "move_card":
            if after.get("column") != before.get("column"):
                return f"moved {card} to {_column(after.get('column'))}"
            return f"moved {card} within {_column(after.get('column'))}"
        case "archive_card":
            return f"archived {card}"
        case "restore_card":
            return f"restored {card}"
        case "add_perspective":
            discipline = one_line(visible(str(after.get("discipline", ""))))
            on = _card(titles, after.get("card_id", ""))
            return f"added a perspective ({discipline}) on {on}" if discipline else (
                f"added a perspective on {on}"
            )  # fmt: skip
        case "remove_perspective":
            return f"removed their perspective on {_card(titles, before.get('card_id', ''))}"
        case "add_link":
            return f"added the link: {_link(op, titles)}"
        case "remove_link":
            return f"removed the link: {_link(op, titles)}"
        case "renumber":
            return f"made room for a card beside {card}"
        case "set_title":
            return f"renamed the board {quoted(after.get('title'))}"
        case "upsert_member":
            return _member_words(op, after)
        case "import":
            return f"imported {card if op.entity == 'card' else 'the board'}"
        case "conflict":
            fields = " and ".join(_FIELD_WORDS.get(k, k) for k in after)
            return (
                f"could not save the {fields} of {card} (a colleague had changed it first); "
                "their version is kept in this log"
            )
        case "repair" | "repair_orphan":
            return "repaired what another program had left wrong"
        case "start_meeting":
            title = f" {quoted(after['title'])}" if after.get("title") else ""
            return f"started meeting {one_line(op.entity_id)}{title}"
        case "attend":
            return f"came to meeting {one_line(op.entity_id)}"
        case "leave":
            return f"left meeting {one_line(op.entity_id)}"
        case "end_meeting":
            gone = " (its facilitator had left)" if after.get("facilitator_gone") else ""
            return f"ended meeting {one_line(op.entity_id)}{gone}"
        case "undo" | "redo":  # alone (its changes not at hand): see ``told``
            return f"{_UNDONE[op.op]} a change"
    return f"did {one_line(visible(op.op))}"


_UNDONE = {"undo": "undid", "redo": "redid"}


def told(ops: Sequence[Op], titles: Mapping[str, str]) -> list[tuple[Op, str]]:
    """Each op a log shows, with its sentence. An undo or a redo is one write: its marker
    and the changes it wrote are one line that names the change undone (or redone):
    ``undid: changed ‘Panic’: the status agreed with client → hypothesis`` after that
    very change, never "did undo" beside a change that looks made afresh."""
    writes, by_seq = _writes(ops)
    out: list[tuple[Op, str]] = []
    for op in ops:
        write = writes.get((op.client_id, op.client_seq), [op]) if op.client_id else [op]
        marker = next((o for o in write if o.op in _UNDONE), None)
        if marker is None:
            out.append((op, sentence(op, titles)))
        elif op is marker:
            # The change it took back or made again, not the one it wrote to do so.
            done = _named_change(op, writes, by_seq)
            if done is None:  # that change is not on this page: read what it wrote
                done = _changes(write)
                if op.op == "undo":
                    done = [_reversed(o) for o in done]
            said = sentence(done[0], titles) if done else "a change"
            out.append((op, f"{_UNDONE[op.op]}: {said}"))
    return out


def change_named(marker: Op, ops: Sequence[Op]) -> list[Op] | None:
    """The change an undo or redo ``marker`` takes back or makes again, found in ``ops``
    through any undo or redo it names in turn; None when it is not among them."""
    return _named_change(marker, *_writes(ops))


def _writes(ops: Sequence[Op]) -> tuple[dict[tuple[str, int], list[Op]], dict[int, Op]]:
    """``ops`` by the write each belongs to, and by number."""
    writes: dict[tuple[str, int], list[Op]] = {}
    for op in ops:
        if op.client_id:
            writes.setdefault((op.client_id, op.client_seq), []).append(op)
    return writes, {op.seq: op for op in ops}


def _named_change(
    marker: Op, writes: Mapping[tuple[str, int], list[Op]], by_seq: Mapping[int, Op]
) -> list[Op] | None:
    """The change an undo or redo names, through any undo or redo it names in turn (the
    redo of an undo of an added card names the adding); None when it is not in ``by_seq``."""
    seen: set[int] = set()
    while marker.seq not in seen:
        seen.add(marker.seq)
        named = by_seq.get(int(marker.entity_id)) if marker.entity_id.isdigit() else None
        if named is None:
            return None
        write = writes.get((named.client_id, named.client_seq), [named])
        found = next((o for o in write if o.op in _UNDONE), None)
        if found is None:
            return _changes(write)
        marker = found
    return None


def _member_words(op: Op, after: Mapping[str, Any]) -> str:
    """A membership, said of its author or, where someone else recorded it (an import
    brings the team along), of the member it names."""
    login, name = after.get("login"), after.get("name")
    if login in (None, op.author) and name in (None, op.author_name):
        return "joined the board" if op.before is None else "changed their name or discipline"
    who = one_line(visible(str(name or login)))
    discipline = after.get("discipline")
    who += f" ({one_line(visible(str(discipline)))})" if discipline else ""
    return f"added {who} to the board's team" if op.before is None else f"updated {who}"


def _changes(write: list[Op]) -> list[Op]:
    """The ops of one write that changed the board, oldest first."""
    return sorted((o for o in write if o.op not in (*_UNDONE, "renumber")), key=lambda o: o.seq)


# An undo's op, read backwards: what the change it took back did.
_OPPOSITE = {"archive_card": "restore_card", "restore_card": "archive_card",
             "add_perspective": "remove_perspective", "remove_perspective": "add_perspective",
             "add_link": "remove_link", "remove_link": "add_link"}  # fmt: skip


def _reversed(op: Op) -> Op:
    kind = _OPPOSITE.get(op.op, op.op)
    return op.model_copy(update={"op": kind, "before": op.after, "after": op.before})


def said_by(op: Op, *, with_role: bool = False) -> str:
    """The author as people know them; ``with_role``: and the database role the server
    recorded for the op ("Ana Ruiz (role fb_ana)"), where there is one (not in a file)."""
    who = one_line(visible(op.author_name or op.author))
    return f"{who} (role {one_line(visible(op.role))})" if with_role and op.role else who


def last_changed(op: Op | None, *, me: Person | None = None, on_screen: bool = False) -> str:
    """When and by whom the board last changed, for clinicians rather than a revision:
    "changed 14:02 by Ana Ruiz" (``on_screen``: the time alone when it is today, else the
    date), "changed 2026-12-07 14:02 by Ana Ruiz" in a record; "by you" when the author
    is ``me``, the person this app is. "" before the board's first change.
    """
    if op is None:
        return ""
    when = local_time(op.at)
    if on_screen and when[:10] == datetime.now().astimezone().strftime("%Y-%m-%d"):
        when = when[11:]
    elif on_screen:
        when = when[:10]
    who = "you" if me is not None and op.person == me else said_by(op)
    return f"changed {when} by {who}" if when else f"changed by {who}"


def chain_line(op: Op | None) -> str:
    """What a filed record carries of the op log, to hold the board to later, in words for
    the people who file it: "history entry 17, sealed 3f2a…" (the chain's whole hash; no
    revision). "" without a chain."""
    if op is None or not op.hash:
        return ""
    return f"history entry {op.seq}, sealed {op.hash}"


def record_seal(history: str) -> str:
    """A filed record's last sentence: what it was made from (``chain_line``), and how to
    hold the board to it later."""
    return f"This record was made at {history}; {RECORD_CHECK}."


RECORD_CHECK = "`formboard check BOARD --record THIS-FILE` holds the board to it"


# ------------------------------------------------------------------ --since


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def since_filter(value: str) -> tuple[str, Any]:
    """``("revision", n)`` or ``("at", utc_iso)`` from what a person typed after --since.

    A whole number is a revision; a date (``2026-11-01``) is local midnight; a date and
    time (``2026-11-01 14:00`` or ISO) is that local time. InvalidInput says what works.
    """
    text = value.strip()
    if text.isdigit():
        return "revision", int(text)
    if text.lower() in ("last-meeting", "last meeting"):
        return "last-meeting", None
    try:
        moment = (
            datetime.strptime(text, "%Y-%m-%d")
            if _DATE.match(text)
            else datetime.fromisoformat(text.replace(" ", "T", 1))
        )
    except ValueError:
        raise InvalidInput(
            f"--since takes a revision (such as 12), a date (2026-11-01), a date and "
            f"time (2026-11-01 14:00) or last-meeting; {one_line(visible(value))!r} is none "
            "of these."
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a person's time is local
    utc = moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return "at", utc


def resolve_since(since: tuple[str, Any] | None, meetings: Sequence[Meeting]) -> Any:
    """``since`` with ``last-meeting`` made the revision the last ended meeting left."""
    if since is None or since[0] != "last-meeting":
        return since
    last = last_ended(meetings)
    if last is None or last.ended_rev is None:
        raise InvalidInput("No meeting has ended on this board yet, so there is no last meeting.")
    return "revision", last.ended_rev


def ops_since(ops: Iterable[Op], since: tuple[str, Any] | None) -> list[Op]:
    """The ops after a revision or a moment (all of them without ``since``)."""
    if since is None:
        return list(ops)
    kind, value = since
    if kind == "revision":
        return [op for op in ops if op.revision > value]
    return [op for op in ops if op.at > value]


# ------------------------------------------------------------ then and now

_COMPARED = ("title", "body", "client_words", "status", "domain", "column")


def differences(then: Iterable[Any], now: Mapping[str, Any]) -> dict[str, str]:
    """Card id -> how a card of the board as it was differs now, in words.

    "gone now" (not on the board), "archived since", "restored since", "changed since"
    (a field, its column, its perspectives); cards that are the same are left out.
    """
    found: dict[str, str] = {}
    for card in then:
        current = now.get(card.id)
        if current is None:
            found[card.id] = "gone now"
        elif current.archived != card.archived:
            found[card.id] = "archived since" if current.archived else "restored since"
        elif any(getattr(current, f) != getattr(card, f) for f in _COMPARED) or [
            (p.id, p.text, p.discipline) for p in current.perspectives
        ] != [(p.id, p.text, p.discipline) for p in card.perspectives]:
            found[card.id] = "changed since"
    return found
