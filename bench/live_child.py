"""Child processes for bench/bench_live.py: a headless app that reports, and a writer.

    python bench/live_child.py app SPEC_JSON     # the watching app (headless)
    python bench/live_child.py writer SPEC_JSON  # a colleague writing to the board

Both print one JSON object per line on stdout (written straight to fd 1, past Textual's
output capture) and take commands, one per line, on stdin:

- app: prints ``{"event": "loaded", ...}`` once the board is painted, then one
  ``{"event": "visible", ...}`` per change set applied by the board, with the time the
  refresh that showed it ran. ``threads`` prints the native id of each Python thread
  (for a per-thread CPU split); ``quit`` ends the app the normal way (presence file gone).
- writer: opens the board (its first write, which records the member, happens before
  ``ready``), waits for ``go``, then edits one card's title ``count`` times, sleeping a
  random ``gap`` between writes, and prints each write's commit time (``time.time()``
  right after ``edit_card`` returned) and the board revision it made.

``SPEC["patches"]`` names monkeypatches (see PATCHES) for measuring a proposed fix
without editing src/.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any


def emit(**fields: Any) -> None:
    os.write(1, (json.dumps(fields) + "\n").encode())


# ----------------------------------------------------------------- patches

PATCHES: dict[str, Any] = {}


def patch(fn: Any) -> Any:
    PATCHES[fn.__name__] = fn
    return fn


@patch
def heading_no_layout() -> None:
    """A column heading's count is one line of fixed size: repaint it, never re-layout.

    ``Static.update`` defaults to ``layout=True``; the layout it queues re-renders every
    column's scrollbar (5 × ~6 ms on a board whose columns scroll) on every change set.
    """
    from formboard.tui.widgets.board import ColumnPane

    def set_count(self: ColumnPane, shown: int, total: int) -> None:
        count = f"{shown}" if shown == total else f"{shown} of {total}"
        self.heading.update(f"{self.column.label} {count}", layout=False)

    ColumnPane.set_count = set_count  # type: ignore[method-assign]


@patch
def presence_bar_no_layout() -> None:
    """The presence bar is one line of fixed size too: repaint it, never re-layout."""
    from formboard.tui.widgets.presence_bar import PresenceBar

    show = PresenceBar.show

    def no_layout_show(self: PresenceBar, *args: Any, **kwargs: Any) -> None:
        update = self.update
        self.update = lambda content: update(content, layout=False)  # type: ignore[method-assign]
        try:
            show(self, *args, **kwargs)
        finally:
            del self.update

    PresenceBar.show = no_layout_show  # type: ignore[method-assign]


def apply_patches(names: list[str]) -> None:
    for name in names:
        PATCHES[name]()


# -------------------------------------------------------------------- app


def run_app(spec: dict[str, Any]) -> None:
    from formboard.tui.app import FormboardApp
    from formboard.tui.messages import BoardChanged

    fires: list[float] = []  # the watcher's on_change (session.sync) calls
    posted: dict[int, float] = {}  # BoardChanged posted by the session, by revision
    app = FormboardApp(
        Path(spec["board"]), watch=spec["mode"], watch_options=spec.get("watch_options")
    )
    session = app.session
    sync, post = session.sync, session.post

    def timed_sync() -> None:
        fires.append(time.time())
        sync()

    def timed_post(message: Any) -> Any:
        if isinstance(message, BoardChanged):
            posted[message.changes.revision] = time.time()
        return post(message)

    session.sync = timed_sync  # type: ignore[method-assign]  # the watcher's on_change
    session.post = timed_post  # type: ignore[method-assign]

    view = app.board_screen.board_view
    apply = view.apply

    def timed_apply(changes: Any, *rest: Any) -> None:
        started = time.time()
        apply(changes, *rest)
        applied = time.time()
        fired = max((t for t in fires if t <= started), default=None)

        def shown() -> None:
            emit(
                event="visible",
                since=changes.since,
                revision=changes.revision,
                titles=[c.title for c in changes.cards_changed + changes.cards_added],
                full=changes.full,
                fired=fired,
                posted=posted.get(changes.revision),
                apply_start=started,
                applied=applied,
                visible=time.time(),
            )

        app.call_after_refresh(shown)

    view.apply = timed_apply  # type: ignore[method-assign]

    def announce_loaded() -> None:
        if not (app._loaded and view.cards):
            app.set_timer(0.02, announce_loaded)
            return
        app.call_after_refresh(
            lambda: emit(
                event="loaded",
                pid=os.getpid(),
                revision=session.state.revision if session.state else None,
                cards=len(view.cards),
                mode=str(app.watch_mode),
                reason=app.watch_reason,
                at=time.time(),
            )
        )

    def commands() -> None:
        for line in sys.stdin:
            command = line.strip()
            if command == "threads":
                threads = {t.native_id: t.name for t in threading.enumerate()}
                emit(event="threads", threads=threads)
            elif command == "quit":
                break
        with contextlib.suppress(RuntimeError):  # the app has already ended
            app.call_from_thread(app.exit)

    app.call_later(announce_loaded)
    threading.Thread(target=commands, name="bench-commands", daemon=True).start()
    app.run(headless=True, size=tuple(spec.get("size", (160, 50))))
    emit(event="exit", return_code=app.return_code)


# ----------------------------------------------------------------- writer


def run_writer(spec: dict[str, Any]) -> None:
    from formboard.core.store import BoardStore

    rng = random.Random(spec.get("seed", 0))
    store = BoardStore.open(spec["board"])
    card_id = spec["card"]
    store.edit_card(card_id, body="warm-up: the first write records the member")
    emit(event="ready", revision=store.revision(), network=store.network)
    if sys.stdin.readline().strip() != "go":
        return
    low, high = spec["gap"]
    for i in range(spec["count"]):
        time.sleep(rng.uniform(low, high))
        title = f"Live write {spec.get('seed', 0)}-{i}"
        began = time.time()
        store.edit_card(card_id, title=title)
        committed = time.time()
        emit(
            event="write",
            i=i,
            title=title,
            began=began,
            committed=committed,
            revision=store.revision(),
        )
    store.close()
    emit(event="done")


def main() -> None:
    kind, spec = sys.argv[1], json.loads(sys.argv[2])
    sys.path.insert(0, spec["src"])
    apply_patches(spec.get("patches", []))
    if kind == "app":
        run_app(spec)
    elif kind == "writer":
        run_writer(spec)
    else:
        sys.exit(f"unknown child {kind!r}")


if __name__ == "__main__":
    main()
