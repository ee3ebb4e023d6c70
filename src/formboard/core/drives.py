"""What kind of drive a board lives on: a local disk or a network drive, decided here only.

The store and the watcher behave differently on network drives (fresh connections,
polling), see DESIGN §3–§4. Linux reads /proc/self/mountinfo, and statfs(2)'s magic
number where the mount table does not say; macOS statfs's file system name; Windows the
drive's type (a mapped network drive) and the path (a UNC share). What cannot be told is
a network drive; the ``watch`` setting overrides the choice of polling.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

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
    # cluster and virtual machines' shared file systems: other machines write there too
    "gpfs",
    "beegfs",
    "ocfs2",
    "gfs2",
    "virtiofs",
    "vboxsf",
    "vmhgfs",
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
    """True when the board's folder is on a network or FUSE file system, or unknown."""
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
# macOS: statfs's f_fstypename of the file systems another Mac's or PC's writes arrive on
# (FSEvents does not report them); and those of its own disks.
MAC_NETWORK = {"smbfs", "nfs", "afpfs", "webdav", "cifs", "ftp", "macfuse", "osxfuse", "fusefs"}
MAC_LOCAL = {"apfs", "hfs", "msdos", "exfat", "ntfs", "udf", "cd9660", "devfs"}
# Windows: GetDriveTypeW's answers for a drive on this computer (removable, fixed, CD,
# RAM disk); 4 is DRIVE_REMOTE (a mapped network drive), 0 and 1 say nothing.
WINDOWS_LOCAL = {2: "removable disk", 3: "local disk", 5: "CD drive", 6: "RAM disk"}
UNKNOWN = "a drive formboard cannot identify, treated as a network drive"


class DriveFacts(NamedTuple):
    """What a platform says of the folder a board is in, gathered by ``facts``; the
    judgement (``judge``) is a pure function of them, tested with each platform's cases."""

    platform: str  # sys.platform: "linux", "darwin", "win32"
    folder: str  # as given (a Windows UNC path starts with two backslashes)
    mount_type: str = ""  # Linux: the mount table's type ("ext4", "fuse.sshfs"); "" unknown
    magic: int | None = None  # Linux: statfs(2)'s f_type
    fs_name: str = ""  # macOS: statfs's f_fstypename ("apfs", "smbfs"); "" unknown
    drive_type: int | None = None  # Windows: GetDriveTypeW of the folder's drive


def judge(facts: DriveFacts) -> str | None:
    """The network file system the folder is on, ``None`` for a local disk. Whatever cannot
    be told is a network drive: trusting file events there loses colleagues' edits."""
    if facts.platform == "win32":
        if facts.folder.replace("/", "\\").startswith("\\\\"):
            return "a network share (UNC path)"
        if facts.drive_type == 4:
            return "a mapped network drive"
        return None if facts.drive_type in WINDOWS_LOCAL else UNKNOWN
    if facts.platform == "darwin":
        name = facts.fs_name.lower()
        if name in MAC_NETWORK or name.startswith(("macfuse", "osxfuse", "fuse")):
            return name
        return None if name in MAC_LOCAL else UNKNOWN
    fs = facts.mount_type
    if fs in NETWORK_FS_TYPES or fs.startswith("fuse.") or fs == "fuse":
        return fs
    if facts.magic is not None and facts.magic in NETWORK_MAGIC:
        return NETWORK_MAGIC[facts.magic]
    if not fs and facts.magic is None and facts.platform.startswith("linux"):
        return UNKNOWN  # neither the mount table nor statfs answered
    return None if facts.platform.startswith("linux") or fs else UNKNOWN


def modes_hold(folder: Path) -> bool:
    """Whether a file's mode (owner-only, group) protects it in ``folder``: on Linux, as
    its SMB and NFS mounts map them; never on Windows, where the share's access lists do;
    on macOS on its own disks only (a share's server decides there)."""
    if os.name == "nt" or sys.platform == "win32":
        return False
    return sys.platform.startswith("linux") or judge(facts(folder)) is None


def network_drive(board_path: Path) -> str | None:
    """The name of the network file system holding the board's folder, or ``None``."""
    folder = board_path.parent if not board_path.is_dir() else board_path
    return judge(facts(folder))


def facts(folder: Path) -> DriveFacts:
    """What this platform says of ``folder`` (see ``DriveFacts``)."""
    platform = sys.platform
    if platform == "win32":  # where a junction or a link leads, not where it starts
        real = windows_path(os.path.realpath(folder))
        return DriveFacts(platform, real, drive_type=_windows_drive_type(folder))
    if platform == "darwin":
        return DriveFacts(platform, str(folder), fs_name=_mac_fs_name(folder))
    mount_type = filesystem_type(str(folder))
    said = DriveFacts(platform, str(folder), mount_type)
    if judge(said) not in (None, UNKNOWN):
        return said  # the mount table says enough
    # statfs as well, where the mount table says local or nothing (a FUSE file system
    # mounted as "fuseblk", a folder whose mount point is not where its path says)
    return DriveFacts(platform, str(folder), mount_type, _statfs_magic(folder))


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


def _mac_fs_name(folder: Path) -> str:
    """statfs(2)'s ``f_fstypename`` on macOS, or "" when it cannot be read. The 64-bit
    inode ``struct statfs`` (arm64's only one; ``statfs$INODE64`` on an Intel Mac, whose
    plain ``statfs`` is the old layout) holds it at byte 72."""
    try:
        import ctypes
        import platform

        libc = ctypes.CDLL(None, use_errno=True)
        call = getattr(libc, "statfs$INODE64") if platform.machine() == "x86_64" else libc.statfs
        buf = ctypes.create_string_buffer(4096)  # struct statfs is 2168 bytes
        if call(os.fsencode(folder), buf) != 0:
            return ""
        return fs_name_in(buf.raw)
    except (OSError, AttributeError, ValueError):
        return ""


def fs_name_in(statfs: bytes) -> str:
    """The file system's name in a macOS 64-bit inode ``struct statfs``."""
    return statfs[72:88].split(b"\0", 1)[0].decode("ascii", "replace")


def windows_path(path: str) -> str:
    """``path`` without Windows' extended-length prefix (``\\\\?\\C:\\…``, ``\\\\?\\UNC\\…``),
    as ``realpath`` may give it: a share stays a UNC path, a drive a drive."""
    if path.startswith(("\\\\?\\UNC\\", "\\\\.\\UNC\\")):
        return "\\\\" + path[8:]
    if path.startswith(("\\\\?\\", "\\\\.\\")):
        return path[4:]
    return path


def _windows_drive_type(folder: Path) -> int | None:
    """GetDriveTypeW of the drive ``folder`` is on (``C:\\``), or None when it cannot be asked."""
    drive = os.path.splitdrive(windows_path(os.path.realpath(folder)))[0]  # through links
    if not drive or drive.startswith(("\\\\", "//")):
        return None  # a UNC path: ``judge`` knows it by its name
    try:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        return int(kernel32.GetDriveTypeW(drive + "\\"))
    except (OSError, AttributeError, ValueError):
        return None
