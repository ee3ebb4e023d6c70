"""The map of links: laid out without overlapping text, moved about, followed live and in a meeting."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tui_helpers import BEN, all_here, loaded, small_board, wait_for

from formboard.core.model import Card, Column, Link, LinkKind
from formboard.core.store import BoardStore
from formboard.tui.app import FormboardApp
from formboard.tui.map_layout import MapLayout, lay_out
from formboard.tui.screens.card import CardScreen
from formboard.tui.screens.link_map import MapScreen

KINDS = list(LinkKind)


def cards_and_links(n: int, links: list[tuple[int, int, LinkKind]], titles=None):
    cards = {
        f"c{i:02d}": Card.model_construct(id=f"c{i:02d}", column=list(Column)[i % 5],
                          position=float(i), archived=False,
                          title=(titles or {}).get(i, f"Part {i} of the formulation"))
        for i in range(n)
    }  # fmt: skip
    made = [Link(id=f"l{k}", from_id=f"c{a:02d}", to_id=f"c{b:02d}", kind=kind)
            for k, (a, b, kind) in enumerate(links)]  # fmt: skip
    return cards, made


def check_no_text_overlaps(layout: MapLayout) -> None:
    """Boxes apart, every line of every box whole where it belongs, every drawn link
    labelled with its kind just before an arrow into its target."""
    boxes = list(layout.boxes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
            assert apart, (a.card_id, b.card_id)
        for k, (line, _role) in enumerate(a.lines):
            text = "".join(c[0] for c in layout.cells[a.y + 1 + k][a.x + 2 : a.x + a.w - 1])
            assert text.rstrip() == line, (text, line)
        assert len(a.left) == sum(1 for lk in layout.links if lk.to_id == a.card_id)
    for link in layout.links:
        target = layout.boxes[link.to_id]
        row = "".join(c[0] for c in layout.cells[layout.arrivals[link.id]][: target.x])
        assert layout.arrivals[link.id] in target.left
        assert row.endswith(f"{link.kind.phrase} ▶"), (row, link)
    assert all(len(r) == layout.width for r in layout.cells)


def test_one_step_each_way_reads_left_to_right() -> None:
    cards, links = cards_and_links(3, [(0, 1, LinkKind.PREDISPOSES), (1, 2, LinkKind.MAINTAINS)])
    layout = lay_out(cards, links, "c01", 160)
    assert {c: b.layer for c, b in layout.boxes.items()} == {"c00": -1, "c01": 0, "c02": 1}
    text = "\n".join(layout.rows())
    assert "predisposes ▶" in text and "maintains ▶" in text
    assert "Sources" in text and "Symptoms" in text and "Qualities" in text  # columns named
    check_no_text_overlaps(layout)
    # Two steps out from the first card: the third card is two layers right.
    assert lay_out(cards, links, "c00", 160).boxes["c02"].layer == 2


def test_a_cycle_is_drawn_back_round_and_said_in_the_boxes() -> None:
    cards, links = cards_and_links(
        3, [(0, 1, LinkKind.MAINTAINS), (1, 2, LinkKind.TRIGGERS), (2, 0, LinkKind.MAINTAINS)]
    )
    layout = lay_out(cards, links, "c00", 160, {"c00": 3, "c01": 3, "c02": 3})
    assert len(layout.links) == 3  # the link closing the circle is drawn too
    check_no_text_overlaps(layout)
    assert "cycle of 3" in "\n".join(layout.rows())
    bottom = layout.rows()[-1]
    assert bottom.strip().startswith("└") and bottom.strip().endswith("┘")  # the way round


def test_a_narrow_screen_shows_one_step_and_says_what_it_left_out() -> None:
    hub = [(i, 0, KINDS[i % len(KINDS)]) for i in range(1, 5)] + [(0, 5, LinkKind.MAINTAINS)]
    far = [(6, 1, LinkKind.TRIGGERS), (5, 7, LinkKind.RELATES_TO)]
    cards, links = cards_and_links(8, hub + far)
    wide = lay_out(cards, links, "c00", 200)
    narrow = lay_out(cards, links, "c00", 78)
    assert wide.steps == 2 and len(wide.boxes) == 8 and wide.hidden == 0
    assert narrow.steps == 1 and len(narrow.boxes) == 6 and narrow.hidden == 2
    check_no_text_overlaps(narrow)
    # With fewer links into it, one step fits the screen whole.
    cards, links = cards_and_links(8, [*hub[:2], hub[-1], *far])
    assert lay_out(cards, links, "c00", 78).width <= 78


def test_moving_goes_to_the_nearest_box() -> None:
    cards, links = cards_and_links(
        5, [(1, 0, LinkKind.MAINTAINS), (2, 0, LinkKind.TRIGGERS), (0, 3, LinkKind.PREDISPOSES),
            (3, 4, LinkKind.RELATES_TO)],
    )  # fmt: skip
    layout = lay_out(cards, links, "c00", 200)
    assert layout.move("c00", -1, 0) in ("c01", "c02")
    assert layout.move("c01", 0, 1) == "c02" and layout.move("c02", 0, 1) == "c02"
    assert layout.move("c00", 1, 0) == "c03" and layout.move("c03", 1, 0) == "c04"
    assert layout.move("c04", 1, 0) == "c04"  # nothing further right


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 14).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(KINDS)),
                max_size=3 * n,
            ),
            st.sampled_from([60, 80, 120, 200]),
            st.dictionaries(st.integers(0, n - 1), st.text("ab 界[]/<>é", min_size=0, max_size=40)),
        )
    )
)
def test_no_text_ever_overlaps(case) -> None:
    n, links, width, titles = case
    cards, made = cards_and_links(n, links, titles)
    check_no_text_overlaps(lay_out(cards, made, "c00", width))


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "C-0001.board"
    return path, small_board(path)  # loss predisposes avoid; avoid maintains panic


async def open_map(app: FormboardApp, pilot, card_id: str) -> MapScreen:
    """Once the board is in: the map around ``card_id`` (m on the board)."""
    await loaded(app, pilot)
    app.board_screen.board_view.focus_card(card_id)
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(app.screen, MapScreen))
    return app.screen


async def test_the_map_moves_recentres_opens_a_card_and_returns_to_the_board(board) -> None:
    path, ids = board
    app = FormboardApp(path, watch="events")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_map(app, pilot, ids["avoid"])
        assert screen.centre == ids["avoid"] and screen.at == ids["avoid"]
        canvas = str(screen.query_one("#map-canvas").render())
        assert "Early loss of a parent" in canvas and "predisposes ▶" in canvas
        await pilot.press("l")
        assert screen.at == ids["panic"]
        await pilot.press("h", "h")
        assert screen.at == ids["loss"]
        await pilot.press("enter")  # loss in the middle: avoid one step right, panic two
        assert screen.centre == ids["loss"]
        assert screen.drawn.boxes[ids["panic"]].layer == 2
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        assert app.screen.card_id == ids["loss"] and app.screen.reading
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.board_screen)
        assert app.board_screen.board_view.focused_card.id == ids["loss"]


async def test_the_map_follows_live_edits(board) -> None:
    path, ids = board
    app = FormboardApp(path, watch="events")
    async with app.run_test(size=(160, 50)) as pilot:
        await open_map(app, pilot, ids["panic"])
        with BoardStore.open(path, identity=BEN) as ben:  # a colleague links a card
            ben.add_link(ids["panic"], ids["sleep"], "triggers")
        await wait_for(pilot, lambda: ids["sleep"] in app.screen.drawn.boxes)
        assert "triggers ▶" in str(app.screen.query_one("#map-canvas").render())
        with BoardStore.open(path, identity=BEN) as ben:  # and archives the centre
            ben.archive_card(ids["panic"])
        await wait_for(pilot, lambda: not isinstance(app.screen, MapScreen))


async def test_a_title_with_markup_or_control_characters_is_shown_literally(board) -> None:
    path, ids = board
    conn = sqlite3.connect(path)  # another program writes what formboard never would
    with conn:
        conn.execute("UPDATE cards SET title = ? WHERE id = ?",
                     ("[bold red]Loss[/] \x1b[31mred\x07 \u202eevil", ids["loss"]))  # fmt: skip
    conn.close()
    app = FormboardApp(path, watch="events")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_map(app, pilot, ids["avoid"])
        text = str(screen.query_one("#map-canvas").render())
        assert "[bold red]Loss[/]" in text and "␛[31mred␇" in text and "\ufffdevil" in text
        assert not any(ch in text for ch in "\x1b\x07\u202e")


async def test_a_follower_sees_the_facilitators_map(board) -> None:
    path, ids = board
    ana = FormboardApp(path, watch="events")
    ben = FormboardApp(path, watch="events", identity=BEN)
    async with ana.run_test(size=(120, 36)) as pa, ben.run_test(size=(120, 36)) as pb:
        await all_here((ana, pa), (ben, pb))
        await pb.press("f", "enter")  # Ben follows Ana
        ana.board_screen.board_view.focus_card(ids["avoid"])
        await pa.press("m")
        await wait_for(pb, lambda: isinstance(ben.screen, MapScreen) and ben.screen.drawn, 5)
        heading = ben.screen.query_one("#map-heading")
        await wait_for(pb, lambda: "following" in str(heading.render()), 5)
        assert ben.screen.centre == ids["avoid"]
        await pa.press("h", "enter")  # Ana re-centres on the loss
        await wait_for(pb, lambda: ben.screen.centre == ids["loss"], 5)
        await pa.press("l")
        await wait_for(pb, lambda: ben.screen.at == ids["avoid"], 5)
        await pa.press("o")  # Ana opens the card from the map: so does Ben, and back
        await wait_for(pb, lambda: isinstance(ben.screen, CardScreen), 5)
        assert ben.screen.card_id == ids["avoid"] and ben.screen.reading
        await pa.press("escape")
        await wait_for(pb, lambda: isinstance(ben.screen, MapScreen) and ben.screen.drawn, 5)
        assert (ben.screen.centre, ben.screen.at) == (ids["loss"], ids["avoid"])
        await pa.press("escape")
        await wait_for(pb, lambda: not isinstance(ben.screen, MapScreen), 5)
        assert ben.board_screen.colleagues.following is not None
        assert ben.board_screen.board_view.focused_card.id == ids["avoid"]
