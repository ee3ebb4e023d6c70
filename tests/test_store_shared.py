"""One protocol for every opener of a board: what a colleague on another host cannot break.

A colleague writing through a mount holds SQLite locks that never reach this process
(DESIGN §3). SQLite's ``unix-none`` VFS is such a writer on a local disk: it takes no
locks at all. With a tiny page cache its transaction spills pages into the board before
COMMIT, so while it waits the board holds half a commit and a live journal, exactly what
a process on the file server sees while a colleague's commit crosses the network.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers_store import REMOTE_CARDS, finished, raw, remote_commit

from formboard.core.errors import BoardBusy
from formboard.core.store import BoardStore, check_board, files
from formboard.core.store.backups import take_backup
from formboard.core.store.summary import summarise


@pytest.fixture
def path(tmp_path: Path) -> Path:
    board = tmp_path / "C-0421.board"
    BoardStore.create(board, "C-0421").close()
    return board


def remote_cards_and_integrity(path: Path) -> tuple[int, str]:
    conn = raw(path)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count = conn.execute("SELECT COUNT(*) FROM cards WHERE id LIKE 'remote%'").fetchone()[0]
    finally:
        conn.close()
    return count, check


def test_opening_and_reading_during_a_colleagues_commit_waits_and_tears_nothing(
    path: Path,
) -> None:
    writer = remote_commit(path, hold=1.0)
    try:
        with BoardStore.open(path) as store:
            cards = store.board().cards
    finally:
        finished(writer)
    assert len(cards) == REMOTE_CARDS  # read after the commit, never half of it
    assert remote_cards_and_integrity(path) == (REMOTE_CARDS, "ok")


def test_a_commit_in_progress_for_long_is_busy_not_damaged_and_is_left_alone(
    path: Path,
) -> None:
    store = BoardStore.open(path, lock_wait=0.5)
    writer = remote_commit(path, hold=8.0)
    try:
        with pytest.raises(BoardBusy) as caught:
            store.board()
        assert store.read_only_reason is None
    finally:
        finished(writer)
    sentence = str(caught.value)
    assert "busy" in sentence and "fine" in sentence
    assert "damaged" not in sentence and "backup" not in sentence
    assert remote_cards_and_integrity(path) == (REMOTE_CARDS, "ok")
    assert len(store.board().cards) == REMOTE_CARDS


@pytest.mark.parametrize("what", ["check", "backup", "revision"])
def test_check_backup_and_watching_during_a_colleagues_commit_tear_nothing(
    path: Path, what: str
) -> None:
    writer = remote_commit(path, hold=1.0)
    try:
        if what == "check":
            found = check_board(path)
            assert [c.name for c in found if not c.ok] in ([], ["sidecar"]), found
        elif what == "backup":
            with BoardStore.open(path) as store:
                copy = take_backup(store)
            assert remote_cards_and_integrity(copy) == (REMOTE_CARDS, "ok")
        else:
            with BoardStore.open(path) as store:
                store.revision()
    finally:
        finished(writer)
    assert remote_cards_and_integrity(path) == (REMOTE_CARDS, "ok")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Every connection the store opens: its mode, and whether the lease was held then."""
    seen: list[tuple[str, bool]] = []
    real = files.connect
    holders: list[BoardStore] = []

    def recording(path: Path, mode: str) -> sqlite3.Connection:
        held = any(s.lease.held() for s in holders)
        seen.append((mode, held))
        return real(path, mode)

    monkeypatch.setattr(files, "connect", recording)
    real_init = BoardStore.__init__

    def init(self: BoardStore, *args: object, **kwargs: object) -> None:
        holders.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(BoardStore, "__init__", init)
    yield seen


def test_no_read_write_connection_is_ever_opened_without_the_lease(
    path: Path, connections: list[tuple[str, bool]]
) -> None:
    with BoardStore.open(path) as store:
        card = store.add_card("symptoms", "Panic at work")
        store.edit_card(card.id, base_rev=card.rev, body="Racing heart")
        store.board()
        store.changes_since(0)
        store.quick_check()
        store.integrity_check()
        take_backup(store)
    check_board(path)
    writable = [held for mode, held in connections if mode != "ro"]
    assert writable and all(writable), connections
    assert any(mode == "ro" for mode, _ in connections)


def test_every_writer_leaves_the_same_journal_mode_whatever_the_drive(path: Path) -> None:
    with BoardStore.open(path) as store:
        store.add_card("symptoms", "Panic at work")
    # PERSIST keeps the journal file and zeroes its header: no cache can remember a deleted one.
    journal = files.journal_path(path)
    assert journal.exists() and not files.journal_live(path)


def test_the_board_list_never_calls_a_board_damaged_while_a_colleague_saves(path: Path) -> None:
    writer = remote_commit(path, hold=1.0)
    try:
        listed = summarise(path)
    finally:
        finished(writer)
    assert "damaged" not in listed.problem
    assert listed.problem == "" or "just now" in listed.problem
    assert summarise(path).cards == REMOTE_CARDS
