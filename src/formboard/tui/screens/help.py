"""The help panel (?): the keys in force where it was opened, the columns, the markers.

The keys come from the live bindings of the screen that opened it, after the keymap,
so a remapped key is shown as remapped; what each does is its binding's tooltip.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from formboard.core.facts import MARKER_LEGEND
from formboard.core.model import Column
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.widgets.footer import QuietFooter


def live_bindings(screen: Screen[Any]) -> list[tuple[Binding, str]]:
    """Each binding with a tooltip active on ``screen``, once, with its keys in force."""
    found: dict[str, tuple[Binding, list[str]]] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if not binding.tooltip:
            continue
        _, keys = found.setdefault(binding.id or binding.action, (binding, []))
        shown = screen.app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    return [(binding, " or ".join(keys)) for binding, keys in found.values()]


def live_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding with a tooltip active on ``screen``."""
    return [(keys.replace(" or ", "  or  "), b.tooltip) for b, keys in live_bindings(screen)]


def help_table(screen: Screen[Any], board: bool) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for keys, what in live_keys(screen):
        table.add_row(Text(keys), Text(what))
    if board:
        table.add_row(Text(""), Text(""))
        for column in Column:
            table.add_row(Text(column.label), Text(column.describes))
        table.add_row(Text(""), Text(""))
        for marker, meaning in MARKER_LEGEND:
            table.add_row(Text(marker), Text(meaning))
    return table


class HelpScreen(ClosesOnce, ModalScreen[None]):
    """The keys of the screen it was opened from, in words."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(
        self, opened_from: Screen[Any], title: str = "formboard keys", *, board: bool = False
    ) -> None:
        """``board``: opened from the board, whose help also says how cards read."""
        super().__init__()
        self.opened_from = opened_from
        self.title_text = title
        self.board = board

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.title_text, classes="prompt-title")
            yield Static(help_table(self.opened_from, self.board))
        yield QuietFooter()  # the screen underneath shows its own keys
