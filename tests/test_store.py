"""The store: every op, merging and conflicts, ids, positions, the change feed, opening.

The tests that take ``store`` are the contract both backends keep: each runs on a board
file and on a board on a PostgreSQL server (``tests/pg_cluster.py``; skipped, saying why,
where no server can start). The rest are about the file itself.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers_store import long_board, person, raw, subprocess_env, titles

from formboard.core.errors import (
    AmbiguousId,
    BoardConflict,
    BoardCorrupt,
    BoardExists,
    BoardNotFound,
    BoardReadOnly,
    InvalidInput,
    NotABoard,
    NotYours,
    UnknownEntity,
)
from formboard.core.model import Board, Card, Column, Domain, Link, LinkKind, Member, Status
from formboard.core.store import BoardStore, create_store, edits, files, open_store, schema
from formboard.core.store.positions import POSITION_STEP


@pytest.fixture
def path(tmp_path: Path) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    return folder / "C-0421.board"


@pytest.fixture(params=["file", "postgresql"])
def location(request: pytest.FixtureRequest, path: Path) -> Path | str:
    """Where the contract tests' board is: a file, or a board on a PostgreSQL server."""
    return path if request.param == "file" else request.getfixturevalue("pg_url")


@pytest.fixture
def store(location: Path | str) -> BoardStore:
    with create_store(location, "C-0421", "Formulation") as s:
        yield s


@pytest.fixture
def file_store(path: Path) -> BoardStore:
    with BoardStore.create(path, "C-0421", "Formulation") as s:
        yield s


def where(store: BoardStore) -> Path | str:
    """The store's location: its file's path, or its server URL."""
    return getattr(store, "url", store.path)


def colleague(location: Path | str, login: str = "sam", name: str = "Sam Lee") -> BoardStore:
    return open_store(location, identity=person(login, name))


def outside(store: BoardStore, *statements: tuple[str, tuple]) -> None:
    """Write as someone bypassing formboard would: the sqlite3 shell, or psql."""
    if not hasattr(store, "url"):
        conn = raw(store.path)
        for statement, args in statements:
            conn.execute(statement, args)
        conn.close()
        return
    import psycopg

    with psycopg.connect(store.conninfo) as conn:
        conn.execute(
            psycopg.sql.SQL("SET search_path TO {}").format(psycopg.sql.Identifier(store.schema))
        )
        for statement, args in statements:
            conn.execute(statement.replace("?", "%s"), args)


def ops_named(store: BoardStore, op: str) -> list:
    return [o for o in store.ops() if o.op == op]


# ------------------------------------------------------------------ creating and opening


def test_new_board_is_empty_at_revision_zero_with_its_client_and_title(store: BoardStore) -> None:
    board = store.board()
    assert (board.client, board.title, board.revision) == ("C-0421", "Formulation", 0)
    assert board.cards == () and store.ops() == [] and store.quick_check() is None


def test_creating_where_a_file_already_is_raises_board_exists(store: BoardStore) -> None:
    with pytest.raises(BoardExists):
        create_store(where(store), "C-0421")


def test_a_client_code_that_could_be_a_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        BoardStore.create(tmp_path / "x.board", "Jane Doe, born 1980")


def test_opening_a_missing_file_raises_board_not_found(tmp_path: Path) -> None:
    with pytest.raises(BoardNotFound):
        BoardStore.open(tmp_path / "nobody.board")


@pytest.mark.parametrize(
    "content",
    [
        b'{"client": "C-1", "cards": []}',
        b"",
        os.urandom(4096),
        b"\x00" * 50,
    ],
    ids=["json", "empty", "random-bytes", "short-zeros"],
)
def test_a_file_that_is_not_sqlite_is_not_a_board(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "notes.board"
    target.write_bytes(content)
    with pytest.raises(NotABoard):
        BoardStore.open(target)
    assert target.read_bytes() == content


@pytest.mark.parametrize(
    "tables",
    [
        ["CREATE TABLE meta (key TEXT, value TEXT)", "INSERT INTO meta VALUES ('format', 'x')"],
        ["CREATE TABLE meta (id INTEGER PRIMARY KEY, data TEXT)"],
        ["CREATE TABLE notes (body TEXT)"],
    ],
    ids=["meta-of-another-format", "meta-of-another-shape", "no-meta"],
)
def test_another_sqlite_database_is_not_a_board_and_is_left_untouched(
    tmp_path: Path, tables: list[str]
) -> None:
    target = tmp_path / "other.db"
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=WAL")
    for statement in tables:
        conn.execute(statement)
    conn.commit()
    conn.close()
    with pytest.raises(NotABoard):
        BoardStore.open(target)
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_folder_is_not_a_board(tmp_path: Path) -> None:
    with pytest.raises(NotABoard):
        BoardStore.open(tmp_path)


@pytest.mark.parametrize("damage", ["overwrite-middle", "truncate"])
def test_a_damaged_board_stops_writes_and_says_why(path: Path, damage: str) -> None:
    with BoardStore.create(path, "C-0421") as s:
        s.load_board(long_board())
    size = path.stat().st_size
    assert size > 40 * 4096  # many pages, so the damage lands inside the data
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(data[: size // 2])
    else:
        data[size // 2 : size // 2 + 3 * 4096] = os.urandom(3 * 4096)
        path.write_bytes(bytes(data))
    try:
        damaged = BoardStore.open(path)
    except BoardCorrupt as exc:
        assert "backup" in str(exc)
        return
    with damaged:
        assert damaged.read_only and "damaged" in (damaged.read_only_reason or "")
        with pytest.raises(BoardReadOnly, match="damaged"):
            damaged.add_card("symptoms", "Panic at work")


def test_a_board_from_a_newer_formboard_opens_read_only_but_readable(path: Path) -> None:
    with BoardStore.create(path, "C-0421") as s:
        s.add_card("symptoms", "Panic at work")
    conn = raw(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with BoardStore.open(path) as newer:
        assert newer.read_only and "newer formboard" in (newer.read_only_reason or "")
        assert titles(newer) == ["Panic at work"]
        revision = newer.revision()
        with pytest.raises(BoardReadOnly, match="newer formboard"):
            newer.add_card("symptoms", "Insomnia")
        assert newer.revision() == revision


def test_a_large_board_opens_by_its_first_rows_and_each_columns_count(store, monkeypatch):
    from formboard.core.store import head

    monkeypatch.setattr(head, "HEAD_FIRST_ABOVE", 6)
    monkeypatch.setattr(head, "ROWS_PER_COLUMN", 2)
    first = [store.add_card("symptoms", f"Symptom {n}") for n in range(4)]
    store.add_card("sources", "Loss of a parent")
    store.add_card("symptoms", "Put first", top=True)
    store.archive_card(first[0].id)
    store.add_perspective(first[1].id, "Worse on Mondays")
    store.add_perspective(first[3].id, "Not seen since May")
    far = store.add_link(first[3].id, first[1].id, "maintains")  # from beyond the first rows
    assert store.board_start().totals is None  # 6 cards: read whole
    store.add_card("resources", "Sister nearby")

    start = store.board_start()  # 7 cards: the first two of each column
    assert start.totals == {Column.SYMPTOMS: 4, Column.SOURCES: 1, Column.QUALITIES: 0,
                            Column.RESOURCES: 1, Column.RELATIONSHIPS: 0}  # fmt: skip
    assert [c.title for c in start.board.cards] == [
        "Put first", "Symptom 1", "Loss of a parent", "Sister nearby"
    ]  # fmt: skip
    by_title = {c.title: c for c in start.board.cards}
    assert [p.text for p in by_title["Symptom 1"].perspectives] == ["Worse on Mondays"]
    assert [lk.id for lk in start.board.links] == [far.id]  # its card is on screen
    assert start.board.revision == store.revision() and start.board.client == "C-0421"
    assert len(store.board().cards) == 7  # the whole board is still a read away


def test_a_board_with_columns_a_newer_formboard_added_still_reads(path: Path) -> None:
    """A newer formboard (or another program) may add columns to any table: this one
    reads the board it knows and leaves the rest alone."""
    with BoardStore.create(path, "C-0421") as s:
        card = s.add_card("symptoms", "Panic at work")
        s.add_perspective(card.id, "Fear of fainting", discipline="psychology")
        s.add_link(card.id, s.add_card("sources", "Father's illness").id, "triggers")
        s.upsert_member("ben", "Ben Okafor", "psychiatry")
    conn = raw(path)
    for table in ("cards", "perspectives", "links", "members", "ops", "meetings"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN later TEXT NOT NULL DEFAULT 'x'")
    conn.commit()
    conn.close()
    with BoardStore.open(path) as store:
        board = store.board()
        assert [p.text for p in board.card(card.id).perspectives] == ["Fear of fainting"]
        assert len(board.links) == 1 and "ben" in {m.login for m in board.members}
        assert store.ops()[-1].op


def test_an_old_board_is_migrated_when_opened(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with BoardStore.create(path, "C-0421") as s:
        card = s.add_card("symptoms", "Panic at work")

    def add_colour(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE cards ADD COLUMN colour TEXT NOT NULL DEFAULT ''")

    newer = schema.SCHEMA_VERSION + 1
    monkeypatch.setattr(schema, "SCHEMA_VERSION", newer)
    monkeypatch.setattr(schema, "MIGRATIONS", {newer - 1: add_colour})
    with BoardStore.open(path) as upgraded:
        assert not upgraded.read_only
        assert upgraded.card(card.id).title == "Panic at work"
        upgraded.edit_card(card.id, body="since March")
    conn = raw(path)
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    columns = [r["name"] for r in conn.execute("PRAGMA table_info(cards)")]
    conn.close()
    assert meta["schema_version"] == str(newer) and "colour" in columns


def mode_of(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def umask_022() -> None:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022")
def test_board_and_sidecar_are_owner_only(file_store: BoardStore) -> None:
    file_store.add_card("symptoms", "Panic at work")
    assert mode_of(file_store.path) == 0o600
    assert mode_of(file_store.sidecar_path) == 0o600


@pytest.mark.usefixtures("umask_022")
def test_in_a_setgid_team_folder_board_and_sidecar_are_group_shared(path: Path) -> None:
    os.chmod(path.parent, 0o2770)
    with BoardStore.create(path, "C-0421") as s:
        s.add_card("symptoms", "Panic at work")
        assert mode_of(path) == 0o660
        assert mode_of(s.sidecar_path) == 0o660
        backup = s.backup(path.parent / "copy.board")
        assert mode_of(backup) == 0o660


def sidecar(store: BoardStore) -> dict:
    return json.loads(store.sidecar_path.read_text())


def test_the_sidecar_holds_the_revision_after_each_commit(file_store: BoardStore) -> None:
    store = file_store
    assert sidecar(store)["revision"] == 0
    card = store.add_card("symptoms", "Panic at work")
    assert sidecar(store)["revision"] == store.revision() > 0
    store.move_card(card.id, "sources")
    assert sidecar(store)["revision"] == store.revision()
    assert sidecar(store)["client_id"] == store.client_id


def test_the_sidecar_is_written_while_the_lease_is_held(
    file_store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = file_store
    # Written after release, two writers could leave the older revision in the sidecar.
    held: list[bool] = []
    real = files.write_sidecar
    monkeypatch.setattr(
        files, "write_sidecar", lambda *a: (held.append(store.lease.held()), real(*a))
    )
    store.add_card("symptoms", "Panic at work")
    assert held == [True]


def test_no_module_of_the_core_imports_textual() -> None:
    script = (
        "import pkgutil, importlib, sys, formboard.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'formboard.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.startswith('formboard.core')))\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=subprocess_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "formboard.core.store.board_store" in done.stdout


# ---------------------------------------------------------------------------- cards


def test_add_card_puts_it_at_the_bottom_top_or_before_another(store: BoardStore) -> None:
    first = store.add_card("symptoms", "Panic at work")
    store.add_card("symptoms", "Insomnia")
    store.add_card("symptoms", "Low mood", top=True)
    store.add_card("symptoms", "Racing thoughts", before=first.id)
    assert titles(store, "symptoms") == ["Low mood", "Racing thoughts", "Panic at work", "Insomnia"]


def test_add_card_keeps_every_field_and_who_made_it(store: BoardStore) -> None:
    card = store.add_card(
        "resources", "Sister nearby", body="Visits weekly", client_words="She gets me",
        status="agreed", domain="social",
    )  # fmt: skip
    stored = store.card(card.id)
    assert stored == card
    assert (stored.status, stored.domain, stored.rev) == (Status.AGREED, Domain.SOCIAL, 1)
    assert stored.created_by == store.identity.login and stored.created_at


@pytest.mark.parametrize(
    ("column", "title"),
    [("feelings", "Panic"), ("symptoms", ""), ("symptoms", "x" * 201), ("symptoms", "a\x1b[2J")],
)
def test_add_card_refuses_bad_input_in_one_sentence(
    store: BoardStore, column: str, title: str
) -> None:
    with pytest.raises(InvalidInput):
        store.add_card(column, title)
    assert store.revision() == 0


def test_add_card_before_a_card_of_another_column_is_refused(store: BoardStore) -> None:
    other = store.add_card("sources", "Father's illness")
    with pytest.raises(InvalidInput):
        store.add_card("symptoms", "Panic", before=other.id)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Panic on the train"},
        {"body": "Started in March"},
        {"client_words": "like drowning"},
        {"status": "retired"},
        {"domain": "bio"},
        {"title": "Panic", "body": "b", "status": "agreed", "domain": "psych"},
    ],
)
def test_edit_card_changes_exactly_the_fields_given(store: BoardStore, fields: dict) -> None:
    card = store.add_card("symptoms", "Panic at work", body="old body", domain="social")
    edited = store.edit_card(card.id, base_rev=card.rev, **fields)
    assert edited.rev == card.rev + 1
    for name in ("title", "body", "client_words", "status", "domain"):
        expected = fields.get(name, getattr(card, name))
        assert getattr(edited, name) == expected, name
    last = store.ops()[-1]
    assert last.op == "edit_card" and set(last.after) == set(fields)


def test_edit_card_can_clear_the_domain(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work", domain="bio")
    assert store.edit_card(card.id, domain=None).domain is None


def test_edit_card_with_nothing_to_change_is_refused(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work")
    with pytest.raises(InvalidInput):
        store.edit_card(card.id)
    with pytest.raises(InvalidInput):
        store.edit_card(card.id, colour="red")


def test_editing_to_the_same_values_writes_nothing(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work")
    revision = store.revision()
    assert store.edit_card(card.id, title="Panic at work").rev == card.rev
    assert store.revision() == revision


def test_move_card_across_columns_goes_to_the_bottom(store: BoardStore) -> None:
    store.add_card("sources", "Father's illness")
    card = store.add_card("symptoms", "Panic at work")
    moved = store.move_card(card.id, "sources")
    assert moved.column == Column.SOURCES and moved.rev == card.rev + 1
    assert titles(store, "sources") == ["Father's illness", "Panic at work"]
    assert titles(store, "symptoms") == []
    last = store.ops()[-1]
    assert (last.op, last.before["column"], last.after["column"]) == (
        "move_card", "symptoms", "sources",
    )  # fmt: skip


def test_move_card_to_top_before_or_index_within_a_column(store: BoardStore) -> None:
    a, b, c, d = (store.add_card("symptoms", t) for t in "ABCD")
    store.move_card(d.id, top=True)
    assert titles(store, "symptoms") == ["D", "A", "B", "C"]
    store.move_card(a.id, before=c.id)
    assert titles(store, "symptoms") == ["D", "B", "A", "C"]
    store.move_card(d.id, index=2)
    assert titles(store, "symptoms") == ["B", "A", "D", "C"]
    store.move_card(b.id, index=99)
    assert titles(store, "symptoms") == ["A", "D", "C", "B"]
    store.move_card(c.id, "qualities", index=0)
    assert titles(store, "qualities") == ["C"]


def test_moving_a_card_to_where_it_already_is_writes_nothing(store: BoardStore) -> None:
    a = store.add_card("symptoms", "A")
    store.add_card("symptoms", "B")
    revision = store.revision()
    assert store.move_card(a.id, top=True).rev == a.rev
    assert store.revision() == revision


def test_archive_hides_a_card_from_its_column_and_restore_brings_it_back_where_it_was(
    store: BoardStore,
) -> None:
    a = store.add_card("symptoms", "A")
    store.add_card("symptoms", "B")
    archived = store.archive_card(a.id)
    assert archived.archived and titles(store, "symptoms") == ["B"]
    assert store.card(a.id).archived  # still on the board, never deleted
    assert store.archive_card(a.id).rev == archived.rev  # twice is once
    store.add_card("symptoms", "C", top=True)  # takes the very position A had
    restored = store.restore_card(a.id)
    assert not restored.archived and titles(store, "symptoms") == ["A", "C", "B"]
    middle = store.add_card("qualities", "Y")
    store.add_card("qualities", "X", top=True)
    store.add_card("qualities", "Z")
    store.archive_card(middle.id)
    store.restore_card(middle.id)
    assert titles(store, "qualities") == ["X", "Y", "Z"]
    assert [o.op for o in store.ops() if o.entity_id == a.id] == [
        "add_card", "archive_card", "restore_card",
    ]  # fmt: skip


# --------------------------------------------------------------------- perspectives


def test_add_perspective_under_my_discipline_or_another(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Voices at night")
    mine = store.add_perspective(card.id, "Could be trauma-related intrusions")
    other = store.add_perspective(card.id, "Sleep deprivation?", discipline="psychiatry")
    assert (mine.discipline, other.discipline) == ("psychology", "psychiatry")
    assert mine.author == store.identity.login and mine.author_name == "Ana Lima"
    assert [p.text for p in store.card(card.id).perspectives] == [mine.text, other.text]


def test_a_perspective_needs_text_and_a_discipline(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Voices at night")
    with pytest.raises(InvalidInput):
        store.add_perspective(card.id, "   ")
    with pytest.raises(InvalidInput):
        store.add_perspective(card.id, "Reading", discipline="")


def test_edit_and_remove_my_own_perspective(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Voices at night")
    p = store.add_perspective(card.id, "First reading")
    edited = store.edit_perspective(p.id, base_rev=p.rev, text="Second reading")
    assert (edited.text, edited.rev) == ("Second reading", 2)
    assert store.edit_perspective(p.id, discipline="somatic therapy").discipline == (
        "somatic therapy"
    )
    store.remove_perspective(p.id)
    assert store.card(card.id).perspectives == ()
    removed = ops_named(store, "remove_perspective")[0]
    assert removed.before["text"] == "Second reading"  # the log keeps it


def test_someone_elses_perspective_is_not_mine_to_change(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Voices at night")
    with colleague(where(store)) as sam:
        theirs = sam.add_perspective(card.id, "Spiritual emergence?", discipline="nursing")
    with pytest.raises(NotYours):
        store.edit_perspective(theirs.id, text="Mine now")
    with pytest.raises(NotYours):
        store.remove_perspective(theirs.id)
    assert store.card(card.id).perspectives[0].text == "Spiritual emergence?"


def test_an_unknown_perspective_is_named_as_such(store: BoardStore) -> None:
    with pytest.raises(UnknownEntity):
        store.edit_perspective("nope", text="x")


# ---------------------------------------------------------------------------- links


def test_add_and_remove_a_link(store: BoardStore) -> None:
    avoid = store.add_card("qualities", "Avoiding the office")
    panic = store.add_card("symptoms", "Panic at work")
    link = store.add_link(avoid.id, panic.id, "maintains", note="a maintaining cycle")
    back = store.add_link(panic.id, avoid.id, LinkKind.TRIGGERS)  # cycles are allowed
    board = store.board()
    assert {lk.id for lk in board.links} == {link.id, back.id}
    assert (link.from_id, link.to_id, link.kind) == (avoid.id, panic.id, LinkKind.MAINTAINS)
    store.remove_link(link.id)
    assert [lk.id for lk in store.board().links] == [back.id]
    with pytest.raises(UnknownEntity):
        store.remove_link(link.id)


def test_a_duplicate_link_and_a_link_to_itself_are_refused(store: BoardStore) -> None:
    a = store.add_card("qualities", "Avoiding the office")
    b = store.add_card("symptoms", "Panic at work")
    store.add_link(a.id, b.id, "maintains")
    revision = store.revision()
    with pytest.raises(InvalidInput, match="already linked"):
        store.add_link(a.id, b.id, "maintains")
    with pytest.raises(InvalidInput, match="itself"):
        store.add_link(a.id, a.id, "relates-to")
    with pytest.raises(InvalidInput):
        store.add_link(a.id, b.id, "causes")
    assert store.revision() == revision
    store.add_link(a.id, b.id, "relates-to")  # another kind is another link


# -------------------------------------------------------------- members and the board


def test_the_first_write_makes_me_a_member(store: BoardStore) -> None:
    store.add_card("symptoms", "Panic at work")
    (me,) = store.board().members
    assert (me.name, me.discipline, me.initials) == ("Ana Lima", "psychology", "AL")


def test_upsert_member_adds_then_updates(store: BoardStore) -> None:
    store.upsert_member("kim", "Kim Doe", "family therapy")
    store.upsert_member("kim", "Kim Doe", "social work")
    kim = next(m for m in store.board().members if m.login == "kim")
    assert (kim.discipline, kim.initials) == ("social work", "KD")
    with pytest.raises(InvalidInput):
        store.upsert_member("  ")


def test_set_title_changes_the_board_title(store: BoardStore) -> None:
    revision = store.revision()
    store.set_title("Second formulation")
    assert store.board().title == "Second formulation" and store.revision() > revision
    with pytest.raises(InvalidInput):
        store.set_title("two\nlines")


def test_load_board_writes_a_whole_board_as_one_op(store: BoardStore) -> None:
    card = Card(id="aaa1", column=Column.SYMPTOMS, position=1.0, title="Panic", rev=3)
    other = Card(id="bbb2", column=Column.SOURCES, position=1.0, title="Loss")
    with_view = card.model_copy(
        update={"perspectives": (store_perspective("aaa1"),)}
    )  # fmt: skip
    board = Board(
        client="C-0421",
        title="Imported",
        cards=(with_view, other),
        links=(Link(id="l1", from_id="bbb2", to_id="aaa1", kind=LinkKind.PREDISPOSES),),
        members=(Member(login="kim", name="Kim Doe", discipline="nursing"),),
    )
    store.load_board(board)
    loaded = store.board()
    assert loaded.title == "Imported" and [c.id for c in loaded.cards] == ["bbb2", "aaa1"]
    assert loaded.card("aaa1").perspectives[0].text == "A reading"
    assert loaded.card("aaa1").rev == 3 and len(loaded.links) == 1
    assert {m.login for m in loaded.members} >= {"kim"}
    assert len({(o.client_id, o.client_seq) for o in store.ops()}) == 1
    with pytest.raises(InvalidInput, match="empty board"):
        store.load_board(board)


def store_perspective(card_id: str):
    from formboard.core.model import Perspective

    return Perspective(
        id="p1", card_id=card_id, author="kim", discipline="nursing", text="A reading"
    )


# -------------------------------------------------------------- merging and conflicts


def test_colleagues_move_and_my_edit_both_survive(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work")
    with colleague(where(store)) as sam:
        sam.move_card(card.id, "qualities")
    edited = store.edit_card(card.id, base_rev=card.rev, body="Started in March")
    assert (edited.column, edited.body, edited.rev) == (Column.QUALITIES, "Started in March", 3)


def test_two_people_editing_different_fields_both_survive(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work")
    with colleague(where(store)) as sam:
        sam.edit_card(card.id, base_rev=card.rev, title="Panic on the train")
    store.edit_card(card.id, base_rev=card.rev, body="Started in March", status="agreed")
    final = store.card(card.id)
    assert (final.title, final.body, final.status) == (
        "Panic on the train", "Started in March", Status.AGREED,
    )  # fmt: skip


def test_the_same_field_is_a_conflict_with_both_versions_and_mine_is_logged(
    store: BoardStore,
) -> None:
    card = store.add_card("symptoms", "Panic at work", body="first")
    with colleague(where(store)) as sam:
        sam.edit_card(card.id, base_rev=card.rev, body="Sam's reading")
    revision = store.revision()
    with pytest.raises(BoardConflict) as caught:
        store.edit_card(card.id, base_rev=card.rev, body="My reading", title="Panic")
    conflict = caught.value
    (field,) = conflict.conflicts
    assert (field.field, field.mine, field.theirs, field.base) == (
        "body", "My reading", "Sam's reading", "first",
    )  # fmt: skip
    assert conflict.theirs_by == "Sam Lee" and conflict.current_rev == 2
    assert "Sam Lee" in str(conflict) and "Sam's reading" not in str(conflict)
    assert store.card(card.id).body == "Sam's reading"  # nothing overwritten
    assert store.card(card.id).title == "Panic at work"  # the whole edit waits for a choice
    assert store.revision() == revision
    (logged,) = ops_named(store, "conflict")
    assert logged.after == {"body": "My reading"} and logged.before == {"body": "Sam's reading"}


def test_the_same_field_changed_to_the_same_value_is_still_a_conflict(store: BoardStore) -> None:
    # A read-modify-write (a counter, an appended line) must never count once for two.
    card = store.add_card("symptoms", "Counter", body="5")
    with colleague(where(store)) as sam:
        sam.edit_card(card.id, base_rev=card.rev, body="6")
    with pytest.raises(BoardConflict):
        store.edit_card(card.id, base_rev=card.rev, body="6")


def test_a_field_sent_unchanged_from_my_base_lets_theirs_stand(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work", body="first")
    with colleague(where(store)) as sam:
        sam.edit_card(card.id, base_rev=card.rev, title="Panic on the train")
    # A form that sends every field: the title is as I read it, the body is mine.
    edited = store.edit_card(card.id, base_rev=card.rev, title="Panic at work", body="second")
    assert (edited.title, edited.body) == ("Panic on the train", "second")


def test_perspective_edits_are_optimistic_too(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Voices at night")
    p = store.add_perspective(card.id, "First")
    twin = open_store(where(store))  # me, in another window
    twin.edit_perspective(p.id, base_rev=p.rev, text="From the other window")
    twin.close()
    with pytest.raises(BoardConflict) as caught:
        store.edit_perspective(p.id, base_rev=p.rev, text="From this window")
    assert caught.value.entity == "perspective"


def test_revisions_count_every_change_of_a_card(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Panic at work")
    assert card.rev == 1
    card = store.edit_card(card.id, base_rev=1, body="x")
    card = store.move_card(card.id, "sources")
    card = store.archive_card(card.id)
    assert card.rev == 4
    assert store.edit_card(card.id, base_rev=4, body="y").rev == 5


# -------------------------------------------------------------------------- ids


def test_a_card_is_found_by_a_unique_prefix_of_its_id(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = iter(["abc1000000", "abc2000000", "xyz0000000"])
    monkeypatch.setattr(edits, "new_id", lambda: next(ids))
    store.add_card("symptoms", "A")
    store.add_card("symptoms", "B")
    store.add_card("symptoms", "C")
    assert store.card("abc2").title == "B" and store.card("X").title == "C"
    assert store.resolve_card_id("abc1") == "abc1000000"
    with pytest.raises(AmbiguousId):
        store.card("abc")
    with pytest.raises(AmbiguousId):
        store.edit_card("abc", body="x")
    with pytest.raises(UnknownEntity):
        store.card("nope")
    with pytest.raises(UnknownEntity):
        store.move_card("", "sources")


# -------------------------------------------------------------------- positions


def test_adding_at_the_top_200_times_keeps_the_order(store: BoardStore) -> None:
    for i in range(200):
        store.add_card("symptoms", f"card {i}", top=True)
    assert titles(store, "symptoms") == [f"card {i}" for i in reversed(range(200))]


def test_inserting_into_the_same_gap_renumbers_the_column_and_keeps_the_order(
    store: BoardStore,
) -> None:
    first = store.add_card("symptoms", "first")
    store.add_card("symptoms", "last")
    expected = ["first", "last"]
    for i in range(120):  # halving a 1024 gap runs out of float bits after ~50
        store.add_card("symptoms", f"n{i}", before=store.board().column(Column.SYMPTOMS)[1].id)
        expected.insert(1, f"n{i}")
    assert titles(store, "symptoms") == expected
    assert ops_named(store, "renumber"), "the column was never renumbered"
    positions = [c.position for c in store.board().column(Column.SYMPTOMS)]
    assert len(set(positions)) == len(positions)
    assert store.card(first.id).position <= POSITION_STEP * 2


# ------------------------------------------------------------------ the change feed


def test_changes_since_reports_added_and_changed_cards(store: BoardStore) -> None:
    old = store.add_card("symptoms", "Panic at work")
    since = store.revision()
    new = store.add_card("sources", "Father's illness")
    store.edit_card(old.id, body="x")
    changes = store.changes_since(since)
    assert [c.id for c in changes.cards_added] == [new.id]
    assert [c.id for c in changes.cards_changed] == [old.id]
    assert changes.cards_changed[0].body == "x" and not changes.full
    assert changes.revision == store.revision() and changes.since == since
    assert [o.op for o in changes.ops] == ["add_card", "edit_card"]


def test_changes_since_now_is_empty(store: BoardStore) -> None:
    store.add_card("symptoms", "Panic at work")
    assert store.changes_since(store.revision()).empty


def test_a_perspective_change_shows_as_its_card_changing(store: BoardStore) -> None:
    card = store.add_card("symptoms", "Voices at night")
    since = store.revision()
    p = store.add_perspective(card.id, "A reading")
    changes = store.changes_since(since)
    assert [c.id for c in changes.cards_changed] == [card.id]
    assert changes.cards_changed[0].perspectives[0].id == p.id
    since = store.revision()
    store.remove_perspective(p.id)
    changes = store.changes_since(since)
    assert [c.perspectives for c in changes.cards_changed] == [()]


def test_changes_since_reports_links_added_and_removed(store: BoardStore) -> None:
    a = store.add_card("qualities", "Avoiding")
    b = store.add_card("symptoms", "Panic")
    since = store.revision()
    link = store.add_link(a.id, b.id, "maintains")
    assert [lk.id for lk in store.changes_since(since).links_added] == [link.id]
    since = store.revision()
    store.remove_link(link.id)
    assert store.changes_since(since).links_removed == [link.id]


def test_changes_since_reports_members_and_title(store: BoardStore) -> None:
    since = store.revision()
    store.upsert_member("kim", "Kim Doe", "nursing")
    store.set_title("Renamed")
    changes = store.changes_since(since)
    assert "kim" in {m.login for m in changes.members_changed}
    assert changes.meta_changed["title"] == "Renamed"


def test_a_write_that_bypasses_formboard_is_found_by_a_full_diff(store: BoardStore) -> None:
    a = store.add_card("symptoms", "Panic at work")
    b = store.add_card("symptoms", "Insomnia")
    known, since = store.board(), store.revision()
    outside(  # someone with the sqlite3 shell, or psql
        store,
        ("UPDATE cards SET title = 'Edited outside' WHERE id = ?", (a.id,)),
        ("DELETE FROM cards WHERE id = ?", (b.id,)),
    )
    changes = store.changes_since(since, known)
    assert changes.full
    assert [c.title for c in changes.cards_changed] == ["Edited outside"]
    assert changes.cards_removed == [b.id]
    unknown = store.changes_since(since)  # with nothing known, every card is new
    assert unknown.full and [c.id for c in unknown.cards_added] == [a.id]


def test_a_board_whose_revision_went_back_is_diffed_in_full(file_store: BoardStore) -> None:
    store = file_store
    store.add_card("symptoms", "Panic at work")
    copy = store.backup(store.path.parent / "backup.board")
    store.add_card("symptoms", "Insomnia")
    known, since = store.board(), store.revision()
    store.close()
    os.replace(copy, store.path)  # a backup restored over the board
    with BoardStore.open(store.path) as restored:
        changes = restored.changes_since(since, known)
        assert changes.full and [c.title for c in known.cards if c.id in changes.cards_removed] == [
            "Insomnia"
        ]


def test_a_shell_edit_of_the_field_i_edit_is_a_conflict_named_as_from_outside(path: Path) -> None:
    with BoardStore.create(path, "C-0421") as s:
        card = s.add_card("symptoms", "Panic at work")
    conn = raw(path)  # someone with the sqlite3 shell, who knows nothing of rev
    conn.execute("UPDATE cards SET title = 'Panic in the car park' WHERE id = ?", (card.id,))
    conn.close()
    with BoardStore.open(path) as mine:
        assert mine.card(card.id).rev == card.rev + 1  # the outside write is a change
        with pytest.raises(BoardConflict) as caught:
            mine.edit_card(card.id, base_rev=card.rev, title="Panic in meetings")
        conflict = caught.value
        assert conflict.theirs_by == "someone outside formboard"
        assert [(c.field, c.mine, c.theirs) for c in conflict.conflicts] == [
            ("title", "Panic in meetings", "Panic in the car park")
        ]
        assert mine.card(card.id).title == "Panic in the car park"  # nothing overwritten


def test_a_board_of_schema_1_gets_the_outside_rev_triggers_when_opened(path: Path) -> None:
    with BoardStore.create(path, "C-0421") as s:
        card = s.add_card("symptoms", "Panic at work")
    conn = raw(path)  # as a board made by the formboard before
    for table in ("cards", "perspectives"):
        conn.execute(f"DROP TRIGGER {table}_outside_update_bumps_rev")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    with BoardStore.open(path) as s:
        assert s.meta()["schema_version"] == str(schema.SCHEMA_VERSION)
    conn = raw(path)
    conn.execute("UPDATE cards SET body = 'from the shell' WHERE id = ?", (card.id,))
    rev = conn.execute("SELECT rev FROM cards WHERE id = ?", (card.id,)).fetchone()[0]
    conn.close()
    assert rev == card.rev + 1
