"""Two people at one OS login are two people (issue 22, 7 and 8).

A ward PC with one shared login, each clinician with a name of their own: the board's
members, the op log, undo, presence, following and meetings tell them apart by login and
name, and a person is recorded as a member once — not on every command.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.helpers_store import raw
from tests.terminal import person
from tests.tui_helpers import (
    all_here,
    drawn_notices,
    notice_drawn,
    screen_text,
    small_board,
    wait_for,
)

from formboard.core.errors import InvalidInput
from formboard.core.identity import Identity, current_identity
from formboard.core.store import BoardStore
from formboard.core.store.schema import SCHEMA_VERSION
from formboard.tui.app import FormboardApp
from formboard.tui.dialogs.prompt import PromptScreen


def member_ops(board: Path) -> list[tuple[str, str]]:
    with BoardStore.open(board, read_only=True) as store:
        return [(op.author, op.author_name) for op in store.ops() if op.entity == "member"]


def test_two_names_at_one_login_are_two_members_recorded_once_each(tmp_path: Path) -> None:
    """CLI writers at one OS login, each with a config of their own, take turns."""
    ana = person(tmp_path, "Ana Ruiz", "psychology")  # this process's login, her own HOME
    ben = person(tmp_path, "Ben Okafor", "psychiatry")  # the same login, his own HOME
    board = tmp_path / "C-0421.board"
    made = ana.run("new", str(board), "--client", "C-0421")
    assert made.returncode == 0, made.stderr
    for who, title in [(ana, "Panic at work"), (ben, "Early loss"), (ana, "Sleeps badly"),
                       (ben, "Walks daily"), (ana, "Sings"), (ben, "Cooks")]:  # fmt: skip
        ran = who.run("add", str(board), "symptoms", title)
        assert ran.returncode == 0, ran.stderr
    login = current_identity().login
    assert member_ops(board) == [(login, "Ana Ruiz"), (login, "Ben Okafor")]
    ran = ana.run("add", str(board), "sources", "One more")  # a third process of hers
    assert ran.returncode == 0, ran.stderr
    assert len(member_ops(board)) == 2
    with BoardStore.open(board, read_only=True) as store:
        members = {(m.login, m.name, m.discipline) for m in store.board().members}
    assert members == {(login, "Ana Ruiz", "psychology"), (login, "Ben Okafor", "psychiatry")}
    log = ana.run("log", str(board)).stdout
    assert "Ana Ruiz" in log and "Ben Okafor" in log
    assert "changed their name or discipline" not in log


def test_a_changed_discipline_is_recorded_and_an_unchanged_one_is_not(tmp_path: Path) -> None:
    board = tmp_path / "C-0421.board"
    ana = ANA_AT_WARD
    with BoardStore.create(board, "C-0421", identity=ana) as store:
        store.add_card("symptoms", "Panic at work")
    for _ in range(3):
        with BoardStore.open(board, identity=ana) as store:
            store.add_card("symptoms", "Again")
    assert len(member_ops(board)) == 1
    nurse = Identity(login="ward", name="Ana Ruiz", discipline="nursing", host="ward-pc")
    with BoardStore.open(board, identity=nurse) as store:
        store.add_card("symptoms", "Once more")
        (member,) = store.board().members
    assert len(member_ops(board)) == 2 and member.discipline == "nursing"


ANA_AT_WARD = Identity(login="ward", name="Ana Ruiz", discipline="psychology", host="ward-pc")
BEN_AT_WARD = Identity(login="ward", name="Ben Okafor", discipline="psychiatry", host="ward-pc")


@contextmanager
def ana_and_ben_at_the_ward(tmp_path: Path) -> Iterator[tuple[BoardStore, BoardStore]]:
    """A new board open twice at the ward PC's one login: as Ana, and as Ben."""
    board = tmp_path / "C-0421.board"
    BoardStore.create(board, "C-0421").close()
    with (
        BoardStore.open(board, identity=ANA_AT_WARD) as ana,
        BoardStore.open(board, identity=BEN_AT_WARD) as ben,
    ):
        yield ana, ben


def test_undo_at_a_shared_login_never_undoes_the_other_persons_write(tmp_path: Path) -> None:
    with ana_and_ben_at_the_ward(tmp_path) as (ana, ben):
        hers = ana.add_card("symptoms", "Panic at work")
        his = ben.add_card("sources", "Early loss")
        assert ana.undo().said == "added ‘Panic at work’ to Symptoms"  # hers, not his later one
        assert ana.card(hers.id).archived and not ana.card(his.id).archived
        with pytest.raises(InvalidInput, match="Nothing of yours to undo"):
            ana.undo()
        # Her edit, then his of the same field: her undo would overwrite his, so it is refused.
        mine = ana.add_card("qualities", "Perfectionism")
        ana.edit_card(mine.id, title="High standards")
        ben.edit_card(mine.id, title="Very high standards")
        with pytest.raises(Exception, match="Ben Okafor changed the title"):
            ana.undo()
        assert ana.card(mine.id).title == "Very high standards"
        assert ben.undo().said.startswith(
            "changed ‘High standards’: the title ‘High standards’ → ‘Very high"
        )
        assert ben.card(mine.id).title == "High standards"


def test_a_colleagues_perspective_at_a_shared_login_is_still_theirs(tmp_path: Path) -> None:
    with ana_and_ben_at_the_ward(tmp_path) as (ana, ben):
        card = ana.add_card("symptoms", "Panic at work")
        hers = ana.add_perspective(card.id, "Fear of judgement")
        with pytest.raises(Exception, match="That perspective is Ana Ruiz's"):
            ben.edit_perspective(hers.id, text="Something else")


def test_meetings_at_a_shared_login_record_each_person(tmp_path: Path) -> None:
    with ana_and_ben_at_the_ward(tmp_path) as (ana, ben):
        ana.start_meeting("Ward round")
        assert ben.attend_meeting() == 1
        with pytest.raises(InvalidInput, match="only they can end it"):
            ben.end_meeting()
        ben.leave_meeting()
        (meeting,) = ana.meetings()
        assert [(a.name, a.to_at is None) for a in meeting.attendees] == [
            ("Ana Ruiz", True), ("Ben Okafor", False),
        ]  # fmt: skip
        ana.end_meeting()


# A board as formboard wrote it at schema 3: members and who came keyed by login alone.
SCHEMA_3_PEOPLE = """
DROP TABLE members;
CREATE TABLE members (
    login      TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    initials   TEXT NOT NULL DEFAULT '',
    last_seen  TEXT NOT NULL DEFAULT ''
);
DROP TABLE attendance;
CREATE TABLE attendance (
    meeting    INTEGER NOT NULL REFERENCES meetings (number),
    login      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    from_at    TEXT NOT NULL,
    to_at      TEXT,
    PRIMARY KEY (meeting, login)
);
CREATE TRIGGER members_insert_bumps_revision AFTER INSERT ON members BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'; END;
CREATE TRIGGER attendance_insert_bumps_revision AFTER INSERT ON attendance BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'; END;
INSERT INTO members VALUES ('ward', 'Ana Ruiz', 'psychology', 'AR', '2026-11-02T09:00:00.000Z');
INSERT INTO attendance VALUES (1, 'ward', 'Ana Ruiz', 'psychology', '2026-11-02T09:00:00.000Z',
                               '2026-11-02T10:00:00.000Z');
UPDATE meta SET value = '3' WHERE key = 'schema_version';
"""


def schema_3_board(board: Path) -> None:
    """A board made by the formboard of schema 3, with a member and a meeting she came to."""
    with BoardStore.create(board, "C-0421", identity=ANA_AT_WARD) as store:
        store.add_card("symptoms", "Panic at work")
        store.start_meeting("Ward round")
        store.end_meeting()
    conn = raw(board)
    conn.executescript(SCHEMA_3_PEOPLE)
    conn.close()


def test_a_schema_3_board_is_upgraded_keeping_its_members_and_who_came(tmp_path: Path) -> None:
    board = tmp_path / "C-0421.board"
    schema_3_board(board)
    with BoardStore.open(board, read_only=True) as viewer:  # read-only: readable, not upgraded
        assert viewer.meta()["schema_version"] == "3"
        assert [m.name for m in viewer.board().members] == ["Ana Ruiz"]
    with BoardStore.open(board, identity=BEN_AT_WARD) as ben:
        assert ben.meta()["schema_version"] == str(SCHEMA_VERSION)
        ben.add_card("sources", "Early loss")
        members = [(m.login, m.name, m.discipline) for m in ben.board().members]
        (meeting,) = ben.meetings()
    assert members == [("ward", "Ana Ruiz", "psychology"), ("ward", "Ben Okafor", "psychiatry")]
    assert [(a.login, a.name) for a in meeting.attendees] == [("ward", "Ana Ruiz")]
    conn = raw(board)  # the upgraded tables still move the revision viewers watch
    before = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]
    conn.execute("UPDATE members SET discipline = 'nursing' WHERE name = 'Ben Okafor'")
    after = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError):  # one row per login and name
        conn.execute("INSERT INTO members (login, name) VALUES ('ward', 'Ana Ruiz')")
    conn.close()
    assert int(after) == int(before) + 1


def test_the_board_as_it_was_keeps_each_person_at_a_shared_login(tmp_path: Path) -> None:
    board = tmp_path / "C-0421.board"
    with BoardStore.create(board, "C-0421", identity=ANA_AT_WARD) as ana:
        ana.add_card("symptoms", "Panic at work")
        first = ana.revision()
    with BoardStore.open(board, identity=BEN_AT_WARD) as ben:
        ben.add_card("sources", "Early loss")
        assert [m.name for m in ben.board_at(first).members] == ["Ana Ruiz"]
        assert [m.name for m in ben.board_at(ben.revision()).members] == ["Ana Ruiz", "Ben Okafor"]


def test_one_persons_changes_at_a_shared_login_are_theirs_alone(tmp_path: Path) -> None:
    """The history's "one person's changes" (w) and the note name each person."""
    from formboard.core import note as notes

    with ana_and_ben_at_the_ward(tmp_path) as (ana, ben):
        ana.start_meeting("Ward round")
        ben.attend_meeting()
        ana.add_card("symptoms", "Panic at work")
        ben.add_card("sources", "Early loss")
        ana.end_meeting()
        hers = ana.ops_page(author=ANA_AT_WARD.person)
        (meeting,) = ana.meetings()
        built = notes.build(ana.board(), meeting, ana.ops_between(meeting.started_rev))
    assert {op.author_name for op in hers} == {"Ana Ruiz"}
    assert "add_card" in {op.op for op in hers}
    text = notes.markdown(built)
    assert "Ana Ruiz (psychology) added" in text and "Ben Okafor (psychiatry) added" in text


def test_an_export_an_import_and_a_copy_keep_both_people_at_a_login(tmp_path: Path) -> None:
    import json

    from formboard.core.export import board_to_json
    from formboard.core.importing import import_board
    from formboard.core.store.copying import copy_board

    board = tmp_path / "C-0421.board"
    with BoardStore.create(board, "C-0421", identity=ANA_AT_WARD) as ana:
        ana.add_card("symptoms", "Panic at work")
    with BoardStore.open(board, identity=BEN_AT_WARD) as ben:
        ben.add_card("sources", "Early loss")
        exported = board_to_json(ben.board())
    both = [("ward", "Ana Ruiz", "psychology"), ("ward", "Ben Okafor", "psychiatry")]
    listed = json.loads(exported)["members"]
    assert [(m["login"], m["name"], m["discipline"]) for m in listed] == both
    (tmp_path / "export.json").write_text(exported, encoding="utf-8")
    with import_board(tmp_path / "export.json", tmp_path / "C-0422.board") as imported:
        people = {(m.login, m.name, m.discipline) for m in imported.board().members}
    assert set(both) <= people  # and whoever imported it joins them
    (tmp_path / "copy").mkdir()
    with copy_board(board, tmp_path / "copy" / "C-0421.board") as copied:
        assert [(m.login, m.name, m.discipline) for m in copied.board().members] == both
    twice = json.loads(exported)
    twice["members"].append(dict(twice["members"][0]))
    (tmp_path / "twice.json").write_text(json.dumps(twice), encoding="utf-8")
    with pytest.raises(Exception, match=r"members\[2\] repeats members\[0\]"):
        import_board(tmp_path / "twice.json", tmp_path / "C-0423.board")


# ------------------------------------------------------------------ in the app

FAST = {"poll_interval": 0.2, "fresh_check": 0.5}


def at_my_login(name: str, discipline: str, host: str) -> Identity:
    """Someone else at this process's OS login (a second ward PC's app: its own host)."""
    return Identity(login=current_identity().login, name=name, discipline=discipline, host=host)


async def test_a_colleague_at_my_login_is_offered_the_meeting_and_counted(tmp_path: Path) -> None:
    board = tmp_path / "C-0001.board"
    small_board(board)
    ana = FormboardApp(board, watch="events")  # Ana Lima at this login
    ben = FormboardApp(board, watch="events", identity=at_my_login("Ben Okafor", "psychiatry",
                                                                    "ward-pc-2"))  # fmt: skip
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await all_here((ana, pa), (ben, pb))
        assert [e.name for e in ben.board_screen.colleagues.others] == ["Ana Lima"]
        await pa.press("M")
        await wait_for(pa, lambda: isinstance(ana.screen, PromptScreen))
        await pa.press(*"Ward round", "enter")
        await notice_drawn(pb, "Ana Lima is running meeting 1 ‘Ward round’. Press F to follow")
        for app in (ana, ben):
            app.clear_notifications()  # the notices cover the status line's end
        await wait_for(pb, lambda: "meeting: Ana · 0 min · 2 here" in screen_text(ben), 5)
        await wait_for(pa, lambda: "meeting: you · 0 min · 2 here" in screen_text(ana), 5)
        await pb.press("F")
        await wait_for(pb, lambda: "following Ana Lima" in screen_text(ben), 5)
        with BoardStore.open(board, read_only=True) as store:
            await wait_for(pb, lambda: len(store.meetings()[0].attendees) == 2, 5)
            names = [a.name for a in store.meetings()[0].attendees]
        assert names == ["Ana Lima", "Ben Okafor"]


async def test_two_apps_at_one_login_with_one_name_are_told_once(tmp_path: Path) -> None:
    board = tmp_path / "C-0001.board"
    small_board(board)
    ana = FormboardApp(board, watch="events")  # Ana Lima at this login
    twin = FormboardApp(board, watch="events",
                        identity=at_my_login("Ana Lima", "psychology", "ward-pc-2"))  # fmt: skip
    said = "Another formboard at this login is also called Ana Lima"
    async with ana.run_test(size=(120, 36)) as pa, twin.run_test(size=(120, 36)) as pt:
        await all_here((ana, pa), (twin, pt))
        for pilot in (pa, pt):
            shown = await notice_drawn(pilot, said)
            assert "config.toml" in shown and "tell you apart" in shown
        await pa.pause(1.5)  # a few more reads of who is here: said once, not again
        assert sum(said in notice for notice in drawn_notices(ana)) == 1
