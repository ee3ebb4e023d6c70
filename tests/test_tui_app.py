"""The app around the board: themes, crashes, the board chooser and the demo."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.tui_helpers import (
    drawn_notices,
    loaded,
    notice_drawn,
    opened_app,
    screen_text,
    small_board,
    wait_for,
)
from textual.widgets import DataTable

from formboard.cli import cli
from formboard.core.errors import FormboardError
from formboard.core.facts import local_time
from formboard.core.settings import settings
from formboard.core.store import BoardStore
from formboard.tui import crash
from formboard.tui.app import FormboardApp
from formboard.tui.chooser import BoardChooser
from formboard.tui.screens.board import BoardScreen
from formboard.tui.themes import SHIPPED_THEMES

SECRET = "Confidential trauma detail"


@pytest.fixture
def board(board_file: Path) -> Path:
    return board_file


@pytest.mark.parametrize("theme", [*SHIPPED_THEMES, "nord", "textual-light"])
async def test_every_shipped_theme_runs_the_board(board, theme):
    async with opened_app(board, theme=theme, size=(80, 24)) as (app, pilot):
        assert app.theme == theme
        await pilot.press("l", "j")
        assert app.is_running


async def test_a_chosen_theme_is_remembered_in_the_config(board):
    async with opened_app(board, size=(80, 24)) as (app, pilot):
        assert app.theme == "formboard-dark"
        app.theme = "formboard-high-contrast"
        await pilot.pause()
    assert settings().theme == "formboard-high-contrast"
    again = FormboardApp(board)
    async with again.run_test(size=(80, 24)) as pilot:
        await loaded(again, pilot)
        assert again.theme == "formboard-high-contrast"


async def test_a_broken_theme_file_is_one_notice_and_the_app_starts(board, tmp_path):
    themes = tmp_path / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text("name = 'mine'\nprimary = 'not a colour'\n")
    async with opened_app(board, size=(80, 24)) as (app, pilot):
        said = await notice_drawn(pilot, "mine.toml")
        assert drawn_notices(app) == [said] and said.startswith("Themes")
        assert app.theme == "formboard-dark"


async def test_an_unknown_theme_falls_back_with_a_notice(board):
    async with opened_app(board, theme="no-such-theme", size=(80, 24)) as (app, pilot):
        assert app.theme == "formboard-dark"
        await notice_drawn(pilot, "no-such-theme")


async def test_no_color_keeps_every_label_in_words(board, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with opened_app(board, size=(120, 30)) as (app, _pilot):
        heading = str(
            app.board_screen.board_view.panes[
                next(iter(app.board_screen.board_view.panes))
            ].heading.render()
        )
        assert heading == "Symptoms 2"
        assert app.is_running


def test_crash_report_and_message_name_no_client_data(tmp_path, monkeypatch):
    try:
        title = SECRET
        raise KeyError(title)
    except KeyError as exc:
        error = exc
    message = crash.message_for(error)
    assert SECRET not in message and "KeyError" in message
    reports = list((tmp_path / "data" / "crashes").iterdir())
    assert len(reports) == 1
    text = reports[0].read_text()
    assert SECRET not in text and "KeyError" in text and "test_tui_app.py" in text
    assert reports[0].stat().st_mode & 0o777 == 0o600


async def test_a_bug_in_the_app_exits_with_a_safe_sentence(board, monkeypatch, capfd):
    def explode(self) -> None:
        raise ValueError(SECRET)

    monkeypatch.setattr(BoardScreen, "action_help", explode)
    app = FormboardApp(board)
    with pytest.raises(ValueError):
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(app, pilot)
            await pilot.press("question_mark")
            await pilot.pause()
    shown = capfd.readouterr().err
    assert "formboard stopped because of a bug (ValueError)" in " ".join(shown.split())
    assert SECRET not in shown and "Traceback" not in shown
    assert app.return_code == 1


async def test_the_chooser_lists_boards_with_client_cards_and_last_change(tmp_path, monkeypatch):
    small_board(tmp_path / "C-0001.board")
    with BoardStore.create(tmp_path / "C-0002.board", "C-0002", "Second client") as store:
        store.add_card("symptoms", "Low mood")
    (tmp_path / "notes.board").write_text(json.dumps({"not": "a board"}))
    app = BoardChooser(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][:3] == ["C-0001", "Test board", "6"]
        assert rows[0][4] in ("Ben Okafor", "ben")
        assert rows[1][:3] == ["C-0002", "Second client", "1"]
        assert "not a formboard board" in rows[2][1]
        await pilot.press("down", "enter")
    assert app.return_value == tmp_path / "C-0002.board"


def test_demo_creates_a_sample_board_once_and_reuses_it(tmp_path, monkeypatch):
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--dir", str(tmp_path / "demo"), "--no-open"])
    assert first.exit_code == 0, first.output
    board = Path(first.stdout.strip().splitlines()[-1])
    with BoardStore.open(board) as store:
        shown = store.board()
    assert shown.client == "C-0421" and 25 <= len(shown.cards) <= 40
    again = runner.invoke(cli, ["demo", "--dir", str(tmp_path / "demo"), "--no-open"])
    assert again.exit_code == 0 and again.stderr.startswith("Your earlier demo board is ")
    assert "Opening" not in again.stderr  # --no-open opens nothing (issue 22, point 9)
    other = runner.invoke(
        cli, ["demo", "--dir", str(tmp_path / "d2"), "--client", "C-1187", "--no-open"]
    )
    assert other.exit_code == 0 and other.stdout.strip().endswith("C-1187.board")
    unknown = runner.invoke(cli, ["demo", "--client", "C-9999", "--no-open"])
    assert unknown.exit_code == 1 and "C-0421" in unknown.stderr


def test_open_on_something_that_is_not_a_board_is_one_sentence(tmp_path, monkeypatch):
    notes = tmp_path / "notes.json"
    notes.write_text("{}")
    result = CliRunner().invoke(cli, ["open", str(notes)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "not a formboard board" in result.stderr
    missing = CliRunner().invoke(cli, [str(tmp_path / "missing.board")])
    assert missing.exit_code == 1 and "There is no board" in missing.stderr


async def test_the_first_frame_already_shows_the_board(board):
    app = FormboardApp(board)
    async with app.run_test(size=(120, 36)):
        # No waiting: the board was read before the first frame, not by the session thread.
        assert app._loaded and "Panic at work" in {
            c.title for c in app.board_screen.board_view.cards.values()
        }
        assert app.board_screen.board_view.panes[
            next(iter(app.board_screen.board_view.panes))
        ].cards.cards


async def test_open_board_first_turns_a_bad_board_into_an_error_before_the_screen(tmp_path):
    notes = tmp_path / "notes.json"
    notes.write_text("{}")
    app = FormboardApp(notes)
    with pytest.raises(FormboardError, match="not a formboard board"):
        app.open_board()


@pytest.fixture
def collector_paused():
    """Start-up as the console script does it (formboard.startup); restored afterwards."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


async def test_the_app_resumes_the_collector_after_its_first_frame(board, collector_paused):
    async with opened_app(board) as (_app, _pilot):
        assert gc.isenabled() and gc.get_freeze_count() > 0


def test_other_commands_resume_the_collector_at_once(board, collector_paused):
    result = CliRunner().invoke(cli, ["show", str(board)])
    assert result.exit_code == 0 and gc.isenabled()


def test_opening_a_board_without_a_terminal_is_one_sentence(board):
    # Input from a pipe or /dev/null made Textual spin a core; now the command says why.
    result = CliRunner().invoke(cli, ["open", str(board)], input="")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "only in a terminal" in result.stderr and "formboard show" in result.stderr
    folder = CliRunner().invoke(cli, ["open", str(board.parent)], input="")
    assert folder.exit_code == 1 and "only in a terminal" in folder.stderr


async def test_failing_file_events_show_in_the_status_line_until_they_work_again(
    board, monkeypatch
):
    import watchfiles

    real_watch, failing = watchfiles.watch, [True]

    def flaky_watch(*args, **kwargs):
        if failing[0]:
            raise OSError(28, "inotify watch limit reached")
        return real_watch(*args, **kwargs)

    monkeypatch.setattr(watchfiles, "watch", flaky_watch)
    async with opened_app(board, watch="events", watch_options={"backstop": 0.3}) as (app, pilot):
        status = lambda: str(app.board_screen.status_line.render())  # noqa: E731
        await wait_for(pilot, lambda: "live: polling (file events failed)" in status())
        await notice_drawn(pilot, "File events stopped")
        failing[0] = False  # the watcher tries events again after a second
        await wait_for(pilot, lambda: "live: events" in status(), timeout=15)


async def test_the_footer_follows_a_resize_between_wide_and_compact(board):
    def keys(app: FormboardApp) -> dict[str, int]:
        """Each footer key's description and the column where it ends."""
        return {str(k.description): k.region.right for k in app.screen.query("FooterKey")}

    async with opened_app(board) as (app, pilot):
        assert "palette" in keys(app)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "palette" not in keys(app))
        assert keys(app)["Follow"] <= 80  # every key fits, none is cut off
        await pilot.resize_terminal(120, 36)
        await wait_for(pilot, lambda: "palette" in keys(app))
        assert max(keys(app).values()) <= 120


async def test_esc_closes_the_keys_panel_from_the_palette_and_then_does_what_it_did(board):
    async with opened_app(board) as (app, pilot):
        await pilot.press("slash", *"sleep", "enter")  # a filter, which esc clears
        app.action_show_help_panel()  # what the palette's "Keys" runs
        await wait_for(pilot, lambda: bool(app.screen.query("HelpPanel")))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.screen.query("HelpPanel"))
        assert app.board_screen.board_view.filter.active  # that esc only closed the panel
        await pilot.press("escape")
        assert not app.board_screen.board_view.filter.active
        await pilot.press("enter")  # the card screen: the panel closes there too
        app.action_show_help_panel()
        await wait_for(pilot, lambda: bool(app.screen.query("HelpPanel")))
        card_screen = app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.screen.query("HelpPanel"))
        assert app.screen is card_screen


async def test_the_chooser_says_when_in_local_time(tmp_path, monkeypatch):
    """The folder's list showed UTC times; every time on screen is local (issue 22, 6)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+5:30: never the same clock as UTC
    time.tzset()
    try:
        with BoardStore.create(tmp_path / "C-0002.board", "C-0002", "Second client") as store:
            store.add_card("symptoms", "Low mood")
            at = store.ops()[-1].at
        app = BoardChooser(tmp_path)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            shown = screen_text(app)
        assert local_time(at) in shown and at[:16].replace("T", " ") not in shown
    finally:
        monkeypatch.undo()
        time.tzset()
