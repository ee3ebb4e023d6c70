"""What the app, its session and the command line may ask of a board, wherever it is kept.

``Store`` is the one interface; ``open_store`` and ``create_store`` choose the backend from
the board's location. Today every location is a path and the backend is the SQLite file
(``BoardStore``, the only code that speaks SQL); a second backend (a database server)
implements the same protocol and is chosen here from its URL. Callers never reach past it:
no SQL, connections, lease or sidecar outside ``core/store/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from formboard.core.changes import ChangeSet
from formboard.core.identity import Identity
from formboard.core.meetings import Meeting
from formboard.core.model import Board, Card, Op, Perspective

if TYPE_CHECKING:
    from formboard.core.commands import Command
    from formboard.core.presence import Presence
    from formboard.core.store.checks import Check
    from formboard.core.watch import BoardWatcher, WatchMode


@runtime_checkable
class Store(Protocol):
    """One open board: read it, change it, follow it, look after it."""

    path: Path  # the file (a board on a server: a name for it, not a file)
    location: str  # where it is, fit to show: the file's path, or the URL without a password
    identity: Identity
    client_id: str  # this opener's id in the op log (its ops carry it)
    read_only_reason: str | None  # why it cannot be written, in words; None if it can

    # reading
    def board(self) -> Board: ...
    def card(self, card_id: str) -> Card: ...
    def resolve_card_id(self, prefix: str) -> str: ...
    def revision(self) -> int: ...
    def ops(self, since_seq: int = 0, limit: int | None = None) -> list[Op]: ...
    def ops_between(self, after: int, up_to: int | None = None) -> list[Op]: ...
    def ops_by_seq(self, seqs: list[int]) -> list[Op]: ...
    def touches_after(self, revision: int) -> list[Any]: ...
    def board_at(self, revision: int) -> Board: ...
    def ops_page(
        self, before_seq: int | None = None, limit: int = 200, **where: Any
    ) -> list[Op]: ...
    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet: ...

    def meetings(self) -> list[Meeting]: ...
    def meta(self) -> dict[str, str]: ...
    def problems(self) -> list[Any]: ...

    # writing: one command is one op in the log, or nothing (the named methods are what
    # ``run`` calls; the command line calls them directly with their options)
    def run(self, command: Command) -> Any: ...
    def add_card(self, column: Any, title: str, **fields: Any) -> Card: ...
    def edit_card(self, card_id: str, base_rev: int | None = None, **fields: Any) -> Card: ...
    def move_card(self, card_id: str, column: Any = None, **where: Any) -> Card: ...
    def archive_card(self, card_id: str, base_rev: int | None = None) -> Card: ...
    def restore_card(self, card_id: str, base_rev: int | None = None) -> Card: ...
    def add_perspective(
        self, card_id: str, text: str, discipline: str | None = None
    ) -> Perspective: ...
    def edit_perspective(
        self, perspective_id: str, base_rev: int | None = None, **fields: Any
    ) -> Perspective: ...
    def remove_perspective(self, perspective_id: str, base_rev: int | None = None) -> None: ...
    def add_link(self, from_id: str, to_id: str, kind: Any, note: str = "") -> Any: ...
    def remove_link(self, link_id: str) -> None: ...
    def load_board(self, board: Board) -> None: ...
    def undo(self) -> Any: ...
    def redo(self) -> Any: ...
    def start_meeting(self, title: str = "") -> int: ...
    def attend_meeting(self) -> int | None: ...
    def leave_meeting(self) -> int | None: ...
    def end_meeting(self, facilitator_gone: bool = False) -> int: ...

    # following: a watcher that says "it may have moved on", and who else is here
    def watch(
        self, on_change: Callable[[], None], mode: WatchMode, **options: Any
    ) -> BoardWatcher: ...
    def presence(self) -> Presence: ...

    # looking after it
    def check(self) -> list[Check]: ...
    def backup(self, dest: Path) -> Path: ...
    def repair(self) -> list[str]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...


def is_server_location(location: Path | str) -> bool:
    """Whether ``location`` is a board on a database server (``postgresql://…?board=…``)."""
    return isinstance(location, str) and location.split("://", 1)[0] in ("postgresql", "postgres")


def _server_store() -> Any:
    try:
        from formboard.core.store.pg_store import PgStore
    except ImportError:
        from formboard.core.errors import InvalidInput

        raise InvalidInput(
            "Boards on PostgreSQL need psycopg: pip install 'formboard[postgres]'."
        ) from None
    return PgStore


def open_store(location: Path | str, **options: Any) -> Store:
    """Open the board at ``location`` (BoardNotFound, NotABoard, BoardCorrupt if it can't be).

    A path is a board file; a ``postgresql://host/db?board=C-0421`` URL a board on a server.
    """
    if is_server_location(location):
        return _server_store().open(str(location), **options)
    from formboard.core.store.board_store import BoardStore

    return BoardStore.open(Path(location), **options)


def create_store(location: Path | str, client: str, title: str = "", **options: Any) -> Store:
    """Create a new board at ``location`` (BoardExists if something is there)."""
    if is_server_location(location):
        return _server_store().create(str(location), client, title, **options)
    from formboard.core.store.board_store import BoardStore

    return BoardStore.create(Path(location), client, title, **options)


def check_board(location: Path | str) -> list[Check]:
    """Every check on the board at ``location``, one that cannot open included."""
    from formboard.core.errors import FormboardError
    from formboard.core.store.backups import verified_backups
    from formboard.core.store.checks import Check, restore_hint

    server = is_server_location(location)
    try:
        store = open_store(location, read_only=server)
    except FormboardError as exc:
        if server:
            return [Check("server", False, str(exc))]
        # A board that will not open is when a backup matters most: say which, and how.
        path = Path(location)
        return [
            Check("file", False, str(exc)),
            Check("backups", bool(verified_backups(path)), restore_hint(path)),
        ]
    with store:
        return store.check()
