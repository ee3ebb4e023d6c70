"""A screen closes once: a second key that arrives while it is closing does nothing.

Random keys in real terminals found it: a quick double enter in a dialog or the command
palette dismissed it twice, and Textual's dismiss pops whatever is on top, so the second
one failed on the board ("there must be at least one screen") and crashed the app.
"""

from __future__ import annotations

import pytest
from tests.tui_helpers import opened_app, wait_for

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
