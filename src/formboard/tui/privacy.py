"""Hiding the screen: a key for when someone walks in, and by itself when nobody types.

A mixin of FormboardApp (DESIGN §7: a blank-screen key and an idle lock for shared
screens). Hiding is not a password lock: it keeps client text off a screen that others
can see; lock the computer itself when you walk away from it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import events

from formboard.core.settings import settings
from formboard.tui.screens.blank import BlankScreen

if TYPE_CHECKING:
    from textual.screen import Screen

CHECK_EVERY = 5.0  # seconds between looks at the idle clock
_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class Privacy:
    """The blank-screen key (b, or f12 anywhere), the idle hide, and held notices."""

    screen: Screen[Any]
    idle_after: float
    _last_input: float
    _held_notices: list[tuple[str, dict[str, Any]]]

    def start_privacy(self) -> None:
        """Start the idle clock (``idle_minutes`` in the settings; 0 turns it off)."""
        self.idle_after = settings().idle_minutes * 60
        self._last_input = time.monotonic()
        self._held_notices = []
        self.set_interval(CHECK_EVERY, self._check_idle, name="idle hide")  # type: ignore[attr-defined]

    @property
    def screen_hidden(self) -> bool:
        return isinstance(self.screen, BlankScreen)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _INPUT):
            self._last_input = time.monotonic()
        await super().on_event(event)  # type: ignore[misc]

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
        self.push_screen(BlankScreen(why), lambda _: self._show_held_notices())  # type: ignore[attr-defined]

    def notify(self, message: str, **kwargs: Any) -> None:
        # A notice can name a card: while hidden it waits, and shows once the screen is back.
        if getattr(self, "_held_notices", None) is not None and self.screen_hidden:
            self._held_notices.append((message, kwargs))
            return
        super().notify(message, **kwargs)  # type: ignore[misc]

    def _show_held_notices(self) -> None:
        held, self._held_notices = self._held_notices, []
        for message, kwargs in held:
            self.notify(message, **kwargs)
