"""A Footer that rebuilds only when the keys it shows change.

Textual 8.2.8's stock Footer recomposes on every focus change and leaks
FooterKey widgets (textual #6666); on a board, focus moves on every arrow key.
"""

from __future__ import annotations

from textual import events
from textual.screen import Screen
from textual.widgets import Footer

NARROW = 100  # columns


class QuietFooter(Footer):
    """Footer that skips the rebuild when the active bindings are unchanged.

    Below 100 columns it drops its padding and the "^p palette" label (the help panel
    names ctrl+p), so every key still fits at 80×24 instead of the last ones being cut.
    """

    _shown: tuple[tuple[str, str, bool, str], ...] | None = None
    DEFAULT_CSS = """
    QuietFooter.-covered FooterKey { display: none; }
    QuietFooter.-covered FooterKey.-command-palette { display: block; }
    """

    def set_covered(self, covered: bool) -> None:
        """Under a dialog this screen's keys do nothing: show only the palette's."""
        self.set_class(covered, "-covered")

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        if self.compact != narrow:
            self.compact = narrow
            self.show_command_palette = not narrow
            # The palette key is chosen in compose: without this it stays as it was at
            # start-up (cutting off the last keys at 80 columns, or missing at 120).
            if self._bindings_ready:
                self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (binding.key, binding.action, enabled, binding.description)
            for (_, binding, enabled, _tip) in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown and self._bindings_ready:
            return
        super().bindings_changed(screen)
        # Footer rebuilds only while the app has focus (a browser tab starts blurred until
        # its terminal takes the keyboard): keys not yet shown must not count as shown.
        if screen.app.app_focus:
            self._shown = shown
