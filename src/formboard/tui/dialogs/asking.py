"""Writes asked for from a dialog: the dialog closes at once, and comes back if it fails.

A dialog (a new card's title, a perspective, a link) closes as soon as its values are
given, so the person keeps working while the write waits its turn (a colleague may hold
the lock). The screen that opened it is the one that asked: it gets the answer
(``WriteSaved`` / ``WriteFailed``) and hands it to its :class:`Retries`, which opens the
dialog again, with what was typed and the reason, when the write failed. Nothing typed
is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from formboard.tui.messages import Submit, WriteFailed, WriteRequest, WriteSaved

if TYPE_CHECKING:
    from textual.screen import Screen

    from formboard.core.commands import Command
    from formboard.tui.app import FormboardApp
    from formboard.tui.dialogs.prompt import PromptDraft


class Retries:
    """The writes a screen asked for from dialogs, until each is answered."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.screen = screen
        self._again: dict[WriteRequest, Callable[[str], None]] = {}

    def submit(self, command: Command, again: Callable[[str], None] | None = None) -> bool:
        """Ask for ``command``; ``again(reason)`` opens its dialog anew if it fails.

        False (and said) when the board cannot be changed: nothing was asked.
        """
        if not cast("FormboardApp", self.screen.app).writable():
            return False
        request = WriteRequest(command, self.screen)
        if again is not None:
            self._again[request] = again
        self.screen.post_message(Submit(request))
        return True

    def answered(self, message: WriteSaved | WriteFailed) -> bool:
        """True when ``message`` answered a dialog's write that failed (it opens again)."""
        again = self._again.pop(message.request, None)
        if again is not None and isinstance(message, WriteFailed):
            again(message.reason)
            return True
        return False


def ask(retries: Retries, draft: PromptDraft, error: str = "") -> None:
    """Open the dialog of ``draft``; its values become a write that ``retries``' screen asks
    for, and the dialog comes back with the values and the reason if the write fails."""
    from formboard.tui.dialogs.prompt import PromptScreen

    if not cast("FormboardApp", retries.screen.app).writable():
        return

    def done(values: dict[str, str] | None) -> None:
        if values is not None:
            again = replace(draft, values=values)
            retries.submit(draft.make_command(values), lambda reason: ask(retries, again, reason))

    fields = [
        replace(f, value=draft.values.get(f.name, f.value), original=f.value) for f in draft.fields
    ]
    retries.screen.app.push_screen(PromptScreen(draft.title, fields, error=error), done)
