"""The README's PostgreSQL steps, typed as a person types them on Debian (issue 22).

"For a service: boards on PostgreSQL" tells someone on a Debian machine, logged in as
themself in the project's folder, to type a few lines: one for root (``su … -c "…"``:
install PostgreSQL, start it, make them a role), then ``createdb``, ``pip install``,
``formboard copy``, ``formboard open``, and a ``pg_dump`` of the board's schema. This test
reads those lines from the README (``FORMBOARD_README`` names another copy to read) and
types them, one by one and as printed, into the login shell of a throwaway account in a
tmux terminal, with ``$USER`` unset (it was empty in a plain shell).

The root line is typed too. A stand-in ``su`` first on the account's PATH records what
the account's shell made of it (``$(id -un)`` expanded, its environment, its folder), and
the test runs the real ``su`` with exactly that, as root, where no password is asked.
``apt-get`` there acts as on a fresh machine without installing anything: its package
lists and its record of what is installed are empty folders of the test's own, and it
only simulates (``APT::Get::Simulate``), so ``apt-get update`` must come first.

The lines use Debian's own cluster (the postgresql package's ``main``): the test runs only
where it is down, and after it the database and the role the lines made are dropped and
the cluster is stopped again. If something else holds port 5432, the cluster moves to a
free port for the test (a file in its ``conf.d``, removed after) and the account's shell
gets ``PGPORT``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.needs import missing, root, tool

from formboard.core.model import Column

REPO = Path(__file__).resolve().parent.parent
README = Path(os.environ.get("FORMBOARD_README") or REPO / "README.md")
SECTION = "## For a service: boards on PostgreSQL"
ACCOUNT = "fbreadme"
CONF_NAME = "zz-formboard-readme-test.conf"
PROMPT = re.compile(r"^\[fb-rc (\d+)\]\$", re.M)
CRASH_WORDS = "stopped because of a bug"
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.egg-info", "build", "dist", ".*_cache", ".hypothesis",
    "artefacts", "node_modules", "*.whl",
)  # fmt: skip


def readme_blocks() -> tuple[list[str], list[str]]:
    """The section's first code block and its pg_dump block, each as the commands in it."""
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"{README} has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", section, re.M | re.S)
    assert blocks, f"{SECTION!r} in {README} has no code block"
    dump = [b for b in blocks if "pg_dump" in b]
    assert dump, f"{SECTION!r} in {README} has no pg_dump block"
    return commands(blocks[0]), commands(dump[0])


def commands(block: str) -> list[str]:
    """The commands of a code block: its lines, a line ending in ``\\`` joined to the next."""
    found: list[str] = []
    pending: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        pending.append(line)
        if not line.endswith("\\"):
            found.append("\n".join(pending))
            pending = []
    return [*found, "\n".join(pending)] if pending else found


def run(*command: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=timeout, **kwargs
    )


def as_postgres(*command: str, port: int, stdin: str | None = None) -> str:
    """``command`` (psql, dropdb …) as the cluster's owner on ``port``; its output."""
    done = run("runuser", "-u", "postgres", "--", *command, "-p", str(port), input=stdin, cwd="/")
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr.strip()}"
    return done.stdout


def held(port: int) -> bool:
    """Whether something listens on ``port``, over TCP on this machine or on the socket
    Debian's PostgreSQL uses."""
    places = [(socket.AF_INET, ("127.0.0.1", port)), (socket.AF_INET6, ("::1", port, 0, 0)),
              (socket.AF_UNIX, f"/var/run/postgresql/.s.PGSQL.{port}")]  # fmt: skip
    for family, address in places:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect(address)
                return True
        except OSError:
            continue
    return False


def free_port() -> int:
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if not held(port):
            return port
    missing("no free port for the system's PostgreSQL cluster while 5432 is held")


def clusters() -> list[list[str]]:
    """``pg_lsclusters``: version, name, port, status … of each of this machine's clusters."""
    return [row.split() for row in run("pg_lsclusters", "--no-header").stdout.splitlines()]


@dataclass
class SystemCluster:
    """Debian's cluster on port 5432 (``pg_lsclusters``), down before the test."""

    version: str
    name: str
    config: Path
    port: int = 5432
    moved: Path | None = None  # the conf.d file that moved it off a port held by another

    def ctl(self, action: str, version: str = "", name: str = "") -> None:
        """``pg_ctlcluster`` ``action`` (start, stop) on it, or on another cluster."""
        done = run("pg_ctlcluster", version or self.version, name or self.name, action)
        assert done.returncode == 0, f"pg_ctlcluster {action}: {done.stderr.strip()}"

    def stop_all(self) -> None:
        """Stop every cluster that runs (all were down: the README's lines start them all)."""
        for row in clusters():
            if len(row) > 3 and row[3].startswith("online"):
                self.ctl("stop", row[0], row[1])

    @property
    def online(self) -> bool:
        return any(r[:2] == [self.version, self.name] and r[3].startswith("online")
                   for r in clusters() if len(r) > 3)  # fmt: skip


def system_cluster(database: str) -> SystemCluster:
    """The cluster the README's lines use, made ready to be used as a fresh one: stop the
    test where it is running or already has ``database`` of someone else's."""
    for command in ("pg_lsclusters", "pg_ctlcluster"):
        tool(command, "postgresql-common")
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres"):
        missing("PostgreSQL's server is not installed (apt-get install postgresql)")
    rows = clusters()
    if any(len(row) > 3 and row[3].startswith("online") for row in rows):
        missing("a PostgreSQL cluster of this machine is running: the README's lines start "
                "the system's clusters, so this test runs only where they are down")  # fmt: skip
    ours = [row for row in rows if len(row) > 2 and row[2] == "5432"]
    if not ours:
        missing("no PostgreSQL cluster on port 5432 (Debian's postgresql package makes one)")
    cluster = SystemCluster(ours[0][0], ours[0][1], Path("/etc/postgresql", *ours[0][:2]))
    try:
        if held(5432):
            if "include_dir = 'conf.d'" not in (cluster.config / "postgresql.conf").read_text():
                missing("port 5432 is held and the system's cluster has no conf.d to move it")
            cluster.port = free_port()
            cluster.moved = cluster.config / "conf.d" / CONF_NAME
            cluster.moved.write_text(
                "# tests/test_readme_postgres.py: 5432 is held by another; removed after\n"
                f"port = {cluster.port}\n"
            )
        cluster.ctl("start")
        try:
            owner = as_postgres("psql", "-XAtq", "-d", "postgres", port=cluster.port, stdin=(
                f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{database}';"
            )).strip()  # fmt: skip
            if owner and owner != ACCOUNT:
                missing(f"the system's cluster already has a database {database!r} ({owner}'s)")
            drop_made(cluster, database)  # a run stopped half-way left them
        finally:
            cluster.ctl("stop")
    except BaseException:
        if cluster.moved:
            cluster.moved.unlink(missing_ok=True)
        raise
    return cluster


def drop_made(cluster: SystemCluster, database: str) -> None:
    as_postgres("dropdb", "--if-exists", database, port=cluster.port)
    as_postgres("dropuser", "--if-exists", ACCOUNT, port=cluster.port)


@dataclass
class Shell:
    """A login shell of the account in a tmux terminal of its own, typed into as a person
    types; each prompt says the last command's exit status (``[fb-rc 0]$``)."""

    folder: Path
    login: str
    prompts: int = 0

    def __post_init__(self) -> None:
        self.socket = self.folder / "tmux.sock"
        self.tmux("new-session", "-d", "-s", "pg", "-x", "120", "-y", "36", f"su - {self.login}")
        self.tmux("set-option", "-t", "pg", "history-limit", "50000")

    def tmux(self, *args: str) -> str:
        done = run("tmux", "-S", str(self.socket), "-f", "/dev/null", *args, timeout=20)
        assert done.returncode == 0, f"tmux {args[0]}: {done.stderr.strip()}"
        return done.stdout

    def type(self, command: str) -> None:
        for line in command.split("\n"):
            self.tmux("send-keys", "-t", "pg", "-l", line)
            self.tmux("send-keys", "-t", "pg", "Enter")

    def history(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", "pg", "-S", "-", "-E", "-")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "pg")

    def finished(self, what: str, timeout: float) -> int:
        """Wait for the next prompt after ``what`` was typed; the exit status it shows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = PROMPT.findall(self.history())
            if len(found) > self.prompts:
                self.prompts += 1
                return int(found[self.prompts - 1])
            time.sleep(0.2)
        pytest.fail(f"{what!r} did not finish in {timeout:.0f} s:\n{self.tail()}", pytrace=False)

    def enter(self, command: str, timeout: float = 120) -> int:
        self.type(command)
        return self.finished(command, timeout)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.history().rstrip().splitlines()[-lines:])

    def close(self) -> None:
        run("tmux", "-S", str(self.socket), "kill-server", timeout=20)


@pytest.fixture
def account() -> Iterator[tuple[str, Path]]:
    """A throwaway login (bash, a home of its own), removed with its processes after."""
    root("an account of its own for the README's lines (useradd)")
    for command, package in (("useradd", "passwd"), ("runuser", "util-linux"),
                             ("su", "util-linux"), ("tmux", "tmux"), ("pgrep", "procps")):  # fmt: skip
        tool(command, package)
    try:
        pwd.getpwnam(ACCOUNT)
        missing(f"an account {ACCOUNT} already exists here")
    except KeyError:
        pass
    base = Path(tempfile.mkdtemp(prefix="formboard-readme-"))
    base.chmod(0o755)
    home = base / ACCOUNT
    done = run("useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
               ACCOUNT)  # fmt: skip
    if done.returncode:
        shutil.rmtree(base, ignore_errors=True)
        missing(f"useradd {ACCOUNT} failed: {done.stderr.strip()}")
    try:
        yield ACCOUNT, home
    finally:
        for pid in run("pgrep", "-u", ACCOUNT).stdout.split():
            run("kill", "-KILL", pid)
        run("userdel", "--remove", ACCOUNT)
        shutil.rmtree(base, ignore_errors=True)


def project_folder(login: str, home: Path) -> Path:
    """This working tree copied into the account's home, with a venv of the account's own
    Python made as the README's "Try it" makes it (``python3 -m venv .venv``)."""
    project = home / "formboard"
    shutil.copytree(REPO, project, ignore=NOT_COPIED, symlinks=True)
    run("chown", "-R", f"{login}:{login}", str(project))
    probe = run("runuser", "-l", login, "-c",
                'python3 -c "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))"')  # fmt: skip
    if probe.returncode:
        missing("this machine's python3 is older than 3.11 or has no venv (python3-venv)")
    done = run("runuser", "-l", login, "-c", f"cd {project} && python3 -m venv .venv")
    assert done.returncode == 0, done.stderr
    return project


def apt_as_on_a_fresh_machine(folder: Path) -> Path:
    """An APT_CONFIG under which apt-get knows no package lists and nothing installed, and
    installs nothing (it simulates)."""
    for sub in ("lists/partial", "cache/archives/partial"):
        (folder / sub).mkdir(parents=True)
    (folder / "status").write_text("")
    config = folder / "apt.conf"
    config.write_text(
        f'Dir::State::Lists "{folder}/lists";\n'
        f'Dir::State::status "{folder}/status";\n'
        f'Dir::Cache "{folder}/cache";\n'
        'APT::Get::Simulate "true";\n'
        'Debug::NoLocking "true";\n'
    )
    return config


STAND_IN_SU = """#!/bin/sh
# The test's stand-in for su: it keeps what the shell made of the line; the test runs it as root.
printf '%s\\0' "$@" > {record}/argv
env -0 > {record}/env
pwd > {record}/cwd
echo "(the test runs this su as root)"
"""


def as_root(record: Path, apt_config: Path, log: Path) -> tuple[list[str], int, str]:
    """Run the real su as root with the arguments, environment and folder the account's
    shell gave the stand-in: what happens once a person types root's password."""
    argv = (record / "argv").read_text().split("\0")[:-1]
    env = dict(
        item.split("=", 1) for item in (record / "env").read_text().split("\0") if "=" in item
    )
    env["APT_CONFIG"] = str(apt_config)
    su = shutil.which("su") or "/bin/su"
    with log.open("w") as out:  # a file, not a pipe: the server it starts keeps no pipe open
        done = subprocess.run(
            [su, "--whitelist-environment=APT_CONFIG", *argv], env=env,
            cwd=(record / "cwd").read_text().strip(), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, timeout=300, check=False,
        )  # fmt: skip
    said = log.read_text().splitlines()
    # Without what apt-get only simulated installing ("Inst …", "Conf …"): what went wrong.
    return argv, done.returncode, "\n".join(s for s in said if not s.startswith(("Inst ", "Conf ")))


def crash_reports(home: Path) -> str:
    """The app's crash reports (they hold no client text): the test's own evidence."""
    found = sorted(home.glob(".local/share/formboard/crashes/*.txt"))
    return "".join(f"\n--- {report.name}\n{report.read_text()}" for report in found)


def test_the_readme_postgresql_lines_run_as_printed_on_debian(account) -> None:
    login, home = account
    setup, dump = readme_blocks()
    for line in setup + dump:
        assert "sudo" not in line, f"a README line assumes sudo: {line}"
        assert "$USER" not in line, f"a README line assumes $USER is set: {line}"
    assert any(line.lstrip().startswith("su ") for line in setup), "no line for root"
    made = re.search(r"\bcreatedb\s+([\w-]+)", "\n".join(setup))
    database = made.group(1) if made else "formboard"
    opens = [line for line in setup if re.search(r"formboard\s+open\s", line)]
    assert opens, "the block opens no board"
    code = re.search(r"[?&]board=([\w-]+)", opens[-1])
    assert code, f"no board= in {opens[-1]}"

    cluster = system_cluster(database)
    work = home.parent
    record = work / "su-record"
    record.mkdir()
    run("chown", f"{login}:{login}", str(record))
    shim = work / "shim"
    shim.mkdir()
    (shim / "su").write_text(STAND_IN_SU.format(record=record))
    (shim / "su").chmod(0o755)
    apt_config = apt_as_on_a_fresh_machine(work / "apt")
    project = project_folder(login, home)
    shell = Shell(work, login)
    try:
        port = f"; export PGPORT={cluster.port}" if cluster.moved else ""
        shell.type(f"PATH={shim}:$PATH; unset USER; PS1='[fb-rc $?]\\$ '; cd {project}{port}")
        assert shell.finished("the test's own setup line", 30) == 0, shell.tail()
        for line in setup + dump:
            if line.lstrip().startswith("su "):
                assert shell.enter(line) == 0, shell.tail()
                argv, status, said = as_root(record, apt_config, work / "root.log")
                assert status == 0, f"as root, su {argv} exited {status}:\n{said[-3000:]}"
            elif line in opens:
                shell.type(line)
                heading = re.compile(rf"\b{re.escape(next(iter(Column)).label)} \d+")
                deadline = time.monotonic() + 30
                while not heading.search(shell.screen()) and time.monotonic() < deadline:
                    time.sleep(0.3)
                screen = shell.screen()
                assert heading.search(screen), f"{line!r} showed no board:\n{screen}"
                assert CRASH_WORDS not in screen, screen
                shell.tmux("send-keys", "-t", "pg", "q")
                assert shell.finished(line, 20) == 0, shell.tail() + crash_reports(home)
            else:
                assert shell.enter(line) == 0, f"{line!r} failed:\n{shell.tail()}"

        # The board's schema is named by an opaque id; its name is inside it (meta).
        schemas = as_postgres("psql", "-XAtq", "-d", database, port=cluster.port, stdin=(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, 'board_');"
        )).split()  # fmt: skip
        assert len(schemas) == 1 and code.group(1) not in schemas[0], schemas
        schema = schemas[0]
        named = as_postgres("psql", "-XAtq", "-d", database, port=cluster.port, stdin=(
            f"SELECT value FROM {schema}.meta WHERE key = 'board';"
        )).strip()  # fmt: skip
        assert named == code.group(1), f"{schema} holds the board {named!r}"
        tables = as_postgres("psql", "-XAtq", "-d", database, port=cluster.port, stdin=(
            f"SELECT tablename FROM pg_tables WHERE schemaname = '{schema}' ORDER BY 1;"
        )).split()  # fmt: skip
        assert "cards" in tables and "ops" in tables, f"{schema} holds {tables}"
        written = re.search(r">\s*(\S+)", dump[-1])
        assert written, f"the pg_dump line writes no file: {dump[-1]}"
        backup = (project / written.group(1)).read_text()
        for table in tables:
            assert re.search(rf'CREATE (UNLOGGED )?TABLE "?{schema}"?\.{table} \(', backup), (
                f"the dump has no table {table} of {schema}"
            )
        assert re.search(rf'COPY "?{schema}"?\.cards ', backup), "the dump holds no cards"
    finally:
        shell.close()
        try:
            if not cluster.online:
                cluster.ctl("start")
            drop_made(cluster, database)
        finally:
            cluster.stop_all()
            if cluster.moved:
                cluster.moved.unlink(missing_ok=True)
