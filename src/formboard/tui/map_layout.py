"""The map of links around one card, laid out on a grid of terminal cells.

Cards are placed in layers from left to right: a card the centre links to is one layer to
its right, a card linking to it one layer to its left, out to two steps. A link from one
layer to the next is a branch of its source's trunk in the gutter between them; any other
link (back to an earlier layer, within a layer, a card linked to itself) runs down to a
channel of its own below the boxes and up into its target. Every link ends at its
target's left side with its kind in words and an arrow (``maintains ▶``); every label sits
on its own row of its own target, so no text ever overlaps another.

Pure layout: no Textual here. The screen (``tui/screens/link_map.py``) colours the cells
by what they are (a box's border, title or column name, a line, a label).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rich.cells import cell_len

from formboard.core.facts import board_order
from formboard.core.model import Card, Column, Link
from formboard.tui.text import safe, wrap_title

STEPS = 2  # how far the map reaches from its centre
WIDEST_BOX = 30
NARROWEST_BOX = 12
TITLE_LINES = 3  # 4 in boxes narrower than 16

_N, _E, _S, _W = 1, 2, 4, 8
_LINES = {
    _E | _W: "─", _N | _S: "│", _E | _S: "┌", _W | _S: "┐", _N | _E: "└", _N | _W: "┘",
    _N | _S | _E: "├", _N | _S | _W: "┤", _E | _W | _S: "┬", _E | _W | _N: "┴",
    _N | _E | _S | _W: "┼", _E: "─", _W: "─", _N: "│", _S: "│",
}  # fmt: skip


@dataclass
class Box:
    """One card on the map: where it is and what it says."""

    card_id: str
    layer: int
    title: list[str]  # wrapped
    column: Column
    cycle: int = 0  # the length of the shortest maintaining cycle it is in
    x: int = 0
    y: int = 0
    w: int = 0
    h: int = 0
    left: list[int] = field(default_factory=list)  # rows where links arrive
    right: list[int] = field(default_factory=list)  # rows where links leave

    @property
    def lines(self) -> list[tuple[str, str]]:
        """What the box says, each line with its role: the title, the column, the cycle."""
        said = [(line, "title") for line in self.title] + [(self.column.label, "column")]
        if not self.cycle:
            return said
        cycle = f"cycle of {self.cycle}"
        return [*said, (cycle if len(cycle) <= self.w - 4 else f"cycle {self.cycle}", "cycle")]

    @property
    def middle(self) -> int:
        return self.y + self.h // 2


@dataclass
class MapLayout:
    """The map as cells: ``cells[y][x]`` is (text, role, card id or "")."""

    centre: str
    steps: int  # the steps shown (fewer than asked when the screen is too narrow)
    width: int
    height: int
    boxes: dict[str, Box]
    layers: dict[int, list[str]]  # card ids by layer, top to bottom
    links: list[Link]  # the links drawn
    cells: list[list[tuple[str, str, str]]]
    arrivals: dict[str, int] = field(default_factory=dict)  # link id -> the row it arrives on
    hidden: int = 0  # cards within STEPS left out for want of room

    def rows(self) -> list[str]:
        """The map as plain text, a line per row (what a test or the closing note reads)."""
        return ["".join(c[0] for c in row).rstrip() for row in self.cells]

    def move(self, card_id: str, across: int, down: int) -> str:
        """The box ``across`` layers right (or left) and ``down`` boxes down from ``card_id``."""
        box = self.boxes.get(card_id)
        if box is None:
            return self.centre
        if down:
            column = self.layers[box.layer]
            i = min(max(column.index(card_id) + down, 0), len(column) - 1)
            return column[i]
        layer = box.layer + across
        while layer in range(min(self.layers), max(self.layers) + 1):
            if self.layers.get(layer):
                return min(self.layers[layer],
                           key=lambda c: abs(self.boxes[c].middle - box.middle))  # fmt: skip
            layer += across
        return card_id


def neighbourhood(
    cards: Mapping[str, Card], links: Iterable[Link], centre: str, steps: int
) -> dict[str, int]:
    """Card id -> layer, for the cards within ``steps`` links of ``centre`` either way."""
    return _Links(cards, links).around(centre, steps)


class _Links:
    """The links between cards on the board (archived cards left out), both ways."""

    def __init__(self, cards: Mapping[str, Card], links: Iterable[Link]) -> None:
        self.cards = cards
        self.outgoing: dict[str, list[str]] = {}
        self.incoming: dict[str, list[str]] = {}
        for link in links:
            ends = cards.get(link.from_id), cards.get(link.to_id)
            if ends[0] and ends[1] and not ends[0].archived and not ends[1].archived:
                self.outgoing.setdefault(link.from_id, []).append(link.to_id)
                self.incoming.setdefault(link.to_id, []).append(link.from_id)

    def around(self, centre: str, steps: int) -> dict[str, int]:
        """Card id -> layer: what ``centre`` links to to its right, what links to it to its
        left, out to ``steps`` links, each card where it is first reached."""
        layer = {centre: 0}
        frontier = [centre]
        for _ in range(steps):
            reached = []
            for here in frontier:
                for there, side in [*((t, 1) for t in self._ordered(self.outgoing, here)),
                                    *((t, -1) for t in self._ordered(self.incoming, here))]:  # fmt: skip
                    if there not in layer:
                        layer[there] = layer[here] + side
                        reached.append(there)
            frontier = reached
        return layer

    def _ordered(self, ends: dict[str, list[str]], card_id: str) -> list[str]:
        return sorted(ends.get(card_id, ()), key=lambda c: board_order(self.cards[c]))


def lay_out(
    cards: Mapping[str, Card],
    links: Iterable[Link],
    centre: str,
    width: int,
    cycles: Mapping[str, int] | None = None,
) -> MapLayout:
    """The map around ``centre`` for a screen ``width`` cells wide: two steps where they
    fit (the widest boxes that do), else one; wider than the screen only when even one
    step of the narrowest boxes is."""
    links = list(links)
    graph = _Links(cards, links)
    within = graph.around(centre, STEPS)
    for steps in range(STEPS, 0, -1):
        layers = within if steps == STEPS else graph.around(centre, steps)
        drawing = _Drawing(cards, links, layers, centre, cycles or {})
        # Narrow boxes, but never too narrow to name their column in full (the name may
        # take the box's right margin).
        least = max(NARROWEST_BOX, max(cell_len(cards[c].column.label) for c in layers) + 3)
        box_width = min(WIDEST_BOX, (width - drawing.lanes_width) // len(drawing.layers))
        if box_width >= least or steps == 1:
            break
    result = drawing.draw(steps, max(box_width, least))
    result.hidden = len(within) - len(result.boxes)
    return result


class _Drawing:
    """The map for some cards in layers: the gutters first, boxes and cells on ``draw``."""

    def __init__(
        self,
        cards: Mapping[str, Card],
        links: list[Link],
        layer_of: dict[str, int],
        centre: str,
        cycles: Mapping[str, int],
    ) -> None:
        self.centre, self.cards, self.cycles = centre, cards, cycles
        lo, hi = min(layer_of.values()), max(layer_of.values())
        self.layers = {n: [c for c in layer_of if layer_of[c] == n] for n in range(lo, hi + 1)}
        self.links = [lk for lk in links if lk.from_id in layer_of and lk.to_id in layer_of]
        self.direct = [lk for lk in self.links if layer_of[lk.to_id] == layer_of[lk.from_id] + 1]
        direct = {lk.id for lk in self.direct}
        self.around = [lk for lk in self.links if lk.id not in direct]
        self.arriving: dict[str, int] = {}
        self.leaving: dict[str, int] = {lk.from_id: 1 for lk in self.direct}  # one trunk
        for lk in self.links:
            self.arriving[lk.to_id] = self.arriving.get(lk.to_id, 0) + 1
        for lk in self.around:
            self.leaving[lk.from_id] = self.leaving.get(lk.from_id, 0) + 1
        self.boxes: dict[str, Box] = {}
        self.lo = lo
        # Gutter g is left of layer lo + g; each holds, left to right: lanes down to the
        # channel (links leaving the layer on its left by the channel), trunks (one per
        # card of that layer with links to the next), lanes up from the channel (links
        # arriving at the layer on its right), then room for the labels and arrows.
        self.gutters = []
        for g in range(hi - lo + 2):
            left, right = lo + g - 1, lo + g
            down = [lk for lk in self.around if layer_of[lk.from_id] == left]
            trunks = list(dict.fromkeys(lk.from_id for lk in self.direct
                                        if layer_of[lk.from_id] == left))  # fmt: skip
            up = [lk for lk in self.around if layer_of[lk.to_id] == right]
            arriving = [lk for lk in self.links if layer_of[lk.to_id] == right]
            label = max((cell_len(lk.kind.phrase) + 3 for lk in arriving), default=0)
            lanes = len(down) + len(trunks) + len(up)
            self.gutters.append((down, trunks, up, max(lanes + label, 2 if arriving else 1)))
        self.lanes_width = sum(g[3] for g in self.gutters)

    def _boxes(self, box_width: int) -> None:
        for n, ids in self.layers.items():
            for cid in ids:
                card = self.cards[cid]
                title = wrap_title(safe(card.title, one_line=True) or "(untitled)",
                                   box_width - 4, TITLE_LINES + (box_width < 16))  # fmt: skip
                box = Box(cid, n, title, card.column, self.cycles.get(cid, 0), w=box_width)
                box.h = 2 + max(len(box.lines), self.arriving.get(cid, 0),
                                self.leaving.get(cid, 0))  # fmt: skip
                self.boxes[cid] = box

    def draw(self, steps: int, box_width: int) -> MapLayout:
        self._boxes(box_width)
        self.width = self.lanes_width + box_width * len(self.layers)
        # Where each gutter and each layer starts.
        x, gutter_x, layer_x = 0, [], {}
        for g, gutter in enumerate(self.gutters):
            gutter_x.append(x)
            x += gutter[3]
            if self.lo + g in self.layers:
                layer_x[self.lo + g] = x
                x += next(iter(self.boxes.values())).w
        tallest = max(sum(self.boxes[c].h + 1 for c in ids) - 1 for ids in self.layers.values())
        for n, ids in self.layers.items():
            y = (tallest - (sum(self.boxes[c].h + 1 for c in ids) - 1)) // 2
            for cid in ids:
                box = self.boxes[cid]
                box.x, box.y, y = layer_x[n], y, y + box.h + 1
        channel = {lk.id: tallest + 1 + i for i, lk in enumerate(self.around)}
        height = tallest + (1 + len(self.around) if self.around else 0)
        self._attach()
        bits = [[0] * self.width for _ in range(height)]
        labels: list[tuple[int, int, str]] = []

        def hline(y: int, x1: int, x2: int) -> None:
            a, b = sorted((x1, x2))
            for cx in range(a, b + 1):
                bits[y][cx] |= (_E if cx < b else 0) | (_W if cx > a else 0)

        def vline(cx: int, y1: int, y2: int) -> None:
            a, b = sorted((y1, y2))
            for y in range(a, b + 1):
                bits[y][cx] |= (_S if y < b else 0) | (_N if y > a else 0)

        for g, (down, trunks, up, _w) in enumerate(self.gutters):
            lane = gutter_x[g]
            down_lane = {lk.id: lane + i for i, lk in enumerate(down)}
            lane += len(down)
            for source in trunks:
                box = self.boxes[source]
                targets = [lk for lk in self.direct if lk.from_id == source]
                rows = [box.right[0]] + [self._row_in(lk) for lk in targets]
                hline(box.right[0], box.x + box.w - 1, lane)
                vline(lane, min(rows), max(rows))
                for lk in targets:
                    hline(self._row_in(lk), lane, self.boxes[lk.to_id].x - 1)
                    labels.append((self._row_in(lk), self.boxes[lk.to_id].x, lk.kind.phrase))
                lane += 1
            for lk in down:
                box = self.boxes[lk.from_id]
                row = box.right[self._trunk(lk.from_id) + self.around_out(lk.from_id).index(lk)]
                hline(row, box.x + box.w - 1, down_lane[lk.id])
                vline(down_lane[lk.id], row, channel[lk.id])
            for lk in up:
                self._up_lane[lk.id] = lane
                lane += 1
        for lk in self.around:
            src = self.boxes[lk.from_id]
            g = src.layer - self.lo + 1
            down_x = gutter_x[g] + self.gutters[g][0].index(lk)
            up_x = self._up_lane[lk.id]
            row = self._row_in(lk)
            hline(channel[lk.id], down_x, up_x)
            vline(up_x, channel[lk.id], row)
            hline(row, up_x, self.boxes[lk.to_id].x - 1)
            labels.append((row, self.boxes[lk.to_id].x, lk.kind.phrase))
        cells = [[(_LINES[b] if b else " ", "line" if b else "", "") for b in row] for row in bits]
        for box in self.boxes.values():
            self._box(cells, box)
        for row, target_x, label in labels:
            cells[row][target_x - 1] = ("▶", "arrow", "")
            cells[row][target_x - 2] = (" ", "label", "")
            self._text(cells, row, target_x - 2 - cell_len(label), label, "label", "")
        return MapLayout(self.centre, steps, self.width, height, self.boxes,
                         self.layers, self.links, cells, dict(self._rows))  # fmt: skip

    _up_lane: dict[str, int]

    def around_out(self, card_id: str) -> list[Link]:
        return [lk for lk in self.around if lk.from_id == card_id]

    def _trunk(self, card_id: str) -> bool:
        return any(lk.from_id == card_id for lk in self.direct)

    def _attach(self) -> None:
        """The rows where each box's links arrive (left) and leave (right), in the middle of
        its side, ordered by where the other end is so lines cross as little as possible."""
        self._up_lane = {}
        self._rows: dict[str, int] = {}
        for box in self.boxes.values():
            arriving = sorted((lk for lk in self.links if lk.to_id == box.card_id),
                              key=lambda lk: (lk in self.around, self.boxes[lk.from_id].y))  # fmt: skip
            top = box.y + 1 + (box.h - 2 - len(arriving)) // 2
            for i, lk in enumerate(arriving):
                self._rows[lk.id] = top + i
            leaving = int(self._trunk(box.card_id)) + len(self.around_out(box.card_id))
            top = box.y + 1 + (box.h - 2 - leaving) // 2
            box.right = list(range(top, top + leaving))
            box.left = [self._rows[lk.id] for lk in arriving]

    def _row_in(self, link: Link) -> int:
        return self._rows[link.id]

    def _box(self, cells: list[list[tuple[str, str, str]]], box: Box) -> None:
        double = box.card_id == self.centre
        tl, tr, bl, br, h, v = "╔╗╚╝═║" if double else "╭╮╰╯─│"
        cid, x, y, w = box.card_id, box.x, box.y, box.w
        cells[y][x : x + w] = [
            (tl, "border", cid),
            *[(h, "border", cid)] * (w - 2),
            (tr, "border", cid),
        ]
        for row in range(y + 1, y + box.h - 1):
            cells[row][x : x + w] = [
                (v, "border", cid),
                *[(" ", "inside", cid)] * (w - 2),
                (v, "border", cid),
            ]
        bottom = y + box.h - 1
        cells[bottom][x : x + w] = [
            (bl, "border", cid),
            *[(h, "border", cid)] * (w - 2),
            (br, "border", cid),
        ]
        for row in box.right:
            cells[row][x + w - 1] = ("╟" if double else "├", "border", cid)
        for i, (line, role) in enumerate(box.lines):
            self._text(cells, y + 1 + i, x + 2, line, role, cid)

    @staticmethod
    def _text(cells: list[list[tuple[str, str, str]]], row: int, x: int, text: str,
              role: str, cid: str) -> None:  # fmt: skip
        """``text`` from cell ``x``; a wide character takes two cells (the second empty)."""
        for ch in text:
            cells[row][x] = (ch, role, cid)
            if cell_len(ch) == 2:
                cells[row][x + 1] = ("", role, cid)
                x += 1
            x += 1
