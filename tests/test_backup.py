"""Backups: taken when the app opens a board, the newest five kept, named by `check`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.tui_helpers import opened_app, small_board, wait_for

from formboard.cli import cli
from formboard.core.store import BoardStore
from formboard.core.store import backups as backup


def test_backups_are_consistent_owner_only_copies_and_only_five_are_kept(tmp_path, monkeypatch):
    path = tmp_path / "C-0001.board"
    small_board(path)
    with BoardStore.open(path) as store:
        for i in range(7):
            store.add_card("symptoms", f"card {i}")
            # One backup a "second" apart, so each gets its own name.
            stamp = backup.time.struct_time((2026, 1, 1, 0, 0, i, 0, 1, 0))
            monkeypatch.setattr(backup.time, "gmtime", lambda _t=None, s=stamp: s)
            backup.take_backup(store)
    kept = backup.backups_of(path)
    assert len(kept) == backup.KEEP
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in kept)
    with BoardStore.open(kept[0]) as copy:
        assert any(c.title == "card 6" for c in copy.board().cards)


def test_backup_if_due_waits_an_hour(tmp_path, monkeypatch):
    path = tmp_path / "C-0001.board"
    small_board(path)
    with BoardStore.open(path) as store:
        assert backup.backup_if_due(store) is not None
        assert backup.backup_if_due(store) is None
        assert backup.backup_if_due(store, every=0) is not None


async def test_opening_a_board_in_the_app_takes_a_backup(tmp_path, monkeypatch):
    path = tmp_path / "C-0001.board"
    small_board(path)
    async with opened_app(path, size=(80, 24)) as (_app, pilot):
        await wait_for(pilot, lambda: len(backup.backups_of(path)) == 1)


def test_backup_command_and_check_name_the_backup(tmp_path, monkeypatch):
    path = tmp_path / "C-0001.board"
    small_board(path)
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", str(path)])
    assert made.exit_code == 0
    checked = runner.invoke(cli, ["check", str(path)])
    assert checked.exit_code == 0
    assert "backups: ok — 1 kept in" in checked.stdout


def test_check_on_a_board_that_no_longer_opens_still_names_its_backups(tmp_path, monkeypatch):
    path = tmp_path / "C-0001.board"
    small_board(path)
    runner = CliRunner()
    assert runner.invoke(cli, ["backup", str(path)]).exit_code == 0
    path.write_bytes(path.read_bytes()[:5000])  # cut short, as a failed copy would leave it
    checked = runner.invoke(cli, ["check", str(path)])
    assert checked.exit_code == 1
    newest = next((tmp_path / "data" / "backups").glob("*/*.board"))
    assert "file: FAILED" in checked.stdout
    assert f"Restore the newest backup: close formboard everywhere, then copy {newest}" in (
        " ".join(checked.stdout.split())
    )


def test_every_folder_formboard_makes_is_owner_only_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "home" / "share" / "formboard"
    monkeypatch.setenv("FORMBOARD_DATA_DIR", str(data))
    board = tmp_path / "C-0421.board"
    BoardStore.create(board, "C-0421").close()
    old = os.umask(0o000)  # the worst umask a machine can have
    try:
        with BoardStore.open(board) as store:
            copy = backup.take_backup(store)
    finally:
        os.umask(old)
    made = [tmp_path / "home", tmp_path / "home" / "share", data, data / "backups", copy.parent]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: 0o700 for p in made}
