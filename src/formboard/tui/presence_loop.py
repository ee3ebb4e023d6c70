"""Keeps this app's presence file fresh and reads everyone else's, in its own thread.

Presence never touches the board file (DESIGN §5). Focus changes are queued
here so the UI thread never waits for a network drive.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from textual.message import Message

from formboard.core.presence import Presence, PresenceEntry
from formboard.tui.messages import PresenceChanged

POLL_EVERY = 0.5  # seconds: a follower's screen moves within a second of the leader's


class PresenceLoop:
    """Announce my focus, beat, and post PresenceChanged when others change."""

    def __init__(self, presence: Presence | None, post: Callable[[Message], Any]) -> None:
        self.presence = presence  # set by the app from the store before ``start``
        self.post = post
        self._queue: queue.Queue[tuple[str | None, str | None, dict[str, Any]] | None] = (
            queue.Queue()
        )
        self._thread: threading.Thread | None = None
        self._last: list[PresenceEntry] | None = None
        self._moves: dict[str, tuple[str, str]] = {}
        self._failed: str | None = None  # said once when reading presence failed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="formboard-presence", daemon=True)
        self._thread.start()

    def announce(self, focused: str | None, following: str | None, **where: Any) -> None:
        """Tell colleagues where my cursor is, whom I follow, where I am; returns at once.

        ``where`` as ``Presence.announce`` takes it (view, filter, history_rev, summon).
        """
        self._queue.put((focused, following, where))

    def stop(self) -> None:
        """Leave the board: my presence file goes, the thread ends."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self.presence is not None:
            self.presence.leave()

    def _run(self) -> None:
        assert self.presence is not None, "start() comes after the board opened"
        while True:
            item: tuple[str | None, str | None, dict[str, Any]] | tuple[()] | None
            try:
                item = self._queue.get(timeout=POLL_EVERY)
            except queue.Empty:
                item = ()
            if item is None:
                return
            try:
                if item:
                    # Only the newest focus matters when several are queued.
                    while not self._queue.empty():
                        newer = self._queue.get_nowait()
                        if newer is None:
                            return
                        item = newer
                    focused, following, where = item
                    self.presence.announce(focused, following, **where)
                else:
                    self.presence.heartbeat()
                others = self.presence.others()
                moves = dict(self.presence.moves)
            except OSError:
                continue  # a flaky share: try again on the next beat
            except Exception as exc:  # a bug or a file we did not foresee: never stop
                if self._failed is None:
                    self._failed = (
                        f"Who else is here could not be read ({type(exc).__name__}); "
                        "formboard keeps trying."
                    )
                    self.post(PresenceChanged(self._last or [], self._failed, failed=True))
                continue
            if others != self._last or moves != self._moves or self._failed is not None:
                self._failed = None
                self._last, self._moves = others, moves
                self.post(PresenceChanged(others, self.presence.problem, moves=moves))
