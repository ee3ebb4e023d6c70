"""The formboard app: one board, five columns, keyboard first.

Threading rule: the board session (session.py) owns the board file in a worker
thread and posts messages; the handlers here own every change to the screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from formboard.core.errors import FormboardError
from formboard.core.identity import (
    Identity,
    config_problem,
    current_identity,
    load_config,
    save_config,
)
from formboard.core.model import Card, Column, Link
from formboard.core.presence import Presence, PresenceEntry
from formboard.core.watch import choose_mode
from formboard.startup import resume_collector
from formboard.tui import crash
from formboard.tui.bindings import ACTION_HELP, BOARD_BINDINGS
from formboard.tui.messages import (
    BoardChanged,
    BoardLoaded,
    BoardUnavailable,
    SaveState,
    WriteFailed,
    WriteSaved,
)
from formboard.tui.presence_loop import PresenceLoop
from formboard.tui.privacy import Privacy
from formboard.tui.screens.blank import BlankScreen
from formboard.tui.screens.prompt import PromptDraft, PromptField, PromptScreen
from formboard.tui.session import BoardSession, WriteRequest
from formboard.tui.text import plain
from formboard.tui.themes import column_variables, start_theme
from formboard.tui.together import Together
from formboard.tui.widgets.board import BoardView, CardFilter
from formboard.tui.widgets.column import ColumnList
from formboard.tui.widgets.footer import QuietFooter
from formboard.tui.widgets.presence_bar import PresenceBar
from formboard.tui.widgets.status import StatusLine
from formboard.tui.widgets.text_input import TextInput


class FormboardApp(Together, Privacy, App[None]):
    """A board in the terminal."""

    TITLE = "formboard"
    CSS_PATH = "formboard.tcss"
    # esc closes Textual's "Keys" panel (from the palette) first, on any screen; with no
    # panel open the binding is disabled (check_action) and esc does what it did.
    BINDINGS = [
        *BOARD_BINDINGS,
        Binding("escape", "hide_keys_panel", show=False, priority=True, id="app.hide_keys"),
    ]
    # Board actions act on the board's cursor; from a card screen or a dialog they must not.
    # Help and quit too: every other screen has its own keys to close it (and asks before
    # dropping what was typed), and its footer should say so, not "q Quit".
    BOARD_ONLY_ACTIONS = frozenset(
        {"navigate", "page", "move_card", "new_card", "open_card", "add_perspective", "link_card",
         "archive_card", "undo_archive", "filter", "clear", "follow", "help", "quit"}
    )  # fmt: skip
    # While the screen is hidden, only enter (the hidden screen's own key) does anything:
    # no palette, no dialogs, nothing that could show a card.
    WHILE_HIDDEN = frozenset({"show_again"})

    def __init__(
        self,
        path: Path,
        *,
        theme: str | None = None,
        identity: Identity | None = None,
        store_options: dict[str, Any] | None = None,
        watch: str | None = None,
        watch_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.board_path = Path(path)
        self.identity = identity or current_identity()
        self.requested_theme = theme
        self.watch_mode, self.watch_reason = choose_mode(self.board_path, watch)
        self.session = BoardSession(
            self.board_path,
            self.post_message,
            self.identity,
            store_options,
            self.watch_mode,
            watch_options,
        )
        self.presence = PresenceLoop(Presence(self.board_path, self.identity), self.post_message)
        self.others: list[PresenceEntry] = []
        self.following: PresenceEntry | None = None
        self.read_only_reason: str | None = None
        self.archived_this_session: list[str] = []
        self.board_view = BoardView()
        self.status_line = StatusLine()
        self.presence_bar = PresenceBar("")
        self._loaded = False
        self._focus_when_shown: str | None = None
        self._odd_said: set[str] = set()  # cards and links whose odd values were said
        self._theme_problems: list[str] = []
        self._opened: BoardLoaded | None = None

    # ------------------------------------------------------------- startup

    def compose(self) -> ComposeResult:
        yield self.board_view
        yield TextInput(
            placeholder="filter: words  by:author  disc:discipline  status:agreed", id="filter"
        )
        yield self.presence_bar
        yield self.status_line
        yield QuietFooter()

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
        broken = config_problem()  # a broken config.toml: name, theme and idle time vanish
        if broken:
            self.notify(broken, title="Settings", severity="warning", markup=False, timeout=15)
        if self._theme_problems:
            self.notify(
                "\n".join(self._theme_problems),
                title="Themes",
                severity="warning",
                markup=False,
                timeout=12,
            )
        idle_problem = self.start_privacy()
        if idle_problem:
            self.notify(idle_problem, title="Settings", severity="warning", markup=False)
        me = self.identity.name + (
            f" ({self.identity.discipline})" if self.identity.discipline else ""
        )
        self.status_line.me = me
        self.query_one("#filter").display = False
        # The board is read here, before the first frame, so that frame shows the cards;
        # the session's thread (watching, writing) starts once they are on screen.
        try:
            loaded = self._opened or self.session.open()
        except FormboardError as exc:
            self.exit(return_code=1, message=str(exc))
            return
        self._board_loaded(loaded)
        self.call_after_refresh(self._start_threads)

    def _start_threads(self) -> None:
        resume_collector()  # start-up is over (startup.py)
        self.run_worker(self.session.run, thread=True, group="board-session", exit_on_error=False)
        self.presence.start()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's own themes don't know our column colours; take them from their palette.
        return {**super().get_theme_variable_defaults(), **column_variables(self.current_theme)}

    def watch_theme(self, theme: str) -> None:
        if self._loaded and theme != load_config().get("theme"):
            save_config({"theme": theme})

    def _handle_exception(self, error: Exception) -> None:
        crash.handle(self, error)

    def on_unmount(self) -> None:
        self.session.stop()
        self.presence.stop()

    # ----------------------------------------------------- session messages

    @on(BoardLoaded)
    def _board_loaded(self, message: BoardLoaded) -> None:
        board = message.board
        self.read_only_reason = message.read_only_reason
        self.board_view.show_board(board)
        self.board_view.focus_column(Column.SYMPTOMS, 0)
        self.status_line.client = board.client
        self.status_line.revision = board.revision
        if message.read_only_reason:
            self.status_line.set_state(f"read-only: {message.read_only_reason}", "warning")
        else:
            self.status_line.set_state("saved")
        self.sub_title = board.client
        self.status_line.extra = self.live_label()
        self._loaded = True
        self._say_outside_values([*board.cards, *board.links], board.problems)

    def _say_outside_values(self, things: Sequence[Card | Link], problems: Sequence[str]) -> None:
        """Once per card or link: another program stored a value formboard does not know."""
        odd = {t.id for t in things if t.problems} - self._odd_said
        if not odd and not problems:
            return
        self._odd_said |= odd
        cards = sum(1 for t in things if t.id in odd and isinstance(t, Card))
        links = len(odd) - cards
        shown = [
            f"{n} {noun}{'' if n == 1 else 's'}"
            for n, noun in ((cards, "card"), (links, "link"))
            if n
        ]
        verb = "shows" if len(odd) == 1 else "show"
        where = f"{' and '.join(shown)} {verb} a stand-in, marked ⚠" if odd else ""
        said = "; ".join([where, *problems] if where else problems)
        self.notify(
            f"Values on this board were written outside formboard: {said}. "
            f"`formboard check {self.session.path}` names each one and its fix.",
            title="Board",
            severity="warning",
            markup=False,
            timeout=15,
        )

    @on(BoardUnavailable)
    def _board_unavailable(self, message: BoardUnavailable) -> None:
        self.exit(return_code=1, message=message.reason)

    @on(BoardChanged)
    def _board_changed(self, message: BoardChanged) -> None:
        changes = message.changes
        self.board_view.apply(changes)
        self.status_line.revision = changes.revision
        self._say_outside_values(
            [*changes.cards_added, *changes.cards_changed, *changes.links_added], ()
        )
        if self._focus_when_shown and self.board_view.focus_card(self._focus_when_shown):
            self._focus_when_shown = None
        # Card screens follow the board too, even while a dialog is on top of them.
        for screen in self.screen_stack[1:]:
            follower = getattr(screen, "board_changed", None)
            if follower is not None:
                follower(message.changes)

    @on(SaveState)
    def _save_state(self, message: SaveState) -> None:
        level = "error" if message.error else ("warning" if message.waiting_for else "")
        self.status_line.set_state(message.text, level)
        # An open card hides the status line: it says whose lock its save waits for.
        for screen in self.screen_stack[1:]:
            waiting = getattr(screen, "waiting_for_lock", None)
            if waiting is not None and message.waiting_for:
                waiting(message.text)
            pending_changed = getattr(screen, "pending_changed", None)  # the quit question
            if pending_changed is not None:
                pending_changed(self.session.pending, message.text)

    @on(WriteSaved)
    def _write_saved(self, message: WriteSaved) -> None:
        request: WriteRequest = message.request
        if request.method in ("add_card", "move_card") and isinstance(message.result, Card):
            # The change set that shows the card comes right after this message.
            self._focus_when_shown = message.result.id
        if request.method == "archive_card":
            self.archived_this_session.append(request.args[0])
        if request.on_saved is not None:
            request.on_saved(message.result)

    @on(WriteFailed)
    def _write_failed(self, message: WriteFailed) -> None:
        request: WriteRequest = message.request
        self.status_line.set_state("not saved", "error")
        if request.on_failed is not None:
            request.on_failed(message.reason, message.conflict)
        else:
            self.notify(
                message.reason, title="Not saved", severity="error", markup=False, timeout=10
            )

    # ------------------------------------------------------------- writing

    def writable(self) -> bool:
        """True if the board can be changed; otherwise say why (before anyone types)."""
        if self.read_only_reason:
            self.notify(
                f"This board is read-only: {self.read_only_reason}.",
                severity="warning",
                markup=False,
            )
            return False
        return True

    def write(self, request: WriteRequest) -> bool:
        """Hand a write to the session; refuse at once on a read-only board."""
        if not self.writable():
            return False
        self.session.submit(request)
        return True

    def focused_card(self) -> Card | None:
        return self.board_view.focused_card

    # ------------------------------------------------------------- actions

    def action_navigate(self, columns: int, rows: int) -> None:
        self.stop_following()
        self.board_view.navigate(columns, rows)

    def ask(self, draft: PromptDraft, error: str = "") -> None:
        """Open a dialog; its values become a write that keeps the draft for a retry."""
        if not self.writable():
            return

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            request = draft.make_request(values)
            # On failure the dialog comes back with what was typed and the reason.
            request.on_failed = lambda reason, _conflict: self.ask(
                replace(draft, values=values), reason
            )
            self.write(request)

        fields = [
            replace(f, value=draft.values.get(f.name, f.value), original=f.value)
            for f in draft.fields
        ]
        self.push_screen(PromptScreen(draft.title, fields, error=error), done)

    def action_page(self, pages: int) -> None:
        self.stop_following()
        self.board_view.navigate(0, pages * self.board_view.column_list.page_cards)

    def action_move_card(self, columns: int, rows: int) -> None:
        card = self.focused_card()
        if card is None:
            return
        here = self.board_view.column_list
        if columns:
            order = list(Column)
            position = order.index(card.column) + columns
            if not 0 <= position < len(order):
                return
            there = self.board_view.panes[order[position]].cards
            before = there.cards[here.cursor].id if here.cursor < len(there.cards) else None
            self.write(WriteRequest("move_card", (card.id, order[position]), {"before": before}))
            return
        index = here.cursor + rows
        if not 0 <= index < len(here.cards):
            return
        # Down: before the card after the next one (or the bottom); up: before the previous.
        after = index + 1 if rows > 0 else index
        before = here.cards[after].id if after < len(here.cards) else None
        self.write(WriteRequest("move_card", (card.id,), {"before": before}))

    def action_new_card(self) -> None:
        column = self.board_view.current_column
        self.ask(
            PromptDraft(
                f"New card in {column.label}",
                [PromptField("title", "Title", kind="title", required=True)],
                lambda v: WriteRequest("add_card", (column, v["title"])),
            )
        )

    def action_add_perspective(self) -> None:
        card = self.focused_card()
        if card is None:
            return
        fields = [
            PromptField("text", "Your reading", multiline=True, kind="text", required=True),
            PromptField("discipline", "Discipline", value=self.identity.discipline, required=True),
        ]
        self.ask(
            PromptDraft(
                "Your perspective on this card",
                fields,
                lambda v: WriteRequest(
                    "add_perspective", (card.id, v["text"]), {"discipline": v["discipline"]}
                ),
            )
        )

    def action_open_card(self) -> None:
        card = self.focused_card()
        if card is None:
            return
        from formboard.tui.screens.card import CardScreen

        self.push_screen(CardScreen(card.id))

    def action_link_card(self) -> None:
        card = self.focused_card()
        if card is None:
            return
        from formboard.tui.screens.link_picker import LinkPicker

        self.push_screen(LinkPicker(card.id))

    def action_archive_card(self) -> None:
        card = self.focused_card()
        if card is not None and self.write(WriteRequest("archive_card", (card.id,))):
            self.notify("Card archived. Press u to bring it back.", markup=False, timeout=4)

    def action_undo_archive(self) -> None:
        if not self.archived_this_session:
            self.notify("Nothing archived in this session to undo.", markup=False)
            return
        card_id = self.archived_this_session.pop()
        if self.write(WriteRequest("restore_card", (card_id,))):
            self._focus_when_shown = card_id

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # At once, not with focus() (which waits a turn): "/" is a priority binding, so
        # the keys typed right after it are forwarded next, and must find the box.
        self.screen.set_focus(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        wanted = CardFilter.parse(event.value)
        # Shown under the box, in words, never as markup (it quotes what was typed).
        event.input.border_subtitle = (
            plain(wanted.problem, one_line=True) if wanted.problem else None
        )
        self.board_view.set_filter(wanted)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.board_view.focus_column(self.board_view.current_column)

    def action_clear(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.board_view.set_filter(CardFilter())
        self.board_view.focus_column(self.board_view.current_column)

    @on(ColumnList.Clicked)
    def _card_clicked(self, message: ColumnList.Clicked) -> None:
        self.stop_following()
        if message.chain >= 2:
            self.call_after_refresh(self.action_open_card)

    async def action_quit(self) -> None:
        """Quit; with changes still waiting to be written (a colleague holds the lock), ask."""
        waiting = self.session.pending
        if not waiting:
            self.exit()
            return
        from formboard.tui.screens.quit import QuitWhileWaiting  # pulls in the dialogs

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self.exit()

        self.push_screen(QuitWhileWaiting(waiting, self.status_line.save_state), answered)

    def action_help(self) -> None:
        from formboard.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_hide_keys_panel(self) -> None:
        self.action_hide_help_panel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_keys_panel":
            return bool(self.screen.query("HelpPanel"))
        if action == "filter" and isinstance(self.focused, Input):
            return False  # a "/" typed in the filter (or any text box) is text
        if isinstance(self.screen, BlankScreen):
            return action in self.WHILE_HIDDEN
        on_board = self.screen is self.screen_stack[0]
        return on_board or action not in self.BOARD_ONLY_ACTIONS

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from getattr(screen, "system_commands", lambda: ())()
        # Textual's "Screenshot" writes the whole screen, client text included, as a
        # world-readable file in ~/Downloads: not on a clinical board.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Screenshot")
        for action, (title, help_text) in ACTION_HELP.items():
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))
