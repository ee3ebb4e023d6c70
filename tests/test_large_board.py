"""A large board opens by its first rows (issue 25: 5000 cards start as 250 do).

Its first frame shows the first cards of each column under each column's whole count
(``store.head``); the rest is read right after, and a key pressed meanwhile waits for it:
never lost, never acting on the first rows alone.
"""

from __future__ import annotations

import threading

import pytest
from tests.tui_helpers import large_board, loaded, notice_drawn, opened_app, screen_text, wait_for

from formboard.core.store import BoardStore, head
from formboard.tui.app import FormboardApp

pytestmark = pytest.mark.timeout(120)


async def test_keys_pressed_before_the_rest_of_a_large_board_is_read_wait_for_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(head, "HEAD_FIRST_ABOVE", 5)
    monkeypatch.setattr(head, "ROWS_PER_COLUMN", 3)
    path = large_board(tmp_path / "C-0421.board", symptoms=12)
    rest_read = threading.Event()
    whole = BoardStore.board

    def slow_whole(self):  # the rest of the board takes its time
        rest_read.wait(10)
        return whole(self)

    monkeypatch.setattr(BoardStore, "board", slow_whole)
    app = FormboardApp(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(app, pilot)
        first = screen_text(app)
        assert "Symptoms 12" in first and "Sources 2" in first  # each column's whole count
        assert "Symptom 0003" in first and "Symptom 0004" not in first  # its first rows
        await pilot.press(*"jjjjjj")  # six down: past the first rows
        await pilot.pause(0.2)
        assert "▶ Symptom 0001" in screen_text(app)  # nothing moved on the first rows alone
        rest_read.set()
        view = app.board_screen.board_view
        await wait_for(pilot, lambda: getattr(view.focused_card, "title", "") == "Symptom 0007")
        await pilot.pause()
        shown = screen_text(app)
        assert "▶ Symptom 0007" in shown and "Symptoms 12" in shown
        assert len(app.board.cards) == 14 and app.board.totals is None


async def test_a_large_board_found_damaged_after_its_first_frame_is_read_only(
    tmp_path, monkeypatch
):
    """A large board's file is checked with the rest of it, after the first frame: damage
    found then makes it read-only, on the status line and for the next key."""
    from formboard.core.store import board_store

    monkeypatch.setattr(head, "HEAD_FIRST_ABOVE", 5)
    path = large_board(tmp_path / "C-0421.board", symptoms=12)
    monkeypatch.setattr(board_store, "first_complaint", lambda conn, pragma: "row 3 missing")
    monkeypatch.setattr(BoardStore, "damage", lambda self: "row 3 missing from an index")
    async with opened_app(path) as (app, pilot):
        await wait_for(pilot, lambda: app.board is not None and app.board.totals is None)
        await pilot.pause()
        assert "read-only: the file is damaged" in screen_text(app)
        await pilot.press("n")
        await notice_drawn(pilot, "This board is read-only: the file is damaged")
