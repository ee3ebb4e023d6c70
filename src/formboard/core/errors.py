"""Errors a person can meet, each carrying one clear sentence.

The sentence (``str(error)``) never contains client text: titles, bodies and
perspectives stay out of messages, so they can be shown on a shared screen or
printed by the CLI without leaking anything.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any


class FormboardError(Exception):
    """Base for every error formboard reports to a person."""


class NotABoard(FormboardError):
    """The file exists but is not a formboard board."""


class BoardNotFound(FormboardError):
    """There is no file at the given path."""


class BoardExists(FormboardError):
    """Creating a board where a file already is."""


class BoardCorrupt(FormboardError):
    """The file is damaged (confirmed by integrity_check); formboard stops writing to it.

    ``problem`` is what SQLite said, without the sentence around it.
    """

    problem: str = ""


class BoardReadOnly(FormboardError):
    """The board can be read but not written (permissions, newer schema, damage)."""


class BoardLocked(FormboardError):
    """The write lease stayed with someone else past the wait limit."""

    def __init__(self, owner: str, held_for: float | None, message: str | None = None):
        self.owner = owner
        self.held_for = held_for
        if message is None:
            age = f", who has held it for {held_for:.0f} s" if held_for is not None else ""
            message = (
                f"The board stayed locked by {owner}{age}; nothing was written. "
                "Try again in a moment."
            )
        super().__init__(message)


class DriveProblem(FormboardError):
    """The board's folder cannot be written: full, read-only, no permission, I/O errors.

    Said at once with the real cause, never as a colleague's lock or as damage.
    ``errno`` is the cause; nothing was written.
    """

    def __init__(self, code: int | None, folder: object, what: str = "nothing was written"):
        self.errno = code
        self.folder = folder
        short, sentence = _cause(code)
        self._short = short
        super().__init__(sentence.format(folder=folder, what=what))

    def short(self) -> str:
        """The cause in a few words, for a status line: "the drive is full"."""
        return self._short


# errno -> (a few words for a status line, the sentence for the person)
_CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: (
        "the drive is full",
        "The drive that holds {folder} is full: {what}. Free some space, then try again.",
    ),
    errno.EROFS: ("the drive is read-only", "The drive that holds {folder} is read-only: {what}."),
    errno.EACCES: (
        "no permission to write in the board's folder",
        "You may not write in {folder}: {what}. Ask for write access to the team folder.",
    ),
}
_CAUSES[errno.EDQUOT] = _CAUSES[errno.ENOSPC]
_CAUSES[errno.EPERM] = _CAUSES[errno.EACCES]
_IO_ERROR = (
    "the drive reports I/O errors",
    "The drive that holds {folder} reports an I/O error: {what}. "
    "Check the connection, then try again.",
)


def _cause(code: int | None) -> tuple[str, str]:
    return _CAUSES.get(code, _IO_ERROR) if code is not None else _IO_ERROR


class BoardBusy(FormboardError):
    """The board stayed busy (a commit in progress, a drive's cache behind) while tried again.

    Never a sign of damage: the board was checked, or could not be checked because a
    colleague was writing. Nothing was written.
    """

    @classmethod
    def saying(cls, writing: bool) -> BoardBusy:
        """The sentence for a write (nothing was written) or a read (nothing was read)."""
        what = "your change was not saved" if writing else "it could not be read just now"
        return cls(
            "The board was busy: a colleague's change was being saved, or this computer's "
            f"view of the shared drive was behind. The board is fine, but {what}; "
            "try again in a moment."
        )


class UnknownEntity(FormboardError):
    """A card, perspective, link or member id that is not on the board."""


class AmbiguousId(FormboardError):
    """An id prefix that matches more than one card."""


class InvalidInput(FormboardError):
    """A value that the model rejects (a title too long, an unknown column, ...)."""


class NotYours(FormboardError):
    """Changing another practitioner's perspective."""


class ImportRejected(FormboardError):
    """A JSON file that cannot become a board."""


@dataclass
class FieldConflict:
    """One field changed both by me and, since I read it, by someone else."""

    field: str
    mine: Any
    theirs: Any
    base: Any = None


@dataclass
class BoardConflict(FormboardError):
    """Someone else changed the same field since the revision my edit was based on.

    Nothing was written; ``conflicts`` carries both versions so the person can
    choose. My losing version is already recorded in the op log.
    """

    entity: str
    entity_id: str
    conflicts: list[FieldConflict] = field(default_factory=list)
    theirs_by: str = ""
    current_rev: int = 0

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        names = ", ".join(c.field for c in self.conflicts)
        who = self.theirs_by or "someone else"
        return (
            f"{who} changed the {names} of this {self.entity} while you were editing; "
            "nothing was overwritten. Choose which version to keep."
        )


class UndoRefused(FormboardError):
    """An undo or redo that would overwrite a colleague's later change (nothing was done)."""

    def __init__(self, message: str, by: str = "") -> None:
        super().__init__(message)
        self.by = by  # the colleague's name


# Why a board on a standby server is read-only (an address naming both servers, with
# target_session_attrs=read-write, finds the primary): the app says it, and polls there.
STANDBY = "this server is a read-only standby: changes are made on its primary"
# A write's commit on a server that waits for a synchronous standby's answer (``pg_sql``):
# said while it waits, and when the wait was given up (the op stands on the primary).
STANDBY_WAIT = "waiting for the server's standby to confirm"
UNCONFIRMED = (
    "written on the board server, but its synchronous standby did not confirm it in time: "
    "the server may be waiting for a standby that is gone (tell whoever runs it)"
)
# Why a board on a server is read every second: the server had no connection left for
# the app's LISTEN (it tries again), or a transaction pooler passes no notifications on.
FULL_LIVE = (
    "Not live: the board server has no free connection for live updates, so colleagues' "
    "changes are read every second; formboard tries again."
)
POOLED = (
    "Not live: the connection goes through a transaction pooler, so colleagues' changes "
    "are read every second instead of the moment they are made; use session pooling or a "
    "direct address for live updates."
)
