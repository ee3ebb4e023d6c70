"""Since we last met: "new" and "changed" markers after a meeting, and since my last visit."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tui_helpers import BEN, opened_app, small_board, wait_for

from formboard.core import since
from formboard.core.store import BoardStore
from formboard.tui.screens.card import CardScreen


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "C-0001.board"
    return path, small_board(path)


def two_meetings(path: Path, ids: dict[str, str]) -> str:
    """Meeting 1 and, after it, Ben's changes; then a second meeting: what it changed."""
    with BoardStore.open(path) as ana, BoardStore.open(path, identity=BEN) as ben:
        ana.start_meeting("First")
        ana.edit_card(ids["sleep"], status="agreed")
        ana.end_meeting()
        new = ben.add_card("sources", "Night shifts since May").id
        ben.edit_card(ids["panic"], status="agreed")
        ben.add_link(ids["friend"], ids["sister"], "protects-against")
        ana.start_meeting("Second")
        ana.add_card("symptoms", "Made in the second meeting")
        ana.end_meeting()
    return new


def test_markers_come_from_the_ops_after_the_baseline(board) -> None:
    path, ids = board
    two_meetings(path, ids)
    with BoardStore.open(path) as store:
        meetings = store.meetings()
        (first, _visit) = since.baselines(meetings, 3)
        assert first.said.startswith("since meeting 2 ‘Second’")
        found = since.marks(store.touches_after(meetings[0].ended_rev))
    titles = {c.id: c.title for c in BoardStore.open(path).board().cards}
    assert sorted((titles[c], m) for c, m in found.items()) == [
        ("Close friend from school", "changed"),
        ("Made in the second meeting", "new"),
        ("Night shifts since May", "new"),
        ("Panic at work", "changed"),
        ("Sister lives nearby", "changed"),
    ]


def test_my_last_visit_is_remembered_by_board_id_only(board, tmp_path: Path) -> None:
    assert since.last_visit("b1") is None
    since.record_visit("b1", 12)
    since.record_visit("b2", 7)
    since.record_visit("b1", 15)
    assert since.last_visit("b1") == 15 and since.last_visit("b2") == 7
    kept = tmp_path / "data" / "visits.json"
    assert oct(kept.stat().st_mode & 0o777) == "0o600" and "C-0001" not in kept.read_text()


async def test_the_app_marks_what_changed_since_the_last_meeting(board) -> None:
    path, ids = board
    with BoardStore.open(path) as ana, BoardStore.open(path, identity=BEN) as ben:
        ana.start_meeting("Weekly")
        ana.end_meeting()
        new = ben.add_card("sources", "Night shifts since May").id
        ben.edit_card(ids["panic"], status="agreed")
    async with opened_app(path, watch="events") as (app, pilot):
        await wait_for(pilot, lambda: bool(app.board_screen.board_view.since), 5)
        assert app.board_screen.board_view.since == {new: "new", ids["panic"]: "changed"}
        assert app.board_screen.status_line.since == "1 new · 1 changed since meeting 1 (. next)"
        marks = app.board_screen.board_view.panes[app.board.cards[new].column].cards.marks
        assert marks[new].since == "new"
        assert app.board_screen.board_view.focused_card.id == ids["panic"]  # where the board opens
        await pilot.press("full_stop")
        assert app.board_screen.board_view.focused_card.id == new
        await pilot.press("full_stop")  # round again
        assert app.board_screen.board_view.focused_card.id == ids["panic"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        reading = str(app.screen.query_one("#card-reading").render())
        assert "Since meeting 1 ‘Weekly’" in reading
        assert "Ben Okafor changed this part: the status hypothesis → agreed with client" in reading
        await pilot.press("escape")
        # A colleague's change while the board is open joins the markers.
        with BoardStore.open(path, identity=BEN) as ben:
            ben.edit_card(ids["friend"], body="Calls every Sunday")
        await wait_for(
            pilot, lambda: app.board_screen.board_view.since.get(ids["friend"]) == "changed", 5
        )
        await pilot.press("S")  # since my last visit: none yet, so off
        await wait_for(pilot, lambda: not app.board_screen.board_view.since, 5)
        assert app.board_screen.status_line.since == ""
    # Closing remembers my visit: the next opening can compare with it.
    with BoardStore.open(path, identity=BEN) as ben:
        ben.edit_card(ids["sister"], body="Moved away in June")
    async with opened_app(path, watch="events") as (app, pilot):
        await wait_for(pilot, lambda: bool(app.board_screen.board_view.since), 5)
        await pilot.press("S")
        await wait_for(pilot, lambda: "your last visit" in app.board_screen.status_line.since, 5)
        assert app.board_screen.board_view.since == {ids["sister"]: "changed"}
