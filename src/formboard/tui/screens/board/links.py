"""The links seen whole, from the board: maintaining cycles ("cycle of 3" on the cards,
c lists them) and m, the map of links around the focused card.

A part of the board screen. Cycles are worked out in a worker thread (networkx loads
there, after the first frame, never at start-up) and again when links change. The map
screen it opens tells the Colleagues part where I am in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formboard.core.changes import ChangeSet

if TYPE_CHECKING:
    from formboard.core.graph import Cycle
    from formboard.tui.screens.board.screen import BoardScreen


class LinkViews:
    """The cycles (c) and the map (m) of the board screen."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.found_cycles: list[Cycle] | None = None  # None until worked out

    def start(self) -> None:
        """Work out the cycles of the board as it is now, off the UI thread."""
        app = self.board.formboard
        state = app.board
        if state is None:
            return
        board = state.board()

        def work() -> None:
            from formboard.core.graph import cycles

            found = cycles(board)
            app.call_from_thread(self._found, found)

        app.run_worker(work, thread=True, group="cycles", exclusive=True, exit_on_error=False)

    def _found(self, found: list[Cycle]) -> None:
        from formboard.core.graph import in_cycles

        self.found_cycles = found
        self.board.board_view.set_cycles(in_cycles(found))
        self.board.navigation.redraw_maps()

    def changed(self, changes: ChangeSet) -> None:
        """Links came or went, or a card was archived or restored: work them out again."""
        archiving = any(op.op in ("archive_card", "restore_card") for op in changes.ops)
        links = changes.links_added or changes.links_removed or changes.links_changed
        if links or archiving or changes.cards_removed or changes.full:
            self.start()

    def list_cycles(self) -> None:
        """Every maintaining cycle as a sentence; enter goes to its first card (c)."""
        found, board = self.found_cycles, self.board
        if found is None:
            board.notify("The cycles are still being worked out; try again in a moment.")
            return
        if not found:
            board.notify(
                "No maintaining cycle: no chain of maintains and triggers links returns to "
                "where it started."
            )
            return

        def chosen(card_id: str | None) -> None:
            if card_id:
                board.colleagues.own_move()
                board.board_view.focus_card(card_id)

        titles = {c.id: c.title for c in board.formboard.cards.values()}
        board.navigation.cycles(found, titles, chosen)

    # ------------------------------------------------------------- the map

    def open_map_here(self) -> None:
        """The map of links around the focused card (m)."""
        card = self.board.board_view.focused_card
        if card is None:
            self.board.notify("No card to draw the map around: the board is empty.")
            return
        self.board.colleagues.own_move()
        self.board.navigation.map(card.id, card.id)
