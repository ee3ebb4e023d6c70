"""What happens when the app meets a bug: a message with no client data.

Textual's own crash screen prints a traceback with local variables, which on
a shared meeting screen means card text. We print one sentence instead and
keep a report with only file names, line numbers and the exception type.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from formboard.core.identity import data_dir
from formboard.core.lock import make_private_folders, private_mode, write_atomically

if TYPE_CHECKING:
    from textual.app import App


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


def message_for(error: BaseException) -> str:
    report = save_report(error)
    where = f" A report without any client text is in {report}." if report else ""
    return (
        f"formboard stopped because of a bug ({type(error).__name__}). Everything already "
        f"saved is safe in the board file.{where}"
    )


def handle(app: App[object], error: Exception) -> None:
    """Replace Textual's crash screen: exit with one safe sentence."""
    app._return_code = 1
    if app._exception is None:
        # Pilot tests re-raise this; keep it so test failures stay visible to developers.
        app._exception = error
        app._exception_event.set()
    app._exit_renderables.append(message_for(error))
    app._close_messages_no_wait()
