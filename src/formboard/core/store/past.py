"""The board as it was at an earlier revision, read back from the op log.

Start from the board as it is and undo, newest first, every op after that revision,
using the values each op recorded before it changed them: the cost follows the number of
ops replayed, never the size of the file (no copy is made). A card or perspective an op
changed then gets back its revision and its "changed by / at" from the last op that had
touched it by then (one indexed lookup each).

What the log cannot say, it cannot undo: a change made outside formboard (the sqlite3
shell) has no op, so around it the board as it was is the closest the log allows.
"""

from __future__ import annotations

import sqlite3
from typing import Any

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
from formboard.core.store.rows import op_from_row, read_board, read_revision

# Ops that change a card or perspective row (and set its rev and "changed by / at").
_ROW_OPS = (
    "add_card", "edit_card", "move_card", "archive_card", "restore_card", "import",
    "add_perspective", "edit_perspective",
)  # fmt: skip
_FULL = ("add_card", "import", "add_perspective")  # ops whose after is the whole row


def board_at(conn: sqlite3.Connection, revision: int) -> Board:
    """The board as it was at ``revision`` (inside the caller's read transaction)."""
    now = read_board(conn)
    if revision >= read_revision(conn):
        return now
    cards: dict[str, dict[str, Any]] = {}
    perspectives: dict[str, dict[str, Any]] = {}
    for card in now.cards:
        cards[card.id] = card.model_dump(exclude={"perspectives", "problems"})
        for p in card.perspectives:
            perspectives[p.id] = p.model_dump()
    links = {lk.id: lk.model_dump(by_alias=True, exclude={"problems"}) for lk in now.links}
    members = {m.login: m.model_dump() for m in now.members}
    title = now.title
    restamp: set[tuple[str, str]] = set()
    later = conn.execute("SELECT * FROM ops WHERE rev_to > ? ORDER BY seq DESC", (revision,))
    for row in later:
        op = op_from_row(row)
        before, eid = op.before or {}, op.entity_id
        if op.entity == "card":
            card = cards.get(eid)
            if op.op in ("add_card", "import"):
                cards.pop(eid, None)
            elif card is not None:
                for key, value in before.items():
                    if key in card:
                        card[key] = value
                if op.op != "renumber":
                    restamp.add(("card", eid))
        elif op.entity == "perspective":
            if op.op in ("add_perspective", "import"):
                perspectives.pop(eid, None)
            elif op.op in ("remove_perspective", "repair_orphan") and before:
                if op.op == "remove_perspective":
                    perspectives[eid] = dict(before)
            elif eid in perspectives:
                perspectives[eid].update({k: v for k, v in before.items() if k != "card_id"})
                restamp.add(("perspective", eid))
        elif op.entity == "link":
            if op.op in ("add_link", "import"):
                links.pop(eid, None)
            elif op.op == "remove_link" and before:
                links[eid] = dict(before)
        elif op.entity == "member":
            if op.before is None:
                members.pop(eid, None)
            else:
                members[eid] = {k: before.get(k, "") for k in ("login", "name", "discipline",
                                                               "initials", "last_seen")}  # fmt: skip
        elif op.op == "set_title":
            title = before.get("title", title)
    for kind, eid in restamp:
        _restamp(conn, revision, kind, eid, cards if kind == "card" else perspectives)
    return _board(now, revision, title, cards, perspectives, links, members)


def _restamp(
    conn: sqlite3.Connection,
    revision: int,
    kind: str,
    eid: str,
    rows: dict[str, dict[str, Any]],
) -> None:
    """The row's rev and "changed by / at" as the last op by ``revision`` left them."""
    row = rows.get(eid)
    if row is None:
        return
    last = conn.execute(
        f"SELECT * FROM ops WHERE entity_id = ? AND rev_to <= ? AND op IN "
        f"({','.join('?' * len(_ROW_OPS))}) ORDER BY seq DESC LIMIT 1",
        (eid, revision, *_ROW_OPS),
    ).fetchone()
    if last is None:
        return
    op = op_from_row(last)
    if op.op in _FULL:
        for key in ("rev", "updated_at", "updated_by"):
            if key in row and key in (op.after or {}):
                row[key] = op.after[key]  # type: ignore[index]
        return
    if last["entity_rev"] is not None:
        row["rev"] = last["entity_rev"]
    row["updated_at"] = op.at
    if kind == "card":
        row["updated_by"] = op.author


def _board(
    now: Board,
    revision: int,
    title: str,
    cards: dict[str, dict[str, Any]],
    perspectives: dict[str, dict[str, Any]],
    links: dict[str, dict[str, Any]],
    members: dict[str, dict[str, Any]],
) -> Board:
    by_card: dict[str, list[Perspective]] = {}
    for p in sorted(perspectives.values(), key=lambda p: (p.get("created_at", ""), p["id"])):
        by_card.setdefault(p["card_id"], []).append(Perspective.model_construct(**p))
    built = []
    for c in cards.values():
        values = dict(c)
        values["column"] = _enum(Column, values["column"], Column.SYMPTOMS)
        values["status"] = _enum(Status, values["status"], Status.HYPOTHESIS)
        values["domain"] = _enum(Domain, values.get("domain"), None)
        values["archived"] = bool(values["archived"])
        built.append(Card.model_construct(**values, perspectives=tuple(by_card.get(c["id"], ()))))
    built.sort(key=lambda c: (c.column.value, c.position, c.id))
    shown = [
        Link.model_construct(
            id=lk["id"], from_id=lk["from"], to_id=lk["to"],
            kind=_enum(LinkKind, lk["kind"], LinkKind.RELATES_TO), note=lk.get("note", ""),
            author=lk.get("author", ""), created_at=lk.get("created_at", ""),
        )
        for lk in sorted(links.values(), key=lambda lk: (lk.get("created_at", ""), lk["id"]))
        if lk["from"] in cards and lk["to"] in cards
    ]  # fmt: skip
    return Board.model_construct(
        client=now.client,
        title=title,
        revision=revision,
        cards=tuple(built),
        links=tuple(shown),
        members=tuple(Member.model_construct(**m) for _, m in sorted(members.items())),
        meetings=tuple(m for m in now.meetings if m.started_rev < revision),
    )


def _enum(kind: Any, value: Any, fallback: Any) -> Any:
    try:
        return kind(getattr(value, "value", value)) if value is not None else fallback
    except ValueError:
        return fallback
