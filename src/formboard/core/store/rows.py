"""Rows to models and the read queries shared by reads, ops and change sets."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from formboard.core.errors import AmbiguousId, UnknownEntity
from formboard.core.model import (
    Board,
    Card,
    Column,
    Domain,
    Link,
    LinkKind,
    Member,
    Op,
    Perspective,
    Status,
)

CARD_COLUMNS = (
    "id, col, position, title, body, client_words, status, domain, archived, rev, "
    "created_by, created_at, updated_by, updated_at"
)


def dump(values: dict[str, Any] | None) -> str | None:
    """Op-log JSON for a dict of field values."""
    return None if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)


# Enum members by value: a dict lookup is ~10x cheaper than calling the Enum per row.
_COLUMNS = {c.value: c for c in Column}
_STATUSES = {s.value: s for s in Status}
_DOMAINS: dict[str | None, Domain | None] = {d.value: d for d in Domain}


def card_from_row(row: sqlite3.Row, perspectives: tuple[Perspective, ...] = ()) -> Card:
    # model_construct: rows were validated on the way in; re-validating 5000 cards costs.
    return Card.model_construct(
        id=row["id"],
        column=_COLUMNS.get(row["col"]) or Column(row["col"]),
        position=row["position"],
        title=row["title"],
        body=row["body"],
        client_words=row["client_words"],
        status=_STATUSES.get(row["status"]) or Status(row["status"]),
        domain=_DOMAINS.get(row["domain"]) or (Domain(row["domain"]) if row["domain"] else None),
        archived=bool(row["archived"]),
        rev=row["rev"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        perspectives=perspectives,
    )


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


def perspective_from_row(row: sqlite3.Row) -> Perspective:
    return Perspective.model_construct(**dict(row))


def link_from_row(row: sqlite3.Row) -> Link:
    return Link.model_construct(
        id=row["id"],
        from_id=row["from_id"],
        to_id=row["to_id"],
        kind=LinkKind(row["kind"]),
        note=row["note"],
        author=row["author"],
        created_at=row["created_at"],
    )


def link_json(link: Link) -> dict[str, Any]:
    return link.model_dump(mode="json", by_alias=True)


def op_from_row(row: sqlite3.Row) -> Op:
    return Op.model_construct(
        seq=row["seq"],
        revision=row["rev_to"],
        at=row["at"],
        author=row["author"],
        author_name=row["author_name"],
        host=row["host"],
        client_id=row["client_id"],
        client_seq=row["client_seq"],
        op=row["op"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
    )


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}


def read_revision(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
    return int(row[0]) if row else 0


def read_board(conn: sqlite3.Connection) -> Board:
    """Everything on the board, archived cards included."""
    meta = read_meta(conn)
    by_card: dict[str, list[Perspective]] = {}
    for row in conn.execute("SELECT * FROM perspectives ORDER BY created_at, id"):
        by_card.setdefault(row["card_id"], []).append(perspective_from_row(row))
    cards = tuple(
        card_from_row(row, tuple(by_card.get(row["id"], ())))
        for row in conn.execute(f"SELECT {CARD_COLUMNS} FROM cards ORDER BY col, position, id")
    )
    links = tuple(
        link_from_row(r) for r in conn.execute("SELECT * FROM links ORDER BY created_at, id")
    )
    members = tuple(
        Member.model_construct(**dict(r))
        for r in conn.execute("SELECT * FROM members ORDER BY login")
    )
    return Board.model_construct(
        client=meta.get("client", ""),
        title=meta.get("title", ""),
        revision=int(meta.get("revision", "0")),
        cards=cards,
        links=links,
        members=members,
    )


def read_cards(conn: sqlite3.Connection, ids: list[str]) -> dict[str, Card]:
    """Cards (with perspectives) by id; ids not on the board are left out."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    by_card: dict[str, list[Perspective]] = {}
    for row in conn.execute(
        f"SELECT * FROM perspectives WHERE card_id IN ({marks}) ORDER BY created_at, id", ids
    ):
        by_card.setdefault(row["card_id"], []).append(perspective_from_row(row))
    rows = conn.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id IN ({marks})", ids)
    return {r["id"]: card_from_row(r, tuple(by_card.get(r["id"], ()))) for r in rows}


def read_links(conn: sqlite3.Connection, ids: list[str]) -> dict[str, Link]:
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT * FROM links WHERE id IN ({marks})", ids)
    return {r["id"]: link_from_row(r) for r in rows}


def read_members(conn: sqlite3.Connection, logins: list[str]) -> list[Member]:
    marks = ",".join("?" * len(logins))
    rows = conn.execute(f"SELECT * FROM members WHERE login IN ({marks})", logins)
    return [Member.model_construct(**dict(r)) for r in rows]


def resolve_card(conn: sqlite3.Connection, prefix: str) -> str:
    """The full id of the one card whose id starts with ``prefix``."""
    prefix = prefix.strip().lower()
    if not prefix:
        raise UnknownEntity("No card id was given.")
    rows = conn.execute(
        "SELECT id FROM cards WHERE id >= ? AND id < ? ORDER BY id LIMIT 3",
        (prefix, prefix + "\uffff"),
    ).fetchall()
    if not rows:
        raise UnknownEntity(f"There is no card with the id {prefix!r} on this board.")
    if any(r["id"] == prefix for r in rows):
        return prefix
    if len(rows) > 1:
        raise AmbiguousId(f"The id {prefix!r} matches more than one card; give more characters.")
    return rows[0]["id"]
