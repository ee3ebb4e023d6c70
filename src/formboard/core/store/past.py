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

from typing import Any

from formboard.core.model import (
    Board,
    Link,
    LinkKind,
    Member,
    Perspective,
)
from formboard.core.person import Person, person_key
from formboard.core.store.op_rows import op_values
from formboard.core.store.rows import (
    CARD_COLUMNS,
    as_text,
    card_from_row,
    read_board,
    read_meetings,
    read_meta,
    read_revision,
)
from formboard.core.store.sql import BoardConnection

# Ops that change a card or perspective row (and set its rev and "changed by / at").
_ROW_OPS = (
    "add_card", "edit_card", "move_card", "archive_card", "restore_card", "import",
    "add_perspective", "edit_perspective",
)  # fmt: skip
_FULL = ("add_card", "import", "add_perspective")  # ops whose after is the whole row
_MEMBER_KEYS = ("login", "name", "discipline", "initials", "last_seen")


def board_at(conn: BoardConnection, revision: int) -> Board:
    """The board as it was at ``revision`` (inside the caller's read transaction)."""
    p = conn.dialect.param
    if revision >= read_revision(conn):
        return read_board(conn)
    # The rows as plain dicts (no models until the end: a 1000-card board has thousands).
    cards = {}
    for r in conn.execute(f"SELECT {CARD_COLUMNS} FROM cards"):
        card = as_text(r)  # a BLOB another program stored reads as text, as on the board
        card["column"] = card.pop("col")
        cards[card["id"]] = card
    perspectives = {r["id"]: as_text(r) for r in conn.execute("SELECT * FROM perspectives")}
    links = {
        r["id"]: {"id": r["id"], "from": r["from_id"], "to": r["to_id"], "kind": r["kind"],
                  "note": r["note"], "author": r["author"], "created_at": r["created_at"]}
        for r in map(as_text, conn.execute("SELECT * FROM links"))
    }  # fmt: skip
    meta = read_meta(conn)
    title = meta.get("title", "")
    restamp: dict[str, set[str]] = {"card": set(), "perspective": set()}
    later = conn.execute(
        f"SELECT op, entity, entity_id, before FROM ops WHERE rev_to > {p} ORDER BY seq DESC",
        (revision,),
    )
    for op, entity, eid, raw in later:  # plain tuples: 20,000 of them in well under 0.1 s
        before = op_values(raw)[0] or {}
        if entity == "card":
            known = cards.get(eid)
            if op in ("add_card", "import"):
                cards.pop(eid, None)
            elif known is not None:
                for key, value in before.items():
                    if key in known:
                        known[key] = value
                if op != "renumber":
                    restamp["card"].add(eid)
        elif entity == "perspective":
            if op in ("add_perspective", "import"):
                perspectives.pop(eid, None)
            elif op == "remove_perspective" and before:
                perspectives[eid] = dict(before)
            elif op == "edit_perspective" and eid in perspectives:
                perspectives[eid].update({k: v for k, v in before.items() if k != "card_id"})
                restamp["perspective"].add(eid)
        elif entity == "link":
            if op in ("add_link", "import"):
                links.pop(eid, None)
            elif op == "remove_link" and before:
                links[eid] = dict(before)
        elif op == "set_title":
            title = before.get("title", title)
    _restamp(conn, revision, restamp["card"], cards, by=True)
    _restamp(conn, revision, restamp["perspective"], perspectives, by=False)
    meetings = tuple(m for m in read_meetings(conn) if m.started_rev < revision)
    members = _members_at(conn, revision)
    return _board(meta.get("client", ""), revision, title, cards, perspectives, links, members,
                  meetings)  # fmt: skip


def _members_at(conn: BoardConnection, revision: int) -> dict[Person, dict[str, Any]]:
    """The members as they were at ``revision``: each member op after it undone, newest first.

    A member is a login and a name; an op names its member by its ``after`` (the login is
    its ``entity_id``). Before schema 4 a second name at a login replaced the first, so an
    op's ``before`` may name someone else: they come back as they were.
    """
    p = conn.dialect.param
    members = {
        person_key(r["login"], r["name"]): dict(r) for r in conn.execute("SELECT * FROM members")
    }
    later = conn.execute(
        f"SELECT entity_id, before, after FROM ops WHERE rev_to > {p} AND entity = 'member' "
        "ORDER BY seq DESC",
        (revision,),
    )
    for eid, raw_before, raw_after in later:
        after = op_values(raw_after)[0] or {}
        members.pop(person_key(eid, after.get("name")), None)
        before = op_values(raw_before)[0]
        if before is not None:
            was = person_key(before.get("login") or eid, before.get("name"))
            members[was] = {k: before.get(k, "") for k in _MEMBER_KEYS} | {"login": was.login}
    return members


def _restamp(
    conn: BoardConnection,
    revision: int,
    ids: set[str],
    rows: dict[str, dict[str, Any]],
    *,
    by: bool,
) -> None:
    """Each row's rev and "changed by / at" as the last op by ``revision`` left them.

    One query for all of them (the latest op per row), not one per row.
    """
    p = conn.dialect.param
    ids = {eid for eid in ids if eid in rows}
    ops = conn.dialect.params(len(_ROW_OPS))
    found = list(ids)
    for start in range(0, len(found), 900):  # SQLite's bound on parameters
        chunk = found[start : start + 900]
        latest = conn.execute(
            f"SELECT o.entity_id, o.op, o.entity_rev, o.at, o.author, o.after FROM ops o "
            f"JOIN (SELECT entity_id, MAX(seq) AS seq FROM ops WHERE rev_to <= {p} AND op IN "
            f"({ops}) AND entity_id IN ({conn.dialect.params(len(chunk))}) GROUP BY entity_id) m "
            f"ON o.seq = m.seq",
            (revision, *_ROW_OPS, *chunk),
        )
        for eid, op, entity_rev, at, author, after in latest:
            row = rows[eid]
            if op in _FULL:
                whole = op_values(after)[0] or {}
                for key in ("rev", "updated_at", "updated_by"):
                    if key in row and key in whole:
                        row[key] = whole[key]
                continue
            if entity_rev is not None:
                row["rev"] = entity_rev
            row["updated_at"] = at
            if by:
                row["updated_by"] = author


def _board(
    client: str,
    revision: int,
    title: str,
    cards: dict[str, dict[str, Any]],
    perspectives: dict[str, dict[str, Any]],
    links: dict[str, dict[str, Any]],
    members: dict[Person, dict[str, Any]],
    meetings: tuple[Any, ...],
) -> Board:
    by_card: dict[str, list[Perspective]] = {}
    for p in sorted(perspectives.values(), key=lambda p: (p.get("created_at", ""), p["id"])):
        by_card.setdefault(p["card_id"], []).append(Perspective.model_construct(**p))
    built = []
    for c in cards.values():
        values = dict(c)
        values["col"] = values.pop("column")
        # The one reading of a card's stored values, with its stand-ins (``card_from_row``).
        built.append(card_from_row(values, tuple(by_card.get(c["id"], ()))))
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
        client=client,
        title=title,
        revision=revision,
        cards=tuple(built),
        links=tuple(shown),
        members=tuple(Member.model_construct(**m) for _, m in sorted(members.items())),
        meetings=meetings,
    )


def _enum(kind: Any, value: Any, fallback: Any) -> Any:
    try:
        return kind(getattr(value, "value", value)) if value is not None else fallback
    except ValueError:
        return fallback
