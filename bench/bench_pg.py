"""Boards on PostgreSQL beside the board file, in the same run (issue 13).

    python bench/bench_pg.py [--runs N] [--writes N]

Starts a throwaway cluster (``tests/pg_cluster.py``: a Unix socket, no TCP, fsync on as a
server would have it) and, for the server and for a file on this disk, measures:

- a write's commit: ``store.edit_card`` from call to return, target ≤ 10 ms on the server;
- a colleague's write on my screen: from the call that writes it (another store, another
  connection) to my side having read the change (the watcher's nudge, then
  ``changes_since``), p95 — the server's LISTEN/NOTIFY against the file's events;
  target p95 ≤ 100 ms;
- opening a 1000-card board: ``open_store`` and ``board()``, target ≤ 100 ms;
- 4 writer processes × ``--writes`` ops: ops/s in all and the p95 of one op's commit.

Medians over ``--runs``; prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from boards import realistic_board  # bench/ is sys.path[0] when run as a script
from runs import fictional_folder, save
from stats import summary, verdict

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import json, sys, time
from formboard.core.store import open_store
where, n = sys.argv[1], int(sys.argv[2])
took = []
with open_store(where) as store:
    for i in range(n):
        started = time.perf_counter()
        store.add_card("symptoms", f"Writer card {i}")
        took.append((time.perf_counter() - started) * 1000)
print(json.dumps(took))
"""


def commits(location: Any, runs: int) -> list[float]:
    from formboard.core.store import open_store

    with open_store(location) as store:
        card = store.add_card("symptoms", "Panic at work")
        took = []
        for i in range(runs):
            started = time.perf_counter()
            store.edit_card(card.id, body=f"note {i}")
            took.append((time.perf_counter() - started) * 1000)
    return took


def seen(location: Any, runs: int) -> list[float]:
    """Milliseconds from a colleague's write call to my store having read it."""
    from formboard.core.store import open_store
    from formboard.core.watch import WatchMode

    mine, theirs = open_store(location), open_store(location)
    card = theirs.add_card("symptoms", "Shared card")
    arrived = threading.Event()
    state = {"rev": mine.revision(), "at": 0.0}

    def nudge() -> None:
        changes = mine.changes_since(state["rev"])
        if changes.revision > state["rev"]:
            state["rev"], state["at"] = changes.revision, time.perf_counter()
            arrived.set()

    watcher = mine.watch(nudge, WatchMode.EVENTS)
    watcher.start()
    time.sleep(0.5)
    took = []
    try:
        for i in range(runs):
            arrived.clear()
            started = time.perf_counter()
            theirs.edit_card(card.id, body=f"from a colleague {i}")
            if arrived.wait(5):
                took.append((state["at"] - started) * 1000)
            time.sleep(0.05)
    finally:
        watcher.stop()
        mine.close()
        theirs.close()
    return took


def opening(location: Any, runs: int) -> list[float]:
    from formboard.core.store import open_store

    took = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        with open_store(location, read_only=True) as store:
            store.board()
        took.append((time.perf_counter() - started) * 1000)
    return took[1:]


def writers(location: Any, n: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(location), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    took: list[float] = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        if proc.returncode:
            raise SystemExit(f"a writer failed: {err.strip().splitlines()[-1:]}")
        took += json.loads(out)
    elapsed = time.perf_counter() - started
    return {"ops_per_s": 4 * n / elapsed, **{f"op_{k}": v for k, v in summary(took).items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="samples per measure (50)")
    parser.add_argument("--writes", type=int, default=100, help="ops per writer (100)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    folder = fictional_folder("pg")
    from tests.pg_cluster import Cluster

    from formboard.core.store import create_store

    cluster = Cluster(durable=True).start()
    if cluster.reason:
        raise SystemExit(f"No server to measure: {cluster.reason}.")
    result: dict[str, Any] = {}
    try:
        big = realistic_board(1000)
        for name in ("server", "file"):

            def place(code: str, name: str = name) -> Any:
                return cluster.url(code) if name == "server" else folder / f"{code}.board"

            for code in ("C-COMMIT", "C-SEEN", "C-WRITERS"):
                create_store(place(code), code).close()
            with create_store(place("C-BIG"), "C-BIG") as store:
                store.load_board(big)
            result[name] = {
                "commit": summary(commits(place("C-COMMIT"), args.runs)),
                "seen": summary(seen(place("C-SEEN"), args.runs)),
                "open": summary(opening(place("C-BIG"), max(5, args.runs // 5))),
                "writers": writers(place("C-WRITERS"), args.writes),
            }
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    report(result)
    save("pg", result)


def report(r: dict[str, Any]) -> None:
    s, f = r["server"], r["file"]
    rows = [
        ("a write's commit (median)", s["commit"]["median"], f["commit"]["median"], 10.0),
        ("a colleague's write seen (p95)", s["seen"]["p95"], f["seen"]["p95"], 100.0),
        ("opening 1000 cards (median)", s["open"]["median"], f["open"]["median"], 100.0),
    ]
    print(f"{'':<34} {'server':>10} {'file':>10}   target (server)")
    for name, server, file, limit in rows:
        print(
            f"  {name:<32} {server:8.2f}ms {file:8.2f}ms   ≤ {limit:g} ms  {verdict(server, limit)}"
        )
    for key, label in (("ops_per_s", "4 writers: ops/s"), ("op_p95", "4 writers: p95 of an op")):
        unit = "" if key == "ops_per_s" else "ms"
        print(f"  {label:<32} {s['writers'][key]:8.1f}{unit:<2} {f['writers'][key]:8.1f}{unit}")


if __name__ == "__main__":
    main()
