"""Several writer processes on one board: nothing lost, nothing doubled, locks are bounded."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from tests.helpers_store import COUNTER_WRITER, audit, raw, spawn

from formboard.core.errors import BoardLocked
from formboard.core.store import BoardStore

WRITERS = 4
OPS_PER_WRITER = 100

HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from formboard.core.lock import LeaseOwner, WriteLease
lease = WriteLease(Path(sys.argv[1]), LeaseOwner.create("ghost", host="far-host"), ttl=30)
lease.acquire()
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def board(tmp_path: Path) -> Path:
    path = tmp_path / "C-0421.board"
    BoardStore.create(path, "C-0421").close()
    return path


@pytest.mark.timeout(120)
def test_four_writers_lose_no_card_and_no_increment(board: Path, tmp_path: Path) -> None:
    with BoardStore.open(board) as s:
        counter = s.add_card("resources", "Counter", body="0")
    go = tmp_path / "go"
    procs = [
        spawn(COUNTER_WRITER, board, counter.id, f"w{n}", OPS_PER_WRITER, go)
        for n in range(WRITERS)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr
        go.touch()
        tallies = []
        for p in procs:
            out, err = p.communicate(timeout=100)
            assert p.returncode == 0, err
            tallies.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    assert [t["errors"] for t in tallies] == [[]] * WRITERS  # no BoardLocked, nothing else
    acknowledged_adds = [title for t in tallies for title in t["added"]]
    increments = sum(t["increments"] for t in tallies)
    conflicts = sum(t["conflicts"] for t in tallies)
    assert len(acknowledged_adds) == increments == WRITERS * OPS_PER_WRITER // 2

    with BoardStore.open(board) as s:
        board_now = s.board()
        on_board = Counter(c.title for c in board_now.cards if c.title != "Counter")
        assert on_board == Counter(acknowledged_adds)  # each exactly once, nothing extra
        assert s.card(counter.id).body == str(increments) == "200"
        assert s.quick_check() is None
        log = s.ops()
        assert json.loads(s.sidecar_path.read_text())["revision"] == s.revision()
    writers = {t["client_id"] for t in tallies}
    mine = [o for o in log if o.client_id in writers]
    assert sum(o.op == "add_card" for o in mine) == len(acknowledged_adds)
    assert sum(o.op == "edit_card" and o.entity_id == counter.id for o in mine) == increments
    assert sum(o.op == "conflict" for o in mine) == conflicts
    # one logged op per acknowledged op (member rows are parts of a writer's first op)
    assert len({(o.client_id, o.client_seq) for o in mine}) == (
        len(acknowledged_adds) + increments + conflicts
    )
    assert audit(board) == []


def test_a_lease_held_elsewhere_gives_board_locked_naming_the_owner_and_writes_nothing(
    board: Path,
) -> None:
    with BoardStore.open(board) as s:
        s.add_card("symptoms", "Panic at work")
    holder = spawn(HOLDER_SCRIPT, board)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with BoardStore.open(board, lock_wait=0.5) as s:
            revision, before = s.revision(), s.board().cards
            started = time.monotonic()
            with pytest.raises(BoardLocked) as caught:
                s.add_card("symptoms", "Insomnia")
            waited = time.monotonic() - started
            assert 0.4 < waited < 3.0
            assert caught.value.owner == "ghost@far-host" and "ghost@far-host" in str(caught.value)
            assert s.revision() == revision and s.board().cards == before
            assert not any(o.op == "add_card" and o.after["title"] == "Insomnia" for o in s.ops())
    finally:
        holder.kill()
        holder.wait()
    conn = raw(board)
    assert conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 1
    conn.close()


def test_a_read_that_keeps_meeting_a_colleagues_commits_waits_its_turn_under_the_lease(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A colleague who writes without a pause (or a loaded machine that stretches each of
    their commits) once starved a read into "busy" after 3 s of retries; now the read waits
    for the write lease, under which no formboard commit is in progress, and reads."""
    from formboard.core.store import files

    store = BoardStore.open(board)
    card = store.add_card("symptoms", "Panic at work")
    try:
        # Every look finds a commit in progress, except while this process holds the lease.
        monkeypatch.setattr(files, "journal_live", lambda _path: store.lease._depth == 0)
        started = time.monotonic()
        assert store.card(card.id).title == "Panic at work"
        assert time.monotonic() - started < 1.0  # after two tries, not after the whole budget
    finally:
        store.close()
