"""A proxy in front of the test cluster that loses a COMMIT's answer (issue 24, point 1).

It listens on a Unix socket of its own folder and passes every byte to the cluster's.
Armed, it watches for a transaction that appends to the op log; when the server answers
that transaction's COMMIT (a CommandComplete "COMMIT" message), the proxy drops the
answer and both connections — the commit has landed, the client never hears so — and
refuses every new connection for ``refuse`` seconds, as a server restarting would.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import tempfile
import threading
import time
from pathlib import Path

_COMMIT = b"C" + struct.pack("!i", 4 + len(b"COMMIT\x00")) + b"COMMIT\x00"


class CuttingProxy:
    def __init__(self, server_folder: Path, refuse: float = 4.0) -> None:
        self.server = str(server_folder / ".s.PGSQL.5432")
        self.folder = Path(tempfile.mkdtemp(prefix="formboard-pg-cut-"))
        self.refuse = refuse
        self.armed = False
        self.cuts = 0
        self._refusing_until = 0.0
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.folder / ".s.PGSQL.5432"))
        self._listener.listen(64)
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, board: str, user: str) -> str:
        return f"postgresql:///postgres?host={self.folder}&user={user}&board={board}"

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if time.monotonic() < self._refusing_until:
                client.close()  # the server is "restarting"
                continue
            try:
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                server.connect(self.server)
            except OSError:
                client.close()
                continue
            pair = _Pair(self, client, server)
            threading.Thread(target=pair.up, daemon=True).start()
            threading.Thread(target=pair.down, daemon=True).start()


class _Pair:
    def __init__(self, proxy: CuttingProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy, self.client, self.server = proxy, client, server
        self.appending = False  # this connection's transaction writes to the op log

    def _close(self) -> None:
        for end in (self.client, self.server):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                end.close()

    def up(self) -> None:  # client → server
        try:
            while data := self.client.recv(65536):
                if b"INSERT INTO ops" in data:
                    self.appending = True
                self.server.sendall(data)
        except OSError:
            pass
        self._close()

    def down(self) -> None:  # server → client
        try:
            while data := self.server.recv(65536):
                if self.proxy.armed and self.appending and _COMMIT in data:
                    self.proxy.armed = False
                    self.proxy.cuts += 1
                    self.proxy._refusing_until = time.monotonic() + self.proxy.refuse
                    self._close()  # landed; the answer is lost
                    return
                if _COMMIT in data:
                    self.appending = False
                self.client.sendall(data)
        except OSError:
            pass
        self._close()
