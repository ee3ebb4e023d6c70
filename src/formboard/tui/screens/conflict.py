"""Editing beside colleagues: noticing their changes, and settling a same-field conflict.

CardDraft remembers a card as it was when editing began and tells which fields
I changed, which a colleague changed under me, and which both of us did (DESIGN
§3). ConflictDialog shows my version and a colleague's side by side for every field
we both changed; the person keeps mine, keeps theirs or merges the two. It only
returns values: the card screen writes them, so nothing typed is lost if the
dialog is closed. ChoiceDialog asks one question with a few keyed answers
(save / discard / keep editing, remove or not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from formboard.core.errors import BoardConflict, FieldConflict
from formboard.core.model import CARD_EDIT_FIELDS, Card, Domain, Status, clean_text, clean_title
from formboard.tui.text import plain, safe
from formboard.tui.widgets.text_input import TextBox

TEXT_FIELDS = ("title", "body", "client_words")
FIELD_LABELS = {
    "title": "title",
    "body": "body",
    "client_words": "client's own words",
    "status": "status",
    "domain": "domain",
}
MERGE_SEPARATOR = "──── theirs below: merge the two, then ctrl+s ────"

_DIALOG_CSS = """
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


def from_store(name: str, value: Any) -> Any:
    """A value as the store reports it in a conflict (``"agreed"``), as a card holds it."""
    if name == "status":
        return Status(value)
    if name == "domain":
        return Domain(value) if value else None
    return value or ""


def same(name: str, a: Any, b: Any) -> bool:
    """Whether two values of a field say the same, as the screen shows them.

    Text is compared as shown (control characters made visible, see ``safe``), so an
    untouched field is never sent back; a title's outer spaces don't count.
    """
    if name in TEXT_FIELDS:
        a, b = safe(str(a or "")), safe(str(b or ""))
        # A text box shows the Unicode line and paragraph separators as line breaks.
        a, b = (text.replace("\u2028", "\n").replace("\u2029", "\n") for text in (a, b))
        if name == "title":
            a, b = a.strip(), b.strip()
    return a == b


@dataclass
class CardDraft:
    """A card as it was when editing began (``base`` at ``base_rev``), to compare with."""

    base: dict[str, Any] = field(default_factory=dict)
    base_rev: int = 0

    @classmethod
    def of(cls, card: Card) -> CardDraft:
        """The draft of a card as it is now."""
        return cls({f: getattr(card, f) for f in CARD_EDIT_FIELDS}, card.rev)

    def edited(self, typed: dict[str, Any]) -> dict[str, Any]:
        """The typed fields that differ from the base: what a save sends."""
        if not self.base:
            return {}
        return {f: v for f, v in typed.items() if not same(f, v, self.base[f])}

    def absorb(
        self, card: Card, typed: dict[str, Any], *, mine: bool = False
    ) -> tuple[dict[str, Any], list[str]]:
        """Take in a newer state of the card.

        Returns the fields to show anew (ones I have not touched) and the fields a
        colleague changed while I was editing them (those keep my text and the old
        base, so saving them meets the store's conflict check). ``mine`` is my own
        save landing: every field it reports becomes the base.
        """
        if not self.base or (card.rev < self.base_rev and not mine):
            return {}, []
        show: dict[str, Any] = {}
        clashes: list[str] = []
        for name in CARD_EDIT_FIELDS:
            new, old = getattr(card, name), self.base[name]
            if same(name, new, old):
                continue
            untouched = same(name, typed[name], old)
            if untouched or mine or same(name, typed[name], new):
                if untouched:
                    show[name] = new
                self.base[name] = new
            else:
                clashes.append(name)
        if mine or not clashes:
            self.base_rev = card.rev
        return show, clashes

    def settle(self, conflict: BoardConflict, values: dict[str, Any]) -> dict[str, Any]:
        """Apply a ConflictDialog's answer: theirs becomes the base; returns what to show.

        A field where I kept theirs then equals the base and is not sent again; one
        where I kept mine or merged differs and is sent over theirs at their revision.
        """
        show = {}
        for c in conflict.conflicts:
            self.base[c.field] = from_store(c.field, c.theirs)
            show[c.field] = from_store(c.field, values.get(c.field, c.mine))
        if conflict.current_rev:
            self.base_rev = conflict.current_rev
        return show


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


class ChoiceDialog(ModalScreen[str | None]):
    """One question, a few answers each with a key; esc answers None."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="ChoiceDialog", width=64)
        + """
    ChoiceDialog Horizontal { height: auto; margin-top: 1; }
    ChoiceDialog Button { margin-right: 1; min-width: 10; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str | Text, choices: list[tuple[str, str, str]]) -> None:
        """``choices`` are (key, label, answer): pressing key answers ``answer``."""
        super().__init__()
        self.question = question
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


class ConflictDialog(ModalScreen[dict[str, Any] | None]):
    """Decide, field by field, between my version and a colleague's.

    Returns ``{field: value}`` for every conflicting field (values as the store
    holds them), or None when closed: then nothing is decided and my typed text
    stays in the card screen.
    """

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="ConflictDialog", width=100)
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
