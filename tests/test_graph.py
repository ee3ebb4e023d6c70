"""Maintaining cycles: found on hand-made boards, and every one a real closed path."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.helpers_hostile import HOSTILE, hostile_board
from tests.tui_helpers import opened_app

from formboard.core.facts import cycle_line
from formboard.core.graph import MAINTAINING, cycles, in_cycles
from formboard.core.model import Board, Card, Column, Link, LinkKind

M, T, P = LinkKind.MAINTAINS, LinkKind.TRIGGERS, LinkKind.PROTECTS_AGAINST


def board(n: int, links: list[tuple[int, int, LinkKind]], archived: set[int] = set()) -> Board:  # noqa: B006
    cards = tuple(
        Card(id=f"c{i:02d}", column=Column.SYMPTOMS, position=float(i), title=f"Part {i}",
             archived=i in archived)
        for i in range(n)
    )  # fmt: skip
    made = tuple(
        Link(id=f"l{k}", from_id=f"c{a:02d}", to_id=f"c{b:02d}", kind=kind)
        for k, (a, b, kind) in enumerate(links)
    )
    return Board(client="C-0001", cards=cards, links=made)


def named(b: Board) -> list[str]:
    titles = {c.id: c.title for c in b.cards}
    return [cycle_line(c, titles) for c in cycles(b)]


def test_no_cycle_on_a_chain_or_through_other_kinds() -> None:
    assert named(board(3, [(0, 1, M), (1, 2, T)])) == []
    assert named(board(2, [(0, 1, M), (1, 0, P)])) == []  # protects against does not maintain


def test_one_cycle_is_named_from_its_first_card_in_board_order() -> None:
    b = board(3, [(1, 2, T), (2, 0, M), (0, 1, M)])
    assert named(b) == ["Part 0 → maintains → Part 1 → triggers → Part 2 → maintains → Part 0"]
    assert in_cycles(cycles(b)) == {"c00": 3, "c01": 3, "c02": 3}


def test_two_overlapping_cycles_are_both_found_shortest_first() -> None:
    b = board(4, [(0, 1, M), (1, 0, T), (1, 2, M), (2, 3, T), (3, 1, M)])
    assert named(b) == [
        "Part 0 → maintains → Part 1 → triggers → Part 0",
        "Part 1 → maintains → Part 2 → triggers → Part 3 → maintains → Part 1",
    ]
    assert in_cycles(cycles(b))["c01"] == 2


def test_a_self_link_another_program_wrote_is_a_cycle_of_one() -> None:
    assert named(board(1, [(0, 0, M)])) == ["Part 0 → maintains → Part 0"]


def test_a_twelve_card_cycle_and_archived_cards_left_out() -> None:
    ring = [(i, (i + 1) % 12, M if i % 2 else T) for i in range(12)]
    (found,) = cycles(board(12, ring))
    assert len(found.cards) == 12 and found.cards[0] == "c00"
    assert cycles(board(12, ring, archived={5})) == []


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(
                    st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(list(LinkKind))
                ),
                max_size=16,
            ),
        )
    )
)
def test_every_cycle_found_is_a_closed_path_of_maintaining_links(case) -> None:
    n, links = case
    b = board(n, links)
    edges = {(f"c{a:02d}", f"c{b_:02d}", kind) for a, b_, kind in links}
    found = cycles(b)
    assert len({c.cards for c in found}) == len(found)  # each once
    for cycle in found:
        path = list(cycle.cards)
        for here, there, kind in zip(path, [*path[1:], path[0]], cycle.kinds, strict=True):
            assert kind in MAINTAINING and (here, there, kind) in edges
        assert len(set(path)) == len(path)  # simple: no card twice


def test_show_json_lists_the_cycles_plain_says_them_and_the_json_imports(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from formboard.cli import cli
    from formboard.core.store import BoardStore

    path = tmp_path / "C-0421.board"
    with BoardStore.create(path, "C-0421") as store:
        panic = store.add_card("symptoms", "Panic in the car park").id
        avoid = store.add_card("qualities", "Avoiding the office").id
        chest = store.add_card("symptoms", "Chest tightness").id
        store.add_link(panic, avoid, "maintains")
        store.add_link(avoid, chest, "triggers")
        store.add_link(chest, panic, "maintains")
    runner = CliRunner()
    shown = json.loads(runner.invoke(cli, ["show", str(path), "--json"]).output)
    assert shown["cycles"] == [{
        "cards": [panic, avoid, chest],
        "kinds": ["maintains", "triggers", "maintains"],
        "sentence": "Panic in the car park → maintains → Avoiding the office → triggers → "
        "Chest tightness → maintains → Panic in the car park",
    }]  # fmt: skip
    plain = runner.invoke(cli, ["show", str(path), "--plain"]).output
    assert "Maintaining cycles (1 cycle)" in plain
    exported = tmp_path / "shown.json"
    exported.write_text(json.dumps(shown))
    result = runner.invoke(cli, ["import", str(exported), str(tmp_path / "copy.board")])
    assert result.exit_code == 0, result.output


def test_networkx_is_not_imported_at_start_up() -> None:
    import subprocess
    import sys

    script = (
        "import sys, formboard.startup, formboard.cli, formboard.tui.app\n"
        "import formboard.tui.screens.board, formboard.core.store.board_store\n"
        "assert 'networkx' not in sys.modules, 'networkx was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


async def test_the_board_marks_cards_in_a_cycle_lists_them_and_follows_new_links(
    tmp_path, monkeypatch
) -> None:
    from tests.tui_helpers import small_board, wait_for

    from formboard.core.store import BoardStore
    from formboard.tui.screens.cycles import CycleList

    path = tmp_path / "C-0001.board"
    ids = small_board(path)  # avoid maintains panic; loss predisposes avoid: no cycle yet
    async with opened_app(path, watch="events", size=(160, 50)) as (app, pilot):
        await wait_for(pilot, lambda: app.board_screen.links.found_cycles is not None)
        assert (
            app.board_screen.links.found_cycles == [] and app.board_screen.board_view.cycles == {}
        )
        with BoardStore.open(path) as store:  # a colleague closes the circle
            store.add_link(ids["panic"], ids["avoid"], "triggers")
        await wait_for(
            pilot, lambda: app.board_screen.board_view.cycles == {ids["panic"]: 2, ids["avoid"]: 2}
        )
        marks = app.board_screen.board_view.panes[Column.SYMPTOMS].cards
        assert "cycle of 2" in "".join(marks.render_line(y).text for y in range(6))
        await pilot.press("l", "l", "c")  # from "Avoiding the office"
        await wait_for(pilot, lambda: isinstance(app.screen, CycleList))
        options = app.screen.query_one("OptionList")
        assert str(options.get_option_at_index(0).prompt) == (
            "Panic at work → triggers → Avoiding the office → maintains → Panic at work"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, CycleList))
        assert app.board_screen.board_view.focused_card.id == ids["panic"]


def test_mermaid_and_dot_show_every_hostile_title_as_text() -> None:
    import re

    from formboard.core.diagram import board_to_dot, board_to_mermaid

    mermaid = board_to_mermaid(hostile_board())
    assert mermaid.startswith("flowchart LR\n")
    labels = re.findall(r'\["([^"]*)"\]', mermaid)
    assert len(labels) == len(Column) + len(HOSTILE)  # a label per column and per card
    for line in mermaid.splitlines()[1:]:
        # Inside quotes only letters, digits, spaces and #NN; codes: nothing to interpret.
        for quoted in re.findall(r'"([^"]*)"', line):
            assert re.fullmatch(r"[A-Za-z0-9 ]*(#\d+;[A-Za-z0-9 ]*)*", quoted), quoted
    assert "<script>" not in mermaid and "\x1b" not in mermaid and "\u202e" not in mermaid
    assert mermaid.count(' -- "maintains" --> ') == len(HOSTILE)

    dot = board_to_dot(hostile_board())
    assert dot.startswith("digraph formboard {") and dot.rstrip().endswith("}")
    assert '[label="Quote \\" and back\\\\slash ]] --> x"]' in dot
    for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot):
        assert "\n" not in label and "\x1b" not in label and "\u202e" not in label
    assert dot.count(" -> ") == len(HOSTILE)


def test_export_writes_mermaid_and_dot(tmp_path) -> None:
    from click.testing import CliRunner

    from formboard.cli import cli
    from formboard.core.store import BoardStore

    path = tmp_path / "C-0421.board"
    with BoardStore.create(path, "C-0421") as store:
        a = store.add_card("symptoms", "Panic").id
        b = store.add_card("qualities", "Avoiding").id
        store.add_link(a, b, "maintains")
    runner = CliRunner()
    mermaid = runner.invoke(cli, ["export", str(path), "--format", "mermaid"]).output
    assert (
        f'c_{a} -- "maintains" --> c_{b}' in mermaid and 'subgraph symptoms["Symptoms"]' in mermaid
    )
    out = tmp_path / "links.dot"
    result = runner.invoke(cli, ["export", str(path), "--format", "dot", "-o", str(out)])
    assert result.exit_code == 0 and f'c_{a} -> c_{b} [label="maintains"];' in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == "0o600"


class _Parsed(HTMLParser):
    """Every element the browser would make of a page, with its attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.started: list[tuple[str, dict[str, str | None]]] = []
        self.ended: list[str] = []
        self.text: dict[str, str] = {}  # text inside each element name (style, title, ...)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started.append((tag, dict(attrs)))
        if tag not in ("meta", "br"):
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started.append((tag, dict(attrs)))
        self.ended.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ended.append(tag)
        assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for tag in {*self.open, "all"}:
            self.text[tag] = self.text.get(tag, "") + data


def test_html_shows_every_hostile_field_as_text_and_never_as_markup() -> None:
    from formboard.core.record_html import board_to_html
    from formboard.core.text import one_line, visible

    page = board_to_html(hostile_board())
    parsed = _Parsed()
    parsed.feed(page)
    parsed.close()
    assert parsed.open == []  # every element closed, in order
    tags = [tag for tag, _ in parsed.started]
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    assert tags.count("svg") == 1 and parsed.ended.count("svg") == 1
    assert tags.count("style") == 1 and tags.count("p") > 0
    assert parsed.text["title"].startswith("formboard: formulation")  # no client text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", page)
    # Every field's text is there, as text: made visible, never interpreted.
    shown = " ".join(parsed.text["all"].split())
    for text in HOSTILE:
        assert " ".join(one_line(visible(text)).split()) in shown, text
    assert "&amp;amp;" in page and "[bold]x[/]" in shown and "␛[31mred" in shown
    assert f"Confidential — {one_line(visible(HOSTILE[3]))}" in shown
    # The header of every printed page is a CSS string that nothing in it can end.
    assert "</" not in parsed.text["style"] and "Confidential \\002014 " in parsed.text["style"]
    # One labelled path per link, labelled with its sentence.
    links = [a for tag, a in parsed.started if tag == "path" and "link" in (a.get("class") or "")]
    assert len(links) == len(HOSTILE)
    assert all(a["data-kind"] == "maintains" and "’ maintains ‘" in a["aria-label"] for a in links)
    assert f"‘{one_line(visible(HOSTILE[0]))}’ maintains" in links[0]["aria-label"]
