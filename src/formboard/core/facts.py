"""What a card, a link and a time say, written once; each surface words them in its own width.

The board's marker line, `formboard show` (and its --plain text), the markdown export, the
open card and the help legend all take a card's facts, a link's sentence, a time and the
board order from here, so a new fact, or a new word for one, reaches every surface at once.
Titles come back as given: each surface makes them safe its own way (core/text.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from formboard.core.model import Board, Card, Column, Domain, Link, LinkKind, Status

COLUMN_ORDER = {column: index for index, column in enumerate(Column)}
STATUS_SHORT = {Status.HYPOTHESIS: "hyp", Status.AGREED: "agreed", Status.RETIRED: "retired"}
WORDS_MARK = "“”"  # the client's own words are recorded
PROBLEM_MARK = "⚠"  # a value another program stored; `formboard check` names it
TIME_FORMAT = "%Y-%m-%d %H:%M"
RELATION_OUT, RELATION_IN = "►", "◄"  # on the board: how a card is linked to the focused one


def count(n: int, noun: str) -> str:
    """``1 card``, ``2 cards``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# ------------------------------------------------------------------ cards


@dataclass(frozen=True)
class CardFacts:
    """What a card says about itself beyond its text, as data each surface words."""

    status: Status
    domain: Domain | None
    perspectives: int
    links: int  # to and from the card
    client_words: bool
    problems: tuple[str, ...]  # values another program stored, in words

    @property
    def status_word(self) -> str:
        """hypothesis, agreed with client or retired."""
        return self.status.label

    @property
    def status_short(self) -> str:
        """hyp, agreed or retired: the status where room is short."""
        return STATUS_SHORT[self.status]


def card_facts(card: Card, links: int) -> CardFacts:
    """The facts of ``card``, which has ``links`` links to and from it."""
    return CardFacts(
        status=card.status,
        domain=card.domain,
        perspectives=len(card.perspectives),
        links=links,
        client_words=bool(card.client_words.strip()),
        problems=card.problems,
    )


def link_counts(links: Iterable[Link]) -> Counter[str]:
    """How many links each card has, to and from it, by card id."""
    counts: Counter[str] = Counter()
    for link in links:
        counts[link.from_id] += 1
        counts[link.to_id] += 1
    return counts


# ------------------------------------------------------------------ links


def link_words(kind: LinkKind, *, backwards: bool = False) -> str:
    """A link's words read forwards ("maintains") or backwards ("maintained by")."""
    return kind.passive if backwards else kind.phrase


def link_sentence(
    kind: LinkKind, source: str, target: str, *, backwards: bool = False
) -> tuple[str, str, str]:
    """A link as (first, words, second).

    Forwards: ("Avoiding the office", "maintains", "Panic at work"); backwards, from the
    card acted upon: ("Panic at work", "maintained by", "Avoiding the office").
    """
    words = link_words(kind, backwards=backwards)
    return (target, words, source) if backwards else (source, words, target)


class LinkEnd(NamedTuple):
    """A link read from one of its cards: "maintains" the other, or "maintained by" it."""

    words: str
    other_id: str
    outgoing: bool


def seen_from(link: Link, card_id: str) -> LinkEnd:
    """``link`` read from the card ``card_id`` at one of its ends."""
    outgoing = link.from_id == card_id
    other = link.to_id if outgoing else link.from_id
    return LinkEnd(link_words(link.kind, backwards=not outgoing), other, outgoing)


# How the board's markers read (the help panel's legend): marker, meaning.
MARKER_LEGEND: tuple[tuple[str, str], ...] = (
    (" · ".join(STATUS_SHORT.values()), "the card's status"),
    (f"{count(2, 'view')} · {count(3, 'link')}", "perspectives on the card, links to and from it"),
    (WORDS_MARK, "the client's own words are recorded"),
    (PROBLEM_MARK, "another program stored a value formboard does not know (open the card)"),
    (f"{RELATION_OUT} {link_words(LinkKind.MAINTAINS)}", "this card maintains the focused card"),
    (
        f"{RELATION_IN} {link_words(LinkKind.MAINTAINS, backwards=True)}",
        "this card is maintained by the focused card",
    ),
    ("AR", "initials of a colleague whose cursor is on the card"),
)


# ------------------------------------------------------------ order, time


def board_order(card: Card) -> tuple[int, float, str]:
    """The sort key of board order: column order, then position, then id."""
    return COLUMN_ORDER[card.column], card.position, card.id


def ordered_cards(board: Board) -> list[Card]:
    """All cards, archived included, in board order."""
    return sorted(board.cards, key=board_order)


def local_time(moment: str | float) -> str:
    """``2025-03-04 14:02`` in local time, from a stored UTC timestamp or a file time.

    A stored timestamp that does not read as one (another program wrote it) gives "".
    """
    if isinstance(moment, str):
        try:
            when = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone()
        except ValueError:
            return ""
    else:
        when = datetime.fromtimestamp(moment).astimezone()
    return when.strftime(TIME_FORMAT)
