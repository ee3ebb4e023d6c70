"""Messages between the screens, the app, and the board session and presence loop.

The workers never touch widgets; they post these, and handlers own every change to what
is shown. What concerns every open screen (the board moved on, who is here, the save
state) goes to the app, which hands it on to each screen; those do not bubble.

A write goes one way and comes back one way: a screen or widget posts ``Submit`` (it
bubbles up to the app, which hands the request to the session), and the session answers
the one that asked with ``WriteSaved`` or ``WriteFailed``. These bubble from it: a failure
nobody on the way handles reaches the app, which says it in a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

from formboard.core.board_state import BoardState
from formboard.core.changes import ChangeSet
from formboard.core.errors import BoardConflict

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from formboard.core.commands import Command  # loaded with the first write
    from formboard.core.model import Op


@dataclass
class SessionMessage(Message, bubble=False):
    """A message from a worker: handled where it is sent, never passed up.

    A dataclass, as each kind is, so the app can hand a fresh copy to every screen
    (``dataclasses.replace``: a message is handled once).
    """

    def __init_subclass__(cls, bubble: bool | None = False, **kwargs: Any) -> None:
        super().__init_subclass__(bubble=bubble, **kwargs)  # no subclass bubbles either


@dataclass
class BoardLoaded(SessionMessage):
    """The board was opened and read."""

    state: BoardState
    read_only_reason: str | None = None
    last_change: Op | None = None  # the op log's newest entry: who changed it last, when


@dataclass
class BoardWhole(SessionMessage):
    """The rest of a large board, read after its first frame showed its first rows, and
    the file's check with it (``read_only_reason``: a damaged file is read-only)."""

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
class Submit(Message):
    """A write someone wants: ``request`` (its command, and who asked) for the session."""

    request: WriteRequest


@dataclass
class WriteSaved(Message):
    """A write landed: ``result`` is what the store returned (the card, the link...)."""

    request: WriteRequest
    result: Any = None

    @property
    def command(self) -> Command:
        return self.request.command


@dataclass
class WriteFailed(Message):
    """A write did not land; ``reason`` is one sentence (nothing typed is lost: the asker
    keeps it)."""

    request: WriteRequest
    reason: str
    conflict: BoardConflict | None = None

    @property
    def command(self) -> Command:
        return self.request.command


@dataclass(eq=False)  # each request is itself (the asker keeps its own by it)
class WriteRequest:
    """One write: the command, and the screen or widget that asked (the session answers it
    with ``WriteSaved`` or ``WriteFailed``; nobody: the app)."""

    command: Command
    asker: MessagePump | None = None


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
    moves: dict[str, Any] = field(default_factory=dict)  # Person.token -> (board moved to, when)


@dataclass
class WatchTrouble(SessionMessage):
    """Noticing colleagues' edits struggles (``problem``, one sentence), or works again (None)."""

    problem: str | None = None


@dataclass
class BackupFailed(SessionMessage):
    """The backup taken on opening failed: one sentence with the cause, for a notice."""

    reason: str


@dataclass
class HistoryChanged(SessionMessage):
    """The op log no longer holds what this computer saw of it (``chain.observe``): said
    once, in a notice."""

    sentence: str
