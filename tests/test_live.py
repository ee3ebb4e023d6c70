"""Live collaboration: colleagues' edits appear by themselves (two apps and a CLI writer).

The tests that take ``board`` run on a board file and on a board on a PostgreSQL server
(where edits arrive through the server's notifications); ``file_board`` ones are about the
file (the sqlite3 shell, its lease).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from tests.tui_helpers import (
    BEN,
    loaded,
    notice_drawn,
    opened_app,
    screen_text,
    small_board,
    store_card,
    wait_for,
)

from formboard.core.lock import LeaseOwner, WriteLease
from formboard.core.model import Column
from formboard.core.store import open_store
from formboard.tui.app import FormboardApp
from formboard.tui.screens.conflict import ConflictDialog

FAST = {"poll_interval": 0.2, "fresh_check": 0.5}


@pytest.fixture(params=["file", "postgresql"])
def board(request, tmp_path, monkeypatch) -> tuple[Path | str, dict[str, str]]:
    if request.param == "file":
        path: Path | str = tmp_path / "C-0001.board"
    else:
        path = request.getfixturevalue("pg_url")
    return path, small_board(path)


@pytest.fixture
def file_board(tmp_path, monkeypatch) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "C-0001.board"
    return path, small_board(path)


def cli(path: Path, *args: str) -> str:
    """Run the formboard CLI as Ben, in another process, like a colleague at another desk."""
    env = {**os.environ, "FORMBOARD_USER": "Ben Okafor", "FORMBOARD_DISCIPLINE": "psychiatry"}
    done = subprocess.run(
        [sys.executable, "-m", "formboard", args[0], str(path), *args[1:]],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def shown(app: FormboardApp, card_id: str):
    return app.board_screen.board_view.cards.get(card_id)


async def test_cli_edits_show_up_in_an_events_app_and_a_poll_app_without_a_key_press(board):
    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="poll", identity=BEN, watch_options=FAST)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await loaded(ana, pa)
        await loaded(ben, pb)
        await pa.press("l", "l")  # Ana's cursor rests on "Avoiding the office"
        assert ana.board_screen.board_view.focused_card.id == ids["avoid"]

        new_id = cli(path, "add", "symptoms", "Tearful at night")
        for app, pilot in ((ana, pa), (ben, pb)):
            await wait_for(pilot, lambda app=app: shown(app, new_id) is not None, timeout=5)
        cli(path, "edit", new_id, "--title", "Tearful most nights")
        for app, pilot in ((ana, pa), (ben, pb)):
            await wait_for(
                pilot, lambda app=app: shown(app, new_id).title == "Tearful most nights", 5
            )
        cli(path, "move", new_id, "resources")
        for app, pilot in ((ana, pa), (ben, pb)):
            await wait_for(pilot, lambda app=app: shown(app, new_id).column is Column.RESOURCES, 5)
        cli(path, "archive", new_id)
        for app, pilot in ((ana, pa), (ben, pb)):
            pane = app.board_screen.board_view.panes[Column.RESOURCES].cards
            await wait_for(pilot, lambda pane=pane: new_id not in [c.id for c in pane.cards], 5)
        assert ana.board_screen.board_view.focused_card.id == ids["avoid"]  # focus survived it all
        assert (
            ana.board_screen.status_line.revision
            == ben.board_screen.status_line.revision
            == open_store(path).revision()
        )


def status_drawn(app: FormboardApp) -> str:
    return screen_text(app).splitlines()[-2]  # above the footer


async def test_the_status_line_says_when_and_by_whom_the_board_changed_not_a_revision(board):
    """The drawn status line says "changed 14:02 by Ben Okafor", local time, "by you" for my
    own change; never "rev 89" (issue 22, point 6)."""
    path, ids = board
    async with opened_app(path) as (app, pilot):
        line = status_drawn(app)
        assert re.search(r"C-0001 · saved · changed \d\d:\d\d by Ben Okafor", line), line
        assert "rev" not in line
        with open_store(path, identity=app.identity) as mine:  # as if typed in this app
            mine.edit_card(ids["panic"], title="Panic at the bus stop")
            newest = mine.ops_page(limit=1)[0]
        await wait_for(pilot, lambda: "by you" in status_drawn(app), timeout=10)
        local = datetime.fromisoformat(newest.at.replace("Z", "+00:00")).astimezone()
        assert f"changed {local:%H:%M} by you" in status_drawn(app)
        cli(path, "edit", ids["panic"], "--title", "Panic at the station")
        await wait_for(pilot, lambda: "by Ben Okafor" in status_drawn(app), timeout=10)


async def test_a_colleague_moving_my_focused_card_takes_my_focus_with_it(board):
    path, ids = board
    async with opened_app(path, watch="events") as (app, pilot):
        assert app.board_screen.board_view.focused_card.id == ids["panic"]
        cli(path, "move", ids["panic"], "qualities")
        await wait_for(
            pilot, lambda: app.board_screen.board_view.current_column is Column.QUALITIES, 5
        )
        assert app.board_screen.board_view.focused_card.id == ids["panic"]


async def test_a_colleague_archiving_my_focused_card_moves_focus_and_says_who(board):
    path, ids = board
    async with opened_app(path, watch="events") as (app, pilot):
        cli(path, "archive", ids["panic"])
        await wait_for(
            pilot, lambda: app.board_screen.board_view.focused_card.id == ids["sleep"], 5
        )
        await notice_drawn(pilot, "Ben Okafor archived")


@pytest.mark.parametrize("mode", ["events", "poll"])
async def test_a_sqlite3_shell_write_is_picked_up(file_board, mode):
    path, ids = file_board
    async with opened_app(path, watch=mode, watch_options=FAST) as (app, pilot):
        # Someone edits the file with another tool, bypassing formboard and its sidecar.
        conn = sqlite3.connect(path)
        conn.execute("UPDATE cards SET title = 'Edited in the shell' WHERE id = ?", (ids["sleep"],))
        conn.commit()
        conn.close()
        await wait_for(pilot, lambda: shown(app, ids["sleep"]).title == "Edited in the shell", 5)


@pytest.mark.parametrize("mode", ["events", "poll"])
async def test_a_burst_of_fifty_edits_is_a_few_repaints(board, mode, monkeypatch):
    path, ids = board
    app = FormboardApp(path, watch=mode, watch_options=FAST)
    applied = []
    original = app.board_screen.board_view.apply

    def counting(changes, state):
        applied.append(changes.revision)
        original(changes, state)

    monkeypatch.setattr(app.board_screen.board_view, "apply", counting)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(app, pilot)
        script = (
            "import sys\nfrom formboard.core.store import open_store\n"
            "s = open_store(sys.argv[1])\n"
            "for i in range(50):\n    s.edit_card(sys.argv[2], body=f'note {i}')\n"
        )
        subprocess.run(
            [sys.executable, "-c", script, str(path), ids["sleep"]], check=True, timeout=60
        )
        await wait_for(pilot, lambda: shown(app, ids["sleep"]).body == "note 49", 5)
        assert 1 <= len(applied) <= 25, applied


async def test_presence_shows_both_and_cards_carry_colleagues_initials(board):
    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="poll", identity=BEN, watch_options=FAST)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await loaded(ana, pa)
        await loaded(ben, pb)
        await wait_for(
            pa, lambda: [o.name for o in ana.board_screen.colleagues.others] == ["Ben Okafor"], 5
        )
        await wait_for(
            pb, lambda: [o.name for o in ben.board_screen.colleagues.others] == ["Ana Lima"], 5
        )
        await pa.press("j")  # Ana on "Poor sleep"
        marks = ben.board_screen.board_view.panes[Column.SYMPTOMS].cards.marks
        await wait_for(pb, lambda: marks[ids["sleep"]].presence == ["AL"], 5)
        bar = str(ben.board_screen.presence_bar.render())
        assert "AL Ana Lima (psychology)" in bar


async def test_follow_moves_my_focus_to_the_leaders_card_and_my_own_keys_end_it(board):
    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await loaded(ana, pa)
        await loaded(ben, pb)
        await wait_for(pb, lambda: len(ben.board_screen.colleagues.others) == 1, 5)
        await pb.press("f")
        await pb.press("enter")
        assert (
            ben.board_screen.colleagues.following is not None
            and ben.board_screen.colleagues.following.name == "Ana Lima"
        )
        assert "following Ana Lima" in ben.board_screen.status_line.extra
        await pa.press("l", "l", "l")  # Ana drives to "Close friend from school"
        await wait_for(pb, lambda: ben.board_screen.board_view.focused_card.id == ids["friend"], 2)
        await pb.press("h")
        assert ben.board_screen.colleagues.following is None
        await pa.press("l")
        await pb.pause(1.2)
        assert ben.board_screen.board_view.focused_card.id != ids["sister"]


async def test_same_field_conflict_between_two_apps_goes_through_the_dialog(board):
    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await loaded(ana, pa)
        await loaded(ben, pb)
        await pa.press("e")  # open the card to edit it
        await pb.press("e")
        ana.screen.query_one("#title").value = "Panic in meetings"
        ben.screen.query_one("#title").value = "Panic on the bus"
        await pb.press("ctrl+s")
        await wait_for(pb, lambda: store_card(path, ids["panic"]).title == "Panic on the bus", 5)
        await pa.press("ctrl+s")
        await wait_for(pa, lambda: isinstance(ana.screen, ConflictDialog), 5)
        await pa.press("m")  # keep mine
        await wait_for(pa, lambda: store_card(path, ids["panic"]).title == "Panic in meetings", 5)
        with open_store(path) as store:
            kept = [op.after.get("title") for op in store.ops() if op.after and "title" in op.after]
        assert "Panic on the bus" in kept


async def test_waiting_for_a_colleagues_lock_never_freezes_and_queued_edits_land_in_order(
    file_board, monkeypatch
):
    path, ids = file_board
    monkeypatch.setenv("FORMBOARD_LOCK_WAIT", "20")
    holder = WriteLease(path, LeaseOwner.create("ben", "Ben Okafor"))
    holder.acquire()
    app = FormboardApp(path, watch="events")
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await loaded(app, pilot)
            await pilot.press("n", *"First", "enter")
            await pilot.press("n", *"Second", "enter")
            await wait_for(
                pilot,
                lambda: (
                    "waiting for the lock held by Ben" in app.board_screen.status_line.save_state
                ),
                5,
            )
            await pilot.press("j")  # the board still answers
            assert app.board_screen.board_view.focused_card.id == ids["sleep"]
            holder.release()
            pane = app.board_screen.board_view.panes[Column.SYMPTOMS].cards
            await wait_for(
                pilot, lambda: [c.title for c in pane.cards][-2:] == ["First", "Second"], 10
            )
            await wait_for(pilot, lambda: app.board_screen.status_line.save_state == "saved", 5)
    finally:
        if holder.held():
            holder.release()
