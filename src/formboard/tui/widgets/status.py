"""The status line: client, the save state, when and by whom the board last changed, who
I am, in words (a revision number is for `show --json`, `log` and `check`, not here)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from formboard.tui.text import safe


class StatusLine(Static):
    """One line: ``C-0421 · saved · meeting: Ana · 3 min · 4 here · changed 14:02 by Ben
    Okafor · Ana Ruiz (psychology)``."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    StatusLine.-warning { color: $text-warning; background: $warning-muted; }
    StatusLine.-error { color: $text-error; background: $error-muted; }
    """

    client = reactive("")
    revision = reactive(0)  # known, not shown
    changed = reactive("")  # "changed 14:02 by Ben Okafor" (core/history.last_changed)
    me = reactive("")
    save_state = reactive("opening…")
    extra = reactive("")
    meeting = reactive("")  # "meeting: Ana · 23 min · 4 here" while one runs
    since = reactive("")  # "3 new · 5 changed since meeting 2 (2026-11-24) (. next)"

    def render(self) -> Text:
        # The save state early: at 80 columns the end of the line may not show.
        # A meeting running matters more than when the board last changed.
        parts = [self.client or "no board", self.save_state, self.meeting, self.changed]
        parts += [self.since, self.me]
        if self.extra:
            parts.append(self.extra)
        return Text(safe(" · ".join(p for p in parts if p), one_line=True), no_wrap=True)

    def set_state(self, text: str, level: str = "") -> None:
        """Show the save state; level "warning" or "error" adds a class (colour plus words)."""
        self.save_state = text
        self.set_class(level == "warning", "-warning")
        self.set_class(level == "error", "-error")
