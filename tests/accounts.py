"""Colleagues as OS accounts of their own, as on a team's machines.

On a team's computers each colleague logs in as themself, and the board file lives in a
team folder that belongs to the team's group: setgid, so every file made in it is the
group's, and formboard makes those files group-shared (0660). :func:`team` makes such a
team here: OS accounts in a group (``useradd``, as root: ``.ci/run`` runs as root), a
setgid team folder, and a home for each with their formboard config and data folders.

The accounts run this checkout's formboard with ``runuser``. Python may live where other
accounts cannot reach it (pyenv under /root, mode 0700): the folders on the way that
others cannot pass through are opened for passing only (o+x, never read) while the team
exists, and closed again after.
"""

from __future__ import annotations

import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.needs import missing, root, tool
from tests.terminal import Person

GROUP = "fbteam"
COLLEAGUES = {  # login: (display name, discipline); every name is fictional
    "fbana": ("Ana Lima", "psychology"),
    "fbben": ("Ben Okafor", "psychiatry"),
    "fbdara": ("Dara Lindqvist", "social work"),
    "fbchloe": ("Chloe Adeyemi", "nursing"),
    "fbeli": ("Eli Brandt", "family therapy"),
}


@dataclass
class Team:
    """A team folder of the group, and each colleague as a Person with their own login."""

    folder: Path
    people: dict[str, Person]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


def _passable_for_others(path: Path) -> list[tuple[Path, int]]:
    """Open every folder above ``path`` that others cannot pass through (o+x); what was."""
    opened = []
    for folder in reversed(path.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
            opened.append((folder, stat.S_IMODE(mode)))
    return opened


@contextmanager
def team() -> Iterator[Team]:
    """Five colleagues as OS accounts in a group, with a setgid team folder; undone after."""
    root("colleagues as OS accounts (useradd)")
    for command, package in (("useradd", "passwd"), ("groupadd", "passwd"),
                             ("runuser", "util-linux")):  # fmt: skip
        tool(command, package)
    made_group = _run("getent", "group", GROUP).returncode != 0
    if made_group:
        done = _run("groupadd", GROUP)
        if done.returncode:
            missing(f"groupadd {GROUP} failed: {done.stderr.strip()}")
    base = Path(tempfile.mkdtemp(prefix="formboard-team-"))
    base.chmod(0o755)
    made_users: list[str] = []
    opened: list[tuple[Path, int]] = []
    try:
        people = {}
        for login, (name, discipline) in COLLEAGUES.items():
            home = base / login
            try:
                pwd.getpwnam(login)
                # Left by a run that was killed before its cleanup: in the team again.
                _run("usermod", "--append", "--groups", GROUP, login)
            except KeyError:
                done = _run("useradd", "--no-create-home", "--home-dir", str(home),
                            "--shell", "/usr/sbin/nologin", "-G", GROUP, login)  # fmt: skip
                if done.returncode:
                    missing(f"useradd {login} failed: {done.stderr.strip()}")
                made_users.append(login)
            home.mkdir(mode=0o700)
            shutil.chown(home, login, login)
            people[login] = Person(name, discipline, home, login)
        folder = base / "team"
        folder.mkdir()
        shutil.chown(folder, "root", GROUP)
        folder.chmod(0o2770)
        for needed in (Path(sys.executable).resolve(), Path(__file__).resolve()):
            opened += _passable_for_others(needed)
        probe = _run("runuser", "-u", "fbana", "--", sys.executable, "-c", "import formboard")
        if probe.returncode:
            missing(f"another account cannot run this formboard: {probe.stderr.strip()[-200:]}")
        yield Team(folder, people)
    finally:
        for folder, mode in reversed(opened):
            folder.chmod(mode)
        for login in made_users:
            _run("pkill", "-KILL", "-u", login)
            _run("userdel", login)
        if made_group:
            _run("groupdel", GROUP)
        shutil.rmtree(base, ignore_errors=True)


def shared_copy(board: Path, team: Team, owner: Person) -> Path:
    """``board`` copied into the team folder as ``owner`` would leave it: theirs, the group's,
    readable and writable by the group (0660)."""
    target = team.folder / board.name
    shutil.copyfile(board, target)
    assert owner.login is not None
    shutil.chown(target, owner.login, GROUP)
    target.chmod(0o660)
    return target
