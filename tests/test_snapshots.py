"""What people see, pinned as SVG snapshots (pytest-textual-snapshot).

Every snapshot shows the shipped sample board C-0421, imported into a fresh folder,
opened by the same fictional practitioner: the status line names the user and the
revision, so both are fixed. The board loads in a thread, so each snapshot first
waits for the cards. Nothing here writes to the board after the import.

    .venv/bin/pytest tests/test_snapshots.py                     # compare
    .venv/bin/pytest tests/test_snapshots.py --snapshot-update   # accept new pictures
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.tui_helpers import isolate, loaded, wait_for
from textual.widgets import Input, TextArea

from formboard.core.importing import import_board
from formboard.tui.app import FormboardApp
from formboard.tui.screens.card import CardScreen

SAMPLE = Path(__file__).resolve().parents[1] / "sample_boards" / "C-0421.json"


@pytest.fixture
def utc() -> Iterator[None]:
    """Times are shown in local time; pin it so the pictures match on every machine."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def sample_board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, utc: None) -> Path:
    isolate(monkeypatch, tmp_path)
    # The status line names the watch mode, which otherwise depends on the file system.
    monkeypatch.setenv("FORMBOARD_WATCH", "poll")
    path = tmp_path / "C-0421.board"
    import_board(SAMPLE, path).close()
    return path


def board_app(path: Path, theme: str = "formboard-dark") -> FormboardApp:
    return FormboardApp(path, theme=theme)


def steady_cursors(app: FormboardApp) -> None:
    """A blinking text cursor would be on in one picture and off in the next."""
    for field in app.screen.query(Input):
        field.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


async def wait_until_loaded(pilot) -> None:
    """The cards are in, and presence has reported once (alone, its bar stays hidden)."""
    app = pilot.app
    await loaded(app, pilot)
    await wait_for(pilot, lambda: app.presence._last is not None)
    await pilot.pause()


@pytest.mark.parametrize("theme", ["formboard-dark", "formboard-light"])
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_board(snap_compare, sample_board, theme, size):
    """The whole board: five columns with counts, cards, status line and footer."""
    app = board_app(sample_board, theme)
    assert snap_compare(app, terminal_size=size, run_before=wait_until_loaded)


@pytest.mark.parametrize("size", [(80, 24), (100, 36)], ids=["80x24", "100x36"])
def test_help_screen(snap_compare, sample_board, size):
    """? lists every key, the columns and how the markers read."""
    app = board_app(sample_board)
    assert snap_compare(
        app, press=["question_mark"], terminal_size=size, run_before=wait_until_loaded
    )


def test_filter_in_use(snap_compare, sample_board):
    """/ then words: only matching cards stay, headings say "n of m"."""
    app = board_app(sample_board)

    async def type_a_filter(pilot) -> None:
        await wait_until_loaded(pilot)
        await pilot.press("slash")
        steady_cursors(app)
        await pilot.press(*"sleep")
        await wait_for(pilot, lambda: app.board_view.filter.text == "sleep")

    assert snap_compare(app, terminal_size=(120, 30), run_before=type_a_filter)


def test_card_view(snap_compare, sample_board):
    """enter opens the focused card: its text, perspectives and links."""
    app = board_app(sample_board)

    async def open_first_card(pilot) -> None:
        await wait_until_loaded(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        steady_cursors(app)

    assert snap_compare(app, terminal_size=(100, 36), run_before=open_first_card)
