"""The formboard app: one board, five columns, keyboard first.

Threading rule: the board session (session.py) owns the board file in a worker thread
and posts messages; the handlers here own every change to the screen. The app keeps the
board's latest snapshot (``board``: the one place to read it) and hands what concerns
every screen (the board moved on, who is here, the save state) to the screens that are
open. A write is asked for with ``Submit``, which the app hands to the session, and is
answered to the one that asked (messages.py). The board is the default screen
(screens/board/) and owns the board's keys; the app has only the keys that work
everywhere (hide the screen, close the Keys panel).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from weakref import WeakSet

from textual import events, on
from textual.app import SystemCommand
from textual.screen import Screen

from formboard.core.board_state import BoardState
from formboard.core.errors import FormboardError
from formboard.core.identity import Identity, current_identity
from formboard.core.model import Card
from formboard.core.settings import load_settings, save_settings, settings
from formboard.core.store.interface import is_server_location
from formboard.core.watch import WatchMode, choose_mode
from formboard.gc_pause import resume_collector
from formboard.tui.bindings import APP_BINDINGS
from formboard.tui.messages import (
    BackupFailed,
    BoardChanged,
    BoardLoaded,
    BoardUnavailable,
    BoardWhole,
    HistoryChanged,
    PresenceChanged,
    SaveState,
    SessionMessage,
    Submit,
    WatchTrouble,
    WriteFailed,
    WriteSaved,
)
from formboard.tui.presence_loop import PresenceLoop
from formboard.tui.privacy import PrivateApp
from formboard.tui.screens.blank import BlankScreen
from formboard.tui.screens.board import BoardScreen
from formboard.tui.session import BoardSession
from formboard.tui.themes import column_variables, start_theme


class FormboardApp(PrivateApp[None]):
    """A board in the terminal."""

    TITLE = "formboard"
    CSS_PATH = "formboard.tcss"
    BINDINGS = APP_BINDINGS
    # While the screen is hidden, only enter (the hidden screen's own key) does anything:
    # no palette, no dialogs, nothing that could show a card.
    WHILE_HIDDEN = frozenset({"show_again"})

    def __init__(
        self,
        path: Path | str,
        *,
        theme: str | None = None,
        identity: Identity | None = None,
        store_options: dict[str, Any] | None = None,
        watch: str | None = None,
        watch_options: dict[str, Any] | None = None,
        from_folder: Path | None = None,
        follow_login: str | None = None,
    ) -> None:
        super().__init__()
        # A board file, or a board on a server (a postgresql:// URL, kept as text).
        self.on_server = is_server_location(path)
        self.location: Path | str = path if self.on_server else Path(path)
        self.board_path = Path(path) if not self.on_server else Path("server.board")
        self.from_folder = from_folder  # opened from a folder's list: o goes back to it
        # Came along with a colleague: follow them here (their Person.token: login and name).
        self.follow_login = follow_login
        self.identity = identity or current_identity()
        self.requested_theme = theme
        if self.on_server:  # the server's notifications, whatever --watch says
            self.watch_mode, self.watch_reason = WatchMode.EVENTS, "the server's notifications"
        else:
            self.watch_mode, self.watch_reason = choose_mode(self.board_path, watch)
        self.session = BoardSession(
            self.location,
            self.post_message,
            self.identity,
            store_options,
            self.watch_mode,
            watch_options,
        )
        self.presence = PresenceLoop(None, self.post_message)  # its files: once the board opens
        self.board: BoardState | None = None  # the latest snapshot the session handed over
        self.read_only_reason: str | None = None
        self.board_screen = BoardScreen()
        self._loaded = False
        self._theme_problems: list[str] = []
        self._opened: BoardLoaded | None = None
        self._held: list[events.Event] | None = None  # input while a large board is read

    @property
    def cards(self) -> Mapping[str, Card]:
        """The cards of the board's latest snapshot (none before it is read)."""
        return self.board.cards if self.board is not None else {}

    # ------------------------------------------------------------- startup

    def get_default_screen(self) -> Screen[Any]:
        return self.board_screen

    def open_board(self) -> None:
        """Open and read the board now (FormboardError says why it can't be), before ``run``.

        Optional: otherwise the app does it before its first frame. The command line calls
        it first, so a bad board is one sentence in the terminal, not a screen that flashes.
        """
        self._opened = self.session.open()

    def on_load(self) -> None:
        # Chosen before anything is composed: on a running app a new theme restyles every
        # widget (Textual re-parses all CSS), which would cost a fifth of the start-up.
        self._theme_problems = start_theme(self, self.requested_theme)

    def on_mount(self) -> None:
        self._say_settings_problems()
        self.start_privacy()
        # The board is read here, before the first frame, so that frame shows the cards;
        # the session's thread (watching, writing) starts once they are on screen.
        try:
            loaded = self._opened or self.session.open()
        except FormboardError as exc:
            self.exit(return_code=1, message=str(exc))
            return
        assert self.session.store is not None
        self.presence.presence = self.session.store.presence()
        self._board_loaded(loaded)
        self.board_screen.show_loaded(loaded)
        self.call_after_refresh(self._start_threads)

    def _say_settings_problems(self) -> None:
        loaded = load_settings()  # a wrong setting is left out; the rest still applies
        problems = list(loaded.problems)
        if loaded.settings.keymap:
            from formboard.tui.keymap import keymap_problems

            keymap, wrong = keymap_problems(loaded.settings.keymap)
            self.set_keymap(keymap)
            problems += wrong
        for title, said in (("Settings", problems), ("Themes", self._theme_problems)):
            if said:
                self.notify("\n".join(said), title=title, severity="warning", timeout=15)

    def _start_threads(self) -> None:
        resume_collector()  # start-up is over (gc_pause.py)
        self.run_worker(self.session.run, thread=True, group="board-session", exit_on_error=False)
        if self._held is None:  # else once the whole board is here (a colleague's card)
            self.presence.start()
        # The first e pays for no import: the card screen (TextArea, Select) loads now.
        self.run_worker(self._warm_card_screen, thread=True, group="warm-up", exit_on_error=False)

    def _warm_card_screen(self) -> None:
        """Import the open card's screen and its widgets (in a thread, after the first
        frame), then build the first one on the app's own thread (``build_spare``)."""
        from formboard.tui.screens.card_spare import build_spare

        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(build_spare, self)

    def on_key(self, event: events.Key) -> None:
        """A key typed right behind the one that opened a screen (e, then the title's
        letters, in one read from the terminal) was handed to the screen below; it comes
        up here with the new screen's field focused, which would take it but never got it.
        Hand it on, once, so a fast typist's letters land in the field in order."""
        focused = self.focused
        if (
            focused is not None
            and event not in _HANDED_ON
            and focused.check_consume_key(event.key, event.character)
        ):
            again = events.Key(event.key, event.character)
            _HANDED_ON.add(again)
            focused.post_message(again)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's own themes don't know our column colours; take them from their palette.
        return {**super().get_theme_variable_defaults(), **column_variables(self.current_theme)}

    def watch_theme(self, theme: str) -> None:
        if self._loaded and theme != settings().theme:
            save_settings({"theme": theme})

    def _handle_exception(self, error: Exception) -> None:
        super()._handle_exception(error)
        # The board's threads end now: a failing shutdown may never reach on_unmount, and
        # a session thread still waiting for work would keep the process from ending.
        with contextlib.suppress(Exception):
            self.session.stop()
        with contextlib.suppress(Exception):
            self.presence.stop()

    def on_unmount(self) -> None:
        self.board_screen.since.remember_visit()
        self.session.stop()
        self.presence.stop()

    # ----------------------------------------------------- session messages

    def _hand_on(self, message: SessionMessage) -> None:
        """Every open screen gets each message from the workers, in order, to handle or not."""
        for screen in self.screen_stack:
            screen.post_message(replace(message))

    def _board_loaded(self, message: BoardLoaded) -> None:
        self.board = message.state
        self.read_only_reason = message.read_only_reason
        self.sub_title = message.state.client
        self._loaded = True
        if message.state.totals is not None:  # a large board's first rows (store.head)
            self._held = []

    async def on_event(self, event: events.Event) -> None:
        if self._held is not None and isinstance(event, _HELD):
            # The rest of a large board is being read (a moment): a key or click waits for
            # it, so that nothing acts on the first rows alone, and none is lost.
            self._held.append(event)
            return
        await super().on_event(event)

    @on(BoardWhole)
    def _board_whole(self, message: BoardWhole) -> None:
        self.board = message.state
        self.read_only_reason = message.read_only_reason
        self.board_screen.show_whole(message)
        self.presence.start()
        held, self._held = self._held or [], None
        for event in held:
            self.post_message(event)

    @on(BoardLoaded)
    def _board_loaded_late(self, message: BoardLoaded) -> None:
        # Only when the session opened the board itself (on_mount could not).
        self._board_loaded(message)
        self._hand_on(message)

    @on(BoardUnavailable)
    def _board_unavailable(self, message: BoardUnavailable) -> None:
        self.exit(return_code=1, message=message.reason)

    @on(BoardChanged)
    def _board_changed(self, message: BoardChanged) -> None:
        self.board = message.state
        self._hand_on(message)

    @on(Submit)
    def _submit(self, message: Submit) -> None:
        """A screen asked for a write: the session runs it and answers the one that asked."""
        message.stop()
        self.session.submit(message.request)

    @on(WriteFailed)
    def _write_failed(self, message: WriteFailed) -> None:
        # Nobody on the way handled it (or the one that asked has closed): say it.
        self.notify(message.reason, title="Not saved", severity="error", timeout=10)

    @on(WriteSaved)
    def _write_saved(self, message: WriteSaved) -> None:
        pass  # nobody on the way needed it (or the one that asked has closed)

    @on(SaveState)
    @on(PresenceChanged)
    @on(WatchTrouble)
    @on(BackupFailed)
    def _for_the_screens(self, message: SessionMessage) -> None:
        self._hand_on(message)

    @on(HistoryChanged)
    def _history_changed(self, message: HistoryChanged) -> None:
        self.notify(
            f"{message.sentence} `formboard check` names the row.",
            title="History changed",
            severity="error",
            timeout=60,
        )

    # ------------------------------------------------------------- writing

    def writable(self) -> bool:
        """True if the board can be changed; otherwise say why (before anyone types)."""
        if self.read_only_reason:
            self.notify(
                f"This board is read-only: {self.read_only_reason}.",
                severity="warning",
            )
            return False
        return True

    async def action_quit(self) -> None:
        """Quit (q on the board, the palette's Quit); with changes still waiting, ask."""
        await self.quit_when_safe()

    def following_a_meeting(self) -> bool:
        screen = self.board_screen
        return screen.colleagues.following is not None and screen.meeting.meeting is not None

    def leave_then_exit(self, result: Any = None) -> None:
        """Exit with ``result`` (for the folder's list), the meeting told first that I left."""
        done = partial(self.exit, result)
        if self.board_screen.meeting.leave_then(done):
            self.set_timer(5.0, done)
            return
        done()

    async def quit_when_safe(self) -> None:
        """Quit; with changes still waiting to be written (a colleague holds the lock), ask.

        At a meeting, the record first says that I left (or quits anyway in a few seconds).
        """
        waiting = self.session.pending
        if not waiting:
            if self.board_screen.meeting.leave_then(self.exit):
                self.set_timer(5.0, self.exit)
                return
            self.exit()
            return
        from formboard.tui.screens.quit import QuitWhileWaiting  # pulls in the dialogs

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self.exit()

        saving = self.board_screen.status_line.save_state
        self.push_screen(QuitWhileWaiting(waiting, saving), answered)

    # ------------------------------------------------------------- app keys

    def action_hide_keys_panel(self) -> None:
        self.action_hide_help_panel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_keys_panel":
            return bool(self.screen.query("HelpPanel"))
        if isinstance(self.screen, BlankScreen):
            return action in self.WHILE_HIDDEN
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from getattr(screen, "system_commands", lambda: ())()
        # Textual's "Screenshot" writes the whole screen, client text included, as a
        # world-readable file in ~/Downloads: not on a clinical board.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Screenshot")


_HELD = (
    events.Key, events.Paste, events.MouseDown, events.MouseUp, events.Click,
    events.MouseScrollDown, events.MouseScrollUp,
)  # fmt: skip
_HANDED_ON: WeakSet[events.Key] = WeakSet()  # keys on_key handed on: never twice
