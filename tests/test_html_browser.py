"""The HTML record in a real browser: headless Chromium (the system's, /usr/bin/chromium)
driven by Playwright, with nothing downloaded at test time.

The demo board's record (sample_boards/C-0421.json, the client `formboard demo` opens) is
opened from a file: every card, perspective and link sentence is on the page as text; the
diagram has one labelled curve per link and every title fits its box; the page asks the
network for nothing; and a screenshot and the print view as PDF (with the confidential
header on every page) are kept in tests/artefacts/ (FORMBOARD_ARTEFACTS elsewhere).
Without Playwright or Chromium these tests skip and say which is missing.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.helpers_hostile import HOSTILE, hostile_board
from tests.needs import tool

from formboard.core.facts import cycle_line
from formboard.core.importing import board_from_json
from formboard.core.model import Board
from formboard.core.record_html import board_to_html
from formboard.core.text import one_line, visible
from formboard.shipped import sample_boards

DEMO = "C-0421"
ARTEFACTS = Path(os.environ.get("FORMBOARD_ARTEFACTS") or Path(__file__).parent / "artefacts")


def said(text: str) -> str:
    """Text as the page shows it: made visible on one line, spaces collapsed."""
    return " ".join(one_line(visible(text)).split())


def private(path: Path) -> Path:
    """Artefacts hold (fictional) client text: owner-only, like every export."""
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def demo() -> Board:
    chosen = next(s for s in sample_boards() if s.name == f"{DEMO}.json")
    return board_from_json(chosen.read_text(encoding="utf-8"), chosen.name)


@pytest.fixture(scope="module")
def opened(chromium: Any, demo: Board, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo record opened from a file; every request the page makes is recorded, and
    any that is not for the file itself is refused."""
    record = tmp_path_factory.mktemp("record") / "record.html"
    record.write_text(board_to_html(demo), encoding="utf-8")
    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    page.asked = []

    def route(r: Any) -> None:
        page.asked.append(r.request.url)
        if r.request.url == record.as_uri():
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(record.as_uri())
    page.url_opened = record.as_uri()
    yield page
    page.close()


def shown_text(page: Any) -> str:
    return " ".join(page.evaluate("document.body.innerText").split())


def test_every_card_perspective_and_link_sentence_is_on_the_page(opened: Any, demo: Board) -> None:
    from formboard.core.graph import cycles

    text = shown_text(opened)
    cards = [c for c in demo.cards if not c.archived]
    assert cards and demo.links
    titles = {c.id: c.title for c in demo.cards}
    for card in cards:
        assert said(card.title) in text
        for p in card.perspectives:
            assert said(p.text) in text and said(p.author_name or p.author) in text
        if card.client_words.strip():
            assert said(card.client_words.splitlines()[0]) in text
    for link in demo.links:
        first, second = said(titles[link.from_id]), said(titles[link.to_id])
        assert f"‘{first}’ {link.kind.phrase} ‘{second}’" in text
    for cycle in cycles(demo):
        assert said(cycle_line(cycle, titles)) in text
    assert f"Confidential — {DEMO}" in text and opened.title() == "formboard: formulation"


def test_the_diagram_has_one_labelled_curve_per_link(opened: Any, demo: Board) -> None:
    assert opened.locator("svg").count() == 1
    paths = opened.locator("svg path.link")
    assert paths.count() == len(demo.links)
    for i in range(paths.count()):
        path = paths.nth(i)
        assert (path.get_attribute("aria-label") or "").strip()
        assert (path.locator("title").text_content() or "").strip()
        assert path.get_attribute("marker-end", timeout=1000) in (
            "url(#arrow)",
            "url(#arrow-cycle)",
        )
        assert re.search(r" C", path.get_attribute("d") or "")  # a curve, not a straight line
    labels = opened.locator("svg text.link-label").all_text_contents()
    assert labels == [link.kind.phrase for link in demo.links]  # the kind in words, each
    columns = opened.locator("svg text.column-name").all_text_contents()
    assert columns == ["Symptoms", "Sources", "Qualities", "Resources", "Relationships"]


def test_every_title_fits_its_box_and_every_label_the_picture(opened: Any) -> None:
    sizes = opened.evaluate(
        """() => [...document.querySelectorAll('svg g.card')].map(g => {
            const box = g.querySelector('rect.card-box').getBBox();
            const text = g.querySelector('text.card-title').getBBox();
            return [box.x, box.y, box.width, box.height, text.x, text.y, text.width, text.height];
        })"""
    )
    assert sizes
    for bx, by, bw, bh, tx, ty, tw, th in sizes:
        assert bx < tx and tx + tw < bx + bw and by < ty and ty + th <= bh + by + 1
    picture = opened.evaluate("document.querySelector('svg').viewBox.baseVal.width")
    for x, width in opened.evaluate(
        "[...document.querySelectorAll('svg text.link-label')]"
        ".map(t => [t.getBBox().x, t.getBBox().width])"
    ):
        assert x >= 0 and x + width <= picture


def test_the_page_asks_the_network_for_nothing(opened: Any) -> None:
    assert opened.asked == [opened.url_opened]
    assert opened.evaluate("document.scripts.length") == 0


def test_a_screenshot_and_the_print_view_with_the_confidential_header(opened: Any) -> None:
    ARTEFACTS.mkdir(mode=0o700, parents=True, exist_ok=True)
    first, diagram = ARTEFACTS / "html-record-first-screen.png", ARTEFACTS / "html-diagram.png"
    pdf = ARTEFACTS / "html-record-print.pdf"
    opened.evaluate("window.scrollTo(0, 0)")
    opened.screenshot(path=str(first))
    opened.locator("svg.links-diagram").screenshot(path=str(diagram))
    opened.pdf(path=str(pdf), prefer_css_page_size=True)
    for made in (first, diagram, pdf):
        private(made)
    for png in (first, diagram):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) > 2  # the columns, the sentences, and the diagram on its own page
    for page in pages:
        assert f"Confidential — {DEMO}" in page
    assert "The links as a diagram" in pages[-1]


def test_a_hostile_board_shows_as_text_and_runs_nothing(chromium: Any) -> None:
    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_content(board_to_html(hostile_board()))
    try:
        assert page.evaluate("document.scripts.length") == 0 and dialogs == []
        assert page.locator("img, iframe, object, embed").count() == 0
        assert page.locator("svg").count() == 1 and page.locator("svg path.link").count() == 6
        text = shown_text(page)
        for hostile in HOSTILE:
            assert said(hostile) in text
        assert page.title() == "formboard: formulation"
    finally:
        page.close()
