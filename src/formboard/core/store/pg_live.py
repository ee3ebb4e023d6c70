"""A board on a server, live: its notifications, and who else is here, in the database.

``PgWatcher`` LISTENs on the board's channel (every write NOTIFYs it in its own
transaction, ``pg_sql``; the channel is a secret in the board's ``meta``) and nudges the
app's session to read what changed: no polling. A dropped connection is a ``problem`` the
status line says, tried again with backoff; when it is back the session is nudged once
more and catches up from its last revision. Two cases read the board every second
instead, each said as a ``problem``: a server with no connection left for the LISTEN
(``FULL_LIVE``, tried again), and a LISTEN that is not the app's own — behind a
transaction pooler, found by a NOTIFY to itself that never comes back (``POOLED``).

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
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from formboard.core.errors import FULL_LIVE, POOLED, FormboardError
from formboard.core.identity import Identity
from formboard.core.presence import _FORGET_AFTER, Presence, PresenceEntry
from formboard.core.store.pg_sql import connect
from formboard.core.store.pg_url import full_server
from formboard.core.watch import WatchMode

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between tries while the server is away
GATHER, GATHER_MAX = 0.02, 0.1  # the rest of a burst: notifications this close, one more nudge
AWAY = "the board server cannot be reached: trying again; your changes wait"
POLL_EVERY = 1.0  # seconds between reads of a standby, which passes on no notifications


PROBE_WAIT = 3.0  # seconds a NOTIFY to itself may take before the LISTEN is judged not its own


@contextlib.contextmanager
def store_transaction(store: Any) -> Iterator[psycopg.Connection[Any]]:
    """``store``'s connection for one short transaction of its own in the board's schema
    (the store's lock keeps the session's reads and writes out meanwhile), committed after
    the block."""
    with store._lock:
        conn = store._connection()
        conn.begin()
        try:
            # Presence and the probe are never worth a wait for a synchronous standby.
            conn.raw.execute("SET LOCAL synchronous_commit TO local")
            yield conn.raw
            conn.raw.commit()
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.raw.rollback()
            raise


def notify_through(store: Any, channel: str) -> None:
    """NOTIFY ``channel`` through ``store``'s connection (the watcher's probe)."""
    with store_transaction(store) as raw:
        raw.execute("SELECT pg_notify(%s, '')", (channel,))


class PgWatcher:
    """Calls ``on_change`` when the board's channel is notified, or the server comes back."""

    def __init__(
        self, conninfo: str, schema: str, channel: str, on_change: Callable[[], None],
        *, poll: bool = False, probe: Callable[[str], None] | None = None,
    ) -> None:  # fmt: skip
        self.conninfo, self.schema, self.on_change = conninfo, schema, on_change
        self.channel = channel
        self.poll = poll  # a standby: no LISTEN there, so its revision is read every second
        self.probe = probe  # sends a NOTIFY by another connection: is the LISTEN our own?
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
        tries = 0
        while not self._stop.is_set() and not self.poll:
            try:
                with connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    if not self._hears_itself(conn):
                        self.poll, self.mode, self.problem = True, WatchMode.POLL, POOLED
                        self.on_change()  # the session says so
                        break
                    if tries or self.problem is not None:
                        self.problem = None
                        self.on_change()  # back: read what was missed
                    tries = 0
                    self._listen(conn)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    return
                # A full server took the store's connection but has none for the LISTEN:
                # the board is read every second meanwhile. Else the server is away.
                full = isinstance(exc, psycopg.OperationalError) and full_server(exc)
                if self.problem != (FULL_LIVE if full else AWAY):
                    self.problem = FULL_LIVE if full else AWAY
                    self.on_change()  # the session says so
                pause = BACKOFF[min(tries, len(BACKOFF) - 1)]
                while pause > 0 and not self._stop.wait(min(pause, POLL_EVERY)):
                    pause -= POLL_EVERY
                    if full:
                        self.on_change()
                tries += 1
        while not self._stop.wait(POLL_EVERY):
            self.on_change()  # the session reads only what changed (nothing, mostly)

    def _hears_itself(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether a NOTIFY sent through another connection reaches this one's LISTEN.

        Behind a transaction pooler (pgbouncer's transaction mode) the LISTEN was made on
        a server connection this client gave back when its statement ended: what is sent
        there never comes back, and the board would look live while no colleague's change
        arrives. A channel of its own, so no colleague hears the probe.
        """
        if self.probe is None:
            return True
        channel = f"formboard_probe_{secrets.token_hex(8)}"
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        try:
            self.probe(channel)
        except (psycopg.Error, FormboardError):
            return True  # the server is away: said when this connection fails
        deadline, heard = time.monotonic() + PROBE_WAIT, False
        while (left := deadline - time.monotonic()) > 0 and not self._stop.is_set():
            got = {n.channel for n in conn.notifies(timeout=min(left, 0.5), stop_after=1)}
            heard = heard or bool(got - {channel})  # a colleague's write meanwhile
            if channel in got:
                conn.execute(sql.SQL("UNLISTEN {}").format(sql.Identifier(channel)))
                if heard:
                    self.on_change()
                return True
        return self._stop.is_set()

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        idle = 0
        while not self._stop.is_set():
            heard = any(True for _ in conn.notifies(timeout=1.0, stop_after=1))
            if heard:
                self.on_change()  # at once: the session reads what changed
                # The rest of a burst of writes is one more read: what comes within a
                # moment is gathered (the session's queue folds nudges that wait, too).
                deadline, more = time.monotonic() + GATHER_MAX, False
                while time.monotonic() < deadline and any(
                    True for _ in conn.notifies(timeout=GATHER, stop_after=1)
                ):
                    more = True
                if more:
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

    def _db(self) -> contextlib.AbstractContextManager[psycopg.Connection[Any]]:
        return store_transaction(self.store)

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
