"""A throwaway pgbouncer in front of a test cluster (``tests/pg_cluster.py``).

Debian's ``pgbouncer``, started as the cluster's user (it refuses root) with a config of
its own in a temporary folder: a Unix socket there and no TCP, trust authentication for
the cluster's user (listed in its auth file, as pgbouncer wants even then), and the pool
mode asked for — ``transaction`` (the most common set-up, and the one that breaks session
state: prepared statements, ``SET``, ``LISTEN``) or ``session``. A small pool in transaction
mode, so that clients share server connections as they would under load.

    .ci/run installs Debian's pgbouncer package where it is missing.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.needs import WITHOUT

PORT = 6432  # names the socket file (.s.PGSQL.6432) in the bouncer's own folder

CONFIG = """\
[databases]
postgres = host={server} dbname=postgres

[pgbouncer]
listen_addr =
listen_port = {port}
unix_socket_dir = {folder}
auth_type = trust
auth_file = {folder}/users.txt
admin_users = {user}
pool_mode = {mode}
default_pool_size = {pool}
max_client_conn = 400
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def _binary() -> str | None:
    if "pgbouncer" in WITHOUT:
        return None
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None
    )


class Bouncer:
    """pgbouncer in ``mode`` in front of ``cluster``; ``url(board)`` goes through it."""

    def __init__(self, cluster: Any, mode: str, *, pool: int | None = None) -> None:
        # Transaction mode: two server connections, shared by every client between their
        # transactions. Session mode: one per client, as long as the client stays.
        self.cluster, self.mode = cluster, mode
        self.pool = pool or (2 if mode == "transaction" else 20)
        self.reason: str | None = None
        self.folder: Path | None = None

    def start(self) -> Bouncer:
        binary = _binary()
        if binary is None:
            self.reason = "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
            return self
        self.folder = Path(tempfile.mkdtemp(prefix="formboard-pgbouncer-"))
        user = self.cluster.user
        (self.folder / "users.txt").write_text(f'"{user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(CONFIG.format(
            server=self.cluster.folder, port=PORT, folder=self.folder, user=user,
            mode=self.mode, pool=self.pool))  # fmt: skip
        if self.cluster._as:
            owner = pwd.getpwnam(user)
            for path in (self.folder, *self.folder.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        done = subprocess.run(
            [*self.cluster._as, binary, "-d", str(self.folder / "pgbouncer.ini")],
            capture_output=True, text=True,
        )  # fmt: skip
        socket = self.folder / f".s.PGSQL.{PORT}"
        deadline = time.monotonic() + 10
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if done.returncode != 0 or not socket.exists():
            said = (done.stderr or done.stdout or self._log()).strip().splitlines()[-1:]
            self.reason = f"pgbouncer did not start ({said[0] if said else 'no message'})"
            self.stop()
        return self

    def _log(self) -> str:
        log = self.folder / "pgbouncer.log" if self.folder else None
        return log.read_text(errors="replace") if log and log.exists() else ""

    def url(self, board: str) -> str:
        assert self.folder is not None and self.reason is None
        return (
            f"postgresql:///postgres?host={self.folder}&port={PORT}"
            f"&user={self.cluster.user}&board={board}"
        )

    def stop(self) -> None:
        if self.folder is None:
            return
        pidfile = self.folder / "pgbouncer.pid"
        if pidfile.exists():
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            deadline = time.monotonic() + 5
            while pidfile.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
