"""The write lease: one writer at a time on a board, even on mounts without byte-range locks.

SQLite's own locks vanish on sshfs, CIFS ``nobrl`` and NFS ``nolock`` (DESIGN §3), so every
write first takes this lease: ``<board>.lock/`` holding ``owner.json``, renamed into place.
The holder rewrites the owner file every ``ttl / 3`` with its renewal counter + 1, and calls
:meth:`WriteLease.verify` right before COMMIT, so even a mistaken break cannot produce two
commits.

A waiter judges a lease stale only from what the file server says now: the owner file's
*content*, read through a fresh open each time. Attributes are not evidence: a caching
mount (sshfs keeps them for seconds) serves an old mtime, and its cached size cut a
rewritten owner file short, so the file is always the same size (``OWNER_SIZE``). A lease is
broken only after the waiter has watched the same owner and renewal counter for a whole TTL
on its own monotonic clock, so no clock, skewed or cached, can break a lease whose owner
renewed within the TTL. The one shortcut: a lease held by a process on this same host
(same boot, same PID namespace) whose process is gone is broken at once.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from formboard.core.drives import modes_hold
from formboard.core.errors import BoardLocked, DriveProblem
from formboard.core.files import private_mode, server_now, while_in_use, write_atomically
from formboard.core.lease_owner import (
    LeaseInfo as LeaseInfo,  # re-exported: callers know the lease by lock
)
from formboard.core.lease_owner import LeaseOwner as LeaseOwner

_DENIED = () if os.name == "nt" else (errno.EACCES,)
LEASE_TTL = 10.0
LEASE_WAIT = 15.0
OWNER_FILE = "owner.json"
OWNER_SIZE = 1024  # every owner file is padded to this size: a cached size never cuts it
# Errors that no waiting cures: said at once, not as a colleague's lock (EACCES on Windows
# is a file in use too, an antivirus scan of a new owner file: that passes).
_FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EPERM, *_DENIED}
_SWEEP_EVERY = 600.0  # seconds between looks for crash leftovers by one lease instance
_NOTICE_EVERY = 0.5
_UNKNOWN_HOLDER = "someone else"


def env_seconds(name: str, default: float) -> float:
    """A number of seconds from the environment (``FORMBOARD_LOCK_WAIT``, ...), else
    ``default`` (also for a value that is not a number, or below zero)."""
    try:
        value = float(os.environ[name])
    except (KeyError, ValueError):
        return default
    return value if value >= 0 else default


def _read_owner(lock_dir: Path) -> LeaseInfo | None:
    """Read ``owner.json`` through a fresh open: its content, never its cached attributes."""
    try:
        with open(lock_dir / OWNER_FILE, "rb") as f:
            raw = f.read(4 * OWNER_SIZE)
    except OSError:
        return None
    return LeaseInfo.from_json(raw)


class _Watch:
    """What a waiter has seen of the lease: the same owner and counter since when.

    Stale means unchanged for a whole TTL by the waiter's own monotonic clock: an owner that
    renews (every TTL / 3) always shows a new counter within that time.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.seen: tuple[str, int] | bool | None = False  # False: nothing seen yet
        self.since = 0.0

    def stale(self, holder: LeaseInfo | None, now: float) -> bool:
        state = (holder.uuid, holder.renewed) if holder is not None else None
        if state != self.seen:
            self.seen, self.since = state, now
            return False
        return now - self.since > self.ttl


class WriteLease:
    """An app-level lease on one board; see the module docstring for the protocol."""

    def __init__(
        self,
        board_path: Path,
        owner: LeaseOwner,
        *,
        ttl: float | None = None,
        wait: float | None = None,
    ) -> None:
        self.board_path = Path(board_path)
        self.owner = owner
        self.ttl = ttl if ttl is not None else env_seconds("FORMBOARD_LEASE_TTL", LEASE_TTL)
        self.wait = wait if wait is not None else env_seconds("FORMBOARD_LOCK_WAIT", LEASE_WAIT)
        self.lock_dir = self.board_path.with_name(self.board_path.name + ".lock")
        self._owner_path = self.lock_dir / OWNER_FILE
        self._depth = 0
        self._renewed = 0
        self._acquired_at = 0.0
        self._io = threading.RLock()  # the renewal thread and the caller share the owner file
        # What this waiter has watched of someone else's lease, kept across acquire() calls
        # (the app retries short waits), so a wait shorter than the TTL still adds up.
        self._watch = _Watch(self.ttl)
        self._next_sweep = 0.0  # when to look for crash leftovers again (the first take)
        self.stuck = False  # a stale lease was seen that this user may not remove
        self._dead: tuple[str, int] | None = None  # a holder seen dead, to be seen again
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self, on_wait: Callable[[LeaseInfo | None, float], None] | None = None) -> None:
        """Take the lease, waiting at most ``wait`` seconds; raise :class:`BoardLocked` if not."""
        with self._io:
            if self._depth:
                self._depth += 1
                return
        started = time.monotonic()
        deadline = started + self.wait
        next_notice = started
        self.stuck = False
        holder: LeaseInfo | None = None
        failure: OSError | None = None  # the last error of our own writes, if any
        while True:
            try:
                if self._try_take():
                    self._watch.seen = False
                    return
                failure = None
            except OSError as exc:
                if exc.errno in _FATAL_ERRNOS:
                    raise DriveProblem(exc.errno, self.board_path.parent) from None
                failure = exc  # EIO and the like may pass: keep trying until the wait ends
            now = time.monotonic()
            holder = _read_owner(self.lock_dir)
            if self._break_if_stale(holder, self._watch, now):
                continue  # retry at once, before another waiter does
            if now >= deadline:
                if failure is not None and holder is None:
                    raise DriveProblem(failure.errno, self.board_path.parent) from None
                if self.stuck:
                    held_for = max(0.0, time.time() - holder.acquired_at) if holder else None
                    who = holder.who() if holder else _UNKNOWN_HOLDER
                    raise BoardLocked(who, held_for, self.stuck_sentence(holder))
                held_for = max(0.0, time.time() - holder.acquired_at) if holder else None
                raise BoardLocked(holder.who() if holder else _UNKNOWN_HOLDER, held_for)
            if on_wait is not None and now >= next_notice:
                on_wait(holder, now - started)
                next_notice = now + _NOTICE_EVERY
            # a tight loop hammers a network drive; jitter keeps waiters from moving in step
            time.sleep(min(_jitter(), max(0.0, deadline - now) + 0.001))

    def held(self) -> bool:
        """Whether this instance believes it holds the lease."""
        return self._depth > 0

    def verify(self) -> bool:
        """Re-read the owner file: is the lease still ours? Call right before COMMIT."""
        with self._io:
            if not self._depth:
                return False
            info = _read_owner(self.lock_dir)
            return info is not None and info.uuid == self.owner.uuid

    def renew(self) -> None:
        """Rewrite the owner file (new server mtime, ``renewed`` + 1) if it is still ours."""
        with self._io:
            if not self._depth:
                return
            info = _read_owner(self.lock_dir)
            if info is None or info.uuid != self.owner.uuid:
                return  # lost: never overwrite another holder's file; verify() will say so
            try:
                self._write_owner(self._renewed + 1)
            except OSError:
                return  # a transient network error; the next renewal or verify() decides
            self._renewed += 1

    def release(self) -> None:
        """Give the lease back; the lock dir is removed only if the owner file is still ours."""
        with self._io:
            if not self._depth:
                return
            self._depth -= 1
            if self._depth:
                return
        self._stop_renewer()
        with self._io:
            info = _read_owner(self.lock_dir)
            if info is not None and info.uuid == self.owner.uuid:
                self._remove_lock_dir(expect=(info.uuid, info.renewed))

    def holder(self) -> LeaseInfo | None:
        """Who holds the lease now, or ``None`` if it is free or unreadable."""
        return _read_owner(self.lock_dir)

    def __enter__(self) -> WriteLease:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _try_take(self) -> bool:
        """Build a lock dir holding our owner file under a unique name, then rename it into place.

        rename() onto a directory that is not empty fails (POSIX, SFTP, SMB), so one taker
        wins, and the file server decides. mkdir() would not do: a caching mount (sshfs
        keeps attributes 20 s) that still lists a lock dir released meanwhile fails it with
        EEXIST without asking the server. The lock dir is never empty while held.
        """
        file_mode, dir_mode = private_mode(self.board_path.parent)
        staging = self.lock_dir.with_name(f".{self.lock_dir.name}.new-{uuid.uuid4().hex}")
        with self._io:
            # Our own mkdir or write failing (full, read-only, EIO...) raises: not ours, and
            # the caller says why. Only the rename onto a held lease means "someone else".
            os.mkdir(staging, dir_mode)
            try:
                if modes_hold(staging.parent):  # the umask may have stripped group bits
                    os.chmod(staging, dir_mode)
                self._acquired_at = time.time()
                self._write_owner(0, file_mode, into=staging)
            except OSError:
                _rmtree(staging)
                raise
            try:
                os.rename(staging, self.lock_dir)  # fails while anyone holds the lease
            except OSError:
                _rmtree(staging)
                return False
            info = _read_owner(self.lock_dir)
            if info is None or info.uuid != self.owner.uuid:
                return False  # a breaker moved ours away already; nothing of ours is left
            self._renewed = 0
            self._depth = 1
        self._start_renewer()
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + _SWEEP_EVERY
            with contextlib.suppress(OSError):
                self.sweep_leftovers()
        return True

    def sweep_leftovers(self) -> list[str]:
        """Remove what crashed writers of this board left in its folder; the names removed.

        Lock staging folders, broken leases set aside, sidecar temp files and clock probes
        live a few milliseconds. One is provably dead when its mtime is older than three
        TTLs by the file server's clock, or (a staging folder) its owner ran on this host
        and has ended. Removing one that is not dead costs its writer a retry, never data.
        """
        folder, name = self.board_path.parent, self.board_path.name
        prefixes = (f".{name}.lock.new-", f".{name}.rev.tmp-", f".{name}.probe-",
                    f"{name}.lock.stale-")  # fmt: skip
        found = [e for e in os.scandir(folder) if e.name.startswith(prefixes)]
        if not found:
            return []
        now = self._server_now()
        removed = []
        for entry in found:
            try:
                old = now is not None and now - entry.stat(follow_symlinks=False).st_mtime > (
                    3 * self.ttl
                )
            except OSError:
                continue
            owner = _read_owner(Path(entry.path)) if entry.is_dir(follow_symlinks=False) else None
            if not (old or (owner is not None and owner.gone_from_this_host())):
                continue
            if entry.is_dir(follow_symlinks=False):
                _rmtree(entry.path)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            removed.append(entry.name)
        return removed

    def _server_now(self) -> float | None:
        """The file server's clock (see ``server_now``)."""
        return server_now(
            self.board_path.with_name(f".{self.board_path.name}.probe-{uuid.uuid4().hex}")
        )

    def _write_owner(
        self, renewed: int, file_mode: int | None = None, into: Path | None = None
    ) -> None:
        info = LeaseInfo(
            **asdict(self.owner),
            acquired_at=self._acquired_at,
            renewed=renewed,
            renewed_at=time.time(),
        )
        mode = file_mode if file_mode is not None else private_mode(self.board_path.parent)[0]
        path = self._owner_path if into is None else into / OWNER_FILE
        data = json.dumps(asdict(info)).encode()
        write_atomically(path, data.ljust(max(OWNER_SIZE, len(data))), mode)

    def _break_if_stale(self, holder: LeaseInfo | None, watch: _Watch, now: float) -> bool:
        """Break the lease if it is stale (see the module docstring); True if we broke it."""
        if holder is None and not os.path.lexists(self.lock_dir):
            watch.seen = False  # free: the next take wins it; a new holder is watched anew
            return False
        gone = self._died_holding(holder)
        if not (watch.stale(holder, now) or gone):
            return False
        if not self.removable():
            self.stuck = True  # stale, but this user may not remove it (a sticky folder)
            return False
        self._remove_lock_dir(expect=(holder.uuid, holder.renewed) if holder else None)
        return True

    def _died_holding(self, holder: LeaseInfo | None) -> bool:
        """True once a holder on this host was seen dead and then *still* holding the lease.

        The owner file read before the death check may be from a lease that was released
        since (a command line writer releases and exits within milliseconds), and the
        slot taken by a colleague: breaking on that read would break the colleague's live
        lease. A dead process releases nothing, so the same owner read again after its
        death was seen can only be a lease it died holding.
        """
        if holder is None:
            self._dead = None
            return False
        pair = (holder.uuid, holder.renewed)
        if self._dead == pair:
            return True
        self._dead = pair if holder.gone_from_this_host() else None
        return False

    def removable(self) -> bool:
        """Whether this user may move the lock folder away (to break a stale lease).

        In a sticky folder (``chmod +t``) only the lock folder's owner, the folder's owner
        or an administrator may rename it; anyone needs write access to the folder.
        """
        folder = self.board_path.parent
        try:
            folder_st, lock_st = os.stat(folder), os.lstat(self.lock_dir)
        except OSError:
            return True  # gone already, or unknown: trying costs nothing
        me = os.geteuid() if hasattr(os, "geteuid") else None  # Windows: no sticky folders
        if me == 0:
            return True
        if not os.access(folder, os.W_OK | os.X_OK):
            return False
        sticky = bool(folder_st.st_mode & stat.S_ISVTX)
        return not sticky or me in (lock_st.st_uid, folder_st.st_uid)

    def stuck_sentence(self, holder: LeaseInfo | None) -> str:
        """What is true of a stale lease this user may not remove, and what to do."""
        who = holder.who() if holder else _UNKNOWN_HOLDER
        try:
            owner = __import__("pwd").getpwuid(os.lstat(self.lock_dir).st_uid).pw_name
        except (ImportError, OSError, KeyError):  # Windows has no pwd (nor sticky folders)
            owner = "its owner"
        return (
            f"The board stays locked by {who}: their lease is stale, but in this folder only "
            f"{owner} or an administrator may remove it; nothing was written. Ask them to "
            f"remove {self.lock_dir}."
        )

    def _remove_lock_dir(self, expect: tuple[str, int] | None) -> None:
        """Move the lock dir aside atomically, then delete it only if it is the one expected.

        ``expect`` is the (uuid, renewed) judged, or None for an ownerless dir. If we moved a
        different lease (a racing breaker's fresh one), we put it back when we can.
        """
        aside = self.lock_dir.with_name(f"{self.lock_dir.name}.stale-{uuid.uuid4().hex}")
        try:
            while_in_use(os.rename, self.lock_dir, aside)  # only one breaker wins this
        except OSError:
            return
        found = _read_owner(aside)
        moved = None if found is None else (found.uuid, found.renewed)
        # renaming back onto a fresh empty lock dir would replace it, so look first
        if moved != expect and not os.path.lexists(self.lock_dir):
            with contextlib.suppress(OSError):
                os.rename(aside, self.lock_dir)
                return
        if os.path.isdir(aside) and not os.path.islink(aside):
            _rmtree(aside)
        else:  # a file or a link where the lock folder belongs (another program's): gone too
            with contextlib.suppress(OSError):
                os.unlink(aside)

    def _start_renewer(self) -> None:
        self._stop.clear()
        self._renewer = threading.Thread(
            target=self._renew_loop, name=f"lease-{self.lock_dir.name}", daemon=True
        )
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            # a failed renewal must never kill the app; verify() catches a lost lease
            with contextlib.suppress(Exception):
                self.renew()

    def _stop_renewer(self) -> None:
        self._stop.set()
        thread, self._renewer = self._renewer, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=max(1.0, self.ttl))


def _jitter() -> float:
    """10–50 ms, so two waiting writers do not retry in step (``random`` only when contended)."""
    import random

    return random.uniform(0.01, 0.05)


def _rmtree(path: str | os.PathLike[str]) -> None:
    """A lease folder left behind, removed whatever it holds (``shutil`` only when there
    is one)."""
    import shutil

    shutil.rmtree(path, ignore_errors=True)
