"""Exports from the app: the palette writes the board in any format into the data folder.

A part of the board screen. The file is written in a worker thread, owner-only, into
``<data>/exports/``, and a notice says where; a failure is one sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from formboard.core.facts import count

if TYPE_CHECKING:
    from formboard.tui.screens.board.screen import BoardScreen


class RecordExports:
    """The palette's "Export as …" commands, for the board screen."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board

    def commands(self) -> Iterable[SystemCommand]:
        from formboard.core.records import EXPORTS

        for fmt, (_suffix, name, holds) in EXPORTS.items():
            yield SystemCommand(
                f"Export as {name}",
                f"Write {holds} into your data folder (only you can read it), and say where",
                lambda fmt=fmt: self.export(fmt),
            )

    def export(self, fmt: str) -> None:
        """Write the board as it is now, in ``fmt``, to ``<data>/exports/``."""
        app, notify = self.board.app, self.board.notify
        state = self.board.formboard.board
        if state is None:
            return
        board, last_change = state.board(), self.board.last_change

        def work() -> None:
            from formboard.core.records import EXPORTS, file_name, render, write_private
            from formboard.core.settings import data_dir

            suffix, name, _holds = EXPORTS[fmt]
            path = data_dir() / "exports" / file_name(board.client, suffix)
            try:
                write_private(path, render(board, fmt, last_change), our_folder=True)
            except Exception as exc:  # one sentence, never a traceback with client text
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                where = getattr(exc, "filename", None)
                said = f"The {name} export was not written: {reason}" + (
                    f" ({where})." if where else "."
                )
                app.call_from_thread(notify, said, severity="error")
                return
            cards = count(sum(1 for c in board.cards if not c.archived), "card")
            said = f"Wrote the board as {name} ({cards}) to {path}."
            app.call_from_thread(notify, said, timeout=15)

        app.run_worker(work, thread=True, group="export", exit_on_error=False)
