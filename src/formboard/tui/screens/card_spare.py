"""The next open card, built while the board is idle: e (or enter) then only fills it in.

Building a card screen — fifty widgets composed, mounted and styled — cost more than the
rest of opening a card, and the first one also loaded ``card.tcss`` and the fields'
default CSS, which re-parsed and re-applied the whole stylesheet. A spare is composed and
styled ahead, not shown (``build_spare``); ``open_card_screen`` binds it to the card the
person opens and shows it, and the next spare is built a moment later. bench/first_edit.py
measures it.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from formboard.tui.screens.card import CardScreen

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp
    from formboard.tui.screens.board import BoardScreen

SPARE = "formboard-card-spare"  # the name a spare card screen is installed under


def build_spare(app: FormboardApp) -> None:
    """Compose and style the next card screen while the board is idle (main thread): the
    next e (or enter) shows it at once instead of building fifty widgets first. Textual
    mounts a screen when it is pushed; registering it with the app is what pushing does
    first, so the spare is mounted without being shown."""
    board = app.board_screen
    if app.exiting or app.is_screen_installed(SPARE) or board is None or not board.is_mounted:
        return
    spare = CardScreen("", board=board)
    app.install_screen(spare, SPARE)  # kept out of the stacks; closed with the app
    # card.tcss first (the first time, the whole stylesheet is parsed and applied once,
    # here rather than on an e), then mounted with its styles.
    app._load_screen_css(spare)
    app._register(app, spare)
    spare.styled_in = app.theme


def open_card_screen(
    app: FormboardApp, card_id: str, *, board: BoardScreen, followed: bool = False,
    editing: bool = False,
) -> CardScreen:  # fmt: skip
    """The screen to show ``card_id`` on: the spare when it is ready for this board, else
    a new one. A spare is used once; the next is built a moment after."""
    spare = app.get_screen(SPARE) if app.is_screen_installed(SPARE) else None
    if spare is not None:
        app.uninstall_screen(SPARE)  # from now on an ordinary screen: removed when closed
        assert isinstance(spare, CardScreen)
        if spare.is_mounted and spare.board_screen is board:
            spare.bind(card_id, followed=followed, editing=editing)
            app.set_timer(SPARE_AFTER, partial(build_spare, app))
            return spare
        spare.remove()  # built for a board that has gone, or not ready yet
    app.set_timer(SPARE_AFTER, partial(build_spare, app))
    return CardScreen(card_id, board=board, followed=followed, editing=editing)


SPARE_AFTER = 0.5  # seconds after a card opens that the next spare is built
