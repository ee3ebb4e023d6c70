"""What kind of drive a board lives on: a local disk or a network drive, decided here only.

The store and the watcher behave differently on network drives (fresh connections,
polling), see DESIGN §3–§4. Linux reads /proc/self/mountinfo, and statfs(2)'s magic
number where the mount table does not say; elsewhere a local disk is assumed unless
configured.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

NETWORK_FS_TYPES = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "lustre",
    "davfs",
    "fuse.sshfs",
    "fuse.smbnetfs",
    "fuse.rclone",
    "fuse.gcsfuse",
    "fuse.s3fs",
}


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as octal.
    return (
        field.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
    )


@lru_cache(maxsize=64)
def filesystem_type(folder: str) -> str:
    """The type of the mount holding ``folder`` ("ext4", "fuse.sshfs", ...), or "" if unknown."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return ""
    target = os.path.realpath(folder)
    best, best_type = "", ""
    for line in lines:
        left, _, right = line.partition(" - ")
        parts, rparts = left.split(), right.split()
        if len(parts) < 5 or not rparts:
            continue
        mount_point = _unescape(parts[4])
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, rparts[0]
    return best_type


def _mount_says_network(path: Path) -> bool:
    fs = filesystem_type(str(path.parent if not path.is_dir() else path))
    return fs in NETWORK_FS_TYPES or fs.startswith("fuse.") or fs == "fuse"


def is_network_drive(path: Path) -> bool:
    """True when the board's folder is on a network or FUSE file system."""
    return network_drive(path) is not None


# statfs(2) f_type of file systems whose writes from other machines inotify never reports.
NETWORK_MAGIC = {
    0x6969: "nfs",
    0xFF534D42: "cifs",
    0xFE534D42: "smb2",
    0x517B: "smbfs",
    0x65735546: "fuse",
    0x01021997: "9p",
}


def network_drive(board_path: Path) -> str | None:
    """The name of the network file system holding the board's folder, or ``None``.

    /proc/self/mountinfo first; statfs(2)'s magic number as well,
    for when /proc is missing or a mount point is not where the path says.
    """
    folder = board_path.parent if not board_path.is_dir() else board_path
    if _mount_says_network(board_path):
        return filesystem_type(str(folder)) or "network file system"
    magic = _statfs_magic(folder)
    return NETWORK_MAGIC.get(magic) if magic is not None else None


def _statfs_magic(folder: Path) -> int | None:
    """statfs(2)'s ``f_type`` of ``folder`` on Linux, else ``None``."""
    if not sys.platform.startswith("linux") or sys.byteorder != "little":
        return None
    try:
        import ctypes  # only when the mount table did not say (keeps start-up light)

        libc = ctypes.CDLL(None, use_errno=True)
        buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes; f_type comes first
        if libc.statfs(os.fsencode(folder), buf) != 0:
            return None
        return ctypes.c_long.from_buffer(buf).value & 0xFFFFFFFF
    except (OSError, AttributeError, ValueError):
        return None
