"""An open card's draft: the card as it was when editing began, to compare with.

CardDraft tells which fields I changed, which a colleague changed under me, and which
both of us did (DESIGN §3), so a save sends only my changes and a clash goes to the
conflict dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from formboard.core.errors import BoardConflict
from formboard.core.model import CARD_EDIT_FIELDS, Card, Domain, Status
from formboard.tui.text import safe

TEXT_FIELDS = ("title", "body", "client_words")
FIELD_LABELS = {
    "title": "title",
    "body": "body",
    "client_words": "client's own words",
    "status": "status",
    "domain": "domain",
}


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
