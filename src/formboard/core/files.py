"""Files formboard makes beside a board or in a person's folders: private, whole, timed.

Every file formboard writes is owner-only (group-shared only in a setgid team folder),
replaces its old version in one rename (a reader sees the old or the new file, never
half), and ages by the file server's clock, not ours.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from formboard.core.drives import modes_hold


def private_mode(folder: Path) -> tuple[int, int]:
    """``(file_mode, dir_mode)`` for new files in ``folder``: group access only if setgid."""
    try:
        shared = bool(os.stat(folder).st_mode & stat.S_ISGID)  # setgid marks a team folder
    except OSError:
        shared = False
    return (0o660, 0o2770) if shared else (0o600, 0o700)


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parents owner-only (0700), whatever the umask.

    A new folder inside a setgid team folder gets the team's 2770 instead. Folders that
    exist already are left as they are.
    """
    missing = []
    at = Path(folder)
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for new in reversed(missing):
        _, dir_mode = private_mode(new.parent)
        with contextlib.suppress(FileExistsError):
            os.mkdir(new, dir_mode)
            if modes_hold(new.parent):
                os.chmod(new, dir_mode)  # the umask strips bits on mkdir; say exactly which


# A new file, written as bytes (Windows would write "\n" as "\r\n" without O_BINARY).
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def set_mode(fd: int, mode: int, folder: Path) -> None:
    """Give an open file in ``folder`` exactly ``mode`` (the umask may have stripped the
    group bits a team folder needs), where modes mean something (``drives.modes_hold``):
    not on Windows (Python 3.11 and 3.12 have no ``os.fchmod``; a share's access lists
    protect a board there) nor on a share mounted on a Mac."""
    fchmod = getattr(os, "fchmod", None)
    if fchmod is not None and modes_hold(folder):
        fchmod(fd, mode)


def write_atomically(path: Path, data: bytes, mode: int, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    fd = os.open(tmp, NEW_FILE, mode)
    try:
        try:
            os.write(fd, data)
            set_mode(fd, mode, path.parent)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        while_in_use(os.replace, tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# Windows refuses to replace, rename or remove a file another process has open (Python
# opens files without FILE_SHARE_DELETE): a colleague reading the lease's owner file, say.
# Such a refusal passes within moments, so it is tried again after these pauses.
IN_USE_PAUSES = (0.01, 0.02, 0.05, 0.1, 0.2)


def while_in_use(move: Callable[[Path, Path], None], source: Path, target: Path) -> None:
    """``move(source, target)`` (``os.replace`` or ``os.rename``), tried again while it
    meets a PermissionError (a file in use, on Windows); its last error as it is."""
    for pause in (*IN_USE_PAUSES, None):
        try:
            move(source, target)
            return
        except PermissionError:
            if pause is None:
                raise
            time.sleep(pause)


def server_now(probe: Path) -> float | None:
    """The file server's clock: the mtime of a probe file written at ``probe``, then removed.

    Judging age by the server's clock, not ours, keeps skewed clocks between hosts from
    breaking a live lease or hiding a live colleague. None when the folder is not writable.
    """
    try:
        fd = os.open(probe, NEW_FILE, 0o600)
    except OSError:
        return None
    try:
        os.write(fd, b"probe")
        os.fsync(fd)  # so the mtime is the server's, set the way the owner file's is
        return os.fstat(fd).st_mtime
    except OSError:
        return None
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(probe)
