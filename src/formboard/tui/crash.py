"""What happens when the app meets a bug: a message with no client data.

Textual's own crash screen prints a traceback with local variables, which on
a shared meeting screen means card text. We print one sentence instead and
keep a report with only file names, line numbers and the exception type.

The handler runs while the app is already failing, so it must not fail itself
(as Harlequin's does): a bug met while handling a crash is dropped so the first
one is the one reported, and each stage (report, sentence, exit) is tried on
its own, so a full disk still exits with a sentence and a broken sentence still
exits.

And the process always ends. Textual prints the sentence while it shuts down; when the
shutdown fails too (a widget that cannot be drawn fails again as the screens close),
``run`` prints it instead, and a last resort ends a process that something (a thread
that will not stop) still keeps alive a few seconds after the crash, terminal restored
and sentence said: a person never looks at a blank, hung screen.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text

from formboard.core.files import make_private_folders, private_mode, write_atomically
from formboard.core.settings import data_dir

if TYPE_CHECKING:
    from textual.app import App

# What is shown when even the sentence could not be built: fixed words, nothing to fail.
SAFE_SENTENCE = (
    "formboard stopped because of a bug. Everything already saved is safe in the board file."
)

# Apps whose crash is being or has been handled: a second one must not recurse or hide it.
_crashed: weakref.WeakSet[App[Any]] = weakref.WeakSet()
# Seconds after a crash before the last resort ends a process that has not ended by itself.
LAST_RESORT_S = 5.0
_said = threading.Lock()  # the sentence is printed once, by whoever gets there first
ResultType = TypeVar("ResultType")


def report_text(error: BaseException) -> str:
    """The crash report: exception type and the frames' places, never values or messages."""
    lines = [f"formboard crashed: {type(error).__name__}", ""]
    for frame in traceback.extract_tb(error.__traceback__):
        lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
    return "\n".join(lines) + "\n"


def save_report(error: BaseException) -> Path | None:
    """Write the crash report into the data folder (owner-only); None if that fails."""
    try:
        folder = data_dir() / "crashes"
        make_private_folders(folder)
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
        file_mode, _ = private_mode(folder)
        write_atomically(path, report_text(error).encode(), file_mode)
        return path
    except OSError:
        return None


def sentence_for(error: BaseException, report: Path | None) -> str:
    """What the person reads after the app closes: what happened, and that saved work is safe."""
    where = f" A report without any client text is in {report}." if report else ""
    return (
        f"formboard stopped because of a bug ({type(error).__name__}). Everything already "
        f"saved is safe in the board file.{where}"
    )


def message_for(error: BaseException) -> str:
    """Save the crash report and return the sentence naming it."""
    return sentence_for(error, save_report(error))


def handle(app: App[Any], error: Exception) -> None:
    """Replace Textual's crash screen: exit with one safe sentence. Never raises an Exception.

    ``BaseException`` (KeyboardInterrupt, SystemExit) is not caught: that is a person or
    Python asking to stop, and stopping is what this does anyway.
    """
    if app in _crashed:
        return  # a bug while handling (or after) the first crash: the first one is reported
    _crashed.add(app)

    report = None
    with contextlib.suppress(Exception):
        report = save_report(error)

    sentence = SAFE_SENTENCE
    with contextlib.suppress(Exception):
        sentence = sentence_for(error, report)

    # Text, not a str: Textual prints a str as markup, and a folder may hold "[...]".
    _exit(app, error, Text(sentence))
    with contextlib.suppress(Exception):
        if not app.is_headless:  # a test's app (Pilot) must not end the test run
            threading.Thread(
                target=_last_resort, args=(app,), name="formboard-crash-exit", daemon=True
            ).start()


def run(app: App[ResultType]) -> ResultType | None:
    """Run ``app`` in this terminal; after a crash the sentence is always said.

    Textual says it while it shuts down; when its shutdown fails as well, it raises out of
    ``App.run`` before saying it, and it is said here.
    """
    try:
        return app.run()
    except Exception as error:  # the shutdown after a crash failed (or the start did)
        handle(app, error)  # the first bug is the one reported
        return None
    finally:
        if app in _crashed:
            _say_what_is_left(app)


def _say_what_is_left(app: App[Any]) -> None:
    """Print the sentence if Textual has not (it clears what it printed); never raises."""
    with contextlib.suppress(Exception), _said:
        left, app._exit_renderables[:] = list(app._exit_renderables), []
        if left:
            text = left[0].plain if isinstance(left[0], Text) else SAFE_SENTENCE
            err = sys.__stderr__ or sys.stderr
            err.write(text + "\n")
            err.flush()


def _last_resort(app: App[Any]) -> None:
    """A few seconds after a crash, end a process that is still running, and say why.

    Normally the process has ended long before (this thread is a daemon and dies with it).
    """
    time.sleep(LAST_RESORT_S)
    with contextlib.suppress(Exception):
        driver = app._driver
        if driver is not None:
            driver.stop_application_mode()  # the terminal as it was: cursor, keys, screen
    _say_what_is_left(app)
    os._exit(1)


def _exit(app: App[Any], error: Exception, sentence: Text) -> None:
    """Record the failure, leave the sentence for after the terminal is restored, close."""
    with contextlib.suppress(Exception):
        app._return_code = 1
        if app._exception is None:
            # Pilot tests re-raise this; keep it so test failures stay visible to developers.
            app._exception = error
            app._exception_event.set()
    with contextlib.suppress(Exception):
        app._exit_renderables.append(sentence)
    try:
        app._close_messages_no_wait()
    except Exception:
        with contextlib.suppress(Exception):
            app.exit(return_code=1)  # the slower way out, through the message queue
