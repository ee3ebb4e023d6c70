"""What a card, a link and a time say, written once; each surface words them in its own width.

The board's marker line, `formboard show` (and its --plain text), the markdown export, the
open card and the help legend all take a card's facts, a link's sentence, a time and the
board order from here, so a new fact, or a new word for one, reaches every surface at once.
Titles come back as given: each surface makes them safe its own way (core/text.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from formboard.core.model import Board, Card, Column, Domain, Link, LinkKind, Status
from formboard.core.text import one_line

COLUMN_ORDER = {column: index for index, column in enumerate(Column)}
STATUS_SHORT = {Status.HYPOTHESIS: "hypothesis", Status.AGREED: "agreed", Status.RETIRED: "retired"}
WORDS_MARK = "“words”"  # the client's own words are recorded
PROBLEM_MARK = "⚠"  # a value another program stored; `formboard check` names it
PROBLEM_MARKER = f"{PROBLEM_MARK} odd value"  # the same, on a card's marker line
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
        """hypothesis, agreed or retired: the status in one word, as a card shows it."""
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


UNKNOWN_CARD = "a card"  # a link's end that is not on the board (or a title not given)
UNKNOWN_KIND = "is linked to"  # a link kind this version does not know


class LinkSaid(NamedTuple):
    """A link in words, in the parts each surface styles its own way (bold titles on the
    board, quotes in the record, escaped in HTML): the two ends as given, the words between.

    Forwards: ("Avoiding the office", "maintains", "Panic at work"); backwards, from the
    card acted upon: ("Panic at work", "maintained by", "Avoiding the office").
    """

    first: str
    words: str
    second: str


def link_said(
    kind: LinkKind | str, source: str, target: str, *, backwards: bool = False
) -> LinkSaid:
    """A link from ``source`` to ``target``, each named as the surface names it (a title,
    "this part", a quoted title); a kind this version does not know "is linked to"."""
    try:
        words = link_words(LinkKind(kind), backwards=backwards)
    except ValueError:
        words = UNKNOWN_KIND
    return LinkSaid(target, words, source) if backwards else LinkSaid(source, words, target)


def link_titles(
    link: Link, titles: Mapping[str, str], *, backwards: bool = False, ids: bool = False
) -> LinkSaid:
    """``link`` with its cards' titles; an end not in ``titles`` is "a card" (its id,
    with ``ids``: a listing someone may act on)."""
    ends = [titles.get(i, i if ids else UNKNOWN_CARD) for i in (link.from_id, link.to_id)]
    return link_said(link.kind, *ends, backwards=backwards)


class CycleLike(Protocol):
    """A maintaining cycle (``graph.Cycle``): its cards in order, the kind of each link."""

    @property
    def cards(self) -> tuple[str, ...]: ...
    @property
    def kinds(self) -> tuple[LinkKind, ...]: ...


def cycle_said(cycle: CycleLike, titles: Mapping[str, str]) -> tuple[str, ...]:
    """A maintaining cycle in turns of title and words, back to where it started:
    ("Panic", "maintains", "Avoiding the office", "triggers", "Panic")."""
    names = [titles.get(c, UNKNOWN_CARD) for c in cycle.cards]
    parts: list[str] = []
    for name, kind in zip(names, cycle.kinds, strict=True):
        parts += [name, kind.phrase]
    return (*parts, names[0])


def cycle_line(cycle: CycleLike, titles: Mapping[str, str]) -> str:
    """ "Panic → maintains → Avoiding the office → triggers → … → Panic", on one line, every
    character visible (not yet escaped for HTML)."""
    return " → ".join(one_line(part) for part in cycle_said(cycle, titles))


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
    ("new · changed", "since the last meeting (or your last visit)"),
    ("cycle of 2", "the card is in a maintaining cycle of two cards (c lists the cycles)"),
    (" · ".join(STATUS_SHORT.values()), "the card's status"),
    (f"{count(2, 'view')} · {count(3, 'link')}", "perspectives on the card, links to and from it"),
    (WORDS_MARK, "the client's own words are recorded"),
    (PROBLEM_MARKER, "another program stored a value formboard does not know (open the card)"),
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
