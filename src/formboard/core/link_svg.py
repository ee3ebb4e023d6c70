"""The links as a picture for the record: an inline SVG, cards by column, links as curves.

Five column bands in board order, each named in words; each card a box with its title
wrapped; each link a curve from one card to the other with an arrowhead and its kind
written beside it ("maintains"), so nothing is said by colour alone. A link that skips
columns passes through the gaps between the cards it crosses, never under a card; links
within a column loop out to the side of it that has the fewest other links. Links in a
maintaining cycle are drawn heavier. Text widths are estimated (no font is measured), on
the wide side, so a title stays inside its box in the usual sans-serif fonts.
"""

from __future__ import annotations

import html
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from formboard.core.facts import count, link_titles, ordered_cards
from formboard.core.html_page import column_colours, h
from formboard.core.model import Board, Card, Column, Link, LinkKind
from formboard.core.text import one_line, visible

BOX_W, PAD_X, PAD_Y, LINE_H, TITLE_FONT = 176.0, 10.0, 8.0, 15.0, 12.0
MAX_LINES = 4
GAP, BAND_PAD, V_GAP = 150.0, 12.0, 24.0  # between columns, around cards, between cards
MARGIN, TOP = 20.0, 80.0  # TOP: the column names above the first card
LOOP_REACH, LOOP_ROOM = 80.0, 100.0  # a loop bulges at most 3/4 of its reach
LABEL_FONT = 10.5
_DASHES = {LinkKind.PROTECTS_AGAINST: "7 4", LinkKind.RELATES_TO: "2 4"}  # besides the words
_T_TRIES = (0.5, 0.38, 0.62, 0.26, 0.74, 0.15, 0.85)

Point = tuple[float, float]


@dataclass
class Box:
    """A card's box: where it is, and its title as wrapped lines (visible, not escaped)."""

    card: Card
    x: float
    y: float
    h: float
    lines: list[str]

    def edge(self, side: int) -> float:
        """The x of the box's left (-1) or right (+1) edge."""
        return self.x + (BOX_W if side > 0 else 0.0)


@dataclass
class Drawn:
    """A link laid out: its points (tangents horizontal at each) and where its words go."""

    link: Link
    points: list[Point] = field(default_factory=list)
    loop: float = 0.0  # a link within one column: how far it bulges, and to which side
    label: Point = (0.0, 0.0)


def text_width(text: str, size: float) -> float:
    """The width of ``text`` at ``size`` px, estimated per character, wide-ish fonts in mind."""
    em = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch in "iljI|.,:;'!’‘ ":
            em += 0.32
        elif ch in "frt()[]{}-":
            em += 0.42
        elif ch in "mwMW":
            em += 1.0
        elif ch.isascii():
            em += 0.74 if ch.isupper() else 0.63
        else:
            em += 1.05 if unicodedata.east_asian_width(ch) in "WF" else 0.72
    return em * size


def wrap_title(title: str) -> list[str]:
    """The title on at most MAX_LINES lines that fit the box, the last cut with "…"."""
    room = BOX_W - 2 * PAD_X - 4
    lines: list[str] = []
    for word in one_line(visible(title)).split(" "):
        line = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(line, TITLE_FONT) <= room:
            lines[-1] = line
            continue
        lines.append("")
        for ch in word:  # a word longer than the box is broken where it must be
            if lines[-1] and text_width(lines[-1] + ch, TITLE_FONT) > room:
                lines.append("")
            lines[-1] += ch
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        while lines[-1] and text_width(lines[-1] + "…", TITLE_FONT) > room:
            lines[-1] = lines[-1][:-1]
        lines[-1] = lines[-1].rstrip() + "…"
    return lines or [""]


class Layout:
    """Where every card box and link curve goes."""

    def __init__(self, board: Board) -> None:
        cards = [c for c in ordered_cards(board) if not c.archived]
        self.column_of = {c.id: list(Column).index(c.column) for c in cards}
        self.links = [lk for lk in board.links if {lk.from_id, lk.to_id} <= self.column_of.keys()]
        self.loop_side, loops = self._loop_sides()
        last = len(Column) - 1
        left = MARGIN + (LOOP_ROOM if 0 in loops else 0)  # column 0 loops to the left
        right = MARGIN + (LOOP_ROOM if last in loops else 0)
        self.col_x = [left + i * (BOX_W + GAP) for i in range(len(Column))]
        self.width = self.col_x[-1] + BOX_W + right
        self._used: dict[tuple[int, int], int] = {}  # corridor -> links through it
        self.boxes: dict[str, Box] = {}
        self.by_column: dict[int, list[Box]] = defaultdict(list)
        for card in cards:
            i = self.column_of[card.id]
            column = self.by_column[i]
            y = column[-1].y + column[-1].h + V_GAP if column else TOP
            lines = wrap_title(card.title)
            box = Box(card, self.col_x[i], y, len(lines) * LINE_H + 2 * PAD_Y, lines)
            column.append(box)
            self.boxes[card.id] = box
        bottoms = [b.y + b.h for b in self.boxes.values()]
        self.height = max(bottoms, default=TOP) + V_GAP + MARGIN
        self.drawn = [self._route(lk) for lk in self.links]
        self._ports()

    def _loop_sides(self) -> tuple[list[int], set[int]]:
        """For each column, the side (-1 left, +1 right) its inner links loop out to (the
        outer side for the first and last column, else the quieter one); and the columns
        that have such links."""
        loops: set[int] = set()
        traffic = [[0, 0] for _ in Column]  # ends of links to other columns: left, right
        for link in self.links:
            a, b = self.column_of[link.from_id], self.column_of[link.to_id]
            if a == b:
                loops.add(a)
            else:
                traffic[a][a < b] += 1
                traffic[b][b < a] += 1
        last = len(Column) - 1
        sides = [
            -1 if i == 0 else 1 if i == last else (-1 if left < right else 1)
            for i, (left, right) in enumerate(traffic)
        ]
        return sides, loops

    def _corridor(self, column: int, want: float) -> float:
        """A y between two cards of ``column`` (or above or below them) near ``want``."""
        boxes = self.by_column.get(column, [])
        if not boxes:
            return want
        gaps = [TOP - V_GAP / 2]
        gaps += [(a.y + a.h + b.y) / 2 for a, b in pairwise(boxes)]
        below = boxes[-1].y + boxes[-1].h + V_GAP / 2
        best = min(range(len(gaps) + 1), key=lambda i: abs([*gaps, below][i] - want))
        if best == len(gaps):
            return max(want, below)  # open space under the column's last card
        n = self._used[(column, best)] = self._used.get((column, best), 0) + 1
        # Side by side, a few pixels apart (at most 8: the corridor is V_GAP high).
        return gaps[best] + 4.0 * ((n // 2) % 3) * (1 if n % 2 else -1)

    def _route(self, link: Link) -> Drawn:
        source, target = self.boxes[link.from_id], self.boxes[link.to_id]
        a, b = self.column_of[link.from_id], self.column_of[link.to_id]
        drawn = Drawn(link)
        start_y, end_y = source.y + source.h / 2, target.y + target.h / 2
        if a == b:
            side = self.loop_side[a]
            drawn.loop = side * min(LOOP_REACH, 24 + 0.22 * abs(end_y - start_y))
            drawn.points = [(source.edge(side), start_y), (target.edge(side), end_y)]
            return drawn
        step = 1 if b > a else -1
        drawn.points = [(source.edge(step), start_y)]
        x0, x1 = source.edge(step), target.edge(-step)
        for k in range(a + step, b, step):
            mid_x = self.col_x[k] + BOX_W / 2
            want = start_y + (end_y - start_y) * (mid_x - x0) / (x1 - x0)
            y = self._corridor(k, want)
            near, far = self.col_x[k] - BAND_PAD, self.col_x[k] + BOX_W + BAND_PAD
            drawn.points += [(near, y), (far, y)] if step > 0 else [(far, y), (near, y)]
        drawn.points.append((target.edge(-step), end_y))
        return drawn

    def _ports(self) -> None:
        """Spread the ends that meet one side of a card down that side, in the order of
        where their curves go next, so arrows do not all meet at one point."""
        ends: dict[tuple[str, float], list[tuple[float, Drawn, int]]] = defaultdict(list)
        for d in self.drawn:
            for which, card_id in ((0, d.link.from_id), (-1, d.link.to_id)):
                neighbour = d.points[1 if which == 0 else -2][1]
                ends[(card_id, d.points[which][0])].append((neighbour, d, which))
        for (card_id, x), listed in ends.items():
            box = self.boxes[card_id]
            listed.sort(key=lambda e: e[0])
            inner = box.h - 2 * 6
            for k, (_, d, which) in enumerate(listed):
                d.points[which] = (x, box.y + 6 + inner * (k + 1) / (len(listed) + 1))

    def segments(self, d: Drawn) -> list[tuple[Point, Point, Point, Point]]:
        """The cubic Bézier segments of a curve: horizontal at every point it passes."""
        if d.loop:
            (x0, y0), (x1, y1) = d.points
            return [((x0, y0), (x0 + d.loop, y0), (x1 + d.loop, y1), (x1, y1))]
        out = []
        for (x0, y0), (x1, y1) in pairwise(d.points):
            mid = (x0 + x1) / 2
            out.append(((x0, y0), (mid, y0), (mid, y1), (x1, y1)))
        return out

    def in_band(self, x: float) -> bool:
        return any(cx - BAND_PAD <= x <= cx + BOX_W + BAND_PAD for cx in self.col_x)

    def place_labels(self) -> None:
        """Each link's words at a point on its curve between the columns, clear of every
        card and of the words already placed, away from other words where it can be and
        near the card it starts from; the middle of its first stretch if nothing is clear."""
        cards, words = _Grid(), _Grid()
        for b in self.boxes.values():
            cards.add((b.x - 3, b.y - 3, b.x + BOX_W + 3, b.y + b.h + 3))
        for d in sorted(self.drawn, key=lambda d: len(d.points)):
            half = text_width(d.link.kind.phrase, LABEL_FONT) / 2 + 3
            low, high = half + 2, self.width - half - 2  # words stay inside the picture
            tries = [
                (min(max(x, low), high), y, i + abs(t - 0.5))
                for i, seg in enumerate(self.segments(d))
                for t in _T_TRIES
                for x, y in [_at(seg, t)]
            ]
            tries = [p for p in tries if not self.in_band(p[0])] or tries
            best, chosen = float("-inf"), tries[0][:2]
            for x, y, far in tries:
                rect = (x - half, y - 8, x + half, y + 6)
                if any(_overlap(rect, other) for other in cards.near(rect) | words.near(rect)):
                    continue
                around = words.near((x - 120, y - 60, x + 120, y + 60))
                room = min(
                    (abs((a + c) / 2 - x) / 2 + abs((b + e) / 2 - y) for a, b, c, e in around),
                    default=60.0,
                )
                score = min(room, 60.0) - 25 * far
                if score > best:
                    best, chosen = score, (x, y)
            if best == float("-inf"):  # no clear point on the curve: the nearest beside it
                chosen = _beside(tries, half, cards, words) or chosen
            d.label = chosen
            words.add((chosen[0] - half, chosen[1] - 8, chosen[0] + half, chosen[1] + 6))


class _Grid:
    """Rectangles filed by the 100-px squares they touch, so a test looks only nearby."""

    SIDE = 100.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, ...]]] = defaultdict(list)

    def _keys(self, r: tuple[float, ...]) -> list[tuple[int, int]]:
        xs = range(int(r[0] // self.SIDE), int(r[2] // self.SIDE) + 1)
        return [
            (i, j) for i in xs for j in range(int(r[1] // self.SIDE), int(r[3] // self.SIDE) + 1)
        ]

    def add(self, r: tuple[float, ...]) -> None:
        for key in self._keys(r):
            self.cells[key].append(r)

    def near(self, r: tuple[float, ...]) -> set[tuple[float, ...]]:
        return {other for key in self._keys(r) for other in self.cells.get(key, ())}


def _beside(
    tries: list[tuple[float, float, float]], half: float, cards: _Grid, words: _Grid
) -> Point | None:
    """A point a line or a few above or below the curve where the words are clear of
    every other link's words, and of the cards if it can be: labels never overlap."""
    for avoid_cards in (True, False):
        for step in (14, -14, 28, -28, 42, -42, 56, -56):
            for x, y, _ in tries:
                rect = (x - half, y + step - 8, x + half, y + step + 6)
                near = words.near(rect) | (cards.near(rect) if avoid_cards else set())
                if not any(_overlap(rect, other) for other in near):
                    return (x, y + step)
    return None


def _at(seg: tuple[Point, Point, Point, Point], t: float) -> Point:
    """The point at ``t`` on a cubic Bézier segment."""
    u = 1 - t
    weights = (u**3, 3 * u * u * t, 3 * u * t * t, t**3)
    return (
        sum(w * p[0] for w, p in zip(weights, seg, strict=True)),
        sum(w * p[1] for w, p in zip(weights, seg, strict=True)),
    )


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def quoted_link(link: Link, titles: Mapping[str, str]) -> str:
    """ "‘Panic in the car park’ maintains ‘Avoiding the office’", visible, not escaped:
    the record's way (the diagram's hover text and the list of links)."""
    said = link_titles(link, titles)
    return f"‘{one_line(said.first)}’ {said.words} ‘{one_line(said.second)}’"


def diagram_svg(board: Board, in_cycle: Collection[tuple[str, str]] = ()) -> str:
    """The board's links as one inline ``<svg>`` element (see the module's docstring).

    ``in_cycle``: (from, to) card ids of the links that are part of a maintaining cycle.
    """
    layout = Layout(board)
    layout.place_labels()
    colours = column_colours()
    titles = {c.id: c.title for c in board.cards}
    w, ht = _n(layout.width), _n(layout.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="links-diagram" viewBox="0 0 {w} {ht}"'
        f' width="{w}" height="{ht}" role="img" aria-labelledby="diagram-title">',
        '<title id="diagram-title">The links between the cards, by column; each link is'
        " also written as a sentence in the list of links.</title>",
        "<defs>",
        *(
            f'<marker id="{name}" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="{size}"'
            f' markerHeight="{size}" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,1 L10,5 L0,9 z" fill="{ink}"/></marker>'
            for name, size, ink in (("arrow", 9, "#5A6068"), ("arrow-cycle", 11, "#1F2328"))
        ),
        "</defs>",
    ]
    for i, column in enumerate(Column):
        x, colour = layout.col_x[i], colours[column]
        cards = len(layout.by_column.get(i, []))
        out += [
            f'<g class="column" data-column="{column.value}">',
            f'<rect class="band" x="{_n(x - BAND_PAD)}" y="{_n(MARGIN - 6)}" width='
            f'"{_n(BOX_W + 2 * BAND_PAD)}" height="{_n(layout.height - MARGIN)}" rx="10"'
            f' fill="{colour}" fill-opacity="0.07" stroke="{colour}" stroke-opacity="0.3"/>',
            f'<text class="column-name" x="{_n(x)}" y="{_n(MARGIN + 16)}" fill="{colour}">'
            f"{h(column.label)}</text>",
            f'<text class="column-count" x="{_n(x)}" y="{_n(MARGIN + 32)}">'
            f"{count(cards, 'card')}</text></g>",
        ]
    out.append('<g class="links">')
    for d in layout.drawn:
        cycle = (d.link.from_id, d.link.to_id) in in_cycle
        path = "M" + _n(d.points[0][0]) + "," + _n(d.points[0][1])
        for _, c1, c2, end in layout.segments(d):
            path += " C" + " ".join(f"{_n(x)},{_n(y)}" for x, y in (c1, c2, end))
        said = h(quoted_link(d.link, titles))
        dash = _DASHES.get(d.link.kind)
        out.append(
            f'<path class="link{" in-cycle" if cycle else ""}" data-kind="{d.link.kind.value}"'
            f' aria-label="{said}" d="{path}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f' marker-end="url(#arrow{"-cycle" if cycle else ""})"><title>{said}</title></path>'
        )
    out.append('</g><g class="cards">')
    for box in layout.boxes.values():
        colour = colours[box.card.column]
        out += [
            f'<g class="card"><title>{h(box.card.title)}</title>',
            f'<rect class="card-box" x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(BOX_W)}"'
            f' height="{_n(box.h)}" rx="6" stroke="{colour}"/>',
            f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="5" height="{_n(box.h)}" rx="2"'
            f' fill="{colour}"/>',
            f'<text class="card-title" x="{_n(box.x + PAD_X + 2)}" y="{_n(box.y + PAD_Y + 11)}">',
            *(
                f'<tspan x="{_n(box.x + PAD_X + 2)}" dy="{0 if k == 0 else _n(LINE_H)}">'
                f"{html_text(line)}</tspan>"
                for k, line in enumerate(box.lines)
            ),
            "</text></g>",
        ]
    out.append('</g><g class="link-labels">')
    for d in layout.drawn:
        cycle = (d.link.from_id, d.link.to_id) in in_cycle
        x, y = d.label
        out.append(
            f'<text class="link-label{" in-cycle" if cycle else ""}"'
            f' data-kind="{d.link.kind.value}" x="{_n(x)}" y="{_n(y + 3.5)}">'
            f"{h(d.link.kind.phrase)}</text>"
        )
    out.append("</g></svg>")
    return "\n".join(out)


def html_text(line: str) -> str:
    """A line already made visible and wrapped, escaped for HTML text."""
    return html.escape(line, quote=True)


DIAGRAM_CSS = """
svg.links-diagram { font-family: system-ui, "Segoe UI", "DejaVu Sans", sans-serif; }
svg.links-diagram .column-name { font-size: 14px; font-weight: bold; }
svg.links-diagram .column-count { font-size: 11px; fill: #57606A; }
svg.links-diagram .card-box { fill: #FFFFFF; stroke-width: 1.2; }
svg.links-diagram .card-title { font-size: 12px; fill: #1F2328; }
svg.links-diagram path.link { fill: none; stroke: #5A6068; stroke-width: 1.4; }
svg.links-diagram path.link.in-cycle { stroke: #1F2328; stroke-width: 2.4; }
svg.links-diagram .link-label { font-size: 10.5px; fill: #30363D; text-anchor: middle;
  paint-order: stroke; stroke: #FFFFFF; stroke-width: 4px; stroke-linejoin: round; }
svg.links-diagram .link-label.in-cycle { font-weight: bold; fill: #1F2328; }
"""
