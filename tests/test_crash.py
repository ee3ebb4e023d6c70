"""The crash handler's own guards: a bug while handling a bug, and a stage that fails.

Each test runs a bug on an open board and reads what reaches the terminal after the app
closes. The bug's message is client text (fictional here), so it must never be shown or
written.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from tests.tui_helpers import loaded, wait_for

from formboard.core.settings import data_dir
from formboard.tui import crash
from formboard.tui.app import FormboardApp

SECRET = "Fictional detail: panics on the number 12 bus"
SAID = "formboard stopped because of a bug"


def explode() -> None:
    raise ValueError(SECRET)


async def crash_the_app(app: FormboardApp, capfd: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Open the board, run a bug on the app, and return the exit code and what is shown after."""
    closed_by_itself = False
    with pytest.raises(ValueError):  # the first bug, kept for the test run to see
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(app, pilot)
            app.screen.call_later(explode)  # a bug in a screen's handler, as most are
            await wait_for(pilot, lambda: not app.is_running)
            closed_by_itself = True  # not only because this block ends (run_test closes it)
    assert closed_by_itself
    shown = " ".join(capfd.readouterr().err.split())
    assert SECRET not in shown and "Traceback" not in shown
    for report in reports():
        assert SECRET not in report.read_text()
    return app.return_code or 0, shown


def unwrapped(shown: str) -> str:
    """The terminal wraps a long path anywhere; compare without spaces."""
    return "".join(shown.split())


def reports() -> list[Path]:
    """The crash reports in this test's data folder."""
    folder = data_dir() / "crashes"
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_a_bug_while_handling_a_crash_leaves_one_report_and_one_message(
    board_file, monkeypatch, capfd
):
    app = FormboardApp(board_file)
    real_report_text = crash.report_text

    def report_text_that_crashes_again(error: BaseException) -> str:
        # A second bug reaches the handler while it is writing the first report.
        crash.handle(app, KeyError(SECRET))
        return real_report_text(error)

    monkeypatch.setattr(crash, "report_text", report_text_that_crashes_again)
    code, shown = await crash_the_app(app, capfd)
    assert code == 1
    assert shown.count(SAID) == 1 and "(ValueError)" in shown and "KeyError" not in shown
    assert "errors shown" not in shown  # Textual's "1 of 2 errors shown" would mean two
    [report] = reports()
    assert "ValueError" in report.read_text() and report.name in unwrapped(shown)


async def test_a_second_bug_after_the_crash_adds_nothing(board_file, monkeypatch, capfd):
    app = FormboardApp(board_file)
    first_handle = crash.handle

    def and_another(app: FormboardApp, error: Exception) -> None:
        first_handle(app, error)
        first_handle(app, KeyError(SECRET))  # e.g. a worker failing as the app closes

    monkeypatch.setattr(crash, "handle", and_another)
    code, shown = await crash_the_app(app, capfd)
    assert code == 1
    assert shown.count(SAID) == 1 and "KeyError" not in shown and "errors shown" not in shown
    assert len(reports()) == 1


@pytest.mark.parametrize(
    "where, failure",
    [
        ("write_atomically", OSError(errno.EROFS, "Read-only file system")),
        ("make_private_folders", PermissionError(errno.EACCES, "Permission denied")),
        ("report_text", RuntimeError(SECRET)),
    ],
    ids=["read-only data folder", "no permission", "a bug in the report"],
)
async def test_a_report_that_cannot_be_written_still_exits_with_the_safe_sentence(
    board_file, monkeypatch, capfd, where, failure
):
    def fail(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(crash, where, fail)
    code, shown = await crash_the_app(FormboardApp(board_file), capfd)
    assert code == 1
    assert f"{SAID} (ValueError). Everything already saved is safe in the board file." in shown
    assert "A report" not in shown and "Read-only" not in shown
    assert reports() == []


async def test_a_sentence_that_cannot_be_built_still_exits_and_the_report_is_kept(
    board_file, monkeypatch, capfd
):
    def broken(error: BaseException, report: Path | None) -> str:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(crash, "sentence_for", broken)
    code, shown = await crash_the_app(FormboardApp(board_file), capfd)
    assert code == 1
    assert crash.SAFE_SENTENCE in shown
    assert len(reports()) == 1


async def test_when_closing_fails_the_app_still_exits(board_file, monkeypatch, capfd):
    def stuck(self) -> None:
        raise RuntimeError("the message queue is gone")

    monkeypatch.setattr(FormboardApp, "_close_messages_no_wait", stuck)
    code, shown = await crash_the_app(FormboardApp(board_file), capfd)
    assert code == 1 and f"{SAID} (ValueError)" in shown


async def test_a_report_folder_with_brackets_is_printed_as_it_is(
    board_file, tmp_path, monkeypatch, capfd
):
    """The sentence is not read as markup: a data folder named "[b]…" is shown literally."""
    monkeypatch.setenv("FORMBOARD_DATA_DIR", str(tmp_path / "[b]data"))
    code, shown = await crash_the_app(FormboardApp(board_file), capfd)
    assert code == 1 and "/[b]data/crashes/crash-" in unwrapped(shown)


# ----------------------------------------------------------- in a real terminal

CRASH_APP = Path(__file__).with_name("crash_app.py")


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("fault", "keys", "within"),
    [
        ("callback", ["t", "p"], 5.0),  # a bug in a screen's callback
        ("toast", ["F"], 5.0),  # a notice that cannot be drawn: Textual's shutdown fails too
        ("stuck", ["F"], crash.LAST_RESORT_S + 5.0),  # and a thread that will not stop
    ],
    ids=["screen callback", "broken shutdown", "thread that will not stop"],
)
def test_a_bug_in_a_terminal_always_ends_the_process_with_the_sentence(
    tmp_path: Path, fault: str, keys: list[str], within: float
) -> None:
    """Whatever state the screens are in, the process ends, the terminal is given back and
    the one sentence is said: never a blank screen that waits to be killed."""
    from tests.crash_app import SECRET as FICTIONAL
    from tests.terminal import VENV_BIN, Terminals, demo_board, person

    terminals = Terminals()
    try:
        ana = person(tmp_path / "people", "Ana Lima", "psychology")
        board = demo_board(ana, tmp_path / "team")
        app = terminals.open(
            ana, str(CRASH_APP), fault, "open", str(board), program=str(VENV_BIN / "python")
        )
        app.quitting = True  # this one is meant to end
        if keys[0] == "t":
            app.press("t").wait_for("imported the board")
            keys = keys[1:]
        app.press(*keys)
        shown = app.wait_exit(timeout=within)
        assert app.exit_status() == 1
        said = " ".join(shown.split())
        assert f"{SAID} (AttributeError). Everything already saved is safe" in said
        assert FICTIONAL not in said and "Traceback" not in said
        assert "Symptoms" not in said  # the board is gone from the terminal: it was given back
        (report,) = ana.crash_reports()
        assert "AttributeError" in report.read_text() and FICTIONAL not in report.read_text()
    finally:
        terminals.close()
