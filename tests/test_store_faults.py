"""Faults on the write path: a writer killed mid-op, commits that fail or only seem to."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from tests.helpers_store import audit, long_board, spawn

from formboard.core.errors import BoardCorrupt, BoardReadOnly
from formboard.core.store import BoardStore, files, writes

# A writer that makes a few acknowledged writes (breaking any stale lease first),
# then arms a SIGKILL at one point of the write path and writes once more.
KILL_SCRIPT = """
import os, signal, sys
from formboard.core.store import BoardStore, board_store, ops, writes

board, point = sys.argv[1], sys.argv[2]
store = BoardStore.open(board, lease_ttl=0.5)
for i in range(2):
    card = store.add_card("symptoms", f"{point}-{os.getpid()}-{i}")
    print("acknowledged", card.title, flush=True)

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "holding-lease-before-begin":
    board_store.run_transaction = die
elif point == "after-rows-before-op-log":
    real_insert = ops.insert
    ops.insert = lambda *a: (real_insert(*a), die())
elif point == "after-op-log-before-commit":
    writes.commit = die
elif point == "after-commit-holding-lease":
    writes.commit = lambda conn: (conn.execute("COMMIT"), die())
print("armed", flush=True)
if point != "anywhere":
    store.add_card("symptoms", "doomed")
n = 0
while True:  # "anywhere": the parent kills us at a random moment
    card = store.add_card("symptoms", f"anywhere-{os.getpid()}-{n}")
    store.edit_card(card.id, base_rev=card.rev, body="x" * n)
    n += 1
"""

KILL_POINTS = [
    "holding-lease-before-begin",
    "after-rows-before-op-log",
    "after-op-log-before-commit",
    "after-commit-holding-lease",
    "anywhere",
]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    board = tmp_path / "C-0421.board"
    BoardStore.create(board, "C-0421").close()
    return board


@pytest.fixture
def store(path: Path) -> BoardStore:
    with BoardStore.open(path) as s:
        yield s


@pytest.mark.timeout(120)
def test_a_writer_killed_anywhere_in_a_write_leaves_only_whole_ops(path: Path) -> None:
    rng = random.Random(421)
    acknowledged: list[str] = []
    for kill in range(10):
        point = KILL_POINTS[kill % len(KILL_POINTS)]
        child = spawn(KILL_SCRIPT, path, point)
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("acknowledged"):
                acknowledged.append(line.split(" ", 1)[1].strip())
            if line.startswith("armed"):
                break
        if point == "anywhere":
            time.sleep(rng.uniform(0.005, 0.08))
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL, (point, child.stderr and child.stderr.read())
        assert audit(path) == [], point
    # The last writer died holding the lease (or not): the next one breaks it and writes.
    started = time.monotonic()
    with BoardStore.open(path, lease_ttl=0.5) as s:
        s.add_card("symptoms", "after the storm")
        assert time.monotonic() - started < 3.0
        assert s.quick_check() is None
        titles = {c.title for c in s.board().cards}
    assert set(acknowledged) <= titles  # every acknowledged write survived
    assert not s.lease.lock_dir.exists()
    assert audit(path) == []


def failing_commit(monkeypatch: pytest.MonkeyPatch, land_first: bool, times: int = 1) -> list[int]:
    """Make the next ``times`` COMMITs raise a disk I/O error, after landing or instead."""
    calls: list[int] = []
    real = writes.commit

    def commit(conn: sqlite3.Connection) -> None:
        calls.append(1)
        if len(calls) > times:
            return real(conn)
        if land_first:
            real(conn)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(writes, "commit", commit)
    return calls


def count_ops(store: BoardStore, op: str) -> int:
    return sum(o.op == op for o in store.ops())


def test_a_commit_that_landed_but_reported_an_error_is_applied_once(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_commit(monkeypatch, land_first=True)
    card = store.add_card("symptoms", "Panic at work")
    assert len(calls) == 1  # the retry found the op in the log and did not commit again
    assert [c.title for c in store.board().cards] == ["Panic at work"]
    assert store.card(card.id) == card
    assert count_ops(store, "add_card") == 1
    assert store.sidecar_path.exists() and f'"revision": {store.revision()}' in (
        store.sidecar_path.read_text()
    )


def test_a_commit_that_truly_failed_is_retried_and_applied_once(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_commit(monkeypatch, land_first=False)
    card = store.add_card("symptoms", "Panic at work")
    assert len(calls) == 2
    assert [c.id for c in store.board().cards] == [card.id]
    assert count_ops(store, "add_card") == 1


def test_an_edit_whose_commit_seemed_to_fail_bumps_the_revision_once(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = store.add_card("symptoms", "Panic at work")
    failing_commit(monkeypatch, land_first=True)
    edited = store.edit_card(card.id, base_rev=card.rev, body="Started in March")
    assert edited.rev == card.rev + 1 == store.card(card.id).rev
    assert count_ops(store, "edit_card") == 1


def test_a_drive_that_keeps_failing_writes_nothing_and_says_so(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_commit(monkeypatch, land_first=False, times=99)
    revision = store.revision()
    with pytest.raises(BoardReadOnly, match="kept failing"):
        store.add_card("symptoms", "Panic at work")
    assert store.revision() == revision and store.board().cards == ()
    assert not store.lease.lock_dir.exists()


def test_a_lease_lost_before_commit_rolls_back_and_retries_once(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.lease.verify
    answers = iter([False])
    monkeypatch.setattr(store.lease, "verify", lambda: next(answers, None) or real())
    card = store.add_card("symptoms", "Panic at work")
    assert [c.id for c in store.board().cards] == [card.id]
    assert count_ops(store, "add_card") == 1
    assert audit(store.path) == []


def test_a_drive_that_goes_away_after_an_unclear_commit_gives_a_sentence_then_recovers(
    store: BoardStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_commit(monkeypatch, land_first=False, times=1)
    real_connect = files.connect
    connects = []

    def unreachable(*args: object, **kwargs: object) -> sqlite3.Connection:
        connects.append(args)
        if len(connects) == 1:  # the write's first try reaches the drive, then it goes
            return real_connect(*args, **kwargs)  # type: ignore[arg-type]
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(files, "connect", unreachable)
    with pytest.raises(BoardReadOnly, match="kept failing"):
        store.add_card("symptoms", "Panic at work")
    monkeypatch.setattr(files, "connect", real_connect)  # the drive is back
    card = store.add_card("symptoms", "Insomnia")
    assert [c.id for c in store.board().cards] == [card.id]
    assert audit(store.path) == []


def test_reading_a_board_damaged_after_opening_raises_board_corrupt_and_stops_writes(
    path: Path,
) -> None:
    with BoardStore.open(path) as s:
        s.load_board(long_board())
        os.truncate(path, path.stat().st_size // 3)
        with pytest.raises(BoardCorrupt, match="backup"):
            s.board()
        with pytest.raises(BoardReadOnly, match="damaged"):
            s.add_card("symptoms", "Panic at work")
