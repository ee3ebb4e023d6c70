"""The board's vocabulary: columns, cards, perspectives, links, members and ops.

These frozen records are what the store returns; ``checked`` makes one from a person's
input by each field's rule, and the refusals name the field and say what is allowed.
Import's file models (pydantic, ``core.importing``) call the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from formboard.core.meetings import Meeting
from formboard.core.person import Person, person_key
from formboard.core.rules import (
    InvalidValues,
    Record,
    a_number,
    a_whole_number,
    clean_line,
    clean_text,
    clean_title,
    cleaned_by,
    cleaned_in_place,
    is_text,
    kept_out,
    not_blank,
    one_of,
    or_none,
    yes_or_no,
)


class Column(StrEnum):
    """The five fixed columns, in board order."""

    SYMPTOMS = "symptoms"
    SOURCES = "sources"
    QUALITIES = "qualities"
    RESOURCES = "resources"
    RELATIONSHIPS = "relationships"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def describes(self) -> str:
        return COLUMN_DESCRIPTIONS[self]


COLUMN_DESCRIPTIONS = {
    Column.SYMPTOMS: "what brings distress: presenting problems, in the client's and team's words",
    Column.SOURCES: "core sources of experience: history, predisposing and precipitating events",
    Column.QUALITIES: "qualities of the person: patterns, meanings, beliefs, ways of being",
    Column.RESOURCES: "strengths and supports that engender resilience, connection and vitality",
    Column.RELATIONSHIPS: "relationships and systems: family, work, community, environment",
}


class Status(StrEnum):
    HYPOTHESIS = "hypothesis"
    AGREED = "agreed"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"hypothesis": "hypothesis", "agreed": "agreed with client", "retired": "retired"}[
            self.value
        ]


class Domain(StrEnum):
    BIO = "bio"
    PSYCH = "psych"
    SOCIAL = "social"
    CULTURAL = "cultural"
    SPIRITUAL = "spiritual"


class LinkKind(StrEnum):
    TRIGGERS = "triggers"
    MAINTAINS = "maintains"
    PROTECTS_AGAINST = "protects-against"
    PREDISPOSES = "predisposes"
    GIVES_MEANING_TO = "gives-meaning-to"
    RELATES_TO = "relates-to"

    @property
    def phrase(self) -> str:
        """The link read forwards: "Avoiding the office — maintains — Panic at work"."""
        return self.value.replace("-", " ")

    @property
    def passive(self) -> str:
        """The link read backwards: "Panic at work — maintained by — Avoiding the office"."""
        return _PASSIVE[self]


_PASSIVE = {
    LinkKind.TRIGGERS: "triggered by",
    LinkKind.MAINTAINS: "maintained by",
    LinkKind.PROTECTS_AGAINST: "protected against by",
    LinkKind.PREDISPOSES: "predisposed by",
    LinkKind.GIVES_MEANING_TO: "given meaning by",
    LinkKind.RELATES_TO: "related to",
}


def now_iso() -> str:
    """UTC time with milliseconds, the format of every timestamp in a board."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Perspective(Record):
    """One practitioner's reading of a card."""

    id: str
    card_id: str
    author: str
    author_name: str = ""
    discipline: str
    text: str
    created_at: str = ""
    updated_at: str = ""
    rev: int = 1

    _rules: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "id": is_text, "card_id": is_text, "author": is_text, "author_name": cleaned_by(clean_line),
        "discipline": cleaned_by(clean_line), "text": not_blank, "created_at": is_text,
        "updated_at": is_text, "rev": a_whole_number,
    }  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Card(Record):
    """A part of the client's experience."""

    id: str
    column: Column
    position: float
    title: str
    body: str = ""
    client_words: str = ""
    status: Status = Status.HYPOTHESIS
    domain: Domain | None = None
    archived: bool = False
    rev: int = 1
    created_by: str = ""
    created_at: str = ""
    updated_by: str = ""
    updated_at: str = ""
    perspectives: tuple[Perspective, ...] = ()
    # What is wrong with values another program stored, in words (never exported).
    problems: tuple[str, ...] = kept_out()

    _rules: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "id": is_text, "column": one_of(Column), "position": a_number,
        "title": cleaned_by(clean_title), "body": cleaned_by(clean_text),
        "client_words": cleaned_by(clean_text), "status": one_of(Status),
        "domain": or_none(one_of(Domain)), "archived": yes_or_no, "rev": a_whole_number,
        "created_by": is_text, "created_at": is_text, "updated_by": is_text, "updated_at": is_text,
    }  # fmt: skip


# Fields of a card a person edits; the store accepts any subset of these.
CARD_EDIT_FIELDS = ("title", "body", "client_words", "status", "domain")
CARD_FIELDS = (*CARD_EDIT_FIELDS, "column", "position", "archived")


def card_edit(values: dict[str, Any]) -> dict[str, Any]:
    """New values for some of a card's edit fields, each cleaned by the card's rule."""
    errors = []
    cleaned = dict(values)
    for name in values:
        if name not in CARD_EDIT_FIELDS:
            errors.append((name, "is not a field a person edits"))
        elif refused := cleaned_in_place(Card._rules, cleaned, name):
            errors.append(refused)
    if errors:
        raise InvalidValues(errors)
    return cleaned


@dataclass(frozen=True, slots=True, kw_only=True)
class Link(Record):
    """A typed, directed connection between two cards."""

    id: str
    from_id: str = field(metadata={"alias": "from"})
    to_id: str = field(metadata={"alias": "to"})
    kind: LinkKind
    note: str = ""
    author: str = ""
    created_at: str = ""
    problems: tuple[str, ...] = kept_out()  # as Card.problems

    _rules: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "id": is_text, "from_id": is_text, "to_id": is_text, "kind": one_of(LinkKind),
        "note": cleaned_by(clean_text), "author": is_text, "created_at": is_text,
    }  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Member(Record):
    """Someone who has worked on the board."""

    login: str
    name: str = ""
    discipline: str = ""
    initials: str = ""
    last_seen: str = ""

    _rules: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "login": cleaned_by(clean_line), "name": cleaned_by(clean_line),
        "discipline": cleaned_by(clean_line), "initials": is_text, "last_seen": is_text,
    }  # fmt: skip

    @property
    def person(self) -> Person:
        """The member is a login and a name: two names at one login are two members."""
        return person_key(self.login, self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Op(Record):
    """One entry of the append-only op log."""

    seq: int
    revision: int
    at: str
    author: str
    author_name: str = ""
    host: str = ""
    client_id: str = ""
    client_seq: int = 0
    op: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    hash: str = ""  # its link in the op log's hash chain (``store.chain``)
    # The database role that wrote it, set by the server ("" in a file): shown in the log.
    role: str = kept_out("")
    # What another program left wrong in this row of the log, in words (never exported).
    problems: tuple[str, ...] = kept_out()

    @property
    def person(self) -> Person:
        """Who wrote it: the author's login and the name they went by."""
        return person_key(self.author, self.author_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Board(Record):
    """Everything on a board at one revision."""

    client: str
    title: str = ""
    revision: int = 0
    cards: tuple[Card, ...] = ()
    links: tuple[Link, ...] = ()
    members: tuple[Member, ...] = ()
    # What is wrong with the board as another program left it, in words (never exported).
    problems: tuple[str, ...] = kept_out()
    # The board's meetings, oldest first (kept with the board, not part of an export).
    meetings: tuple[Meeting, ...] = kept_out()

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)

    def column(self, column: Column, archived: bool = False) -> list[Card]:
        """Cards of one column in board order."""
        cards = [c for c in self.cards if c.column == column and c.archived == archived]
        return sorted(cards, key=lambda c: (c.position, c.id))


def initials_of(name: str, login: str = "") -> str:
    words = [w for w in re.split(r"[\s._-]+", name or login) if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()
