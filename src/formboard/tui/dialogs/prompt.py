"""Small dialogs that ask for text: a new card's title, a perspective, the filter.

A dialog that is reopened after a failed write shows the reason and keeps
what the person typed; esc asks before it throws typed text away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from formboard.core.rules import clean_line, clean_text, clean_title
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.widgets.text_input import TextInput


@dataclass
class PromptField:
    """One field of a dialog."""

    name: str
    label: str
    value: str = ""
    multiline: bool = False
    placeholder: str = ""
    kind: str = "line"  # "title", "text" or "line": which model rule validates it
    required: bool = False
    # What the field held before anything was typed, when the dialog reopens with typed
    # text after a failed write (None: ``value`` is that).
    original: str | None = None


_RULES = {"title": clean_title, "text": clean_text, "line": clean_line}
SAVE_HINT = "enter or ctrl+s saves · esc cancels"
# Enter in a text box starts a new line, so the hint must not promise it saves.
TEXT_BOX_HINT = "ctrl+s saves · enter in the text box is a new line · esc cancels"


class PromptScreen(ClosesOnce, ModalScreen[dict[str, str] | None]):
    """Ask for one or more fields; enter (ctrl+s in a text box) saves.

    Esc cancels at once when nothing was typed, else asks before discarding it.
    """

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PromptScreen .prompt-title { text-style: bold; margin-bottom: 1; }
    PromptScreen .prompt-error { color: $text-error; }
    PromptScreen .prompt-hint { color: $text-muted; }
    PromptScreen TextArea { height: 6; }
    PromptScreen Label { margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self, title: str, fields: list[PromptField], error: str = "", hint: str = ""
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.fields = fields
        self.error = error
        multiline = any(f.multiline for f in fields)
        self.hint = hint or (TEXT_BOX_HINT if multiline else SAVE_HINT)

    def compose(self) -> ComposeResult:
        # TextArea is heavy to import; the app imports this module at start-up.
        from formboard.tui.widgets.text_input import TextBox

        with Vertical():
            yield Static(self.prompt_title, classes="prompt-title", markup=False)
            for f in self.fields:
                yield Label(f.label, markup=False)
                if f.multiline:
                    yield TextBox(
                        f.value, id=f"field-{f.name}", soft_wrap=True, tab_behavior="focus"
                    )
                else:
                    # A reopened dialog keeps what was typed: one key must not replace it.
                    yield TextInput(
                        f.value,
                        placeholder=f.placeholder,
                        id=f"field-{f.name}",
                        select_on_focus=False,
                    )
            yield Static(self.error, classes="prompt-error", id="prompt-error", markup=False)
            yield Static(self.hint, classes="prompt-hint", markup=False)

    def values(self) -> dict[str, str]:
        from formboard.tui.widgets.text_input import TextBox

        out = {}
        for f in self.fields:
            if f.multiline:
                out[f.name] = self.query_one(f"#field-{f.name}", TextBox).text
            else:
                out[f.name] = self.query_one(f"#field-{f.name}", TextInput).value
        return out

    def _problem(self, values: dict[str, str]) -> str:
        for f in self.fields:
            value = values[f.name]
            if f.required and not value.strip():
                return f"{f.label} must not be empty."
            try:
                _RULES[f.kind](value)
            except ValueError as exc:
                return f"{f.label} {exc}."
        return ""

    @on(Input.Submitted)
    def action_save(self) -> None:
        values = self.values()
        problem = self._problem(values)
        if problem:
            self.query_one("#prompt-error", Static).update(problem)
            return
        self.dismiss(values)

    def typed(self) -> bool:
        """Whether any field differs from what it held before anything was typed."""
        values = self.values()
        return any(
            values[f.name] != (f.value if f.original is None else f.original) for f in self.fields
        )

    def action_cancel(self) -> None:
        """Close without saving (esc); ask first if that would throw typed text away."""
        if not self.typed():
            self.dismiss(None)
            return
        # conflict.py imports TextArea, which the app does not load at start-up.
        from formboard.tui.dialogs.choice import ChoiceDialog

        # Keep editing comes first: the focused button, so a reflexive enter loses nothing.
        choices = [("k", "Keep editing", "keep"), ("d", "Discard", "discard")]
        self.app.push_screen(ChoiceDialog("Discard what you typed?", choices), self._answered)

    def _answered(self, answer: str | None) -> None:
        if answer == "discard":
            self.dismiss(None)


@dataclass
class PromptDraft:
    """A dialog and what was typed into it, kept until its write lands (dialogs/asking.py)."""

    title: str
    fields: list[PromptField]
    make_command: Callable[[dict[str, str]], Any]
    values: dict[str, str] = field(default_factory=dict)
