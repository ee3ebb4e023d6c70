"""Change detection: file events on local disks, polling on network drives (DESIGN §4).

The watcher only says "the board may have a new revision"; the app then asks the store
what changed. It never opens the board file (closing any descriptor of it would drop this
process's SQLite locks, DESIGN §3): on a local disk it listens to file events on the
board's folder, on a network drive it reads the tiny sidecar ``<board>.rev`` and, now and
then, ``meta.revision`` through a fresh connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from formboard.core.drives import filesystem_type, network_drive
from formboard.core.errors import InvalidInput
from formboard.core.settings import settings
from formboard.core.store.files import sidecar_path

log = logging.getLogger(__name__)

WATCH_ENV = "FORMBOARD_WATCH"
CONFIG_KEY = "watch"
_MAX_SIDECAR = 4096
_MAX_BACKOFF = 30.0
_READY_WAIT = 2.0


class WatchMode(StrEnum):
    """How a board is watched: decided by the file system unless configured."""

    AUTO = "auto"
    EVENTS = "events"
    POLL = "poll"


class UnknownWatchMode(InvalidInput, ValueError):
    """A ``--watch`` value, ``FORMBOARD_WATCH`` or ``watch`` setting that is not a mode."""


def choose_mode(board_path: Path, requested: str | None = None) -> tuple[WatchMode, str]:
    """``(mode, reason)``: ``requested`` (``--watch``) > ``FORMBOARD_WATCH`` > setting > auto.

    An unknown value raises :class:`UnknownWatchMode` (a ``ValueError``) naming its source.
    """
    sources: list[tuple[str, Callable[[], object]]] = [
        ("--watch", lambda: requested),
        (WATCH_ENV, lambda: os.environ.get(WATCH_ENV)),
        (f"the setting {CONFIG_KEY!r}", lambda: settings().watch),
    ]
    for source, read in sources:
        value = read()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            mode = WatchMode(str(value).strip().lower()) if isinstance(value, str) else None
        except ValueError:
            mode = None
        if mode is None:
            raise UnknownWatchMode(
                f"{source} is {value!r}, which formboard does not know; use auto, events or poll."
            )
        if mode is not WatchMode.AUTO:
            how = "file events" if mode is WatchMode.EVENTS else "polling"
            return mode, f"{how}: chosen by {source}"
        break  # an explicit "auto" wins over the sources below it
    network = network_drive(Path(board_path))
    if network is not None:
        return WatchMode.POLL, f"polling: the board is on a network drive ({network})"
    local = filesystem_type(str(Path(board_path).parent)) or "local"
    return WatchMode.EVENTS, f"file events: the board is on a local disk ({local})"


class _Tick:
    """The ``stop_event`` handed to watchfiles: its Rust loop asks ``is_set()`` every step.

    That steady tick tells us the watch is armed and runs the backstop, even when the
    folder is busy with other boards' changes (filtered out, so watchfiles never yields).
    """

    def __init__(self, on_tick: Callable[[], bool]) -> None:
        self.is_set = on_tick


class BoardWatcher:
    """Calls ``on_change()`` (from a background thread) when the board may have a new revision.

    ``on_change`` must be quick (put a message on a queue); it is never called twice
    within ``debounce`` seconds. ``problem`` holds one sentence while watching struggles.
    """

    def __init__(
        self,
        board_path: Path,
        mode: WatchMode,
        on_change: Callable[[], None],
        *,
        debounce: float = 0.05,
        backstop: float = 5.0,
        poll_interval: float = 1.0,
        fresh_check: float = 15.0,
        read_revision: Callable[[], int] | None = None,
    ) -> None:
        self.board_path = Path(board_path).absolute()
        self.mode = WatchMode(mode)
        if self.mode is WatchMode.AUTO:
            self.mode = choose_mode(self.board_path, WatchMode.AUTO)[0]
        self.on_change = on_change
        self.debounce = max(0.0, debounce)
        self.backstop = backstop
        self.poll_interval = poll_interval
        self.fresh_check = fresh_check
        self.read_revision = read_revision
        self.problem: str | None = None
        self.sidecar = sidecar_path(self.board_path)
        name = self.board_path.name
        self._names = frozenset({name, f"{name}-journal", f"{name}-wal", self.sidecar.name})
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_fire = -float("inf")
        self._next_backstop = 0.0
        self._primed = False
        self._last_sidecar: bytes | None = None
        self._last_revision: int | None = None
        self._next_fresh = 0.0
        self._fresh_failures = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the daemon thread; returns once it is watching (or after ~2 s regardless)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="formboard-watch", daemon=True)
        self._thread.start()
        self._ready.wait(_READY_WAIT)

    def stop(self) -> None:
        """Stop watching within a fraction of a second; safe to call twice."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    @property
    def running(self) -> bool:
        """Whether the watcher thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            if self.mode is WatchMode.EVENTS:
                self._run_events()
            else:
                self._run_poll()
        finally:
            self._ready.set()

    def _fire(self) -> None:
        """Call ``on_change`` at most once per ``debounce``; its failures never stop us."""
        wait = self._last_fire + self.debounce - time.monotonic()
        if wait > 0 and self._stop.wait(wait):
            return
        self._last_fire = time.monotonic()
        self._next_backstop = self._last_fire + self.backstop
        try:
            self.on_change()
        except Exception as exc:  # the app's callback must not end watching
            log.warning("on_change failed (%s); still watching", type(exc).__name__)

    # --------------------------------------------------------------- events

    def _is_ours(self, _change: object, path: str) -> bool:
        return os.path.basename(path) in self._names

    def _on_tick(self) -> bool:
        try:
            if not self._ready.is_set():
                self.problem = None
                self._ready.set()
            if time.monotonic() >= self._next_backstop:
                self._fire()
        except Exception as exc:  # an exception here would surface inside watchfiles' Rust
            log.warning("watch backstop failed (%s)", type(exc).__name__)
        return self._stop.is_set()

    def _run_events(self) -> None:
        step = max(10, min(50, int(self.debounce * 500)))  # ms; also the stop latency
        backoff = 1.0
        self._next_backstop = time.monotonic() + self.backstop
        while not self._stop.is_set():
            try:
                import watchfiles  # in the watcher's thread, off the app's start-up path

                changes_seen = watchfiles.watch(
                    self.board_path.parent,
                    watch_filter=self._is_ours,
                    debounce=int(self.debounce * 1000),
                    step=step,
                    stop_event=_Tick(self._on_tick),
                    rust_timeout=int(max(self.backstop, 1.0) * 1000),
                    debug=False,  # watchfiles' debug output would land on the TUI's screen
                    raise_interrupt=False,
                    force_polling=False,  # polling is our own POLL mode, not mtime polling
                    recursive=False,
                )
                for changes in changes_seen:
                    backoff = 1.0
                    if changes:
                        self._fire()
            except Exception as exc:
                self.problem = (
                    f"File events stopped working ({type(exc).__name__}); formboard is "
                    "checking the board every second instead and will try events again."
                )
                log.warning(
                    "file events failed (%s); polling for %.0f s", type(exc).__name__, backoff
                )
                self._fire()  # events may have been missed
                self._run_poll(until=time.monotonic() + backoff)
                backoff = min(backoff * 2, 60.0)
                self._ready.clear()

    # ----------------------------------------------------------------- poll

    def _read_sidecar(self) -> bytes | None:
        """The sidecar's bytes (open + read: fresh even where ``stat`` is cached), or None."""
        with open(self.sidecar, "rb") as f:
            return f.read(_MAX_SIDECAR)

    def _prime(self) -> None:
        """Remember what the board looks like now, so only later changes fire."""
        self._primed = True
        with contextlib.suppress(OSError):
            self._last_sidecar = self._read_sidecar()
        if self.read_revision is not None:
            try:
                self._last_revision = self.read_revision()
            except Exception as exc:
                log.info("revision check failed (%s)", type(exc).__name__)
        self._next_fresh = time.monotonic() + self.fresh_check

    def _check_sidecar(self) -> bool:
        try:
            content = self._read_sidecar()
        except FileNotFoundError:
            content = None
        except OSError:
            return False  # unreadable for now (a drive hiccup): keep what we knew, try again
        if content == self._last_sidecar:
            return False
        self._last_sidecar = content
        revision = _revision_in(content)
        if revision is not None:
            self._last_revision = revision  # so the fresh check does not fire for it again
        return True

    def _check_fresh(self) -> bool:
        """Read ``meta.revision`` afresh: catches writers that never touch the sidecar."""
        if self.read_revision is None:
            return False
        try:
            revision = self.read_revision()
        except Exception as exc:  # the drive is away or the file is damaged: retry later
            self._fresh_failures += 1
            log.info("revision check failed (%s)", type(exc).__name__)
            return False
        finally:
            delay = self.fresh_check * (2 ** min(self._fresh_failures, 4))
            self._next_fresh = time.monotonic() + delay
        self._fresh_failures = 0
        if revision == self._last_revision:
            return False
        self._last_revision = revision
        return True

    def _run_poll(self, until: float | None = None) -> None:
        """Poll the sidecar every ``poll_interval``, the revision every ``fresh_check``."""
        if not self._primed:
            self._prime()
        self._ready.set()
        failures = 0
        while not self._stop.is_set():
            if until is not None and time.monotonic() >= until:
                return
            try:
                if self._check_sidecar():
                    self._fire()
                if time.monotonic() >= self._next_fresh and self._check_fresh():
                    self._fire()
                failures = 0
            except Exception as exc:  # never let a surprise end watching: back off, go on
                failures += 1
                log.warning("board check failed (%s)", type(exc).__name__)
            wait = min(self.poll_interval * (2 ** min(failures, 5)), _MAX_BACKOFF)
            if self.read_revision is not None:
                wait = min(wait, self._next_fresh - time.monotonic())
            if until is not None:
                wait = min(wait, until - time.monotonic())
            if self._stop.wait(max(wait, 0.005)):
                return


def _revision_in(content: bytes | None) -> int | None:
    """The revision a sidecar names, or None when it is missing or garbled."""
    try:
        value = json.loads(content or b"")["revision"]
    except (ValueError, TypeError, KeyError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
