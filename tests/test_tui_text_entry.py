"""Typing into the dialogs: every character a card may hold is kept, and esc asks first.

U+200C (zero-width non-joiner) is part of Persian spelling: "می‌خواهم" is
"می" + U+200C + "خواهم". U+200D (zero-width joiner) holds emoji such as 👩‍👧
together. Textual drops both when typed, because ``str.isprintable`` says no.

``pilot.press("\u200c")`` cannot show it: Pilot finds no character for a key named
"zero_width_non_joiner" and sends none. ``type_text`` sends what a terminal sends,
through Textual's own parser of terminal input.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from tests.tui_helpers import new_card_refused, opened_app, wait_for
from textual import events
from textual._xterm_parser import XTermParser
from textual.widgets import Static, TextArea

from formboard.core.store import BoardStore
from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.dialogs.prompt import PromptScreen
from formboard.tui.widgets.text_input import kept_unprintable

ZWNJ, ZWJ = "\u200c", "\u200d"
PERSIAN = f"می{ZWNJ}خواهم"  # "I want"
MOTHER_AND_DAUGHTER = f"👩{ZWJ}👧"
# An emoji newer than this Python's Unicode tables: unassigned to it, not printable.
NEWER_EMOJI = next(chr(c) for c in range(0x1FA00, 0x1FB00) if unicodedata.category(chr(c)) == "Cn")


@pytest.mark.parametrize(
    "character",
    [ZWNJ, ZWJ, "\u00a0", "\u202f", "\u00ad", "\u2060", "\u200e", "\ue000", NEWER_EMOJI],
    ids=["ZWNJ", "ZWJ", "no-break space", "narrow no-break space", "soft hyphen",
         "word joiner", "left-to-right mark", "private use", "newer than Python's tables"],
)  # fmt: skip
def test_invisible_characters_a_card_may_hold_are_typed(character: str) -> None:
    assert kept_unprintable(character)


@pytest.mark.parametrize(
    "character",
    ["\x1b", "\x00", "\x7f", "\x85", "\u202e", "\u202a", "\u2066", "\u2069", "\u2028",
     "a", " ", None],
    ids=["escape", "nul", "delete", "next line", "right-to-left override", "LRE",
         "LRI", "PDI", "line separator", "a letter (Textual types it)",
         "a space (Textual types it)", "no character"],
)  # fmt: skip
def test_controls_and_direction_overrides_are_not_typed(character: str | None) -> None:
    assert not kept_unprintable(character)


async def type_text(pilot, text: str) -> None:
    """Type ``text`` as a terminal would send it, one key after another."""
    for event in XTermParser().feed(text):
        pilot.app.post_message(event)
        await pilot.pause()


def cards_titled(path: Path, title: str) -> list:
    with BoardStore.open(path) as store:
        return [c for c in store.board().cards if c.title == title]


async def test_a_persian_title_typed_in_the_new_card_dialog_keeps_its_non_joiner(board_file):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("n")
        await type_text(pilot, PERSIAN)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any(c.title == PERSIAN for c in app.board_screen.board_view.cards.values()),
        )
        assert len(cards_titled(board_file, PERSIAN)) == 1


async def test_a_direction_override_or_control_key_leaves_a_field_as_it_was(board_file):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("n")
        await type_text(pilot, f"ab{ZWNJ}")
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        for character in ("\u202e", "\u2066", "\x1b", "\u2028"):
            prompt.query_one("#field-title").post_message(events.Key("unnamed", character))
            await pilot.pause()
        assert prompt.values() == {"title": f"ab{ZWNJ}"}


async def test_a_joiner_typed_in_the_perspective_text_box_is_saved(board_file):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("p")
        await type_text(pilot, f"{PERSIAN} {MOTHER_AND_DAUGHTER}")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, PromptScreen))
        with BoardStore.open(board_file) as store:
            texts = [p.text for c in store.board().cards for p in c.perspectives]
        assert f"{PERSIAN} {MOTHER_AND_DAUGHTER}" in texts


# ------------------------------------------------------------ esc in a dialog


async def test_esc_in_the_new_card_dialog_asks_only_when_something_was_typed(board_file):
    async with opened_app(board_file) as (app, pilot):
        before = len(app.board_screen.board_view.cards)
        for keys in ([], ["x", "backspace"]):  # nothing typed, or typed and taken back
            await pilot.press("n", *keys, "escape")
            assert not isinstance(app.screen, (PromptScreen, ChoiceDialog))
        await pilot.press("n", *"Half a title", "escape")
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        assert "Discard what you typed?" in str(dialog.query_one(".dialog-title", Static).render())
        await pilot.press("k")  # keep editing
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        assert prompt.values() == {"title": "Half a title"}
        for key in ("escape", "enter"):  # esc or a reflexive enter in the question keeps it
            await pilot.press("escape", key)
            assert app.screen is prompt
            assert prompt.values() == {"title": "Half a title"}
        await pilot.press("escape", "d")
        assert not isinstance(app.screen, (PromptScreen, ChoiceDialog))
        await pilot.pause()
        assert len(app.board_screen.board_view.cards) == before


async def test_esc_after_typing_a_perspective_asks_before_discarding_it(board_file):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("p", *"A long reading", "escape")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("k")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.values()["text"] == "A long reading"


def hint(screen: PromptScreen) -> str:
    return str(screen.query_one(".prompt-hint", Static).render())


async def test_the_perspective_dialog_says_enter_is_a_new_line_and_ctrl_s_saves(board_file):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        assert hint(app.screen) == "enter or ctrl+s saves · esc cancels"  # one line: enter saves
        await pilot.press("escape", "p")
        screen = app.screen
        assert isinstance(screen, PromptScreen)
        assert "enter in the text box is a new line" in hint(screen)
        assert "ctrl+s saves" in hint(screen) and "enter or ctrl+s" not in hint(screen)
        await pilot.press(*"one", "enter", *"two")
        assert screen.query_one("#field-text", TextArea).text == "one\ntwo"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, PromptScreen))


async def test_a_dialog_reopened_after_a_failed_write_still_asks_before_dropping_the_text(
    board_file, monkeypatch
):
    from formboard.core.errors import BoardReadOnly

    async with opened_app(board_file) as (app, pilot):
        refusal = BoardReadOnly("The drive became read-only; nothing was written.")
        await new_card_refused(pilot, monkeypatch, refusal, "Typed before it failed")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert app.screen.values()["title"] == "Typed before it failed"


async def test_several_lines_pasted_into_a_title_are_all_kept_on_one_line(board_file):
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.focused.post_message(events.Paste("Panic at work\n  since the\r\nmove  \n"))
        await pilot.pause()
        assert app.screen.values()["title"] == "Panic at work since the move"


async def test_the_filter_box_takes_a_non_joiner_too(board_file):
    with BoardStore.open(board_file) as store:
        store.add_card("symptoms", PERSIAN)
        store.add_card("symptoms", PERSIAN.replace(ZWNJ, ""))  # spelt without it: another word
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("slash")
        await type_text(pilot, PERSIAN)
        await pilot.pause()
        shown = [c.title for c in app.board_screen.board_view.column_list.cards]
        assert shown == [PERSIAN]
