"""Maintaining cycles on the board: "in a cycle of 3" on the cards, and c to list them.

A mixin of the board screen. Cycles are worked out in a worker thread (networkx loads
there, after the first frame, never at start-up) and again when links change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formboard.core.changes import ChangeSet

if TYPE_CHECKING:
    from formboard.core.graph import Cycle
    from formboard.tui.app import FormboardApp
    from formboard.tui.widgets.board import BoardView


class CycleMarks:
    """The cycles of the board screen (c)."""

    formboard: FormboardApp
    board_view: BoardView
    found_cycles: list[Cycle] | None = None  # None until worked out

    def start_cycles(self) -> None:
        """Work out the cycles of the board as it is now, off the UI thread."""
        state = self.formboard.board
        if state is None:
            return
        board = state.board()

        def work() -> None:
            from formboard.core.graph import cycles

            found = cycles(board)
            self.app.call_from_thread(self._cycles_found, found)

        self.app.run_worker(work, thread=True, group="cycles", exclusive=True,
                            exit_on_error=False)  # fmt: skip

    def _cycles_found(self, found: list[Cycle]) -> None:
        from formboard.core.graph import in_cycles

        self.found_cycles = found
        self.board_view.set_cycles(in_cycles(found))

    def cycles_changed(self, changes: ChangeSet) -> None:
        """Links came or went, or a card was archived or restored: work them out again."""
        archiving = any(op.op in ("archive_card", "restore_card") for op in changes.ops)
        links = changes.links_added or changes.links_removed or changes.links_changed
        if links or archiving or changes.cards_removed or changes.full:
            self.start_cycles()

    def action_cycles(self) -> None:
        """List every maintaining cycle as a sentence; enter goes to its first card."""
        found = self.found_cycles
        if found is None:
            self.notify("The cycles are still being worked out; try again in a moment.",
                        markup=False)  # fmt: skip
            return
        if not found:
            self.notify(
                "No maintaining cycle: no chain of maintains and triggers links returns to "
                "where it started.",
                markup=False,
            )
            return
        from formboard.tui.screens.cycles import CycleList

        def chosen(card_id: str | None) -> None:
            if card_id:
                self.stop_following()
                self.board_view.focus_card(card_id)

        titles = {c.id: c.title for c in self.board_view.cards.values()}
        self.app.push_screen(CycleList(found, titles), chosen)
