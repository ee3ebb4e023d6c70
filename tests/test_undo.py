"""Undo and redo of my own changes: new ops from the op log, never over a colleague's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers_store import person
from tests.tui_helpers import opened_app

from formboard.cli import cli
from formboard.core.errors import InvalidInput, UndoRefused
from formboard.core.store import BoardStore

runner = CliRunner()
ANA = person("ana", "Ana Ruiz", "psychiatry")
BEN = person("ben", "Ben Okafor", "nursing")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    with BoardStore.create(tmp_path / "C-0421.board", "C-0421"):
        pass
    return tmp_path / "C-0421.board"


def as_(path: Path, who: object) -> BoardStore:
    return BoardStore.open(path, identity=who)


def test_undo_and_redo_survive_a_restart_and_follow_the_stack(path: Path) -> None:
    with as_(path, ANA) as ana:
        card = ana.add_card("symptoms", "Panic at work")
        ana.edit_card(card.id, title="Panic in meetings")
        ana.move_card(card.id, "sources")
        p = ana.add_perspective(card.id, "Fear of judgement")
        ana.edit_perspective(p.id, text="Fear of being judged")
        ana.archive_card(card.id)
    # A new process: everything comes from the op log.
    with as_(path, ANA) as ana:
        said = [ana.undo().said for _ in range(4)]
        now = ana.card(card.id)
        assert said[0] == "archived ‘Panic in meetings’"  # the change taken back
        assert not now.archived and now.column.value == "symptoms"
        assert now.title == "Panic in meetings" and now.perspectives == ()
        assert ana.undo().said.startswith("changed ‘Panic at work’: the title")
        assert ana.card(card.id).title == "Panic at work"
    with as_(path, ANA) as ana:
        ana.redo()  # the title again
        ana.redo()  # the move
        assert ana.redo().said.startswith("added a perspective")
        now = ana.card(card.id)
        assert now.title == "Panic in meetings" and now.column.value == "sources"
        assert [x.text for x in now.perspectives] == ["Fear of judgement"]
        ana.redo()  # its edit
        ana.undo()  # undoes the redo
        assert ana.card(card.id).perspectives[0].text == "Fear of judgement"
        ana.add_card("symptoms", "A new change")  # ends the redo chain
        with pytest.raises(InvalidInput, match="Nothing to redo"):
            ana.redo()
        kinds = [op.op for op in ana.ops()]
    assert kinds.count("undo") == 6 and kinds.count("redo") == 4  # nothing rewritten


def test_undo_refuses_over_a_colleagues_later_change_of_the_same_field(path: Path) -> None:
    with as_(path, ANA) as ana, as_(path, BEN) as ben:
        card = ana.add_card("symptoms", "Panic at work")
        ana.edit_card(card.id, title="Panic in meetings", status="agreed")
        ben.edit_card(card.id, title="Panic in team meetings")
        with pytest.raises(UndoRefused, match="Ben Okafor changed the title of ‘Panic in team"):
            ana.undo()
        assert ana.card(card.id).title == "Panic in team meetings"  # nothing reverted
        assert ana.card(card.id).status.value == "agreed"
        ben.undo()  # Ben's own change is his to undo
        assert ana.card(card.id).title == "Panic in meetings"
    with as_(path, ANA) as ana:
        ana.undo()  # now nothing of Ben's is in the way
        assert ana.card(card.id).title == "Panic at work"


def test_undo_never_touches_a_colleagues_work_and_says_when_nothing_is_left(path: Path) -> None:
    with as_(path, BEN) as ben:
        ben.add_card("symptoms", "Poor sleep")
    with as_(path, ANA) as ana:
        with pytest.raises(InvalidInput, match="Nothing of yours to undo"):
            ana.undo()
        card = ana.add_card("symptoms", "Panic")
        link = ana.add_link(card.id, ana.board().cards[0].id, "maintains")
        ana.remove_link(link.id)
        ana.undo()  # the link is back, with its id
        assert [lk.id for lk in ana.board().links] == [link.id]


def test_undo_and_redo_from_a_shell(path: Path) -> None:
    runner = CliRunner()
    with BoardStore.open(path) as me:
        card = me.add_card("symptoms", "Panic at work")
    result = runner.invoke(cli, ["undo", str(path)])
    # The change taken back and made again, not the one written to do so ("archived").
    assert (
        result.exit_code == 0 and "Undone: you added ‘Panic at work’ to Symptoms." in result.output
    )
    result = runner.invoke(cli, ["redo", str(path)])
    assert (
        result.exit_code == 0 and "Redone: you added ‘Panic at work’ to Symptoms." in result.output
    )
    with BoardStore.open(path) as me:
        assert not me.card(card.id).archived


async def test_ctrl_z_and_ctrl_y_in_the_app_and_a_refusal_names_the_colleague(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.tui_helpers import BEN as BEN_APP
    from tests.tui_helpers import notice_drawn, small_board, wait_for

    board = tmp_path / "C-0001.board"
    ids = small_board(board)
    async with opened_app(board, watch="events") as (app, pilot):
        await pilot.press("n", *"Tearful at night", "enter")
        await wait_for(
            pilot, lambda: app.board_screen.board_view.focused_card.title == "Tearful at night"
        )
        new = app.board_screen.board_view.focused_card.id
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: app.board.cards[new].archived)
        await notice_drawn(pilot, "Undone: you added ‘Tearful at night’ to Symptoms.")
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: not app.board.cards[new].archived)
        with BoardStore.open(board) as me, BoardStore.open(board, identity=BEN_APP) as ben:
            me.edit_card(ids["panic"], title="Panic in meetings")  # mine, from a shell
            ben.edit_card(ids["panic"], title="Panic in team meetings")  # Ben's, after it
        await pilot.press("ctrl+z")
        said = await notice_drawn(pilot, "Ben Okafor changed the title of")
        assert said.startswith(
            "Not undone Ben Okafor changed the title of ‘Panic in team meetings’"
        )
        await pilot.pause(0.3)
        assert app.board.cards[ids["panic"]].title == "Panic in team meetings"


def test_an_undo_reads_as_one_sentence_in_the_log_and_the_history(path: Path) -> None:
    """`formboard log` (and t) showed an undo as "did undo" and, beside it, the reverse
    change as if made afresh: one sentence names what was undone (issue 22, point 4) —
    the change itself, hypothesis → agreed, not the one the undo wrote (agreed →
    hypothesis, which read as undoing a change nobody made)."""
    with as_(path, ANA) as ana:
        card = ana.add_card("symptoms", "Panic at work")
        ana.edit_card(card.id, status="agreed")
        ana.undo()
        ana.redo()
    result = runner.invoke(cli, ["log", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()[1:]
    assert "did undo" not in result.output and "did redo" not in result.output
    change = "changed ‘Panic at work’: the status hypothesis → agreed with client"
    assert lines[-3].endswith(f"Ana Ruiz  {change}"), lines
    assert lines[-2].endswith(f"Ana Ruiz  undid: {change}"), lines
    assert lines[-1].endswith(f"Ana Ruiz  redid: {change}"), lines
    assert not any("agreed with client → hypothesis" in line for line in lines)
    listed = json.loads(runner.invoke(cli, ["log", str(path), "--json"]).output)
    undo = next(op for op in listed if op["op"] == "undo")
    assert undo["sentence"] == f"undid: {change}"


async def test_the_history_says_an_undo_in_one_line(path: Path) -> None:
    from tests.tui_helpers import screen_text, wait_for

    from formboard.tui.screens.history import HistoryScreen

    with as_(path, ANA) as ana:
        card = ana.add_card("symptoms", "Panic at work")
        ana.edit_card(card.id, status="agreed")
        ana.undo()
    async with opened_app(path) as (app, pilot):
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await wait_for(pilot, lambda: "undid: changed ‘Panic at work’" in screen_text(app))
        shown = screen_text(app)
        assert "did undo" not in shown and "agreed with client → hypothesis" not in shown
        assert shown.count("the status hypothesis → agreed with client") == 2


def test_an_undo_named_beyond_the_log_page_is_read_backwards_and_an_import_names_its_team(
    path: Path,
) -> None:
    """The log names an undone change from the undo's own rows when that change is not on
    the page shown; members an import brought along are named, not "joined" by its author."""
    from formboard.core.history import told

    with as_(path, ANA) as ana:
        card = ana.add_card("symptoms", "Panic at work")
        ana.edit_card(card.id, status="agreed")
        ana.archive_card(card.id)
        ana.undo()
        ops = ana.ops()
        titles = {card.id: card.title}
    page = [op for op in ops if op.op != "archive_card" or op.seq > ops[-3].seq]
    assert told(page, titles)[-1][1] == "undid: archived ‘Panic at work’"
    marker = next(op for op in ops if op.op == "undo")
    alone = [op for op in ops if op.client_id == marker.client_id and op.seq >= marker.seq]
    said = dict((op.seq, words) for op, words in told(alone, titles))
    assert said[marker.seq] == "undid: archived ‘Panic at work’"  # read backwards
    member = ops[0].model_copy(update={"op": "upsert_member", "entity": "member", "before": None,
                                       "after": {"login": "ben", "name": "Ben Okafor",
                                                 "discipline": "psychiatry"}})  # fmt: skip
    assert told([member], {})[0][1] == "added Ben Okafor (psychiatry) to the board's team"
