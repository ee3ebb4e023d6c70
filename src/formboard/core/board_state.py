"""The board as a viewer knows it: one immutable snapshot, replaced by each change set.

The app's session owns the current snapshot and hands it, with the change set that made
it, to every screen and widget; none of them keeps a copy of its own. Lookups by id are
dictionaries (read-only views), so a widget asks the snapshot, never a list it filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from formboard.core.changes import ChangeSet
from formboard.core.meetings import Meeting
from formboard.core.model import Board, Card, Column, Link, Member
from formboard.core.person import Person


@dataclass(frozen=True)
class BoardState:
    """Everything on a board at one revision, indexed for a viewer."""

    client: str
    title: str
    revision: int
    cards: Mapping[str, Card] = field(default_factory=lambda: MappingProxyType({}))
    links: Mapping[str, Link] = field(default_factory=lambda: MappingProxyType({}))
    members: Mapping[Person, Member] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[str, ...] = ()  # what another program left wrong (``Board.problems``)
    meetings: tuple[Meeting, ...] = ()  # oldest first
    # A large board's first frame holds only the first cards of each column; this says how
    # many each column holds in all (``store.head``). None: every card is here.
    totals: Mapping[Column, int] | None = None

    @classmethod
    def of(cls, board: Board, totals: Mapping[Column, int] | None = None) -> BoardState:
        return cls(
            totals=MappingProxyType(dict(totals)) if totals is not None else None,
            client=board.client,
            title=board.title,
            revision=board.revision,
            cards=MappingProxyType({c.id: c for c in board.cards}),
            links=MappingProxyType({lk.id: lk for lk in board.links}),
            members=MappingProxyType({m.person: m for m in board.members}),
            problems=board.problems,
            meetings=board.meetings,
        )

    def apply(self, changes: ChangeSet) -> BoardState:
        """The snapshot after ``changes``."""
        cards, links, members = dict(self.cards), dict(self.links), dict(self.members)
        for card in changes.cards_added + changes.cards_changed:
            cards[card.id] = card
        for card_id in changes.cards_removed:
            cards.pop(card_id, None)
        for link in changes.links_added + changes.links_changed:
            links[link.id] = link
        for link_id in changes.links_removed:
            links.pop(link_id, None)
        members.update({m.person: m for m in changes.members_changed})
        meetings = {m.number: m for m in self.meetings}
        meetings.update({m.number: m for m in changes.meetings_changed})
        return BoardState(
            client=changes.meta_changed.get("client", self.client),
            title=changes.meta_changed.get("title", self.title),
            revision=max(self.revision, changes.revision),
            cards=MappingProxyType(cards),
            links=MappingProxyType(links),
            members=MappingProxyType(members),
            problems=self.problems,
            meetings=tuple(meetings[n] for n in sorted(meetings)),
        )

    def board(self) -> Board:
        """The snapshot as a Board (what the store diffs against when the log cannot say)."""
        return Board.model_construct(
            client=self.client,
            title=self.title,
            revision=self.revision,
            cards=tuple(self.cards.values()),
            links=tuple(self.links.values()),
            members=tuple(self.members.values()),
            problems=self.problems,
            meetings=self.meetings,
        )

    def name_of(self, login: str) -> str:
        """A member's name for their login (the login itself if the board does not know it).

        A row that keeps only a login (a card's "changed by") cannot say which of the
        colleagues sharing that login it was: it names each of them ("Ana Ruiz or Ben Okafor").
        """
        names = sorted({m.name for m in self.members.values() if m.login == login and m.name})
        return " or ".join(names) or login or "someone"
