"""The board screen and its parts (see ``screen.py``)."""

from formboard.tui.screens.board.screen import BoardScreen

__all__ = ["BoardScreen"]
