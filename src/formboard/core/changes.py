"""Change sets: what moved on a board between two revisions.

The app applies a change set to its widgets whether the change was its own
write or a colleague's, so there is one path from the file to the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from formboard.core.meetings import Meeting
from formboard.core.model import Board, Card, Link, Member, Op


@dataclass
class ChangeSet:
    """Entities that differ between ``since`` and ``revision``.

    Perspective changes arrive as the changed card, with its perspectives.
    ``full`` is True when the op log could not explain the revisions (a writer
    bypassed formboard) and the set was computed by diffing whole boards.
    """

    since: int
    revision: int
    cards_added: list[Card] = field(default_factory=list)
    cards_changed: list[Card] = field(default_factory=list)
    cards_removed: list[str] = field(default_factory=list)
    links_added: list[Link] = field(default_factory=list)
    links_changed: list[Link] = field(default_factory=list)
    links_removed: list[str] = field(default_factory=list)
    members_changed: list[Member] = field(default_factory=list)
    meta_changed: dict[str, str] = field(default_factory=dict)
    meetings_changed: list[Meeting] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    full: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.cards_added
            or self.cards_changed
            or self.cards_removed
            or self.links_added
            or self.links_changed
            or self.links_removed
            or self.members_changed
            or self.meta_changed
            or self.meetings_changed
        )

    def card_ids(self) -> set[str]:
        """Ids of every card that was added, changed or removed."""
        return (
            {c.id for c in self.cards_added}
            | {c.id for c in self.cards_changed}
            | set(self.cards_removed)
        )


def diff_boards(old: Board, new: Board, since: int) -> ChangeSet:
    """The change set between two whole boards (the fallback for unexplained revisions)."""
    changes = ChangeSet(since=since, revision=new.revision, full=True)
    old_cards = {c.id: c for c in old.cards}
    new_cards = {c.id: c for c in new.cards}
    for card_id, card in new_cards.items():
        before = old_cards.get(card_id)
        if before is None:
            changes.cards_added.append(card)
        elif before != card:
            changes.cards_changed.append(card)
    changes.cards_removed = [cid for cid in old_cards if cid not in new_cards]
    old_links = {link.id: link for link in old.links}
    new_links = {link.id: link for link in new.links}
    for link_id, link in new_links.items():
        before_link = old_links.get(link_id)
        if before_link is None:
            changes.links_added.append(link)
        elif before_link != link:
            changes.links_changed.append(link)
    changes.links_removed = [lid for lid in old_links if lid not in new_links]
    old_members = {m.person: m for m in old.members}
    changes.members_changed = [m for m in new.members if old_members.get(m.person) != m]
    old_meetings = {m.number: m for m in old.meetings}
    changes.meetings_changed = [m for m in new.meetings if old_meetings.get(m.number) != m]
    for key in ("client", "title"):
        if getattr(old, key) != getattr(new, key):
            changes.meta_changed[key] = getattr(new, key)
    return changes
