"""A screen closes once: a second key that arrives while it is closing does nothing.

Random keys in real terminals found it: a quick double enter in a dialog or the command
palette dismissed it twice, and Textual's dismiss pops whatever is on top, so the second
one failed on the board ("there must be at least one screen") and crashed the app.
"""

from __future__ import annotations

import asyncio

import pytest
from tests.tui_helpers import drawn_notices, opened_app, wait_for
from textual import events
from textual.system_commands import SystemCommandsProvider

from formboard.tui.dialogs.prompt import PromptScreen
from formboard.tui.screens.board import BoardScreen
from formboard.tui.screens.card import CardScreen


@pytest.mark.parametrize("over", ["board", "card"])
async def test_a_dialog_saved_twice_at_once_closes_once(board_file, over) -> None:
    async with opened_app(board_file, size=(100, 30)) as (app, pilot):
        if over == "card":
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        below = app.screen
        await pilot.press("p", *"Two enters")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        prompt.action_save()
        prompt.action_save()  # the second key, while it closes
        await pilot.pause(0.3)
        assert app.is_running and app.screen is below  # not the screen below popped too


async def test_the_command_palette_chosen_twice_at_once_closes_once(board_file) -> None:
    async with opened_app(board_file, size=(100, 30)) as (app, pilot):
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen))
        palette = app.screen
        palette.dismiss()
        palette.dismiss()
        await pilot.pause(0.3)
        assert app.is_running and isinstance(app.screen, BoardScreen)


@pytest.mark.parametrize("typed", ["Export as", "Undo"])
async def test_enter_typed_with_the_words_acts_on_the_list_for_those_words(
    board_file, typed, monkeypatch
) -> None:
    """Keys a terminal delivers in one read (a quick typist, a paste): the palette searches
    as each character arrives, and the enter that follows acted on the list of an earlier
    search, or on none. Random keys found it: "Export as" and enter quit the app (a stale
    list's highlighted command). Enter waits for the search of what was typed."""
    search = SystemCommandsProvider.search

    async def slow(self, query):  # a loaded machine: each search takes a while
        await asyncio.sleep(0.2)
        async for hit in search(self, query):
            yield hit

    monkeypatch.setattr(SystemCommandsProvider, "search", slow)
    async with opened_app(board_file, size=(100, 30)) as (app, pilot):
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen))
        palette = app.screen
        for ch in typed:  # posted at once, as keys read from the terminal together are
            app.post_message(events.Key("space" if ch == " " else ch, ch))
        app.post_message(events.Key("enter", "\r"))
        await wait_for(pilot, lambda: app.screen is not palette, 3)
        await pilot.pause(0.3)
        said = " ".join(drawn_notices(app))
        assert app.is_running and isinstance(app.screen, BoardScreen)
        assert not any(card.archived for card in app.cards.values())
        if typed == "Export as":
            assert "Wrote the board as HTML" in said, said
        else:
            assert "Nothing of yours to undo" in said or "Undone" in said, said
