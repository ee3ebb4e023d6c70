"""Messages from the board session (a worker thread) to the app.

The session never touches widgets; it posts these, and the app's handlers own
every change to what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from formboard.core.changes import ChangeSet
from formboard.core.errors import BoardConflict
from formboard.core.model import Board


@dataclass
class BoardLoaded(Message):
    """The board was opened and read."""

    board: Board
    read_only_reason: str | None = None


@dataclass
class BoardUnavailable(Message):
    """The board could not be opened; ``reason`` is one sentence."""

    reason: str


@dataclass
class BoardChanged(Message):
    """The board moved on: apply ``changes`` to what is shown."""

    changes: ChangeSet


@dataclass
class WriteSaved(Message):
    """A write landed."""

    request: Any
    result: Any = None


@dataclass
class WriteFailed(Message):
    """A write did not land; ``reason`` is one sentence and the request keeps the typed text."""

    request: Any
    reason: str
    conflict: BoardConflict | None = None


@dataclass
class SaveState(Message):
    """For the status line: "saving…", "waiting for the lock held by ana", "saved"."""

    text: str
    waiting_for: str = ""
    pending: int = 0
    error: bool = False


@dataclass
class PresenceChanged(Message):
    """Who else has the board open, and where their cursors are."""

    others: list[Any]
    problem: str | None = None
    failed: bool = False  # reading presence raised: others may be out of date


@dataclass
class WatchTrouble(Message):
    """Noticing colleagues' edits struggles (``problem``, one sentence), or works again (None)."""

    problem: str | None = None


@dataclass
class BackupFailed(Message):
    """The backup taken on opening failed: one sentence with the cause, for a notice."""

    reason: str
