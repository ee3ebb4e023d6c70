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
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, cast, runtime_checkable

from formboard.core.identity import Identity
from formboard.core.meetings import Meeting
from formboard.core.model import (
    Board,
    Card,
    Column,
    Domain,
    Link,
    LinkKind,
    Op,
    Perspective,
    Status,
)
from formboard.core.person import Person

if TYPE_CHECKING:
    from formboard.core.changes import ChangeSet
    from formboard.core.commands import Command
    from formboard.core.presence import Presence
    from formboard.core.since import Touch
    from formboard.core.store.board_store import BoardStore
    from formboard.core.store.checks import Check
    from formboard.core.store.head import BoardStart
    from formboard.core.store.health import Problem
    from formboard.core.store.pg_store import PgStore
    from formboard.core.watch import BoardWatcher, WatchMode


Rows = dict[str, list[dict[str, Any]]]  # every row of every table, by table (a copy)


class BoardReading(Protocol):
    """What a viewer reads: the board, its op log, the board as it was, what changed."""

    def board(self) -> Board: ...
    def board_start(self) -> BoardStart: ...
    def card(self, card_id: str) -> Card: ...
    def resolve_card_id(self, prefix: str) -> str: ...
    def revision(self) -> int: ...
    def ops(self, since_seq: int = 0, limit: int | None = None) -> list[Op]: ...

    def history_seen(self, location: str, folder: Path | None = None) -> str | None:
        """Hold the op log to what this computer saw of it, and remember it now
        (``chain.observe``): one sentence when its history was changed since, else None."""
        ...

    def record_check(self, text: str) -> tuple[bool, str]:
        """Whether the board still holds the history a filed record was made from."""
        ...

    def history_checks(
        self, location: str, folder: Path | None = None
    ) -> list[tuple[str, bool, str]]:
        """`check`'s lines on the op log's chain and on what this computer saw of it."""
        ...

    def ops_between(self, after: int, up_to: int | None = None) -> list[Op]: ...
    def ops_by_seq(self, seqs: list[int]) -> list[Op]: ...
    def touches_after(self, revision: int) -> list[Touch]: ...
    def board_at(self, revision: int) -> Board: ...
    def ops_page(
        self,
        before_seq: int | None = None,
        limit: int = 200,
        *,
        card_id: str | None = None,
        author: Person | None = None,
        revisions: tuple[int, int | None] | None = None,
    ) -> list[Op]: ...
    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet: ...
    def meetings(self) -> list[Meeting]: ...
    def meta(self) -> dict[str, str]: ...
    def problems(self) -> list[Problem]: ...


class BoardWriting(Protocol):
    """What a writer does: one command is one op in the log, or nothing.

    ``run`` is the one way the app writes; the named methods are what it calls, and the
    command line calls them directly with their options.
    """

    identity: Identity
    client_id: str  # this opener's id in the op log (its ops carry it)
    read_only_reason: str | None  # why it cannot be written, in words; None if it can
    # A server's commit that waits for its synchronous standby: told (in words) while it
    # waits; ``unconfirmed`` when the last write's wait was given up (the op stands).
    # A file never waits so.
    on_wait: Callable[[str], None] | None
    unconfirmed: bool

    def run(self, command: Command) -> Any: ...
    def add_card(
        self,
        column: Column | str,
        title: str,
        *,
        body: str = "",
        client_words: str = "",
        status: Status | str = Status.HYPOTHESIS,
        domain: Domain | str | None = None,
        before: str | None = None,
        top: bool = False,
    ) -> Card: ...
    def edit_card(self, card_id: str, base_rev: int | None = None, **fields: Any) -> Card: ...
    def move_card(
        self,
        card_id: str,
        column: Column | str | None = None,
        *,
        before: str | None = None,
        index: int | None = None,
        top: bool = False,
        base_rev: int | None = None,
    ) -> Card: ...
    def archive_card(self, card_id: str, base_rev: int | None = None) -> Card: ...
    def restore_card(self, card_id: str, base_rev: int | None = None) -> Card: ...
    def add_perspective(
        self, card_id: str, text: str, discipline: str | None = None
    ) -> Perspective: ...
    def edit_perspective(
        self,
        perspective_id: str,
        base_rev: int | None = None,
        *,
        text: str | None = None,
        discipline: str | None = None,
    ) -> Perspective: ...
    def remove_perspective(self, perspective_id: str, base_rev: int | None = None) -> None: ...
    def add_link(self, from_id: str, to_id: str, kind: LinkKind | str, note: str = "") -> Link: ...
    def remove_link(self, link_id: str) -> None: ...
    def load_board(self, board: Board) -> None: ...
    def undo(self) -> Any: ...
    def redo(self) -> Any: ...
    def start_meeting(self, title: str = "") -> int: ...
    def attend_meeting(self) -> int | None: ...
    def leave_meeting(self) -> int | None: ...
    def end_meeting(self, facilitator_gone: bool = False) -> int: ...


class BoardFollowing(Protocol):
    """What a viewer follows: "it may have moved on", and who else is here."""

    def watch(
        self, on_change: Callable[[], None], mode: WatchMode, **options: Any
    ) -> BoardWatcher: ...
    def presence(self) -> Presence: ...


class BoardCare(Protocol):
    """Looking after a board: its health, backups, moving it whole, closing it."""

    def check(self) -> list[Check]: ...
    def check_now(self) -> None:
        """The file's own check at opening, when it was left for later (``check_later``)."""

    def repair(self) -> list[str]: ...
    def take_backup(self) -> str:
        """A backup now, into this person's data folder; where it is. BoardReadOnly where
        the backend's own tools keep backups (a server's)."""

    def backup_if_due(self) -> str | None:
        """A backup when the newest is an hour old (or there is none); None if not taken."""

    def all_rows(self) -> Rows:
        """Every row of every table, in one snapshot, each as it is (to copy the board)."""

    def fill(self, rows: Rows) -> None:
        """``rows`` into this new, empty board, in one transaction (a copy's filling)."""

    def discard(self) -> None:
        """Remove this board, just made, whose filling failed (an import, a copy)."""

    def close(self) -> None: ...


@runtime_checkable
class Store(BoardReading, BoardWriting, BoardFollowing, BoardCare, Protocol):
    """One open board: read it, change it, follow it, look after it.

    ``kind`` says where it is kept: "file" (a board file, ``BoardStore``) or "server" (a
    board on a PostgreSQL server, ``PgStore``); ``location`` says where, fit to show: the
    file's path, or the URL without a password.
    """

    kind: Literal["file", "server"]

    @property
    def location(self) -> str: ...

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


if TYPE_CHECKING:  # mypy holds both backends to the Protocol, signature by signature

    def _both_backends_are_stores(file: BoardStore, server: PgStore) -> tuple[Store, Store]:
        return file, server


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
        opened: Store = _server_store().open(str(location), **options)
        return opened
    from formboard.core.store.board_store import BoardStore

    return BoardStore.open(Path(location), **options)


def create_store(location: Path | str, client: str, title: str = "", **options: Any) -> Store:
    """Create a new board at ``location`` (BoardExists if something is there)."""
    if is_server_location(location):
        made: Store = _server_store().create(str(location), client, title, **options)
        return made
    from formboard.core.store.board_store import BoardStore

    return BoardStore.create(Path(location), client, title, **options)


def server_board_name(location: Path | str) -> str | None:
    """The name a server's address gives its board (``?board=C-0421``); None for a file."""
    if not is_server_location(location):
        return None
    from formboard.core.store.pg_url import parse_board_url

    return parse_board_url(str(location))[1]


def grant_board(location: Path | str, role: str) -> str:
    """Let ``role`` (a team) open the board on a server at ``location``: read it and add to
    it, never change its op log. Its owner's right; returns where the board is, fit to show."""
    if not is_server_location(location):
        from formboard.core.errors import InvalidInput

        raise InvalidInput(
            "A board file is shared through its folder's group, not granted: see 'Where a "
            "board lives' in the README. formboard grant is for a board on a server."
        )
    with _server_store().open(str(location)) as store:
        store.grant(role)
        return str(store.location)


def carry_teams(source: Store, copy: Store) -> list[str]:
    """Grant a copy on a server to the roles its source on a server is granted to, where they
    are on the copy's server; returns those that are not."""
    if source.kind != "server" or copy.kind != "server":
        return []
    teams: list[str] = cast("PgStore", source).teams()
    return cast("PgStore", copy).grant_teams(teams)


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
