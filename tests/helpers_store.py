"""Shared helpers for the store tests: a fictional identity, subprocess scripts, audits.

Not a conftest: fixtures live in the test modules, which call these.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from formboard.core.identity import Identity
from formboard.core.model import Board, Card, Column
from formboard.core.store import BoardStore, files

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


def person(login: str, name: str, discipline: str = "nursing") -> Identity:
    """A fictional colleague, for writes that must come from someone else."""
    return Identity(login=login, name=name, discipline=discipline, host="ward-pc")


def subprocess_env() -> dict[str, str]:
    """The environment for a child process: ours (already fictional), the source tree and
    the repo (for ``tests/`` modules run with ``-m``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([SRC, str(ROOT), env.get("PYTHONPATH", "")])
    return env


def spawn(script: str, *args: object) -> subprocess.Popen[str]:
    """Run ``script`` (Python source, or ``-m module``) in a fresh interpreter with ``args``
    as ``sys.argv[1:]``."""
    run = script.split() if script.startswith("-m ") else ["-c", script]
    return subprocess.Popen(
        [sys.executable, *run, *map(str, args)],
        env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection that bypasses formboard, as the sqlite3 shell would."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def audit(path: Path) -> list[str]:
    """Everything wrong with a board's ops and rows; [] when only whole ops landed."""
    problems: list[str] = []
    conn = raw(path)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            problems.append(f"quick_check: {check}")
        cards = {r["id"] for r in conn.execute("SELECT id FROM cards")}
        adds = [
            r["entity_id"]
            for r in conn.execute("SELECT entity_id FROM ops WHERE op IN ('add_card', 'import')")
        ]
        if sorted(adds) != sorted(cards):
            problems.append(f"{len(cards)} cards but {len(adds)} add ops, or different ids")
        for r in conn.execute("SELECT entity_id, entity_rev FROM ops WHERE entity = 'card'"):
            row = conn.execute("SELECT rev FROM cards WHERE id = ?", (r["entity_id"],)).fetchone()
            if row is None or (r["entity_rev"] is not None and r["entity_rev"] > row["rev"]):
                problems.append(f"op on card {r['entity_id']} at a rev the card never reached")
        # Whole ops tile the revisions: each starts where the one before ended.
        spans = conn.execute(
            "SELECT client_id, client_seq, MIN(rev_from) AS f, MAX(rev_to) AS t, MIN(seq) AS s "
            "FROM ops GROUP BY client_id, client_seq ORDER BY s"
        ).fetchall()
        reached = 0
        for span in spans:
            if span["f"] != reached:
                problems.append(f"op {span['client_id']}/{span['client_seq']} starts at a gap")
            reached = span["t"]
        revision = int(conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])
        if revision != reached:
            problems.append(f"meta.revision {revision} but the ops reach {reached}")
    finally:
        conn.close()
    return problems


def titles(store: BoardStore, column: str | None = None) -> list[str]:
    """Titles of the live cards, in board order, of one column or of all."""
    board = store.board()
    cards = [c for c in board.cards if not c.archived and (column is None or c.column == column)]
    return [c.title for c in sorted(cards, key=lambda c: (c.column, c.position, c.id))]


def long_board(cards: int = 300) -> Board:
    """A board of many long cards: enough pages that damage lands inside the data."""
    return Board(
        client="C-0421",
        cards=tuple(
            Card(
                id=f"card{i:05d}",
                column=Column.SOURCES,
                position=float(i),
                title=f"Part {i}",
                body="a history that goes on " * 20,
            )
            for i in range(cards)
        ),
    )


# One writer of the counter run (tests/counter_writer.py): spawn(COUNTER_WRITER, board,
# counter id, name, ops, go file).
COUNTER_WRITER = "-m tests.counter_writer"


# A colleague on "another host": holds formboard's write lease (as every formboard writer
# does), writes rows with SQLite locks that nobody sees, waits mid-commit, then commits.
REMOTE_WRITER = """
import sqlite3, sys, time
from pathlib import Path
from formboard.core.lock import LeaseOwner, WriteLease
board, cards, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
lease = WriteLease(Path(board), LeaseOwner.create("dara", "Dara Lindqvist", host="far"))
lease.acquire()
conn = sqlite3.connect(f"file:{board}?vfs=unix-none", uri=True, isolation_level=None)
conn.execute("PRAGMA journal_mode=PERSIST")
conn.execute("PRAGMA cache_size=1")
conn.execute("BEGIN IMMEDIATE")
for i in range(cards):
    conn.execute(
        "INSERT INTO cards (id, col, position, title, body) VALUES (?, 'sources', ?, ?, ?)",
        (f"remote{i:04d}", i, f"Part {i}", "a history that goes on " * 20),
    )
print("mid-commit", flush=True)
time.sleep(hold)
conn.execute("COMMIT")
conn.close()
lease.release()
print("committed", flush=True)
"""
REMOTE_CARDS = 300


def remote_commit(path: Path, hold: float) -> subprocess.Popen[str]:
    """Start the colleague's commit; return once it is half-way (journal live, pages in)."""
    writer = spawn(REMOTE_WRITER, path, REMOTE_CARDS, hold)
    assert writer.stdout is not None
    line = writer.stdout.readline().strip()
    assert line == "mid-commit", writer.stderr.read() if writer.stderr else line
    assert files.journal_live(path)
    return writer


def finished(writer: subprocess.Popen[str]) -> None:
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0 and "committed" in out, err
