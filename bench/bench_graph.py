"""The formulation seen whole, on a big board (issue 12).

    python bench/bench_graph.py [--runs N] [--dir FOLDER]

- maintaining cycles (``core.graph.cycles``) on a board of 1000 cards and 3000 links,
  target ≤ 50 ms;
- the map opening on a 1000-card board: from the m key's action on the board to the map
  painted (the screen pushed, laid out, drawn and refreshed, in a Pilot run of the real
  app at 160×50), around the card with the most links, target ≤ 150 ms; and, for
  information, the layout alone.

The HTML export is measured by bench/bench_export.py; that networkx is not imported at
start-up is pinned by tests/test_graph.py. Medians over ``--runs``; prints a table and
writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from boards import realistic_board  # bench/ is sys.path[0] when run as a script
from runs import fictional_folder, save, timed
from stats import summary, verdict

ROOT = Path(__file__).resolve().parents[1]
CARDS, LINKS = 1000, 3000


def linked_board(seed: int = 12, keeping: float = 0.0) -> Any:
    """``realistic_board(1000)`` with links added up to 3000, of every kind alike, and with
    ``keeping`` of them maintains or triggers on top (0.5: a tangle of hundreds of
    cycles, a hard case no real formulation is like)."""
    from formboard.core.model import Link, LinkKind

    board = realistic_board(CARDS)
    rng = random.Random(seed)
    ids = [c.id for c in board.cards]
    links = list(board.links)
    seen = {(lk.from_id, lk.to_id, lk.kind) for lk in links}
    while len(links) < LINKS:
        a, b = rng.sample(ids, 2)
        keeps = rng.random() < keeping
        kind = rng.choice([LinkKind.MAINTAINS, LinkKind.TRIGGERS] if keeps else list(LinkKind))
        if (a, b, kind) not in seen:
            seen.add((a, b, kind))
            links.append(Link(id=f"x{len(links):09d}", from_id=a, to_id=b, kind=kind))
    return board.model_copy(update={"links": tuple(links)})


def hub(board: Any) -> str:
    """The card with the most links: the biggest map."""
    degree: dict[str, int] = {}
    for link in board.links:
        for end in (link.from_id, link.to_id):
            degree[end] = degree.get(end, 0) + 1
    return max(degree, key=lambda c: degree[c])


async def map_openings(path: Path, centre: str, runs: int) -> list[float]:
    """Milliseconds from the m key's action to the map painted, ``runs`` times (after a
    warm-up). The action is called directly: Pilot's key presses wait for idle with
    sleeps of their own that would be measured too."""
    from formboard.tui.app import FormboardApp
    from formboard.tui.screens.link_map import MapScreen

    app = FormboardApp(path, watch="poll")
    samples = []
    async with app.run_test(size=(160, 50)) as pilot:
        while not (app.board_screen.board_view.cards and app._loaded):
            await pilot.pause(0.05)
        while app.board_screen.links.found_cycles is None:
            await pilot.pause(0.05)
        app.board_screen.board_view.focus_card(centre)
        await pilot.pause(0.3)
        for i in range(runs + 1):
            painted = asyncio.Event()
            started = time.perf_counter()
            app.board_screen.action_map()
            while not (isinstance(app.screen, MapScreen) and app.screen.drawn is not None):
                await asyncio.sleep(0)
            app.screen.call_after_refresh(painted.set)
            await painted.wait()
            if i:
                samples.append((time.perf_counter() - started) * 1000)
            await pilot.press("escape")
            await pilot.pause(0.2)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measure (default 7)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the board")
    args = parser.parse_args()
    src = ROOT / "src"
    sys.path.insert(0, str(src))
    folder = fictional_folder("graph", args.dir)
    from formboard.core.graph import cycles, in_cycles
    from formboard.core.store import BoardStore
    from formboard.tui.map_layout import lay_out

    board = linked_board()
    centre = hub(board)
    cards = {c.id: c for c in board.cards}
    lengths = in_cycles(cycles(board))
    tangle = linked_board(keeping=0.5)
    try:
        path = folder / "C-BENCH.board"
        with BoardStore.create(path, "C-BENCH", "Benchmark") as store:
            store.load_board(board)
        result: dict[str, Any] = {
            "cycles_found": len(cycles(board)),
            "cycles": timed(lambda: cycles(board), args.runs),
            "tangle_found": len(cycles(tangle)),
            "tangle": timed(lambda: cycles(tangle), max(3, args.runs // 2)),
            "layout": timed(lambda: lay_out(cards, board.links, centre, 158, lengths), args.runs),
            "map_boxes": len(lay_out(cards, board.links, centre, 158, lengths).boxes),
            "map_open": summary(asyncio.run(map_openings(path, centre, args.runs))),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(result)
    save("graph", result)


def report(r: dict[str, Any]) -> None:
    rows = [
        (f"cycles, {CARDS} cards / {LINKS} links", r["cycles"]["median"], 50.0),
        (f"map opens ({r['map_boxes']} boxes, 160×50)", r["map_open"]["median"], 150.0),
    ]
    print(f"medians; {r['cycles_found']} maintaining cycles found")
    for name, value, limit in rows:
        print(f"  {name:<40} {value:9.2f} ms  target ≤ {limit:g}  {verdict(value, limit)}")
    print(f"  {'map layout alone (info)':<40} {r['layout']['median']:9.2f} ms")
    print(f"  {'cycles, a tangle (info: ' + str(r['tangle_found']) + ' cycles)':<40} "
          f"{r['tangle']['median']:9.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
