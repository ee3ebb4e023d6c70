"""What kind of file system a board lives on: local disk or a network drive.

The store and the watcher behave differently on network drives (fresh
connections, polling), see DESIGN §3–§4. Linux reads /proc/self/mountinfo;
elsewhere we assume a local disk unless configured.
"""

from __future__ import annotations

import os
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


def is_network_drive(path: Path) -> bool:
    """True when the board's folder is on a network or FUSE file system."""
    fs = filesystem_type(str(path.parent if not path.is_dir() else path))
    return fs in NETWORK_FS_TYPES or fs.startswith("fuse.") or fs == "fuse"
