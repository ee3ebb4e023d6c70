"""The hidden screen: no client text while a shared or unattended screen is hidden."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from formboard.tui.dialogs.closing import ClosesOnce


class BlankScreen(ClosesOnce, Screen[None]):
    """Covers everything (the board, an open card, a dialog) until enter is pressed.

    Nothing underneath changes: colleagues' edits still arrive, and whatever was being
    typed in a card or a dialog is there again afterwards.
    """

    DEFAULT_CSS = """
    BlankScreen { align: center middle; background: $background; }
    BlankScreen > Static { width: auto; height: auto; color: $text-muted; }
    """
    BINDINGS = [Binding("enter", "show_again", "Show the board", id="blank.show")]

    def __init__(self, why: str = "") -> None:
        super().__init__()
        self.why = why

    def compose(self) -> ComposeResult:
        lines = ["formboard: the screen is hidden" + (f" {self.why}" if self.why else ".")]
        lines.append("Press enter to show it again.")
        yield Static("\n\n".join(lines), markup=False)

    def _extend_compose(self, widgets: list[Widget]) -> None:
        # No toast rack (and no tooltip): a notice can name a card, and this screen must
        # show no client text. Notices raised meanwhile wait in the app (privacy.py).
        return

    def action_show_again(self) -> None:
        self.dismiss()
