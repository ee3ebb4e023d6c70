"""The board screen: the app's default screen, its keys, and what they do.

It shows the session's snapshot (``BoardLoaded`` / ``BoardChanged``, handed on by the app)
and turns keys into commands (``core.commands``) that the app gives to the session. Its
keys are its own (``bindings.BOARD_BINDINGS``): they do nothing on a card screen or a
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
from formboard.core.model import Card, Column, Link
from formboard.tui.bindings import BOARD_BINDINGS
from formboard.tui.colleagues import Colleagues
from formboard.tui.cycle_marks import CycleMarks
from formboard.tui.meeting_room import MeetingRoom
from formboard.tui.messages import BoardChanged, BoardLoaded, SaveState, WriteSaved
from formboard.tui.record_export import RecordExports
from formboard.tui.screens.prompt import PromptDraft, PromptField
from formboard.tui.session import WriteRequest
from formboard.tui.since_marks import SinceMarks
from formboard.tui.text import plain
from formboard.tui.widgets.board import BoardView, CardFilter
from formboard.tui.widgets.column import ColumnList
from formboard.tui.widgets.footer import QuietFooter
from formboard.tui.widgets.presence_bar import PresenceBar
from formboard.tui.widgets.status import StatusLine
from formboard.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp


class BoardScreen(Colleagues, MeetingRoom, SinceMarks, CycleMarks, RecordExports, Screen[None]):
    """Five columns, the filter box, who else is here, the status line and the keys."""

    BINDINGS = BOARD_BINDINGS

    def __init__(self) -> None:
        super().__init__(id="board-screen")
        self.board_view = BoardView()
        self.status_line = StatusLine()
        self.presence_bar = PresenceBar("")
        self.others = []
        self.following = None
        self.archived_this_session: list[str] = []
        self._focus_when_shown: str | None = None
        self._odd_said: set[str] = set()  # cards and links whose odd values were said
        self._my_saved: dict[tuple[str, str], str] = {}  # (card, field) -> what I saved

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
        self.start_meeting_room()

    # ------------------------------------------------------- what the app hands on

    @on(BoardLoaded)
    def show_loaded(self, message: BoardLoaded) -> None:
        state = message.state
        self.board_view.show_board(state)
        self.board_view.focus_column(Column.SYMPTOMS, 0)
        self.status_line.client = state.client
        self.status_line.revision = state.revision
        if message.read_only_reason:
            self.status_line.set_state(f"read-only: {message.read_only_reason}", "warning")
        else:
            self.status_line.set_state("saved")
        self.status_line.extra = self.live_label()
        self._say_outside_values([*state.cards.values(), *state.links.values()], state.problems)
        self.meetings_changed(state)
        self.call_after_refresh(self.start_since)  # after the first frame, not before it
        self.call_after_refresh(self.start_cycles)

    @on(BoardChanged)
    def _board_changed(self, message: BoardChanged) -> None:
        changes = message.changes
        self.board_view.apply(changes, message.state)
        self.status_line.revision = changes.revision
        self._say_outside_values(
            [*changes.cards_added, *changes.cards_changed, *changes.links_added], ()
        )
        if self._focus_when_shown and self.board_view.focus_card(self._focus_when_shown):
            self._focus_when_shown = None
            if self.following is not None:
                self.follow_view(self.following)
        if changes.meetings_changed:
            self.meetings_changed(message.state)
        self.since_changed(changes.ops)
        self.cycles_changed(changes)
        self._say_replaced(changes)

    def focus_when_shown(self, card_id: str) -> None:
        """Put the cursor on ``card_id`` as soon as a change set brings it to this board."""
        self._focus_when_shown = card_id

    @on(SaveState)
    def _save_state(self, message: SaveState) -> None:
        level = "error" if message.error else ("warning" if message.waiting_for else "")
        self.status_line.set_state(message.text, level)

    @on(WriteSaved)
    def _write_saved(self, message: WriteSaved) -> None:
        from formboard.core.commands import (  # with the first write, not at start-up
            AddCard,
            ArchiveCard,
            EditCard,
            MoveCard,
        )

        match message.command:
            case EditCard(card_id=card_id, fields=fields):
                for name, value in fields.items():  # to tell me if a colleague replaces it
                    self._my_saved[(card_id, name)] = str(getattr(value, "value", value) or "")
            case AddCard() | MoveCard() if isinstance(message.result, Card):
                # The change set that shows the card comes right after this message.
                self._focus_when_shown = message.result.id
            case ArchiveCard(card_id=card_id):
                self.archived_this_session.append(card_id)

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

    def focused_card(self) -> Card | None:
        return self.board_view.focused_card

    def action_navigate(self, columns: int, rows: int) -> None:
        self.stop_following()
        self.board_view.navigate(columns, rows)

    def action_page(self, pages: int) -> None:
        self.stop_following()
        self.board_view.navigate(0, pages * self.board_view.column_list.page_cards)

    def action_move_card(self, columns: int, rows: int) -> None:
        from formboard.core.commands import MoveCard  # with the first write, not at start-up

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
            self.formboard.write(WriteRequest(MoveCard(card.id, order[position], before)))
            return
        index = here.cursor + rows
        if not 0 <= index < len(here.cards):
            return
        # Down: before the card after the next one (or the bottom); up: before the previous.
        after = index + 1 if rows > 0 else index
        before = here.cards[after].id if after < len(here.cards) else None
        self.formboard.write(WriteRequest(MoveCard(card.id, None, before)))

    def action_new_card(self) -> None:
        from formboard.core.commands import AddCard  # with the first write, not at start-up

        column = self.board_view.current_column
        self.formboard.ask(
            PromptDraft(
                f"New card in {column.label}",
                [PromptField("title", "Title", kind="title", required=True)],
                lambda v: WriteRequest(AddCard(column, v["title"])),
            )
        )

    def action_add_perspective(self) -> None:
        from formboard.core.commands import AddPerspective  # with the first write, not at start-up

        card = self.focused_card()
        if card is None:
            return
        fields = [
            PromptField("text", "Your reading", multiline=True, kind="text", required=True),
            PromptField(
                "discipline", "Discipline", value=self.formboard.identity.discipline,
                required=True,
            ),
        ]  # fmt: skip
        self.formboard.ask(
            PromptDraft(
                "Your perspective on this card",
                fields,
                lambda v: WriteRequest(AddPerspective(card.id, v["text"], v["discipline"])),
            )
        )

    def action_open_card(self) -> None:
        self.stop_following()
        self.open_card()

    def action_edit_card(self) -> None:
        self.stop_following()
        self.open_card(editing=True)

    def open_card(self, *, followed: bool = False, editing: bool = False) -> None:
        """Open the focused card to read (``followed``: because the one I follow did)."""
        card = self.focused_card()
        if card is None:
            return
        from formboard.tui.screens.card import CardScreen

        self.view = "card"
        self.announce()
        screen = CardScreen(card.id, followed=followed, editing=editing)
        self.app.push_screen(screen, self._card_closed)

    def _card_closed(self, _result: object = None) -> None:
        from formboard.tui.screens.card import CardScreen

        if not isinstance(self.app.screen, CardScreen):
            self.view = ""
            self.announce()

    def action_history(self) -> None:
        from formboard.tui.screens.history import HistoryScreen

        self.stop_following()
        self.view = "history"
        self.announce()
        card = self.focused_card()
        self.app.push_screen(HistoryScreen(card.id if card else None), self._history_closed)

    def _history_closed(self, _result: object = None) -> None:
        self.view, self.history_rev = "", 0
        self.announce()

    def action_link_card(self) -> None:
        card = self.focused_card()
        if card is None:
            return
        from formboard.tui.screens.link_picker import LinkPicker

        self.app.push_screen(LinkPicker(card.id))

    def action_archive_card(self) -> None:
        from formboard.core.commands import ArchiveCard  # with the first write, not at start-up

        card = self.focused_card()
        if card is not None and self.formboard.write(WriteRequest(ArchiveCard(card.id))):
            self.notify("Card archived. Press u to bring it back.", timeout=4)

    def action_undo_archive(self) -> None:
        from formboard.core.commands import RestoreCard  # with the first write, not at start-up

        if not self.archived_this_session:
            self.notify("Nothing archived in this session to undo.")
            return
        card_id = self.archived_this_session.pop()
        if self.formboard.write(WriteRequest(RestoreCard(card_id))):
            self._focus_when_shown = card_id

    def action_undo(self) -> None:
        from formboard.core.commands import Undo  # with the first write, not at start-up

        self._undo_or_redo(Undo(), "Undone")

    def action_redo(self) -> None:
        from formboard.core.commands import Redo  # with the first write, not at start-up

        self._undo_or_redo(Redo(), "Redone")

    def _undo_or_redo(self, command: object, word: str) -> None:
        def saved(done: object) -> None:
            card_id = getattr(done, "card_id", None)
            if card_id:
                self.focus_when_shown(card_id)
            said = f"{word}: you {getattr(done, 'said', '')}."
            self.notify(said, timeout=6)

        def failed(reason: str, _conflict: object) -> None:
            self.notify(reason, title=f"Not {word.lower()}",
                        severity="warning", timeout=10)  # fmt: skip

        self.formboard.write(WriteRequest(command, on_saved=saved, on_failed=failed))

    def action_show_archived(self) -> None:
        state = self.board_view.state
        if not any(c.archived for c in state.cards.values()):
            self.notify("Nothing is archived on this board.")
            return
        from formboard.tui.screens.archived import ArchivedCards

        def chosen(card_id: str | None) -> None:
            from formboard.core.commands import RestoreCard  # with the first write

            if card_id and self.formboard.write(WriteRequest(RestoreCard(card_id))):
                self._focus_when_shown = card_id

        self.app.push_screen(ArchivedCards(state.cards, state.name_of), chosen)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # At once, not with focus() (which waits a turn): "/" is a priority binding, so
        # the keys typed right after it are forwarded next, and must find the box.
        self.set_focus(box)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back_to_list":  # only on a board opened from a folder's list
            return self.formboard.from_folder is not None
        # "/" is a priority key: typed in the filter box it is text, not the filter again.
        return not (action == "filter" and isinstance(self.focused, Input))

    def action_back_to_list(self) -> None:
        """Back to the folder's boards, to open the next client's (q still quits)."""
        self.formboard.leave_then_exit(("list",))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        wanted = CardFilter.parse(event.value)
        # Shown under the box, in words, never as markup (it quotes what was typed).
        event.input.border_subtitle = (
            plain(wanted.problem, one_line=True) if wanted.problem else None
        )
        self.board_view.set_filter(wanted)
        if self.focused is event.input:  # typed here, not a leader's filter shown
            self.stop_following()
        self.announce()

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
        await self.formboard.quit_when_safe()

    def action_help(self) -> None:
        from formboard.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

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
        yield from self.export_commands()


# Keys the footer leaves out that the palette still offers.
_PALETTE_EXTRA = {
    "undo_archive", "show_archived", "app.blank", "clear", "meeting", "follow_facilitator",
    "bring_everyone", "undo", "redo", "next_change", "since", "history", "back_to_list",
    "go_with", "cycles", "map",
}  # fmt: skip
