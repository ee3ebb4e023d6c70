"""Links: a card's links as sentences, and the picker that links a card to another.

LinkRow reads a link from one card's side: "maintains → Avoiding the office",
or "maintained by ← Panic at work" for a link that arrives.

Step one filters every other card on the board by a fuzzy match of its title;
step two shows each kind of link as a sentence with both titles ("Avoiding the
office maintains Panic at work"), r turns the sentence around, and enter saves.
If the write fails, the picker comes back with the choice made and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.fuzzy import FuzzySearch
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from formboard.core.errors import BoardConflict
from formboard.core.model import Card, Column, Link, LinkKind
from formboard.tui.session import WriteRequest
from formboard.tui.text import plain
from formboard.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp

_COLUMN_ORDER = {column: index for index, column in enumerate(Column)}


def rank_cards(cards: list[Card], query: str, search: FuzzySearch | None = None) -> list[Card]:
    """Cards whose title matches ``query`` (best first); all of them, in board order, if empty."""
    in_order = sorted(cards, key=lambda c: (_COLUMN_ORDER[c.column], c.position, c.id))
    query = query.strip()
    if not query:
        return in_order
    search = search or FuzzySearch()
    scored = [(search.match(query, c.title)[0], i, c) for i, c in enumerate(in_order)]
    return [c for score, _i, c in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]


def match_line(card: Card, query: str, search: FuzzySearch) -> Text:
    """A card's title with the matched letters underlined, then its column, all literal."""
    text = plain(card.title, one_line=True)
    if query.strip():
        _score, offsets = search.match(query.strip(), card.title)
        for offset in offsets:
            if offset < len(text):
                text.stylize("bold underline", offset, offset + 1)
    text.append(f"   {card.column.label}", style="dim")
    return text


def link_sentence(this: str, kind: LinkKind, other: str, reverse: bool) -> Text:
    """ "<this> maintains <other>" (or the other way round), titles shown literally."""
    first, second = (other, this) if reverse else (this, other)
    text = plain(first, "bold", one_line=True)
    text.append(f" {kind.phrase} ")
    text.append(plain(second, "bold", one_line=True))
    return text


class LinkRow(Static, can_focus=True):
    """One link of a card, as a sentence from that card's side, with its note."""

    DEFAULT_CSS = """
    LinkRow { height: auto; padding: 0 1; }
    LinkRow:focus { background: $primary 30%; text-style: bold; }
    LinkRow:ansi:focus { background: ansi_blue; }
    """

    def __init__(self, link: Link, card_id: str, other: Card | None) -> None:
        super().__init__(id=f"link-{link.id}")
        self.show(link, card_id, other)

    def show(self, link: Link, card_id: str, other: Card | None) -> None:
        """Show ``link`` as seen from ``card_id``; ``other`` is the card at its far end."""
        self.link, self.card_id, self.other = link, card_id, other
        text = self.sentence()
        if link.note:
            text.append(" — ")
            text.append(plain(link.note, "italic", one_line=True))
        self.update(text)

    def sentence(self) -> Text:
        """ "maintains → <other>" going out, "maintained by ← <other>" coming in."""
        outgoing = self.link.from_id == self.card_id
        words = f"{self.link.kind.phrase} → " if outgoing else f"{self.link.kind.passive} ← "
        title = self.other.title if self.other else "a card no longer on the board"
        text = Text(words) + plain(title, "bold", one_line=True)
        if self.other is not None and self.other.archived:
            text.append(" (archived)")
        return text


class EmptyNote(Static, can_focus=True):
    """ "No links yet…": focusable, so an open card's keys work when a section is empty."""

    DEFAULT_CSS = """
    EmptyNote { color: $text-muted; text-style: italic; padding: 0 1; width: auto; }
    EmptyNote:focus { background: $primary 30%; }
    EmptyNote:ansi:focus { background: ansi_blue; }
    """


def sync_children(
    box: Widget, shown: Mapping[str, Widget], wanted: list[str], empty: str,
    make: Callable[[str], Widget],
) -> None:  # fmt: skip
    """Mount what is new, drop what went, say when nothing is left; the rest keep focus."""
    for key in wanted:
        if key not in shown:
            box.mount(make(key))
    for key, widget in shown.items():
        if key not in wanted:
            widget.remove()
    notes = box.query(EmptyNote)
    if not wanted and not notes:
        box.mount(EmptyNote(empty))
    elif wanted:
        notes.remove()


class LinkList(Vertical):
    """An open card's links, one sentence each, updated in place."""

    DEFAULT_CSS = "LinkList { height: auto; }"

    def show(self, card_id: str, links: Mapping[str, Link], cards: Mapping[str, Card]) -> None:
        """Show the links to and from ``card_id``, oldest first."""
        mine = {k: lk for k, lk in links.items() if card_id in (lk.from_id, lk.to_id)}
        rows = {r.link.id: r for r in self.query(LinkRow)}

        def other(link_id: str) -> Card | None:
            link = mine[link_id]
            return cards.get(link.to_id if link.from_id == card_id else link.from_id)

        for link_id, row in rows.items():
            if link_id in mine:
                row.show(mine[link_id], card_id, other(link_id))
        order = sorted(mine, key=lambda i: (mine[i].created_at, i))
        empty = "No links yet: x links this card to another."
        sync_children(self, rows, order, empty, lambda i: LinkRow(mine[i], card_id, other(i)))


class LinkPicker(ModalScreen[None]):
    """Choose the other card, the kind of link and its direction, then save."""

    DEFAULT_CSS = """
    LinkPicker { align: center middle; }
    LinkPicker > Vertical {
        width: 80; max-width: 96%; height: auto; max-height: 92%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    LinkPicker:ansi > Vertical { border: thick ansi_blue; }
    LinkPicker .picker-title { text-style: bold; margin-bottom: 1; }
    LinkPicker .picker-hint { color: $text-muted; }
    LinkPicker .picker-error { color: $text-error; }
    LinkPicker OptionList { height: auto; max-height: 12; }
    LinkPicker #kind-step { height: auto; display: none; }
    LinkPicker.-kind #kind-step { display: block; }
    LinkPicker.-kind #find-step { display: none; }
    LinkPicker #find-step { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="link.back"),
        Binding("r", "reverse", "Reverse", id="link.reverse"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
    ]

    def __init__(
        self,
        card_id: str,
        *,
        target_id: str | None = None,
        kind: LinkKind | None = None,
        reverse: bool = False,
        note: str = "",
        query: str = "",
        error: str = "",
    ) -> None:
        super().__init__()
        self.card_id = card_id
        self.target_id = target_id
        self.kind = kind or LinkKind.TRIGGERS
        self.reverse = reverse
        self.note = note
        self.query_text = query
        self.error = error
        self.search = FuzzySearch()

    @property
    def formboard(self) -> FormboardApp:
        return cast("FormboardApp", self.app)

    def _card(self, card_id: str | None) -> Card | None:
        return self.formboard.board_view.cards.get(card_id or "")

    def compose(self) -> ComposeResult:
        card = self._card(self.card_id)
        title = Text("Link ") + plain(card.title if card else "this card", "italic", one_line=True)
        with Vertical():
            yield Static(title, classes="picker-title")
            with Vertical(id="find-step"):
                yield TextInput(self.query_text, placeholder="type part of a title", id="find")
                yield OptionList(id="matches")
                yield Static(
                    "↑ ↓ choose · enter picks the card · esc cancels", classes="picker-hint"
                )
            with Vertical(id="kind-step"):
                yield Static("", id="target")
                yield OptionList(id="kinds")
                yield TextInput(self.note, placeholder="note (optional)", id="note")
                yield Static(
                    "↑ ↓ choose how they connect · r reverses · enter saves · esc goes back",
                    classes="picker-hint",
                )
            yield Static(plain(self.error), classes="picker-error", id="picker-error")

    def on_mount(self) -> None:
        self._fill_matches()
        if self._card(self.target_id) is not None:
            self._to_kind_step()
        else:
            self.query_one("#find", Input).focus()

    # --------------------------------------------------------- step one

    def _candidates(self) -> list[Card]:
        cards = self.formboard.board_view.cards.values()
        return [c for c in cards if c.id != self.card_id and not c.archived]

    def _fill_matches(self) -> None:
        query = self.query_one("#find", Input).value
        found = rank_cards(self._candidates(), query, self.search)
        matches = self.query_one("#matches", OptionList)
        matches.clear_options()
        matches.add_options(Option(match_line(c, query, self.search), id=c.id) for c in found)
        if found:
            matches.highlighted = 0
        else:
            matches.add_option(
                Option(Text("No other card matches.", style="italic"), disabled=True)
            )

    @on(Input.Changed, "#find")
    def _find_changed(self) -> None:
        self._fill_matches()

    @on(Input.Submitted, "#find")
    def _find_submitted(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.highlighted is not None:
            self._pick(matches.get_option_at_index(matches.highlighted).id)

    @on(OptionList.OptionSelected, "#matches")
    def _match_selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, card_id: str | None) -> None:
        if self._card(card_id) is None:
            return
        self.target_id = card_id
        self._to_kind_step()

    # --------------------------------------------------------- step two

    def _to_kind_step(self) -> None:
        self.add_class("-kind")
        target = self._card(self.target_id)
        assert target is not None
        self.query_one("#target", Static).update(
            Text("With: ")
            + plain(target.title, "bold", one_line=True)
            + Text(f"  ({target.column.label})", style="dim")
        )
        self._fill_kinds()
        self.query_one("#kinds", OptionList).focus()

    def _fill_kinds(self) -> None:
        this, target = self._card(self.card_id), self._card(self.target_id)
        this_title = this.title if this else "this card"
        other_title = target.title if target else "the other card"
        kinds = self.query_one("#kinds", OptionList)
        keep = kinds.highlighted if kinds.option_count else list(LinkKind).index(self.kind)
        kinds.clear_options()
        kinds.add_options(
            Option(link_sentence(this_title, kind, other_title, self.reverse), id=kind.value)
            for kind in LinkKind
        )
        kinds.highlighted = keep

    def action_reverse(self) -> None:
        if self.has_class("-kind"):
            self.reverse = not self.reverse
            self._fill_kinds()

    def action_cursor(self, step: int) -> None:
        """↑ ↓ from a text box move the list of its step."""
        target = "#kinds" if self.has_class("-kind") else "#matches"
        options = self.query_one(target, OptionList)
        if step < 0:
            options.action_cursor_up()
        else:
            options.action_cursor_down()

    @on(OptionList.OptionSelected, "#kinds")
    @on(Input.Submitted, "#note")
    def _save(self) -> None:
        kinds = self.query_one("#kinds", OptionList)
        if kinds.highlighted is None or self.target_id is None:
            return
        kind = LinkKind(kinds.get_option_at_index(kinds.highlighted).id or "")
        note = self.query_one("#note", Input).value
        ends = (self.target_id, self.card_id) if self.reverse else (self.card_id, self.target_id)
        query = self.query_one("#find", Input).value
        app = self.formboard
        card_id, target_id, reverse = self.card_id, self.target_id, self.reverse

        def failed(reason: str, _conflict: BoardConflict | None) -> None:
            # Come back with everything chosen and typed, and say why it did not save.
            app.push_screen(
                LinkPicker(
                    card_id, target_id=target_id, kind=kind, reverse=reverse, note=note,
                    query=query, error=reason,
                )
            )  # fmt: skip

        request = WriteRequest("add_link", (*ends, kind), {"note": note}, on_failed=failed)
        if app.write(request):
            self.dismiss(None)
        else:
            reason = app.read_only_reason or "the board cannot be changed"
            self.query_one("#picker-error", Static).update(plain(f"Not saved: {reason}."))

    def action_back(self) -> None:
        if self.has_class("-kind"):
            self.remove_class("-kind")
            self.query_one("#find", Input).focus()
            return
        note = self.query_one("#note", Input).value
        if not note.strip() or note == self.note:
            self.dismiss(None)
            return
        from formboard.tui.screens.conflict import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer == "discard":
                self.dismiss(None)

        # Keep editing first: a reflexive enter loses nothing.
        choices = [("k", "Keep editing", "keep"), ("d", "Discard the note", "discard")]
        self.app.push_screen(
            ChoiceDialog("Discard the note you typed for this link?", choices), answered
        )
