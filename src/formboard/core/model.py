"""The board's vocabulary: columns, cards, perspectives, links, members and ops.

These pydantic models are what the store returns and what import validates.
Validation messages name the field and say what is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from formboard.core.meetings import Meeting
from formboard.core.person import Person, person_key

TITLE_MAX = 200
TEXT_MAX = 20_000
CLIENT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


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

# C0 and C1 controls, DEL; newline and tab are allowed in free text only.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _no_controls(value: str, allow_newlines: bool) -> str:
    if _SURROGATE.search(value):  # argv bytes that were not UTF-8 (surrogateescape)
        raise ValueError("must be UTF-8 text (it holds bytes that are not)")
    bad = _CONTROL.search(value)
    if bad or (not allow_newlines and ("\n" in value or "\t" in value)):
        what = "control characters" if bad else "line breaks or tabs"
        raise ValueError(f"must not contain {what}")
    for ch in value:
        # Bidi overrides can disguise text on a shared screen.
        if (
            unicodedata.category(ch) == "Cf"
            and ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ):
            raise ValueError("must not contain text-direction override characters")
    return value


def clean_title(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > TITLE_MAX:
        raise ValueError(f"must be at most {TITLE_MAX} characters (it has {len(value)})")
    return _no_controls(value, allow_newlines=False)


def clean_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > TEXT_MAX:
        raise ValueError(f"must be at most {TEXT_MAX} characters (it has {len(value)})")
    return _no_controls(value, allow_newlines=True)


def clean_line(value: str) -> str:
    value = value.strip()
    if len(value) > TITLE_MAX:
        raise ValueError(f"must be at most {TITLE_MAX} characters (it has {len(value)})")
    return _no_controls(value, allow_newlines=False)


def clean_client_code(value: str) -> str:
    value = value.strip()
    if not CLIENT_CODE_RE.match(value):
        raise ValueError(
            "must be a pseudonymous code of letters, digits, '-', '_' or '.', "
            "up to 40 characters, such as C-0421"
        )
    return value


Title = Annotated[str, AfterValidator(clean_title)]
FreeText = Annotated[str, AfterValidator(clean_text)]
Line = Annotated[str, AfterValidator(clean_line)]
ClientCode = Annotated[str, AfterValidator(clean_client_code)]


def now_iso() -> str:
    """UTC time with milliseconds, the format of every timestamp in a board."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Model(BaseModel):
    # defer_build: validators are built on first validation; reads use model_construct.
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, defer_build=True)


class Perspective(_Model):
    """One practitioner's reading of a card."""

    id: str
    card_id: str
    author: str
    author_name: Line = ""
    discipline: Line
    text: FreeText
    created_at: str = ""
    updated_at: str = ""
    rev: int = 1

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class Card(_Model):
    """A part of the client's experience."""

    id: str
    column: Column
    position: float
    title: Title
    body: FreeText = ""
    client_words: FreeText = ""
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
    problems: tuple[str, ...] = Field(default=(), exclude=True)


# Fields of a card a person edits; the store accepts any subset of these.
CARD_EDIT_FIELDS = ("title", "body", "client_words", "status", "domain")
CARD_FIELDS = (*CARD_EDIT_FIELDS, "column", "position", "archived")


class CardEdit(_Model):
    """Validated new values for some fields of a card (None means unchanged, except domain)."""

    title: Title | None = None
    body: FreeText | None = None
    client_words: FreeText | None = None
    status: Status | None = None
    domain: Domain | None = None


class Link(_Model):
    """A typed, directed connection between two cards."""

    id: str
    from_id: str = Field(alias="from")
    to_id: str = Field(alias="to")
    kind: LinkKind
    note: FreeText = ""
    author: str = ""
    created_at: str = ""
    problems: tuple[str, ...] = Field(default=(), exclude=True)  # as Card.problems

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Member(_Model):
    """Someone who has worked on the board."""

    login: str
    name: Line = ""
    discipline: Line = ""
    initials: str = ""
    last_seen: str = ""

    @property
    def person(self) -> Person:
        """The member is a login and a name: two names at one login are two members."""
        return person_key(self.login, self.name)


class Op(_Model):
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
    role: str = Field(default="", exclude=True)
    # What another program left wrong in this row of the log, in words (never exported).
    problems: tuple[str, ...] = Field(default=(), exclude=True)

    @property
    def person(self) -> Person:
        """Who wrote it: the author's login and the name they went by."""
        return person_key(self.author, self.author_name)


class Board(_Model):
    """Everything on a board at one revision."""

    client: str
    title: str = ""
    revision: int = 0
    cards: tuple[Card, ...] = ()
    links: tuple[Link, ...] = ()
    members: tuple[Member, ...] = ()
    # What is wrong with the board as another program left it, in words (never exported).
    problems: tuple[str, ...] = Field(default=(), exclude=True)
    # The board's meetings, oldest first (kept with the board, not part of an export).
    meetings: tuple[Meeting, ...] = Field(default=(), exclude=True)

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


def validation_sentence(exc: Exception, what: str = "") -> str:
    """Turn a pydantic ValidationError into one sentence naming the field."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]).replace("_", " ") or "value"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc} {msg}" if msg[:1].islower() else f"{loc}: {msg}")
    more = len(exc.errors()) - 3
    tail = f" (and {more} more problems)" if more > 0 else ""
    # "The card's title must not be empty."
    prefix = f"The {what}'s " if what else ""
    text = prefix + "; ".join(parts) + tail + "."
    return text[0].upper() + text[1:]
