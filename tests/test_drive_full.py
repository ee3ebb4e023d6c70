"""A full drive is said as a full drive: never a colleague's lock, never damage (issue 9, 2-3).

A real full drive: a tmpfs of a few hundred KiB, filled up (root mounts it; elsewhere these
tests skip and say why). Every command runs as a person runs it, in its own process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers_store import subprocess_env
from tests.needs import missing, root, tool


@pytest.fixture
def drive(tmp_path: Path) -> Iterator[Path]:
    """A small drive of its own (tmpfs, 512 KiB), unmounted afterwards."""
    where = tmp_path / "drive"
    where.mkdir()
    root("mounting a small tmpfs")
    tool("mount", "mount")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        missing(f"could not mount a small tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(drive: Path) -> None:
    """Fill the drive to the last byte."""
    fd = os.open(drive / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    for n in range(10_000):  # and the last inodes/pages a directory entry could take
        try:
            (drive / f"f{n}").touch()
        except OSError:
            break


def formboard(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "formboard", *map(str, args)],
        env={**subprocess_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def cards(board: Path) -> int:
    conn = sqlite3.connect(f"{board.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    finally:
        conn.close()


def one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("formboard: "), done.stderr
    return lines[0]


def test_a_write_on_a_full_drive_says_so_at_once_and_writes_nothing(drive: Path) -> None:
    board = drive / "C-0421.board"
    assert formboard("new", board, "--client", "C-0421").returncode == 0
    assert formboard("add", board, "symptoms", "Panic at work").returncode == 0
    fill(drive)
    started = time.monotonic()
    said = one_line(formboard("add", board, "symptoms", "Poor sleep"))
    assert time.monotonic() - started < 10  # not the 15 s wait for a colleague's lock
    assert "is full" in said and "locked" not in said and "damaged" not in said
    assert cards(board) == 1
    (drive / "filler").unlink()  # space again: the same command works
    assert formboard("add", board, "symptoms", "Poor sleep").returncode == 0
    assert cards(board) == 2


def test_a_backup_on_a_full_drive_leaves_nothing_and_check_offers_only_a_good_one(
    drive: Path, tmp_path: Path
) -> None:
    board = tmp_path / "C-0421.board"
    env = {"FORMBOARD_DATA_DIR": str(drive / "data")}
    assert formboard("new", board, "--client", "C-0421", env=env).returncode == 0
    good = formboard("backup", board, env=env)
    assert good.returncode == 0, good.stderr
    good_copy = Path(good.stdout.strip())
    folder = good_copy.parent
    # A 0-byte "newest backup", as a failed backup used to leave behind.
    (folder / "29991231-235959-rev9.board").write_bytes(b"")
    fill(drive)
    said = one_line(formboard("backup", board, env=env))
    assert "is full" in said and "the backup was not taken" in said and "damaged" not in said
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([good_copy.name, "29991231-235959-rev9.board"])  # nothing new
    with open(board, "r+b") as f:  # now the board itself is damaged
        f.truncate(board.stat().st_size // 2)
    report = formboard("check", board, env=env).stdout
    assert f"copy {good_copy} over" in report
    assert "29991231-235959-rev9.board over" not in report


def test_an_import_onto_a_full_drive_says_full_not_damaged(drive: Path, tmp_path: Path) -> None:
    source = tmp_path / "C-0421.json"
    cards_ = [{"column": "symptoms", "title": f"Part {i}", "body": "x" * 400} for i in range(400)]
    source.write_text(
        json.dumps({"format": "formboard", "version": 1, "client": "C-0421", "cards": cards_})
    )
    said = one_line(formboard("import", source, drive / "C-0421.board"))
    assert "is full" in said and "damaged" not in said
    assert not (drive / "C-0421.board").exists()  # a half board is not left behind
