"""A colleague's write holds the lock: my changes wait their turn, in order, never dropped."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers_store import REMOTE_CARDS, finished, remote_commit
from tests.tui_helpers import notices, opened_app, store_card, wait_for

from formboard.core.lock import LeaseOwner, WriteLease
from formboard.core.model import Column
from formboard.core.store import BoardStore
from formboard.tui.dialogs.choice import ChoiceDialog


@pytest.fixture
def dara(board_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteLease]:
    """Dara's write lease on the board, held (and renewed) until the test releases it."""
    monkeypatch.setenv("FORMBOARD_LOCK_WAIT", "0.3")  # each wait gives up fast; ours retries
    lease = WriteLease(
        board_file, LeaseOwner("dara", "Dara Lindqvist", "ward-pc", 1, uuid.uuid4().hex), ttl=30
    )
    lease.acquire()
    try:
        yield lease
    finally:
        lease.release()


def symptoms(path: Path) -> list[str]:
    with BoardStore.open(path) as store:
        return [c.title for c in store.board().column(Column.SYMPTOMS)]


async def test_changes_made_while_a_colleague_holds_the_lock_land_in_order_afterwards(
    board_file, dara
):
    async with opened_app(board_file) as (app, pilot):
        before = symptoms(board_file)
        first = app.board_screen.board_view.focused_card.id
        await pilot.press("J")  # move the first symptom down
        await pilot.press("n", *"Headaches on shift days", "enter")
        status = lambda: str(app.board_screen.status_line.render())  # noqa: E731
        await wait_for(pilot, lambda: "waiting for the lock held by Dara Lindqvist" in status())
        await pilot.pause(1.0)  # three times the lock wait: still waiting, nothing dropped
        assert "not saved" not in status() and app.session.pending == 2
        assert "Not saved" not in notices(app)
        assert symptoms(board_file) == before
        dara.release()
        await wait_for(pilot, lambda: app.session.pending == 0 and "saved" in status())
        after = symptoms(board_file)
        assert after[1] == store_card(board_file, first).title  # moved down one
        assert after[-1] == "Headaches on shift days"  # written after the move


async def test_the_quit_question_follows_the_writes_and_w_quits_once_they_land(board_file, dara):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("J")
        await pilot.press("n", *"Headaches on shift days", "enter")
        await wait_for(pilot, lambda: app.session.pending == 2)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "2 changes are not written yet" in str(app.screen.question)
        await pilot.press("w")  # quit when written: the question stays and says so
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog) and app.is_running
        assert "quits once written" in str(app.screen.question)
        dara.release()
        await wait_for(pilot, lambda: not app.is_running)
    assert symptoms(board_file)[-1] == "Headaches on shift days"  # written, then quit


async def test_quitting_with_a_change_waiting_asks_and_says_when_it_got_written(board_file, dara):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("J")
        await wait_for(pilot, lambda: app.session.pending == 1)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "1 change is not written yet" in str(app.screen.question) and app.is_running
        await pilot.press("escape")  # stay
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceDialog))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        dara.release()
        await wait_for(pilot, lambda: "quitting loses nothing" in str(app.screen.question))
        assert app.is_running
        await pilot.press("w")
        await wait_for(pilot, lambda: not app.is_running)


async def test_a_colleagues_long_commit_shows_busy_then_their_cards_and_my_change_lands(board_file):
    """A colleague on another host is half-way through a large commit (their locks do not
    reach us): the app says the board is busy, never damaged, waits, and then shows it all."""
    async with opened_app(board_file) as (app, pilot):
        status = lambda: str(app.board_screen.status_line.render())  # noqa: E731
        writer = remote_commit(board_file, hold=4.0)
        try:
            app.session.sync()
            await pilot.press("n", *"Headaches on shift days", "enter")
            await wait_for(pilot, lambda: "busy" in status(), timeout=6)
            assert "damaged" not in status() and app.read_only_reason is None
        finally:
            await asyncio.to_thread(finished, writer)
        await wait_for(
            pilot,
            lambda: (
                app.session.pending == 0 and len(app.session.state.cards) == 6 + REMOTE_CARDS + 1
            ),
            timeout=15,
        )
        await wait_for(pilot, lambda: "busy" not in status(), timeout=5)
    assert "Headaches on shift days" in symptoms(board_file)


async def test_a_full_drive_is_said_in_the_status_line_and_the_change_waits(
    board_file, monkeypatch
):
    import errno

    from formboard.core import lock

    real = lock.write_atomically
    full = {"on": True}

    def maybe_full(*args, **kwargs):
        if full["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(lock, "write_atomically", maybe_full)
    monkeypatch.setattr("formboard.tui.session.DRIVE_RETRY_PAUSE", 0.2)
    async with opened_app(board_file) as (app, pilot):
        status = lambda: str(app.board_screen.status_line.render())  # noqa: E731
        await pilot.press("n", *"Headaches on shift days", "enter")
        await wait_for(pilot, lambda: "is full" in status())
        assert "locked" not in status() and app.session.pending == 1
        full["on"] = False  # space again
        await wait_for(pilot, lambda: app.session.pending == 0 and "saved" in status())
    assert "Headaches on shift days" in symptoms(board_file)


async def test_quit_now_loses_the_waiting_change(board_file, dara):
    async with opened_app(board_file) as (app, pilot):
        before = symptoms(board_file)
        await pilot.press("J")
        await wait_for(pilot, lambda: app.session.pending == 1)
        await pilot.press("q", "l")  # quit and lose it
        await wait_for(pilot, lambda: not app.is_running)
    # In a test the process lives on: let the session's thread give the change up (it
    # stops waiting for the lock once the app has closed) before Dara lets go.
    deadline = time.monotonic() + 10
    while app.session.pending and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    dara.release()
    assert symptoms(board_file) == before
