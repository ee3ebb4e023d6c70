"""The way from the board to every other screen, and back.

The board screen's one door: it opens the card, the history, the map, the cycles, the
archived cards, the link picker, whom to follow, the board as it was and the help, says
where I am when each closes, and — following a colleague — opens or closes the card, map
or past board they have. The parts ask it (``board.navigation``) and import no screen
(an import-linter contract in ``.importlinter`` holds them to it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from formboard.core.graph import Cycle
    from formboard.core.model import Card
    from formboard.core.presence import PresenceEntry
    from formboard.tui.screens.board.screen import BoardScreen

Chosen = Callable[[str | None], None]


class Navigation:
    """The screens the board opens, and which of them is on top."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board

    # ------------------------------------------------------------- opened by a key

    def card(self, *, followed: bool = False, editing: bool = False) -> None:
        """Open the focused card to read (``followed``: because the one I follow did)."""
        from formboard.tui.screens.card_spare import open_card_screen

        board = self.board
        card = board.board_view.focused_card
        if card is None:
            return
        board.colleagues.at("card")
        app = board.formboard
        screen = open_card_screen(app, card.id, board=board, followed=followed, editing=editing)
        app.push_screen(screen, self._card_closed)

    def _card_closed(self, _result: object = None) -> None:
        from formboard.tui.screens.card import CardScreen

        if not isinstance(self.board.app.screen, CardScreen):
            self.board.colleagues.at("")

    def history(self) -> None:
        from formboard.tui.screens.history import HistoryScreen

        board = self.board
        board.colleagues.at("history")
        card = board.board_view.focused_card
        screen = HistoryScreen(card.id if card else None, board=board)
        board.app.push_screen(screen, lambda _result: board.colleagues.at(""))

    def link_picker(self) -> None:
        from formboard.tui.screens.link_picker import LinkPicker

        card = self.board.board_view.focused_card
        if card is not None:
            self.board.app.push_screen(LinkPicker(card.id, self.board.retries))

    def help(self) -> None:
        from formboard.tui.screens.help import HelpScreen

        self.board.app.push_screen(HelpScreen(self.board, board=True))

    def map(self, centre: str, focused: str | None, *, followed: bool = False) -> None:
        """The map of links around ``centre``, on ``focused``."""
        from formboard.tui.screens.link_map import MapScreen

        board = self.board
        board.colleagues.at("map", centre=centre, focus=focused or centre)
        screen = MapScreen(centre, focused, board=board, followed=followed)
        board.app.push_screen(screen, self._map_closed)

    def _map_closed(self, focused: str | None) -> None:
        board = self.board
        if focused and not board.board_view.focus_card(focused):
            board.notify("The card you were on in the map is hidden by the filter; esc on "
                         "the board clears it.")  # fmt: skip
        board.colleagues.at("")

    def redraw_maps(self) -> None:
        """The cycles changed: an open map draws them anew."""
        from formboard.tui.screens.link_map import MapScreen

        for screen in self.board.app.screen_stack:
            if isinstance(screen, MapScreen):
                screen.draw()

    def cycles(self, found: Sequence[Cycle], titles: Mapping[str, str], chosen: Chosen) -> None:
        from formboard.tui.screens.cycles import CycleList

        self.board.app.push_screen(CycleList(list(found), dict(titles)), chosen)

    def archived(
        self, cards: Mapping[str, Card], name_of: Callable[[str], str], chosen: Chosen
    ) -> None:
        from formboard.tui.screens.archived import ArchivedCards

        self.board.app.push_screen(ArchivedCards(cards, name_of), chosen)

    def whom_to_follow(self, others: Sequence[PresenceEntry], chosen: Chosen) -> None:
        from formboard.tui.screens.follow import FollowPicker

        picker = FollowPicker(list(others), self.board.formboard.cards)
        self.board.app.push_screen(picker, chosen)

    # ------------------------------------------------------------- following

    def follow_view(self, leader: PresenceEntry) -> None:
        """Open the card the leader has open, to read; close it when they close theirs.

        The same for the map and for the board as it was, when the leader looks at it.
        """
        from formboard.tui.screens.card import CardScreen
        from formboard.tui.screens.past_board import PastBoardScreen

        board = self.board
        top = self._follow_map(leader)
        if top is None:
            return
        past = leader.history_rev if leader.view == "history" else 0
        if isinstance(top, PastBoardScreen) and top.followed and top.revision != past:
            top.dismiss()
            top = board
        if past and top is board:
            said = f"where {leader.name or leader.login} is in the history"
            own_move = board.colleagues.own_move
            board.app.push_screen(PastBoardScreen(past, said, own_move, followed=True))
            return
        focused = getattr(board.board_view.focused_card, "id", None)
        moved_on = leader.view != "card" or leader.focused != getattr(top, "card_id", None)
        if isinstance(top, CardScreen) and top.followed and not top.edited() and moved_on:
            top.dismiss()
            top = board
        if leader.view == "card" and top is board and leader.focused == focused:
            self.card(followed=True)

    def _follow_map(self, leader: PresenceEntry) -> Screen[Any] | None:
        """Show the map the leader has open (around their centre, on their box), or close
        the map I opened following them when they closed theirs.

        None when the leader is on the map (nothing more to follow); else the screen on
        top now.
        """
        from formboard.tui.screens.card import CardScreen
        from formboard.tui.screens.link_map import MapScreen

        board = self.board
        top: Screen[Any] = board.app.screen
        if leader.view != "map" or not leader.centre:
            if isinstance(top, MapScreen) and top.followed:
                top.dismiss(None)
                return board
            return top
        if isinstance(top, CardScreen) and top.followed and not top.edited():
            top.dismiss()  # they closed the card they opened from the map: back to it
            top = board
        if isinstance(top, MapScreen):
            if top.followed:
                top.show(leader.centre, leader.focused)
        elif top is board:
            self.map(leader.centre, leader.focused, followed=True)
        return None
