"""The case meeting's costs on a big board: 1000 cards and 20,000 ops (issue 11).

    python bench/bench_meeting.py [--runs N] [--dir FOLDER] [--ops N]

- the board as it was at the oldest meeting (``store.board_at``), target ≤ 300 ms;
- the history's first page (``ops_page`` of 200, as sentences, as the screen builds its
  list), target ≤ 100 ms;
- since-last-meeting markers on open: process start to the first painted frame of the
  board with a meeting behind 19,800 ops, against the same board without meetings
  (``bench_tui``'s child, started the same way), target ≤ 1.10×; and, for information,
  what reading the markers costs (``touches_after`` + ``since.marks``) after that frame;
- ``formboard note BOARD --meeting 1`` for a 200-change meeting, a fresh process from
  start to exit, target ≤ 500 ms.

Medians over ``--runs``; building the board (20,000 writes through the store) takes
about two minutes. Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_tui import child_env, start_once  # bench/ is sys.path[0] when run as a script
from boards import board_with
from runs import fictional_folder, save, timed
from stats import summary, verdict

ROOT = Path(__file__).resolve().parents[1]
CARDS = 1000
MEETING_CHANGES = 200


def build(folder: Path, ops: int) -> Path:
    """The board: a first meeting of 200 changes, then ops up to ``ops`` in all."""
    from formboard.core.identity import Identity
    from formboard.core.store import BoardStore

    path = board_with(folder, "meeting-1000", CARDS)
    ana = Identity("ana", "Ana Ruiz", "psychology", "desk-1")
    ben = Identity("ben", "Ben Okafor", "psychiatry", "desk-2")
    rng = random.Random(11)
    with BoardStore.open(path, identity=ana) as a, BoardStore.open(path, identity=ben) as b:
        ids = [c.id for c in a.board().cards]
        a.start_meeting("The first review")
        for i in range(MEETING_CHANGES):
            change(rng.choice((a, b)), rng, ids, i)
        a.end_meeting()
        i = 0
        while a.ops_page(None, 1)[0].seq < ops:  # some moves change nothing, log nothing
            for _ in range(500):
                change(rng.choice((a, b)), rng, ids, i)
                i += 1
    return path


def change(store: Any, rng: random.Random, ids: list[str], i: int) -> None:
    card = rng.choice(ids)
    kind = rng.random()
    if kind < 0.45:
        store.edit_card(card, body=f"Seen again in week {i}: {rng.randint(1, 99)} times.")
    elif kind < 0.6:
        store.edit_card(card, status=rng.choice(("hypothesis", "agreed")))
    elif kind < 0.75:
        store.move_card(card, rng.choice(("symptoms", "sources", "qualities")))
    elif kind < 0.9:
        store.add_perspective(card, f"A reading of the week {i}.")
    else:
        store.edit_card(card, title=f"A part renamed in week {i}")


def first_page(store: Any) -> None:
    """What the history screen does for its first page, less Textual's own drawing."""
    from rich.text import Text

    from formboard.core.facts import local_time
    from formboard.core.history import said_by, sentence

    titles = TITLES
    for op in store.ops_page(None, 200):
        line = Text(f"{local_time(op.at)[5:]}  ", style="dim")
        line.append(said_by(op), style="bold").append(" ").append(sentence(op, titles))


TITLES: dict[str, str] = {}  # the app has the board's titles in its snapshot already


def markers(store: Any, since_rev: int) -> None:
    from formboard.core import since

    since.marks(store.touches_after(since_rev))


def without_meetings(path: Path) -> Path:
    copy = path.with_name("no-meetings.board")
    shutil.copy(path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM attendance")
        conn.execute("DELETE FROM meetings")
    return copy


def note_once(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "formboard", "note", str(path), "--meeting", "1"],
        env=child_env(), check=True, capture_output=True,
    )  # fmt: skip
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (default 5)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the board")
    parser.add_argument("--ops", type=int, default=20_000, help="ops on the board (20,000)")
    args = parser.parse_args()
    src = ROOT / "src"
    sys.path.insert(0, str(src))
    folder = fictional_folder("meeting", args.dir)
    from formboard.core.store import BoardStore

    try:
        started = time.perf_counter()
        path = build(folder, args.ops)
        print(f"built the board in {time.perf_counter() - started:.0f} s")
        with BoardStore.open(path, read_only=True) as store:
            first = store.meetings()[0]
            TITLES.update({c.id: c.title for c in store.board().cards})
            result: dict[str, Any] = {
                "ops": len(store.ops()),
                "as_it_was": timed(lambda: store.board_at(first.started_rev), args.runs),
                "first_page": timed(lambda: first_page(store), args.runs),
                "markers_read": timed(lambda: markers(store, first.ended_rev), args.runs),
            }
        plain = without_meetings(path)
        for board in (path, plain):  # warm up both
            start_once("formboard", src, board)
        frames: dict[str, list[float]] = {"markers": [], "none": []}
        for _ in range(args.runs):
            frames["markers"].append(start_once("formboard", src, path)["ms"])
            frames["none"].append(start_once("formboard", src, plain)["ms"])
        result["first_frame"] = {k: summary(v) for k, v in frames.items()}
        result["note"] = summary([note_once(path) for _ in range(args.runs + 1)][1:])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(result)
    save("meeting", result)


def report(r: dict[str, Any]) -> None:
    ratio = r["first_frame"]["markers"]["median"] / r["first_frame"]["none"]["median"]
    rows = [
        ("board as it was, oldest meeting", r["as_it_was"]["median"], 300.0, "ms"),
        ("history, first page", r["first_page"]["median"], 100.0, "ms"),
        ("first frame with markers / without", ratio, 1.10, "×"),
        ("note, 200-change meeting (process)", r["note"]["median"], 500.0, "ms"),
    ]
    print(f"{r['ops']} ops, {CARDS} cards; medians")
    for name, value, limit, unit in rows:
        print(f"  {name:<40} {value:9.2f} {unit:<3} target ≤ {limit:g}  {verdict(value, limit)}")
    print(f"  {'markers read after the frame (info)':<40} {r['markers_read']['median']:9.2f} ms")
    print(
        f"  {'first frame, markers / none (info)':<40} "
        f"{r['first_frame']['markers']['median']:.0f} / {r['first_frame']['none']['median']:.0f} ms"
    )


if __name__ == "__main__":
    main()
