"""Random keys at several formboard apps on one board, in real terminals (tmux).

Each app is its own colleague; keys come from the README's key table, with words typed
into whatever is open (titles, perspectives, filters, the palette), dialogs saved and
left, meetings started, followed and ended. A run fails at once on what a person would
call a crash: a crash report in anyone's data folder, an app that ended, or a screen left
blank. The seed makes a run repeatable: a failure names it.

    python -m tests.random_keys --seconds 600 --seed 7     # a longer run than CI's
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.terminal import Pane, Person, Terminals, demo_board, person

WORDS = ["Poor sleep", "Sister", "[b]x[/b]", "Ünïcode ✓ 👩‍⚕️", "walks", "a", "by:ben", "x" * 60,
         "status:agreed", "[@click=app.bell]x", "\u202eevil", "disc:psychiatry"]  # fmt: skip
# (weight, keys): a key by tmux's name, or TYPE for a word. No q, ctrl+q or ctrl+c: those
# end an app on purpose; nor a word with a q in it, which lands on the board as keys when
# the dialog it was meant for did not open (x with no card focused, say).
MOVES: list[tuple[int, list[str]]] = [
    (30, ["Left"]), (30, ["Right"]), (30, ["Up"]), (30, ["Down"]),
    (8, ["h"]), (8, ["j"]), (8, ["k"]), (8, ["l"]),
    (4, ["PageDown"]), (4, ["PageUp"]), (4, ["Home"]), (4, ["End"]),
    (6, ["S-Right"]), (6, ["S-Left"]), (4, ["S-Up"]), (4, ["S-Down"]),
    (3, ["H"]), (3, ["J"]), (3, ["K"]), (3, ["L"]),
    (8, ["n", "TYPE", "Enter"]), (6, ["Enter"]), (5, ["e", "TYPE", "C-s"]),
    (5, ["p", "TYPE", "C-s"]), (4, ["x", "TYPE", "Enter", "Enter"]), (4, ["a"]), (4, ["u"]),
    (6, ["C-z"]), (4, ["C-y"]), (4, ["c"]), (4, ["m"]), (3, ["m", "Right", "Enter"]),
    (4, ["t"]), (3, ["t", "Enter"]), (3, ["t", "p"]), (3, ["t", "p", "y"]), (2, ["t", "w"]),
    (4, ["."]), (3, ["S"]), (3, ["A"]), (2, ["A", "Enter"]), (4, ["/", "TYPE"]),
    (12, ["Escape"]), (8, ["Escape", "d"]), (4, ["Escape", "Escape", "d"]),
    (3, ["f"]), (3, ["f", "Enter"]), (3, ["M", "TYPE", "Enter"]), (3, ["M"]),
    (2, ["M", "e", "n"]), (3, ["F"]), (2, ["B"]), (2, ["b", "Enter"]), (2, ["F12", "Enter"]),
    (3, ["?"]), (3, ["C-p", "TYPE", "Enter"]), (2, ["C-p", "Export as", "Enter"]),
    (4, ["Tab"]), (3, ["d"]), (3, ["r"]), (2, ["w"]), (2, ["y"]), (2, ["1"]),
    (2, ["Space"]), (2, ["e"]), (2, ["o"]), (2, ["G"]), (2, ["BSpace"]),
]  # fmt: skip
GAPS = [0.0, 0.0, 0.01, 0.02, 0.05, 0.15]  # seconds between keys: a burst, a typist, a pause
BLANK_LIMIT = 8.0  # seconds a screen may stay empty (a redraw) before it counts as blank
PEOPLE = [("Ana Lima", "psychology"), ("Ben Okafor", "psychiatry"), ("Chloe Adeyemi", "nursing"),
          ("Dara Lindqvist", "social work"), ("Eli Brandt", "family therapy")]  # fmt: skip


@dataclass
class Outcome:
    keys: int
    seconds: float
    problem: str | None


def run(
    terminals: Terminals,
    people: list[Person],
    board: Path,
    sizes: list[tuple[int, int]],
    seconds: float,
    seed: int,
) -> Outcome:
    """Open one app per size (person i at sizes[i]) and press random keys for ``seconds``."""
    rng = random.Random(seed)
    panes = [
        terminals.open(who, "open", str(board), size=size, name=f"app{i}-{size[0]}x{size[1]}")
        for i, (who, size) in enumerate(zip(people, sizes, strict=True))
    ]
    weights = [w for w, _ in MOVES]
    moves = [m for _, m in MOVES]
    blank_since: dict[str, float] = {}
    pressed, started, checked = 0, time.monotonic(), 0.0
    try:
        while time.monotonic() - started < seconds:
            pane = rng.choice(panes)
            move = [rng.choice(WORDS) if k == "TYPE" else k for k in rng.choices(moves, weights)[0]]
            gap = rng.choice(GAPS)
            if gap == 0:  # a burst: the whole move at once
                pane.burst(*move, words=set(WORDS))
            else:
                for key in move:
                    pane.burst(key, words=set(WORDS))
                    time.sleep(gap)
            pressed += len(move)
            if time.monotonic() - checked > 1.5:
                checked = time.monotonic()
                _blank(terminals.check(), blank_since, panes)
        time.sleep(2.0)  # what the last keys did lands before the last look
        _blank(terminals.check(), blank_since, panes)
    except AssertionError as failed:
        return Outcome(pressed, time.monotonic() - started, f"seed {seed}: {failed}")
    return Outcome(pressed, time.monotonic() - started, None)


def _blank(screens: dict[str, str], blank_since: dict[str, float], panes: list[Pane]) -> None:
    for pane in panes:
        if screens.get(pane.name, "").strip():
            blank_since.pop(pane.name, None)
            continue
        since = blank_since.setdefault(pane.name, time.monotonic())
        if time.monotonic() - since > BLANK_LIMIT:
            raise AssertionError(
                f"{pane.name}'s screen stayed blank for {BLANK_LIMIT:g} s; last keys: "
                f"{' '.join(pane.keys[-30:])}"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--sizes", default="80x24,80x24,80x24,160x50,160x50")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    sizes = [tuple(int(v) for v in s.split("x")) for s in a.sizes.split(",")]
    home = Path(tempfile.mkdtemp(prefix="formboard-keys-"))
    people = [person(home / "people", n, d) for n, d in (PEOPLE * 4)[: len(sizes)]]
    board = demo_board(people[0], home / "team")
    terminals = Terminals()
    try:
        outcome = run(terminals, people, board, sizes, a.seconds, seed)  # type: ignore[arg-type]
    finally:
        terminals.close()
    print(f"{outcome.keys} keys in {outcome.seconds:.0f} s on {len(sizes)} apps, seed {seed}: "
          + (outcome.problem or "nothing broke"))  # fmt: skip
    return 1 if outcome.problem else 0


if __name__ == "__main__":
    sys.exit(main())
