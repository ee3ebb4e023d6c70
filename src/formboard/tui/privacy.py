"""Hiding the screen: a key for when someone walks in, and by itself when nobody types.

The board's app derives from ``PrivateApp`` (DESIGN §7: a blank-screen key and an idle lock for shared
screens). Hiding is not a password lock: it keeps client text off a screen that others
can see; lock the computer itself when you walk away from it.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import events
from textual.notifications import SeverityLevel

from formboard.core.settings import settings
from formboard.tui.safe_app import ReturnType, SafeApp
from formboard.tui.screens.blank import BlankScreen

CHECK_EVERY = 5.0  # seconds between looks at the idle clock
_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class PrivateApp(SafeApp[ReturnType]):
    """The blank-screen key (b, or f12 anywhere), the idle hide, and held notices."""

    idle_after: float = 0.0
    _last_input: float = 0.0
    _held_notices: list[tuple[str | Text, dict[str, Any]]] | None = None

    def start_privacy(self) -> None:
        """Start the idle clock (``idle_minutes`` in the settings; 0 turns it off)."""
        self.idle_after = settings().idle_minutes * 60
        self._last_input = time.monotonic()
        self._held_notices = []
        self.set_interval(CHECK_EVERY, self._check_idle, name="idle hide")

    @property
    def screen_hidden(self) -> bool:
        return isinstance(self.screen, BlankScreen)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _INPUT):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def following_a_meeting(self) -> bool:
        """Whether I follow someone through a running meeting (counts as being present)."""
        return False

    def _check_idle(self) -> None:
        if self.following_a_meeting():
            self._last_input = time.monotonic()  # watching the meeting is being here
        idle = time.monotonic() - self._last_input
        if self.idle_after and idle >= self.idle_after and not self.screen_hidden:
            minutes = self.idle_after / 60
            self.hide_screen(f"after {minutes:g} idle minute{'s' if minutes != 1 else ''}.")

    def action_blank(self) -> None:
        self.hide_screen()

    def hide_screen(self, why: str = "") -> None:
        if self.screen_hidden:
            return
        self.push_screen(BlankScreen(why), lambda _: self._show_held_notices())

    def notify(
        self,
        message: str | Text,
        *,
        title: str | Text = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        # A notice can name a card: while hidden it waits, and shows once the screen is back.
        said = {"title": title, "severity": severity, "timeout": timeout}
        if self._held_notices is not None and self._screen_mounted() and self.screen_hidden:
            self._held_notices.append((message, said))
            return
        super().notify(message, title=title, severity=severity, timeout=timeout)

    def _show_held_notices(self) -> None:
        held, self._held_notices = self._held_notices or [], []
        for message, said in held:
            self.notify(message, **said)
