"""The bodies of write ops. Each runs inside the transaction that writes.py opens.

An op reads what it needs, changes rows, and returns a Tx naming its result and
the op-log records that describe the change (fields before and after).
"""

from __future__ import annotations

from typing import Any

from formboard.core.errors import (
    BoardConflict,
    FieldConflict,
    InvalidInput,
    NotYours,
    UnknownEntity,
)
from formboard.core.model import (
    Board,
    Card,
    Column,
    Link,
    LinkKind,
    Member,
    Perspective,
    initials_of,
)
from formboard.core.person import person_key
from formboard.core.store import chain
from formboard.core.store.merge import clash_since, reload
from formboard.core.store.positions import place
from formboard.core.store.rows import (
    CARD_COLUMNS,
    KEPT_META,
    TABLES,
    card_json,
    card_not_writable,
    card_row_values,
    link_from_row,
    link_json,
    resolve_card,
)
from formboard.core.store.sql import BoardConnection, Row
from formboard.core.store.writes import Author, Record, Tx


def insert(conn: BoardConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Plain INSERTs of same-shaped rows into one of our own tables.

    Not sqlite-utils: a ``Database`` per op cost ~0.7 ms (plugin hooks, introspection)
    and set ``recursive_triggers`` on our connection as a side effect.
    """
    if not rows:
        return
    names = list(rows[0])
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({conn.dialect.params(len(names))})",
        [tuple(row[n] for n in names) for row in rows],
    )


def card_row(
    conn: BoardConnection, card_id: str, *, changing: bool = True, placing: bool = False
) -> Row:
    """The row of the card ``card_id`` names (an id or its start). A write ``changing`` it
    (its revision is set) or ``placing`` it among its column's cards is refused in one
    sentence, nothing changed, where another program left a value it cannot build on."""
    p = conn.dialect.param
    full = resolve_card(conn, card_id)
    row = conn.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id = {p}", (full,)).fetchone()
    refused = card_not_writable(row, placing=placing) if changing else None
    if refused:
        raise InvalidInput(refused[:1].upper() + refused[1:])
    return row


# ----------------------------------------------------------------- card ops


def add_card(
    conn: BoardConnection, author: Author, card: Card, before: str | None, top: bool
) -> Tx:
    position, renumbered = place(conn, card.column, card.id, before=before, top=top)
    new = card.model_copy(
        update={
            "position": position,
            "created_by": author.login,
            "created_at": author.at,
            "updated_by": author.login,
            "updated_at": author.at,
        }
    )
    insert(conn, "cards", [card_row_values(new)])
    return Tx(new, [Record("add_card", "card", new.id, 1, None, card_json(new)), *renumbered])


def move_card(
    conn: BoardConnection,
    author: Author,
    card_id: str,
    column: Column | None,
    before: str | None,
    index: int | None,
    top: bool,
    base_rev: int | None = None,
) -> Tx:
    p = conn.dialect.param
    row = card_row(conn, card_id, placing=column is None)
    target = column or Column(row["col"])
    if base_rev is not None:
        where = "top" if top else f"before {before}" if before else "bottom"
        where = f"place {index}" if index is not None else where
        clash = clash_since(
            conn, "card", row, base_rev, {"column": target.value, "position": where}
        )
        if clash is not None:
            return Tx(conflict=clash)
    position, renumbered = place(conn, target, row["id"], before=before, index=index, top=top)
    if target.value == row["col"] and position == row["position"]:
        return Tx(reload(conn, "card", row["id"]))
    conn.execute(
        f"UPDATE cards SET col = {p}, position = {p}, updated_by = {p}, updated_at = {p}, "
        f"rev = rev + 1 WHERE id = {p}",
        (target.value, position, author.login, author.at, row["id"]),
    )
    record = Record(
        "move_card",
        "card",
        row["id"],
        row["rev"] + 1,
        {"column": row["col"], "position": row["position"]},
        {"column": target.value, "position": position},
    )
    return Tx(reload(conn, "card", row["id"]), [record, *renumbered])


def set_archived(
    conn: BoardConnection,
    author: Author,
    card_id: str,
    archived: bool,
    base_rev: int | None = None,
) -> Tx:
    p = conn.dialect.param
    row = card_row(conn, card_id, placing=not archived)
    clash = clash_since(conn, "card", row, base_rev, {"archived": archived})
    if clash is not None:
        return Tx(conflict=clash)
    if bool(row["archived"]) == archived:
        return Tx(reload(conn, "card", row["id"]))
    renumbered: list[Record] = []
    position = row["position"]
    if not archived:
        # Back where it was: after the cards that were above it (an archived card keeps
        # its position), placed between neighbours so it never ties with a newer card.
        above = conn.execute(
            f"SELECT COUNT(*) FROM cards WHERE col = {p} AND archived = 0 AND id != {p} "
            f"AND position < {p}",
            (row["col"], row["id"], row["position"]),
        ).fetchone()[0]
        position, renumbered = place(conn, Column(row["col"]), row["id"], index=above)
    conn.execute(
        f"UPDATE cards SET archived = {p}, position = {p}, updated_by = {p}, updated_at = {p}, "
        f"rev = rev + 1 WHERE id = {p}",
        (int(archived), position, author.login, author.at, row["id"]),
    )
    record = Record(
        "archive_card" if archived else "restore_card",
        "card",
        row["id"],
        row["rev"] + 1,
        {"archived": not archived, "position": row["position"]},
        {"archived": archived, "position": position},
    )
    return Tx(reload(conn, "card", row["id"]), [record, *renumbered])


# ---------------------------------------------------------- perspective ops


def add_perspective(conn: BoardConnection, author: Author, draft: Perspective, card_id: str) -> Tx:
    row = card_row(conn, card_id, changing=False)
    new = draft.model_copy(
        update={"card_id": row["id"], "created_at": author.at, "updated_at": author.at}
    )
    insert(conn, "perspectives", [new.model_dump(mode="json")])
    record = Record("add_perspective", "perspective", new.id, 1, None, new.model_dump(mode="json"))
    return Tx(new, [record])


def own_perspective(conn: BoardConnection, author: Author, pid: str) -> Row:
    p = conn.dialect.param
    row = conn.execute(f"SELECT * FROM perspectives WHERE id = {p}", (pid,)).fetchone()
    if row is None:
        raise UnknownEntity(f"There is no perspective with the id {pid!r} on this board.")
    if person_key(row["author"], row["author_name"]) != author.person:  # a shared login too
        raise NotYours(
            f"That perspective is {row['author_name'] or row['author']}'s; "
            "only its author can change it. Add your own instead."
        )
    return row


def remove_perspective(
    conn: BoardConnection, author: Author, pid: str, base_rev: int | None = None
) -> Tx:
    p = conn.dialect.param
    row = own_perspective(conn, author, pid)
    if base_rev is not None and row["rev"] != base_rev:
        # Changed since the reader saw it (from another session): remove nothing, say so.
        return Tx(
            conflict=BoardConflict(
                entity="perspective",
                entity_id=row["id"],
                conflicts=[FieldConflict("text", None, row["text"])],
                theirs_by=row["author_name"] or row["author"],
                current_rev=row["rev"],
            )
        )
    conn.execute(f"DELETE FROM perspectives WHERE id = {p}", (row["id"],))
    return Tx(None, [Record("remove_perspective", "perspective", row["id"], None, dict(row))])


# ----------------------------------------------------------------- link ops


def add_link(
    conn: BoardConnection,
    author: Author,
    link_id: str,
    src: str,
    dst: str,
    kind: LinkKind,
    note: str,
) -> Tx:
    p = conn.dialect.param
    src, dst = resolve_card(conn, src), resolve_card(conn, dst)
    if src == dst:
        raise InvalidInput("A card cannot be linked to itself.")
    clash = conn.execute(
        f"SELECT id FROM links WHERE from_id = {p} AND to_id = {p} AND kind = {p}",
        (src, dst, kind.value),
    ).fetchone()
    if clash:
        raise InvalidInput(f"These two cards are already linked with '{kind.phrase}'.")
    link = Link(
        id=link_id, from_id=src, to_id=dst, kind=kind, note=note, author=author.login,
        created_at=author.at,
    )  # fmt: skip
    insert(conn, "links", [link_row(link)])
    return Tx(link, [Record("add_link", "link", link.id, 1, None, link_json(link))])


def link_row(link: Link) -> dict[str, Any]:
    """A link as a row of the links table."""
    return {
        "id": link.id,
        "from_id": link.from_id,
        "to_id": link.to_id,
        "kind": link.kind.value,
        "note": link.note,
        "author": link.author,
        "created_at": link.created_at,
    }


def remove_link(conn: BoardConnection, link_id: str) -> Tx:
    p = conn.dialect.param
    row = conn.execute(f"SELECT * FROM links WHERE id = {p}", (link_id,)).fetchone()
    if row is None:
        raise UnknownEntity(f"There is no link with the id {link_id!r} on this board.")
    conn.execute(f"DELETE FROM links WHERE id = {p}", (link_id,))
    before = link_json(link_from_row(row))
    return Tx(None, [Record("remove_link", "link", link_id, None, before, None)])


# ------------------------------------------------------- members and board


def upsert_member(conn: BoardConnection, member: Member) -> Record | None:
    """Add a member, or change their discipline or initials; None when nothing changed.

    A member is a login and a name: a colleague at the same login with a name of their own
    is a member of their own, so the row never flips between them. The record names both
    (``entity_id`` is the login, as before; ``after`` carries the login and the name).
    """
    p = conn.dialect.param
    row = conn.execute(
        f"SELECT * FROM members WHERE login = {p} AND name = {p}", (member.login, member.name)
    ).fetchone()
    initials = member.initials or initials_of(member.name, member.login)
    if row is not None and (row["discipline"], row["initials"]) == (member.discipline, initials):
        return None
    conn.execute(
        "INSERT INTO members (login, name, discipline, initials, last_seen) "
        f"VALUES ({p},{p},{p},{p},{p}) ON CONFLICT (login, name) DO UPDATE SET "
        "discipline = excluded.discipline, initials = excluded.initials",
        (member.login, member.name, member.discipline, initials, member.last_seen),
    )
    after = {"login": member.login, "name": member.name, "discipline": member.discipline,
             "initials": initials}  # fmt: skip
    return Record("upsert_member", "member", member.login, None, dict(row) if row else None, after)


def set_title(conn: BoardConnection, title: str) -> Tx:
    p = conn.dialect.param
    old = conn.execute("SELECT value FROM meta WHERE key = 'title'").fetchone()[0]
    conn.execute(f"UPDATE meta SET value = {p} WHERE key = 'title'", (title,))
    # meta has no revision trigger (it holds the revision itself), so bump by hand.
    conn.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'revision'"
    )
    return Tx(None, [Record("set_title", "board", "meta", None, {"title": old}, {"title": title})])


def load_board(conn: BoardConnection, board: Board) -> Tx:
    """Write a whole board's content into an empty board (an import), as one op."""
    if conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]:
        raise InvalidInput("Import needs an empty board; this one already has cards.")
    records: list[Record] = []
    insert(conn, "cards", [card_row_values(c) for c in board.cards])
    perspectives = [p for c in board.cards for p in c.perspectives]
    insert(conn, "perspectives", [p.model_dump(mode="json") for p in perspectives])
    insert(conn, "links", [link_row(lk) for lk in board.links])
    records += [Record("import", "card", c.id, c.rev, None, card_json(c)) for c in board.cards]
    records += [
        Record("import", "perspective", p.id, p.rev, None, p.model_dump(mode="json"))
        for p in perspectives
    ]
    records += [Record("import", "link", lk.id, 1, None, link_json(lk)) for lk in board.links]
    for member in board.members:
        joined = upsert_member(conn, member)
        if joined is not None:
            records.append(joined)
    if board.title:
        records += set_title(conn, board.title).records
    return Tx(None, records)


def fill(conn: BoardConnection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert ``rows`` into a new, empty board in the caller's transaction, then set its
    settings to the source's (the inserts' triggers moved its revision)."""
    p = conn.dialect.param
    for table in TABLES:
        described = conn.execute(f"SELECT * FROM {table} LIMIT 0").description or ()
        columns = {getattr(d, "name", None) or d[0] for d in described}
        for row in rows[table]:
            names = [n for n in row if n in columns]  # a server's op log has a role too
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({conn.dialect.params(len(names))})",
                [row[n] for n in names],
            )
    if not any(row.get("hash") for row in rows["ops"]):
        chain.seal(conn)  # a board from before the chain: the copy's starts from its log
    meta = {r["key"]: r["value"] for r in rows["meta"]}
    for key in KEPT_META:
        if key in meta:
            conn.execute(f"DELETE FROM meta WHERE key = {p}", (key,))
            conn.execute(f"INSERT INTO meta (key, value) VALUES ({p}, {p})", (key, meta[key]))
