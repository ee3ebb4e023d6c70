"""The record's HTML export on a big board: 250 cards (issue 12, pictures for the record).

    python bench/bench_export.py [--runs N] [--dir FOLDER] [--cards N]

- ``formboard export BOARD --format html -o FILE``: a fresh process from start to exit,
  as a person runs it, target ≤ 1 s;
- for information, the page alone (``board_to_html`` on a board already read: cycles, the
  diagram's layout, the text), and the same export as markdown, as a process.

Medians over ``--runs``. Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_tui import child_env
from boards import board_with
from runs import fictional_folder, save, timed
from stats import verdict

ROOT = Path(__file__).resolve().parents[1]


def export_once(path: Path, fmt: str, out: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "formboard", "export", str(path), "--format", fmt, "-o", str(out)],
        env=child_env(), check=True, capture_output=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measure (default 7)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the board")
    parser.add_argument("--cards", type=int, default=250, help="cards on the board (250)")
    args = parser.parse_args()
    src = ROOT / "src"
    sys.path.insert(0, str(src))
    folder = fictional_folder("export", args.dir)
    from formboard.core.graph import cycles
    from formboard.core.record_html import board_to_html
    from formboard.core.store import BoardStore

    try:
        path = board_with(folder, f"export-{args.cards}", args.cards)
        with BoardStore.open(path, read_only=True) as store:
            board = store.board()
        page = board_to_html(board)
        result: dict[str, Any] = {
            "cards": len(board.cards),
            "links": len(board.links),
            "cycles": len(cycles(board)),
            "kib": len(page.encode()) / 1024,
            "page": timed(lambda: board_to_html(board), args.runs),
            "html": timed(lambda: export_once(path, "html", folder / "r.html"), args.runs),
            "markdown": timed(lambda: export_once(path, "markdown", folder / "r.md"), args.runs),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(result)
    save("export", result)


def report(r: dict[str, Any]) -> None:
    print(
        f"{r['cards']} cards, {r['links']} links, {r['cycles']} maintaining cycles; "
        f"the page is {r['kib']:.0f} KiB; medians"
    )
    value = r["html"]["median"]
    print(f"  {'export --format html (process)':<36} {value:9.1f} ms  target ≤ 1000  "
          f"{verdict(value, 1000.0)}")  # fmt: skip
    print(f"  {'board_to_html alone (info)':<36} {r['page']['median']:9.1f} ms")
    print(f"  {'export --format markdown (info)':<36} {r['markdown']['median']:9.1f} ms")


if __name__ == "__main__":
    main()
