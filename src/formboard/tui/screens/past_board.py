"""The board as it was at a revision: read-only, with what differs now marked in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from formboard.core.board_state import BoardState
from formboard.core.facts import count
from formboard.core.history import differences
from formboard.core.model import Board, Column
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.screens.card_parts import reading_text
from formboard.tui.text import plain
from formboard.tui.widgets.board import BoardView
from formboard.tui.widgets.footer import QuietFooter

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp


class PastBoardScreen(ClosesOnce, Screen[None]):
    """Five columns as they were; the focused card's text below; nothing can be changed."""

    DEFAULT_CSS = """
    PastBoardScreen #past-heading { height: auto; padding: 0 1; background: $warning-muted;
        color: $text; }
    PastBoardScreen:ansi #past-heading { background: ansi_default; color: ansi_yellow; }
    PastBoardScreen BoardView { height: 2fr; }
    PastBoardScreen #past-card { height: 1fr; padding: 0 1; border-top: solid $panel-lighten-2;
        overflow-y: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="past.close", tooltip="back to the history"),
        Binding("up,k", "navigate(0, -1)", show=False),
        Binding("down,j", "navigate(0, 1)", show=False),
        Binding("left,h", "navigate(-1, 0)", show=False),
        Binding("right,l", "navigate(1, 0)", show=False),
    ]

    def __init__(
        self,
        revision: int,
        said: str = "",
        own_move: Callable[[], None] | None = None,
        *,
        followed: bool = False,
    ) -> None:
        super().__init__()
        self.revision = revision
        self.said = said
        self.followed = followed  # opened because the colleague I follow went there
        self.own_move = own_move  # tells the board that following ends
        self.board_view = BoardView()
        self.past: Board | None = None

    @property
    def formboard(self) -> FormboardApp:
        return cast("FormboardApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(f"The board as it was at revision {self.revision}: reading it…",
                     id="past-heading", markup=False)  # fmt: skip
        yield self.board_view
        yield Static("", id="past-card")
        yield QuietFooter()

    def on_mount(self) -> None:
        store = self.formboard.session.store

        def work() -> None:
            assert store is not None
            past = store.board_at(self.revision)
            self.app.call_from_thread(self._show, past)

        self.run_worker(work, thread=True, group="past", exit_on_error=False)

    def _show(self, past: Board) -> None:
        self.past = past
        now = self.formboard.board
        current = now.cards if now else {}
        self.board_view.show_board(BoardState.of(past))
        differ = differences(past.cards, current)
        self.board_view.set_since(differ)
        added = sum(1 for cid, c in current.items() if not c.archived and past.card(cid) is None)
        said = f" ({self.said})" if self.said else ""
        heading = (
            f"The board as it was at revision {self.revision}{said} · read-only · "
            f"{since_then(len(differ), added)}"
        )
        self.query_one("#past-heading", Static).update(plain(heading, one_line=True))
        self.board_view.focus_column(Column.SYMPTOMS, 0)

    def action_navigate(self, columns: int, rows: int) -> None:
        if self.followed and self.own_move is not None:
            self.followed = False
            self.own_move()
        self.board_view.navigate(columns, rows)

    @on(BoardView.FocusChanged)
    def _card_focused(self, message: BoardView.FocusChanged) -> None:
        message.stop()
        card = message.card
        self.query_one("#past-card", Static).update(
            reading_text(card, editable=False) if card else ""
        )

    def action_close(self) -> None:
        if self.followed and self.own_move is not None:
            self.followed = False
            self.own_move()
        self.dismiss()


def since_then(differ: int, added: int) -> str:
    """``1 card differs now, 2 added since``: how the board moved on from then."""
    verb = "differs" if differ == 1 else "differ"
    return f"{count(differ, 'card')} {verb} now, {added} added since"
