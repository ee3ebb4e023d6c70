"""Files formboard makes beside a board or in a person's folders: private, whole, timed.

Every file formboard writes is owner-only (group-shared only in a setgid team folder),
replaces its old version in one rename (a reader sees the old or the new file, never
half), and ages by the file server's clock, not ours.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from pathlib import Path


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
            os.chmod(new, dir_mode)  # the umask strips bits on mkdir; say exactly which


def write_atomically(path: Path, data: bytes, mode: int, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.write(fd, data)
            os.fchmod(fd, mode)  # the umask may have stripped group bits a team folder needs
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def server_now(probe: Path) -> float | None:
    """The file server's clock: the mtime of a probe file written at ``probe``, then removed.

    Judging age by the server's clock, not ours, keeps skewed clocks between hosts from
    breaking a live lease or hiding a live colleague. None when the folder is not writable.
    """
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
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
