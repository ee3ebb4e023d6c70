"""A board on a server, live: its notifications, and who else is here, in the database.

``PgWatcher`` LISTENs on the board's channel (every write NOTIFYs it in its own
transaction, ``pg_sql``; the channel is a secret in the board's ``meta``) and nudges the
app's session to read what changed: no polling. A dropped connection is a ``problem`` the status line says, tried again with backoff;
when it is back the session is nudged once more and catches up from its last revision.

``PgPresence`` is ``core.presence.Presence`` with its entries in an UNLOGGED table of the
board's schema instead of files beside it: never in the op log, never moving the
revision, gone with a crash of the server (as presence should be). Entries hold card ids
and a filter, never card text; a stale one (no beat for ``stale_after``) is not shown. It
writes and reads through the store's connection: an app holds two, this and the LISTEN.

On a read-only standby (no LISTEN during recovery, no unlogged tables) the watcher polls
the board every second and presence is neither written nor read.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from formboard.core.errors import FormboardError
from formboard.core.identity import Identity
from formboard.core.presence import _FORGET_AFTER, Presence, PresenceEntry
from formboard.core.watch import WatchMode

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between tries while the server is away
GATHER, GATHER_MAX = 0.02, 0.1  # a burst: notifications this close are one nudge
AWAY = "the board server cannot be reached: trying again; your changes wait"
POLL_EVERY = 1.0  # seconds between reads of a standby, which passes on no notifications


def _connect(conninfo: str, schema: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=5,
                           application_name="formboard")  # fmt: skip
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    return conn


class PgWatcher:
    """Calls ``on_change`` when the board's channel is notified, or the server comes back."""

    def __init__(
        self, conninfo: str, schema: str, channel: str, on_change: Callable[[], None],
        *, poll: bool = False,
    ) -> None:  # fmt: skip
        self.conninfo, self.schema, self.on_change = conninfo, schema, on_change
        self.channel = channel
        self.poll = poll  # a standby: no LISTEN there, so its revision is read every second
        self.mode = WatchMode.POLL if poll else WatchMode.EVENTS
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="formboard-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3.0)

    def _run(self) -> None:
        if self.poll:
            while not self._stop.wait(POLL_EVERY):
                self.on_change()  # the session reads only what changed (nothing, mostly)
            return
        tries = 0
        while not self._stop.is_set():
            try:
                with _connect(self.conninfo, self.schema) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    if tries or self.problem is not None:
                        self.problem = None
                        self.on_change()  # back: read what was missed
                    tries = 0
                    self._listen(conn)
            except psycopg.Error:
                if self._stop.is_set():
                    return
                if self.problem is None:
                    self.problem = AWAY
                    self.on_change()  # the session says so, and its reads wait
                self._stop.wait(BACKOFF[min(tries, len(BACKOFF) - 1)])
                tries += 1

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        idle = 0
        while not self._stop.is_set():
            heard = any(True for _ in conn.notifies(timeout=1.0, stop_after=1))
            if heard:
                # A burst of writes is one read: gather what comes within a moment.
                deadline = time.monotonic() + GATHER_MAX
                while time.monotonic() < deadline and any(
                    True for _ in conn.notifies(timeout=GATHER, stop_after=1)
                ):
                    pass
                self.on_change()
            idle = 0 if heard else idle + 1
            if idle >= 5:  # a quiet connection is asked whether it is still there
                conn.execute("SELECT 1")
                idle = 0


class PgPresence(Presence):
    """Presence in the board's ``presence`` table (see the module docstring), written and
    read through the store's own connection: an open app holds two connections (this one,
    and the watcher's LISTEN), not three."""

    def __init__(self, store: Any, identity: Identity | None = None, **options: Any) -> None:
        super().__init__(Path(f"{store.board_code}.board"), identity, client_id=store.client_id,
                         **options)  # fmt: skip
        self.store = store
        # A standby keeps no presence (its unlogged table is the primary's alone): this
        # app is not shown there, and shows nobody.
        self.standby = bool(getattr(store, "standby", False))
        self.read_only = self.read_only or self.standby
        self.key = f"{self.identity.login}@{self.identity.host}-{self.pid}"

    @contextlib.contextmanager
    def _db(self) -> Iterator[psycopg.Connection[Any]]:
        """The store's connection for one short transaction of its own (the store's lock
        keeps the session's reads and writes out meanwhile), committed after the block."""
        with self.store._lock:
            raw = self.store._connection().raw
            try:
                yield raw
                raw.commit()
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    raw.rollback()
                raise

    def _write(self) -> None:
        if self._left or self.read_only:
            return
        entry = self.entry()
        try:
            with self._db() as db:
                db.execute(
                    "INSERT INTO presence (key, entry, at) VALUES (%s, %s, now()) "
                    "ON CONFLICT (key) DO UPDATE SET entry = excluded.entry, at = now()",
                    (self.key, entry.to_json().decode()),
                )
        except (psycopg.Error, FormboardError):
            self.problem = (
                "Colleagues may not see that you have this board open: the board server "
                "cannot be reached."
            )
            return
        self._last_write = self.clock()
        self.problem = None

    def leave(self) -> None:
        with self._write_lock:
            self._left = True
            with contextlib.suppress(psycopg.Error, FormboardError), self._db() as db:
                db.execute("DELETE FROM presence WHERE key = %s", (self.key,))

    def _others(self) -> list[PresenceEntry]:
        if self.standby:
            return []
        try:
            with self._db() as db:
                # An app that ended without leaving (killed, its machine off) is forgotten.
                db.execute(
                    "DELETE FROM presence WHERE at < now() - make_interval(secs => %s)",
                    (float(self.stale_after) * _FORGET_AFTER,),
                )
                found = db.execute(
                    "SELECT entry FROM presence WHERE key <> %s AND at > now() - "
                    "make_interval(secs => %s)",
                    (self.key, float(self.stale_after)),
                ).fetchall()
        except (psycopg.Error, FormboardError):
            return self._fresh  # the last answer stands while the server is away
        entries = [e for (raw,) in found if (e := PresenceEntry.from_json(raw.encode()))]
        self._fresh = sorted(entries, key=lambda e: (e.name.casefold(), e.key))
        return self._fresh
