"""The board file on disk: connections, owner-only creation, probing, sidecar and backups.

Only SQLite reads or writes the board file's bytes: closing any descriptor we opened
on it would drop this process's POSIX locks (DESIGN §3).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import sqlite3
import unicodedata
import uuid
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

from formboard.core.drives import windows_path
from formboard.core.errors import (
    BoardExists,
    BoardNotFound,
    BoardReadOnly,
    DriveProblem,
    InvalidInput,
    NotABoard,
)
from formboard.core.files import NEW_FILE, private_mode, set_mode, write_atomically
from formboard.core.model import now_iso
from formboard.core.store import schema
from formboard.core.store.sql import SQLITE


class SqliteConnection(sqlite3.Connection):
    """A board file's connection, as the op layer uses it (``sql.BoardConnection``).

    A writer's transaction is ``BEGIN IMMEDIATE``: a deferred one that later upgrades to a
    write fails at once with SQLITE_BUSY, whatever the busy timeout (DESIGN §3).
    """

    dialect = SQLITE

    def begin_write(self) -> None:
        self.execute("BEGIN IMMEDIATE")

    def begin_read(self) -> None:
        self.execute("BEGIN")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor(_TextCursor).execute(sql, parameters)


def _text(value: bytes) -> str | bytes:
    """A TEXT value as a string; one that is not UTF-8 (another program stored it) as its
    bytes, as a BLOB reads: the board opens, ``check`` names it, and nothing writes it back
    changed unless the person edits it (``rows.text_of`` shows it with U+FFFD)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value


class _TextCursor(sqlite3.Cursor):
    """A cursor that reads text that is not UTF-8 (``_text``) instead of stopping.

    The connection takes ``_text`` as its text_factory at the first such value, not before:
    on every value it costs ~10% of reading a 5000-card board. A read that failed to decode
    leaves the statement on its row, so the row is read again.
    """

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.OperationalError as exc:
            if self.connection.text_factory is _text or not str(exc).startswith(_NOT_UTF8):
                raise
            self.connection.text_factory = _text
            return super().__next__()

    def fetchone(self) -> Any:
        return next(self, None)

    def fetchmany(self, size: int | None = None) -> list[Any]:
        return list(itertools.islice(self, self.arraysize if size is None else size))

    def fetchall(self) -> list[Any]:
        return list(self)


_NOT_UTF8 = "Could not decode to UTF-8"


def sqlite_uri(path: PurePath, mode: str) -> str:
    """The URI SQLite opens ``path`` by, in ``mode``. A Windows share's path (UNC,
    ``\\\\server\\share\\…``) as ``file:////server/share/…``: the ``file://server/…``
    form ``as_uri`` gives is refused by SQLite ("invalid uri authority")."""
    if isinstance(path, PureWindowsPath):  # as ``realpath`` may give it: \\?\C:\…
        path = PureWindowsPath(windows_path(str(path)))
    uri = path.as_uri()
    if not uri.startswith("file:///"):
        uri = "file:////" + uri.removeprefix("file://")
    return f"{uri}?mode={mode}"


def connect(path: Path, mode: str) -> SqliteConnection:
    """A connection with the settings of DESIGN §3: ``mode`` is "ro", "rw" or "rwc".

    Only a writable connection sets the journal mode (the same for every opener,
    ``schema.JOURNAL_PRAGMA``); a read-only one cannot write a journal, nor roll one back.
    """
    conn = sqlite3.connect(
        sqlite_uri(path, mode),
        uri=True,
        isolation_level=None,
        timeout=schema.BUSY_TIMEOUT_S,
        check_same_thread=False,
        factory=SqliteConnection,
    )
    conn.row_factory = sqlite3.Row
    try:
        schema.configure(conn, writable=mode != "ro")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def revision_on_disk(path: Path) -> int:
    """``meta.revision`` through a connection of its own, opened and closed for this read.

    For the watcher's thread: it never uses a store's connections, and never its write
    lease (a lease counts re-entry per object, not per thread). sqlite3.Error if the file
    cannot be read just now; the watcher tries again later.
    """
    from formboard.core.store.rows import read_revision

    conn = connect(path, "ro")
    try:
        return read_revision(conn)
    finally:
        conn.close()


# Names Windows keeps for devices, whatever follows a dot (``CON.board`` too).
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"{d}{n}" for d in ("COM", "LPT") for n in "0123456789¹²³")}  # fmt: skip


def name_problem(name: str) -> str | None:
    """Why a colleague on Windows could not open a board file called ``name`` (one
    sentence), or None: refused on every platform, so no board is made that they cannot."""
    if name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        return f"{name} is a name Windows keeps for a device; choose another"
    if name.endswith((".", " ")):
        return f"{name!r} ends in a dot or a space, which Windows drops; choose another name"
    odd = sorted({c for c in name if c in '<>:"\\|?*' or ord(c) < 32})
    if odd:
        return f"{name!r} holds {' '.join(map(repr, odd))}, which Windows refuses in a file name"
    return None


def _folded(name: str) -> str:
    """A name as a file system that ignores case and composition compares it (Windows,
    APFS, most shares): "Café" typed either way, in any case, is one file."""
    return unicodedata.normalize("NFC", name).lower()


def as_listed(path: Path) -> Path:
    """``path`` spelled as its folder lists it. Where case does not count (macOS, Windows,
    most shares), ``c-0421.board`` opens ``C-0421.board``: the lease, sidecar and presence
    are named after the file's own spelling, so that colleagues who typed it differently
    still meet on one lease."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return path
    if path.name in names:
        return path
    twins = [n for n in names if _folded(n) == _folded(path.name)]
    return path.with_name(twins[0]) if len(twins) == 1 else path


def create_private(path: Path) -> None:
    """Create an empty board file, owner-only (group-shared in a setgid folder) from byte one."""
    folder = path.parent
    if not folder.is_dir():
        raise BoardNotFound(f"The folder {folder} does not exist; create it first.")
    problem = name_problem(path.name)
    if problem:
        raise InvalidInput(f"The board's file name: {problem}.")
    with contextlib.suppress(OSError):  # a folder that cannot be listed: O_EXCL still holds
        twin = next((n for n in os.listdir(folder)
                     if _folded(n) == _folded(path.name) and n != path.name), None)  # fmt: skip
        if twin is not None:
            raise BoardExists(
                f"{folder} has {twin}, which differs from {path.name} only in capitals (or in "
                "how an accent is written): on macOS and Windows, and on most shares, they "
                "are one file; choose another name."
            )
    file_mode, _ = private_mode(folder)
    try:
        fd = os.open(path, NEW_FILE, file_mode)
    except FileExistsError:
        raise BoardExists(f"{path} already exists; choose another name.") from None
    except PermissionError:
        raise BoardReadOnly(
            f"Cannot create a board in {folder}: it is not writable for you."
        ) from None
    try:
        try:
            set_mode(fd, file_mode, folder)  # the umask strips a team folder's group bits
        finally:
            os.close(fd)
    except BaseException:  # no empty board is left behind to say "already exists"
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def access(path: Path) -> tuple[str, str | None]:
    """``(sqlite mode, read-only reason)`` for an existing file, or the error that stops opening."""
    if not path.exists():
        raise BoardNotFound(f"There is no board at {path}.")
    if path.is_dir():
        raise NotABoard(f"{path} is a folder, not a board file.")
    if path.stat().st_size == 0:
        raise NotABoard(f"{path} is an empty file, not a formboard board.")
    if not os.access(path, os.R_OK):
        raise BoardReadOnly(f"You do not have permission to read {path}.")
    if not os.access(path, os.W_OK):
        return "ro", "the board file is read-only for you"
    if not os.access(path.parent, os.W_OK):
        return "rw", "its folder is read-only for you (SQLite needs a journal there)"
    return "rw", None


def journal_path(path: Path) -> Path:
    """``<board>-journal``: SQLite's rollback journal beside the board."""
    return path.with_name(path.name + "-journal")


def journal_live(path: Path) -> bool:
    """Whether the rollback journal holds a live header: a commit in progress (or a crash).

    In ``PERSIST`` mode the journal stays and its header is zeroed at each commit. The
    journal is SQLite's own file, not the board, so opening it here drops no lock; an
    unreadable journal counts as live (we cannot tell).
    """
    try:
        with open(journal_path(path), "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return any(head)


def sidecar_path(path: Path) -> Path:
    """``<board>.rev``: the revision, rewritten after every commit."""
    return path.with_name(path.name + ".rev")


def read_sidecar_revision(path: Path) -> int | None:
    """The revision ``<board>.rev`` announces; None when it is missing or unreadable."""
    try:
        return int(json.loads(sidecar_path(path).read_text(encoding="utf-8"))["revision"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_sidecar(path: Path, revision: int, client_id: str) -> None:
    """Replace ``<board>.rev`` by write-temp-then-rename; never fails the op.

    No fsync: the sidecar is a hint for watchers (they also read ``meta.revision``),
    so a crash may cost a stale hint, never data, and the fsync cost every write ~1 ms.
    """
    data = json.dumps({"revision": revision, "client_id": client_id, "at": now_iso()}).encode()
    file_mode, _ = private_mode(path.parent)
    with contextlib.suppress(OSError):
        write_atomically(sidecar_path(path), data, file_mode, durable=False)


def backup(conn: sqlite3.Connection, dest: Path) -> Path:
    """A consistent copy of ``conn``'s board (SQLite's online backup) at ``dest``, owner-only.

    Written under a temporary name and renamed to ``dest`` only once it is complete and
    passes ``quick_check``, so a failed backup (a full disk) never looks like a good one.
    DriveProblem says why one failed; nothing is left behind.
    """
    file_mode, _ = private_mode(dest.parent)
    partial = dest.with_name(f".{dest.name}.partial-{uuid.uuid4().hex}")
    try:
        fd = os.open(partial, NEW_FILE, file_mode)
        try:
            set_mode(fd, file_mode, dest.parent)
        finally:
            os.close(fd)
        target = sqlite3.connect(partial)
        try:
            conn.backup(target)
            check = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
        if check != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its check ({check})")
        os.replace(partial, dest)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        code = getattr(exc, "errno", None)
        if code is None and "full" in str(exc):
            code = errno.ENOSPC
        raise DriveProblem(code, dest.parent, "the backup was not taken") from None
    return dest


def verified(path: Path) -> bool:
    """Whether a backup file is a whole SQLite board that passes ``quick_check``."""
    try:
        if path.stat().st_size == 0:
            return False
        conn = sqlite3.connect(sqlite_uri(path.absolute(), "ro"), uri=True, timeout=2)
    except (OSError, sqlite3.Error):
        return False
    try:
        return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.Error:
        return False
    finally:
        conn.close()
