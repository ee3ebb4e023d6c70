"""The open card: editing, perspectives side by side, links, conflicts, and safe text."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_text_entry import type_text
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TextArea

from formboard.core.identity import Identity
from formboard.core.lock import LeaseOwner, WriteLease
from formboard.core.model import LinkKind
from formboard.core.store import BoardStore
from formboard.tui.app import FormboardApp
from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.screens.card import CardScreen
from formboard.tui.screens.card_parts import PerspectivePanel
from formboard.tui.screens.conflict import ConflictDialog
from formboard.tui.screens.link_picker import LinkPicker
from formboard.tui.widgets.link_list import LinkRow

BEN = Identity(login="ben", name="Ben Okafor", discipline="psychiatry", host="h")


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A board with three cards, a perspective of mine and one of Ben's, and one link."""
    path = tmp_path / "C-0001.formboard"
    with BoardStore.create(path, "C-0001", "Test") as store:
        panic = store.add_card("symptoms", "Panic at work", body="Racing heart in meetings")
        avoid = store.add_card("qualities", "Avoiding the office")
        walks = store.add_card("resources", "Morning walks with her sister")
        mine = store.add_perspective(panic.id, "Fear of being judged.", "psychology")
        store.add_link(avoid.id, panic.id, LinkKind.MAINTAINS, "")
    with BoardStore.open(path, identity=BEN) as ben_store:
        bens = ben_store.add_perspective(panic.id, "Consider panic disorder.", "psychiatry")
    return {
        "path": path,
        "panic": panic.id,
        "avoid": avoid.id,
        "walks": walks.id,
        "mine": mine.id,
        "bens": bens.id,
    }


async def until(pilot: Pilot, check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Let the app run until ``check()`` is truthy (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {getattr(check, '__name__', 'a condition')}")


async def open_card(pilot: Pilot, card_id: str, key: str = "e") -> CardScreen:
    """Wait for the board, put the cursor on a card and open it: e to edit, enter to read."""
    app = pilot.app
    assert isinstance(app, FormboardApp)
    await until(pilot, lambda: app.board_screen.board_view.cards)
    await pilot.pause()
    assert app.board_screen.board_view.focus_card(card_id)
    await pilot.press(key)
    screen = await until(pilot, lambda: isinstance(app.screen, CardScreen) and app.screen)
    await pilot.pause()
    return screen


def stored(path: Path, card_id: str) -> Any:
    with BoardStore.open(path) as store:
        return store.card(card_id)


def message(screen: CardScreen) -> str:
    return str(screen.query_one("#card-message", Static).render())


def notices(screen: CardScreen) -> str:
    return str(screen.query_one("#card-notices", Static).render())


async def type_into(pilot: Pilot, widget: Input | TextArea, text: str) -> None:
    widget.focus()
    if isinstance(widget, Input):
        widget.value = ""
    else:
        widget.load_text("")
    await pilot.press(*text)


async def test_editing_title_and_body_saves_both_and_esc_returns_to_board(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        await type_into(pilot, screen.query_one("#title", Input), "Panic in meetings")
        await type_into(pilot, screen.query_one("#body", TextArea), "Heart races")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: message(screen) == "saved")
        card = stored(board["path"], board["panic"])
        assert (card.title, card.body) == ("Panic in meetings", "Heart races")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CardScreen))


async def test_a_key_typed_on_opening_a_card_adds_to_the_title_not_replaces_it(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        await pilot.press("question_mark")
        assert screen.query_one("#title", Input).value == "Panic at work?"


async def test_esc_with_unsaved_changes_asks_keep_save_or_discard(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        await type_into(pilot, screen.query_one("#title", Input), "Saved on the way out")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("k")  # keep editing
        await until(pilot, lambda: app.screen is screen)
        assert screen.query_one("#title", Input).value == "Saved on the way out"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, CardScreen))
        assert stored(board["path"], board["panic"]).title == "Saved on the way out"
        screen = await open_card(pilot, board["panic"])
        await type_into(pilot, screen.query_one("#title", Input), "Thrown away")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("d")
        await until(pilot, lambda: not isinstance(app.screen, CardScreen))
        assert stored(board["path"], board["panic"]).title == "Saved on the way out"


async def test_joiners_typed_in_the_title_and_the_clients_words_are_saved(board) -> None:
    # U+200C is part of Persian spelling; U+200D holds the emoji 👩‍👧 together.
    title, words = "Panic at work: می\u200cخواهم", "My 👩\u200d👧 help"
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        screen.query_one("#title", Input).focus()  # the cursor is at the end of the title
        await type_text(pilot, ": می\u200cخواهم")
        await type_into(pilot, screen.query_one("#client_words", TextArea), "")
        await type_text(pilot, words)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: message(screen) == "saved")
        card = stored(board["path"], board["panic"])
        assert (card.title, card.client_words) == (title, words)


async def test_perspectives_show_side_by_side_with_author_and_discipline(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        panels = list(screen.query(PerspectivePanel))
        assert len(panels) == 2
        texts = [str(p.render()) for p in panels]
        assert any("Ana Lima" in t and "psychology" in t for t in texts)
        assert any("Ben Okafor" in t and "psychiatry" in t for t in texts)
        assert panels[0].region.y == panels[1].region.y  # side by side, not stacked
        assert panels[0].region.x != panels[1].region.x


async def test_p_adds_my_perspective_under_my_discipline(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["walks"])
        screen.query_one("#perspectives EmptyNote").focus()  # out of the text boxes
        await pilot.press("p")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press(*"Walks steady her")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(screen.query(PerspectivePanel)) == 1)
        card = stored(board["path"], board["walks"])
        assert [(p.text, p.discipline, p.author_name) for p in card.perspectives] == [
            ("Walks steady her", "psychology", "Ana Lima")
        ]


async def test_editing_bens_perspective_is_refused_in_a_sentence(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        screen.query_one(f"#perspective-{board['bens']}").focus()
        await pilot.press("e")
        assert "Only Ben can change Ben's perspective." in message(screen)
        await pilot.press("d")
        assert "Only Ben can remove Ben's perspective." in message(screen)
        assert app.screen is screen
        texts = [p.text for p in stored(board["path"], board["panic"]).perspectives]
        assert "Consider panic disorder." in texts


async def test_link_picker_finds_a_card_by_part_of_its_title_and_saves_the_link(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        screen.query_one(LinkRow).focus()  # out of the text boxes
        await pilot.press("x")
        picker = await until(pilot, lambda: isinstance(app.screen, LinkPicker) and app.screen)
        await pilot.press(*"walks")
        await pilot.press("enter")
        await pilot.press("down", "down")  # triggers → maintains → protects against
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: len(screen.query(LinkRow)) == 2)
        with BoardStore.open(board["path"]) as store:
            links = store.board().links
        assert any(
            (lk.from_id, lk.to_id, lk.kind)
            == (board["panic"], board["walks"], LinkKind.PROTECTS_AGAINST)
            for lk in links
        )
        del picker


async def test_esc_out_of_the_link_picker_asks_before_dropping_a_typed_note(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        await open_card(pilot, board["panic"])
        await pilot.press("escape")
        await pilot.press("x")  # from the board
        picker = await until(pilot, lambda: isinstance(app.screen, LinkPicker) and app.screen)
        await pilot.press(*"morning", "enter")
        picker.query_one("#note", Input).focus()
        await pilot.press(*"since March")
        await pilot.press("escape", "escape")  # back to the search, then out
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("k")
        await until(pilot, lambda: app.screen is picker)
        assert picker.query_one("#note", Input).value == "since March"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("d")
        await until(pilot, lambda: not isinstance(app.screen, (LinkPicker, ChoiceDialog)))


async def test_link_picker_reverses_the_sentence_with_r(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        await open_card(pilot, board["panic"])
        await pilot.press("escape")
        await pilot.press("x")  # from the board
        await until(pilot, lambda: isinstance(app.screen, LinkPicker))
        await pilot.press(*"morning", "enter", "r", "enter")
        with BoardStore.open(board["path"]) as store:
            await until(pilot, lambda: len(store.board().links) == 2)
            new = [lk for lk in store.board().links if lk.to_id == board["panic"]]
        assert any(lk.from_id == board["walks"] for lk in new)


async def test_a_link_that_cannot_be_saved_brings_the_picker_back_with_the_reason(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        screen.query_one(LinkRow).focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, LinkPicker))
        # "Avoiding the office maintains Panic at work" is on the board already.
        await pilot.press(*"avoid", "enter", "r", "down", "enter")
        picker = await until(
            pilot, lambda: isinstance(app.screen, LinkPicker) and app.screen.error and app.screen
        )
        assert "already linked" in str(picker.query_one("#picker-error", Static).render())
        kinds = picker.query_one("#kinds")
        assert picker.has_class("-kind") and kinds.highlighted == 1 and picker.reverse


async def test_a_link_reads_as_a_sentence_and_d_removes_it_after_asking(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        row = screen.query_one(LinkRow)
        assert str(row.render()) == "maintained by ← Avoiding the office"
        row.focus()
        await pilot.press("d")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await until(pilot, lambda: not screen.query(LinkRow))
        with BoardStore.open(board["path"]) as store:
            assert store.board().links == ()


async def start_conflict(pilot: Pilot, board: dict[str, Any]) -> CardScreen:
    """I edit title and body; meanwhile Ben changes the title; I save."""
    app = pilot.app
    screen = await open_card(pilot, board["panic"])
    await type_into(pilot, screen.query_one("#title", Input), "Mine")
    await type_into(pilot, screen.query_one("#body", TextArea), "My body")
    with BoardStore.open(board["path"], identity=BEN) as ben:
        ben.edit_card(board["panic"], base_rev=ben.card(board["panic"]).rev, title="Bens")
    assert isinstance(app, FormboardApp)
    app.session.sync()
    await until(
        pilot, lambda: "Ben Okafor changed the title while you were editing" in notices(screen)
    )
    assert screen.query_one("#title", Input).value == "Mine"
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, ConflictDialog))
    return screen


async def test_same_field_conflict_keep_mine_saves_mine_and_bens_stays_in_the_log(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await start_conflict(pilot, board)
        await pilot.press("m")
        await until(pilot, lambda: app.screen is screen and message(screen) == "saved")
        card = stored(board["path"], board["panic"])
        assert (card.title, card.body) == ("Mine", "My body")
        with BoardStore.open(board["path"]) as store:
            titles = [(op.after or {}).get("title") for op in store.ops()]
        assert "Bens" in titles
        assert "changed the title" not in notices(screen)


async def test_same_field_conflict_keep_theirs_keeps_bens_title_and_saves_my_body(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await start_conflict(pilot, board)
        await pilot.press("t")
        await until(pilot, lambda: app.screen is screen and message(screen) == "saved")
        card = stored(board["path"], board["panic"])
        assert (card.title, card.body) == ("Bens", "My body")
        assert screen.query_one("#title", Input).value == "Bens"
        assert screen.edited() == {}


async def test_a_merge_saves_the_merged_text(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await start_conflict(pilot, board)
        await pilot.press("e")
        merge = app.screen.query_one("#merge", TextArea)
        assert merge.text.startswith("Mine\n") and merge.text.endswith("\nBens")
        merge.load_text("Mine and Bens")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and message(screen) == "saved")
        assert stored(board["path"], board["panic"]).title == "Mine and Bens"


async def test_a_joiner_typed_in_the_merge_box_is_saved(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await start_conflict(pilot, board)
        await pilot.press("e")
        merge = app.screen.query_one("#merge", TextArea)
        merge.load_text("می")
        merge.move_cursor(merge.document.end)
        await type_text(pilot, "\u200cخواهم")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and message(screen) == "saved")
        assert stored(board["path"], board["panic"]).title == "می\u200cخواهم"


async def test_a_colleagues_change_to_a_field_i_am_not_editing_appears_at_once(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        await type_into(pilot, screen.query_one("#title", Input), "Mine")
        with BoardStore.open(board["path"], identity=BEN) as ben:
            ben.edit_card(board["panic"], body="Ben's body")
        app.session.sync()
        body = screen.query_one("#body", TextArea)
        await until(pilot, lambda: body.text == "Ben's body")
        assert notices(screen).strip() == ""
        await pilot.press("ctrl+s")
        await until(pilot, lambda: message(screen) == "saved")
        card = stored(board["path"], board["panic"])
        assert (card.title, card.body) == ("Mine", "Ben's body")


async def test_archived_underneath_says_so_keeps_my_text_and_refuses_to_save(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        await type_into(pilot, screen.query_one("#title", Input), "Still mine")
        with BoardStore.open(board["path"], identity=BEN) as ben:
            ben.archive_card(board["panic"])
        app.session.sync()
        await until(pilot, lambda: "Ben Okafor archived this card" in notices(screen))
        await pilot.press("ctrl+s")
        assert "Not saved" in message(screen)
        assert screen.query_one("#title", Input).value == "Still mine"
        assert stored(board["path"], board["panic"]).title == "Panic at work"


async def test_messages_do_not_outlive_what_they_were_about(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        screen.set_focus(None)  # on no perspective or link
        await pilot.pause()
        await pilot.press("d")
        assert "Move to a perspective or a link first" in message(screen)
        await pilot.press("tab")  # the focus moves: the hint is done
        await pilot.pause()
        assert message(screen) == ""
        await type_into(pilot, screen.query_one("#title", Input), "Saved once")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: message(screen) == "saved")
        await type_into(pilot, screen.query_one("#title", Input), "Edited after")
        with BoardStore.open(board["path"], identity=BEN) as ben:
            ben.archive_card(board["panic"])
        app.session.sync()
        await until(pilot, lambda: "Ben Okafor archived this card" in notices(screen))
        assert message(screen) != "saved"  # the edit after it is not safe


async def test_a_read_only_board_says_so_on_the_card_and_never_offers_to_save(board) -> None:
    raw = sqlite3.connect(board["path"])
    raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        assert "This board is read-only" in message(screen)
        await type_into(pilot, screen.query_one("#title", Input), "Typed anyway")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        answers = [answer for _key, _label, answer in app.screen.choices]
        assert answers == ["discard", "keep"]


async def test_markup_in_titles_shows_literally_and_does_nothing(board) -> None:
    with BoardStore.open(board["path"]) as store:
        click = store.add_card("symptoms", "[@click=app.quit]x")
        bold = store.add_card("sources", "[b]x[/b]")
        store.add_link(click.id, bold.id, LinkKind.TRIGGERS, "[red]note[/red]")
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, click.id)
        assert screen.query_one("#title", Input).value == "[@click=app.quit]x"
        row = screen.query_one(LinkRow)
        assert str(row.render()) == "triggers → [b]x[/b] — [red]note[/red]"
        await pilot.click(LinkRow)
        await pilot.press("x")
        picker = await until(pilot, lambda: isinstance(app.screen, LinkPicker) and app.screen)
        matches = picker.query_one("#matches", OptionList)
        prompts = [str(matches.get_option_at_index(i).prompt) for i in range(matches.option_count)]
        assert any(p.startswith("[b]x[/b]") for p in prompts)
        await pilot.press("escape", "escape")
        await until(pilot, lambda: not isinstance(app.screen, CardScreen))
        screen = await open_card(pilot, bold.id)
        assert screen.query_one("#title", Input).value == "[b]x[/b]"
        assert "triggered by ← [@click=app.quit]x" in str(screen.query_one(LinkRow).render())
        assert app.is_running


async def test_control_characters_written_by_another_tool_never_reach_the_terminal(board) -> None:
    # A writer that bypasses formboard (the sqlite3 shell) can store anything.
    with sqlite3.connect(board["path"]) as raw:
        raw.execute(
            "UPDATE cards SET title = ?, body = ? WHERE id = ?",
            ("Panic\x1b[31m red", "line\x07\x9bone", board["panic"]),
        )
    raw.close()
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        shown = [screen.query_one("#title", Input).value, screen.query_one("#body", TextArea).text]
        assert not any(ch in text for text in shown for ch in "\x1b\x07\x9b")
        assert screen.edited() == {}  # showing them safely is not an edit


async def test_unicode_line_separators_shown_as_line_breaks_are_not_an_edit(board) -> None:
    with BoardStore.open(board["path"]) as store:
        store.edit_card(board["panic"], body="In the car park\u2028before shifts\u2029Since May")
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        assert screen.query_one("#body", TextArea).text.count("\n") == 2
        assert screen.edited() == {}  # nothing to save, and esc does not ask


async def test_a_save_while_a_colleague_holds_the_lock_says_whose_and_lands_when_free(
    board, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMBOARD_LOCK_WAIT", "0.3")  # each wait gives up fast; the save retries
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        holder = WriteLease(
            board["path"], LeaseOwner("ben", "Ben Okafor", "h", 1, uuid.uuid4().hex), ttl=60
        )
        holder.acquire()
        try:
            await type_into(pilot, screen.query_one("#title", Input), "Typed and kept")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "waiting for the lock held by Ben Okafor" in message(screen))
            await pilot.pause(0.8)  # past two lock waits: still waiting, nothing dropped
            assert "Not saved" not in message(screen)
            assert screen.query_one("#title", Input).value == "Typed and kept"
        finally:
            holder.release()
        await until(pilot, lambda: message(screen) == "saved")
        assert stored(board["path"], board["panic"]).title == "Typed and kept"


async def test_the_card_screen_fits_80_by_24_with_the_footer_keys(board) -> None:
    app = FormboardApp(board["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, board["panic"])
        title = screen.query_one("#title", Input)
        assert title.region.width > 40 and title.region.bottom <= 24
        panel = screen.query_one(PerspectivePanel)
        panel.focus()
        await pilot.pause()
        assert 0 <= panel.region.y < 24  # scrolled into view
        keys = {b.key for _, b, _, _ in screen.active_bindings.values() if b.show}
        assert {"ctrl+s", "escape", "p", "e", "d", "x", "question_mark"} <= keys
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)


async def test_a_colleague_who_joined_after_the_board_opened_is_named_on_a_card(board) -> None:
    app = FormboardApp(board["path"])
    dara = Identity(login="h3dara", name="Dara Lindqvist", discipline="nursing", host="h3")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.board_screen.board_view.cards)
        with BoardStore.open(board["path"], identity=dara) as store:  # her first write
            store.edit_card(board["walks"], body="Walks most mornings")
        await until(
            pilot, lambda: app.board_screen.board_view.cards[board["walks"]].updated_by == "h3dara"
        )
        await open_card(pilot, board["walks"])
        heading = str(app.screen.query_one("#card-heading", Static).render())
        assert "changed by Dara Lindqvist" in heading and "h3dara" not in heading


async def test_board_keys_belong_to_the_board_screen_and_do_nothing_on_a_card(board) -> None:
    from formboard.tui.bindings import BOARD_BINDINGS
    from formboard.tui.screens.board import BoardScreen

    app = FormboardApp(board["path"])
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen_stack[0], BoardScreen)  # the default screen
        # None bound on the App but quitting: ctrl+q quits everywhere, as Textual's own did.
        app_actions = {b.action for b in app.BINDINGS} - {"quit"}
        assert not app_actions & {b.action for b in BOARD_BINDINGS}
        screen = await open_card(pilot, board["panic"])
        screen.query(PerspectivePanel).first().focus()  # not a text field
        await pilot.press("a", "shift+right", "n")  # archive, move, new: board keys
        await pilot.pause(0.3)
        assert app.screen is screen and app.session.pending == 0
        card = app.board.cards[board["panic"]]
        assert not card.archived and card.column.value == "symptoms"


@pytest.mark.parametrize("card", ["panic", "walks"], ids=["with views and links", "bare"])
async def test_reading_a_card_no_key_but_the_edit_keys_changes_a_field(board, card):
    """Also on a card with nothing to focus yet (no perspective, no link): the keys once
    went into its hidden title field, and ctrl+s would have saved them."""
    app = FormboardApp(board["path"], watch="events")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_card(pilot, board[card], key="enter")
        assert screen.reading and not screen.query_one("#card-fields").display
        before = app.board.cards[board[card]]
        # A stray hand on the keyboard: letters, digits, space, backspace, arrows, tab.
        await pilot.press(*"abcfghijklmnorstuvwyz0123456789", "space", "backspace")
        await pilot.press("up", "down", "left", "right", "tab", "delete")
        await pilot.pause(0.3)
        if not isinstance(app.screen, CardScreen):  # d/delete asks before removing: no
            await pilot.press("escape")
        assert isinstance(app.screen, CardScreen) and app.screen.reading
        assert not screen.edited() and app.session.pending == 0
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.board.cards[board[card]] == before
        assert BoardStore.open(board["path"]).card(board[card]).rev == before.rev
        await pilot.press("e")  # the edit key: now the fields take keys
        assert not screen.reading and screen.focused is screen.query_one("#title")


async def test_undoing_a_long_paste_in_the_body_puts_the_text_back(board) -> None:
    """Random keys found it: ctrl+z after a multi-line edit crashed the app inside Textual's
    TextArea (textual#6686: undo restores the shorter text before the cursor, and the
    scrollbar that goes away asks where a cursor on a line now gone is drawn)."""
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"])
        body = screen.query_one("#body", TextArea)
        body.focus()
        await pilot.pause()
        app.post_message(events.Paste("\n".join(f"line {i}" for i in range(2, 50))))
        await until(pilot, lambda: body.text.count("\n") >= 40)
        await pilot.press("ctrl+z")
        await pilot.pause(0.2)
        assert app.is_running and app.screen is screen
        assert body.text == "Racing heart in meetings"


async def test_reading_a_card_offers_no_save_and_its_hint_is_the_readmes(board) -> None:
    """The reading view's footer offered ^s Save with nothing being edited, and its hint
    ("enter edits yours") was not what the README says (issue 22, point 2): both now say
    enter on yours edits it, which it does; e edits the card, wherever the focus is."""
    from tests.tui_helpers import screen_text

    from formboard.tui.dialogs.prompt import PromptScreen

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "(p adds yours, enter on yours edits it, d removes yours)" in readme
    app = FormboardApp(board["path"])
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_card(pilot, board["panic"], key="enter")
        shown = screen_text(app)
        footer = shown.splitlines()[-1]
        assert "^s" not in footer and "Save" not in footer, footer
        assert "p adds yours, enter on yours edits it, d removes yours" in shown
        mine = next(p for p in screen.query(PerspectivePanel) if p.mine)
        mine.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        assert screen.reading  # the card's fields were not opened for editing
        await pilot.press("e")  # on my perspective too: e edits the card
        await until(pilot, lambda: not screen.reading)
        assert "^s" in screen_text(app).splitlines()[-1]  # now something can be saved


@pytest.mark.parametrize(("width", "stacked"), [(80, True), (160, False)])
async def test_perspectives_stack_when_side_by_side_does_not_fit(board, width, stacked) -> None:
    """At 80 columns three perspectives side by side were cut and moving between them
    scrolled sideways: stacked, each colleague's view reads top to bottom, whole."""
    from tests.tui_helpers import screen_text

    with BoardStore.open(board["path"], identity=BEN) as ben:
        ben.add_perspective(board["panic"], "Sleep first, then the rest. " * 3, "psychiatry")
    app = FormboardApp(board["path"])
    async with app.run_test(size=(width, 36)) as pilot:
        screen = await open_card(pilot, board["panic"], key="enter")
        await until(pilot, lambda: len(screen.query(PerspectivePanel)) == 3)
        await pilot.pause()
        panels = list(screen.query(PerspectivePanel))
        xs = {p.region.x for p in panels}
        assert (len(xs) == 1) is stacked  # one above the other, or side by side
        if stacked:
            assert all(p.region.width >= width - 8 for p in panels)  # the screen's width
            for p in panels:
                p.focus()
                await pilot.pause()
                assert screen.query_one("#perspectives").scroll_x == 0  # never sideways
            assert "Sleep first, then the rest. Sleep first," in " ".join(screen_text(app).split())
