"""Store benchmarks: write latency, change-feed cost, open + load, 4-writer contention, and
the first write after a writer on this computer crashed holding the lease.

    python bench/bench_store.py [--runs N] [--dir FOLDER]

Prints a table against the targets and writes JSON to bench/results/. Boards are
built in a temporary folder under ``--dir`` (default: the system temp folder),
which should be a local disk: the targets are for local disks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from formboard.core.model import Board, Card, Column  # noqa: E402
from formboard.core.store import BoardStore  # noqa: E402
from stats import summary  # noqa: E402  (bench/ is sys.path[0] when run as a script)

RESULTS = ROOT / "bench" / "results"
WRITES_PER_RUN = 50
FEED_SAMPLES_PER_RUN = 50
OPENS_PER_RUN = 5
CONTENTION_WRITERS = 4
CONTENTION_OPS = 100

# One contention writer: waits for the go file, then adds cards, timing each commit.
WRITER_SCRIPT = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from formboard.core.store import BoardStore
board, ops, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
store = BoardStore.open(board)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
latencies = []
for i in range(ops):
    t = time.perf_counter()
    store.add_card("symptoms", f"writer card {i}")
    latencies.append((time.perf_counter() - t) * 1000)
print(json.dumps(latencies))
"""


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def generated_board(cards: int) -> Board:
    columns = list(Column)
    return Board(
        client="C-BENCH",
        title="Benchmark",
        cards=tuple(
            Card(
                id=f"c{i:09d}",
                column=columns[i % len(columns)],
                position=float(i // len(columns) + 1) * 1024,
                title=f"Part of experience number {i}",
                body="A paragraph of formulation text that a team might write. " * 4,
            )
            for i in range(cards)
        ),
    )


def board_with(folder: Path, name: str, cards: int) -> Path:
    path = folder / f"{name}.board"
    with BoardStore.create(path, "C-BENCH") as store:
        if cards:
            store.load_board(generated_board(cards))
    return path


def bench_writes(folder: Path, runs: int) -> dict[str, Any]:
    adds: list[float] = []
    edits: list[float] = []
    for run in range(runs):
        path = board_with(folder, f"writes-{run}", 200)
        with BoardStore.open(path) as store:
            store.add_card("symptoms", "warm-up")  # the first write also records the member
            for i in range(WRITES_PER_RUN):
                adds.append(timed(lambda i=i: store.add_card("symptoms", f"new card {i}")))
            card = store.card("c000000000")
            for i in range(WRITES_PER_RUN):
                t = time.perf_counter()
                card = store.edit_card(card.id, base_rev=card.rev, body=f"edit {i}")
                edits.append((time.perf_counter() - t) * 1000)
    return {"add_card_ms": summary(adds), "edit_card_ms": summary(edits)}


def bench_feed(folder: Path, runs: int, cards: int) -> dict[str, float]:
    samples: list[float] = []
    path = board_with(folder, f"feed-{cards}", cards)
    with BoardStore.open(path) as store:
        card = store.card("c000000001")
        for _ in range(runs):
            for i in range(FEED_SAMPLES_PER_RUN):
                since = store.revision()
                card = store.edit_card(card.id, base_rev=card.rev, body=f"change {i}")
                t = time.perf_counter()
                changes = store.changes_since(since)
                samples.append((time.perf_counter() - t) * 1000)
                assert [c.id for c in changes.cards_changed] == [card.id] and not changes.full
    return summary(samples)


def bench_open(folder: Path, runs: int) -> dict[str, float]:
    path = board_with(folder, "open-1000", 1000)
    samples: list[float] = []

    def open_and_load() -> None:
        with BoardStore.open(path) as store:
            assert len(store.board().cards) == 1000

    open_and_load()  # warm the OS cache and the imports, as a second open in the app would
    for _ in range(runs * OPENS_PER_RUN):
        samples.append(timed(open_and_load))
    return summary(samples)


def bench_contention(folder: Path, runs: int) -> dict[str, Any]:
    throughput: list[float] = []
    latencies: list[float] = []
    env = dict(os.environ)
    for run in range(runs):
        path = board_with(folder, f"contention-{run}", 0)
        go = folder / f"go-{run}"
        command = [sys.executable, "-c", WRITER_SCRIPT, str(path), str(CONTENTION_OPS), str(go)]
        command.append(str(ROOT / "src"))
        procs = [
            subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
            for _ in range(CONTENTION_WRITERS)
        ]
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        go.touch()
        outs = [p.communicate()[0] for p in procs]
        wall = time.perf_counter() - started
        for out in outs:
            latencies.extend(json.loads(out.strip().splitlines()[-1]))
        throughput.append(CONTENTION_WRITERS * CONTENTION_OPS / wall)
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == (
            CONTENTION_WRITERS * CONTENTION_OPS
        )
        conn.close()
    return {"ops_per_s": statistics.median(throughput), "commit_ms": summary(latencies)}


# A writer that takes the lease and is killed holding it (mid-write, as a crash would be).
CRASHING_WRITER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from formboard.core.store import BoardStore
store = BoardStore.open(sys.argv[1])
store.lease.acquire()
print("holding", flush=True)
time.sleep(60)
"""
CRASHES_PER_RUN = 3


def bench_crash_recovery(folder: Path, runs: int) -> dict[str, float]:
    """The next write after a writer on this computer was killed holding the lease (ms)."""
    path = board_with(folder, "crash", 20)
    samples: list[float] = []
    with BoardStore.open(path) as store:
        for i in range(runs * CRASHES_PER_RUN):
            crash = subprocess.Popen(
                [sys.executable, "-c", CRASHING_WRITER, str(path), str(ROOT / "src")],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert crash.stdout is not None and crash.stdout.readline().strip() == "holding"
            crash.kill()
            crash.wait()
            crash.stdout.close()
            samples.append(timed(lambda i=i: store.add_card("symptoms", f"after crash {i}")))
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the test boards")
    args = parser.parse_args()
    os.environ.setdefault("FORMBOARD_USER", "Bench Runner")
    os.environ.setdefault("FORMBOARD_DISCIPLINE", "psychology")
    folder = Path(tempfile.mkdtemp(prefix="formboard-bench-", dir=args.dir))
    os.environ.setdefault("FORMBOARD_CONFIG_DIR", str(folder / "config"))
    try:
        writes = bench_writes(folder, args.runs)
        feed_big = bench_feed(folder, args.runs, 5000)
        feed_small = bench_feed(folder, args.runs, 20)
        opening = bench_open(folder, args.runs)
        contention = bench_contention(folder, args.runs)
        recovery = bench_crash_recovery(folder, args.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = feed_big["median"] / feed_small["median"]
    rows = [
        ("add_card commit (ms)", writes["add_card_ms"], "≤ 10"),
        ("edit_card commit (ms)", writes["edit_card_ms"], "≤ 10"),
        ("changes_since, 1 change, 5000 cards (ms)", feed_big, "≤ 2"),
        ("changes_since, 1 change, 20 cards (ms)", feed_small, ""),
        ("open + load, 1000 cards (ms)", opening, "≤ 50"),
        ("4 writers: commit latency (ms)", contention["commit_ms"], ""),
        ("write after a local crash held the lease (ms)", recovery, "≤ 1000"),
    ]
    print(f"formboard store benchmarks — {args.runs} runs, local folder {folder.parent}")
    print(f"{'measure':<44}{'median':>9}{'p95':>9}{'max':>9}  target")
    for name, s, target in rows:
        print(f"{name:<44}{s['median']:>9.2f}{s['p95']:>9.2f}{s['max']:>9.2f}  {target}")
    print(f"{'changes_since ratio 5000 / 20 cards':<44}{ratio:>9.2f}{'':>18}  ≤ 2")
    print(f"{'4 writers: throughput (ops/s)':<44}{contention['ops_per_s']:>9.0f}")
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "runs": args.runs,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "writes": writes,
        "changes_since_5000": feed_big,
        "changes_since_20": feed_small,
        "changes_since_ratio": ratio,
        "open_load_1000": opening,
        "contention": contention,
        "crash_recovery": recovery,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"store-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
