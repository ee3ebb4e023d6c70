"""Meetings: a case meeting on a board, who facilitated it, who came, and what it changed.

A meeting is kept in the board file like everything else, through the op log: starting
one, coming to it, leaving it and ending it are ops. A meeting covers the revisions from
``started_rev`` (the board as the meeting found it) to ``ended_rev`` (as it left it; up to
now while it runs), so "what changed in the meeting" is the op log between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from formboard.core.person import Person, person_key
from formboard.core.text import one_line, visible


@dataclass(frozen=True)
class Attendee:
    """Someone at a meeting, from when to when (``to_at`` None: still there)."""

    login: str
    name: str
    discipline: str
    from_at: str
    to_at: str | None = None

    @property
    def person(self) -> Person:
        return person_key(self.login, self.name)

    @property
    def said(self) -> str:
        """ "Ana Ruiz (psychiatry)"."""
        name = one_line(visible(self.name or self.login))
        discipline = one_line(visible(self.discipline))
        return f"{name} ({discipline})" if discipline else name


@dataclass(frozen=True)
class Meeting:
    """One meeting: its number on this board (1, 2, ...), who ran it, its span of revisions."""

    number: int
    title: str
    facilitator: str  # login
    facilitator_name: str
    started_at: str
    started_rev: int
    ended_at: str | None = None
    ended_rev: int | None = None
    ended_by: str | None = None  # login
    ended_by_name: str | None = None
    attendees: tuple[Attendee, ...] = field(default_factory=tuple)

    @property
    def running(self) -> bool:
        return self.ended_at is None

    @property
    def facilitator_person(self) -> Person:
        """Who runs it (a colleague at the same login is someone else)."""
        return person_key(self.facilitator, self.facilitator_name)

    @property
    def ended_by_person(self) -> Person | None:
        return person_key(self.ended_by, self.ended_by_name) if self.ended_by else None

    @property
    def facilitator_said(self) -> str:
        return one_line(visible(self.facilitator_name or self.facilitator))

    def minutes(self, now: datetime) -> int:
        """How long it has run (or ran), in whole minutes."""
        end = parse_moment(self.ended_at) if self.ended_at else now
        return max(0, int((end - parse_moment(self.started_at)).total_seconds() // 60))

    def named(self) -> str:
        """ "meeting 3 ‘Weekly review’" or "meeting 3"."""
        title = one_line(visible(self.title))
        return f"meeting {self.number} ‘{title}’" if title else f"meeting {self.number}"


def parse_moment(value: str) -> datetime:
    """A stored UTC timestamp (``2026-12-02T10:42:00.000Z``) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def running(meetings: tuple[Meeting, ...] | list[Meeting]) -> Meeting | None:
    """The meeting now running on the board, if any (at most one runs at a time)."""
    return next((m for m in reversed(meetings) if m.running), None)


def last_ended(meetings: Sequence[Meeting]) -> Meeting | None:
    """The latest meeting that has ended."""
    return next((m for m in reversed(meetings) if not m.running), None)


def upper_first(text: str) -> str:
    """ "meeting 3 ‘case review’" -> "Meeting 3 ‘case review’" (the rest as it was)."""
    return text[:1].upper() + text[1:]
