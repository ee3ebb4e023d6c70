"""A CLI call against Python's own start, paired in one run (issue 25, the CLI's ratios).

    python bench/cli_start.py [--runs 15] [--cards 250] [--server]

Each round runs, in a new random order, ``python -c "import click"`` (the floor: Python
and the command-line library, nothing of formboard) and each formboard command as a whole
process — what a script that calls formboard a hundred times waits for:

- ``formboard add BOARD symptoms …`` on a 250-card board (goal ≤ 2.0× the floor);
- ``formboard show BOARD`` (the board's own view; goal ≤ 2.0×), and ``show --plain``
  (with its maintaining cycles) beside it;
- with ``--server``, the same two on a throwaway PostgreSQL cluster (tests/pg_cluster.py)
  beside the file.

Medians over ``--runs`` rounds, and each command's median ÷ the floor's; prints a table
and writes JSON to bench/results/. A noisy moment hits every command of a round alike.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from typing import Any

from bench_tui import child_env  # bench/ is sys.path[0] when run as a script
from boards import board_with
from runs import ROOT, board_on_a_server, fictional_folder, save, shuffled_rounds
from stats import summary, verdict

GOAL = {"add": 2.0, "show": 2.0}
PYTHON = sys.executable


def wall(argv: list[str]) -> float:
    """Seconds from start to exit of one process (its output thrown away)."""
    started = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=child_env()
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} … failed: {done.stderr.strip()[-300:]}")
    return took


def commands(where: str, label: str) -> dict[str, list[str]]:
    formboard = [PYTHON, "-m", "formboard"]
    return {
        f"add{label}": [*formboard, "add", where, "symptoms", "Wakes at four, heart racing"],
        f"show{label}": [*formboard, "show", where],
        f"show --plain{label}": [*formboard, "show", where, "--plain"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (15)")
    parser.add_argument("--cards", type=int, default=250, help="cards on the board (250)")
    parser.add_argument("--server", action="store_true", help="also on a PostgreSQL cluster")
    args = parser.parse_args()
    folder = fictional_folder("cli")
    sys.path.insert(0, str(ROOT))
    cluster: Any = None
    try:
        board = board_with(folder, f"board-{args.cards}", args.cards)
        argvs = {"python -c 'import click'": [PYTHON, "-c", "import click"]}
        argvs.update(commands(str(board), ""))
        if args.server:
            cluster, url = board_on_a_server(board)
            argvs.update(commands(url, " (server)"))
        todo = {name: lambda argv=argv: wall(argv) * 1000 for name, argv in argvs.items()}
        samples = shuffled_rounds(todo, args.runs)
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    result = {name: summary(values) for name, values in samples.items()}
    floor = result["python -c 'import click'"]["median"]
    for found in result.values():
        found["ratio"] = found["median"] / floor
    report(result)
    save("cli-start", {"cards": args.cards, "runs": args.runs, "results": result})


def report(result: dict[str, Any]) -> None:
    print(f"{'command':<36}{'median ms':>10}{'p95':>8}{'ratio':>8}  goal")
    for name, found in result.items():
        goal = GOAL.get(name.split(" (")[0])
        said = f"≤ {goal:.1f}×  {verdict(found['ratio'], goal)}" if goal else ""
        print(
            f"{name:<36}{found['median']:>10.1f}{found['p95']:>8.1f}{found['ratio']:>7.2f}×  {said}"
        )


if __name__ == "__main__":
    main()
