"""Backups of a board file in the person's own data folder (DESIGN §3).

The app takes one when it opens a board whose newest backup is older than an
hour, through SQLite's online backup (a consistent copy, never a file copy of a
board someone may be writing). The newest few are kept, owner-only.
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from formboard.core.digest import hex_digest
from formboard.core.errors import DriveProblem
from formboard.core.files import make_private_folders
from formboard.core.settings import data_dir
from formboard.core.store.files import backup, verified
from formboard.core.store.writes import leased

if TYPE_CHECKING:
    from formboard.core.store.board_store import BoardStore

KEEP = 5
EVERY_SECONDS = 3600.0


def backup_folder(board_path: Path) -> Path:
    """``<data>/backups/<board name>-<8 hex of its full path>``: one folder per board file."""
    full = str(Path(board_path).expanduser().absolute())
    tag = hex_digest(full.encode())[:8]
    return data_dir() / "backups" / f"{Path(full).stem}-{tag}"


def backups_of(board_path: Path) -> list[Path]:
    """This board's backups, newest first."""
    folder = backup_folder(board_path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.board"), reverse=True)


def verified_backups(board_path: Path) -> list[Path]:
    """This board's backups that are whole and pass ``quick_check``, newest first."""
    return [p for p in backups_of(board_path) if verified(p)]


def copy_to(store: BoardStore, dest: Path) -> Path:
    """A consistent copy (SQLite's online backup) of the board at ``dest``, owner-only.

    Taken under the write lease, so no commit from any host lands while it is copied.
    """
    with leased(store.lease, store.on_lock_wait), closing(store._connect("ro")) as conn:
        return backup(conn, Path(dest))


def take_backup(store: BoardStore) -> Path:
    """Back the board up now and keep only the newest ``KEEP``.

    DriveProblem when it cannot be taken (a full disk, say): no file is left behind.
    """
    folder = backup_folder(store.path)
    try:
        make_private_folders(folder)
    except OSError as exc:
        raise DriveProblem(exc.errno, folder.parent, "the backup was not taken") from None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    dest = copy_to(store, folder / f"{stamp}-rev{store.revision()}.board")
    for old in backups_of(store.path)[KEEP:]:
        old.unlink(missing_ok=True)
    return dest


def backup_if_due(store: BoardStore, every: float = EVERY_SECONDS) -> Path | None:
    """Take a backup when the newest is older than ``every`` seconds (or there is none)."""
    newest = verified_backups(store.path)  # a failed backup is no reason to wait an hour
    if newest and time.time() - newest[0].stat().st_mtime < every:
        return None
    return take_backup(store)
