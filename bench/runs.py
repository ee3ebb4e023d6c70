"""What every benchmark script does around its measures: a fictional practitioner in a
throwaway folder, timing a call, and writing the results to bench/results/."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stats import summary

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def fictional_folder(prefix: str, under: Path | None = None) -> Path:
    """A new temporary folder, with this process (and its children) a fictional
    practitioner whose settings and data live in it: a settings file as a person has one
    (its name and discipline), so reading it is part of every measure."""
    folder = Path(tempfile.mkdtemp(prefix=f"formboard-bench-{prefix}-", dir=under))
    (folder / "config").mkdir(mode=0o700)
    (folder / "config" / "config.toml").write_text(
        'name = "Bench Runner"\ndiscipline = "psychology"\n', encoding="utf-8"
    )
    os.environ.update(
        FORMBOARD_USER="Bench Runner", FORMBOARD_DISCIPLINE="psychology",
        FORMBOARD_CONFIG_DIR=str(folder / "config"), FORMBOARD_DATA_DIR=str(folder / "data"),
        PYTHONPATH=str(ROOT / "src"),
    )  # fmt: skip
    return folder


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    """Milliseconds of ``fn()`` over ``runs`` calls after one to warm up (imports, caches)."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


def save(kind: str, result: dict[str, Any]) -> None:
    """``bench/results/<kind>-<time>.json``, and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


def shuffled_rounds(todo: dict[str, Callable[[], float]], runs: int) -> dict[str, list[float]]:
    """Each measure once to warm (the page cache, .pyc files), then ``runs`` rounds of all
    of them in a new random order each: a noisy moment hits every measure of a round alike."""
    import random

    for measure in todo.values():
        measure()
    samples: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(runs):
        for name in random.sample(list(todo), len(todo)):
            samples[name].append(todo[name]())
    return samples


def board_on_a_server(board: Path) -> tuple[Any, str]:
    """A throwaway PostgreSQL cluster (tests/pg_cluster.py) holding a copy of ``board``:
    the cluster (stop it when done) and the board's address."""
    from tests.pg_cluster import Cluster

    from formboard.core.store import create_store
    from formboard.core.store.board_store import BoardStore

    cluster = Cluster(durable=True).start()
    if cluster.reason:
        raise SystemExit(f"No server to measure: {cluster.reason}.")
    url = cluster.url("C-BENCH")
    with BoardStore.open(board) as source, create_store(url, "C-BENCH") as store:
        store.load_board(source.board())
    return cluster, url
