"""Quitting while changes still wait to be written (a colleague holds the lock)."""

from __future__ import annotations

from textual import on
from textual.widgets import Static

from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.messages import SaveState


class QuitWhileWaiting(ChoiceDialog):
    """Ask before losing unwritten changes; follow them as they are written.

    ``w`` quits as soon as every change is written (at once if they already are), ``l``
    quits now and loses them, esc goes back to the board. The question keeps up with the
    session: how many changes still wait, and for what.
    """

    def __init__(self, pending: int, state: str) -> None:
        super().__init__(
            self._question(pending, state),
            [("w", "Quit when written", "wait"), ("l", "Quit now and lose them", "quit")],
        )
        self.pending = pending
        self.quit_when_written = False

    @staticmethod
    def _question(pending: int, state: str, waiting: bool = False) -> str:
        if pending == 0:
            return "Every change is written now: quitting loses nothing."
        changes = "1 change is" if pending == 1 else f"{pending} changes are"
        if waiting:
            return f"{changes} not written yet ({state}). formboard quits once written; esc stays."
        return f"{changes} not written yet ({state}). Quitting now loses them."

    @on(SaveState)
    def _save_state(self, message: SaveState) -> None:
        """The session wrote a change, or says what it waits for now."""
        self.pending_changed(message.pending, message.text)

    def pending_changed(self, pending: int, state: str) -> None:
        self.pending = pending
        if pending == 0 and self.quit_when_written:
            self.dismiss("quit")
            return
        self.question = self._question(pending, state, self.quit_when_written)
        self.query_one(".dialog-title", Static).update(self.question)

    def dismiss(self, result: str | None = None):
        if result == "wait" and self.pending:
            self.quit_when_written = True  # stay open, and quit when the last one lands
            self.pending_changed(self.pending, "waiting")
            return None
        return super().dismiss("quit" if result == "wait" else result)
