"""formboard copy: a board with its op log, meetings and members, file to server and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers_store import person

from formboard.core.errors import BoardExists, BoardNotFound
from formboard.core.export import board_to_dict
from formboard.core.store import BoardStore, copying, open_store


def made_board(path: Path) -> None:
    with BoardStore.create(path, "C-0421", "Formulation") as store:
        panic = store.add_card("symptoms", "Panic at work", client_words="My heart races")
        avoid = store.add_card("qualities", "Avoiding the office")
        store.add_link(avoid.id, panic.id, "maintains")
        store.start_meeting("Case review")
        store.add_perspective(panic.id, "Rule out thyroid first.", discipline="psychiatry")
        store.edit_card(panic.id, status="agreed")
        store.end_meeting()
        store.archive_card(avoid.id)
    with BoardStore.open(path, identity=person("sam", "Sam Lee")) as sam:
        sam.edit_card(panic.id, body="Since May")


def same(a: Path | str, b: Path | str) -> None:
    with open_store(a) as one, open_store(b) as two:
        first, second = board_to_dict(one.board()), board_to_dict(two.board())
        first.pop("exported_at"), second.pop("exported_at")
        assert first == second
        assert [o.model_dump() for o in one.ops()] == [o.model_dump() for o in two.ops()]
        assert one.meetings() == two.meetings() and one.revision() == two.revision()


def test_a_board_goes_to_the_server_and_back_whole(tmp_path: Path, pg_url: str) -> None:
    source, back = tmp_path / "C-0421.board", tmp_path / "back.board"
    made_board(source)
    runner = CliRunner()
    from formboard.cli import cli

    there = runner.invoke(cli, ["copy", str(source), pg_url])
    assert there.exit_code == 0, there.output
    assert "Copied 2 cards, 1 link and" in there.output and "reads back the same" in there.output
    same(source, pg_url)
    home = runner.invoke(cli, ["copy", pg_url, str(back)])
    assert home.exit_code == 0, home.output
    same(source, back)
    with open_store(back) as copy:  # its history works: undo finds my last change
        assert copy.undo() is not None


def test_a_copy_onto_a_board_that_exists_changes_nothing(tmp_path: Path) -> None:
    source, other = tmp_path / "C-0421.board", tmp_path / "other.board"
    made_board(source)
    with BoardStore.create(other, "C-0999") as store:
        store.add_card("symptoms", "Someone else's board")
    with pytest.raises(BoardExists):
        copying.copy_board(source, other)
    with open_store(other) as store:
        assert [c.title for c in store.board().cards] == ["Someone else's board"]


@pytest.mark.parametrize("where", ["file", "postgresql"])
def test_a_copy_that_does_not_read_back_the_same_is_removed(tmp_path, monkeypatch, request, where):
    source = tmp_path / "C-0421.board"
    made_board(source)
    dest = tmp_path / "copy.board" if where == "file" else request.getfixturevalue("pg_url")
    monkeypatch.setattr(copying, "_same", lambda a, b: "the op logs differ")
    with pytest.raises(copying.CopyMismatch, match="the op logs differ"):
        copying.copy_board(source, dest)
    with pytest.raises(BoardNotFound):
        open_store(dest)
    if where == "file":
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "C-0421.board",
            "C-0421.board-journal",
            "C-0421.board.rev",
        ]
