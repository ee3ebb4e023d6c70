"""The links seen whole, from the board: maintaining cycles ("cycle of 3" on the cards,
c lists them) and m, the map of links around the focused card.

A mixin of the board screen. Cycles are worked out in a worker thread (networkx loads
there, after the first frame, never at start-up) and again when links change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from formboard.core.changes import ChangeSet

if TYPE_CHECKING:
    from textual.screen import Screen

    from formboard.core.graph import Cycle
    from formboard.core.presence import PresenceEntry
    from formboard.tui.app import FormboardApp
    from formboard.tui.widgets.board import BoardView


class CycleMarks:
    """The cycles of the board screen (c)."""

    formboard: FormboardApp
    board_view: BoardView
    found_cycles: list[Cycle] | None = None  # None until worked out
    view: str
    map_centre: str = ""  # the card in the middle of my map, while it is open
    map_focus: str = ""  # the box I am on in the map
    if TYPE_CHECKING:  # the board screen's, through Colleagues

        def announce(self) -> None: ...
        def stop_following(self, quiet: bool = False) -> None: ...

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
        from formboard.tui.screens.link_map import MapScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, MapScreen):
                screen.draw()

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
            self.notify("The cycles are still being worked out; try again in a moment.")  # fmt: skip
            return
        if not found:
            self.notify(
                "No maintaining cycle: no chain of maintains and triggers links returns to "
                "where it started.",
            )
            return
        from formboard.tui.screens.cycles import CycleList

        def chosen(card_id: str | None) -> None:
            if card_id:
                self.stop_following()
                self.board_view.focus_card(card_id)

        titles = {c.id: c.title for c in self.board_view.cards.values()}
        self.app.push_screen(CycleList(found, titles), chosen)

    # ------------------------------------------------------------- the map

    def action_map(self) -> None:
        """The map of links around the focused card."""
        card = self.board_view.focused_card
        if card is None:
            self.notify("No card to draw the map around: the board is empty.")
            return
        self.stop_following()
        self.open_map(card.id, card.id)

    def open_map(self, centre: str, focused: str | None, *, followed: bool = False) -> None:
        from formboard.tui.screens.link_map import MapScreen

        self.map_moved(centre, focused or centre)
        self.app.push_screen(MapScreen(centre, focused, followed=followed), self._map_closed)

    def map_moved(self, centre: str, focused: str) -> None:
        """I am on ``focused`` in the map around ``centre``: tell colleagues."""
        self.view, self.map_centre, self.map_focus = "map", centre, focused
        self.announce()

    def map_opened(self, card_id: str) -> None:
        """From the map I opened ``card_id`` to read: followers open it too."""
        self.view, self.map_focus = "card", card_id
        self.announce()

    def _map_closed(self, focused: str | None) -> None:
        self.view, self.map_centre, self.map_focus = "", "", ""
        if focused and not self.board_view.focus_card(focused):
            self.notify("The card you were on in the map is hidden by the filter; esc on "
                        "the board clears it.")  # fmt: skip
        self.announce()

    def follow_map(self, leader: PresenceEntry) -> Screen[object] | None:
        """Show the map the leader has open (around their centre, on their box), or close
        the map I opened following them when they closed theirs.

        None when the leader is on the map (nothing more to follow); else the screen on
        top now.
        """
        from formboard.tui.screens.link_map import MapScreen

        top = self.app.screen
        if leader.view != "map" or not leader.centre:
            if isinstance(top, MapScreen) and top.followed:
                top.dismiss(None)
                return cast("Screen[object]", self)
            return top
        from formboard.tui.screens.card import CardScreen

        if isinstance(top, CardScreen) and top.followed and not top.edited():
            top.dismiss()  # they closed the card they opened from the map: back to it
            top = cast("Screen[object]", self)
        if isinstance(top, MapScreen):
            if top.followed:
                top.show(leader.centre, leader.focused)
        elif top is self:
            self.open_map(leader.centre, leader.focused, followed=True)
        return None
