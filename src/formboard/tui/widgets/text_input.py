"""Text fields that keep every character a person types that a card may hold.

Textual's Input and TextArea insert a typed character only if ``str.isprintable``
accepts it, so they drop the zero-width non-joiner (U+200C, part of Persian spelling),
the zero-width joiner (U+200D, inside emoji such as 👩‍⚕️), no-break spaces, soft
hyphens, private-use characters and characters newer than Python's Unicode tables,
while a paste keeps them. TextInput and TextBox insert those too; control characters
and text-direction overrides stay refused, by the same rule the model checks.

TextBox is built on first use: the app imports its dialogs at start-up and TextArea
is slow to import.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Input

from formboard.core.rules import clean_text

if TYPE_CHECKING:
    from textual.widgets import TextArea as TextBox

# Never typed into a field: controls, lone surrogates, and line or paragraph
# separators (a TextArea would turn them into line breaks, a title cannot hold one).
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


def kept_unprintable(character: str | None) -> bool:
    """Whether ``character`` is one Textual's fields would drop but a card may hold."""
    if character is None or len(character) != 1 or character.isprintable():
        return False
    if unicodedata.category(character) in _REFUSED_CATEGORIES:
        return False
    try:
        clean_text(character)
    except ValueError:
        return False  # a text-direction override: the model refuses it
    return True


class TextInput(Input):
    """An Input that also inserts the invisible characters a card may hold."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return kept_unprintable(character) or super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        # Runs before Input's own handler, which then only restarts the cursor blink.
        if kept_unprintable(event.character):
            assert event.character is not None
            event.stop()
            self._insert(event.character)

    def _on_paste(self, event: events.Paste) -> None:
        # Input keeps only the first line of a paste; a one-line field keeps every line,
        # joined by spaces, so nothing pasted is silently dropped.
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        if len(lines) > 1:
            event.stop()
            event.prevent_default()
            self._insert(" ".join(lines))

    def _insert(self, text: str) -> None:
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)


def _make_text_box() -> type[TextBox]:
    from textual.widgets import TextArea

    class TextBox(TextArea):
        """A TextArea that also inserts the invisible characters a card may hold."""

        def check_consume_key(self, key: str, character: str | None = None) -> bool:
            return (
                not self.read_only and kept_unprintable(character)
            ) or super().check_consume_key(key, character)

        async def _on_key(self, event: events.Key) -> None:
            # Runs before TextArea's own handler, which then only restarts the cursor blink.
            if not self.read_only and kept_unprintable(event.character):
                assert event.character is not None
                event.stop()
                start, end = self.selection
                self.replace(event.character, start, end, maintain_selection_offset=False)

        def _recompute_cursor_offset(self) -> None:
            # textual#6686 (open; the fix proposed in its PR #6687): undoing a multi-line
            # edit puts the shorter text back before the cursor, and a scrollbar going
            # away in between asks where the cursor is drawn, on a line now gone: a
            # ValueError that ended the app. The cursor is drawn clamped to the text; the
            # undo then puts it back where it was.
            place = self.clamp_visitable(self.cursor_location)
            self._cursor_offset = self.wrapped_document.location_to_offset(place)

    TextBox.__qualname__ = "TextBox"
    return TextBox


def __getattr__(name: str) -> Any:
    # ``from formboard.tui.widgets.text_input import TextBox`` builds the class once.
    if name == "TextBox":
        text_box = _make_text_box()
        globals()["TextBox"] = text_box
        return text_box
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
