"""Readable cards: wrapped titles, markers in words, rows that line up, whole-card scrolling."""

from __future__ import annotations

import re
from importlib.resources import as_file
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.tui_helpers import opened_app, screen_text, wait_for

from formboard.core.importing import import_board
from formboard.core.model import Card, Column, Domain, Status
from formboard.core.settings import save_settings
from formboard.core.store import BoardStore
from formboard.shipped import sample_boards
from formboard.tui.app import FormboardApp
from formboard.tui.text import truncate, wrap_title
from formboard.tui.widgets.column import CardMarks, markers

LONG = "Panic attacks in the staff car park before early shifts, three or four a week"


def test_titles_wrap_by_words_and_say_when_they_go_on() -> None:
    assert wrap_title("Poor sleep", 20, 2) == ["Poor sleep"]
    assert wrap_title(LONG, 24, 8) == [
        "Panic attacks in the",
        "staff car park before",
        "early shifts, three or",
        "four a week",
    ]
    assert wrap_title(LONG, 24, 2) == ["Panic attacks in the", "staff car park before …"]
    # Wide characters take two cells; a word longer than the line is cut, not lost.
    assert wrap_title("睡眠不足と不安が続いている", 10, 3) == ["睡眠不足と", "不安が続い", "ている"]
    assert wrap_title("Supercalifragilistic", 8, 3) == ["Supercal", "ifragili", "stic"]


def test_a_cut_line_ends_between_words() -> None:
    assert truncate("Father's sudden cardiac arrest", 22) == "Father's sudden …"
    assert truncate("Panic attacks in the staff car park", 22) == "Panic attacks in the …"
    assert truncate("Supercalifragilistic", 8) == "Superca…"  # one word longer than the room
    assert truncate("Quick, dry humour", 17) == "Quick, dry humour"


def test_markers_are_words_and_the_least_important_goes_whole() -> None:
    card = Card(id="c1", column=Column.SYMPTOMS, position=1.0, title="T",
                status=Status.AGREED, domain=Domain.PSYCH, client_words="x")  # fmt: skip
    marks = CardMarks(links=9)
    assert markers(card, marks, 60) == "agreed · psych · 0 views · 9 links · “words”"
    assert markers(card, marks, 41) == "agreed · 0 views · 9 links · “words”"
    assert markers(card, marks, 30) == "agreed · 0 views · “words”"
    assert markers(card, marks, 18) == "agreed · “words”"
    assert markers(card, marks, 7) == "agreed"
    assert markers(card, marks, 5) == ""
    marks = CardMarks(links=1, relation="◄ maintained by", since="changed", cycle=2)
    assert markers(card, marks, 90) == (
        "changed · cycle of 2 · ◄ maintained by · agreed · psych · 0 views · 1 link · “words”"
    )
    assert markers(card, marks, 40) == "changed · cycle of 2 · ◄ maintained by"
    assert markers(card, marks, 20) == "◄ maintained by"
    assert markers(card, marks, 14) == ""  # never "◄ mainta…"


WORD_CUT = re.compile(r"\w…")  # "cardi…": a word cut in half
CODE = re.compile(r"\b(\d+[vl]|agr|hyp)\b")  # "2v", "3l", "agr": a count or status as a code


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_no_card_of_the_demo_shows_a_code_or_a_cut_word(tmp_path: Path, size) -> None:
    sample = next(s for s in sample_boards() if s.name == "C-0421.json")
    path = tmp_path / "C-0421.board"
    with as_file(sample) as source, import_board(source, path):
        pass
    seen = []
    async with opened_app(path, size=size) as (app, pilot):
        for key in ["down", "down", "right", "down", "right", "right", "right", "up"]:
            await pilot.press(key)  # the focused card's links mark others: "◄ maintained by"
            await pilot.pause()
            seen.append(screen_text(app))
    board_rows = [row for screen in seen for row in screen.splitlines()[:-2]]  # not the footer
    assert any("◄ " in row for row in board_rows) and any("► " in row for row in board_rows)
    assert any(re.search(r"\b\d+ (view|link)s?\b", row) for row in board_rows)
    assert not [row for row in board_rows if WORD_CUT.search(row) or CODE.search(row)]


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "C-0001.board"
    ids = {}
    with BoardStore.create(path, "C-0001") as store:
        ids["long"] = store.add_card("symptoms", LONG).id
        for i in range(12):
            ids[f"s{i}"] = store.add_card("symptoms", f"Symptom {i}").id
        ids["source"] = store.add_card("sources", "Early loss").id
        ids["source2"] = store.add_card("sources", "Night shifts").id
    return path, ids


def title_rows(app: FormboardApp, column: Column, rows: int) -> list[str]:
    cards = app.board_screen.board_view.panes[column].cards
    return [cards.render_line(y).text.rstrip() for y in range(rows)]


async def test_a_long_title_wraps_to_two_lines_at_80x24_and_whole_on_a_tall_screen(board):
    path, _ = board
    async with opened_app(path, size=(80, 24)) as (app, pilot):
        rows = title_rows(app, Column.SYMPTOMS, 4)
        assert rows[0].startswith("▶ Panic attacks in") and rows[1].startswith("▌ ")
        assert rows[1].endswith("…")
        await pilot.resize_terminal(160, 50)
        await wait_for(
            pilot, lambda: app.board_screen.board_view.panes[Column.SYMPTOMS].cards.title_lines > 2
        )
        await pilot.pause()
        text = " ".join(r[2:] for r in title_rows(app, Column.SYMPTOMS, 4))
        assert "three or four a week" in text


async def test_the_compact_density_keeps_one_line(board):
    path, _ = board
    save_settings({"density": "compact"})
    async with opened_app(path, size=(160, 50)) as (app, _pilot):
        rows = title_rows(app, Column.SYMPTOMS, 4)
        assert rows[0].endswith("…") and rows[1] == "▌"  # the title's one line, then the body
        assert app.board_screen.board_view.panes[Column.SYMPTOMS].cards.title_lines == 1


async def test_rows_line_up_across_columns_and_a_column_scrolls_by_whole_cards(board):
    path, ids = board
    async with opened_app(path, size=(80, 24)) as (app, pilot):
        symptoms = app.board_screen.board_view.panes[Column.SYMPTOMS].cards
        sources = app.board_screen.board_view.panes[Column.SOURCES].cards
        # The long title's row is as tall in Sources as in Symptoms: rows line up.
        assert sources._starts[:3] == symptoms._starts[:3]
        for _ in range(9):
            await pilot.press("down")
        await pilot.pause()
        assert round(symptoms.scroll_offset.y) in symptoms._starts  # never half a card
        # Across columns: the card nearest on screen to mine.
        await pilot.press("up", "up", "up", "up", "up", "up", "up", "up", "up", "l")
        assert app.board_screen.board_view.focused_card.id == ids["source"]


def _wrap_plainly(title: str, width: int, most: int) -> list[str]:
    """wrap_title as it was before it counted each word once: the reference it must equal."""
    from rich.cells import cell_len

    from formboard.tui.text import _cells

    if width <= 0:
        return [""]
    if cell_len(title) <= width:
        return [title]
    lines: list[str] = []
    line = ""
    for word in title.split(" "):
        while cell_len(word) > width:
            room = width - cell_len(line) - (1 if line else 0)
            if room <= 0:
                lines.append(line)
                line, room = "", width
            head = _cells(word, room)
            lines.append(f"{line} {head}".strip() if line else head)
            line, word = "", word[len(head) :]
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > most:
        rest = " ".join(lines[most - 1 :])
        lines = [*lines[: most - 1], truncate(rest + " …", width) if cell_len(rest) <= width
                 else truncate(rest, width)]  # fmt: skip
    return lines or [""]


@given(
    title=st.text(alphabet=st.sampled_from("ab cdé  睡眠-…x"), max_size=80),
    width=st.integers(min_value=1, max_value=30),
    most=st.integers(min_value=1, max_value=8),
)
def test_a_title_wraps_as_it_did_word_by_word(title: str, width: int, most: int) -> None:
    assert wrap_title(title, width, most) == _wrap_plainly(title, width, most)
