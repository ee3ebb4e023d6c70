"""The archived cards: who archived each and when; enter brings one back, whoever archived it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.text import Text
from textual.binding import Binding
from textual.widgets.option_list import Option

from formboard.core.facts import local_time, ordered_cards
from formboard.core.model import Board, Card
from formboard.tui.dialogs.choice import ListDialog
from formboard.tui.text import safe


class ArchivedCards(ListDialog):
    """Lists the archived cards; enter restores the chosen one (returns its id), esc closes."""

    DEFAULT_CSS = "ArchivedCards > Vertical { width: 96; }"
    BINDINGS = [Binding("escape", "cancel", "Close", id="archived.close")]
    hint = "enter restores · esc closes"

    def __init__(self, cards: Mapping[str, Card], name_of: Callable[[str], str]) -> None:
        super().__init__()
        board = Board.model_construct(client="", cards=tuple(cards.values()))
        self.archived = [c for c in ordered_cards(board) if c.archived]
        self.name_of = name_of
        self.heading = (
            f"Archived cards ({len(self.archived)}): enter brings one back to where it was."
        )

    def options(self) -> list[Option]:
        options = []
        for card in self.archived:
            line = Text(safe(card.title, one_line=True), style="bold")
            line.append(f"   {card.column.label}", style="dim")
            who = safe(self.name_of(card.updated_by), one_line=True)
            when = f" {local_time(card.updated_at)}" if card.updated_at else ""
            line.append(f" · archived by {who}{when}", style="dim")
            options.append(Option(line, id=card.id))
        return options
