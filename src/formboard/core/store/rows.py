"""Rows to models and the read queries shared by reads, ops and change sets."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from formboard.core.errors import AmbiguousId, UnknownEntity
from formboard.core.meetings import Attendee, Meeting
from formboard.core.model import (
    Board,
    Card,
    Column,
    Domain,
    Link,
    LinkKind,
    Member,
    Perspective,
    Status,
)
from formboard.core.store.sql import BoardConnection, Row

CARD_COLUMNS = (
    "id, col, position, title, body, client_words, status, domain, archived, rev, "
    "created_by, created_at, updated_by, updated_at"
)


def dump(values: dict[str, Any] | None) -> str | None:
    """Op-log JSON for a dict of field values (a value that was bytes in the board, as the
    text it reads as: the edit that sets it right keeps what was there)."""
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=_logged)


def _logged(value: Any) -> Any:
    if type(value) is bytes:
        return text_of(value)
    raise TypeError(f"an op's value of type {type(value).__name__} has no JSON form")


def text_of(value: Any) -> Any:
    """A stored value, with bytes (a BLOB another program stored where formboard keeps
    text) read as text: bytes that are not UTF-8 become U+FFFD. Any other value as it is."""
    return value.decode("utf-8", "replace") if type(value) is bytes else value


def blobs_in(row: Row) -> tuple[str, ...]:
    """The columns of ``row`` that hold bytes where formboard keeps text."""
    if bytes not in map(type, row.values() if isinstance(row, dict) else row):
        return ()  # the usual answer, and cheap on 5000 cards
    return tuple(k for k in row.keys() if type(row[k]) is bytes)  # noqa: SIM118 (Row)


def as_text(row: Row) -> dict[str, Any]:
    """``row`` as a dict with every BLOB in it read as text (``text_of``)."""
    return {k: text_of(row[k]) for k in row.keys()}  # noqa: SIM118 (Row)


def stored_as_bytes(columns: tuple[str, ...]) -> tuple[str, ...]:
    """What a card or link says of its columns that hold bytes, in words."""
    return tuple(f"its {_COLUMN_WORDS.get(c, c)} is stored as bytes, not text" for c in columns)


_COLUMN_WORDS = {"col": "column", "client_words": "client's own words", "from_id": "first card",
                 "to_id": "second card", "rev": "revision"}  # fmt: skip


# Enum members by value: a dict lookup is ~10x cheaper than calling the Enum per row.
_COLUMNS = {c.value: c for c in Column}
_STATUSES = {s.value: s for s in Status}
_DOMAINS: dict[str | None, Domain | None] = {None: None, "": None, **{d.value: d for d in Domain}}


def card_from_row(row: Row, perspectives: tuple[Perspective, ...] = ()) -> Card:
    # Made as stored, unchecked: rows were checked on the way in; checking 5000 cards costs.
    # A value another program wrote that formboard does not know never stops a read: it
    # reads as a safe stand-in and the card says so (`formboard check` names the fix).
    blobs = blobs_in(row)
    if blobs:
        row = as_text(row)
    column, status = _COLUMNS.get(row["col"]), _STATUSES.get(row["status"])
    domain = _DOMAINS.get(row["domain"], _UNKNOWN)
    position, rev = row["position"], row["rev"]
    problems: tuple[str, ...] = ()
    if (
        column is None or status is None or domain is _UNKNOWN
        or type(position) is not float or type(rev) is not int or blobs
    ):  # fmt: skip
        problems = _card_problems(row) + stored_as_bytes(blobs)
        column, status = column or Column.SYMPTOMS, status or Status.HYPOTHESIS
        domain = None if domain is _UNKNOWN else domain
        position, rev = _number(position, float("inf")), int(_number(rev, 1))
    return Card(
        id=row["id"],
        column=column,
        position=position,
        title=row["title"],
        body=row["body"],
        client_words=row["client_words"],
        status=status,
        domain=domain,
        archived=bool(row["archived"]),
        rev=rev,
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        perspectives=perspectives,
        problems=problems,
    )


_UNKNOWN: Any = object()


def _number(value: Any, stand_in: float) -> float:
    return float(value) if isinstance(value, int | float) else stand_in


def card_not_writable(row: Row, *, placing: bool = False) -> str | None:
    """Why a write cannot change the card in ``row`` (its id, col and rev) as another program
    left it, as the end of a sentence with its fix; None when it can. Its revision must be a
    number (a write sets the next); ``placing`` (putting it back among its column's cards),
    its column one of the five."""
    card = row["id"]
    if type(row["rev"]) is not int:
        return (
            f"card {card}'s revision is not a number (changed outside formboard), so nothing "
            "was changed. `formboard repair BOARD` sets it to a number."
        )
    if placing and row["col"] not in _COLUMNS:
        return (
            f"card {card}'s column is not one of the five (changed outside formboard), so "
            f"nothing was changed. Move it to one first: formboard move BOARD {card} COLUMN."
        )
    return None


def _card_problems(row: Row) -> tuple[str, ...]:
    """What is wrong with a card's stored values, in words, with what is shown instead."""
    found = []
    if row["col"] not in _COLUMNS:
        found.append("its column is not one of the five (shown under Symptoms)")
    if row["status"] not in _STATUSES:
        found.append("its status is not one formboard knows (shown as hypothesis)")
    if row["domain"] not in _DOMAINS:
        found.append("its domain is not one formboard knows (shown as none)")
    if not isinstance(row["position"], int | float):
        found.append("its place in the column is not a number (shown last)")
    if not isinstance(row["rev"], int):
        found.append("its revision is not a number")
    return tuple(found)


def card_row_values(card: Card) -> dict[str, Any]:
    """A card as a row of the cards table."""
    return {
        "id": card.id,
        "col": card.column.value,
        "position": card.position,
        "title": card.title,
        "body": card.body,
        "client_words": card.client_words,
        "status": card.status.value,
        "domain": card.domain.value if card.domain else None,
        "archived": int(card.archived),
        "rev": card.rev,
        "created_by": card.created_by,
        "created_at": card.created_at,
        "updated_by": card.updated_by,
        "updated_at": card.updated_at,
    }


def card_json(card: Card) -> dict[str, Any]:
    """A card as op-log JSON (without perspectives)."""
    return card.model_dump(mode="json", exclude={"perspectives"})


def perspective_from_row(row: Row) -> Perspective:
    if blobs_in(row):
        row = as_text(row)
    return Perspective(
        id=row["id"], card_id=row["card_id"], author=row["author"],
        author_name=row["author_name"], discipline=row["discipline"], text=row["text"],
        created_at=row["created_at"], updated_at=row["updated_at"], rev=row["rev"],
    )  # fmt: skip


_KINDS = {k.value: k for k in LinkKind}


def link_from_row(row: Row) -> Link:
    blobs = blobs_in(row)
    if blobs:
        row = as_text(row)
    kind = _KINDS.get(row["kind"])
    problems: tuple[str, ...] = stored_as_bytes(blobs)
    if not kind:
        problems = ("its kind is not one formboard knows (shown as relates to)", *problems)
    return Link(
        id=row["id"],
        from_id=row["from_id"],
        to_id=row["to_id"],
        kind=kind or LinkKind.RELATES_TO,
        problems=problems,
        note=row["note"],
        author=row["author"],
        created_at=row["created_at"],
    )


def link_json(link: Link) -> dict[str, Any]:
    return link.model_dump(mode="json", by_alias=True)


def read_meta(conn: BoardConnection) -> dict[str, str]:
    return {
        text_of(r["key"]): text_of(r["value"]) for r in conn.execute("SELECT key, value FROM meta")
    }


def read_revision(conn: BoardConnection) -> int:
    """The board's revision; the op log's when another program garbled or removed it."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
    try:
        return int(row[0])
    except (TypeError, ValueError):
        return logged_revision(conn)


def logged_revision(conn: BoardConnection) -> int:
    """The newest revision the op log records (0 for none), passing over any that another
    program made something other than a number."""
    newest = conn.execute("SELECT MAX(rev_to) FROM ops").fetchone()[0]
    if newest is None or type(newest) is int:
        return int(newest or 0)
    # SQLite orders text after every number, so MAX found text: look at the numbers.
    found = (value for (value,) in conn.execute("SELECT rev_to FROM ops") if type(value) is int)
    return max(found, default=0)


def read_board(conn: BoardConnection) -> Board:
    """Everything on the board, archived cards included."""
    by_card = perspectives_by_card(conn)
    cards = tuple(
        card_with(row, by_card)
        for row in conn.execute(f"SELECT {CARD_COLUMNS} FROM cards ORDER BY col, position, id")
    )
    # A perspective or link whose card another program deleted is not on the board: the
    # board says how many (``problems``), `formboard check` names them, `repair` clears them.
    on_board = {c.id for c in cards}
    lost = sum(len(ps) for cid, ps in by_card.items() if cid not in on_board)
    links = []
    for r in conn.execute("SELECT * FROM links ORDER BY created_at, id"):
        if text_of(r["from_id"]) in on_board and text_of(r["to_id"]) in on_board:
            links.append(link_from_row(r))
        else:
            lost += 1
    return board_of(conn, cards, tuple(links), (orphan_sentence(lost),) if lost else ())


def board_of(
    conn: BoardConnection,
    cards: tuple[Card, ...],
    links: tuple[Link, ...],
    problems: tuple[str, ...] = (),
) -> Board:
    """A board of ``cards`` and ``links`` with the rest of what it holds read from ``conn``."""
    meta = read_meta(conn)
    members = conn.execute("SELECT * FROM members ORDER BY login, name")
    return Board.model_construct(
        client=meta.get("client", ""),
        title=meta.get("title", ""),
        revision=read_revision(conn),
        cards=cards,
        links=links,
        members=tuple(member_from_row(r) for r in members),
        problems=problems,
        meetings=tuple(read_meetings(conn)),
    )


def card_with(row: Row, by_card: dict[str, list[Perspective]]) -> Card:
    """A card from its row, with its perspectives from ``perspectives_by_card``."""
    return card_from_row(row, tuple(by_card.get(text_of(row["id"]), ())))


def perspectives_by_card(
    conn: BoardConnection, ids: list[str] | None = None
) -> dict[str, list[Perspective]]:
    """The perspectives of the cards ``ids`` (of every card: None), oldest first, by card."""
    if ids is not None and not ids:
        return {}
    where = f" WHERE card_id IN ({conn.dialect.params(len(ids))})" if ids is not None else ""
    by_card: dict[str, list[Perspective]] = {}
    for row in conn.execute(
        f"SELECT * FROM perspectives{where} ORDER BY created_at, id", ids or ()
    ):
        perspective = perspective_from_row(row)  # a card id stored as bytes: as text
        by_card.setdefault(perspective.card_id, []).append(perspective)
    return by_card


MEETING_COLUMNS = (
    "number, title, facilitator, facilitator_name, started_at, started_rev, ended_at, "
    "ended_rev, ended_by, ended_by_name"
)


def read_meetings(conn: BoardConnection, numbers: list[int] | None = None) -> list[Meeting]:
    """Meetings (every one, or those numbered), oldest first, each with its attendees."""
    try:
        where, args = "", []
        if numbers is not None:
            if not numbers:
                return []
            where = f" WHERE number IN ({conn.dialect.params(len(numbers))})"
            args = list(numbers)
        rows = conn.execute(
            f"SELECT {MEETING_COLUMNS} FROM meetings{where} ORDER BY number", args
        ).fetchall()
        people: dict[int, list[Attendee]] = {}
        for r in conn.execute(
            f"SELECT * FROM attendance{where.replace('number', 'meeting')} ORDER BY from_at, login, name",
            args,
        ):
            people.setdefault(r["meeting"], []).append(
                Attendee(
                    *(text_of(r[k]) for k in ("login", "name", "discipline", "from_at", "to_at"))
                )
            )
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # a board of schema 2, opened read-only (it is migrated when writable)
        raise
    return [meeting_from_row(r, tuple(people.get(r["number"], ()))) for r in rows]


def meeting_from_row(row: Row, attendees: tuple[Attendee, ...]) -> Meeting:
    values = as_text(row)
    if not isinstance(values["started_rev"], int):
        values["started_rev"] = 0  # another program's value: the meeting covers everything
    if values["ended_at"] is not None and not isinstance(values["ended_rev"], int):
        values["ended_rev"] = None
    return Meeting(**values, attendees=attendees)


def orphan_sentence(count: int) -> str:
    things = "perspective or link belongs" if count == 1 else "perspectives and links belong"
    return (
        f"{count} {things} to a card that is no longer on the board (deleted outside "
        "formboard): `formboard check` names them, `formboard repair` clears them"
    )


def read_cards(conn: BoardConnection, ids: list[str]) -> dict[str, Card]:
    """Cards (with perspectives) by id; ids not on the board are left out."""
    if not ids:
        return {}
    by_card = perspectives_by_card(conn, ids)
    marks = conn.dialect.params(len(ids))
    rows = conn.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id IN ({marks})", ids)
    return {text_of(r["id"]): card_with(r, by_card) for r in rows}


def read_links(conn: BoardConnection, ids: list[str]) -> dict[str, Link]:
    marks = conn.dialect.params(len(ids))
    rows = conn.execute(f"SELECT * FROM links WHERE id IN ({marks})", ids)
    return {r["id"]: link_from_row(r) for r in rows}


def read_members(conn: BoardConnection, logins: list[str]) -> list[Member]:
    marks = conn.dialect.params(len(logins))
    rows = conn.execute(f"SELECT * FROM members WHERE login IN ({marks})", logins)
    return [member_from_row(r) for r in rows]


def member_from_row(row: Row) -> Member:
    return Member.model_construct(**as_text(row))


def resolve_card(conn: BoardConnection, prefix: str) -> str:
    """The full id of the one card whose id starts with ``prefix``."""
    p = conn.dialect.param
    prefix = prefix.strip().lower()
    if not prefix:
        raise UnknownEntity("No card id was given.")
    if prefix.encode("utf-8", "replace").decode("utf-8") != prefix:  # argv not UTF-8
        raise UnknownEntity(
            f"There is no card with the id {prefix!a} on this board (it holds bytes that "
            "are not UTF-8): card ids are letters and digits, as `formboard show` prints them."
        )
    rows = conn.execute(
        f"SELECT id FROM cards WHERE id >= {p} AND id < {p} ORDER BY id LIMIT 3",
        (prefix, prefix + "\uffff"),
    ).fetchall()
    if not rows:
        raise UnknownEntity(f"There is no card with the id {prefix!r} on this board.")
    if any(r["id"] == prefix for r in rows):
        return prefix
    if len(rows) > 1:
        raise AmbiguousId(f"The id {prefix!r} matches more than one card; give more characters.")
    return str(rows[0]["id"])


# An op's author's name as ``person_key`` reads it (a row without one is its login's): with
# ``author``, the person who wrote it.
AUTHOR_NAMED = "COALESCE(NULLIF(author_name, ''), author)"

# In the order they are filled: a row's card exists before its perspectives and links.
TABLES = ("members", "cards", "perspectives", "links", "ops", "meetings", "attendance")
_ORDER = {"ops": "seq", "meetings": "number", "attendance": "meeting, login, name",
          "members": "login, name"}  # fmt: skip
# Settings a copy keeps from its source (the format and schema are the copy's own).
KEPT_META = ("revision", "board_id", "client", "title", "created_at")


def all_rows(conn: BoardConnection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as dicts, in a stable order."""
    found = {"meta": [dict(r) for r in conn.execute("SELECT key, value FROM meta")]}
    for table in TABLES:
        order = _ORDER.get(table, "id")
        found[table] = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]
    return found
