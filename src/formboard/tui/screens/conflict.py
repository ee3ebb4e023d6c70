"""Settling a same-field conflict: my version and a colleague's, side by side.

ConflictDialog shows both versions of every field we both changed (DESIGN §3); the
person keeps mine, keeps theirs or merges the two. It only returns values: the card
screen writes them, so nothing typed is lost if the dialog is closed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from formboard.core.errors import BoardConflict, FieldConflict
from formboard.core.model import Status
from formboard.core.rules import clean_text, clean_title
from formboard.tui.card_draft import TEXT_FIELDS
from formboard.tui.dialogs.choice import DIALOG_CSS
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.text import plain, safe
from formboard.tui.widgets.text_input import TextBox

MERGE_SEPARATOR = "──── theirs below: merge the two, then ctrl+s ────"


def shown_value(name: str, value: Any) -> Text:
    """A field's value as plain text for the dialog (status by its label, empty said so)."""
    if name == "status" and value:
        try:
            return Text(Status(value).label)
        except ValueError:
            return plain(str(value))
    if value in (None, ""):
        return Text("(empty)" if name != "domain" else "none", style="italic")
    return plain(str(value))


class ConflictRow(Vertical, can_focus=True):
    """One conflicting field: mine and theirs side by side, and a merge box on demand."""

    DEFAULT_CSS = """
    ConflictRow { height: auto; border: round $panel-lighten-2; padding: 0 1; margin-bottom: 1; }
    ConflictRow:focus, ConflictRow:focus-within { border: round $primary; }
    ConflictRow:ansi { border: round ansi_bright_black; }
    ConflictRow:ansi:focus, ConflictRow:ansi:focus-within { border: round ansi_blue; }
    ConflictRow > Horizontal { height: auto; }
    ConflictRow .version { width: 1fr; height: auto; max-height: 10; padding-right: 1; }
    ConflictRow .version-title { color: $text-muted; text-style: bold; }
    ConflictRow .choice { color: $text-success; }
    ConflictRow TextArea { height: 8; display: none; }
    ConflictRow.-merging TextArea { display: block; }
    """

    def __init__(self, conflict: FieldConflict, label: str, theirs_by: str) -> None:
        super().__init__(id=f"conflict-{conflict.field}")
        self.conflict = conflict
        self.label = label
        self.theirs_by = theirs_by
        self.chosen: str | None = None  # "mine", "theirs" or "merged"

    def compose(self) -> ComposeResult:
        c = self.conflict
        yield Static(Text(f"The {self.label}", style="bold"), classes="field-label")
        with Horizontal():
            with Vertical(classes="version"):
                yield Static(Text("Yours (m keeps it)"), classes="version-title")
                yield Static(shown_value(c.field, c.mine), id="mine")
            with Vertical(classes="version"):
                theirs = f"{self.theirs_by}'s" if self.theirs_by else "Theirs"
                yield Static(plain(f"{theirs} (t keeps it)"), classes="version-title")
                yield Static(shown_value(c.field, c.theirs), id="theirs")
        yield Static("", classes="choice", id="choice")
        if c.field in TEXT_FIELDS:
            merged = safe(f"{c.mine or ''}\n{MERGE_SEPARATOR}\n{c.theirs or ''}")
            yield TextBox(merged, soft_wrap=True, tab_behavior="focus", id="merge")

    @property
    def merging(self) -> bool:
        """Whether the merge box is open."""
        return self.has_class("-merging")

    def choose(self, chosen: str) -> None:
        """Record the choice ("mine", "theirs" or "merged") and say it in the row."""
        self.chosen = chosen
        self.set_class(False, "-merging")
        words = {"mine": "keeping yours", "theirs": "keeping theirs", "merged": "using the merge"}
        self.query_one("#choice", Static).update(Text(f"✓ {words[chosen]}"))

    def value(self) -> Any:
        """The chosen value, as the store holds it."""
        c = self.conflict
        if self.chosen == "merged":
            return self.query_one("#merge", TextArea).text
        return c.theirs if self.chosen == "theirs" else c.mine


class ConflictDialog(ClosesOnce, ModalScreen[dict[str, Any] | None]):
    """Decide, field by field, between my version and a colleague's.

    Returns ``{field: value}`` for every conflicting field (values as the store
    holds them), or None when closed: then nothing is decided and my typed text
    stays in the card screen.
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConflictDialog", width=100)
        + """
    ConflictDialog VerticalScroll { height: auto; max-height: 65vh; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "keep('mine')", "Keep mine", id="conflict.mine"),
        Binding("t", "keep('theirs')", "Keep theirs", id="conflict.theirs"),
        Binding("e", "merge", "Edit a merge", id="conflict.merge"),
        Binding("ctrl+s", "use_merge", "Use merge", id="conflict.use-merge"),
        Binding("escape", "cancel", "Back", id="conflict.cancel"),
    ]

    def __init__(self, conflict: BoardConflict, field_labels: dict[str, str]) -> None:
        super().__init__()
        self.conflict = conflict
        self.field_labels = field_labels
        self.rows: list[ConflictRow] = []

    def compose(self) -> ComposeResult:
        who = self.conflict.theirs_by or "A colleague"
        names = ", ".join(self.field_labels.get(c.field, c.field) for c in self.conflict.conflicts)
        with Vertical(classes="dialog-box"):
            yield Static(
                plain(f"{who} changed the {names} while you were editing."),
                classes="dialog-title",
            )
            with VerticalScroll():
                for c in self.conflict.conflicts:
                    label = self.field_labels.get(c.field, c.field)
                    row = ConflictRow(c, label, self.conflict.theirs_by)
                    self.rows.append(row)
                    yield row
            yield Static("", classes="dialog-error", id="conflict-error")
            yield Static(
                "m keep mine · t keep theirs · e edit a merge (ctrl+s uses it) · "
                "esc goes back with nothing decided; your text stays in the card",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        if self.rows:
            self.rows[0].focus()

    def _row(self) -> ConflictRow | None:
        """The row holding focus, else the first undecided one."""
        focused = self.focused
        for row in self.rows:
            if focused is row or (focused is not None and row in focused.ancestors):
                return row
        return next((r for r in self.rows if r.chosen is None), None)

    def _error(self, text: str) -> None:
        self.query_one("#conflict-error", Static).update(plain(text))

    def action_keep(self, which: str) -> None:
        row = self._row()
        if row is not None:
            row.choose(which)
            self._next()

    def action_merge(self) -> None:
        row = self._row()
        if row is None:
            return
        if row.conflict.field not in TEXT_FIELDS:
            self._error(f"The {row.label} cannot be merged: keep yours (m) or theirs (t).")
            return
        row.add_class("-merging")
        row.query_one("#merge", TextArea).focus()
        self._error("")

    def action_use_merge(self) -> None:
        row = self._row()
        if row is None or not row.merging:
            return
        text = row.query_one("#merge", TextArea).text
        try:
            if MERGE_SEPARATOR in text:
                raise ValueError("still holds the separator line: merge the two versions first")
            (clean_title if row.conflict.field == "title" else clean_text)(text)
        except ValueError as exc:
            self._error(f"The merged {row.label} {exc}.")
            return
        row.choose("merged")
        self._next()

    def _next(self) -> None:
        """Move to the next undecided field, or return when every field is decided."""
        self._error("")
        undecided = [r for r in self.rows if r.chosen is None]
        if undecided:
            undecided[0].focus()
            return
        self.dismiss({r.conflict.field: r.value() for r in self.rows})

    def action_cancel(self) -> None:
        row = self._row()
        if row is not None and row.merging:
            # Leave the merge box; its text stays for the next e.
            row.set_class(False, "-merging")
            row.focus()
            return
        self.dismiss(None)
