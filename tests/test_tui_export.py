"""The palette writes any export into the data folder, owner-only, and says where."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from tests.tui_helpers import notice_drawn, opened_app, small_board, unwrapped


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "C-0001.board"
    small_board(path)
    return path


@pytest.mark.parametrize(
    ("name", "suffix", "check"),
    [
        ("HTML", "html", lambda t: t.startswith("<!DOCTYPE html>") and "Panic at work" in t),
        ("JSON", "json", lambda t: json.loads(t)["client"] == "C-0001"),
        ("markdown", "md", lambda t: "Panic at work" in t),
        ("Mermaid", "mmd", lambda t: t.startswith("flowchart LR")),
        ("DOT", "dot", lambda t: t.startswith("digraph")),
    ],
)
async def test_the_palette_exports_the_board_into_the_data_folder(
    board, tmp_path, name, suffix, check
) -> None:
    async with opened_app(board, watch="events") as (app, pilot):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert f"Export as {name}" in titles
        await pilot.press("ctrl+p", *f"Export as {name}", "enter")
        said = await notice_drawn(pilot, "Wrote the board as")
        (written,) = (tmp_path / "data" / "exports").glob(f"C-0001-*.{suffix}")
        assert unwrapped(f"to {written}.") in unwrapped(said)
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700
        assert check(written.read_text(encoding="utf-8"))


async def test_an_export_that_cannot_be_written_is_one_sentence(board, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    monkeypatch.setenv("FORMBOARD_DATA_DIR", str(blocked))
    async with opened_app(board, watch="events") as (app, pilot):
        app.board_screen.exports.export("markdown")
        said = await notice_drawn(pilot, "export was not written")
        assert unwrapped(said) == unwrapped(
            f"The markdown export was not written: Not a directory ({blocked / 'exports'})."
        )
