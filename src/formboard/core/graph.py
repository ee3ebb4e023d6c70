"""The links as a graph: the vicious circles that keep a problem going.

A maintaining cycle is a chain of links of the kinds that keep a problem going
(``maintains``, ``triggers``) that returns to where it started: panic maintains avoiding
the office, which triggers chest tightness, which maintains the panic. networkx finds them;
it is imported here, when cycles are asked for, never at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from formboard.core.facts import board_order, cycle_line
from formboard.core.model import Board, Card, LinkKind

MAINTAINING = (LinkKind.MAINTAINS, LinkKind.TRIGGERS)
LONGEST = 12  # cards in a cycle, at most: longer chains are not what a team talks through
MOST = 200  # cycles listed, at most (a dense board could have very many)


@dataclass(frozen=True)
class Cycle:
    """Cards in order, each linked to the next by ``kinds[i]``, the last back to the first."""

    cards: tuple[str, ...]
    kinds: tuple[LinkKind, ...]


def cycles(board: Board, kinds: Iterable[LinkKind] = MAINTAINING) -> list[Cycle]:
    """Every maintaining cycle among the cards on the board (archived cards left out).

    Each cycle once, starting at its card that comes first in board order; shortest first.
    """
    import networkx as nx  # only when cycles are asked for

    wanted = set(kinds)
    shown = {c.id: c for c in board.cards if not c.archived}
    graph = nx.DiGraph()
    for link in board.links:
        ends = (link.from_id, link.to_id)
        if link.kind in wanted and set(ends) <= shown.keys() and not graph.has_edge(*ends):
            graph.add_edge(*ends, kind=link.kind)
    order = {cid: i for i, cid in enumerate(_board_order(shown.values()))}
    found = []
    for path in nx.simple_cycles(graph, length_bound=LONGEST):
        start = min(range(len(path)), key=lambda i: order[path[i]])
        path = path[start:] + path[:start]
        pairs = zip(path, [*path[1:], path[0]], strict=True)
        found.append(Cycle(tuple(path), tuple(graph.edges[a, b]["kind"] for a, b in pairs)))
        if len(found) >= MOST:
            break
    return sorted(found, key=lambda c: (len(c.cards), [order[x] for x in c.cards]))


def _board_order(cards: Iterable[Card]) -> list[str]:
    return [c.id for c in sorted(cards, key=board_order)]


def in_cycles(found: Iterable[Cycle]) -> dict[str, int]:
    """Card id -> the length of the shortest cycle it is in ("in a cycle of 3")."""
    lengths: dict[str, int] = {}
    for cycle in found:
        for card in cycle.cards:
            lengths[card] = min(lengths.get(card, len(cycle.cards)), len(cycle.cards))
    return lengths


def cycle_json(cycle: Cycle, titles: Mapping[str, str]) -> dict[str, object]:
    """A cycle for ``show --json``: its cards, the kinds between them, and the sentence."""
    return {
        "cards": list(cycle.cards),
        "kinds": [k.value for k in cycle.kinds],
        "sentence": cycle_line(cycle, titles),
    }
