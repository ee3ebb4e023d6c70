"""The help panel (?): every key, the columns, and how markers read."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from formboard.core.model import Column
from formboard.tui.bindings import KEY_HELP
from formboard.tui.widgets.footer import QuietFooter


def help_table() -> Table:
    keys = Table.grid(padding=(0, 2))
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for key, what in KEY_HELP:
        keys.add_row(Text(key), Text(what))
    keys.add_row(Text(""), Text(""))
    for column in Column:
        keys.add_row(Text(column.label), Text(column.describes))
    keys.add_row(Text(""), Text(""))
    legend = [
        ("hyp · agreed · retired", "the card's status"),
        ("2 views · 3 links", "perspectives on the card, links to and from it"),
        ("“”", "the client's own words are recorded"),
        ("► maintains", "this card maintains the focused card"),
        ("◄ maintained by", "this card is maintained by the focused card"),
        ("AR", "initials of a colleague whose cursor is on the card"),
    ]
    for marker, meaning in legend:
        keys.add_row(Text(marker), Text(meaning))
    return keys


class HelpScreen(ModalScreen[None]):
    """Every key, in words."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("formboard keys", classes="prompt-title")
            yield Static(help_table())
        yield QuietFooter()  # the board's footer underneath shows the board's keys
