"""Start-up of two source trees, interleaved in one run (one board, the same minimal app).

    python bench/compare_start.py OLD_SRC [NEW_SRC] [--cards 250] [--runs 12]

A proposed change is judged against the commit before it: ``bench_tui.py`` runs one
source tree at a time, and on a shared machine two such runs minutes apart differ by
more than the change. Here each run starts the minimal app, the old tree and the new one
in a new order, so a noisy moment hits all three alike. Medians, and the ratio new / old.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
from pathlib import Path

from bench_tui import ROOT, start_once  # bench/ is sys.path[0] when run as a script
from boards import board_with
from runs import fictional_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", type=Path, help="the source tree before the change")
    parser.add_argument("new", type=Path, nargs="?", default=ROOT / "src")
    parser.add_argument("--cards", type=int, default=250)
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    folder = fictional_folder("compare")
    sys.path.insert(0, str(args.new.resolve()))
    try:
        board = board_with(folder, f"board-{args.cards}", args.cards)
        kinds = {
            "minimal": ("minimal", args.new, None),
            "old": ("formboard", args.old.resolve(), board),
            "new": ("formboard", args.new.resolve(), board),
        }
        for app, src, path in kinds.values():
            start_once(app, src, path)  # warm up
        ms: dict[str, list[float]] = {name: [] for name in kinds}
        order = random.Random(3)
        for _ in range(args.runs):
            for name in order.sample(list(kinds), len(kinds)):
                app, src, path = kinds[name]
                ms[name].append(start_once(app, src, path)["ms"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    med = {name: statistics.median(v) for name, v in ms.items()}
    print(f"{args.cards} cards, {args.runs} runs, medians (ms):")
    for name in kinds:
        print(f"  {name:<8} {med[name]:7.1f}   {med[name] / med['minimal']:.2f}× minimal")
    print(f"  new / old: {med['new'] / med['old']:.3f}")


if __name__ == "__main__":
    main()
