"""One card, open: read and edit its fields, see every perspective, follow its links.

Editing is optimistic (DESIGN §3): a CardDraft remembers the card as it was when
editing began and ctrl+s sends only the fields that differ from it. A colleague's
change to a field I have not touched appears at once; one to a field I am editing
is announced and, on save, the store reports a conflict that the ConflictDialog
settles. Typed text is never thrown away.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static, TextArea

from formboard.core.board_state import BoardState
from formboard.core.commands import EditCard
from formboard.core.facts import PROBLEM_MARK
from formboard.core.model import Card
from formboard.tui.card_draft import FIELD_LABELS, CardDraft
from formboard.tui.dialogs.asking import Retries
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.messages import BoardChanged, SaveState, WriteFailed, WriteSaved
from formboard.tui.screens.card_parts import (
    NO_DOMAIN,
    PerspectiveRow,
    card_fields,
    reading_text,
    short_time,
)
from formboard.tui.screens.card_perspectives import PerspectivesAndLinks
from formboard.tui.screens.card_saving import CardSaves
from formboard.tui.text import plain, safe
from formboard.tui.widgets.footer import QuietFooter
from formboard.tui.widgets.link_list import LinkList

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp
    from formboard.tui.screens.board import BoardScreen

ARCHIVED = "archived this card; saving is off. Your text is still here to copy."
REMOVED = "Someone removed this card from the board; saving is off. Your text is still here."


class CardForm(VerticalScroll, can_focus=False):
    """The fields, perspectives and links; focus goes to them, and they scroll into view."""


class CardScreen(ClosesOnce, Screen[None]):
    """Read and edit one card; its perspectives side by side; its links as sentences."""

    CSS_PATH = "card.tcss"  # beside this file

    # One place for the keys: the footer shows the descriptions, the help the tooltips.
    AUTO_FOCUS = None  # focus is chosen here: reading never focuses a field
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", tooltip="save the fields you changed", id="card.save"),
        Binding("escape,q", "back", "Back", tooltip="back to the board (asks first if not saved)", id="card.back"),
        Binding("p", "add_perspective", "Add view", tooltip="add your perspective", id="card.add-perspective"),
        Binding("e", "edit", "Edit", tooltip="edit the card's fields (while editing, on your perspective: edit it)", id="card.edit"),
        Binding("enter", "edit_perspective", show=False),
        Binding("d,delete", "remove", "Remove", tooltip="remove your focused perspective or link (asks first)", id="card.remove"),
        Binding("x", "add_link", "Link", tooltip="link this card to another", id="card.add-link"),
        Binding("question_mark", "help", "Help", tooltip="this help", id="card.help"),
        Binding("up,k", "app.focus_previous", show=False, tooltip="previous field, perspective or link"),
        Binding("down,j", "app.focus_next", show=False, tooltip="next field, perspective or link"),
        Binding("left,h", "app.focus_previous", show=False),
        Binding("right,l", "app.focus_next", show=False),
        # The board's own keys would act on the board behind this screen.
    ]  # fmt: skip

    def __init__(
        self, card_id: str, *, board: BoardScreen, followed: bool = False, editing: bool = False
    ) -> None:
        super().__init__()
        self.card_id = card_id
        self.board_screen = board  # where following ends and "since" is known
        self.views_and_links = PerspectivesAndLinks(self)
        self.retries = Retries(self)  # the writes this card asked for from its dialogs
        self.followed = followed  # opened because the colleague I follow opened it
        self.reading = not editing  # a card opens to read: e (or a click) starts editing
        self.draft = CardDraft()
        self.gone = ""  # why saving is off: the card was archived or removed
        self.notices: dict[str, str] = {}
        self.saves = CardSaves(self)  # ctrl+s, and leaving with changes not saved
        self.covered = False  # a dialog has been on top since it opened
        self.styled_in: str | None = None  # a spare's theme when its styles were applied

    @property
    def formboard(self) -> FormboardApp:
        return cast("FormboardApp", self.app)

    @property
    def board(self) -> BoardState:
        """The board's latest snapshot (the app's; this screen keeps no copy)."""
        board = self.formboard.board
        assert board is not None, "a card opens only on a loaded board"
        return board

    def compose(self) -> ComposeResult:
        card = self.formboard.cards.get(self.card_id)
        yield Static("", id="card-heading")
        yield Static("", id="card-notices")
        with CardForm(id="card-form"):
            yield Static(reading_text(card) if card else "", id="card-reading")
            with Vertical(id="card-fields"):
                yield from card_fields(card)
            yield Label(
                "Perspectives — p adds yours, enter on yours edits it, d removes yours",
                classes="field-label",
            )
            yield PerspectiveRow(id="perspectives")
            yield Label("Links — x adds one, d removes the focused one", classes="field-label")
            yield LinkList(id="links")
        yield Static("", id="card-message")
        yield QuietFooter()

    def on_mount(self) -> None:
        if self.card_id:  # else a spare, built ahead (``open_card_screen``): bound later
            self._open()

    def bind(self, card_id: str, *, followed: bool = False, editing: bool = False) -> None:
        """Make this spare screen, composed and styled while the board was idle, card
        ``card_id``'s: its fields filled in, as opening it anew would have them."""
        self.card_id, self.followed, self.reading = card_id, followed, not editing
        card = self.board.cards.get(card_id)
        if card is not None:
            self.query_one("#card-reading", Static).update(reading_text(card))
            for name in ("title", "body", "client_words", "status", "domain"):
                self.set_field(name, getattr(card, name))
        self._open()

    def _open(self) -> None:
        self.set_class(self.reading, "-reading")
        card = self.board.cards.get(self.card_id)
        if card is None:
            self._set_gone(REMOVED)
            return
        self.draft = CardDraft.of(card)
        self._show_card(card, perspectives=False)
        if self.reading:
            self.views_and_links.show()
        else:  # the fields first; perspectives and links (below them) a frame later
            self.call_after_refresh(self.views_and_links.show)
        if self.formboard.read_only_reason:
            self.say(
                f"This board is read-only ({self.formboard.read_only_reason}): "
                "you can read and copy here, but nothing can be saved."
            )
        # Reading: no key reaches a field (disabled, they take no focus, not even Textual's).
        self.query_one("#card-fields").disabled = self.reading
        if self.reading:
            self.call_after_refresh(self.views_and_links.focus_to_read)
            # Focus scrolls the form before its first layout; start at the top, label showing.
            self.call_after_refresh(self.query_one(CardForm).scroll_home, animate=False)
        else:
            # At the top already: scrolling there would draw two frames more.
            self.query_one("#title", Input).focus(scroll_visible=False)

    # -------------------------------------------------- reading and editing

    def action_edit(self) -> None:
        """e: while reading, edit the card's fields; while editing, my focused perspective."""
        if self.reading:
            self.start_editing()
        else:
            self.views_and_links.edit_perspective()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing is being edited while reading: no save offered (nor in the footer).
        return not (action == "save" and self.reading)

    def start_editing(self, field: str = "title") -> None:
        """Leave reading for the edit fields (following ends: this is my own move)."""
        if self.followed:
            self.followed = False
            self.board_screen.colleagues.own_move()
        self.reading = False
        self.set_class(False, "-reading")
        self.query_one("#card-fields").disabled = False
        self.query_one(f"#{field}").focus()

    @on(events.Click, "#card-reading")
    def _clicked_to_edit(self) -> None:
        self.start_editing()

    # ---------------------------------------------------------- the fields

    def typed(self) -> dict[str, Any]:
        """What the fields hold now, as card values."""
        domain = self.query_one("#domain", Select).value
        return {
            "title": self.query_one("#title", Input).value,
            "body": self.query_one("#body", TextArea).text,
            "client_words": self.query_one("#client_words", TextArea).text,
            "status": self.query_one("#status", Select).value,
            "domain": None if domain == NO_DOMAIN else domain,
        }

    def edited(self) -> dict[str, Any]:
        """The fields that differ from the card as it was when editing began."""
        return self.draft.edited(self.typed())

    def set_field(self, name: str, value: Any) -> None:
        # Control characters never reach the terminal; ``same`` compares text as shown.
        if name == "title":
            self.query_one("#title", Input).value = safe(value)
        elif name in ("body", "client_words"):
            self.query_one(f"#{name}", TextArea).load_text(safe(value))
        else:
            self.query_one(f"#{name}", Select).value = value or NO_DOMAIN

    def display_name(self, login: str) -> str:
        """A member's name for their login (the login itself if the board doesn't know it)."""
        return self.board.name_of(login)

    # ------------------------------------------------- following the board

    @on(BoardChanged)
    def _board_changed(self, message: BoardChanged) -> None:
        """A change set reached the board: follow this card, its perspectives and links."""
        changes = message.changes
        if self.card_id in changes.cards_removed:
            self._set_gone(REMOVED)
        me = self.formboard.identity.person  # a colleague at my login is not me
        for card in changes.cards_added + changes.cards_changed:
            if card.id == self.card_id:
                # Who changed it: a colleague's change, not my own conflict record.
                ops = [op for op in changes.ops if op.entity_id == card.id and op.op != "conflict"]
                theirs = [op for op in ops if op.person != me] or ops
                who = (theirs[-1].author_name or theirs[-1].author) if theirs else ""
                self.absorb(card, who=who)
        self.views_and_links.show_links()

    def on_screen_suspend(self, _event: events.ScreenSuspend) -> None:
        self.covered = True

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # A spare shown for the first time was styled when it was mounted, in this theme:
        # styling its fifty widgets again would cost a third of opening the card.
        if self.styled_in is not None:
            event.refresh_styles = self.styled_in != self.app.theme
            self.styled_in = None
        super()._on_screen_resume(event)

    def on_screen_resume(self, _event: events.ScreenResume) -> None:
        # Change sets that arrived while a dialog was on top were not sent here.
        if not self.covered:
            return
        card = self.board.cards.get(self.card_id)
        if card is None and self.draft.base:
            self._set_gone(REMOVED)
        elif card is not None:
            self.absorb(card)
            self.views_and_links.show_links()

    def absorb(self, card: Card, *, who: str = "", mine: bool = False) -> None:
        """Take in a newer state of the card without touching what I am editing."""
        show, clashes = self.draft.absorb(card, self.typed(), mine=mine)
        for name, value in show.items():
            self.set_field(name, value)
        who = who or self.display_name(card.updated_by)
        for name in clashes:
            self.notices[name] = f"{who} changed the {FIELD_LABELS[name]} while you were editing"
        self._show_card(card, by=who)

    def _show_card(self, card: Card, by: str = "", *, perspectives: bool = True) -> None:
        """Heading, notices, archive state and perspectives (``by``: who changed it last)."""
        domain = f"{card.domain.value} domain" if card.domain else "no domain"
        heading = f"{card.column.label} · {card.status.label} · {domain}"
        if card.updated_by:
            by = by or self.display_name(card.updated_by)
            heading += f" · changed by {by} {short_time(card.updated_at)}"
        if card.problems:  # values another program stored (see `formboard check`)
            heading += f" · {PROBLEM_MARK} " + "; ".join(card.problems)
        self.query_one("#card-heading", Static).update(plain(heading, one_line=True))
        since = self.board_screen.since.sentences(card.id)
        self.query_one("#card-reading", Static).update(reading_text(card, since))
        was_gone = self.gone
        if card.archived or self.gone.endswith(ARCHIVED):
            self.gone = f"{self.display_name(card.updated_by)} {ARCHIVED}" if card.archived else ""
        if self.gone and not was_gone:
            self.say("")  # an earlier "saved" would read as if edits here were still safe
        self.show_notices()
        if perspectives:
            self.views_and_links.show_perspectives(card)

    def show_notices(self) -> None:
        lines = list(self.notices.values()) + ([self.gone] if self.gone else [])
        box = self.query_one("#card-notices", Static)
        box.update(plain("\n".join(lines)))
        box.set_class(bool(lines), "-shown")

    def _set_gone(self, reason: str) -> None:
        self.gone = reason
        self.show_notices()
        self.say("")  # an earlier "saved" would read as if edits here were still safe

    def say(self, text: str, *, error: bool = False, hint: bool = False) -> None:
        message = self.query_one("#card-message", Static)
        message.update(plain(text))
        message.set_class(error, "-error")
        self._hinting = hint

    def on_descendant_focus(self) -> None:
        # A hint about where the focus should be is done once the focus moves.
        if getattr(self, "_hinting", False):
            self.say("")

    # -------------------------------------------------------------- saving

    def action_save(self) -> None:
        """Send the changed fields (ctrl+s)."""
        self.saves.save()

    @on(WriteSaved)
    def _write_saved(self, message: WriteSaved) -> None:
        """One of the writes this card asked for landed."""
        message.stop()
        self.retries.answered(message)
        if isinstance(message.command, EditCard) and isinstance(message.result, Card):
            self.saves.saved(message.result)
        else:
            self.views_and_links.saved(message.command)

    @on(WriteFailed)
    def _write_failed(self, message: WriteFailed) -> None:
        """One of this card's writes failed: its dialog comes back, or the card says why."""
        message.stop()
        if self.retries.answered(message):
            return
        if isinstance(message.command, EditCard):
            self.saves.failed(message.reason, message.conflict)
        else:
            self.views_and_links.failed(message.command, message.reason)

    @on(SaveState)
    def _waiting_for_lock(self, message: SaveState) -> None:
        """A colleague's write holds the lock: this card's save waits its turn, and says so."""
        if self.saves.saving and message.waiting_for:
            self.say(f"{message.text}… your change is written as soon as it is free.")

    def action_back(self) -> None:
        """Back to the board; with unsaved changes, ask first."""
        self.saves.back()

    # The keys that are the perspectives and links part's work.
    def action_add_perspective(self) -> None:
        self.views_and_links.add_perspective()

    def action_edit_perspective(self) -> None:
        self.views_and_links.edit_perspective()

    def action_remove(self) -> None:
        self.views_and_links.remove()

    def action_add_link(self) -> None:
        self.views_and_links.add_link()

    def action_help(self) -> None:
        """Show this screen's keys (?)."""
        from formboard.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, "Keys on an open card"))

    def system_commands(self) -> Iterable[SystemCommand]:
        """This screen's actions for the command palette (the app asks its screen)."""
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.show and b.tooltip:
                yield SystemCommand(b.description, b.tooltip, partial(self.run_action, b.action))
