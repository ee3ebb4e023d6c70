"""Live-board benchmarks: a colleague's write → on my screen, applying a change, idle CPU.

    python bench/bench_live.py [--runs N] [--writes N] [--dir FOLDER] [--no-lab]
                               [--only latency,apply,cpu] [--src FOLDER] [--patch NAME]

1. Latency: a writer PROCESS edits a card ~20 times, ~0.7 s apart with random jitter
   (so the write lands anywhere in the poll cycle), and records each commit time; the app,
   headless in another process, records when the change set was applied and the refresh
   that showed it ran. Latency = visible − commit. Local disk in events and poll mode;
   through the network-drive lab (tests/netlab.py: sshd + two sshfs mounts of one
   folder) with the writer on mount A and the app on mount B (no caches) and on mount A
   (sshfs's default caches), polling, when the lab can run here.
2. Apply: ``BoardView.apply`` of a one-card change set (a title change) plus the screen
   update that repaints it (``await pilot.pause()``), in-process with ``run_test``, on a
   1000- and a 20-card board. The target figure is the CPU time of the UI thread in
   apply + that update (``time.thread_time``): it is what the work costs, and unlike wall
   time it does not grow when another process takes the core; wall times are shown too.
   For information, the same for a colleague's presence change (the presence bar).
3. Idle CPU: the app headless in a child process on a 250-card board, settled 3 s, then
   its CPU time (/proc/<pid>/stat utime+stime) over 20 s → percent of one core; poll and
   events mode (and poll through lab mount B), with a per-thread split.

Prints a table against the targets and writes JSON to bench/results/. ``--src`` measures
another source tree (the ``src`` of a full checkout: the app looks for ``themes/`` beside
it); ``--patch`` applies a named monkeypatch from bench/live_child.py (PATCHES) in every
app, to measure a proposed fix without editing src/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import queue
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from boards import board_with  # bench/ is sys.path[0] when run as a script
from stats import summary, verdict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHILD = Path(__file__).resolve().parent / "live_child.py"
SIZE = (160, 50)  # wide enough for all five columns
LATENCY_CARDS = 250
WRITE_GAP = (0.45, 0.95)  # seconds between writes: ~0.7 s, uniform jitter
APPLY_BOARDS = (1000, 20)
APPLIES_PER_RUN = 30
APPLY_WARMUP = 5
CPU_CARDS = 250
CPU_SETTLE = 3.0
CPU_WINDOW = 20.0
EDITED_CARD = "c000000005"  # the second card of Symptoms: on screen, not under the cursor
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGETS = {
    "events_p95_ms": 250.0,
    "poll_p95_ms": 1500.0,
    "apply_1000_ms": 30.0,
    "apply_ratio": 2.0,
    "idle_cpu_poll_pct": 2.0,
}


# --------------------------------------------------------------- child procs


class Child:
    """A live_child.py process; its JSON lines arrive on a queue, read by a thread."""

    def __init__(self, kind: str, spec: dict[str, Any], env: dict[str, str] | None = None):
        self.kind = kind
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish)
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), kind, json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    self.lines.put(json.loads(line))
        self.lines.put(None)

    def stderr(self) -> str:
        if self.err.closed:
            return ""
        self.err.seek(0)
        return self.err.read().decode(errors="replace")[-3000:]

    def expect(self, event: str, timeout: float) -> dict[str, Any]:
        """The next line with ``event`` (other lines are dropped)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"{self.kind} ended before {event!r}:\n{self.stderr()}")
            if line.get("event") == event:
                return line
        raise RuntimeError(f"{self.kind} did not say {event!r} in {timeout:.0f} s")

    def drain(self) -> list[dict[str, Any]]:
        got = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return got
            if line is not None:
                got.append(line)

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def finish(self, timeout: float = 10.0) -> None:
        self.send("quit")
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=2)
        self.err.close()


def proc_cpu_ticks(pid: int, tid: int | None = None) -> int:
    """utime + stime of a process (or one of its threads), in clock ticks."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    with open(path) as f:
        fields = f.read().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def thread_ticks(pid: int) -> dict[int, int]:
    ticks = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):  # a thread that just ended
            ticks[int(tid)] = proc_cpu_ticks(pid, int(tid))
    return ticks


# ------------------------------------------------------------ 1. latency


def latency_run(
    spec: dict[str, Any],
    app_board: Path,
    writer_board: Path,
    mode: str,
    writes: int,
    seed: int,
    writer_env: dict[str, str],
) -> dict[str, Any]:
    """One app, one writer process, ``writes`` edits: the latency of each."""
    writer = Child(
        "writer",
        {**spec, "board": str(writer_board), "card": EDITED_CARD, "count": writes,
         "gap": WRITE_GAP, "seed": seed},
        env=writer_env,
    )  # fmt: skip
    app = None
    try:
        writer.expect("ready", 60)
        app = Child("app", {**spec, "board": str(app_board), "mode": mode, "size": SIZE})
        loaded = app.expect("loaded", 60)
        time.sleep(1.5)  # the session's first sync and the watcher's priming are done
        app.drain()
        writer.send("go")
        commits = []
        for _ in range(writes):
            commits.append(writer.expect("write", 30))
        writer.expect("done", 30)
        last = commits[-1]["revision"]
        shown: list[dict[str, Any]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(v["revision"] >= last for v in shown):
            try:
                line = app.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"the app ended early:\n{app.stderr()}")
            if line.get("event") == "visible":
                shown.append(line)
    finally:
        writer.finish()
        if app is not None:
            app.finish()
    latencies, missed = [], 0
    stages: dict[str, list[float]] = {
        k: [] for k in ("detect", "read", "deliver", "apply", "repaint")
    }
    for commit in commits:
        seen = next((v for v in shown if v["since"] < commit["revision"] <= v["revision"]), None)
        if seen is None:
            missed += 1
            continue
        latencies.append((seen["visible"] - commit["committed"]) * 1000)
        if seen["fired"] and seen["posted"]:
            stages["detect"].append((seen["fired"] - commit["committed"]) * 1000)
            stages["read"].append((seen["posted"] - seen["fired"]) * 1000)
            stages["deliver"].append((seen["apply_start"] - seen["posted"]) * 1000)
        stages["apply"].append((seen["applied"] - seen["apply_start"]) * 1000)
        stages["repaint"].append((seen["visible"] - seen["applied"]) * 1000)
    return {
        "latency_ms": latencies,
        "missed": missed,
        "stages_ms": stages,
        "reason": loaded["reason"],
        "change_sets": len(shown),
        "write_ms": [(c["committed"] - c["began"]) * 1000 for c in commits],
    }


def bench_latency(
    spec: dict[str, Any], scenarios: list[dict[str, Any]], runs: int, writes: int
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    per_run: dict[str, list[dict[str, Any]]] = {s["name"]: [] for s in scenarios}
    writer_env = {
        **os.environ,
        "FORMBOARD_USER": "Ben Okafor",
        "FORMBOARD_DISCIPLINE": "psychiatry",
        "FORMBOARD_DATA_DIR": os.environ["FORMBOARD_DATA_DIR"] + "-writer",
    }
    for run in range(runs):  # interleaved, so a noisy moment hits every scenario alike
        for s in scenarios:
            print(f"  latency {s['name']}, run {run + 1}/{runs} …", file=sys.stderr, flush=True)
            per_run[s["name"]].append(
                latency_run(
                    spec, s["app_board"], s["writer_board"], s["mode"], writes,
                    seed=1000 * run + len(per_run[s["name"]]), writer_env=writer_env,
                )
            )  # fmt: skip
    for s in scenarios:
        name, done = s["name"], per_run[s["name"]]
        all_lat = [x for r in done for x in r["latency_ms"]]
        results[name] = {
            "mode": s["mode"],
            "where": s["where"],
            "reason": done[0]["reason"],
            "latency_ms": summary(all_lat),
            "p95_per_run_ms": [summary(r["latency_ms"])["p95"] for r in done],
            "missed": sum(r["missed"] for r in done),
            "writes": sum(len(r["latency_ms"]) + r["missed"] for r in done),
            "change_sets": sum(r["change_sets"] for r in done),
            "writer_commit_ms": summary([x for r in done for x in r["write_ms"]]),
            "stages_ms": {
                k: summary([x for r in done for x in r["stages_ms"][k]])
                for k in done[0]["stages_ms"]
            },
            "samples_ms": all_lat,
        }
    return results


# -------------------------------------------------------------- 2. apply


async def time_apply(board: Path, runs: int) -> dict[str, Any]:
    """``BoardView.apply`` of a one-card title change, then the repaint, ``runs`` apps."""
    from textual.screen import Screen

    from formboard.core.changes import ChangeSet
    from formboard.tui.app import FormboardApp

    # (start, wall duration, CPU duration of this thread) of screen updates with work to do
    updates: list[tuple[float, float, float]] = []
    original = Screen._on_timer_update

    def timed_update(self: Screen) -> None:
        busy = bool(
            self._layout_required
            or self._scroll_required
            or self._repaint_required
            or self._dirty_widgets
        )
        t, c = time.perf_counter(), time.thread_time()
        original(self)
        if busy:
            updates.append((t, time.perf_counter() - t, time.thread_time() - c))

    Screen._on_timer_update = timed_update  # type: ignore[method-assign]
    kinds = ("work", "apply", "repaint", "work_wall", "to_frame", "cpu", "pause_wall", "presence")
    samples: dict[str, list[float]] = {k: [] for k in kinds}
    quiet = {"poll_interval": 3600.0, "fresh_check": 3600.0}  # nobody writes; no polling
    try:
        for _ in range(runs):
            app = FormboardApp(board, watch="poll", watch_options=quiet)
            async with app.run_test(size=SIZE) as pilot:
                deadline = time.monotonic() + 60
                while not (app._loaded and app.board_screen.board_view.cards):
                    if time.monotonic() > deadline:
                        raise RuntimeError("the board did not load in a minute")
                    await pilot.pause(0.02)
                await pilot.pause()
                view = app.board_screen.board_view
                revision = app.session.state.revision
                for i in range(APPLY_WARMUP + APPLIES_PER_RUN):
                    card = view.cards[EDITED_CARD]
                    title = f"Retitled by a colleague {i}"
                    changed = card.model_copy(update={"title": title, "rev": card.rev + 1})
                    changes = ChangeSet(
                        since=revision, revision=revision + 1, cards_changed=[changed]
                    )
                    revision += 1
                    updates.clear()
                    c0, t0, th0 = time.process_time(), time.perf_counter(), time.thread_time()
                    view.apply(changes, view.state.apply(changes))
                    t1, th1 = time.perf_counter(), time.thread_time()
                    await pilot.pause()
                    c1, t2 = time.process_time(), time.perf_counter()
                    column = view.panes[changed.column].cards
                    assert column.cards[1].title == title, "the change did not reach the column"
                    if i < APPLY_WARMUP:
                        continue
                    repaint = sum(cpu for start, _, cpu in updates if start >= t1)
                    repaint_wall = sum(d for start, d, _ in updates if start >= t1)
                    samples["apply"].append((th1 - th0) * 1000)
                    samples["repaint"].append(repaint * 1000)
                    samples["work"].append((th1 - th0 + repaint) * 1000)
                    samples["work_wall"].append((t1 - t0 + repaint_wall) * 1000)
                    if updates:
                        start, d, _ = updates[0]
                        samples["to_frame"].append((start + d - t0) * 1000)
                    samples["cpu"].append((c1 - c0) * 1000)
                    samples["pause_wall"].append((t2 - t0) * 1000)
                # A colleague moves their cursor: the presence bar changes (informational).
                for i in range(APPLY_WARMUP + APPLIES_PER_RUN):
                    others = [colleague(f"c{(i % 7) * 5:09d}")]
                    if i % 2:
                        others.append(colleague("c000000010", "Chidi Mensah"))
                    updates.clear()
                    th0 = time.thread_time()
                    app.board_screen.presence_bar.show(others, None)
                    th1, t1 = time.thread_time(), time.perf_counter()
                    await pilot.pause()
                    if i >= APPLY_WARMUP:
                        repaint = sum(cpu for start, _, cpu in updates if start >= t1)
                        samples["presence"].append((th1 - th0 + repaint) * 1000)
    finally:
        Screen._on_timer_update = original  # type: ignore[method-assign]
    return {k: summary(v) for k, v in samples.items()}


def colleague(card_id: str, name: str = "Ben Okafor") -> Any:
    """A presence entry for a fictional colleague focused on ``card_id``."""
    from formboard.core.model import initials_of
    from formboard.core.presence import PresenceEntry

    login = name.split()[0].lower()
    return PresenceEntry(
        login=login, name=name, discipline="psychiatry", initials=initials_of(name),
        host=f"{login}-pc", pid=4242, client_id=f"client-{login}", focused=card_id,
        following=None, at="", beat=1,
    )  # fmt: skip


def bench_apply(folder: Path, runs: int) -> dict[str, Any]:
    results = {}
    for cards in APPLY_BOARDS:
        path = board_with(folder, f"apply-{cards}", cards)
        print(f"  apply, {cards} cards …", file=sys.stderr, flush=True)
        results[f"board-{cards}"] = asyncio.run(time_apply(path, runs))
    return results


# ---------------------------------------------------------------- 3. CPU


def cpu_run(spec: dict[str, Any], board: Path, mode: str) -> dict[str, Any]:
    app = Child("app", {**spec, "board": str(board), "mode": mode, "size": SIZE})
    try:
        loaded = app.expect("loaded", 60)
        pid = loaded["pid"]
        app.send("threads")
        names = {int(k): v for k, v in app.expect("threads", 10)["threads"].items()}
        time.sleep(CPU_SETTLE)
        t0, c0, th0 = time.monotonic(), proc_cpu_ticks(pid), thread_ticks(pid)
        time.sleep(CPU_WINDOW)
        t1, c1, th1 = time.monotonic(), proc_cpu_ticks(pid), thread_ticks(pid)
    finally:
        app.finish()
    wall = t1 - t0
    per_thread: dict[str, float] = {}
    for tid, ticks in th1.items():
        name = names.get(tid, "other (not a Python thread)")
        used = (ticks - th0.get(tid, 0)) / CLK_TCK
        per_thread[name] = per_thread.get(name, 0.0) + used / wall * 100
    return {
        "percent": (c1 - c0) / CLK_TCK / wall * 100,
        "per_thread_percent": per_thread,
        "reason": loaded["reason"],
    }


def bench_cpu(spec: dict[str, Any], scenarios: list[dict[str, Any]], runs: int) -> dict:
    done: dict[str, list[dict[str, Any]]] = {s["name"]: [] for s in scenarios}
    for run in range(runs):
        for s in scenarios:
            print(f"  idle CPU {s['name']}, run {run + 1}/{runs} …", file=sys.stderr, flush=True)
            done[s["name"]].append(cpu_run(spec, s["board"], s["mode"]))
    results = {}
    for s in scenarios:
        rs = done[s["name"]]
        threads: dict[str, list[float]] = {}
        for r in rs:
            for name, pct in r["per_thread_percent"].items():
                threads.setdefault(name, []).append(pct)
        results[s["name"]] = {
            "mode": s["mode"],
            "reason": rs[0]["reason"],
            "percent": summary([r["percent"] for r in rs]),
            "per_thread_percent_median": {
                k: statistics.median(v) for k, v in sorted(threads.items())
            },
        }
    return results


# ---------------------------------------------------------------- the lab


def start_lab() -> tuple[Any, str | None]:
    """The network-drive lab (tests/netlab.py), or (None, why not)."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import netlab
    except Exception as exc:  # e.g. pytest missing
        return None, f"tests/netlab.py could not be imported ({type(exc).__name__}: {exc})"
    try:
        return netlab.start_lab(), None
    except netlab.LabUnavailable as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"the lab failed to start ({type(exc).__name__}: {exc})"


def git_state(src: Path) -> str:
    """``abc1234`` or ``abc1234 + uncommitted changes`` for the tree measured."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(src), *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = head and git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if not head:
        return "not a git checkout"
    return head + (" + uncommitted changes" if dirty else "")


# -------------------------------------------------------------------- report


def report(result: dict[str, Any]) -> None:
    lat, app, cpu = result.get("latency"), result.get("apply"), result.get("cpu")
    print(f"command: {result['command']}")
    print(
        f"formboard live-board benchmarks — {result['runs']} run{'s' if result['runs'] != 1 else ''}, {SIZE[0]}×{SIZE[1]}, "
        f"source {result['src']} ({result['git']})"
        f"{', patches ' + ','.join(result['patches']) if result['patches'] else ''}"
    )
    print(f"load average at start {result['loadavg_start']}, at end {result['loadavg_end']}")
    print(f"{'measure':<58}{'median':>9}{'p95':>9}{'max':>9}  target")
    if lat:
        print(
            f"1. colleague's write → visible (ms), {result['writes']} writes/run, "
            f"{LATENCY_CARDS}-card board"
        )
        for name, r in lat.items():
            s = r["latency_ms"]
            limit = TARGETS["events_p95_ms"] if r["mode"] == "events" else TARGETS["poll_p95_ms"]
            goal = f"p95 ≤ {limit:.0f}  {verdict(s['p95'], limit)}"
            if r["missed"]:
                goal += f"  ({r['missed']} of {r['writes']} never shown!)"
            print(f"  {name:<56}{s['median']:>9.0f}{s['p95']:>9.0f}{s['max']:>9.0f}  {goal}")
        print("   where the time goes (median ms): detect / read feed / deliver / apply / repaint")
        for name, r in lat.items():
            st = r["stages_ms"]
            parts = " / ".join(
                f"{st[k]['median']:.1f}" for k in ("detect", "read", "deliver", "apply", "repaint")
            )
            print(f"     {name:<54}{parts}")
    if result.get("lab_unavailable"):
        print(f"  lab (sshfs): NOT MEASURED — {result['lab_unavailable']}")
    if app:
        print("2. apply a one-card change + repaint (ms)")
        big, small = app["board-1000"], app["board-20"]
        ratio = big["work"]["median"] / small["work"]["median"]
        for name, r in (("1000 cards", big), ("20 cards", small)):
            s = r["work"]
            goal = ""
            if name == "1000 cards":
                goal = f"≤ {TARGETS['apply_1000_ms']:.0f}  {verdict(s['median'], TARGETS['apply_1000_ms'])}"
            print(
                f"  {'apply + repaint (CPU), ' + name:<56}{s['median']:>9.2f}{s['p95']:>9.2f}{s['max']:>9.2f}  {goal}"
            )
            for key, label in (
                ("apply", "apply() (CPU)"),
                ("repaint", "screen update that paints it (CPU)"),
                ("work_wall", "apply + repaint, wall"),
                ("to_frame", "apply start → end of that frame, wall (incl. timer)"),
                ("cpu", "process CPU, apply + pilot.pause() (all threads)"),
            ):
                s = r[key]
                print(f"    {label:<54}{s['median']:>9.2f}{s['p95']:>9.2f}{s['max']:>9.2f}")
        for name, r in (("1000 cards", big), ("20 cards", small)):
            s = r["presence"]
            label = f"  presence bar changes + repaint (CPU), {name}"
            print(f"{label:<58}{s['median']:>9.2f}{s['p95']:>9.2f}{s['max']:>9.2f}  (info)")
        print(
            f"  {'ratio 1000 / 20 cards (apply + repaint)':<56}{ratio:>9.2f}{'':>18}  "
            f"≤ {TARGETS['apply_ratio']:.0f}×  {verdict(ratio, TARGETS['apply_ratio'])}"
        )
    if cpu:
        print(
            f"3. idle CPU, {CPU_CARDS}-card board, {CPU_WINDOW:.0f} s after {CPU_SETTLE:.0f} s settling (% of one core)"
        )
        for name, r in cpu.items():
            s = r["percent"]
            goal = ""
            if name == "poll, local":
                goal = f"≤ {TARGETS['idle_cpu_poll_pct']:.0f}  {verdict(s['median'], TARGETS['idle_cpu_poll_pct'])}"
            print(f"  {name:<56}{s['median']:>9.2f}{s['p95']:>9.2f}{s['max']:>9.2f}  {goal}")
            split = ", ".join(
                f"{k} {v:.2f}" for k, v in sorted(
                    r["per_thread_percent_median"].items(), key=lambda kv: -kv[1]
                ) if v >= 0.05
            )  # fmt: skip
            print(f"     by thread: {split}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--writes", type=int, default=20, help="writes per latency run")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the local boards")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="source tree to measure")
    parser.add_argument("--no-lab", action="store_true", help="skip the sshfs lab")
    parser.add_argument(
        "--only", default="latency,apply,cpu", help="comma-separated: latency,apply,cpu"
    )
    parser.add_argument(
        "--patch", action="append", default=[], help="monkeypatch from live_child.PATCHES"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    src = args.src.resolve()
    sys.path.insert(0, str(src))
    sys.path.insert(0, str(CHILD.parent))
    import live_child

    live_child.apply_patches(args.patch)
    folder = Path(tempfile.mkdtemp(prefix="formboard-bench-live-", dir=args.dir))
    # A fictional practitioner with throwaway folders, inherited by the child processes.
    os.environ["FORMBOARD_USER"] = "Bench Runner"
    os.environ["FORMBOARD_DISCIPLINE"] = "psychology"
    os.environ["FORMBOARD_CONFIG_DIR"] = str(folder / "config")
    os.environ["FORMBOARD_DATA_DIR"] = str(folder / "data")
    os.environ.pop("FORMBOARD_WATCH", None)
    os.environ.pop("NO_COLOR", None)
    spec = {"src": str(src), "patches": args.patch}
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "command": " ".join([".venv/bin/python", *sys.argv]),
        "runs": args.runs,
        "writes": args.writes,
        "src": str(src),
        "git": git_state(src),
        "patches": args.patch,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "targets": TARGETS,
    }
    lab = None
    try:
        if "latency" in only or "cpu" in only:
            local = board_with(folder, f"live-{LATENCY_CARDS}", LATENCY_CARDS)
            lab_board: tuple[Path, Path] | None = None
            if not args.no_lab:
                lab, why = start_lab()
                if lab is None:
                    result["lab_unavailable"] = why
                else:
                    on_a, on_b, on_server = lab.folder("team")
                    board_with(on_server, "live", LATENCY_CARDS)
                    lab_board = (on_a / "live.board", on_b / "live.board")
            else:
                result["lab_unavailable"] = "skipped (--no-lab)"
        if "latency" in only:
            scenarios = [
                {"name": "events, local", "mode": "events", "where": "local",
                 "app_board": local, "writer_board": local},
                {"name": "poll, local", "mode": "poll", "where": "local",
                 "app_board": local, "writer_board": local},
            ]  # fmt: skip
            if lab_board is not None:
                on_a, on_b = lab_board
                scenarios += [
                    {"name": "poll, lab: write via A → app via B (no caches)", "mode": "poll",
                     "where": "sshfs", "app_board": on_b, "writer_board": on_a},
                    {"name": "poll, lab: write via A → app via A (default caches)",
                     "mode": "poll", "where": "sshfs", "app_board": on_a, "writer_board": on_a},
                ]  # fmt: skip
            result["latency"] = bench_latency(spec, scenarios, args.runs, args.writes)
        if "apply" in only:
            result["apply"] = bench_apply(folder, args.runs)
            big, small = result["apply"]["board-1000"], result["apply"]["board-20"]
            result["apply_ratio"] = big["work"]["median"] / small["work"]["median"]
        if "cpu" in only:
            cpu_scenarios = [
                {"name": "poll, local", "mode": "poll", "board": local},
                {"name": "events, local", "mode": "events", "board": local},
            ]
            if lab_board is not None:
                cpu_scenarios.append(
                    {"name": "poll, lab via B (no caches)", "mode": "poll", "board": lab_board[1]}
                )
            result["cpu"] = bench_cpu(spec, cpu_scenarios, args.runs)
    finally:
        if lab is not None:
            lab.close()
        shutil.rmtree(folder, ignore_errors=True)
    result["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"live-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
