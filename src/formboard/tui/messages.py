"""Messages from the board session and the presence loop (worker threads) to the app.

The workers never touch widgets; they post these to the app, whose handlers own every
change to what is shown. The app hands each one on to the screens that are open (a
card screen follows its card, a quit question counts the writes still waiting), so they
do not bubble: a screen that has no handler for one simply lets it go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

from formboard.core.board_state import BoardState
from formboard.core.changes import ChangeSet
from formboard.core.errors import BoardConflict

if TYPE_CHECKING:
    from formboard.core.commands import Command  # loaded with the first write


class SessionMessage(Message, bubble=False):
    """A message from a worker: handled where it is sent, never passed up."""

    def __init_subclass__(cls, bubble: bool | None = False, **kwargs: Any) -> None:
        super().__init_subclass__(bubble=bubble, **kwargs)  # no subclass bubbles either


@dataclass
class BoardLoaded(SessionMessage):
    """The board was opened and read."""

    state: BoardState
    read_only_reason: str | None = None


@dataclass
class BoardUnavailable(SessionMessage):
    """The board could not be opened; ``reason`` is one sentence."""

    reason: str


@dataclass
class BoardChanged(SessionMessage):
    """The board moved on: ``state`` is the new snapshot, ``changes`` what made it."""

    changes: ChangeSet
    state: BoardState


@dataclass
class WriteSaved(SessionMessage):
    """A write landed: ``result`` is what the store returned (the card, the link...)."""

    request: Any  # the session's WriteRequest: the command and what to do next
    result: Any = None

    @property
    def command(self) -> Command:
        return self.request.command


@dataclass
class WriteFailed(SessionMessage):
    """A write did not land; ``reason`` is one sentence and the request keeps the typed text."""

    request: Any
    reason: str
    conflict: BoardConflict | None = None

    @property
    def command(self) -> Command:
        return self.request.command


@dataclass
class SaveState(SessionMessage):
    """For the status line: "saving…", "waiting for the lock held by ana", "saved"."""

    text: str
    waiting_for: str = ""
    pending: int = 0
    error: bool = False


@dataclass
class PresenceChanged(SessionMessage):
    """Who else has the board open, and where their cursors are."""

    others: list[Any]
    problem: str | None = None
    failed: bool = False  # reading presence raised: others may be out of date
    moves: dict[str, Any] = field(default_factory=dict)  # login -> (board moved to, when)


@dataclass
class WatchTrouble(SessionMessage):
    """Noticing colleagues' edits struggles (``problem``, one sentence), or works again (None)."""

    problem: str | None = None


@dataclass
class BackupFailed(SessionMessage):
    """The backup taken on opening failed: one sentence with the cause, for a notice."""

    reason: str
