"""Choosing a colleague to follow: my cursor goes where theirs goes (case meetings)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets.option_list import Option

from formboard.core.model import Card
from formboard.core.presence import PresenceEntry
from formboard.tui.dialogs.choice import ListDialog
from formboard.tui.text import safe, truncate


class FollowPicker(ListDialog):
    """Lists everyone with the board open; enter follows, esc cancels. Returns an entry key."""

    DEFAULT_CSS = (
        "FollowPicker > Vertical { width: 72; } FollowPicker OptionList { max-height: 16; }"
    )
    heading = "Follow whom? Your cursor will go where theirs goes."
    hint = "enter follows · your own arrow keys stop following · esc cancels"

    def __init__(self, others: list[PresenceEntry], cards: Mapping[str, Card]) -> None:
        super().__init__()
        self.others = others
        self.cards = cards

    def options(self) -> list[Option]:
        options = []
        for entry in self.others:
            line = Text(f"{safe(entry.initials)}  {safe(entry.name or entry.login, one_line=True)}")
            if entry.discipline:
                line.append(f" ({safe(entry.discipline, one_line=True)})")
            card = self.cards.get(entry.focused or "")
            if card is not None:
                line.append(f" — on {truncate(safe(card.title, one_line=True), 30)}", style="dim")
            options.append(Option(line, id=entry.key))
        return options
