"""A case meeting in the app: start it, follow its facilitator into cards, bring everyone, end it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tui_helpers import BEN, all_here, isolate, loaded, small_board, wait_for

from formboard.core.identity import Identity
from formboard.core.store import BoardStore
from formboard.tui.app import FormboardApp
from formboard.tui.screens.card import CardScreen
from formboard.tui.screens.dialogs import ChoiceDialog
from formboard.tui.screens.prompt import PromptScreen

DARA = Identity(login="dara", name="Dara Lindqvist", discipline="social work", host="host-3")
FAST = {"poll_interval": 0.2, "fresh_check": 0.5}


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    isolate(monkeypatch, tmp_path)
    path = tmp_path / "C-0001.board"
    return path, small_board(path)


def meetings(path: Path):
    with BoardStore.open(path, read_only=True) as store:
        return store.meetings()


def notices(app: FormboardApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def start_meeting(app: FormboardApp, pilot, title: str) -> None:
    await pilot.press("M")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
    await pilot.press(*title, "enter")
    await wait_for(pilot, lambda: app.board_screen.meeting is not None, 5)


async def test_a_meeting_is_started_followed_into_cards_and_ended_with_its_note(board, tmp_path):
    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="poll", identity=BEN, watch_options=FAST)
    dara = FormboardApp(path, watch="events", identity=DARA)
    async with (
        ana.run_test(size=(120, 36)) as pa,
        ben.run_test(size=(120, 36)) as pb,
        dara.run_test(size=(120, 36)) as pd,
    ):
        await all_here((ana, pa), (ben, pb), (dara, pd))
        await start_meeting(ana, pa, "Case review")
        assert ana.status_line.meeting == "meeting: you · 0 min · 3 here"
        # Everyone sees it, is offered to follow, and is recorded as there.
        await wait_for(pb, lambda: ben.board_screen.meeting is not None, 5)
        assert ben.status_line.meeting == "meeting: Ana · 0 min · 3 here"
        assert "Ana Ruiz is running meeting 1 ‘Case review’. Press F to follow" in notices(ben)
        await wait_for(pd, lambda: len(meetings(path)[0].attendees) == 3, 5)
        # Ben accepts with one key; Ana opens a card: Ben reads it too, and leaves with her.
        await pb.press("F")
        assert ben.board_screen.following is not None
        await pa.press("l", "enter")  # "Early loss of a parent"
        await wait_for(pb, lambda: isinstance(ben.screen, CardScreen), 5)
        assert ben.screen.card_id == ids["loss"] and ben.screen.reading
        await pa.press("escape")
        await wait_for(pb, lambda: not isinstance(ben.screen, CardScreen), 5)
        # Ana makes a card and moves onto it: Ben lands on it, never left behind.
        await pa.press("n", *"Sleeps in the car", "enter")
        await wait_for(pa, lambda: ana.board_view.focused_card.title == "Sleeps in the car", 5)
        await wait_for(pb, lambda: ben.board_view.focused_card.title == "Sleeps in the car", 5)
        # Dara was not following: "bring everyone" makes her follow Ana.
        assert dara.board_screen.following is None
        await pa.press("B")
        await wait_for(pd, lambda: dara.board_screen.following is not None, 5)
        assert "Ana Ruiz brought everyone to them" in notices(dara)
        await wait_for(pd, lambda: dara.board_view.focused_card.title == "Sleeps in the car", 5)
        # Ben and Dara cannot end Ana's meeting while she is here.
        await pb.press("M")
        assert "only they can end it" in notices(ben)
        # Ana ends it and writes the note where she is offered.
        await pa.press("M")
        await wait_for(pa, lambda: isinstance(ana.screen, ChoiceDialog), 5)
        await pa.press("e")
        await wait_for(pa, lambda: isinstance(ana.screen, ChoiceDialog), 5)  # the note
        await pa.press("m")
        await wait_for(pa, lambda: isinstance(ana.screen, PromptScreen), 5)
        note = tmp_path / "data" / "notes" / "C-0001-meeting-1.md"
        assert ana.screen.values()["path"] == str(note)
        await pa.press("enter")
        await wait_for(pa, lambda: note.exists(), 5)
        await wait_for(pb, lambda: ben.board_screen.meeting is None, 5)
        assert "Ana Ruiz ended meeting 1" in notices(ben)
        assert ben.status_line.meeting == "" and ben.board_screen.following is None
    text = note.read_text()
    assert "- Ana Ruiz (psychology) added this part to Sources." in text
    assert "Ben Okafor (psychiatry)" in text.split("## Present")[1]
    assert oct(note.stat().st_mode & 0o777) == "0o600"


async def test_a_meeting_whose_facilitator_left_can_be_ended_by_anyone_and_says_so(board):
    path, _ = board
    with BoardStore.open(path) as ana:  # Ana started it, then her laptop went to sleep
        ana.start_meeting("Handover")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ben.run_test(size=(120, 36)) as pb:
        await loaded(ben, pb)
        await wait_for(pb, lambda: ben.board_screen._presence_read, 5)
        assert "Ana (has left: M ends it)" in ben.status_line.meeting
        await pb.press("M")
        await wait_for(pb, lambda: isinstance(ben.screen, ChoiceDialog), 5)
        assert "no longer has the board open" in str(ben.screen.question)
        await pb.press("e")
        await wait_for(pb, lambda: not meetings(path)[0].running, 5)
    (meeting,) = meetings(path)
    assert meeting.ended_by == "ben" and meeting.facilitator != "ben"
    assert [a.login for a in meeting.attendees][-1] == "ben"


async def test_following_a_live_meeting_keeps_the_screen_from_hiding(board, monkeypatch):
    from formboard.core.settings import save_settings

    path, _ = board
    save_settings({"idle_minutes": 1})
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await all_here((ana, pa), (ben, pb))
        await start_meeting(ana, pa, "Review")
        await wait_for(pb, lambda: ben.board_screen.meeting is not None, 5)
        await pb.press("F")
        ben._last_input -= 120  # Ben has only watched for two minutes
        ben._check_idle()
        await pb.pause()
        assert not ben.screen_hidden
        await pb.press("h")  # his own move: following ends, and so does the exception
        ben._last_input -= 120
        ben._check_idle()
        await pb.pause()
        assert ben.screen_hidden


async def test_a_follower_follows_the_filter_and_the_board_as_it_was(board):
    from formboard.tui.screens.history import HistoryScreen
    from formboard.tui.screens.past_board import PastBoardScreen

    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await all_here((ana, pa), (ben, pb))
        await pb.press("f", "enter")  # Ben follows Ana
        await pa.press("slash", *"sleep", "enter")
        await wait_for(pb, lambda: ben.board_view.filter.text == "sleep", 5)
        assert [c.id for c in ben.board_view.column_list.cards] == [ids["sleep"]]
        await pa.press("escape")  # Ana clears it: so does Ben's board
        await wait_for(pb, lambda: ben.board_view.filter.text == "", 5)
        await pa.press("t")
        await wait_for(pa, lambda: isinstance(ana.screen, HistoryScreen))
        await pa.pause(0.3)
        await pa.press("enter")
        await wait_for(pb, lambda: isinstance(ben.screen, PastBoardScreen), 5)
        assert ben.screen.revision == ana.screen.revision
        await pa.press("escape")
        await wait_for(pb, lambda: not isinstance(ben.screen, PastBoardScreen), 5)
        assert ben.board_screen.following is not None  # still following
