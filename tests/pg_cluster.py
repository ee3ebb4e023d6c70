"""A throwaway PostgreSQL cluster for the tests that put boards on a server.

``initdb`` into a temporary folder as an unprivileged user (``postgres`` when the tests
run as root: the server refuses root), a Unix socket in that folder and no TCP at all,
``fsync`` off (the data is thrown away). Started once per test session, stopped at its
end. Where it cannot start (no PostgreSQL installed, no psycopg), ``reason`` says why and
the server tests skip with that sentence.

    .ci/run installs Debian's postgresql package where it is missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.needs import WITHOUT


def _bin_dir() -> Path | None:
    if "initdb" in WITHOUT:
        return None
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


class Cluster:
    """One running cluster: ``url(board)`` addresses a board on it."""

    def __init__(self, *, durable: bool = False, connections: int = 60) -> None:
        self.durable = durable  # fsync on, as a real server (benchmarks); off for the tests
        self.connections = connections  # max_connections
        self.reason: str | None = None
        self.folder: Path | None = None
        self.user = "postgres"
        self._as: list[str] = []

    def start(self) -> Cluster:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            self.reason = "psycopg is not installed (pip install 'formboard[postgres]')"
            return self
        bin_dir = _bin_dir()
        if bin_dir is None:
            self.reason = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
            return self
        self.folder = Path(tempfile.mkdtemp(prefix="formboard-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                self.reason = (
                    "the tests run as root and there is no postgres user to run the server"
                )
                return self
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        data = self.folder / "data"
        steps = [
            [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", self.user,
             "-E", "UTF8", "--no-locale", "--no-instructions"],
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "server.log"),
             "-w", "-t", "60", "-o",
             f"-c listen_addresses='' -k {self.folder} -c max_connections={self.connections}"
             + ("" if self.durable else " -c fsync=off -c full_page_writes=off"), "start"],
        ]  # fmt: skip
        self._start_step = steps[1]
        failed = self._run(steps)
        if failed:
            self.reason = f"PostgreSQL did not start ({failed})"
            self.stop()
            return self
        self._pg_ctl = str(bin_dir / "pg_ctl")
        return self

    def _run(self, steps: list[list[str]]) -> str | None:
        """Run ``steps`` in turn as the server's user; the first failure, said, or None."""
        for step in steps:
            done = subprocess.run([*self._as, *step], capture_output=True, text=True)
            if done.returncode != 0:
                said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
                return f"{step[0].rsplit('/', 1)[-1]}: {said[0]}"
        return None

    def url(self, board: str | None = None, **params: str) -> str:
        """``postgresql:///postgres?host=<folder>&user=…&board=<board>`` (a fresh code if None)."""
        assert self.folder is not None and self.reason is None
        board = board or f"T-{secrets.token_hex(4)}"
        extra = "".join(f"&{k}={v}" for k, v in params.items())
        return f"postgresql:///postgres?host={self.folder}&user={self.user}&board={board}{extra}"

    def conninfo(self, user: str | None = None) -> str:
        assert self.folder is not None
        return f"host={self.folder} user={user or self.user} dbname=postgres"

    def standby(self) -> Cluster:
        """A streaming standby of this cluster (``pg_basebackup -R``), read-only, in its own
        folder with its own socket; ``reason`` says why if it did not start."""
        assert self.folder is not None and self.reason is None
        bin_dir = Path(self._pg_ctl).parent
        other = Cluster(durable=self.durable)
        other.user, other._as = self.user, self._as
        other.folder = Path(tempfile.mkdtemp(prefix="formboard-pg-standby-"))
        if self._as:
            owner = pwd.getpwnam("postgres")
            os.chown(other.folder, owner.pw_uid, owner.pw_gid)
        data = other.folder / "data"
        steps = [
            [str(bin_dir / "pg_basebackup"), "-D", str(data), "-R", "-X", "stream",
             "-h", str(self.folder), "-U", self.user],
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(other.folder / "server.log"),
             "-w", "-t", "60", "-o",
             f"-c listen_addresses='' -k {other.folder} -c max_connections=60"
             + ("" if self.durable else " -c fsync=off -c full_page_writes=off"), "start"],
        ]  # fmt: skip
        failed = self._run(steps)
        if failed:
            other.reason = f"the standby did not start ({failed})"
            return other
        other._start_step, other._pg_ctl = steps[1], self._pg_ctl
        return other

    def pause(self) -> None:
        """Stop the server (its data stays): an outage under open apps."""
        subprocess.run([*self._as, self._pg_ctl, "-D", str(self.folder / "data"), "-m", "fast",
                        "-w", "stop"], capture_output=True, check=True)  # fmt: skip

    def resume(self) -> None:
        """Start it again after ``pause``."""
        subprocess.run([*self._as, *self._start_step], capture_output=True, check=True)

    def stop(self) -> None:
        if self.folder is None:
            return
        if getattr(self, "_pg_ctl", None):
            subprocess.run([*self._as, self._pg_ctl, "-D", str(self.folder / "data"), "-m",
                            "immediate", "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
