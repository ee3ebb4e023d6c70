"""The board's keys that write: a new card, a perspective, a move, archive and bring back,
undo and redo.

A part of the board screen. Each key becomes a command (``core.commands``, imported with
the first write, never at start-up) that the board screen asks for; the answer comes back
to the screen (``WriteSaved`` / ``WriteFailed``), which passes it here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formboard.core.model import Card, Column
from formboard.tui.dialogs.asking import ask
from formboard.tui.dialogs.prompt import PromptDraft, PromptField
from formboard.tui.messages import WriteFailed

if TYPE_CHECKING:
    from formboard.core.commands import Command
    from formboard.tui.screens.board.screen import BoardScreen


class CardEdits:
    """n, p, shift+arrows, a, u, A, ctrl+z and ctrl+y on the board."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.archived_this_session: list[str] = []

    def _write(self, command: Command) -> bool:
        return self.board.retries.submit(command)

    def saved(self, command: object, result: object) -> None:
        """One of the board's writes landed: say so, and put the cursor where it belongs."""
        from formboard.core.commands import AddCard, ArchiveCard, MoveCard, Redo, RestoreCard, Undo

        board = self.board
        match command:
            case AddCard() | MoveCard() if isinstance(result, Card):
                # The change set that shows the card comes right after this message.
                board.focus_when_shown(result.id)
            case ArchiveCard(card_id=card_id):
                self.archived_this_session.append(card_id)
                board.notify("Card archived. Press u to bring it back.", timeout=4)
            case RestoreCard(card_id=card_id):
                board.focus_when_shown(card_id)
            case Undo() | Redo():
                undone: str | None = getattr(result, "card_id", None)
                if undone:
                    board.focus_when_shown(undone)
                word = "Redone" if isinstance(command, Redo) else "Undone"
                board.notify(f"{word}: you {getattr(result, 'said', '')}.", timeout=6)

    def failed(self, message: WriteFailed) -> bool:
        """An undo or redo refused is said with its reason; True when it was one of them."""
        from formboard.core.commands import Redo, Undo

        if not isinstance(message.command, Undo | Redo):
            return False
        word = "redone" if isinstance(message.command, Redo) else "undone"
        self.board.notify(message.reason, title=f"Not {word}", severity="warning", timeout=10)
        return True

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
            self._write(MoveCard(card.id, order[position], before))
            return
        index = here.cursor + rows
        if not 0 <= index < len(here.cards):
            return
        # Down: before the card after the next one (or the bottom); up: before the previous.
        after = index + 1 if rows > 0 else index
        before = here.cards[after].id if after < len(here.cards) else None
        self._write(MoveCard(card.id, None, before))

    def new_card(self) -> None:
        from formboard.core.commands import AddCard

        column = self.board.board_view.current_column
        ask(
            self.board.retries,
            PromptDraft(
                f"New card in {column.label}",
                [PromptField("title", "Title", kind="title", required=True)],
                lambda v: AddCard(column, v["title"]),
            ),
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
        ask(
            self.board.retries,
            PromptDraft(
                "Your perspective on this card",
                fields,
                lambda v: AddPerspective(card.id, v["text"], v["discipline"]),
            ),
        )

    def archive(self) -> None:
        from formboard.core.commands import ArchiveCard

        card = self.board.board_view.focused_card
        if card is not None:
            self._write(ArchiveCard(card.id))

    def undo_archive(self) -> None:
        if not self.archived_this_session:
            self.board.notify("Nothing archived in this session to undo.")
            return
        self._restore(self.archived_this_session.pop())

    def _restore(self, card_id: str) -> None:
        from formboard.core.commands import RestoreCard

        self._write(RestoreCard(card_id))

    def show_archived(self) -> None:
        """The archived cards, who archived each and when; enter brings one back (A)."""
        state = self.board.formboard.board
        if state is None or not any(c.archived for c in state.cards.values()):
            self.board.notify("Nothing is archived on this board.")
            return

        def chosen(card_id: str | None) -> None:
            if card_id:
                self._restore(card_id)

        self.board.navigation.archived(state.cards, state.name_of, chosen)

    def undo_or_redo(self, redo: bool) -> None:
        """Undo my latest change, or redo what I undid last (ctrl+z, ctrl+y)."""
        from formboard.core.commands import Redo, Undo

        self._write(Redo() if redo else Undo())
