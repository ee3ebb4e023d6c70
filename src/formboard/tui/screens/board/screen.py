"""The board screen: the app's default screen, its keys, and the parts that do their work.

It shows the session's snapshot (``BoardLoaded`` / ``BoardChanged``, handed on by the app)
and hands each key to the part whose work it is. The parts are plain objects with their
own state, each in its own module of this package:

- ``colleagues``: who else is here, where I am for them, following one of them;
- ``meeting``: the running meeting, M, F and B, attendance, the note;
- ``since``: "new" and "changed" since the last meeting or my last visit, S and .;
- ``links``: the maintaining cycles (c) and the map (m);
- ``edits``: the keys that write (n, p, moves, a, u, A, ctrl+z, ctrl+y);
- ``exports``: the palette's exports;

and ``navigation``, the one way from the board to every other screen (the parts ask it).

Its keys are its own (``bindings.BOARD_BINDINGS``): they do nothing on a card screen or a
dialog, which have theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.screen import Screen
from textual.widgets import Input

from formboard.core.facts import PROBLEM_MARK
from formboard.core.history import last_changed
from formboard.core.model import Card, Column, Link, Op
from formboard.tui.bindings import BOARD_BINDINGS
from formboard.tui.dialogs.asking import Retries
from formboard.tui.messages import (
    BackupFailed,
    BoardChanged,
    BoardLoaded,
    BoardWhole,
    PresenceChanged,
    SaveState,
    WatchTrouble,
    WriteFailed,
    WriteSaved,
)
from formboard.tui.screens.board.colleagues import Colleagues
from formboard.tui.screens.board.edits import CardEdits
from formboard.tui.screens.board.exports import RecordExports
from formboard.tui.screens.board.links import LinkViews
from formboard.tui.screens.board.meeting import MeetingRoom
from formboard.tui.screens.board.navigation import Navigation
from formboard.tui.screens.board.since import SinceMarks
from formboard.tui.text import plain
from formboard.tui.widgets.board import BoardView, CardFilter
from formboard.tui.widgets.column import ColumnList
from formboard.tui.widgets.footer import QuietFooter
from formboard.tui.widgets.presence_bar import PresenceBar
from formboard.tui.widgets.status import StatusLine
from formboard.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from formboard.core.board_state import BoardState
    from formboard.tui.app import FormboardApp


class BoardScreen(Screen[None]):
    """Five columns, the filter box, who else is here, the status line and the keys."""

    BINDINGS = BOARD_BINDINGS

    def __init__(self) -> None:
        super().__init__(id="board-screen")
        self.board_view = BoardView()
        self.status_line = StatusLine()
        self.presence_bar = PresenceBar("")
        self.navigation = Navigation(self)  # the way to every other screen
        self.colleagues = Colleagues(self)
        self.meeting = MeetingRoom(self)
        self.since = SinceMarks(self)
        self.links = LinkViews(self)
        self.edits = CardEdits(self)
        self.exports = RecordExports(self)
        self.retries = Retries(self)  # the writes this screen asked for
        self.last_change: Op | None = None  # the op log's newest entry the screen knows
        self._focus_when_shown: str | None = None
        self._odd_said: set[str] = set()  # cards and links whose odd values were said

    @property
    def formboard(self) -> FormboardApp:
        return cast("FormboardApp", self.app)

    def compose(self) -> ComposeResult:
        yield self.board_view
        yield TextInput(
            placeholder="filter: words  by:author  disc:discipline  status:agreed", id="filter"
        )
        yield self.presence_bar
        yield self.status_line
        yield QuietFooter()

    def on_screen_suspend(self) -> None:
        self.query_one(QuietFooter).set_covered(True)  # a dialog or a card is on top

    def on_screen_resume(self) -> None:
        self.query_one(QuietFooter).set_covered(False)

    def on_mount(self) -> None:
        me = self.formboard.identity
        self.status_line.me = me.name + (f" ({me.discipline})" if me.discipline else "")
        self.query_one("#filter").display = False
        self.meeting.start()

    # ------------------------------------------------------- what the app hands on

    @on(BoardLoaded)
    def show_loaded(self, message: BoardLoaded) -> None:
        state = message.state
        self.board_view.show_board(state)
        self.board_view.focus_column(Column.SYMPTOMS, 0)
        self.status_line.client = state.client
        self.status_line.revision = state.revision
        self._say_changed(message.last_change)
        if message.read_only_reason:
            self.status_line.set_state(f"read-only: {message.read_only_reason}", "warning")
        else:
            self.status_line.set_state("saved")
        self.status_line.extra = self.colleagues.live_label()
        self.meeting.meetings_changed(state)
        if state.totals is None:  # else once the rest of a large board is read (show_whole)
            self._board_whole(state)

    def show_whole(self, message: BoardWhole) -> None:
        """The rest of a large board, read after its first frame showed its first rows."""
        state = message.state
        self.board_view.show_board(state)
        self.status_line.revision = state.revision
        if message.read_only_reason:  # its file's check found it damaged
            self.status_line.set_state(f"read-only: {message.read_only_reason}", "warning")
        self._board_whole(state)

    def _board_whole(self, state: BoardState) -> None:
        self._say_outside_values([*state.cards.values(), *state.links.values()], state.problems)
        self.call_after_refresh(self.since.start)  # after the first frame, not before it
        self.call_after_refresh(self.links.start)

    @on(BoardChanged)
    def _board_changed(self, message: BoardChanged) -> None:
        changes = message.changes
        self.board_view.apply(changes, message.state)
        self.status_line.revision = changes.revision
        if changes.ops:
            self._say_changed(changes.ops[-1])
        self._say_outside_values(
            [*changes.cards_added, *changes.cards_changed, *changes.links_added], ()
        )
        if self._focus_when_shown and self.board_view.focus_card(self._focus_when_shown):
            self._focus_when_shown = None
            if self.colleagues.following is not None:
                self.navigation.follow_view(self.colleagues.following)
        if changes.meetings_changed:
            self.meeting.meetings_changed(message.state)
        self.since.changed(changes.ops)
        self.links.changed(changes)
        self.colleagues.say_replaced(changes)

    def focus_when_shown(self, card_id: str) -> None:
        """Put the cursor on ``card_id`` as soon as a change set brings it to this board."""
        self._focus_when_shown = card_id

    @on(SaveState)
    def _save_state(self, message: SaveState) -> None:
        level = "error" if message.error else ("warning" if message.waiting_for else "")
        self.status_line.set_state(message.text, level)

    @on(WriteSaved)
    def _write_saved(self, message: WriteSaved) -> None:
        """One of the writes this screen asked for landed."""
        message.stop()
        self.retries.answered(message)
        self.edits.saved(message.command, message.result)
        self.meeting.saved(message.command, message.result)

    @on(WriteFailed)
    def _write_failed(self, message: WriteFailed) -> None:
        """One of this screen's writes failed: its dialog comes back, or the part that
        asked says why; anything else goes on to the app, which says it."""
        if (
            self.retries.answered(message)
            or self.edits.failed(message)
            or self.meeting.failed(message)
        ):
            message.stop()

    @on(PresenceChanged)
    def _presence_changed(self, message: PresenceChanged) -> None:
        summoned = self.meeting.presence_seen(message.others)
        self.colleagues.presence_changed(message, summoned)

    @on(WatchTrouble)
    def _watch_trouble(self, message: WatchTrouble) -> None:
        self.colleagues.watch_changed(message.problem)

    @on(BackupFailed)
    def _backup_failed(self, message: BackupFailed) -> None:
        self.notify(message.reason, title="Backup not taken", severity="warning", timeout=15)

    @on(BoardView.FocusChanged)
    def _focus_changed(self) -> None:
        self.colleagues.announce()

    @on(BoardView.FocusedCardGone)
    def _focused_card_gone(self, message: BoardView.FocusedCardGone) -> None:
        self.colleagues.card_gone(message.card_id, message.by)

    def _say_changed(self, op: Op | None) -> None:
        self.last_change = op  # for the record's "last changed … by …" (exports.py)
        me = self.formboard.identity
        self.status_line.changed = last_changed(op, me=me.person, on_screen=True)

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
        where = f"{' and '.join(shown)} {verb} a stand-in, marked {PROBLEM_MARK}" if odd else ""
        said = "; ".join([where, *problems] if where else problems)
        self.notify(
            f"Values on this board were written outside formboard: {said}. "
            f"`formboard check {self.formboard.session.path}` names each one and its fix.",
            title="Board",
            severity="warning",
            timeout=15,
        )

    # ------------------------------------------------------------- the keys

    def action_navigate(self, columns: int, rows: int) -> None:
        self.colleagues.own_move()
        self.board_view.navigate(columns, rows)

    def action_page(self, pages: int) -> None:
        self.colleagues.own_move()
        self.board_view.navigate(0, pages * self.board_view.column_list.page_cards)

    def action_open_card(self) -> None:
        self.colleagues.own_move()
        self.open_card()

    def action_edit_card(self) -> None:
        self.colleagues.own_move()
        self.open_card(editing=True)

    def open_card(self, *, followed: bool = False, editing: bool = False) -> None:
        """Open the focused card to read (``followed``: because the one I follow did)."""
        self.navigation.card(followed=followed, editing=editing)

    def action_history(self) -> None:
        self.colleagues.own_move()
        self.navigation.history()

    def action_link_card(self) -> None:
        self.navigation.link_picker()

    # Keys that are another part's work, by the action names of ``bindings.py``.
    def action_move_card(self, columns: int, rows: int) -> None:
        self.edits.move(columns, rows)

    def action_new_card(self) -> None:
        self.edits.new_card()

    def action_add_perspective(self) -> None:
        self.edits.add_perspective()

    def action_archive_card(self) -> None:
        self.edits.archive()

    def action_undo_archive(self) -> None:
        self.edits.undo_archive()

    def action_show_archived(self) -> None:
        self.edits.show_archived()

    def action_undo(self) -> None:
        self.edits.undo_or_redo(redo=False)

    def action_redo(self) -> None:
        self.edits.undo_or_redo(redo=True)

    def action_follow(self) -> None:
        self.colleagues.choose_whom_to_follow()

    def action_go_with(self) -> None:
        self.colleagues.go_to_next_board()

    def action_meeting(self) -> None:
        self.meeting.start_or_end()

    def action_follow_facilitator(self) -> None:
        self.meeting.follow_facilitator()

    def action_bring_everyone(self) -> None:
        self.meeting.bring_everyone()

    def action_next_change(self) -> None:
        self.since.next_change()

    def action_since(self) -> None:
        self.since.switch()

    def action_cycles(self) -> None:
        self.links.list_cycles()

    def action_map(self) -> None:
        self.links.open_map_here()

    # ------------------------------------------------------------- the filter

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # At once, not with focus() (which waits a turn): "/" is a priority binding, so
        # the keys typed right after it are forwarded next, and must find the box.
        self.set_focus(box)

    def show_filter(self, text: str) -> None:
        """Show the filter as ``text`` (a leader's), as if typed here."""
        box = self.query_one("#filter", Input)
        box.display = bool(text)
        box.value = text
        self.board_view.set_filter(CardFilter.parse(text))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        wanted = CardFilter.parse(event.value)
        # Shown under the box, in words, never as markup (it quotes what was typed).
        event.input.border_subtitle = (
            plain(wanted.problem, one_line=True) if wanted.problem else None
        )
        self.board_view.set_filter(wanted)
        if self.focused is event.input:  # typed here, not a leader's filter shown
            self.colleagues.own_move()
        self.colleagues.announce()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.board_view.focus_column(self.board_view.current_column)

    def action_clear(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.board_view.set_filter(CardFilter())
        self.board_view.focus_column(self.board_view.current_column)

    # ------------------------------------------------------------- the rest

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back_to_list":  # only on a board opened from a folder's list
            return self.formboard.from_folder is not None
        # "/" is a priority key: typed in the filter box it is text, not the filter again.
        return not (action == "filter" and isinstance(self.focused, Input))

    def action_back_to_list(self) -> None:
        """Back to the folder's boards, to open the next client's (q still quits)."""
        self.formboard.leave_then_exit(("list",))

    @on(ColumnList.Clicked)
    def _card_clicked(self, message: ColumnList.Clicked) -> None:
        self.colleagues.own_move()
        if message.chain >= 2:
            self.call_after_refresh(self.action_open_card)

    async def action_quit(self) -> None:
        await self.formboard.quit_when_safe()

    def action_help(self) -> None:
        self.navigation.help()

    def system_commands(self) -> Iterable[SystemCommand]:
        """The board's keys for the command palette, each with the keys in force."""
        from formboard.tui.screens.help import live_bindings

        for binding, keys in live_bindings(self):
            if binding.show or binding.action in _PALETTE_EXTRA:
                yield SystemCommand(
                    f"{binding.description} ({keys})",
                    binding.tooltip[:1].upper() + binding.tooltip[1:],
                    lambda action=binding.action: self.run_action(action),
                )
        yield from self.exports.commands()


# Keys the footer leaves out that the palette still offers.
_PALETTE_EXTRA = {
    "undo_archive", "show_archived", "app.blank", "clear", "meeting", "follow_facilitator",
    "bring_everyone", "undo", "redo", "next_change", "since", "history", "back_to_list",
    "go_with", "cycles", "map",
}  # fmt: skip
