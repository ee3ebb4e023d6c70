"""A case meeting in the app: start it, follow its facilitator into cards, bring everyone, end it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tui_helpers import (
    BEN,
    all_here,
    loaded,
    notice_drawn,
    small_board,
    wait_for,
)

from formboard.core.identity import Identity
from formboard.core.store import BoardStore
from formboard.tui.app import FormboardApp
from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.dialogs.prompt import PromptScreen
from formboard.tui.screens.card import CardScreen

DARA = Identity(login="dara", name="Dara Lindqvist", discipline="social work", host="host-3")
FAST = {"poll_interval": 0.2, "fresh_check": 0.5}


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "C-0001.board"
    return path, small_board(path)


def meetings(path: Path):
    with BoardStore.open(path, read_only=True) as store:
        return store.meetings()


async def start_meeting(app: FormboardApp, pilot, title: str) -> None:
    await pilot.press("M")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
    await pilot.press(*title, "enter")
    await wait_for(pilot, lambda: app.board_screen.meeting.meeting is not None, 5)


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
        assert ana.board_screen.status_line.meeting == "meeting: you · 0 min · 3 here"
        # Everyone sees it, is offered to follow, and is recorded as there.
        await wait_for(pb, lambda: ben.board_screen.meeting.meeting is not None, 5)
        assert ben.board_screen.status_line.meeting == "meeting: Ana · 0 min · 3 here"
        await notice_drawn(pb, "Ana Lima is running meeting 1 ‘Case review’. Press F to follow")
        await wait_for(pd, lambda: len(meetings(path)[0].attendees) == 3, 5)
        # Ben accepts with one key; Ana opens a card: Ben reads it too, and leaves with her.
        await pb.press("F")
        assert ben.board_screen.colleagues.following is not None
        await pa.press("l", "enter")  # "Early loss of a parent"
        await wait_for(pb, lambda: isinstance(ben.screen, CardScreen), 5)
        assert ben.screen.card_id == ids["loss"] and ben.screen.reading
        await pa.press("escape")
        await wait_for(pb, lambda: not isinstance(ben.screen, CardScreen), 5)
        # Ana makes a card and moves onto it: Ben lands on it, never left behind.
        await pa.press("n", *"Sleeps in the car", "enter")
        await wait_for(
            pa, lambda: ana.board_screen.board_view.focused_card.title == "Sleeps in the car", 5
        )
        await wait_for(
            pb, lambda: ben.board_screen.board_view.focused_card.title == "Sleeps in the car", 5
        )
        for i in range(5):  # card after card, the follower is never left behind
            await pa.press("n", *f"New part {i}", "enter")
            await wait_for(
                pb, lambda i=i: ben.board_screen.board_view.focused_card.title == f"New part {i}", 5
            )
        # Dara was not following: "bring everyone" makes her follow Ana.
        assert dara.board_screen.colleagues.following is None
        await pa.press("B")
        await wait_for(pd, lambda: dara.board_screen.colleagues.following is not None, 5)
        await notice_drawn(pd, "Ana Lima brought everyone along: you now follow Ana Lima")
        await wait_for(
            pd, lambda: dara.board_screen.board_view.focused_card.title == "New part 4", 5
        )
        # Ben and Dara cannot end Ana's meeting while she is here.
        await pb.press("M")
        await notice_drawn(pb, "only they can end it")
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
        await wait_for(pb, lambda: ben.board_screen.meeting.meeting is None, 5)
        await notice_drawn(pb, "Ana Lima ended meeting 1")
        assert (
            ben.board_screen.status_line.meeting == ""
            and ben.board_screen.colleagues.following is None
        )
    text = note.read_text()
    assert "- Ana Lima (psychology) added this part to Sources." in text
    assert "Ben Okafor (psychiatry)" in text.split("## Present")[1]
    assert oct(note.stat().st_mode & 0o777) == "0o600"


async def test_a_meeting_whose_facilitator_left_can_be_ended_by_anyone_and_says_so(board):
    path, _ = board
    with BoardStore.open(path) as ana:  # Ana started it, then her laptop went to sleep
        ana.start_meeting("Handover")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ben.run_test(size=(120, 36)) as pb:
        await loaded(ben, pb)
        await wait_for(pb, lambda: ben.board_screen.meeting._presence_read, 5)
        assert "Ana (has left: M ends it)" in ben.board_screen.status_line.meeting
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
        await wait_for(pb, lambda: ben.board_screen.meeting.meeting is not None, 5)
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
        await wait_for(pb, lambda: ben.board_screen.board_view.filter.text == "sleep", 5)
        assert [c.id for c in ben.board_screen.board_view.column_list.cards] == [ids["sleep"]]
        await pa.press("escape")  # Ana clears it: so does Ben's board
        await wait_for(pb, lambda: ben.board_screen.board_view.filter.text == "", 5)
        await pa.press("t")
        await wait_for(pa, lambda: isinstance(ana.screen, HistoryScreen))
        await pa.pause(0.3)
        await pa.press("enter")
        await wait_for(pb, lambda: isinstance(ben.screen, PastBoardScreen), 5)
        assert ben.screen.revision == ana.screen.revision
        await pa.press("escape")
        await wait_for(pb, lambda: not isinstance(ben.screen, PastBoardScreen), 5)
        assert ben.board_screen.colleagues.following is not None  # still following


async def test_in_a_collision_everyone_is_named_rightly_and_the_replaced_text_is_told(board):
    from formboard.tui.screens.conflict import ConflictDialog

    path, _ = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await all_here((ana, pa), (ben, pb))
        await pa.press("e")
        await pb.press("e")
        ana.screen.query_one("#title").value = "Panic in meetings"
        ben.screen.query_one("#title").value = "Panic on the bus"
        await pa.press("ctrl+s")
        await wait_for(pb, lambda: "changed the title" in str(ben.screen.notices), 5)
        assert ben.screen.notices["title"].startswith("Ana Lima changed the title")
        await pb.press("ctrl+s")
        await wait_for(pb, lambda: isinstance(ben.screen, ConflictDialog), 5)
        assert "Ben Okafor" not in str(ben.screen.query("Static").first().render())
        await pb.press("m")  # Ben keeps his title over Ana's
        said = await notice_drawn(pa, "replaced your title")
        assert (
            "Ben Okafor replaced your title of ‘Panic on the bus’ (‘Panic in meetings’) with "
            "‘Panic on the bus’. Yours is kept in the history" in said
        )
        heading = str(ana.screen.query_one("#card-heading").render())
        assert "changed by Ben Okafor" in heading and "changed by ben " not in heading


async def test_a_meeting_goes_on_to_the_next_client_and_followers_come_along(tmp_path, monkeypatch):
    from formboard.core.identity import current_identity
    from formboard.core.presence import record_move

    first, second = tmp_path / "C-0001.board", tmp_path / "C-0002.board"
    small_board(first)
    with BoardStore.create(second, "C-0002"):
        pass
    ana = FormboardApp(first, watch="events", from_folder=tmp_path)
    ben = FormboardApp(first, watch="events", identity=BEN)
    async with ben.run_test(size=(120, 36)) as pb:
        async with ana.run_test(size=(120, 36)) as pa:
            await all_here((ana, pa), (ben, pb))
            await pb.press("f", "enter")  # Ben follows Ana
            assert ben.board_screen.colleagues.following is not None
            await pa.press("o")  # Ana goes back to the folder's list
            await wait_for(pa, lambda: ana.return_value == ("list",), 5)
        # The command line opens her next board and says so beside the first.
        record_move(first, current_identity(), second)
        await wait_for(pb, lambda: ben.board_screen.colleagues.go_with is not None, 5)
        assert not ben.screen_hidden  # (a hidden screen holds its notices back)
        said = "moved on to the board C-0002.board. Press G"
        await notice_drawn(pb, said)
        await pb.press("G")
        await wait_for(pb, lambda: ben.return_value is not None, 5)
    assert ben.return_value == ("open", second, current_identity().person)


def test_the_folder_loop_goes_back_to_the_list_and_on_with_a_colleague(tmp_path, monkeypatch):
    from formboard.cli import app as cli_app
    from formboard.core.person import Person
    from formboard.tui import chooser

    first, second = tmp_path / "C-0001.board", tmp_path / "C-0002.board"
    small_board(first)
    with BoardStore.create(second, "C-0002"):
        pass
    (tmp_path / "C-0001.board.presence").mkdir()
    opened = []
    ben = Person("ben", "Ben Okafor")
    outcomes = iter([("list",), ("open", first, ben), None])

    def run_board(board, theme, watch=None, **options):
        opened.append((board.name, options["from_folder"], options["follow_login"]))
        return next(outcomes)

    monkeypatch.setattr(cli_app, "run_board", run_board)
    monkeypatch.setattr(chooser.BoardChooser, "run", lambda self: second)
    cli_app.run_boards(first, tmp_path, None)
    assert opened == [
        ("C-0001.board", tmp_path, None),  # o: back to the list, which chose C-0002
        ("C-0002.board", tmp_path, None),  # G: on to where Ben went, following him
        ("C-0001.board", tmp_path, ben.token),  # the app is handed whom to follow
    ]
    moved = (tmp_path / "C-0001.board.presence").glob("moved-*.json")
    assert ['"to": "C-0002.board"' in p.read_text() for p in moved] == [True]


async def test_a_scripted_meeting_of_three_and_its_note_lists_each_change_once(board):
    from tests.meeting_script import check_the_note, scripted_meeting

    path, _ = board
    lines = await scripted_meeting((path, path, path), watch="events")
    check_the_note(lines)
