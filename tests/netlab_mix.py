"""The realistic mix on the network lab: everyone who reaches one board, each their own way.

One board in the lab's server folder, reached at once by:

- a writer through the caching sshfs mount (host A), one through the uncached mount
  (host B) and one on the server's own folder (a colleague logged into the file server),
  each a **fresh ``formboard`` process per op** (``add``, ``edit --body``, ``move``), as
  people and scripts use the command line;
- a reader loop on the server's folder (``formboard show --json``, again and again);
- an idle app (``formboard open`` in tmux) on each of the three views, when tmux is here.

Every writer edits and moves only cards it added, so the board's final state is known from
what was acknowledged. :func:`judge` then checks every acknowledged op against the op log
and the board, read on the server: each acknowledged add is on the board and in the log
once, each card's last acknowledged edit and move are what it holds, the log has exactly
as many edits and moves of each card as were acknowledged (so a failed op did not land
either), ``integrity_check`` passes, and no message anywhere called the board damaged.

Used by tests/test_netlab.py (a short run) and bench/bench_netlab.py (longer, timed).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ("symptoms", "sources", "qualities", "resources", "relationships")
DAMAGE_WORDS = ("damaged", "restore a backup", "restore the newest backup", "malformed")
CLI_TIMEOUT = 120.0


def formboard_command() -> list[str]:
    """How to run the ``formboard`` command from this interpreter's environment."""
    return [sys.executable, "-m", "formboard"]


@dataclass
class OpResult:
    """One CLI op: what was asked, whether it was acknowledged, how long it took."""

    writer: str
    kind: str  # add / edit / move
    card: str  # the card's id (for an add: the id printed, or "" if none)
    value: str  # the title added, the body written, or the column moved to
    ok: bool
    seconds: float
    stderr: str = ""


@dataclass
class MixRun:
    """Everything the mix saw, to be judged by :func:`judge`."""

    board: Path  # on the server's own folder
    writers: dict[str, Path]  # writer name -> the board as that writer sees it
    ops: list[OpResult] = field(default_factory=list)
    reads: int = 0
    read_errors: list[str] = field(default_factory=list)
    app_screens: dict[str, str] = field(default_factory=dict)
    apps_alive: dict[str, bool] = field(default_factory=dict)
    lease_events: list[str] = field(default_factory=list)  # leases broken or lost
    seconds: float = 0.0


@dataclass
class Verdict:
    """What went wrong in a run; every list empty means the promise held."""

    lost: list[str]
    landed_after_error: list[str]
    integrity: str
    damaged_messages: list[str]
    errors: Counter[str]
    lease_events: list[str]
    acknowledged: int
    failed: int

    def problems(self) -> list[str]:
        """Each broken promise, in words."""
        found = [f"lost: {x}" for x in self.lost]
        found += [f"failed but landed: {x}" for x in self.landed_after_error]
        if self.integrity != "ok":
            found.append(f"integrity_check: {self.integrity}")
        found += [f"called damaged: {x}" for x in self.damaged_messages]
        found += [f"lease: {x}" for x in self.lease_events]
        return found


def _run_cli(env: dict[str, str], *args: object) -> tuple[int, str, str, float]:
    began = time.monotonic()
    try:
        done = subprocess.run(
            [*formboard_command(), *map(str, args)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {CLI_TIMEOUT:.0f} s", time.monotonic() - began
    return done.returncode, done.stdout, done.stderr, time.monotonic() - began


def _writer(run: MixRun, name: str, board: Path, ops: int, seed: int, env: dict[str, str]) -> None:
    rng = random.Random(seed)
    mine: dict[str, str] = {}  # card id -> the column it should be in
    results: list[OpResult] = []
    for i in range(ops):
        kind = "add" if len(mine) < 2 else rng.choices(("add", "edit", "move"), (4, 3, 3))[0]
        if kind == "add":
            value, column = f"{name}-card-{i}", rng.choice(COLUMNS)
            code, out, err, took = _run_cli(env, "add", board, column, value)
            card = out.strip() if code == 0 else ""
            if card:
                mine[card] = column
        elif kind == "edit":
            card, value = rng.choice(sorted(mine)), f"{name}-body-{i}"
            code, out, err, took = _run_cli(env, "edit", board, card, "--body", value)
        else:
            # always another column: a move to where the card is may change nothing
            card = rng.choice(sorted(mine))
            value = rng.choice([c for c in COLUMNS if c != mine[card]])
            code, out, err, took = _run_cli(env, "move", board, card, value)
            if code == 0:
                mine[card] = value
        results.append(OpResult(name, kind, card, value, code == 0, took, err.strip()))
    run.ops.extend(results)  # list.extend is atomic: writers finish in any order


def _reader(run: MixRun, board: Path, env: dict[str, str], stop: threading.Event) -> None:
    while not stop.is_set():
        code, out, err, _ = _run_cli(env, "show", board, "--json")
        run.reads += 1
        if code != 0:
            run.read_errors.append(err.strip())
            continue
        try:
            json.loads(out)
        except ValueError:
            run.read_errors.append("show --json printed something that is not JSON")


class Apps:
    """``formboard open`` in tmux, one window per view of the board, on a private server."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.socket = f"formboard-mix-{uuid.uuid4().hex[:8]}"
        self.names: list[str] = []

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )

    def open(self, name: str, board: Path) -> None:
        command = " ".join(map(_quote, [*formboard_command(), "open", str(board)]))
        exports = " ".join(
            f"{k}={_quote(v)}" for k, v in self.env.items() if k.startswith("FORMBOARD_")
        )
        made = self._tmux(
            "new-session", "-d", "-x", "120", "-y", "36", "-s", name,
            f"env {exports} TERM=xterm-256color {command}; sleep 600",
        )  # fmt: skip
        if made.returncode == 0:
            self.names.append(name)

    def screen(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-t", name).stdout

    def alive(self, name: str) -> bool:
        # The window's command is `formboard ...; sleep`: still formboard means it runs.
        shown = self._tmux("list-panes", "-t", name, "-F", "#{pane_current_command}")
        return shown.returncode == 0 and "sleep" not in shown.stdout

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@contextlib.contextmanager
def running_apps(run: MixRun, env: dict[str, str], views: dict[str, Path]) -> Iterator[None]:
    """An idle app on each view while the body runs; their last screens go into ``run``."""
    if shutil.which("tmux") is None:
        yield
        return
    apps = Apps(env)
    try:
        for name, board in views.items():
            apps.open(name, board)
        time.sleep(3.0)  # let them start and take their backups before the writers begin
        yield
        time.sleep(2.0)  # the last change reaches every screen
        # One person in several apps at one login is told so for 30 s ("Who you are"), over
        # the status line's end: read each screen once that notice has gone.
        deadline = time.monotonic() + 35
        for name in apps.names:
            while "Who you are" in apps.screen(name) and time.monotonic() < deadline:
                time.sleep(0.5)
            run.apps_alive[name] = apps.alive(name)
            run.app_screens[name] = apps.screen(name)
    finally:
        apps.close()


def run_mix(
    views: dict[str, Path],
    server_board: Path,
    env: dict[str, str],
    *,
    ops_per_writer: int = 40,
    seed: int = 8,
    apps: bool = True,
    reader: bool = True,
) -> MixRun:
    """Create the board on the server, then run the mix; ``views``: writer name -> path."""
    done = subprocess.run(
        [*formboard_command(), "new", str(server_board), "--client", "C-0421"],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"could not create the lab board: {done.stderr.strip()}")
    run = MixRun(board=server_board, writers=dict(views))
    stop = threading.Event()
    started = time.monotonic()
    app_views = {f"app-{name}": path for name, path in views.items()}
    with running_apps(run, env, app_views) if apps else contextlib.nullcontext():
        threads = [
            threading.Thread(
                target=_writer, args=(run, name, path, ops_per_writer, seed * 31 + n, env)
            )
            for n, (name, path) in enumerate(views.items())
        ]
        loop = threading.Thread(target=_reader, args=(run, server_board, env, stop))
        if reader:
            loop.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        run.seconds = time.monotonic() - started
        stop.set()
        if reader:
            loop.join()
    run.lease_events = lease_events(env)
    return run


def _read_server(board: Path) -> tuple[str, dict[str, sqlite3.Row], list[sqlite3.Row]]:
    conn = sqlite3.connect(f"{board.as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        integrity = "; ".join(str(r[0]) for r in rows[:3])
        cards = {r["id"]: r for r in conn.execute("SELECT * FROM cards")}
        log = conn.execute("SELECT * FROM ops ORDER BY seq").fetchall()
    finally:
        conn.close()
    return integrity, cards, log


def judge(run: MixRun) -> Verdict:
    """Check every acknowledged op against the op log and the board, read on the server."""
    integrity, cards, log = _read_server(run.board)
    lost: list[str] = []
    landed: list[str] = []
    logged: dict[tuple[str, str], int] = Counter()
    bodies_logged: set[str] = set()
    for row in log:
        logged[(row["op"], row["entity_id"])] += 1
        if row["op"] == "edit_card" and row["after"]:
            bodies_logged.add(json.loads(row["after"]).get("body", ""))
    titles_on_board = Counter(r["title"] for r in cards.values())
    last: dict[tuple[str, str], str] = {}
    acked: dict[tuple[str, str], int] = Counter()
    for op in run.ops:
        if op.kind == "add":
            if op.ok:
                if op.card not in cards or logged[("add_card", op.card)] != 1:
                    lost.append(f"{op.writer}: add {op.value} ({op.card})")
                elif cards[op.card]["title"] != op.value:
                    lost.append(f"{op.writer}: add {op.value}: the card has another title")
            elif titles_on_board[op.value]:
                landed.append(f"{op.writer}: add {op.value}")
            continue
        if op.ok:
            acked[(op.kind, op.card)] += 1
            last[(op.kind, op.card)] = op.value
            if op.kind == "edit" and op.value not in bodies_logged:
                lost.append(f"{op.writer}: edit {op.card} -> {op.value}: not in the log")
        elif op.kind == "edit" and op.value in bodies_logged:
            landed.append(f"{op.writer}: edit {op.card} -> {op.value}")
    owner = {op.card: op.writer for op in run.ops if op.kind == "add" and op.ok}
    for (kind, card), count in sorted(acked.items()):
        in_log = logged[(f"{kind}_card", card)]
        if in_log < count:
            lost.append(f"{owner[card]}: {count - in_log} acknowledged {kind}(s) of {card} lost")
        elif in_log > count:
            landed.append(f"{owner[card]}: {in_log - count} failed {kind}(s) of {card} landed")
    for (kind, card), value in sorted(last.items()):
        row = cards.get(card)
        held = None if row is None else (row["body"] if kind == "edit" else row["col"])
        if held != value:
            lost.append(f"{owner[card]}: {card} last {kind} {value!r}, the board has {held!r}")
    texts = [op.stderr for op in run.ops] + run.read_errors + list(run.app_screens.values())
    damaged = [
        " ".join(t.split())[:200] for t in texts if any(w in t.lower() for w in DAMAGE_WORDS)
    ]
    errors: Counter[str] = Counter(" ".join(op.stderr.split())[:160] for op in run.ops if not op.ok)
    errors.update(" ".join(e.split())[:160] for e in run.read_errors)
    return Verdict(
        lost=lost,
        landed_after_error=landed,
        integrity=integrity,
        damaged_messages=damaged,
        errors=errors,
        lease_events=run.lease_events,
        acknowledged=sum(op.ok for op in run.ops),
        failed=sum(not op.ok for op in run.ops),
    )


def per_writer(run: MixRun, verdict: Verdict | None = None) -> dict[str, dict[str, float]]:
    """ops, lost, errors, ops/s and p50/p95 op time (a whole process per op) per writer."""
    times: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    for op in run.ops:
        times[op.writer].append(op.seconds)
        errors[op.writer] += not op.ok
    out = {}
    for name, values in times.items():
        ordered = sorted(values)
        lost = verdict.lost if verdict is not None else []
        out[name] = {
            "ops": len(values),
            "lost": sum(x.startswith(f"{name}:") or x.startswith(f"{name}-") for x in lost),
            "errors": errors[name],
            "ops_per_s": len(values) / sum(values) if sum(values) else 0.0,
            "p50": ordered[len(ordered) // 2],
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        }
    return out


def lab_env(home: Path) -> dict[str, str]:
    """A fictional practitioner's environment for the mix's processes.

    ``tests/lab_site`` comes first on ``PYTHONPATH``: its sitecustomize records every
    lease broken, or lost before COMMIT, in ``FORMBOARD_LAB_EVENTS`` (see :func:`lease_events`).
    """
    env = dict(os.environ)
    for name in ("FORMBOARD_LEASE_TTL", "FORMBOARD_LOCK_WAIT", "FORMBOARD_WATCH"):
        env.pop(name, None)
    here = Path(__file__).resolve().parent
    paths = [str(here / "lab_site"), str(here.parent / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.update(
        FORMBOARD_USER="Robin Example",
        FORMBOARD_DISCIPLINE="psychology",
        FORMBOARD_CONFIG_DIR=str(home / "config"),
        FORMBOARD_DATA_DIR=str(home / "data"),
        FORMBOARD_LAB_EVENTS=str(home / "lease-events.txt"),
    )
    return env


def lease_events(env: dict[str, str]) -> list[str]:
    """The leases broken (or lost before COMMIT) by the processes started with ``env``."""
    try:
        return Path(env["FORMBOARD_LAB_EVENTS"]).read_text(encoding="utf-8").splitlines()
    except (KeyError, OSError):
        return []


# ------------------------------------------------- the same mix for bare SQLite (bench)

BARE_SCHEMA = "CREATE TABLE t (token TEXT NOT NULL)"


def _bare_writer(run: MixRun, name: str, db: Path, ops: int) -> None:
    """One ``sqlite3`` shell per op, as a script without formboard would write."""
    results = []
    for i in range(ops):
        token = f"{name}-{i}"
        began = time.monotonic()
        done = subprocess.run(
            ["sqlite3", "-cmd", ".timeout 8000", str(db),
             f"BEGIN IMMEDIATE; INSERT INTO t VALUES ('{token}'); COMMIT;"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=CLI_TIMEOUT,
            check=False,
        )  # fmt: skip
        took = time.monotonic() - began
        ok = done.returncode == 0 and not done.stderr.strip()
        results.append(OpResult(name, "insert", "", token, ok, took, done.stderr.strip()))
    run.ops.extend(results)


def run_bare_mix(views: dict[str, Path], server_db: Path, *, ops_per_writer: int) -> MixRun:
    """Bare SQLite (default settings, no lease), one writer per view, a shell per op."""
    conn = sqlite3.connect(server_db)
    conn.execute(BARE_SCHEMA)
    conn.commit()
    conn.close()
    run = MixRun(board=server_db, writers=dict(views))
    started = time.monotonic()
    threads = [
        threading.Thread(target=_bare_writer, args=(run, name, path, ops_per_writer))
        for name, path in views.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.monotonic() - started
    return run


def judge_bare(run: MixRun) -> Verdict:
    """Acknowledged inserts missing from the table, and integrity, read on the server."""
    conn = sqlite3.connect(f"{run.board.as_uri()}?mode=ro", uri=True)
    try:
        integrity = "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
        try:
            tokens = Counter(r[0] for r in conn.execute("SELECT token FROM t"))
        except sqlite3.DatabaseError as exc:
            tokens, integrity = Counter(), f"{integrity}; {exc}"
    finally:
        conn.close()
    lost = [op.value for op in run.ops if op.ok and not tokens[op.value]]
    landed = [op.value for op in run.ops if not op.ok and tokens[op.value]]
    errors: Counter[str] = Counter(" ".join(op.stderr.split())[:160] for op in run.ops if not op.ok)
    return Verdict(
        lost=lost,
        landed_after_error=landed,
        integrity=integrity[:200],
        damaged_messages=[],
        errors=errors,
        lease_events=[],
        acknowledged=sum(op.ok for op in run.ops),
        failed=sum(not op.ok for op in run.ops),
    )
