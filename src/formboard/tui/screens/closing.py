"""A screen closes once, and only itself.

Textual's ``Screen.dismiss`` pops whatever screen is on top. A second key that arrives
while a dialog is already closing (a quick double enter, ctrl+s then enter) dismissed it
again and popped the screen below, or, on the board, failed with "there must be at least
one screen": a crash. Every formboard screen that dismisses itself takes this first.
"""

from __future__ import annotations

from typing import Any

from textual.await_complete import AwaitComplete


class ClosesOnce:
    """Put before Textual's ``Screen``/``ModalScreen``: ``dismiss`` closes this screen only
    while it is the one on top, so a key that comes after it began to close does nothing."""

    is_active: bool

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)  # type: ignore[misc]
