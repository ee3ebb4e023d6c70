"""e → the editor on screen, in a real terminal (tmux), beside a minimal Textual app.

    python bench/first_edit.py [--runs 5] [--size 120x36] [--old OLD_SRC]

Starts ``formboard`` on a copy of the demo board in tmux, presses e and reads the pane
until the card's title field is drawn ("Title") and until its footer offers "Save"; the
first e of a run and a later one are kept apart (the first may pay for imports). With
--old, another source tree runs in turn with this one. The reference is a minimal Textual
app whose key pushes a screen with one Input. Medians.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
_RUNS = iter(range(1_000_000))  # one tmux server per run: a killed one may linger
MINIMAL = """
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Label, Static
class Editor(Screen):
    BINDINGS = [Binding("escape", "back", "Back", priority=True)]
    def action_back(self):
        self.dismiss()
    def compose(self):
        yield Label("Title")
        yield Input("Panic attacks in the car park", id="title")
    def on_mount(self):
        self.query_one(Input).focus()
class Minimal(App):
    BINDINGS = [("e", "edit", "Edit")]
    def compose(self):
        yield Static("Symptoms")
    def action_edit(self):
        self.push_screen(Editor())
Minimal().run()
"""


class Pane:
    """One command in its own tmux server, read as a person sees it."""

    def __init__(self) -> None:
        self.socket = f"first-edit-{os.getpid()}-{next(_RUNS)}"

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=False)  # fmt: skip
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "bench")

    def wait(self, shown, timeout: float = 20.0) -> None:
        start = time.perf_counter()
        while not shown(self.screen()):
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"not shown in {timeout} s (the pane holds no client text: "
                                 f"a demo board)")  # fmt: skip
            time.sleep(0.002)


def one_run(
    command: str, size: tuple[int, int], edits: int, footer: str = "Save"
) -> list[tuple[float, float]]:
    """Start ``command``; press e ``edits`` times: (ms to "Title", ms to ``footer``) each."""
    pane = Pane()
    tmux, wait = pane.tmux, pane.wait
    tmux("new-session", "-d", "-s", "bench", "-x", str(size[0]), "-y", str(size[1]), command)
    tmux("set-option", "-t", "bench", "status", "off")
    tmux("set-option", "-t", "bench", "remain-on-exit", "on")
    try:
        wait(lambda s: "Symptoms" in s)
        time.sleep(1.5)  # start-up, and the warm-up after it, are over
        found = []
        for _ in range(edits):
            start = time.perf_counter()
            tmux("send-keys", "-t", "bench", "e")
            wait(lambda s: "Title" in s)
            title = (time.perf_counter() - start) * 1000
            wait(lambda s: footer in s)
            found.append((title, (time.perf_counter() - start) * 1000))
            tmux("send-keys", "-t", "bench", "Escape")
            wait(lambda s: "Title" not in s)
            time.sleep(0.6)
        return found
    finally:
        tmux("kill-server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="120x36")
    parser.add_argument("--old", type=Path, help="a source tree to run beside this one")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    size = (width, height)
    folder = Path(tempfile.mkdtemp(prefix="formboard-first-edit-"))
    env = {**os.environ, "FORMBOARD_USER": "Bench Runner", "FORMBOARD_DISCIPLINE": "psychology",
           "FORMBOARD_CONFIG_DIR": str(folder / "config"), "FORMBOARD_DATA_DIR": str(folder / "data")}  # fmt: skip
    trees = {"this tree": ROOT / "src", **({"old tree": args.old.resolve()} if args.old else {})}
    found: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {"first e": [], "later e": []} for name in trees
    }
    ref: list[float] = []
    try:
        demo_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}  # the installed samples
        made = subprocess.run([str(VENV_BIN / "formboard"), "demo", "--no-open"], env=demo_env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        board = made.stdout.split()[-1]  # "Created the demo board PATH"
        script = folder / "minimal.py"
        script.write_text(MINIMAL)
        exports = " ".join(
            shlex.quote(f"{k}={v}") for k, v in env.items() if k.startswith("FORMBOARD_")
        )
        for _ in range(args.runs):
            for name, src in trees.items():
                command = f"env {exports} PYTHONPATH={src} {VENV_BIN / 'formboard'} open {board}"
                runs = one_run(command, size, 3)
                found[name]["first e"].append(runs[0])
                found[name]["later e"].extend(runs[1:])
            ref.extend(r[0] for r in one_run(f"{sys.executable} {script}", size, 3, "Title"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    med = statistics.median
    reference = med(ref)
    print(f"{args.size}, {args.runs} runs, medians (ms); reference: minimal app, one Input")
    print(f"  reference              {reference:6.0f}")
    for tree, kinds in found.items():
        for kind, times in kinds.items():
            title, save = med(t for t, _ in times), med(s for _, s in times)
            print(f"  {tree}, {kind}: editor drawn {title:6.0f} ({title / reference:.1f}×)"
                  f"   Save in its footer {save:6.0f} ({save / reference:.1f}×)")  # fmt: skip


if __name__ == "__main__":
    main()
