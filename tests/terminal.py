"""formboard in real terminals, as a person runs it: tmux panes, keys, and what they show.

Each :class:`Terminals` is a private tmux server (its own socket, no config file). A
:class:`Person` is someone at the team's computers: their name, discipline, config and
data folders, and optionally an OS account of their own (``runuser``), as colleagues are
on a team's machines. ``Terminals.open`` starts ``formboard`` for a person in a terminal
of a given size; a :class:`Pane` presses keys, types words and reads the screen back.

What a person would call a crash is checked by :meth:`Terminals.check`: a crash report in
anyone's data folder, an app that ended without being asked to, or one that says it
crashed (tests/random_keys.py also watches for a screen left blank).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.needs import tool

VENV_BIN = Path(sys.executable).parent
FORMBOARD = str(VENV_BIN / "formboard")
CRASH_WORDS = "stopped because of a bug"
ESCAPE_GAP = 0.3  # seconds after esc before the next key


EDGES = str.maketrans("", "", "▌▐▊▎█│┃▏▕")


def squeezed(text: str) -> str:
    """``text`` without spacing or the edges of boxes: what wrapping cannot change."""
    return "".join(text.translate(EDGES).split())


def notices_in(screen: str) -> list[str]:
    """The notices (Textual's toasts) on a captured screen, each as one line of words.

    A toast is a box whose left edge is the rightmost "▌" of its rows, in one column, its
    first row blank padding; its text is what stands right of that edge (the screen's own
    edge in the last column dropped). Other text on the same rows, left of it, is not its.
    """
    lines = screen.splitlines()
    found: list[str] = []
    row = 0
    while row < len(lines):
        column = lines[row].rfind("▌")
        if column <= 0 or lines[row][column + 1 :].strip(" ▎▏▕│┃▁"):
            row += 1
            continue
        box = []
        below = row + 1
        while below < len(lines) and lines[below].rfind("▌") == column:
            box.append(lines[below][column + 1 :].rstrip().rstrip("▎▏▕│┃▁").strip())
            below += 1
        said = " ".join(" ".join(box).split())
        if said:
            found.append(said)
        row = below
    return found


@dataclass
class Person:
    """Someone who uses formboard: who they are and where their own files live."""

    name: str
    discipline: str
    home: Path  # their config and data folders live here
    login: str | None = None  # an OS account of their own, or None: this process's account

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def config(self) -> Path:
        return self.home / "config"

    def env(self) -> dict[str, str]:
        """The environment formboard runs in for this person."""
        return {
            "FORMBOARD_CONFIG_DIR": str(self.config),
            "FORMBOARD_DATA_DIR": str(self.data),
            "FORMBOARD_USER": self.name,
            "FORMBOARD_DISCIPLINE": self.discipline,
            "HOME": str(self.home),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "LANG": "C.UTF-8",
            "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        }

    def command(self, *args: str, program: str = FORMBOARD) -> str:
        """A shell command that runs ``program args`` as this person."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env().items())
        run = f"env -i {env} {shlex.quote(program)} {' '.join(map(shlex.quote, args))}"
        if self.login is None:
            return run
        return f"runuser -u {shlex.quote(self.login)} -- {run}"

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a formboard command (the CLI) as this person; its output as text."""
        return subprocess.run(
            ["bash", "-c", self.command(*args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def crash_reports(self) -> list[Path]:
        folder = self.data / "crashes"
        try:
            return sorted(folder.iterdir())
        except OSError:
            return []


@dataclass
class Pane:
    """One terminal with formboard running in it."""

    terminals: Terminals
    name: str
    person: Person
    size: tuple[int, int]
    keys: list[str] = field(default_factory=list)  # what was pressed, for failure messages
    quitting: bool = False  # set when the test asks the app to end

    def _tmux(self, *args: str) -> str:
        return self.terminals.tmux(*args)

    def press(self, *keys: str, gap: float = 0.08, escape_gap: float = ESCAPE_GAP) -> Pane:
        """Press keys by tmux's names (``Enter``, ``Escape``, ``C-z``, ``S-Right``, ``n``).

        After esc it waits ``escape_gap``: an esc with the next key close behind reads as
        alt+key in any terminal (random keys press them close on purpose).
        """
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
            self.keys.append(key)
            time.sleep(max(gap, escape_gap) if key == "Escape" else gap)
        return self

    def burst(self, *keys: str, words: set[str]) -> Pane:
        """Send keys and words (those in ``words`` typed literally) in one go, no pauses."""
        args: list[str] = []
        for key in keys:
            if key in words:
                if args:
                    self._tmux("send-keys", "-t", self.name, *args)
                    args = []
                self._tmux("send-keys", "-t", self.name, "-l", key)
            else:
                args.append(key)
        if args:
            self._tmux("send-keys", "-t", self.name, *args)
        self.keys.extend(repr(k) if k in words else k for k in keys)
        return self

    def type(self, text: str) -> Pane:
        """Type ``text`` literally, a character at a time as a quick typist would."""
        self._tmux("send-keys", "-t", self.name, "-l", text)
        self.keys.append(repr(text))
        time.sleep(0.1)
        return self

    def screen(self) -> str:
        """What the terminal shows now."""
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(
        self, wanted: str | Callable[[str], bool], timeout: float = 10.0, *, gone: bool = False
    ) -> str:
        """Wait until the screen shows ``wanted`` (words, or a test of the screen's text).

        Words are matched with spacing and box edges ignored, so a sentence wrapped in a
        notice or a dialog still matches. ``gone=True`` waits until it is no longer shown. Returns the screen.
        """

        def shown(screen: str) -> bool:
            if callable(wanted):
                return wanted(screen)
            return squeezed(wanted) in squeezed(screen)

        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if shown(screen) != gone:
                return screen
            self.terminals.check()  # a crash is said at once, not as a timeout
            if time.monotonic() > deadline:
                what = wanted if isinstance(wanted, str) else "the expected screen"
                raise AssertionError(
                    f"{self.name} ({self.size[0]}x{self.size[1]}): "
                    f"{what!r} {'still shown' if gone else 'not shown'} after {timeout:g} s\n"
                    f"last keys: {' '.join(self.keys[-20:])}\nscreen:\n{screen}"
                )
            time.sleep(0.1)

    def press_until(self, key: str, wanted: str, tries: int = 8) -> str:
        """Press ``key`` until the screen shows ``wanted`` (scrolling to it, say)."""
        for _ in range(tries):
            screen = self.settle(quiet=0.3)
            if squeezed(wanted) in squeezed(screen):
                return screen
            self.press(key)
        return self.wait_for(wanted, timeout=2)

    def settle(self, quiet: float = 0.4, timeout: float = 10.0) -> str:
        """Wait until the screen has not changed for ``quiet`` seconds (a search that
        answers as you type has answered); returns it."""
        deadline = time.monotonic() + timeout
        last, since = self.screen(), time.monotonic()
        while time.monotonic() - since < quiet and time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.screen()
            if now != last:
                last, since = now, time.monotonic()
        return last

    def wait_notice(self, words: str, timeout: float = 10.0) -> str:
        """Wait until a notice holding ``words`` is on screen; returns that notice."""
        found: list[str] = []

        def shown(screen: str) -> bool:
            found[:] = [n for n in notices_in(screen) if squeezed(words) in squeezed(n)]
            return bool(found)

        self.wait_for(shown, timeout)
        return found[0]

    def alive(self) -> bool:
        return self._tmux("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "0"

    def exit_status(self) -> int | None:
        """The app's exit status once it has ended (None while it runs)."""
        try:
            return int(self.terminals.status_file(self.name).read_text())
        except (OSError, ValueError):
            return None

    def wait_exit(self, timeout: float = 10.0) -> str:
        """Wait for the app to end (after q); returns what the terminal shows after it,
        with the lines that scrolled up (what it printed as it ended)."""
        self.quitting = True
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not end:\n{self.screen()}")
            time.sleep(0.1)
        return self._tmux("capture-pane", "-p", "-S", "-100", "-t", self.name)


class Terminals:
    """A private tmux server for one test; every app on it is checked for crashes."""

    def __init__(self) -> None:
        self.tmux_path = tool("tmux", "tmux")
        self.socket = f"formboard-test-{uuid.uuid4().hex[:10]}"
        self.folder = Path(tempfile.mkdtemp(prefix="formboard-terminals-"))
        self.panes: dict[str, Pane] = {}
        self.people: list[Person] = []

    def status_file(self, name: str) -> Path:
        """Where the shell in pane ``name`` writes the app's exit status."""
        return self.folder / f"{name}.status"

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux_path, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        return done.stdout

    def open(
        self,
        person: Person,
        *args: str,
        size: tuple[int, int] = (80, 24),
        name: str | None = None,
        program: str = FORMBOARD,
        wait: str | None = "· saved",
        cwd: Path | None = None,
    ) -> Pane:
        """Start ``formboard args`` for ``person`` in a new terminal of ``size`` (cols, rows).

        Waits until the screen shows ``wait`` (the status line's "· saved" once the board is
        open); the terminal stays after the app ends, so what it said can be read.
        """
        name = name or f"{person.name.split()[0].lower()}-{len(self.panes)}"
        if person not in self.people:
            self.people.append(person)
        command = person.command(*args, program=program)
        if cwd is not None:
            command = f"cd {shlex.quote(str(cwd))} && {command}"
        command += f"; echo $? > {shlex.quote(str(self.status_file(name)))}"
        width, height = size
        self.tmux(
            "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
            "bash", "-c", command,
        )  # fmt: skip
        self.tmux("set-option", "-t", name, "remain-on-exit", "on")
        self.tmux("set-option", "-t", name, "status", "off")
        self.tmux("resize-window", "-t", name, "-x", str(width), "-y", str(height))
        pane = self.panes[name] = Pane(self, name, person, size)
        if wait is not None:
            pane.wait_for(wait, timeout=30)
        return pane

    def check(self) -> dict[str, str]:
        """Fail with what a person would see if any app crashed or ended unasked; returns
        each running app's screen (read once here)."""
        for person in self.people:
            for report in person.crash_reports():
                raise AssertionError(
                    f"{person.name}'s formboard wrote a crash report:\n{report.read_text()}\n"
                    + self._last_keys()
                )
        dead = dict(
            line.split(" ", 1)
            for line in self.tmux("list-panes", "-a", "-F", "#{session_name} #{pane_dead}")
            .strip()
            .splitlines()
            if " " in line
        )
        screens = {}
        for pane in self.panes.values():
            if pane.quitting:
                continue
            screen = pane.screen()
            if dead.get(pane.name, "1") != "0":
                raise AssertionError(
                    f"{pane.name} ended (status {pane.exit_status()}) without being asked:\n"
                    f"{screen}\n{self._last_keys()}"
                )
            if CRASH_WORDS in " ".join(screen.split()):
                raise AssertionError(f"{pane.name} says it crashed:\n{screen}")
            screens[pane.name] = screen
        return screens

    def _last_keys(self) -> str:
        return "\n".join(
            f"{p.name} last keys: {' '.join(p.keys[-25:])}" for p in self.panes.values()
        )

    def close(self) -> None:
        self.tmux("kill-server")
        shutil.rmtree(self.folder, ignore_errors=True)


def person(home: Path, name: str, discipline: str, login: str | None = None) -> Person:
    """A fictional person with config and data folders of their own under ``home``."""
    folder = home / name.split()[0].lower()
    folder.mkdir(parents=True, exist_ok=True)
    if login is not None:
        shutil.chown(folder, login, login)
        folder.chmod(0o700)
    return Person(name, discipline, folder, login)


def terminals_fixture() -> Iterator[Terminals]:
    """Body of a pytest fixture: a private tmux server, checked and closed after the test."""
    terminals = Terminals()
    try:
        yield terminals
        terminals.check()
    finally:
        terminals.close()


def demo_board(person: Person, folder: Path) -> Path:
    """A copy of the fictional demo client's board in ``folder``, made by ``person``."""
    folder.mkdir(parents=True, exist_ok=True)
    made = person.run("demo", "--no-open")
    assert made.returncode == 0, made.stderr
    board = Path(made.stdout.strip().splitlines()[-1])
    target = folder / board.name
    shutil.copy2(board, target)
    if os.geteuid() == 0 and person.login is not None:
        shutil.chown(target, person.login)
    return target
