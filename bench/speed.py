"""Issue 25's four figures in one run: the app's start and a CLI call, each as a ratio.

    python bench/speed.py [--runs 7] [--server]

Each round starts, in a new random order, every process below once and times it from
just before it starts: the app to its first frame with cards laid out where they stay
(``bench_tui.start_once``: the minimal Textual app, formboard on a 250-card and on a
5000-card board), and a CLI call to its exit (``cli_start.wall``: ``python -c "import
click"``, ``formboard add`` and ``formboard show`` on the 250-card board). With
``--server`` the 250-card board is also on a throwaway PostgreSQL cluster
(tests/pg_cluster.py) and the app and both calls run against it beside the file.

Medians over ``--runs`` rounds; each app's median ÷ the minimal app's, each call's ÷ the
floor's. A noisy moment hits every process of a round alike. Prints a table with the
issue's goals and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from typing import Any

from bench_tui import start_once  # bench/ is sys.path[0] when run as a script
from boards import board_with
from cli_start import PYTHON, commands, wall
from runs import ROOT, board_on_a_server, fictional_folder, save, shuffled_rounds
from stats import summary, verdict

SRC = ROOT / "src"
FLOOR_APP, FLOOR_CLI = "minimal Textual app", "python -c 'import click'"
GOALS = {"app, 250 cards": 1.3, "app, 5000 cards": 1.5, "add": 2.0, "show": 2.0}  # ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds (7)")
    parser.add_argument("--server", action="store_true", help="also on a PostgreSQL cluster")
    args = parser.parse_args()
    folder = fictional_folder("speed")
    sys.path.insert(0, str(ROOT))
    cluster: Any = None
    try:
        small, large = board_with(folder, "b250", 250), board_with(folder, "b5000", 5000)
        todo: dict[str, Callable[[], float]] = {
            FLOOR_APP: lambda: start_once("minimal", SRC, None)["ms"],
            "app, 250 cards": lambda: start_once("formboard", SRC, small)["ms"],
            "app, 5000 cards": lambda: start_once("formboard", SRC, large)["ms"],
            FLOOR_CLI: lambda: wall([PYTHON, "-c", "import click"]) * 1000,
        }
        calls = commands(str(small), "")
        for name in ("add", "show"):
            todo[name] = lambda argv=calls[name]: wall(argv) * 1000
        if args.server:
            cluster, url = board_on_a_server(small)
            todo["app, 250 cards (server)"] = lambda: start_once("formboard", SRC, url)["ms"]
            server_calls = commands(url, " (server)")
            for name in ("add (server)", "show (server)"):
                todo[name] = lambda argv=server_calls[name]: wall(argv) * 1000
        samples = shuffled_rounds(todo, args.runs)
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    result = {name: summary(values) for name, values in samples.items()}
    for name, found in result.items():
        floor = FLOOR_APP if name == FLOOR_APP or name.startswith("app") else FLOOR_CLI
        found["ratio"] = found["median"] / result[floor]["median"]
    report(result)
    save("speed", {"runs": args.runs, "results": result})


def report(result: dict[str, Any]) -> None:
    print(f"{'figure':<30}{'median ms':>10}{'p95':>8}{'ratio':>8}  goal")
    for name, found in result.items():
        goal = GOALS.get(name.split(" (")[0])
        said = f"≤ {goal:.1f}×  {verdict(found['ratio'], goal)}" if goal else ""
        if name.endswith("(server)"):
            said = f"(beside the file) {said}"
        print(
            f"{name:<30}{found['median']:>10.1f}{found['p95']:>8.1f}{found['ratio']:>7.2f}×  {said}"
        )


if __name__ == "__main__":
    main()
