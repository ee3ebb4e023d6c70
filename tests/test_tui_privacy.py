"""Hiding the screen (DESIGN §7): the blank-screen key, the idle hide, held notices."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tui_helpers import notice_drawn, notices, opened_app, screen_text, wait_for
from textual.widgets import Input

from formboard.core.settings import save_settings
from formboard.tui.screens.blank import BlankScreen
from formboard.tui.screens.card import CardScreen


@pytest.fixture
def board(board_file: Path) -> Path:
    return board_file


async def test_b_hides_every_card_until_enter_and_nothing_else_gets_through(board):
    async with opened_app(board) as (app, pilot):
        await pilot.press("down")
        focused = app.board_screen.board_view.focused_card
        assert "Panic at work" in screen_text(app) and "C-0001" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BlankScreen)
        text = screen_text(app)
        assert "the screen is hidden" in text and "Panic" not in text and "C-0001" not in text
        # The palette, dialogs and quitting stay shut while hidden.
        await pilot.press("ctrl+p", "n", "q", "ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, BlankScreen) and app.is_running
        await pilot.press("enter")
        await pilot.pause()
        assert (
            app.screen is app.screen_stack[0]
            and app.board_screen.board_view.focused_card == focused
        )


async def test_f12_hides_while_typing_in_a_card_and_the_typed_text_is_still_there(board):
    async with opened_app(board) as (app, pilot):
        await pilot.press("e")  # open the card to edit it
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        await pilot.press("end", *" at night")
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, BlankScreen) and "at night" not in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardScreen)
        assert app.screen.query_one("#title", Input).value.endswith(" at night")


async def test_the_screen_hides_by_itself_after_the_idle_minutes(board):
    save_settings({"idle_minutes": 5})
    async with opened_app(board) as (app, pilot):
        assert app.idle_after == 300
        app._last_input -= 200
        await pilot.press("down")  # a key resets the idle clock
        app._check_idle()
        assert not isinstance(app.screen, BlankScreen)
        app._last_input -= 301
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, BlankScreen) and "after 5 idle minutes" in screen_text(app)


async def test_idle_minutes_zero_never_hides_and_a_bad_value_is_one_notice(board):
    save_settings({"idle_minutes": 0})
    async with opened_app(board) as (app, pilot):
        app._last_input -= 10_000_000
        app._check_idle()
        await pilot.pause()
        assert not isinstance(app.screen, BlankScreen)
    save_settings({"idle_minutes": "ten"})
    async with opened_app(board) as (app, pilot):
        assert app.idle_after == 600
        await notice_drawn(pilot, "idle_minutes")


async def test_a_notice_that_arrives_while_hidden_waits_for_the_screen_to_come_back(board):
    async with opened_app(board) as (app, pilot):
        await pilot.press("b")
        await pilot.pause()
        app.notify("Ben Okafor archived the card Panic at work.")
        await pilot.pause(0.3)
        assert "Panic" not in screen_text(app) and notices(app) == ""
        await pilot.press("enter")
        await notice_drawn(pilot, "Ben Okafor archived the card Panic at work.")


async def test_the_palette_offers_no_screenshot_of_client_text(board):
    async with opened_app(board) as (app, _pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
    assert titles and "Screenshot" not in titles  # it wrote client text world-readable
