"""Choosing a colleague to follow: my cursor goes where theirs goes (case meetings)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from formboard.core.model import Card
from formboard.core.presence import PresenceEntry
from formboard.tui.text import safe, truncate


class FollowPicker(ModalScreen[str | None]):
    """Lists everyone with the board open; enter follows, esc cancels. Returns an entry key."""

    DEFAULT_CSS = """
    FollowPicker { align: center middle; }
    FollowPicker > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FollowPicker OptionList { height: auto; max-height: 16; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, others: list[PresenceEntry], cards: Mapping[str, Card]) -> None:
        super().__init__()
        self.others = others
        self.cards = cards

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Follow whom? Your cursor will go where theirs goes.", markup=False)
            options = []
            for entry in self.others:
                line = Text(
                    f"{safe(entry.initials)}  {safe(entry.name or entry.login, one_line=True)}"
                )
                if entry.discipline:
                    line.append(f" ({safe(entry.discipline, one_line=True)})")
                card = self.cards.get(entry.focused or "")
                if card is not None:
                    line.append(
                        f" — on {truncate(safe(card.title, one_line=True), 30)}", style="dim"
                    )
                options.append(Option(line, id=entry.key))
            yield OptionList(*options)
            yield Static(
                "enter follows · your own arrow keys stop following · esc cancels", markup=False
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
