"""The write lease: mutual exclusion, waiting, expiry by renewals watched, and safe breaking."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from formboard.core import lock
from formboard.core.errors import BoardLocked, DriveProblem
from formboard.core.files import private_mode, write_atomically
from formboard.core.lock import LeaseInfo, LeaseOwner, WriteLease

SRC = str(Path(__file__).resolve().parents[1] / "src")

# Holds a lease with a running renewal thread until killed; argv[3] "here" is this host.
HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from formboard.core.lock import LeaseOwner, WriteLease
ghost = LeaseOwner.create("ghost", host=None if sys.argv[3:] == ["here"] else "far")
lease = WriteLease(Path(sys.argv[1]), ghost, ttl=float(sys.argv[2]))
lease.acquire()
print("held", flush=True)
time.sleep(60)
"""

# Read-modify-write of a plain counter file under the lease; the sleep widens the race.
COUNTER_SCRIPT = """
import sys, time
from pathlib import Path
from formboard.core.lock import LeaseOwner, WriteLease
board, counter, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
lease = WriteLease(board, LeaseOwner.create("worker" + sys.argv[4]), wait=30)
for _ in range(rounds):
    with lease:
        value = int(counter.read_text())
        time.sleep(0.001)
        counter.write_text(str(value + 1))
"""


def owner(login: str = "ana", host: str = "host-3") -> LeaseOwner:
    return LeaseOwner.create(login, name=login.capitalize(), host=host)


@pytest.fixture
def board(tmp_path: Path) -> Path:
    path = tmp_path / "client-7.board"
    path.write_bytes(b"")
    return path


def python(script: str, *args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-c", script, *map(str, args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)


def age_owner_file(lease_dir: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(lease_dir / "owner.json", (past, past))


def test_acquire_writes_our_owner_file_and_release_removes_the_lock_dir(board: Path) -> None:
    me = owner()
    lease = WriteLease(board, me, ttl=5)
    assert lease.lock_dir == board.with_name("client-7.board.lock")
    lease.acquire()
    try:
        assert lease.held() and lease.verify()
        saved = json.loads((lease.lock_dir / "owner.json").read_text())
        assert saved["uuid"] == me.uuid and saved["login"] == "ana" and saved["renewed"] == 0
        holder = lease.holder()
        assert holder is not None and holder.label() == "ana@host-3"
    finally:
        lease.release()
    assert not lease.held()
    assert not lease.lock_dir.exists()
    assert lease.holder() is None
    assert sorted(p.name for p in board.parent.iterdir()) == ["client-7.board"]


def test_second_session_waits_then_is_told_who_holds_the_board(board: Path) -> None:
    with WriteLease(board, owner("ana", "host-3"), ttl=30):
        other = WriteLease(board, owner("ben", "host-9"), ttl=30, wait=0.3)
        started = time.monotonic()
        with pytest.raises(BoardLocked) as caught:
            other.acquire()
        waited = time.monotonic() - started
    assert 0.3 <= waited < 1.5
    assert caught.value.owner == "Ana (ana@host-3)"
    assert caught.value.held_for is not None and 0 <= caught.value.held_for < 5
    assert "ana@host-3" in str(caught.value)
    assert not other.held()


def test_acquire_is_reentrant_and_only_the_last_release_frees_the_board(board: Path) -> None:
    lease = WriteLease(board, owner(), ttl=30)
    with lease:
        with lease:
            assert lease.held()
        assert lease.held() and lease.lock_dir.exists()
    assert not lease.held() and not lease.lock_dir.exists()


def test_expired_lease_is_broken_and_the_waiter_takes_the_board(board: Path) -> None:
    stale = WriteLease(board, owner("ana"), ttl=60)  # renews only every 20 s
    stale.acquire()
    age_owner_file(stale.lock_dir, 5)
    fresh = WriteLease(board, owner("ben"), ttl=0.5, wait=2)
    fresh.acquire()
    try:
        assert fresh.verify()
        assert fresh.holder() is not None and fresh.holder().login == "ben"
        assert not stale.verify()
        stale.release()  # must not remove ben's lease
        assert fresh.lock_dir.exists() and fresh.verify()
    finally:
        fresh.release()
    assert not list(board.parent.glob("*.stale-*"))


def killed_holder(board: Path, ttl: float, *where: str) -> LeaseInfo:
    """A lease taken by a process that is then killed; what its owner file said while alive."""
    ghost = python(HOLDER_SCRIPT, board, ttl, *where)
    try:
        assert ghost.stdout is not None and ghost.stdout.readline().strip() == "held"
        holder = WriteLease(board, owner()).holder()
        assert holder is not None and holder.login == "ghost"
        assert not holder.gone_from_this_host()  # alive, wherever it runs
        return holder
    finally:
        ghost.send_signal(signal.SIGKILL)
        ghost.wait()
        ghost.stdout.close()


def test_lease_left_by_a_killed_process_is_taken_over_once_ttl_passed(board: Path) -> None:
    killed_holder(board, 0.5)
    started = time.monotonic()
    with WriteLease(board, owner("ben"), ttl=0.5, wait=3) as mine:
        assert mine.holder().login == "ben"
    assert time.monotonic() - started < 2.5


def test_fresh_lease_is_not_broken(board: Path) -> None:
    with WriteLease(board, owner("ana"), ttl=60) as holder:
        with pytest.raises(BoardLocked):
            WriteLease(board, owner("ben"), ttl=60, wait=0.3).acquire()
        assert holder.verify()


def test_a_lock_dir_without_a_readable_owner_is_respected_until_older_than_ttl(
    board: Path,
) -> None:
    lock_dir = board.with_name(board.name + ".lock")
    lock_dir.mkdir()
    (lock_dir / "owner.json").write_text('{"login": "an older formboard, mid-wri')
    with pytest.raises(BoardLocked) as caught:
        WriteLease(board, owner(), ttl=0.5, wait=0.2).acquire()
    assert caught.value.held_for is None
    past = time.time() - 5
    os.utime(lock_dir, (past, past))
    with WriteLease(board, owner("ben"), ttl=0.5, wait=1) as lease:
        assert lease.verify()


def test_verify_is_false_once_someone_replaced_our_lease(board: Path) -> None:
    mine = WriteLease(board, owner("ana"), ttl=60)
    mine.acquire()
    theirs = owner("ben")
    data = {**json.loads((mine.lock_dir / "owner.json").read_text()), "uuid": theirs.uuid}
    (mine.lock_dir / "owner.json").write_text(json.dumps(data))
    assert not mine.verify()
    mine.renew()  # must not write over ben's owner file
    assert WriteLease(board, theirs).holder().uuid == theirs.uuid
    mine.release()
    assert mine.lock_dir.exists(), "release removed someone else's lease"


def test_breaker_that_moved_a_fresh_lease_puts_it_back(board: Path) -> None:
    with WriteLease(board, owner("ana"), ttl=60) as fresh:
        late_breaker = WriteLease(board, owner("ben"), ttl=0.5)
        late_breaker._remove_lock_dir(expect=("uuid-of-the-stale-lease", 3))
        assert fresh.verify()
    assert not list(board.parent.glob("*.stale-*"))


def test_mkdir_io_error_counts_as_not_acquired(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = []

    def flaky_mkdir(path: object, mode: int = 0o777) -> None:
        attempts.append(path)
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(lock.os, "mkdir", flaky_mkdir)
    lease = WriteLease(board, owner(), ttl=0.5, wait=0.3)
    with pytest.raises(DriveProblem, match="I/O error") as caught:  # not "locked by someone"
        lease.acquire()
    assert not lease.held() and not isinstance(caught.value, BoardLocked)
    assert 3 <= len(attempts) <= 40, "keeps retrying, but not in a tight loop"


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "is full"), (errno.EROFS, "read-only"), (errno.EACCES, "may not write")],
)
def test_a_full_or_read_only_drive_is_said_at_once_not_taken_for_a_lock(
    board: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(lock, "write_atomically", refused)
    lease = WriteLease(board, owner(), ttl=0.5, wait=15)
    started = time.monotonic()
    with pytest.raises(DriveProblem, match=words):
        lease.acquire()
    assert time.monotonic() - started < 1.0 and not lease.held()
    assert sorted(p.name for p in board.parent.iterdir()) == [board.name]  # no staging left


def test_renewal_keeps_a_long_hold_alive_past_ttl(board: Path) -> None:
    started = time.monotonic()
    with WriteLease(board, owner("ana"), ttl=0.6) as holder:
        with pytest.raises(BoardLocked):
            WriteLease(board, owner("ben"), ttl=0.6, wait=1.0).acquire()
        time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
        assert holder.verify()
        assert holder.holder().renewed >= 3


def test_on_wait_is_told_who_holds_the_board_and_for_how_long_we_waited(board: Path) -> None:
    calls: list[tuple[LeaseInfo | None, float]] = []
    with WriteLease(board, owner("ana"), ttl=60):
        waiter = WriteLease(board, owner("ben"), ttl=60, wait=0.8)
        with pytest.raises(BoardLocked):
            waiter.acquire(on_wait=lambda who, waited: calls.append((who, waited)))
    assert 2 <= len(calls) <= 3
    assert all(who is not None and who.label() == "ana@host-3" for who, _ in calls)
    assert calls[0][1] < 0.2 and calls[1][1] >= 0.45


def test_lease_files_are_private(board: Path) -> None:
    with WriteLease(board, owner(), ttl=60) as lease:
        assert stat.S_IMODE(os.stat(lease.lock_dir).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(lease.lock_dir / "owner.json").st_mode) == 0o600


@pytest.mark.posix
def test_team_folder_with_setgid_bit_gives_the_group_access(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2770)
    assert private_mode(team) == (0o660, 0o2770)
    assert private_mode(tmp_path) == (0o600, 0o700)
    with WriteLease(team / "client.board", owner(), ttl=60) as lease:
        assert stat.S_IMODE(os.stat(lease.lock_dir).st_mode) == 0o2770
        assert stat.S_IMODE(os.stat(lease.lock_dir / "owner.json").st_mode) == 0o660


def test_write_atomically_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "client.board.rev"
    target.write_text("old")
    write_atomically(target, b"new", 0o600)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["client.board.rev"]


def test_environment_sets_ttl_and_wait(board: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMBOARD_LEASE_TTL", "3")
    monkeypatch.setenv("FORMBOARD_LOCK_WAIT", "0.25")
    lease = WriteLease(board, owner())
    assert (lease.ttl, lease.wait) == (3.0, 0.25)
    assert WriteLease(board, owner(), ttl=7, wait=1).ttl == 7
    monkeypatch.setenv("FORMBOARD_LEASE_TTL", "soon")
    assert WriteLease(board, owner()).ttl == lock.LEASE_TTL


def test_four_processes_never_lose_an_increment(board: Path, tmp_path: Path) -> None:
    counter = tmp_path / "counter.txt"
    counter.write_text("0")
    workers = [python(COUNTER_SCRIPT, board, counter, 50, n) for n in range(4)]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
        worker.stdout.close()
    assert int(counter.read_text()) == 200
    assert not board.with_name(board.name + ".lock").exists()


def test_a_lease_whose_process_ended_on_this_host_is_taken_at_once(board: Path) -> None:
    alive = killed_holder(board, 30, "here")
    assert alive.process and alive.host == socket.gethostname().split(".")[0]
    started = time.monotonic()
    with WriteLease(board, owner("ben"), ttl=30, wait=5) as mine:
        assert mine.holder().login == "ben"
    assert time.monotonic() - started < 1.0  # not the 30 s TTL


def test_a_live_lease_is_never_broken_whatever_its_times_say(board: Path) -> None:
    """A caching mount serves old attributes: an owner file an hour old, a clock far off."""
    stop = threading.Event()

    def cached_attributes_say_old() -> None:
        past = time.time() - 3600
        while not stop.is_set():
            with contextlib.suppress(OSError):
                os.utime(lock_dir / "owner.json", (past, past))
                os.utime(lock_dir, (past, past))
            time.sleep(0.01)

    with WriteLease(board, owner("ana"), ttl=0.6) as holder:
        lock_dir = holder.lock_dir
        ager = threading.Thread(target=cached_attributes_say_old)
        ager.start()
        try:
            with pytest.raises(BoardLocked):
                WriteLease(board, owner("ben"), ttl=0.6, wait=2.5).acquire()
        finally:
            stop.set()
            ager.join()
        assert holder.verify()


def test_the_owner_file_keeps_one_size_so_a_cached_size_never_cuts_it(board: Path) -> None:
    with WriteLease(board, owner("ana"), ttl=0.3) as holder:
        sizes = {(holder.lock_dir / "owner.json").stat().st_size}
        for _ in range(4):
            time.sleep(0.12)
            sizes.add((holder.lock_dir / "owner.json").stat().st_size)
        assert holder.holder().renewed >= 2
    assert sizes == {lock.OWNER_SIZE}
    cut = json.dumps({"login": "ana"}).encode().ljust(lock.OWNER_SIZE)[:20]
    assert LeaseInfo.from_json(cut) is None


def test_only_the_very_process_on_this_host_counts_as_alive() -> None:
    me = LeaseOwner.create("ana", host=None)
    assert me.process  # boot, pid namespace and start time are known here
    mine = LeaseInfo(**{**asdict(me)}, acquired_at=0.0, renewed=0)
    assert not mine.gone_from_this_host()
    reused_pid = LeaseInfo(
        **{**asdict(me), "process": me.process + "0"}, acquired_at=0.0, renewed=0
    )
    assert reused_pid.gone_from_this_host()  # same pid, another start time
    elsewhere = LeaseInfo(
        **{**asdict(me), "host": "far", "pid": 999999}, acquired_at=0.0, renewed=0
    )
    assert not elsewhere.gone_from_this_host()  # another host: we cannot see its processes
    older = LeaseInfo(**{**asdict(me), "process": "", "pid": 999999}, acquired_at=0.0, renewed=0)
    assert not older.gone_from_this_host()  # an older formboard wrote no process tag


def test_short_waits_retried_add_up_to_break_a_dead_lease(board: Path) -> None:
    """The app retries waits shorter than the TTL; what it watched must not start over."""
    killed_holder(board, 30)  # on another host: only watching can tell it is dead
    waiter = WriteLease(board, owner("ben"), ttl=0.8, wait=0.3)
    started = time.monotonic()
    while time.monotonic() - started < 5:
        try:
            waiter.acquire()
            break
        except BoardLocked:
            continue
    assert waiter.held()
    waiter.release()
    assert time.monotonic() - started < 3


def test_crash_leftovers_are_swept_and_fresh_or_living_ones_kept(board: Path) -> None:
    folder, name = board.parent, board.name
    hour_ago = time.time() - 3600
    old = [
        folder / f".{name}.lock.new-{'a' * 32}",
        folder / f"{name}.lock.stale-{'b' * 32}",
        folder / f".{name}.rev.tmp-{'c' * 32}",
        folder / f".{name}.probe-{'d' * 32}",
    ]
    old[0].mkdir()
    old[1].mkdir()
    (old[1] / "owner.json").write_text("{}")
    old[2].write_text('{"revision": 3}')
    old[3].write_text("probe")
    for path in old:
        os.utime(path, (hour_ago, hour_ago))
    fresh = folder / f".{name}.rev.tmp-{'e' * 32}"  # a colleague's, being written right now
    fresh.write_text('{"revision": 4}')
    other_board = folder / f".other.board.rev.tmp-{'f' * 32}"
    other_board.write_text("{}")
    os.utime(other_board, (hour_ago, hour_ago))
    # A staging folder of a writer on this host that died a moment ago (fresh mtime).
    alive = killed_holder(board, 30, "here")
    lock_dir = board.with_name(name + ".lock")
    dead_staging = folder / f".{name}.lock.new-{'9' * 32}"
    os.rename(lock_dir, dead_staging)
    assert WriteLease(board, owner()).holder() is None and alive.process
    with WriteLease(board, owner("ben"), ttl=30, wait=2):
        pass
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([name, fresh.name, other_board.name])


@pytest.mark.posix
def test_a_stale_lease_this_user_may_not_remove_is_said_as_such(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sticky team folder: only the lock folder's owner (or an admin) may move it away."""
    os.chmod(board.parent, 0o1777)
    killed_holder(board, 30)  # on another host, dead: stale once watched for a TTL
    lock_dir = board.with_name(board.name + ".lock")
    os.chown(lock_dir, 4343, 4343)  # the colleague's
    monkeypatch.setattr(lock.os, "geteuid", lambda: 4242)  # and we are someone else
    waiter = WriteLease(board, owner("ben"), ttl=0.3, wait=1.2)
    assert not waiter.removable()
    with pytest.raises(BoardLocked) as caught:
        waiter.acquire()
    said = str(caught.value)
    assert "stale" in said and "may remove it" in said and str(lock_dir) in said
    assert lock_dir.exists()  # nothing was broken
    monkeypatch.undo()
    assert WriteLease(board, owner("ben"), ttl=0.3).removable()  # root may


def test_a_dead_holder_read_just_before_a_colleague_took_the_lease_breaks_nothing(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command line writer on this host releases and exits within milliseconds; a
    waiter that read its owner file just before, then finds its process gone, must not
    break the colleague who took the lease in between."""
    dead = killed_holder(board, 30, "here")  # its owner file, read while it lived
    WriteLease(board, owner()).lock_dir.rename(board.with_name("gone"))  # it released
    with WriteLease(board, owner("dara"), ttl=30) as colleague:  # and a colleague took it
        real = lock._read_owner
        reads = iter([dead])  # the waiter's first read is the old one

        def first_stale(lock_dir: Path) -> LeaseInfo | None:
            return next(reads, None) or real(lock_dir)

        moved: list[object] = []  # any move of the lock folder leaves it free a moment
        monkeypatch.setattr(lock, "_read_owner", first_stale)
        monkeypatch.setattr(WriteLease, "_remove_lock_dir", lambda self, expect: moved.append(1))
        with pytest.raises(BoardLocked):
            WriteLease(board, owner("ben"), ttl=30, wait=0.5).acquire()
        monkeypatch.undo()
        assert moved == [] and colleague.verify()
