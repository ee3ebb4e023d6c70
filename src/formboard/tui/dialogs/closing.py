"""A screen closes once, and only itself.

Textual's ``Screen.dismiss`` pops whatever screen is on top. A second key that arrives
while a dialog is already closing (a quick double enter, ctrl+s then enter) dismissed it
again and popped the screen below, or, on the board, failed with "there must be at least
one screen": a crash. Every formboard screen that dismisses itself takes this first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.await_complete import AwaitComplete

if TYPE_CHECKING:
    from textual.screen import Screen

    _Screen = Screen[Any]  # for the type checker, what this goes before
else:
    # Not a Screen at run time: Textual takes a class's CSS and component classes from
    # its first DOM base only, so the palette would lose its own.
    _Screen = object


class ClosesOnce(_Screen):
    """Put before Textual's ``Screen``/``ModalScreen``: ``dismiss`` closes this screen only
    while it is the one on top, so a key that comes after it began to close does nothing."""

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)
