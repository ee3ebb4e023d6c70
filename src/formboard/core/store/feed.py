"""The change feed: what changed after a revision, read from the op log."""

from __future__ import annotations

from formboard.core.changes import ChangeSet, diff_boards
from formboard.core.model import Board
from formboard.core.store.op_rows import op_from_row, op_values
from formboard.core.store.rows import (
    read_board,
    read_cards,
    read_links,
    read_meetings,
    read_members,
    read_meta,
    read_revision,
)
from formboard.core.store.sql import BoardConnection, Row

# Ops that bring an entity into existence: its change counts as "added".
_CREATING = {"add_card", "add_link", "import"}


def changes_since(conn: BoardConnection, revision: int, known: Board | None = None) -> ChangeSet:
    """What changed after ``revision``, in one read transaction the caller holds.

    Cost follows the number of ops since ``revision`` (an index on ``rev_to``),
    not the size of the board. When the ops do not tile the revisions up to now
    (a writer bypassed formboard), or the revision went backwards (the file was
    replaced, say by a backup), fall back to diffing the whole board against
    ``known``, or report every card as added when nothing is known.
    """
    p = conn.dialect.param
    current = read_revision(conn)
    if current == revision:
        return ChangeSet(since=revision, revision=current)
    # A row whose revisions another program made text explains nothing: left out, the ops
    # then do not tile and the board is diffed instead.
    rows = [
        row
        for row in conn.execute(
            f"SELECT * FROM ops WHERE rev_to > {p} ORDER BY rev_to, seq", (revision,)
        )
        if type(row["rev_from"]) is int and type(row["rev_to"]) is int
    ]
    reached = revision
    for row in rows:
        if row["rev_from"] > reached:
            break
        reached = max(reached, row["rev_to"])
    if reached != current:
        board = read_board(conn)
        base = known or Board.model_construct(client=board.client, title=board.title)
        changes = diff_boards(base, board, revision)
        changes.ops = [op_from_row(r) for r in rows]
        return changes
    return _from_ops(conn, revision, current, rows)


def _from_ops(conn: BoardConnection, since: int, current: int, rows: list[Row]) -> ChangeSet:
    changes = ChangeSet(since=since, revision=current, ops=[op_from_row(r) for r in rows])
    card_ids: dict[str, bool] = {}  # id -> created in this range
    link_ids: dict[str, bool] = {}
    logins: list[str] = []
    meetings: list[int] = []
    for row in rows:
        entity, eid, created = row["entity"], row["entity_id"], row["op"] in _CREATING
        if entity == "card":
            card_ids[eid] = card_ids.get(eid, False) or created
        elif entity == "perspective":
            # A perspective change shows as its card changing.
            data = op_values(row["after"])[0] or op_values(row["before"])[0] or {}
            if isinstance(data.get("card_id"), str) and data["card_id"]:
                card_ids.setdefault(data["card_id"], False)
        elif entity == "link":
            link_ids[eid] = link_ids.get(eid, False) or created
        elif entity == "member" and eid not in logins:
            logins.append(eid)
        elif entity == "meeting" and eid.isdigit() and int(eid) not in meetings:
            meetings.append(int(eid))
        elif entity == "board":
            meta = read_meta(conn)
            changes.meta_changed = {
                "client": meta.get("client", ""),
                "title": meta.get("title", ""),
            }
    cards = read_cards(conn, list(card_ids))
    for cid, created in card_ids.items():
        if cid not in cards:
            changes.cards_removed.append(cid)
        elif created:
            changes.cards_added.append(cards[cid])
        else:
            changes.cards_changed.append(cards[cid])
    links = read_links(conn, list(link_ids)) if link_ids else {}
    for lid, created in link_ids.items():
        if lid not in links:
            changes.links_removed.append(lid)
        elif created:
            changes.links_added.append(links[lid])
        else:
            changes.links_changed.append(links[lid])
    if logins:
        changes.members_changed = read_members(conn, logins)
    if meetings:
        changes.meetings_changed = read_meetings(conn, meetings)
    return changes
