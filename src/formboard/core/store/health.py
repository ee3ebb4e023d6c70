"""What a board's rows and settings say about themselves, when another program wrote them.

formboard validates everything it writes, but the file is an ordinary SQLite database:
the sqlite3 shell (or a script) can store a status formboard does not know, garble the
revision, or delete a card and leave its perspectives and links behind. Reads never fail
on such a value: it is read as a safe stand-in and the card says what is wrong
(``rows.card_from_row``). This module finds every such value for `formboard check`, with
the command that sets it right, and puts the board's own bookkeeping back
(`formboard repair`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any, NamedTuple

from formboard.core.model import Card, Column, Link, LinkKind, Perspective, Status
from formboard.core.rules import InvalidValues
from formboard.core.store.rows import logged_revision, text_of
from formboard.core.store.sql import BoardConnection
from formboard.core.store.writes import Record, Tx
from formboard.core.text import one_line, visible

# What a person runs to set a field right ({board} and {id} are filled in by the caller).
_FIXES = {
    ("card", "column"): "formboard move {board} {id} COLUMN",
    ("card", "position"): "formboard move {board} {id} COLUMN",
    ("card", "status"): "formboard edit {board} {id} --status hypothesis (or agreed, retired)",
    ("card", "domain"): "formboard edit {board} {id} --domain none (or bio, psych, social, ...)",
    ("card", "title"): "formboard edit {board} {id} --title TEXT",
    ("card", "body"): "formboard edit {board} {id} --body TEXT",
    ("card", "client_words"): "formboard edit {board} {id} --words TEXT",
    ("card", "archived"): "formboard archive {board} {id}, or formboard restore {board} {id}",
    ("perspective", "text"): "its author runs formboard edit-perspective {board} {id} TEXT",
    ("perspective", "discipline"): (
        "its author runs formboard edit-perspective {board} {id} --discipline NAME"
    ),
    ("link", "kind"): "formboard unlink {board} {id}, then formboard link again with a kind",
    ("link", "note"): "formboard unlink {board} {id}, then formboard link again",
}
_REPAIR = "formboard repair {board}"


class Problem(NamedTuple):
    """One value formboard would not have written: where, what, and how to set it right."""

    entity: str  # card, perspective, link, board
    entity_id: str
    field: str
    detail: str
    fix: str

    def sentence(self, board: str) -> str:
        where = "the board's settings" if self.entity == "board" else (
            f"{self.entity} {self.entity_id}"
        )  # fmt: skip
        fix = self.fix.format(board=board, id=self.entity_id)
        field = f"{self.field.replace('_', ' ')} " if self.field else ""
        return one_line(f"{where}: {field}{self.detail}; fix: {fix}.")


def shown(value: Any) -> str:
    """A stored value in a message: visible, short (these are never free text)."""
    text = visible(str(value))
    return repr(text if len(text) <= 24 else text[:23] + "…")


# ------------------------------------------------------------ the settings (meta)


def int_setting(meta: dict[str, str], key: str) -> int | None:
    """``meta[key]`` as a whole number, or None when it is missing or not a number."""
    try:
        return int(meta[key])
    except (KeyError, ValueError, TypeError):
        return None


def inferred_version(conn: BoardConnection) -> int:
    """The schema version the tables show (its triggers), for a missing schema_version."""
    found = conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE "
        "'%outside_update_bumps_rev'"
    ).fetchone()[0]
    meetings = conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meetings'"
    ).fetchone()[0]
    people = conn.execute(  # schema 4 keys a member by login and name
        "SELECT COUNT(*) FROM pragma_table_info('members') WHERE pk > 0"
    ).fetchone()[0]
    if meetings and found:
        return 4 if people == 2 else 3
    return 2 if found else 1


def meta_problems(meta: dict[str, str]) -> list[Problem]:
    found = []
    for key, what in (("schema_version", "schema version"), ("revision", "revision")):
        if int_setting(meta, key) is None:
            value = "is missing" if key not in meta else f"is {shown(meta[key])}, not a number"
            found.append(Problem("board", "meta", what, value, _REPAIR))
    return found


def settings_broken(meta: dict[str, str], where: object) -> str | None:
    """Why a board whose schema version or revision another program garbled is read-only
    until `repair` (a write could land in an unknown schema, or move the revision
    backwards and viewers would miss it); None when both are numbers."""
    broken = [p.field for p in meta_problems(meta)]
    if not broken:
        return None
    many = len(broken) > 1
    return (
        f"its {' and '.join(broken)} {'were' if many else 'was'} changed outside formboard: "
        f"`formboard repair {where}` puts {'them' if many else 'it'} back"
    )


# ------------------------------------------------------------------ the rows


def row_problems(conn: BoardConnection) -> list[Problem]:
    """Every card, perspective and link value the model refuses, and every orphan."""
    found: list[Problem] = []
    for row in conn.execute("SELECT * FROM cards ORDER BY col, position, id"):
        values = dict(row)
        values["column"] = values.pop("col")
        found += _refused("card", str(text_of(row["id"])), Card, values)
    for row in conn.execute("SELECT * FROM perspectives ORDER BY id"):
        found += _refused("perspective", str(text_of(row["id"])), Perspective, dict(row))
    for row in conn.execute("SELECT * FROM links ORDER BY id"):
        found += _refused("link", str(text_of(row["id"])), Link, dict(row))
    found += [_orphan(entity, eid) for entity, eid in orphans(conn)]
    return found


def _refused(
    entity: str, eid: str, model: type[Card | Perspective | Link], values: dict[str, Any]
) -> list[Problem]:
    if entity == "card":
        values["archived"] = _archived_flag(values["archived"])
    try:
        model.check(dict(values))
    except InvalidValues as exc:
        problems = []
        for field, said in exc.errors:
            detail = _detail(field, values.get(field), said)
            fix = _FIXES.get((entity, field), _REPAIR)
            problems.append(Problem(entity, eid, field, detail, fix))
        return problems
    return []


_ENUMS: dict[str, tuple[str, ...]] = {
    "column": tuple(c.value for c in Column),
    "status": tuple(s.value for s in Status),
    "kind": tuple(k.value for k in LinkKind),
}


def _detail(field: str, value: Any, message: str) -> str:
    # Not free text, so the stored value may be named; a title or note is client text:
    # say what is wrong with it, never the text.
    if field in _ENUMS or field == "domain":
        return f"is {shown(value)}, which formboard does not know"
    if field in ("position", "archived", "rev"):
        return f"is {shown(value)}, not a {'yes or no' if field == 'archived' else 'number'}"
    return message[:1].lower() + message[1:]


def _archived_flag(value: Any) -> Any:
    """0 and 1 as the model's bool; anything else is left for the model to refuse."""
    return bool(value) if value in (0, 1) else value


def orphans(conn: BoardConnection) -> list[tuple[str, str]]:
    """(entity, id) of perspectives and links whose card is not on the board. A card named
    by an id stored as bytes is still its card (``repair`` stores it as text again)."""
    found = conn.execute(
        "SELECT 'perspective', p.id, p.card_id FROM perspectives p "
        "LEFT JOIN cards c ON c.id = p.card_id WHERE c.id IS NULL"
    ).fetchall()
    found += conn.execute(
        "SELECT 'link', l.id, l.from_id, l.to_id FROM links l LEFT JOIN cards a ON a.id = "
        "l.from_id LEFT JOIN cards b ON b.id = l.to_id WHERE a.id IS NULL OR b.id IS NULL"
    ).fetchall()
    if found:  # rare: is each missing card only one whose id is stored as bytes?
        cards = {text_of(cid) for (cid,) in conn.execute("SELECT id FROM cards")}
        found = [row for row in found if not all(text_of(k) in cards for k in row[2:])]
    return list(dict.fromkeys((str(row[0]), str(text_of(row[1]))) for row in found))


# The columns that name a row or the card it belongs to: another program may store them as
# bytes, which no card's id equals; ``repair`` stores them as text again.
_KEYS = {"card": ("cards", ("id",)), "perspective": ("perspectives", ("id", "card_id")),
         "link": ("links", ("id", "from_id", "to_id"))}  # fmt: skip


def _keys_as_text(conn: BoardConnection) -> list[Record]:
    """Every id or card reference stored as bytes, stored as its text again (SQLite)."""
    records = []
    for entity, (table, columns) in _KEYS.items():
        for column in columns:
            rows = conn.execute(
                f"SELECT rowid, id, {column} FROM {table} WHERE typeof({column}) = 'blob'"
            ).fetchall()
            for rowid, eid, value in rows:
                text = text_of(value)
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (text, rowid))
                before, after = {column: "bytes"}, {column: text}
                records.append(
                    Record("repair_text", entity, str(text_of(eid)), None, before, after)
                )
    return records


def _orphan(entity: str, eid: str) -> Problem:
    return Problem(
        entity, eid, "",
        "belongs to a card that is no longer on the board (deleted outside formboard)",
        ORPHAN_FIX,
    )  # fmt: skip


ORPHAN_FIX = f"{_REPAIR} moves it to the op log"


def orphaned_attendance(conn: BoardConnection) -> list[Any]:
    """Who came to a meeting that is no longer on the board (deleted outside formboard)."""
    try:
        return list(conn.execute(
            "SELECT a.* FROM attendance a LEFT JOIN meetings m ON m.number = a.meeting "
            "WHERE m.number IS NULL ORDER BY a.meeting, a.login, a.name"
        ))  # fmt: skip
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # a board from before meetings
        raise


def _numbered(conn: BoardConnection, table: str) -> list[tuple[str, Any]]:
    """(id, rev) of the rows of ``table`` whose revision another program made no number."""
    return [
        (row["id"], row["rev"])
        for row in conn.execute(f"SELECT id, rev FROM {table} WHERE typeof(rev) != 'integer'")
    ]


# ---------------------------------------------------------------- the repair


def repair(conn: BoardConnection, sidecar_revision: int | None) -> Tx:
    """Put back what formboard keeps for itself, inside the write transaction.

    The schema version the tables show; a revision past every one any viewer may have
    seen (the op log's, the sidecar's, the garbled value's), so every open screen reloads;
    a card's or perspective's revision that is not a number, one past the log's newest for
    it; perspectives and links whose card is gone, and who came to a meeting that is gone,
    leave the board for the op log, whole. Values in cards are left to the person: the fix
    is theirs to choose (`check` says how).
    """
    meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}
    records: list[Record] = _keys_as_text(conn)  # first: a card's id as bytes is its card
    if int_setting(meta, "schema_version") is None:
        version = str(inferred_version(conn))
        _set_meta(conn, "schema_version", version)
        records.append(_meta_record("schema_version", meta.get("schema_version"), version))
    for entity, eid in orphans(conn):
        table = f"{entity}s"
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (eid,)).fetchone()
        conn.execute(f"DELETE FROM {table} WHERE id = ?", (eid,))
        records.append(Record("repair_orphan", entity, eid, None, dict(row), None))
    for row in orphaned_attendance(conn):
        conn.execute(
            "DELETE FROM attendance WHERE meeting = ? AND login = ? AND name = ?",
            (row["meeting"], row["login"], row["name"]),
        )
        eid = str(text_of(row["meeting"]))
        records.append(Record("repair_orphan", "attendance", eid, None, dict(row), None))
    for entity in ("card", "perspective"):
        for eid, old in _numbered(conn, f"{entity}s"):
            # No entity_rev: a writer who started from any revision it had is told that
            # someone outside formboard changed it (``merge.values_at``), not merged into it.
            rev = (_newest_logged(conn, eid) or 0) + 1
            conn.execute(f"UPDATE {entity}s SET rev = ? WHERE id = ?", (rev, eid))
            records.append(Record("repair", entity, eid, None, {"rev": old}, {"rev": rev}))
    if int_setting(meta, "revision") is None:
        records.append(_revision_set(conn, meta, sidecar_revision))
    elif records:
        conn.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'revision'"
        )
    return Tx([_said(r) for r in records], records)


def repair_revision(conn: BoardConnection) -> Tx:
    """A server board's repair: its revision, when another program made it something
    other than a number (its tables' types and keys hold everything else)."""
    meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}
    if int_setting(meta, "revision") is not None:
        return Tx([], [])
    record = _revision_set(conn, meta, None)
    return Tx([_said(record)], [record])


def _revision_set(conn: BoardConnection, meta: dict[str, Any], sidecar: int | None) -> Record:
    """Set the revision past every one any viewer may have seen (the op log's, the
    sidecar's, the garbled value's), so every open screen reloads."""
    seen = [logged_revision(conn), sidecar or 0]
    with contextlib.suppress(ValueError, TypeError):
        seen.append(int(float(meta.get("revision") or 0)))
    revision = str(max(seen) + 1)
    _set_meta(conn, "revision", revision)
    return _meta_record("revision", meta.get("revision"), revision)


def _newest_logged(conn: BoardConnection, eid: str) -> int | None:
    found = conn.execute(
        "SELECT MAX(entity_rev) FROM ops WHERE entity_id = ? AND typeof(entity_rev) = 'integer'",
        (eid,),
    ).fetchone()[0]
    return int(found) if found is not None else None


def _set_meta(conn: BoardConnection, key: str, value: str) -> None:
    p = conn.dialect.param
    conn.execute(
        f"INSERT INTO meta (key, value) VALUES ({p}, {p}) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _meta_record(key: str, old: str | None, new: str) -> Record:
    return Record("repair", "board", "meta", None, {key: old}, {key: new})


def _said(record: Record) -> str:
    after, before = record.after or {}, record.before or {}
    if record.entity == "board":
        (key, new), (old,) = next(iter(after.items())), before.values()
        was = "missing" if old is None else f"{shown(old)}"
        return f"Set the board's {key.replace('_', ' ')} to {new} (it was {was})."
    if record.op == "repair_text":
        (column,) = after
        return (
            f"Stored {record.entity} {one_line(visible(record.entity_id))}'s "
            f"{'id' if column == 'id' else 'card'} as text again (it was stored as bytes)."
        )
    if record.op == "repair":
        return (
            f"Set {record.entity} {record.entity_id}'s revision to {after['rev']} "
            f"(it was {shown(text_of(before['rev']))})."
        )
    if record.entity == "attendance":
        return (
            f"Moved the attendance of {visible(str(text_of(before['login'])))} at meeting "
            f"{visible(record.entity_id)}, whose meeting is gone, to the op log (`formboard log` "
            "shows it whole)."
        )
    return (
        f"Moved {record.entity} {record.entity_id}, whose card is gone, to the op log "
        "(`formboard log` shows it whole)."
    )
