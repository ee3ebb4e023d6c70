"""Who else has the board open: initials, name and discipline in words, and whom I follow."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from formboard.core.presence import PresenceEntry
from formboard.tui.text import safe


class PresenceBar(Static):
    """``Here: AR Ana Ruiz (psychology) · BO Ben Okafor (psychiatry) · following Ana``."""

    DEFAULT_CSS = """
    PresenceBar { height: 1; padding: 0 1; background: $panel; color: $text-muted; display: none; }
    """

    def show(self, others: list[PresenceEntry], following: PresenceEntry | None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        # Alone, the bar gives its row back to the board (it matters at 80×24).
        self.display = bool(others) or following is not None
        if others:
            text.append("Here: ")
            for i, entry in enumerate(others):
                if i:
                    text.append(" · ")
                text.append(safe(entry.initials, one_line=True), style="bold")
                who = safe(entry.name or entry.login, one_line=True)
                discipline = (
                    f" ({safe(entry.discipline, one_line=True)})" if entry.discipline else ""
                )
                text.append(f" {who}{discipline}")
        if following is not None:
            text.append(
                f"  ▸ following {safe(following.name or following.login, one_line=True)}",
                style="bold",
            )
        self.update(text, layout=False)  # one line of fixed size: no screen layout
