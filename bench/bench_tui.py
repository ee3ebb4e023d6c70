"""App benchmarks: process start to a painted board, a focus move, and memory.

    python bench/bench_tui.py [--runs N] [--dir FOLDER] [--src FOLDER]

Everything is measured against a minimal Textual app (Header, Static, Footer) started
the same way, so the numbers say what formboard adds, not how fast this machine is.
Prints a table against the targets and writes JSON to bench/results/. ``--src`` points
at another source tree (a checkout with a proposed change) to measure instead of ours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from boards import board_with  # bench/ is sys.path[0] when run as a script
from stats import summary, verdict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SIZE = (160, 50)  # wide enough for all five columns
START_BOARDS = (20, 250, 1000)
MOVE_BOARDS = (20, 1000)
MOVES_PER_RUN = 10  # per kind of move; 5 runs give 50 of each
NOOP_KEY = "f19"  # bound to nothing: its cost is the pilot's and the key dispatch's

# The child process: start an app headless, report when the screen first shows what
# we wait for, then quit. The time is taken at the end of the compositor refresh that
# first painted it: for formboard, one in which every visible column drew card lines at
# the width the layout gave it (not a provisional frame the board redraws at once).
# formboard starts the way a person starts it, through the `formboard open BOARD`
# console script (formboard.startup.main); the instruments are fitted as their modules
# are imported, so nothing is imported earlier than it would be.
CHILD = r"""
import importlib.abc, importlib.util, json, os, sys, time
spec = json.loads(sys.argv[1])
sys.path.insert(0, spec["src"])
SIZE = tuple(spec["size"])
state = {"reported": False, "painted": set()}

def memory_kb():
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

class AfterImport(importlib.abc.MetaPathFinder):
    # Runs a hook on a module right after it is first executed.

    def __init__(self, hooks):
        self.hooks = hooks

    def find_spec(self, name, path, target=None):
        hook = self.hooks.pop(name, None)
        if hook is None:
            return None
        found = importlib.util.find_spec(name)
        run = found.loader.exec_module

        def exec_module(module):
            run(module)
            hook(module)

        found.loader.exec_module = exec_module
        return found

def ready(app):
    if spec["app"] == "minimal":
        return True
    visible = min(5, SIZE[0] // 24)  # MIN_COLUMN_WIDTH
    return getattr(app, "_loaded", False) and len(state["painted"]) >= visible

def fit_screen(module):
    refresh = module.Screen._compositor_refresh

    def timed_refresh(self):
        refresh(self)
        if not state["reported"] and self is self.app.screen and ready(self.app):
            state["reported"] = True
            painted_at = time.time()
            rss, peak = memory_kb()
            line = json.dumps({"painted_at": painted_at, "rss_kb": rss, "peak_kb": peak})
            os.write(1, (line + "\n").encode())
            self.app.exit()

    module.Screen._compositor_refresh = timed_refresh

def fit_app(module):
    run = module.App.run
    module.App.run = lambda self, **kw: run(self, headless=True, size=SIZE)

def fit_cli_app(module):
    module.require_terminal = lambda: None  # headless, and stdout is our pipe

def fit_column(module):
    render_line = module.ColumnList.render_line

    def counting_render_line(self, y):
        # Painted where it stays: at the width Textual laid the column out to (a frame
        # drawn before the layout, at a guessed width, is not yet the board).
        if self.cards and self._laid_width == self.scrollable_content_region.width:
            state["painted"].add(self.column)
        return render_line(self, y)

    module.ColumnList.render_line = counting_render_line

sys.meta_path.insert(0, AfterImport({
    "textual.screen": fit_screen,
    "textual.app": fit_app,
    "formboard.cli_app": fit_cli_app,  # before the CLI became a package (for --src)
    "formboard.cli.app": fit_cli_app,
    "formboard.tui.widgets.column": fit_column,
}))

if spec["app"] == "minimal":
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Minimal(App):
        def compose(self):
            yield Header()
            yield Static("A minimal app, started the same way.")
            yield Footer()

    Minimal().run()
else:
    sys.argv = ["formboard", "open", spec["board"]]
    from formboard.startup import main

    main()
"""

# ------------------------------------------------------------------ start-up


# An installed formboard has its bytecode compiled by pip, as Textual's is; a source
# checkout gets it from the warm-up run, unless the environment forbids writing it.
def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def start_once(app: str, src: Path, board: Path | None) -> dict[str, float]:
    """Spawn a fresh interpreter running ``app``; ms from just before Popen to painted."""
    spec = {"app": app, "src": str(src), "board": str(board or ""), "size": SIZE}
    started_at = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(spec)],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{app} did not report a paint (exit {proc.returncode}):\n{err}")
    report = json.loads(lines[0])
    return {
        "ms": (report["painted_at"] - started_at) * 1000,
        "rss_mb": report["rss_kb"] / 1024,
        "peak_mb": report["peak_kb"] / 1024,
    }


def bench_start(folder: Path, src: Path, runs: int) -> dict[str, Any]:
    boards = {cards: board_with(folder, f"board-{cards}", cards) for cards in START_BOARDS}
    kinds: list[tuple[str, str, Path | None]] = [("minimal", "minimal", None)]
    kinds += [(f"board-{cards}", "formboard", path) for cards, path in boards.items()]
    for _name, app, board in kinds:  # warm the OS cache and the .pyc files
        start_once(app, src, board)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in kinds}
    order = random.Random(7)
    for _ in range(runs):  # interleaved, so a noisy moment hits every kind alike,
        # in a new order each run, so no kind always follows the same one
        for name, app, board in order.sample(kinds, len(kinds)):
            samples[name].append(start_once(app, src, board))
    return {
        name: {key: summary([s[key] for s in runs_]) for key in ("ms", "rss_mb", "peak_mb")}
        for name, runs_ in samples.items()
    }


# --------------------------------------------------------------- focus moves


class MoveTimer:
    """Presses keys in a running app and times each move.

    Per key: the CPU time of the app's own thread for the whole move (key handling,
    footer, repaint; the pilot's idle waits sleep, and the session and presence threads
    are not counted) and the wall time from the key to the end of the first repaint
    after it (the frame that shows the move).
    """

    def __init__(self, app: Any, pilot: Any) -> None:
        self.app, self.pilot = app, pilot
        kinds = ("vertical", "horizontal", "scrolling", "noop")
        self.cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
        self.frame: dict[str, list[float]] = {kind: [] for kind in self.cpu}
        self.stuck = dict.fromkeys(self.cpu, 0)
        self.frames: list[float] = []
        screen = app.screen
        repaint = screen._compositor_refresh

        def timed_repaint() -> None:
            repaint()
            self.frames.append(time.perf_counter())

        screen._compositor_refresh = timed_repaint

    async def move(self, key: str, kind: str, timed: bool = True) -> None:
        view = self.app.board_screen.board_view
        before = (view.current_column, view.column_list.cursor)
        self.frames.clear()
        c0, t0 = time.thread_time(), time.perf_counter()
        await self.pilot.press(key)
        await self.pilot.pause()
        cpu = (time.thread_time() - c0) * 1000
        if kind != "noop" and (view.current_column, view.column_list.cursor) == before:
            self.stuck[kind] += 1  # the key did something else (scrolled?), not a move
        if timed:
            self.cpu[kind].append(cpu)
            if self.frames:
                self.frame[kind].append((self.frames[0] - t0) * 1000)


async def time_moves(board: Path, runs: int) -> dict[str, Any]:
    """Open the board ``runs`` times and time down/up, right/left and scrolling moves."""
    from formboard.tui.app import FormboardApp

    timers: list[MoveTimer] = []
    for _ in range(runs):
        app = FormboardApp(board)
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.monotonic() + 60
            while not (app._loaded and app.board_screen.board_view.cards):
                if time.monotonic() > deadline:
                    raise RuntimeError("the board did not load in a minute")
                await pilot.pause(0.02)
            await pilot.pause()
            timer = MoveTimer(app, pilot)
            timers.append(timer)
            for key in ("down", "up", "right", "left"):  # warm-up: first-use caches
                await timer.move(key, "vertical", timed=False)
            timer.stuck["vertical"] = 0
            for i in range(MOVES_PER_RUN):
                await timer.move("down" if i % 2 == 0 else "up", "vertical")
            for i in range(MOVES_PER_RUN):
                await timer.move("right" if i % 2 == 0 else "left", "horizontal")
            for _ in range(MOVES_PER_RUN):  # what the pilot and a key cost by themselves
                await timer.move(NOOP_KEY, "noop")
            # Down past the bottom of the view: every move also scrolls the column.
            column = app.board_screen.board_view.column_list
            rows_in_view = column.size.height // 4
            if len(column.cards) > rows_in_view + MOVES_PER_RUN + 1:
                for _ in range(rows_in_view):
                    await timer.move("down", "scrolling", timed=False)
                timer.stuck["scrolling"] = 0
                for _ in range(MOVES_PER_RUN):
                    await timer.move("down", "scrolling")

    def merged(attribute: str) -> dict[str, dict[str, float]]:
        kinds = {k: [x for t in timers for x in getattr(t, attribute)[k]] for k in timers[0].cpu}
        return {k: summary(v) for k, v in kinds.items() if v}

    return {
        "noop_samples_ms": [x for t in timers for x in t.cpu["noop"]],
        "cpu_ms": merged("cpu"),
        "first_frame_ms": merged("frame"),
        "keys_that_did_not_move_the_cursor": {
            k: sum(t.stuck[k] for t in timers) for k in timers[0].stuck
        },
    }


def bench_moves(folder: Path, runs: int) -> dict[str, Any]:
    results = {}
    for cards in MOVE_BOARDS:
        path = folder / f"board-{cards}.board"
        if not path.exists():
            path = board_with(folder, f"board-{cards}", cards)
        results[f"board-{cards}"] = asyncio.run(time_moves(path, runs))
    # The no-op key costs the same on any board (the widgets are the same); pooling both
    # boards' samples keeps its noise out of the ratios it is subtracted from.
    pooled = [x for cards in MOVE_BOARDS for x in results[f"board-{cards}"]["noop_samples_ms"]]
    results["noop_pooled_ms"] = statistics.median(pooled)
    return results


# -------------------------------------------------------------------- report


def report(start: dict[str, Any], moves: dict[str, Any], runs: int, src: Path) -> None:
    print(f"formboard app benchmarks — {runs} runs, {SIZE[0]}×{SIZE[1]}, source {src}")
    print(f"{'measure':<52}{'median':>9}{'p95':>9}{'ratio':>8}  target")
    if start:
        report_start(start)
    if moves:
        report_moves(moves)


def report_start(start: dict[str, Any]) -> None:
    base = start["minimal"]["ms"]["median"]
    print("process start → painted (ms)")
    for name, target in (("minimal", ""), ("board-20", ""), ("board-250", 2), ("board-1000", 4)):
        s = start[name]["ms"]
        ratio = s["median"] / base
        goal = f"≤ {target}× minimal  {verdict(ratio, target)}" if target else ""
        label = "  minimal app (Header, Static, Footer)" if name == "minimal" else f"  {name}"
        print(f"{label:<52}{s['median']:>9.1f}{s['p95']:>9.1f}{ratio:>7.2f}×  {goal}")
    print("resident memory after load (MB)")
    for name in ("minimal", "board-1000"):
        s = start[name]["rss_mb"]
        goal = f"≤ 150  {verdict(s['median'], 150)}" if name == "board-1000" else ""
        print(f"{'  ' + name + ' (VmRSS)':<52}{s['median']:>9.1f}{s['p95']:>9.1f}{'':>8}  {goal}")


def report_moves(moves: dict[str, Any]) -> None:
    for measure, title in (
        ("cpu_ms", "focus move, app-thread CPU incl. repaint (ms; ratio net of the no-op key)"),
        ("first_frame_ms", "focus move, key → first repaint, wall (ms)"),
    ):
        print(title)
        small = moves["board-20"][measure]
        big = moves["board-1000"][measure]
        # CPU ratios are of the move's own cost: the no-op key's cost (the same on both
        # boards) is taken off first, or it would pull every ratio towards 1.
        noop = moves["noop_pooled_ms"] if "noop" in small else 0.0
        noop_small = noop_big = noop
        for name, s in (("board-20", small), ("board-1000", big)):
            if "noop" in s:
                label = f"  no-op key (pilot + dispatch), {name}"
                print(f"{label:<52}{s['noop']['median']:>9.2f}{s['noop']['p95']:>9.2f}")
        if noop:
            print(f"{'  no-op key, both boards (taken off for the ratios)':<52}{noop:>9.2f}")
        for kind in ("vertical", "horizontal"):
            ratio = max(big[kind]["median"] - noop_big, 0.01) / max(
                small[kind]["median"] - noop_small, 0.01
            )
            for name, s in (("board-20", small[kind]), ("board-1000", big[kind])):
                is_big = name == "board-1000"
                goal = f"≤ 1.5× board-20  {verdict(ratio, 1.5)}" if is_big else ""
                r = f"{ratio:>7.2f}×" if is_big else f"{'':>8}"
                label = f"  {kind} ({'down/up' if kind == 'vertical' else 'right/left'}), {name}"
                print(f"{label:<52}{s['median']:>9.2f}{s['p95']:>9.2f}{r}  {goal}")
        if "scrolling" in big:
            s = big["scrolling"]
            ratio = max(s["median"] - noop_big, 0.01) / max(
                small["vertical"]["median"] - noop_small, 0.01
            )
            label = "  down with a scroll, board-1000"
            print(
                f"{label:<52}{s['median']:>9.2f}{s['p95']:>9.2f}{ratio:>7.2f}×  (vs board-20 down/up)"
            )


def warn_stuck(moves: dict[str, Any]) -> None:
    for name, result in moves.items():
        if not isinstance(result, dict):
            continue
        for kind, count in result["keys_that_did_not_move_the_cursor"].items():
            if count:
                print(
                    f"WARNING {name}: {count} {kind} key presses did not move the cursor "
                    "(the key went to something else, e.g. scrolling the column)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the test boards")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="source tree to measure")
    parser.add_argument(
        "--only", choices=("start", "moves"), default=None, help="measure one part only"
    )
    args = parser.parse_args()
    src = args.src.resolve()
    sys.path.insert(0, str(src))
    folder = Path(tempfile.mkdtemp(prefix="formboard-bench-tui-", dir=args.dir))
    # A fictional practitioner with throwaway folders, inherited by the child processes.
    os.environ["FORMBOARD_USER"] = "Bench Runner"
    os.environ["FORMBOARD_DISCIPLINE"] = "psychology"
    os.environ["FORMBOARD_CONFIG_DIR"] = str(folder / "config")
    os.environ["FORMBOARD_DATA_DIR"] = str(folder / "data")
    os.environ.pop("NO_COLOR", None)
    try:
        start = bench_start(folder, src, args.runs) if args.only != "moves" else {}
        moves = bench_moves(folder, args.runs) if args.only != "start" else {}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(start, moves, args.runs, src)
    warn_stuck(moves)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "runs": args.runs,
        "size": SIZE,
        "src": str(src),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "start": start,
        "moves": moves,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"tui-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
