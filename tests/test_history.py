"""The board as it was: replayed back from the op log, equal to an export taken then."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers_store import person
from tests.tui_helpers import opened_app

from formboard.core.export import board_to_dict
from formboard.core.store import BoardStore

ANA = person("ana", "Ana Ruiz", "psychiatry")
BEN = person("ben", "Ben Okafor", "nursing")


def exported(board) -> dict:
    return board_to_dict(board, exported_at="-")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    with BoardStore.create(tmp_path / "C-0421.board", "C-0421", "Weekly"):
        pass
    return tmp_path / "C-0421.board"


def test_the_board_as_it_was_equals_an_export_taken_at_that_revision(path: Path) -> None:
    taken: dict[int, dict] = {}
    with BoardStore.open(path, identity=ANA) as ana, BoardStore.open(path, identity=BEN) as ben:

        def snap() -> None:
            taken[ana.revision()] = exported(ana.board())

        snap()
        panic = ana.add_card("symptoms", "Panic at work", body="Racing heart")
        snap()
        sleep = ben.add_card("symptoms", "Poor sleep", top=True)
        snap()
        ana.edit_card(panic.id, title="Panic in meetings", status="agreed", domain="psych")
        snap()
        p = ben.add_perspective(panic.id, "Consider panic disorder")
        snap()
        ben.edit_perspective(p.id, text="Consider panic disorder; rule out thyroid")
        snap()
        link = ana.add_link(sleep.id, panic.id, "maintains", "worse after nights")
        snap()
        ana.move_card(panic.id, "sources")
        snap()
        ben.move_card(sleep.id, "sources", before=panic.id)
        snap()
        ana.archive_card(sleep.id)
        snap()
        ana.remove_link(link.id)
        snap()
        ben.remove_perspective(p.id)
        snap()
        ana.set_title("Weekly review")
        snap()
        ana.restore_card(sleep.id)
        ana.undo()  # archived again
        snap()
        first = ana.add_card("qualities", "Careful planner")
        for i in range(60):  # squeezed in before the same card: positions are renumbered
            ben.add_card("qualities", f"Quality {i}", before=first.id)
        snap()
        assert any(op.op == "renumber" for op in ana.ops())
        for revision, then in taken.items():
            assert exported(ana.board_at(revision)) == then, revision
        assert exported(ana.board_at(ana.revision())) == exported(ana.board())


async def test_the_history_screen_lists_sentences_shows_the_board_as_it_was_and_puts_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.tui_helpers import BEN as BEN_APP
    from tests.tui_helpers import screen_text, small_board, wait_for
    from textual.widgets import OptionList

    from formboard.tui.dialogs.choice import ChoiceDialog
    from formboard.tui.screens.history import HistoryScreen
    from formboard.tui.screens.past_board import PastBoardScreen

    board = tmp_path / "C-0001.board"
    ids = small_board(board)
    with BoardStore.open(board, identity=BEN_APP) as ben:
        ben.edit_card(ids["panic"], title="Panic in team meetings", status="agreed")
        ben.archive_card(ids["sleep"])
    async with opened_app(board, watch="events") as (app, pilot):
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        listing = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: listing.option_count > 0)
        lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert "Ben Okafor (psychiatry) archived ‘Poor sleep’" in lines[0]
        assert (
            "Ben Okafor (psychiatry) changed ‘Panic in team meetings’: the status hypothesis → "
            "agreed with "
            "client; the title ‘Panic at work’ → ‘Panic in team meetings’" in lines[1]
        )
        await pilot.press("c")  # the card the board's cursor was on: "Panic in team meetings"
        await wait_for(pilot, lambda: "card ‘Panic in team meetings’" in str(
            app.screen.query_one("#history-heading").render()))  # fmt: skip
        await wait_for(pilot, lambda: listing.option_count == 4)
        lines = [str(listing.get_option_at_index(i).prompt) for i in range(4)]
        assert "changed ‘Panic in team meetings’" in lines[0]
        assert "added a perspective (psychiatry) on ‘Panic in team meetings’" in lines[1]
        assert "added the link: ‘Avoiding the office’ maintains ‘Panic in team" in lines[2]
        assert "added ‘Panic in team meetings’ to Symptoms" in lines[3]
        # The board as it was before Ben's edit: the old title, marked as changed since.
        await pilot.press("down", "enter")  # after Ben's perspective
        await wait_for(pilot, lambda: isinstance(app.screen, PastBoardScreen))
        past = app.screen
        await wait_for(pilot, lambda: past.past is not None)
        assert past.board_view.cards[ids["panic"]].title == "Panic at work"
        assert past.board_view.since[ids["panic"]] == "changed since"
        assert past.board_view.since[ids["sleep"]] == "archived since"
        assert "· read-only · 2 cards differ now," in screen_text(app)
        await pilot.press("escape")
        # p on Ben's edit puts the earlier title and status back, as a new change.
        await pilot.press("up", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.board.cards[ids["panic"]].title == "Panic at work")
    with BoardStore.open(board) as store:
        last = store.ops()[-1]
    assert last.op == "edit_card" and last.after == {
        "title": "Panic at work",
        "status": "hypothesis",
    }


def test_how_the_board_moved_on_is_said_in_words() -> None:
    from formboard.tui.screens.past_board import since_then

    assert since_then(1, 1) == "1 card differs now, 1 added since"  # not "1 differ now"
    assert since_then(0, 3) == "0 cards differ now, 3 added since"
