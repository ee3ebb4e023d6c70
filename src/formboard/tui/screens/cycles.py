"""Every maintaining cycle as a sentence; enter goes to the cycle's first card."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.binding import Binding
from textual.widgets.option_list import Option

from formboard.core.facts import count, cycle_line
from formboard.core.graph import Cycle
from formboard.tui.dialogs.choice import ListDialog
from formboard.tui.text import safe


class CycleList(ListDialog):
    """The maintaining cycles; enter answers the chosen cycle's first card id."""

    DEFAULT_CSS = "CycleList > Vertical { width: 110; }"
    BINDINGS = [Binding("escape", "cancel", "Close", id="cycles.close")]
    hint = "enter goes to the cycle's first card · esc closes"

    def __init__(self, found: list[Cycle], titles: Mapping[str, str]) -> None:
        super().__init__()
        self.found = found
        self.titles = titles
        self.heading = (
            f"Maintaining cycles ({count(len(found), 'cycle')}): links that keep a problem "
            "going and return to where they started."
        )

    def options(self) -> list[Option]:
        return [
            Option(Text(safe(cycle_line(cycle, self.titles))), id=f"{i}:{cycle.cards[0]}")
            for i, cycle in enumerate(self.found)
        ]

    def answer(self, option_id: str | None) -> str | None:
        """The chosen cycle's first card (ids are "<n>:<card>": two may start alike)."""
        return option_id.split(":", 1)[1] if option_id and ":" in option_id else None
