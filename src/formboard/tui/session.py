"""The board session: the one thread that talks to the board file for the app.

Writes and syncs go through one queue, in order, so queued edits land in the
order they were made, and a burst of syncs collapses into one read. The
session never touches widgets: it only posts messages (DESIGN §2, §6).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from formboard.core.board_state import BoardState
from formboard.core.changes import ChangeSet
from formboard.core.errors import (
    BoardBusy,
    BoardConflict,
    BoardLocked,
    DriveProblem,
    FormboardError,
)
from formboard.core.identity import Identity
from formboard.core.lock import LeaseInfo
from formboard.core.store import Store, open_store
from formboard.core.watch import BoardWatcher, WatchMode
from formboard.tui.messages import (
    BackupFailed,
    BoardChanged,
    BoardLoaded,
    BoardUnavailable,
    BoardWhole,
    HistoryChanged,
    SaveState,
    WatchTrouble,
    WriteFailed,
    WriteRequest,
    WriteSaved,
)

if TYPE_CHECKING:
    pass  # loaded with the first write


class _Sync:
    """Ask the session to read what changed (a colleague wrote, or a timer)."""


class _Closing(Exception):
    """The app is closing while a write waits for the lock: stop waiting."""


LOCK_RETRY_PAUSE = 0.2  # seconds between one lock wait giving up and the next
BUSY_RETRY_PAUSE = 1.0  # seconds before a read that met a busy board is tried again
DRIVE_RETRY_PAUSE = 2.0  # seconds between tries of a write that met a full or read-only drive
BUSY_STATE = "busy (a colleague's change is being saved): trying again"
SERVER_AWAY_STATE = "waiting for the board server"


_STOP = object()


class BoardSession:
    """Owns an open store in its own thread; the app submits writes and syncs."""

    def __init__(
        self,
        path: Path | str,
        post: Callable[[Message], Any],
        identity: Identity | None = None,
        store_options: dict[str, Any] | None = None,
        watch_mode: WatchMode = WatchMode.EVENTS,
        watch_options: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.watch_mode = watch_mode
        self.watch_options = watch_options or {}
        self.watcher: BoardWatcher | None = None
        self.post = post
        self.identity = identity
        self.store_options = store_options or {}
        self.queue: queue.Queue[Any] = queue.Queue()
        self.store: Store | None = None
        self.state: BoardState | None = None  # the board as the app knows it
        self.pending = 0
        self._pending_lock = threading.Lock()
        self._started = False
        self._closing = threading.Event()
        self._watch_problem: str | None = None
        self._read_busy = False  # the last read met a busy board and said so

    # ----------------------------------------------------- called by the app

    def submit(self, request: WriteRequest) -> None:
        with self._pending_lock:
            self.pending += 1
        self.queue.put(request)

    def sync(self) -> None:
        self.queue.put(_Sync())

    def stop(self) -> None:
        self._closing.set()  # a write waiting for the lock gives up (the app asked first)
        self.queue.put(_STOP)
        with self._pending_lock:
            if self._started or self.store is None:
                return
            self._started = True  # too late to start: the thread must not use a closed store
        self.store.close()  # opened, but the thread that would close it never ran

    # ----------------------------------------------------- opening

    def open(self) -> BoardLoaded:
        """Open the board and read it, in the caller's thread; FormboardError if it can't be.

        The app calls this before its first paint, so the first frame already shows the
        cards (a read in the thread would fight the first, empty frame for the GIL).
        ``run`` then takes the open store over.
        """
        self.store = open_store(
            self.path,
            identity=self.identity,
            on_lock_wait=self._on_lock_wait,
            on_busy=self._on_busy,
            **({"check_later": True} | self.store_options),
        )
        self.store.on_wait = self._on_wait  # a server's commit waits for its standby
        try:
            start = self.store.board_start()  # a large board: its first rows (``run``)
            if start.totals is None:  # checked now; a large board with the rest of it (``run``)
                self.store.check_now()
            self.state = BoardState.of(start.board, start.totals)
            newest = self.store.ops_page(limit=1)
        except BaseException:
            self.store.close()
            self.store = None
            raise
        return BoardLoaded(self.state, self.store.read_only_reason, newest[0] if newest else None)

    # ----------------------------------------------------- the session thread

    def run(self) -> None:
        """The worker body: open and load (unless ``open`` did), then serve the queue."""
        with self._pending_lock:
            if self._started:
                return  # stopped before it began
            self._started = True
        if self.store is None:
            try:
                loaded = self.open()
            except FormboardError as exc:
                self.post(BoardUnavailable(str(exc)))
                return
            self.post(loaded)
        assert self.store is not None
        if self.state is not None and self.state.totals is not None:
            try:  # the rest of a large board, before anything that needs all of it
                self.store.check_now()
                self.state = BoardState.of(self.store.board())
            except FormboardError as exc:
                self.post(BoardUnavailable(str(exc)))
                return
            self.post(BoardWhole(self.state, self.store.read_only_reason))
        if self.store.read_only_reason is None:
            # A backup an hour is cheap insurance; failing to take one must not stop the
            # work, but the person is told why (a full disk), never that the board is damaged.
            try:
                self.store.backup_if_due()
            except (OSError, FormboardError, sqlite3.Error) as exc:
                reason = str(exc) if isinstance(exc, FormboardError) else type(exc).__name__
                self.post(BackupFailed(reason))
        self._hold_history()
        # Colleagues' writes reach us as a nudge to sync, through the same queue as ours.
        self.watcher = self.store.watch(self.sync, self.watch_mode, **self.watch_options)
        self.watcher.start()
        self.sync()  # a colleague's write between loading and the watcher being armed
        try:
            self._serve()
        finally:
            self.watcher.stop()
            self.store.close()

    def _serve(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            if isinstance(item, _Sync):
                # A burst of change notices is one read.
                while not self.queue.empty() and isinstance(self.queue.queue[0], _Sync):
                    self.queue.get_nowait()
                self._sync()
            else:
                self._write(item)

    def _write(self, request: WriteRequest) -> None:
        assert self.store is not None
        self._say("saving…")
        answer: WriteSaved | WriteFailed
        try:
            answer = WriteSaved(request, self._write_when_free(request))
        except _Closing:
            return  # the person chose to quit with this change unwritten
        except BoardConflict as exc:
            answer = WriteFailed(request, str(exc), conflict=exc)
        except FormboardError as exc:
            answer = WriteFailed(request, str(exc))
        except Exception as exc:  # a bug must not silently end the session's thread
            reason = (
                f"The change could not be saved because of a bug ({type(exc).__name__}); "
                "what you typed is kept. Try again, or restart formboard."
            )
            answer = WriteFailed(request, reason)
        finally:
            with self._pending_lock:
                self.pending -= 1
        # To the one that asked (posting is thread-safe); an asker that has closed since
        # takes nothing, and then the app is told, so a failure is still said.
        asker = request.asker
        if asker is None or not asker.post_message(answer):
            self.post(answer)
        self._sync()
        if isinstance(answer, WriteFailed):
            self._say("not saved", error=True)
        elif self.store.unconfirmed:
            self._say("saved on the server; its standby did not confirm", error=True)
        elif self.pending == 0:
            self._say("saved")

    def _say(self, text: str, *, waiting_for: str = "", error: bool = False) -> None:
        """The status line's words, with how many changes are still to be written."""
        self.post(SaveState(text, waiting_for=waiting_for, pending=self.pending, error=error))

    def _say_busy(self) -> None:
        """A board that did not answer: a file busy with a colleague's commit, or a
        server that is away (a failover, a restart), each said as what it is."""
        assert self.store is not None
        if self.store.kind == "server":
            self._say(SERVER_AWAY_STATE, waiting_for="the board server")
        else:
            self._say(BUSY_STATE, waiting_for="a change being saved")

    def _write_when_free(self, request: WriteRequest) -> Any:
        """Run the write; while a colleague's write holds the lock, keep waiting for it.

        A locked or busy board is not a failed write: the change waits its turn, in order,
        with the status line naming who holds the lock (or saying the board is busy), until
        it lands or the app closes. Both mean nothing was written, so trying again is safe
        (a commit whose outcome is unclear is retried inside the store, by its op id).
        """
        assert self.store is not None
        while True:
            try:
                return self.store.run(request.command)
            except BoardLocked:
                # The lease's own wait keeps the status line saying whose lock it is.
                pass
            except BoardBusy:
                self._say_busy()
            except DriveProblem as exc:
                # Full, read-only, no permission: the change stays queued and says why.
                self._say(f"{exc.short()}: your change waits", waiting_for="the drive")
                if self._closing.wait(DRIVE_RETRY_PAUSE):
                    raise _Closing from None
            if self._closing.wait(LOCK_RETRY_PAUSE):
                raise _Closing from None

    def _sync(self) -> None:
        assert self.store is not None and self.state is not None
        self._report_watch_trouble()
        try:
            state = self.state
            changes: ChangeSet = self.store.changes_since(state.revision, state.board())
        except BoardBusy:
            # Sound but busy: say so, and read again in a moment (no watcher event may come).
            self._read_busy = True
            away = self.store.kind == "server"  # a board on a server: the server is away
            self._say(SERVER_AWAY_STATE if away else BUSY_STATE)
            retry = threading.Timer(BUSY_RETRY_PAUSE, self.sync)
            retry.daemon = True
            retry.start()
            return
        except FormboardError as exc:
            self._say(f"cannot read the board: {exc}", error=True)
            return
        except Exception as exc:  # keep serving; the next sync tries again
            self._say(f"cannot read the board ({type(exc).__name__})", error=True)
            return
        if self._read_busy:
            self._read_busy = False
            if self.pending == 0:
                self._say("saved")
        if changes.empty and changes.revision == state.revision:
            return
        self.state = state.apply(changes)
        self.post(BoardChanged(changes, self.state))
        self._hold_history()

    def _hold_history(self) -> None:
        """Hold the op log to what this computer saw of it, and remember it as it is now
        (``chain``): a rewrite of history is said once. It never stops the session."""
        assert self.store is not None
        try:
            said = self.store.history_seen(self.store.location)
        except Exception:  # the board itself was read; `formboard check` reads it again
            return
        if said:
            self.post(HistoryChanged(said[0].upper() + said[1:] + "."))

    def _report_watch_trouble(self) -> None:
        # The watcher nudges a sync when events fail, and every few seconds regardless:
        # each sync is the moment to tell the app that watching struggles, or recovered.
        problem = self.watcher.problem if self.watcher is not None else None
        if problem != self._watch_problem:
            self._watch_problem = problem
            self.post(WatchTrouble(problem))

    def _on_busy(self, waited: float) -> None:
        if self._closing.is_set():
            raise _Closing
        if waited >= 0.3:  # a moment's retry is not worth a word
            self._say_busy()

    def _on_wait(self, words: str) -> None:
        self._say(words, waiting_for="the server's standby")

    def _on_lock_wait(self, holder: LeaseInfo | None, waited: float) -> None:
        if self._closing.is_set():
            raise _Closing
        who = holder.name or holder.login if holder else "someone else"
        self._say(f"waiting for the lock held by {who}", waiting_for=who)
