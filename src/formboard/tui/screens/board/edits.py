"""The board's keys that write: a new card, a perspective, a move, archive and bring back,
undo and redo.

A part of the board screen. Each key becomes a command (``core.commands``, imported with
the first write, never at start-up) that the app hands to the session; what the session
says back comes to the screen (``WriteSaved``), which passes it here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formboard.core.model import Card, Column
from formboard.tui.screens.prompt import PromptDraft, PromptField
from formboard.tui.session import WriteRequest

if TYPE_CHECKING:
    from formboard.tui.screens.board.screen import BoardScreen


class CardEdits:
    """n, p, shift+arrows, a, u, A, ctrl+z and ctrl+y on the board."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.archived_this_session: list[str] = []

    def _write(self, request: WriteRequest) -> bool:
        return self.board.formboard.write(request)

    def saved(self, command: object, result: object) -> None:
        """One of my writes landed: remember what the next keys need."""
        from formboard.core.commands import AddCard, ArchiveCard, EditCard, MoveCard

        match command:
            case EditCard(card_id=card_id, fields=fields):
                self.board.colleagues.saved(card_id, fields)
            case AddCard() | MoveCard() if isinstance(result, Card):
                # The change set that shows the card comes right after this message.
                self.board.focus_when_shown(result.id)
            case ArchiveCard(card_id=card_id):
                self.archived_this_session.append(card_id)

    def move(self, columns: int, rows: int) -> None:
        """Move the focused card to the next column, or up and down its own."""
        from formboard.core.commands import MoveCard

        view = self.board.board_view
        card = view.focused_card
        if card is None:
            return
        here = view.column_list
        if columns:
            order = list(Column)
            position = order.index(card.column) + columns
            if not 0 <= position < len(order):
                return
            there = view.panes[order[position]].cards
            before = there.cards[here.cursor].id if here.cursor < len(there.cards) else None
            self._write(WriteRequest(MoveCard(card.id, order[position], before)))
            return
        index = here.cursor + rows
        if not 0 <= index < len(here.cards):
            return
        # Down: before the card after the next one (or the bottom); up: before the previous.
        after = index + 1 if rows > 0 else index
        before = here.cards[after].id if after < len(here.cards) else None
        self._write(WriteRequest(MoveCard(card.id, None, before)))

    def new_card(self) -> None:
        from formboard.core.commands import AddCard

        column = self.board.board_view.current_column
        self.board.formboard.ask(
            PromptDraft(
                f"New card in {column.label}",
                [PromptField("title", "Title", kind="title", required=True)],
                lambda v: WriteRequest(AddCard(column, v["title"])),
            )
        )

    def add_perspective(self) -> None:
        from formboard.core.commands import AddPerspective

        app = self.board.formboard
        card = self.board.board_view.focused_card
        if card is None:
            return
        fields = [
            PromptField("text", "Your reading", multiline=True, kind="text", required=True),
            PromptField("discipline", "Discipline", value=app.identity.discipline, required=True),
        ]
        app.ask(
            PromptDraft(
                "Your perspective on this card",
                fields,
                lambda v: WriteRequest(AddPerspective(card.id, v["text"], v["discipline"])),
            )
        )

    def archive(self) -> None:
        from formboard.core.commands import ArchiveCard

        card = self.board.board_view.focused_card
        if card is not None and self._write(WriteRequest(ArchiveCard(card.id))):
            self.board.notify("Card archived. Press u to bring it back.", timeout=4)

    def undo_archive(self) -> None:
        if not self.archived_this_session:
            self.board.notify("Nothing archived in this session to undo.")
            return
        self._restore(self.archived_this_session.pop())

    def _restore(self, card_id: str) -> None:
        from formboard.core.commands import RestoreCard

        if self._write(WriteRequest(RestoreCard(card_id))):
            self.board.focus_when_shown(card_id)

    def show_archived(self) -> None:
        """The archived cards, who archived each and when; enter brings one back (A)."""
        state = self.board.board_view.state
        if not any(c.archived for c in state.cards.values()):
            self.board.notify("Nothing is archived on this board.")
            return
        from formboard.tui.screens.archived import ArchivedCards

        def chosen(card_id: str | None) -> None:
            if card_id:
                self._restore(card_id)

        self.board.app.push_screen(ArchivedCards(state.cards, state.name_of), chosen)

    def undo_or_redo(self, redo: bool) -> None:
        """Undo my latest change, or redo what I undid last (ctrl+z, ctrl+y)."""
        from formboard.core.commands import Redo, Undo

        word = "Redone" if redo else "Undone"
        board = self.board

        def saved(done: object) -> None:
            card_id = getattr(done, "card_id", None)
            if card_id:
                board.focus_when_shown(card_id)
            board.notify(f"{word}: you {getattr(done, 'said', '')}.", timeout=6)

        def failed(reason: str, _conflict: object) -> None:
            board.notify(reason, title=f"Not {word.lower()}", severity="warning", timeout=10)

        self._write(WriteRequest(Redo() if redo else Undo(), on_saved=saved, on_failed=failed))
