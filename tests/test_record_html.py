"""The formulation for the record as HTML: what it says, how its diagram is laid out, and
that the meeting note shares its page. (Hostile text: test_graph.py; a real browser:
test_html_browser.py.)"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from formboard.cli import cli
from formboard.core import note as notes
from formboard.core.facts import local_time
from formboard.core.html_page import CSS, column_colours
from formboard.core.importing import board_from_json
from formboard.core.link_svg import BOX_W, Layout, quoted_link
from formboard.core.model import Board, Card, Column, Link, LinkKind
from formboard.core.record_html import board_to_html
from formboard.core.store import BoardStore
from formboard.shipped import sample_boards

runner = CliRunner()


def sample(name: str) -> Board:
    chosen = next(s for s in sample_boards() if s.name == f"{name}.json")
    return board_from_json(chosen.read_text(encoding="utf-8"), chosen.name)


def test_export_html_writes_one_private_page_that_fetches_nothing(board_path: Path) -> None:
    with BoardStore.create(board_path, "C-0421", "Autumn review") as store:
        panic = store.add_card("symptoms", "Panic in the car park", client_words="I freeze")
        office = store.add_card("qualities", "Avoiding the office", body="Since May.\nMost days.")
        store.add_link(office.id, panic.id, "maintains", note="keeps it going")
        store.add_link(panic.id, office.id, "triggers")
        store.add_perspective(panic.id, "Rule out thyroid first.", discipline="psychiatry")
        gone = store.add_card("sources", "An archived part")
        store.archive_card(gone.id)
    out = board_path.parent / "record.html"
    result = runner.invoke(cli, ["export", str(board_path), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = out.read_text(encoding="utf-8")
    assert "<title>formboard: formulation</title>" in page  # no client text in the title
    assert "Formulation: C-0421 — Autumn review</h1>" in page
    # When and by whom the board last changed, not a revision number (issue 22, point 6).
    moment = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.search(rf"Made {moment}, from the board as last changed {moment} by "
                     rf"{re.escape(store.identity.name)}: 2 cards, 2 links, "
                     r"1 maintaining cycle\. 1 archived card left out\.", page)  # fmt: skip
    assert "revision" not in page
    # Nothing to fetch: no script, no external reference of any kind.
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"\b(src|srcset)=", page)
    assert set(re.findall(r'href="([^"]*)"', page)) <= {f"#{c.value}" for c in Column} | {
        "#links", "#cycles", "#diagram"
    }  # fmt: skip
    assert set(re.findall(r"url\(([^)]*)\)", page)) <= {"#arrow", "#arrow-cycle"}
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]  # a name
    # What it says, in words.
    assert "<blockquote>I freeze</blockquote>" in page
    assert '<p class="body">Since May.<br>Most days.</p>' in page
    assert "<h4>Psychiatry</h4>" in page and "Rule out thyroid first." in page
    # A record's entries are dated: each perspective says when it was written (local).
    with BoardStore.open(board_path) as store:
        view = store.card(panic.id).perspectives[0]
    day = local_time(view.updated_at or view.created_at)
    assert f'<time datetime="{view.updated_at or view.created_at}">{day}</time>: Rule out' in page
    assert "<li>‘Avoiding the office’ maintains ‘Panic in the car park’. " in page
    assert "(keeps it going)" in page and "An archived part" not in page
    assert (
        "<li>Panic in the car park → triggers → Avoiding the office → maintains → "
        "Panic in the car park.</li>" in page
    )
    assert page.count('<path class="link in-cycle"') == 2  # both links are the cycle: heavier
    assert page.count('<text class="link-label in-cycle"') == 2
    # The confidential header on screen, and on every printed page after the first.
    assert '<p class="confidential">Confidential — C-0421</p>' in page
    assert '@top-center { content: "Confidential \\002014  C-0421"' in page
    assert result.output.startswith("Exported 2 cards (1 archived left out) to ")


def test_every_column_is_named_and_coloured_as_the_light_theme_says() -> None:
    page = board_to_html(sample("C-0421"))
    light = (Path(__file__).parents[1] / "themes" / "formboard-light.toml").read_text()
    for column in Column:
        colour = column_colours()[column]
        assert re.search(rf'^{column.value} = "{colour}"', light, re.M)
        assert f".col-{column.value} {{ --col: {colour} }}" in page
        assert f'fill="{colour}">{column.label}</text>' in page  # the band's name, in words
        assert f'<h2 id="{column.value}">' in page


def test_the_meeting_note_is_the_same_page_as_the_record(board_path: Path) -> None:
    with BoardStore.create(board_path, "C-0421", "Autumn review") as store:
        store.start_meeting("Weekly review")
        store.add_card("symptoms", "Panic in the car park")
        store.end_meeting()
        board, ops = store.board(), store.ops()
    note = notes.html_page(notes.build(board, board.meetings[-1], ops))
    record = board_to_html(board)
    for page in (note, record):
        assert CSS in page and '<p class="confidential">Confidential — C-0421</p>' in page
        assert "@page { size: A4; margin:" in page and "Confidential \\002014  C-0421" in page
    assert "<title>formboard: meeting note</title>" in note


def _samples() -> list[Board]:
    return [sample("C-0421"), sample("C-1187")]


def _in_box(layout: Layout, x: float, y: float) -> bool:
    return any(
        b.x + 1 < x < b.x + BOX_W - 1 and b.y + 1 < y < b.y + b.h - 1 for b in layout.boxes.values()
    )


def _check_layout(board: Board) -> None:
    layout = Layout(board)
    layout.place_labels()
    boxes = list(layout.boxes.values())
    for i, a in enumerate(boxes):  # no two cards overlap, each in its column's band
        assert a.x == layout.col_x[list(Column).index(a.card.column)]
        for b in boxes[i + 1 :]:
            assert a.x + BOX_W <= b.x or b.x + BOX_W <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
    assert len(layout.drawn) == len(layout.links)
    for d in layout.drawn:
        for seg in layout.segments(d):  # no curve passes under a card it does not end at
            for k in range(1, 20):
                t = k / 20
                u = 1 - t
                x = u**3 * seg[0][0] + 3 * u * u * t * seg[1][0] + 3 * u * t * t * seg[2][0]
                y = u**3 * seg[0][1] + 3 * u * u * t * seg[1][1] + 3 * u * t * t * seg[2][1]
                x, y = x + t**3 * seg[3][0], y + t**3 * seg[3][1]
                assert not _in_box(layout, x, y), (d.link.id, x, y)
        assert 0 < d.label[0] < layout.width and 0 < d.label[1] < layout.height
    assert not _crossing(_label_boxes(layout))  # no two links' words over each other


@pytest.mark.parametrize("name", ["C-0421", "C-1187"])
def test_the_sample_diagrams_keep_cards_apart_and_curves_between_them(name: str) -> None:
    _check_layout(sample(name))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(list(Column)), min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29), st.sampled_from(list(LinkKind)))),
    st.lists(st.text(min_size=1, max_size=90).map(str.strip).filter(bool), min_size=1),
)
def test_any_board_keeps_cards_apart_and_curves_between_them(columns, links, titles) -> None:
    cards = tuple(
        Card.model_construct(id=f"c{i}", column=col, position=float(i), archived=False,
                             title=titles[i % len(titles)], perspectives=())
        for i, col in enumerate(columns)
    )  # fmt: skip
    made = tuple(
        Link.model_construct(id=f"l{k}", from_id=f"c{a}", to_id=f"c{b}", kind=kind, note="")
        for k, (a, b, kind) in enumerate(links)
        if a < len(cards) and b < len(cards)
    )  # fmt: skip
    _check_layout(Board.model_construct(client="C-0001", title="", cards=cards, links=made))


def test_a_link_sentence_names_both_cards_with_the_kind_in_words() -> None:
    link = Link(id="l1", from_id="a", to_id="b", kind=LinkKind.PROTECTS_AGAINST)
    titles = {"a": "Choir on Thursdays", "b": "Low mood\x1b[2J"}
    assert quoted_link(link, titles) == "‘Choir on Thursdays’ protects against ‘Low mood␛[2J’"


def test_the_page_takes_its_column_colours_from_the_theme_file_alone(tmp_path, monkeypatch) -> None:
    import formboard.shipped
    from formboard.core.html_page import INK

    board = sample("C-0421")
    (tmp_path / "formboard-light.toml").write_text(
        'name = "formboard-light"\nprimary = "#123456"\n[columns]\nsymptoms = "#0A0B0C"\n'
        'sources = "not a colour"\n'
    )
    monkeypatch.setattr(formboard.shipped, "shipped_dir", lambda name: tmp_path)
    column_colours.cache_clear()  # read once per process
    colours = column_colours()
    assert colours[Column.SYMPTOMS] == "#0A0B0C"  # as the file says
    assert colours[Column.SOURCES] == INK and colours[Column.RESOURCES] == INK  # no copy
    (tmp_path / "formboard-light.toml").unlink()
    column_colours.cache_clear()
    assert set(column_colours().values()) == {INK}  # no file: ink
    assert INK in board_to_html(board)  # and the page is still made
    monkeypatch.undo()
    column_colours.cache_clear()


def _label_boxes(layout: Layout) -> list[tuple[float, float, float, float]]:
    """Each link's words as the page draws them: centred on the label point, 10.5 px type."""
    from formboard.core.link_svg import LABEL_FONT, text_width

    boxes = []
    for d in layout.drawn:
        half = text_width(d.link.kind.phrase, LABEL_FONT) / 2
        x, y = d.label
        boxes.append((x - half, y - 6, x + half, y + 5))
    return boxes


def _crossing(boxes: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


@pytest.mark.parametrize("name", ["C-0421", "C-1187"])
def test_no_two_link_labels_of_a_sample_diagram_overlap(name: str) -> None:
    """Where several links leave one card, "triggers" and "maintains" were drawn over each
    other (issue 22, point 10): the label boxes, computed, never intersect."""
    layout = Layout(sample(name))
    layout.place_labels()
    assert not _crossing(_label_boxes(layout))


def test_many_links_leaving_one_card_keep_their_labels_apart() -> None:
    cards = tuple(
        Card.model_construct(id=f"c{i}", column=list(Column)[i % 5], position=float(i),
                             archived=False, title=f"Part {i}", perspectives=())
        for i in range(15)
    )  # fmt: skip
    kinds = list(LinkKind)
    links = tuple(
        Link.model_construct(id=f"l{k}", from_id="c0", to_id=f"c{k}", kind=kinds[k % len(kinds)],
                             note="")
        for k in range(1, 15)
    )  # fmt: skip
    layout = Layout(Board.model_construct(client="C-0001", title="", cards=cards, links=links))
    layout.place_labels()
    assert not _crossing(_label_boxes(layout))
