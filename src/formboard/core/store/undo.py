"""Undo and redo of my own changes, as new ops: the log is never rewritten.

My changes are the writes in the op log whose author is me — my login and my name, for
colleagues may share a login —, so undo survives a restart and works from the command line
as from the app. An undo writes the inverse of
my latest change that is not undone yet, with a first record ``undo`` naming it; a redo
writes the inverse of my latest undo (``redo``), as long as I made no new change since.
An undo that would overwrite a colleague's later change to the same field is refused
(``UndoRefused``) and nothing is written: a colleague's work is never silently reverted.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from formboard.core.errors import InvalidInput, UndoRefused
from formboard.core.history import change_named, field_words, quoted, sentence
from formboard.core.model import CARD_EDIT_FIELDS, Column, LinkKind, Op, Perspective
from formboard.core.person import Person
from formboard.core.store import merge, ops
from formboard.core.store.op_rows import op_from_row
from formboard.core.store.rows import AUTHOR_NAMED, card_not_writable
from formboard.core.store.sql import BoardConnection
from formboard.core.store.writes import Author, Record, Tx

# The ops a person's write begins with that can be undone.
UNDOABLE = {
    "add_card", "edit_card", "move_card", "archive_card", "restore_card", "add_perspective",
    "edit_perspective", "remove_perspective", "add_link", "remove_link",
}  # fmt: skip
_DEPTH = 3000  # how many of my latest op rows are looked through


@dataclass(frozen=True)
class Undone:
    """What an undo or redo did: a sentence, and the card it touched (to show it)."""

    said: str
    card_id: str | None


@dataclass
class _Write:
    """One write of mine: its op rows, part 0 first."""

    rows: list[Op]

    @property
    def seq(self) -> int:
        return self.rows[0].seq

    @property
    def last_seq(self) -> int:
        return self.rows[-1].seq

    @property
    def kind(self) -> str:
        return self.rows[0].op

    @property
    def target(self) -> int:
        return _named_seq(self.rows[0])


def _named_seq(marker: Op) -> int:
    """The op an undo or redo record names (0, none, where another program garbled it)."""
    return int(marker.entity_id) if marker.entity_id.isdigit() else 0


def _my_writes(conn: BoardConnection, me: Person) -> list[_Write]:
    p = conn.dialect.param
    found = conn.execute(
        f"SELECT * FROM (SELECT * FROM ops WHERE author = {p} AND {AUTHOR_NAMED} = {p} "
        f"ORDER BY seq DESC LIMIT {p}) AS mine ORDER BY seq",
        (me.login, me.name, _DEPTH),
    ).fetchall()
    writes: dict[tuple[str, int], _Write] = {}
    for row in found:
        writes.setdefault((row["client_id"], row["client_seq"]), _Write([])).rows.append(
            op_from_row(row)
        )
    return [w for w in writes.values() if w.kind in UNDOABLE | {"undo", "redo"}]


def _next_undo(writes: list[_Write]) -> _Write | None:
    undone = {w.target for w in writes if w.kind == "undo"}
    return next((w for w in reversed(writes) if w.kind != "undo" and w.seq not in undone), None)


def _next_redo(writes: list[_Write]) -> _Write | None:
    redone = {w.target for w in writes if w.kind == "redo"}
    for w in reversed(writes):
        if w.kind in UNDOABLE:
            return None  # a new change of mine since: nothing to redo
        if w.kind == "undo" and w.seq not in redone:
            return w
    return None


def _changes(write: _Write) -> list[Op]:
    """The rows that changed the board (not the undo/redo marker, not bookkeeping)."""
    return [op for op in write.rows if op.op in UNDOABLE]


def _fields(op: Op) -> set[str]:
    """The fields an op set, as a later colleague's op would clash with them."""
    match op.op:
        case "add_card" | "archive_card" | "restore_card":
            return {"archived"}
        case "move_card":
            return {"column"}
        case "edit_card" | "edit_perspective":
            return set(op.after or {}) - {"card_id"}
    return set()


def _colleagues_since(conn: BoardConnection, after_seq: int, me: Person) -> list[Op]:
    """Colleagues' changes after ``after_seq`` that still stand.

    A change a colleague undid since is no change (nor is the undo that cancels it); an
    undo of theirs that reaches back before ``after_seq`` is a change like any other.
    """
    p = conn.dialect.param
    writes: dict[tuple[str, int], list[Op]] = {}
    for row in conn.execute(
        f"SELECT * FROM ops WHERE seq > {p} AND NOT (author = {p} AND {AUTHOR_NAMED} = {p}) "
        "AND op NOT IN ('conflict', 'renumber') ORDER BY seq",
        (after_seq, me.login, me.name),
    ):
        writes.setdefault((row["client_id"], row["client_seq"]), []).append(op_from_row(row))
    cancelled: set[int] = set()
    for rows in writes.values():
        if rows[0].op == "undo" and _named_seq(rows[0]) > after_seq:
            cancelled |= {rows[0].seq, _named_seq(rows[0])}
    return [op for rows in writes.values() if rows[0].seq not in cancelled for op in rows]


def _refuse_over_colleagues(
    conn: BoardConnection, write: _Write, me: Person, titles: dict[str, str]
) -> None:
    later = _colleagues_since(conn, write.last_seq, me)
    for op in _changes(write):
        wanted = _fields(op)
        for theirs in reversed(later):
            clash = _fields(theirs) & wanted if theirs.entity_id == op.entity_id else set()
            if not clash:
                continue
            who = theirs.author_name or theirs.author
            field = field_words("column" if "column" in clash else sorted(clash)[0])
            card = op.entity_id if op.entity == "card" else (op.after or {}).get("card_id")
            what = quoted(titles[card]) if card in titles else "that card"
            raise UndoRefused(
                f"{who} changed the {field} of {what} after you; undoing would overwrite "
                "their change, so nothing was undone. The history (t) shows both versions.",
                by=who,
            )


def _inverse(conn: BoardConnection, author: Author, op: Op) -> list[Record]:
    """Records of the change that puts back what ``op`` changed."""
    p = conn.dialect.param
    before, after = op.before or {}, op.after or {}
    eid = op.entity_id
    match op.op:
        case "add_card":
            return ops.set_archived(conn, author, eid, True).records
        case "archive_card" | "restore_card":
            return ops.set_archived(conn, author, eid, not after.get("archived")).records
        case "edit_card":
            row = ops.card_row(conn, eid)
            wanted = {k: before.get(k) for k in after}
            return merge.update_row(conn, author, "card", "edit_card", row, wanted, None).records
        case "move_card":
            column = Column(before["column"])
            index = conn.execute(
                f"SELECT COUNT(*) FROM cards WHERE col = {p} AND archived = 0 AND id != {p} "
                f"AND position < {p}",
                (column.value, eid, before["position"]),
            ).fetchone()[0]
            return ops.move_card(conn, author, eid, column, None, index, False).records
        case "add_perspective":
            return ops.remove_perspective(conn, author, eid).records
        case "edit_perspective":
            row = ops.own_perspective(conn, author, eid)
            wanted = {k: before.get(k) for k in after if k != "card_id"}
            return merge.update_row(
                conn, author, "perspective", "edit_perspective", row, wanted, None
            ).records
        case "remove_perspective":
            ops.card_row(conn, before["card_id"])  # UnknownEntity if its card is gone
            ops.insert(conn, "perspectives", [before])
            return [Record("add_perspective", "perspective", eid, before.get("rev"), None, before)]
        case "add_link":
            if conn.execute(f"SELECT 1 FROM links WHERE id = {p}", (eid,)).fetchone() is None:
                return []  # a colleague removed it since: nothing left to undo
            return ops.remove_link(conn, eid).records
        case "remove_link":
            kind = LinkKind(before["kind"])
            return ops.add_link(
                conn, author, eid, before["from"], before["to"], kind, before.get("note", "")
            ).records
    return []


# The fields each op may record, as formboard writes them: another program's record could
# name anything, and putting it back writes those names into the board.
_RECORDED = {
    "edit_card": {*CARD_EDIT_FIELDS},
    "edit_perspective": {"text", "discipline", "card_id"},
    "remove_perspective": {f.name for f in fields(Perspective)},
}
_COLUMNS = {c.value for c in Column}
_KINDS = {k.value for k in LinkKind}


def _unfit(op: Op) -> bool:
    """Whether the log's record of ``op`` is not one formboard would have written, so it
    cannot be put back (values that are not JSON, fields it never records, a column or a
    kind it does not know)."""
    before, after = op.before or {}, op.after or {}
    match op.op:
        case "edit_card" | "edit_perspective":
            named = set(after) - {"card_id"}
            return not named or not set(after) <= _RECORDED[op.op] or not named <= set(before)
        case "move_card":
            place = before.get("position")
            return before.get("column") not in _COLUMNS or not isinstance(place, int | float)
        case "remove_perspective":
            return not set(before) <= _RECORDED[op.op] or not before.get("card_id")
        case "remove_link":
            return before.get("kind") not in _KINDS or not (before.get("from") and before.get("to"))
    return bool(op.problems)


def _refuse_changed_outside(conn: BoardConnection, write: _Write, marker: str) -> None:
    """One sentence, and nothing written, when a record of the write or a card it would put
    back holds what another program stored there (``check`` names each with its fix)."""
    done = "undone" if marker == "undo" else "redone"
    for op in _changes(write):
        if op.problems or _unfit(op):
            raise InvalidInput(
                f"That change cannot be {done}: its record in the op log (op {op.seq}) was "
                "changed outside formboard, so nothing was changed. Set it back by hand "
                "(`formboard edit`, `move`, `archive` or `restore`); `formboard check` "
                "names the record."
            )
        if op.entity != "card":
            continue
        p = conn.dialect.param
        row = conn.execute(f"SELECT id, col, rev FROM cards WHERE id = {p}", (op.entity_id,))
        found = row.fetchone()
        restores = op.op in ("archive_card", "restore_card") and (op.after or {}).get("archived")
        refused = card_not_writable(found, placing=bool(restores)) if found else None
        if refused:
            raise InvalidInput(f"That change cannot be {done}: {refused}")


def _apply(
    conn: BoardConnection, author: Author, write: _Write, marker: str, writes: list[_Write]
) -> Tx:
    _refuse_changed_outside(conn, write, marker)
    # Cards are archived, never deleted: the board has every title a change can name.
    titles = {r["id"]: r["title"] for r in conn.execute("SELECT id, title FROM cards")}
    _refuse_over_colleagues(conn, write, author.person, titles)
    records = [Record(marker, "op", str(write.seq))]
    for op in reversed(_changes(write)):
        records += _inverse(conn, author, op)
    if len(records) == 1:
        raise InvalidInput("That change was already put back by a colleague; nothing to do.")
    main = records[1]
    titles = {r["id"]: r["title"] for r in conn.execute("SELECT id, title FROM cards")}
    done = Op.model_construct(
        seq=0, revision=0, at=author.at, author=author.login, op=main.op, entity=main.entity,
        entity_id=main.entity_id, before=main.before, after=main.after,
    )  # fmt: skip
    values = main.after or main.before or {}
    card = main.entity_id if main.entity == "card" else values.get("card_id", values.get("from"))
    # It names the change it took back or made again ("Undone: you changed ‘Panic’: the
    # status agreed with client → hypothesis"), not the change it wrote to do so.
    named = _changes(write)
    if write.kind in ("undo", "redo"):
        named = change_named(write.rows[0], [op for w in writes for op in w.rows]) or []
    return Tx(Undone(sentence(named[0] if named else done, titles), card), records)


def undo(conn: BoardConnection, author: Author) -> Tx:
    """Undo my latest change that is not undone yet."""
    writes = _my_writes(conn, author.person)
    write = _next_undo(writes)
    if write is None:
        raise InvalidInput("Nothing of yours to undo on this board.")
    return _apply(conn, author, write, "undo", writes)


def redo(conn: BoardConnection, author: Author) -> Tx:
    """Redo my latest undo, if I made no new change since."""
    writes = _my_writes(conn, author.person)
    write = _next_redo(writes)
    if write is None:
        raise InvalidInput("Nothing to redo: you have undone nothing since your last change.")
    return _apply(conn, author, write, "redo", writes)
