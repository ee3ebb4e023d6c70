"""Small dialogs any screen may open: one question with a few keyed answers.

ChoiceDialog asks "save / discard / keep editing", "remove or not" and the like; its
look (``DIALOG_CSS``) is shared by every dialog of the app.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.text import safe

DIALOG_CSS = """
    {name} {{ align: center middle; }}
    {name} > .dialog-box {{
        width: {width}; max-width: 96%; height: auto; max-height: 92%;
        border: thick $primary; background: $surface; padding: 0 1;
    }}
    {name}:ansi > .dialog-box {{ border: thick ansi_blue; }}
    {name} .dialog-title {{ text-style: bold; margin-bottom: 1; }}
    {name} .dialog-hint {{ color: $text-muted; }}
    {name} .dialog-error {{ color: $text-error; }}
"""


class ChoiceDialog(ClosesOnce, ModalScreen[str | None]):
    """One question, a few answers each with a key; esc answers None."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ChoiceDialog", width=64)
        + """
    ChoiceDialog Horizontal { height: auto; margin-top: 1; }
    ChoiceDialog Button { margin-right: 1; min-width: 10; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str | Text, choices: list[tuple[str, str, str]]) -> None:
        """``choices`` are (key, label, answer): pressing key answers ``answer``.

        A ``str`` question may quote board text: it is shown as its characters (safe).
        """
        super().__init__()
        self.question = safe(question) if isinstance(question, str) else question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.question, classes="dialog-title", markup=False)
            with Horizontal():
                for key, label, answer in self.choices:
                    yield Button(f"{label} ({key})", id=f"choice-{answer}")
            yield Static("press a key or choose a button · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_key(self, event: events.Key) -> None:
        for key, _label, answer in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(answer)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ListDialog(ClosesOnce, ModalScreen[str | None]):
    """A question over a list: enter answers the chosen option's id, esc answers None.

    Subclasses give ``heading``, ``hint`` and ``options()``.
    """

    DEFAULT_CSS = """
    ListDialog { align: center middle; }
    ListDialog > Vertical {
        width: 80; max-width: 96%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ListDialog OptionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    heading = ""
    hint = ""

    def options(self) -> list[Option]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.heading, markup=False)
            yield OptionList(*self.options())
            yield Static(self.hint, markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.answer(event.option.id))

    def answer(self, option_id: str | None) -> str | None:
        """What choosing the option answers (its id, unless a subclass says otherwise)."""
        return option_id

    def action_cancel(self) -> None:
        self.dismiss(None)
