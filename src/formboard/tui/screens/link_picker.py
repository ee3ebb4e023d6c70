"""The link picker: link a card to another, in two steps.

Step one filters every other card on the board by a fuzzy match of its title;
step two shows each kind of link as a sentence with both titles ("Avoiding the
office maintains Panic at work"), r turns the sentence around, and enter saves.
If the write fails, the picker comes back with the choice made and the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.fuzzy import FuzzySearch
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from formboard.core import facts
from formboard.core.commands import LinkCards
from formboard.core.model import Card, LinkKind
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.text import plain
from formboard.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp
    from formboard.tui.dialogs.asking import Retries


def rank_cards(cards: list[Card], query: str, search: FuzzySearch | None = None) -> list[Card]:
    """Cards whose title matches ``query`` (best first); all of them, in board order, if empty."""
    in_order = sorted(cards, key=facts.board_order)
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


def link_choice(this: str, kind: LinkKind, other: str, reverse: bool) -> Text:
    """ "<this> maintains <other>" (or the other way round), titles bold and literal."""
    source, target = (other, this) if reverse else (this, other)
    first, words, second = facts.link_said(kind, source, target)
    text = plain(first, "bold", one_line=True)
    text.append(f" {words} ")
    text.append(plain(second, "bold", one_line=True))
    return text


class LinkPicker(ClosesOnce, ModalScreen[None]):
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
        retries: Retries,
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
        self.retries = retries  # the screen that asks for the link, and opens this again
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
        state = self.formboard.board
        return state.cards.get(card_id or "") if state else None

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
        cards = self.formboard.cards.values()
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
            Option(link_choice(this_title, kind, other_title, self.reverse), id=kind.value)
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
        app, retries = self.formboard, self.retries
        card_id, target_id, reverse = self.card_id, self.target_id, self.reverse

        def again(reason: str) -> None:
            # Come back with everything chosen and typed, and say why it did not save.
            app.push_screen(
                LinkPicker(
                    card_id, retries, target_id=target_id, kind=kind, reverse=reverse,
                    note=note, query=query, error=reason,
                )
            )  # fmt: skip

        if retries.submit(LinkCards(*ends, kind, note), again):
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
        from formboard.tui.dialogs.choice import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer == "discard":
                self.dismiss(None)

        # Keep editing first: a reflexive enter loses nothing.
        choices = [("k", "Keep editing", "keep"), ("d", "Discard the note", "discard")]
        self.app.push_screen(
            ChoiceDialog("Discard the note you typed for this link?", choices), answered
        )
