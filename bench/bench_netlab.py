"""Network-drive evidence: what bare SQLite and formboard lose across two sshfs "hosts".

    sudo .venv/bin/python bench/bench_netlab.py [--runs N] [--ops N] [--src PATH]
    sudo .venv/bin/python bench/bench_netlab.py --only mix --runs 3 --mix-ops 60

Sets up the network lab of tests/netlab.py (root, /dev/fuse, sshd and sshfs; on Debian
``apt-get install openssh-server sshfs``): one folder served by a private sshd on
127.0.0.1, mounted as host A (sshfs's default caches) and host B (no caches). Then, per
run, counts the increments of a shared counter that were acknowledged but are not in
the file, read on the server:

- ``bare, concurrent``: 2 writers per host, plain sqlite3 with formboard's settings
  (journal DELETE, synchronous FULL, BEGIN IMMEDIATE, busy timeout) but no lease:
  SQLite's locks do not cross the mounts (DESIGN §3).
- ``bare, alternating, long-lived A`` / ``fresh A``: one increment at a time, host B
  then host A, never at once, so no lock is needed at all; host A keeps one connection
  open, or opens one per transaction. A long-lived connection on a caching mount reads
  pages its host cached before the other host's commit.
- ``formboard``: 1 writer per host through ``BoardStore`` (lease and all), alternating
  ``add_card`` and a counter ``edit_card`` with retry on conflict, as tests/test_netlab.py;
  also counts the errors that reached the caller. ``--src`` measures another checkout's
  ``src`` (a proposed change).
- ``timed writes``: one process per view (A, B, the server folder, SMB where the lab has
  it), each writing ``--ops`` times, every write timed inside the process: formboard's
  ``add_card``, or a bare SQLite insert (no lease). Lost, errors, p50/p95 per view.
- ``mix`` (tests/netlab_mix.py): one writer through each mount *and* one on the server's
  own folder, a fresh ``formboard`` process per op (add / edit / move), a ``show --json``
  loop and an idle app (tmux) on each view; every acknowledged op checked against the
  log and the board. In the same run, ``bare mix``: the same three writers as ``sqlite3``
  shells (default settings, no lease), one process per insert. Per writer: ops, lost,
  errors, ops/s and p50/p95 time per op (the whole process, start-up included).

Not a test: nothing fails. Prints a table and writes JSON to bench/results/netlab-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repo, for its tests/ helpers

from tests.netlab import LabUnavailable, NetLab, start_lab  # noqa: E402
from tests.netlab_mix import judge, judge_bare, lab_env, per_writer, run_bare_mix, run_mix  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PRAGMAS = (
    "PRAGMA journal_mode=DELETE",
    "PRAGMA synchronous=FULL",
    "PRAGMA mmap_size=0",
)

# A bare SQLite writer: `ops` increments of t.n, each its own BEGIN IMMEDIATE transaction.
BARE_WRITER = """
import json, sqlite3, sys, time
from pathlib import Path
db, ops, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
conn = sqlite3.connect(db, isolation_level=None, timeout=8.0)
for pragma in json.loads(sys.argv[4]):
    conn.execute(pragma)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
acked, errors = 0, []
for _ in range(ops):
    try:
        conn.execute("BEGIN IMMEDIATE")
        n = conn.execute("SELECT n FROM t").fetchone()[0]
        conn.execute("UPDATE t SET n = ?", (n + 1,))
        conn.execute("COMMIT")
        acked += 1
    except sqlite3.Error as exc:
        errors.append(str(exc))
        if conn.in_transaction:
            conn.execute("ROLLBACK")
print(json.dumps({"acked": acked, "errors": errors}))
"""

# One writer per view, in-process, timing each write: formboard's add_card through
# BoardStore, or a bare SQLite insert in its own BEGIN IMMEDIATE transaction.
TIMED_WRITER = """
import json, sqlite3, sys, time
from pathlib import Path
kind, board, name, ops, go, src = sys.argv[1:7]
if kind == "formboard":
    sys.path.insert(0, src)
    from formboard.core.store import BoardStore
    store = BoardStore.open(board)
    def write(token):
        store.add_card("symptoms", token)
else:
    conn = sqlite3.connect(board, isolation_level=None, timeout=8.0)
    for pragma in json.loads(sys.argv[7]):
        conn.execute(pragma)
    def write(token):
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (?)", (token,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.002)
acked, errors, times = [], [], []
for i in range(int(ops)):
    token = f"{name}-{i}"
    began = time.monotonic()
    try:
        write(token)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        continue
    times.append(time.monotonic() - began)
    acked.append(token)
print(json.dumps({"acked": acked, "errors": errors, "times": times}))
"""


def timed_writers(
    lab: NetLab, ops: int, env: dict[str, str], src: Path, bare: bool
) -> dict[str, Any]:
    """One in-process writer per view (A, B, server, SMB if any), each write timed."""
    folder = f"timed-{uuid.uuid4().hex[:8]}"
    views = lab.folder(folder)
    name = "count.db" if bare else "C-0421.board"
    paths = {view: at / name for view, at in zip(MIX_VIEWS, views, strict=False)}
    if lab.smb_path(folder) is not None:
        paths[MIX_VIEWS[3]] = lab.smb_path(folder) / name  # type: ignore[operator]
    server = views[2] / name
    if bare:
        conn = connect(server)
        conn.execute("CREATE TABLE t (token TEXT NOT NULL)")
        conn.close()
    else:
        sys.path.insert(0, str(src))
        from formboard.core.store import BoardStore

        BoardStore.create(server, "C-0421").close()
    go = views[2] / "go"
    kind = "bare" if bare else "formboard"
    events = lab.root / "home" / f"lease-events-{folder}.txt"
    env = {**env, "FORMBOARD_LAB_EVENTS": str(events)}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "tests" / "lab_site"), str(src), env.get("PYTHONPATH", "")]
    )
    tallies = run_children(
        [
            [sys.executable, "-c", TIMED_WRITER, kind, str(path), view, str(ops), str(go),
             str(src), json.dumps(PRAGMAS)]
            for view, path in paths.items()
        ],
        env,
        go,
    )  # fmt: skip
    conn = sqlite3.connect(f"{server.as_uri()}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        query = "SELECT token FROM t" if bare else "SELECT title FROM cards"
        stored = Counter(r[0] for r in conn.execute(query))
    finally:
        conn.close()
    per_writer: dict[str, dict[str, float]] = {}
    for view, tally in zip(paths, tallies, strict=True):
        times = sorted(tally["times"]) or [0.0]
        per_writer[view] = {
            "ops": ops,
            "lost": sum(not stored[t] for t in tally["acked"]),
            "errors": len(tally["errors"]),
            "ops_per_s": len(tally["times"]) / sum(times) if sum(times) else 0.0,
            "p50": times[len(times) // 2],
            "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
        }
    errors = Counter(e.split(":")[0] for t in tallies for e in t["errors"])
    return {
        "writers": " + ".join(paths),
        "acked": sum(len(t["acked"]) for t in tallies),
        "lost": sum(w["lost"] for w in per_writer.values()),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "landed_after_error": 0,
        "damaged_messages": 0,
        "leases_broken": len(events.read_text().splitlines()) if events.exists() else 0,
        "quick_check": check,
        "seconds": 0.0,
        "per_writer": per_writer,
        "reads": 0,
        "apps_alive": {},
    }


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=8.0)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def new_counter_db(lab: NetLab) -> tuple[Path, Path, Path]:
    a, b, server = lab.folder(f"bare-{uuid.uuid4().hex[:8]}")
    conn = connect(server / "count.db")
    conn.execute("CREATE TABLE t (n INTEGER NOT NULL)")
    conn.execute("INSERT INTO t VALUES (0)")
    conn.close()
    return a / "count.db", b / "count.db", server / "count.db"


def final_count(db: Path) -> tuple[int, str]:
    conn = sqlite3.connect(db)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        return conn.execute("SELECT n FROM t").fetchone()[0], check
    finally:
        conn.close()


def run_children(commands: list[list[str]], env: dict[str, str], go: Path) -> list[dict[str, Any]]:
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for cmd in commands
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a writer did not start: {line} {p.stderr.read()[-500:]}")
        go.touch()
        out = []
        for p in procs:
            stdout, stderr = p.communicate(timeout=600)
            if p.returncode != 0:
                raise RuntimeError(f"a writer failed: {stderr[-800:]}")
            out.append(json.loads(stdout.strip().splitlines()[-1]))
        return out
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def bare_concurrent(lab: NetLab, ops: int, env: dict[str, str]) -> dict[str, Any]:
    on_a, on_b, on_server = new_counter_db(lab)
    go = on_server.with_name("go")
    hosts = [on_a, on_a, on_b, on_b]
    started = time.monotonic()
    tallies = run_children(
        [
            [sys.executable, "-c", BARE_WRITER, str(db), str(ops), str(go), json.dumps(PRAGMAS)]
            for db in hosts
        ],
        env,
        go,
    )
    acked = sum(t["acked"] for t in tallies)
    final, check = final_count(on_server)
    errors = Counter(e for t in tallies for e in t["errors"])
    return {
        "writers": "2 on A + 2 on B",
        "acked": acked,
        "final": final,
        "lost": acked - final,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "quick_check": check,
        "seconds": time.monotonic() - started,
    }


def bare_alternating(lab: NetLab, ops: int, fresh_a: bool) -> dict[str, Any]:
    on_a, on_b, on_server = new_counter_db(lab)
    conn_b = connect(on_b)
    long_a = None if fresh_a else connect(on_a)
    acked, errors = 0, 0
    started = time.monotonic()
    for i in range(2 * ops):
        on_host_a = i % 2 == 1
        conn = (connect(on_a) if fresh_a else long_a) if on_host_a else conn_b
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            n = conn.execute("SELECT n FROM t").fetchone()[0]
            conn.execute("UPDATE t SET n = ?", (n + 1,))
            conn.execute("COMMIT")
            acked += 1
        except sqlite3.Error:
            errors += 1
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            if on_host_a and fresh_a:
                conn.close()
    conn_b.close()
    if long_a is not None:
        long_a.close()
    final, check = final_count(on_server)
    return {
        "writers": "B then A, one at a time",
        "acked": acked,
        "final": final,
        "lost": acked - final,
        "errors": errors,
        "quick_check": check,
        "seconds": time.monotonic() - started,
    }


def formboard_two_hosts(lab: NetLab, ops: int, env: dict[str, str], src: Path) -> dict[str, Any]:
    sys.path.insert(0, str(src))
    from formboard.core.store import BoardStore

    a, b, server = lab.folder(f"formboard-{uuid.uuid4().hex[:8]}")
    with BoardStore.create(a / "C-0421.board", "C-0421") as s:
        counter = s.add_card("resources", "Counter", body="0")
    go = server / "go"
    started = time.monotonic()
    # tests/counter_writer.py: the loop the network lab's test runs, on the source given.
    env = {**env, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT), env.get("PYTHONPATH", "")])}
    tallies = run_children(
        [
            [sys.executable, "-m", "tests.counter_writer", str(folder / "C-0421.board"),
             counter.id, name, str(ops), str(go)]
            for folder, name in ((a, "host-a"), (b, "host-b"))
        ],
        env,
        go,
    )  # fmt: skip
    took = time.monotonic() - started
    acked_adds = Counter(t for tally in tallies for t in tally["added"])
    increments = sum(t["increments"] for t in tallies)
    conn = sqlite3.connect(server / "C-0421.board")
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        titles = Counter(
            r[0] for r in conn.execute("SELECT title FROM cards WHERE id != ?", (counter.id,))
        )
        body = conn.execute("SELECT body FROM cards WHERE id = ?", (counter.id,)).fetchone()[0]
    finally:
        conn.close()
    errors = Counter(e.split(":")[0] for t in tallies for e in t["errors"])
    return {
        "writers": "1 on A + 1 on B",
        "acked": sum(acked_adds.values()) + increments,
        "final": sum((acked_adds & titles).values()) + min(int(body), increments),
        "lost": sum((acked_adds - titles).values()) + max(0, increments - int(body)),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "quick_check": check,
        "seconds": took,
    }


MIX_VIEWS = ("A (caches)", "B (no caches)", "server folder", "SMB (smbnetfs)")


def mix(lab: NetLab, ops: int, home: Path, bare: bool, src: Path) -> dict[str, Any]:
    """One run of the mix, formboard (from ``src``) or bare SQLite; per writer and in all."""
    folder = f"mix-{uuid.uuid4().hex[:8]}"
    views = lab.folder(folder)
    name = "count.db" if bare else "C-0421.board"
    paths = {view: at / name for view, at in zip(MIX_VIEWS, views, strict=False)}
    smb = lab.smb_path(folder)
    if smb is not None:
        paths[MIX_VIEWS[3]] = smb / name
    server = views[2] / name
    if bare:
        run = run_bare_mix(paths, server, ops_per_writer=ops)
        verdict = judge_bare(run)
    else:
        env = lab_env(home)
        env["PYTHONPATH"] = str(src) + os.pathsep + env["PYTHONPATH"]
        env["FORMBOARD_LAB_EVENTS"] = str(home / f"lease-events-{folder}.txt")
        run = run_mix(paths, server, env, ops_per_writer=ops)
        verdict = judge(run)
    return {
        "writers": " + ".join(paths),
        "acked": verdict.acknowledged,
        "lost": len(verdict.lost),
        "errors": verdict.failed,
        "error_kinds": dict(verdict.errors),
        "landed_after_error": len(verdict.landed_after_error),
        "damaged_messages": len(verdict.damaged_messages),
        "leases_broken": len(verdict.lease_events),
        "quick_check": verdict.integrity,
        "seconds": run.seconds,
        "per_writer": per_writer(run, verdict),
        "reads": run.reads,
        "apps_alive": run.apps_alive,
    }


def print_mix(name: str, runs: list[dict[str, Any]]) -> None:
    print(f"\n{name}: per writer, each run (ops lost/errors, ops/s, p50/p95 ms per op)")
    for view in MIX_VIEWS:
        cells = []
        for r in runs:
            w = r["per_writer"].get(view)
            if w:
                cells.append(
                    f"{w['ops']} {w['lost']}/{w['errors']} {w['ops_per_s']:.2f}/s "
                    f"{w['p50'] * 1000:.0f}/{w['p95'] * 1000:.0f}"
                )
        print(f"  {view:16} " + " | ".join(cells))
    for r in runs:
        extra = f", {r['reads']} reads, apps alive {r['apps_alive']}" if r["reads"] else ""
        print(
            f"  run: {r['acked']} acknowledged, {r['lost']} lost, {r['errors']} errors, "
            f"{r['landed_after_error']} failed-but-landed, {r['damaged_messages']} 'damaged' "
            f"messages, {r['leases_broken']} leases broken or lost, "
            f"integrity {r['quick_check']}{extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ops", type=int, default=100, help="ops per writer (default 100)")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="formboard's src to use")
    parser.add_argument("--only", choices=("mix", "two-hosts"), help="run one part only")
    parser.add_argument("--mix-ops", type=int, default=60, help="ops per writer in the mix")
    args = parser.parse_args()

    try:
        lab = start_lab()
    except LabUnavailable as exc:
        sys.exit(f"network lab unavailable: {exc}")
    home = lab.root / "home"
    env = {
        **os.environ,
        "FORMBOARD_USER": "Robin Example",
        "FORMBOARD_DISCIPLINE": "psychology",
        "FORMBOARD_CONFIG_DIR": str(home / "config"),
        "FORMBOARD_DATA_DIR": str(home / "data"),
    }
    for name in ("FORMBOARD_LEASE_TTL", "FORMBOARD_LOCK_WAIT", "FORMBOARD_WATCH"):
        env.pop(name, None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("FORMBOARD_")})
    measures: dict[str, list[dict[str, Any]]] = {}
    two_hosts = ("bare, concurrent", "bare, alternating, long-lived A",
                 "bare, alternating, fresh A", "formboard")  # fmt: skip
    mixes = ("formboard mix", "bare mix", "formboard, timed writes", "bare, timed writes")
    for name in (two_hosts if args.only != "mix" else ()) + (
        mixes if args.only != "two-hosts" else ()
    ):
        measures[name] = []
    try:
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}", file=sys.stderr)
            if args.only != "mix":
                measures["bare, concurrent"].append(bare_concurrent(lab, args.ops, env))
                measures["bare, alternating, long-lived A"].append(
                    bare_alternating(lab, args.ops, fresh_a=False)
                )
                measures["bare, alternating, fresh A"].append(
                    bare_alternating(lab, args.ops, fresh_a=True)
                )
                measures["formboard"].append(
                    formboard_two_hosts(lab, args.ops, env, args.src.resolve())
                )
            if args.only != "two-hosts":
                order = [False, True] if run % 2 == 0 else [True, False]
                for bare in order:
                    measures["bare mix" if bare else "formboard mix"].append(
                        mix(lab, args.mix_ops, home, bare, args.src.resolve())
                    )
                for bare in order:
                    measures["bare, timed writes" if bare else "formboard, timed writes"].append(
                        timed_writers(lab, args.ops, env, args.src.resolve(), bare)
                    )
    finally:
        lab.close()

    print(f"\n{args.runs} runs, {args.ops} ops per writer; lost = acknowledged but not in the file")
    print(f"{'measure':34} {'writers':24} {'lost per run':18} {'errors per run':16} {'s/run':>6}")
    for name, runs in measures.items():
        lost = " ".join(f"{r['lost']}/{r['acked']}" for r in runs)
        errors = " ".join(str(r["errors"]) for r in runs)
        seconds = sum(r["seconds"] for r in runs) / len(runs)
        print(f"{name:34} {runs[0]['writers']:24} {lost:18} {errors:16} {seconds:6.1f}")
        bad = [r["quick_check"] for r in runs if r["quick_check"] != "ok"]
        if bad:
            print(f"{'':34} quick_check: {bad}")
        kinds = Counter(
            k for r in runs for k, n in r.get("error_kinds", {}).items() for _ in range(n)
        )
        if kinds:
            print(f"{'':34} errors: {dict(kinds)}")
    for name in mixes:
        if measures.get(name):
            print_mix(name, measures[name])
    print(
        "\nmix: a fresh process per op (formboard: Python start-up included; bare: the sqlite3"
        "\nshell); timed writes: one process per view, each write timed inside it."
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"netlab-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "src": str(args.src),
                "runs": args.runs,
                "ops_per_writer": args.ops,
                "mix_ops_per_writer": args.mix_ops,
                "measures": measures,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
