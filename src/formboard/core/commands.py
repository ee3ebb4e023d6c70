"""Every write a person makes, as a small frozen value: what the app asks the store to do.

A screen builds a command (``AddCard(column, title)``) and asks for it (``Submit``), the
session runs it against the store (``store.run(command)``), and the screen that asked
learns the outcome as ``WriteSaved`` or ``WriteFailed``, matching on the command's type.
Nothing is named by a string, so a reader can follow a key press from the binding to the
SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from formboard.core.model import Column, LinkKind


@dataclass(frozen=True)
class AddCard:
    """A new card at the bottom of a column (or its top, or before another card)."""

    column: Column | str
    title: str
    before: str | None = None
    top: bool = False


@dataclass(frozen=True)
class EditCard:
    """New values for some of a card's fields, from the revision the edit started at."""

    card_id: str
    base_rev: int | None
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class MoveCard:
    """A card to another column (or its own), just before a card or at the bottom."""

    card_id: str
    column: Column | str | None = None
    before: str | None = None


@dataclass(frozen=True)
class ArchiveCard:
    card_id: str


@dataclass(frozen=True)
class RestoreCard:
    card_id: str


@dataclass(frozen=True)
class AddPerspective:
    card_id: str
    text: str
    discipline: str | None = None


@dataclass(frozen=True)
class EditPerspective:
    perspective_id: str
    base_rev: int | None
    text: str | None = None
    discipline: str | None = None


@dataclass(frozen=True)
class RemovePerspective:
    perspective_id: str
    base_rev: int | None = None


@dataclass(frozen=True)
class LinkCards:
    """``from_id`` triggers / maintains / ... ``to_id``."""

    from_id: str
    to_id: str
    kind: LinkKind | str
    note: str = ""


@dataclass(frozen=True)
class Unlink:
    link_id: str


@dataclass(frozen=True)
class StartMeeting:
    """A meeting that I facilitate."""

    title: str = ""


@dataclass(frozen=True)
class EndMeeting:
    """End the running meeting (``facilitator_gone``: theirs, and they have left)."""

    facilitator_gone: bool = False


@dataclass(frozen=True)
class AttendMeeting:
    """Record me at the running meeting."""


@dataclass(frozen=True)
class LeaveMeeting:
    """Record that I left the running meeting."""


@dataclass(frozen=True)
class Undo:
    """Undo my latest change that is not undone yet."""


@dataclass(frozen=True)
class Redo:
    """Redo my latest undo."""


Command = (
    AddCard | EditCard | MoveCard | ArchiveCard | RestoreCard | AddPerspective
    | EditPerspective | RemovePerspective | LinkCards | Unlink | StartMeeting | EndMeeting
    | AttendMeeting | LeaveMeeting | Undo | Redo
)  # fmt: skip


def run(store: Any, command: Command) -> Any:
    """Run ``command`` against a board store; returns what the store returns."""
    match command:
        case AddCard(column, title, before, top):
            return store.add_card(column, title, before=before, top=top)
        case EditCard(card_id, base_rev, fields):
            return store.edit_card(card_id, base_rev, **dict(fields))
        case MoveCard(card_id, column, before):
            return store.move_card(card_id, column, before=before)
        case ArchiveCard(card_id):
            return store.archive_card(card_id)
        case RestoreCard(card_id):
            return store.restore_card(card_id)
        case AddPerspective(card_id, text, discipline):
            return store.add_perspective(card_id, text, discipline)
        case EditPerspective(perspective_id, base_rev, text, discipline):
            return store.edit_perspective(
                perspective_id, base_rev, text=text, discipline=discipline
            )
        case RemovePerspective(perspective_id, base_rev):
            return store.remove_perspective(perspective_id, base_rev)
        case LinkCards(from_id, to_id, kind, note):
            return store.add_link(from_id, to_id, kind, note)
        case Unlink(link_id):
            return store.remove_link(link_id)
        case StartMeeting(title):
            return store.start_meeting(title)
        case EndMeeting(facilitator_gone):
            return store.end_meeting(facilitator_gone)
        case AttendMeeting():
            return store.attend_meeting()
        case LeaveMeeting():
            return store.leave_meeting()
        case Undo():
            return store.undo()
        case Redo():
            return store.redo()
    raise TypeError(f"not a command: {type(command).__name__}")
