"""What every formboard app is: notices in plain words, and a crash that names no client.

Both apps (the board and a folder's list of boards) derive from ``SafeApp``, so these two
rules hold wherever a screen or widget calls ``notify`` or meets a bug.
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.app import App
from textual.notifications import SeverityLevel

from formboard.tui import crash
from formboard.tui.text import notice_text

ReturnType = TypeVar("ReturnType")


class SafeApp(App[ReturnType]):
    """A Textual app whose notices are always drawable text and whose crash is a sentence."""

    def notify(
        self,
        message: str | Text,
        *,
        title: str | Text = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Put a notice on screen: the one way every screen and widget does (theirs call this).

        A notice is words, never markup (it may quote a card's title), and Textual's toast
        draws only a ``str``: whatever it is given is made plain text here (a Rich ``Text``
        its characters, control characters visible), so no caller can hand the toast
        something it cannot draw. ``markup`` is accepted for Textual's own callers and
        ignored. Thread-safe, as Textual's is.
        """
        super().notify(
            notice_text(message),
            title=notice_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_help_quit(self) -> None:
        # Textual's ctrl+c hint is markup; say it in words.
        self.notify("Press q to quit (ctrl+q quits from anywhere).", title="Do you want to quit?")

    def _handle_exception(self, error: Exception) -> None:
        crash.handle(self, error)  # one sentence, never a traceback with client text
