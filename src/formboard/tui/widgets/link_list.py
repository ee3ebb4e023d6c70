"""An open card's links as sentences, and keeping a list of widgets in step with data.

LinkRow reads a link from one card's side: "maintains → Avoiding the office", or
"maintained by ← Panic at work" for a link that arrives. ``sync_children`` mounts what is
new and drops what went, so the rows that stay keep their focus.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from formboard.core import facts
from formboard.core.model import Card, Link
from formboard.tui.text import plain


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
        end = facts.seen_from(self.link, self.card_id)
        title = self.other.title if self.other else "a card no longer on the board"
        arrow = "→" if end.outgoing else "←"
        text = Text(f"{end.words} {arrow} ") + plain(title, "bold", one_line=True)
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
            return cards.get(facts.seen_from(mine[link_id], card_id).other_id)

        for link_id, row in rows.items():
            if link_id in mine:
                row.show(mine[link_id], card_id, other(link_id))
        order = sorted(mine, key=lambda i: (mine[i].created_at, i))
        empty = "No links yet: x links this card to another."
        sync_children(self, rows, order, empty, lambda i: LinkRow(mine[i], card_id, other(i)))
