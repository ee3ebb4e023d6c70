"""What people see, pinned as SVG snapshots (pytest-textual-snapshot).

Every snapshot shows the shipped sample board C-0421, imported into a fresh folder,
opened by the same fictional practitioner: the status line names the user and the
revision, so both are fixed. The board loads in a thread, so each snapshot first
waits for the cards. Only the conflict picture writes after the import (a colleague's
edit, at a pinned time); colleagues' presence is handed to the app, not read from files.

    .venv/bin/pytest tests/test_snapshots.py                     # compare
    .venv/bin/pytest tests/test_snapshots.py --snapshot-update   # accept new pictures
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.tui_helpers import loaded, wait_for
from textual.widgets import Input, Static, TextArea

from formboard.core.identity import Identity
from formboard.core.importing import import_board
from formboard.core.presence import PresenceEntry
from formboard.core.store import BoardStore, board_store
from formboard.tui.app import FormboardApp
from formboard.tui.messages import PresenceChanged
from formboard.tui.screens.card import CardScreen
from formboard.tui.screens.conflict import ConflictDialog
from formboard.tui.screens.follow import FollowPicker
from formboard.tui.screens.link_picker import LinkPicker

SAMPLE = Path(__file__).resolve().parents[1] / "sample_boards" / "C-0421.json"
# The pictures are taken by the sample board's own psychologist, named in its history.
SAMPLE_PERSON = "Ana Ruiz"


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
    monkeypatch.setenv("FORMBOARD_USER", SAMPLE_PERSON)
    # The status line names the watch mode, which otherwise depends on the file system.
    monkeypatch.setenv("FORMBOARD_WATCH", "poll")
    # The status line says when the board last changed: the same moment in every picture.
    monkeypatch.setattr(board_store, "now_iso", lambda: "2026-10-12T09:15:00Z")
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
    # Worked out after the first frame: the cycles' and the since markers.
    await wait_for(pilot, lambda: app.board_screen.links.found_cycles is not None)
    await wait_for(pilot, lambda: app.board_screen.since.read)
    await pilot.pause()


async def open_with(pilot, key: str, screen: type) -> None:
    """Once loaded, ``key`` opens ``screen``; the cursors stop blinking for the picture."""
    await wait_until_loaded(pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen))
    steady_cursors(pilot.app)


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
        await wait_for(pilot, lambda: app.board_screen.board_view.filter.text == "sleep")

    assert snap_compare(app, terminal_size=(120, 30), run_before=type_a_filter)


@pytest.mark.parametrize(
    "size", [(100, 36), (80, 24), (160, 50)], ids=["100x36", "80x24", "160x50"]
)
def test_card_view(snap_compare, sample_board, size):
    """enter opens the focused card to read: its whole title, text, words, perspectives
    side by side and links; at 80×24 nothing that matters is cut off."""
    app = board_app(sample_board)

    async def open_first_card(pilot) -> None:
        await open_with(pilot, "enter", CardScreen)

    assert snap_compare(app, terminal_size=size, run_before=open_first_card)


# ------------------------------------------------- dialogs, small screens, other themes

FIRST_CARD = "n5jqev0j9x"  # "Panic attacks in the car park before early shifts"
BEN = Identity(login="ben", name="Ben Okafor", discipline="psychiatry", host="host-2")


def test_conflict_dialog(snap_compare, sample_board, monkeypatch):
    """Ben changes the title while I edit it; ctrl+s shows both titles side by side."""
    # Ben's edit stamps the card with "changed by Ben Okafor <time>": pin that time.
    monkeypatch.setattr(board_store, "now_iso", lambda: "2026-10-12T09:15:00Z")
    app = board_app(sample_board)

    async def collide_on_the_title(pilot) -> None:
        await open_with(pilot, "e", CardScreen)
        card_screen = app.screen
        steady_cursors(app)
        title = card_screen.query_one("#title", Input)
        title.focus()
        title.value = ""
        await pilot.press(*"Panic attacks on the early bus")
        with BoardStore.open(sample_board, identity=BEN) as ben:
            rev = ben.card(FIRST_CARD).rev
            ben.edit_card(FIRST_CARD, base_rev=rev, title="Panic attacks at the staff gate")
        app.session.sync()
        notices = card_screen.query_one("#card-notices", Static)
        await wait_for(pilot, lambda: "changed the title" in str(notices.render()))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog))
        steady_cursors(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 36), run_before=collide_on_the_title)


def test_link_picker(snap_compare, sample_board):
    """x on a card, then part of a title: the matching cards, matched letters marked."""
    app = board_app(sample_board)

    async def look_for_choir(pilot) -> None:
        await open_with(pilot, "x", LinkPicker)
        await pilot.press(*"choir")
        await wait_for(pilot, lambda: app.screen.query_one(Input).value == "choir")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=look_for_choir)


def test_follow_picker(snap_compare, sample_board):
    """f with Ben on the board: he is listed with the card his cursor is on."""
    app = board_app(sample_board)
    # Ben's presence is handed to the app as the presence loop would: a real presence file
    # is judged fresh by our clock and could age out on a slow machine mid-picture.
    ben_here = PresenceEntry(
        login="ben", name="Ben Okafor", discipline="psychiatry", initials="BO",
        host="host-2", pid=4242, client_id="c-ben", focused="gnsr4p6e6j", following=None,
        at="2025-03-04T14:02:00Z", beat=1, machine="other-boot",
    )  # fmt: skip

    async def follow_ben(pilot) -> None:
        await wait_until_loaded(pilot)
        app.post_message(PresenceChanged([ben_here]))
        await wait_for(
            pilot, lambda: [o.login for o in app.board_screen.colleagues.others] == ["ben"]
        )
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowPicker))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=follow_ben)


@pytest.mark.parametrize(
    "theme", ["formboard-high-contrast", "formboard-ansi", "formboard-colour-blind-safe"]
)
def test_board_in_accessible_themes(snap_compare, sample_board, theme):
    """The board in the themes for low vision, plain terminals and colour blindness."""
    app = board_app(sample_board, theme)
    assert snap_compare(app, terminal_size=(100, 30), run_before=wait_until_loaded)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_archived_cards(snap_compare, sample_board, size, monkeypatch):
    """A (shift+a): the archived cards, who archived each and when."""
    from formboard.tui.screens.archived import ArchivedCards

    # Ben archived a card, at a pinned time (the list says who and when).
    monkeypatch.setattr(board_store, "now_iso", lambda: "2026-10-12T09:15:00Z")
    with BoardStore.open(sample_board, identity=BEN) as ben:
        ben.archive_card(FIRST_CARD)
    app = board_app(sample_board)

    async def open_the_archive(pilot) -> None:
        await open_with(pilot, "A", ArchivedCards)

    assert snap_compare(app, terminal_size=size, run_before=open_the_archive)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_history_screen(snap_compare, tmp_path, monkeypatch, utc, size):
    """t: every change as a sentence, newest first, with who and when."""
    from formboard.tui.screens.history import HistoryScreen

    monkeypatch.setenv("FORMBOARD_USER", SAMPLE_PERSON)
    monkeypatch.setenv("FORMBOARD_WATCH", "poll")
    monkeypatch.setattr(board_store, "now_iso", lambda: "2026-10-12T09:15:00Z")
    path = tmp_path / "C-0421.board"
    import_board(SAMPLE, path).close()
    with BoardStore.open(path, identity=BEN) as ben:
        ben.edit_card(FIRST_CARD, status="hypothesis", title="Panic attacks in the car park")
        ben.archive_card(FIRST_CARD)
    app = board_app(path)

    async def open_the_history(pilot) -> None:
        await open_with(pilot, "t", HistoryScreen)
        await wait_for(pilot, lambda: app.screen.query_one("OptionList").option_count > 0)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_the_history)


@pytest.mark.parametrize("theme", ["formboard-dark", "formboard-ansi"])
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_link_map(snap_compare, sample_board, theme, size):
    """m: the map of links around the first card, in the theme's column colours."""
    from formboard.tui.screens.link_map import MapScreen

    app = board_app(sample_board, theme)

    async def open_the_map(pilot) -> None:
        await open_with(pilot, "m", MapScreen)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_the_map)
