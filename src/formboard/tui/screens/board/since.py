"""Since we last met: "new" and "changed" on the cards, how many in the status line, "." to go.

A part of the board screen. The baseline is the last meeting's end, or my last visit
(``core.since``); S switches between them and off. The ops after it are read in a worker
thread once the board is on screen, so they cost the first frame nothing, and colleagues'
changes that arrive while the board is open join them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from formboard.core import since
from formboard.core.facts import board_order, local_time
from formboard.core.history import said_by, sentence
from formboard.core.meetings import upper_first
from formboard.core.model import Op

if TYPE_CHECKING:
    from formboard.tui.screens.board.screen import BoardScreen


class SinceMarks:
    """The since-last-meeting markers of the board screen (S, .)."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.board_id = ""
        # Empty until the worker has read them (a key may come first, just after opening).
        self.choices: Sequence[since.Baseline] = ()
        self.chosen: since.Baseline | None = None
        self.touches: Sequence[since.Touch] = ()
        self.read = False  # the baseline and its markers have been read once

    def start(self) -> None:
        """Find the baseline and the ops after it, off the UI thread."""
        app = self.board.formboard
        state = app.board

        def work() -> None:
            store = app.session.store
            if store is None or state is None:
                return
            board_id = store.meta().get("board_id", "")
            choices = since.baselines(state.meetings, since.last_visit(board_id))
            chosen = choices[0] if choices else None
            touches = store.touches_after(chosen.revision) if chosen else []
            app.call_from_thread(self._found, board_id, choices, chosen, touches)

        app.run_worker(work, thread=True, group="since", exit_on_error=False)

    def _found(
        self,
        board_id: str,
        choices: Sequence[since.Baseline],
        chosen: since.Baseline | None,
        touches: Sequence[since.Touch],
    ) -> None:
        self.board_id, self.choices, self.chosen, self.touches = board_id, choices, chosen, touches
        self.read = True
        self.show()

    def show(self) -> None:
        view, status = self.board.board_view, self.board.status_line
        found = since.marks(self.touches) if self.chosen else {}
        found = {cid: m for cid, m in found.items() if cid in self.board.formboard.cards}
        view.set_since(found)
        if self.chosen is None:
            status.since = ""
            return
        new = sum(1 for m in found.values() if m == since.NEW)
        changed = len(found) - new
        short = self.chosen.short or self.chosen.said
        if not found:
            status.since = f"nothing new {short}"
            return
        status.since = f"{new} new · {changed} changed {short} (. next)"

    def changed(self, ops: list[Op]) -> None:
        """Colleagues' changes that just arrived join the markers (mine I know)."""
        if self.chosen is None:
            return
        me = self.board.formboard.identity.person
        theirs = [since.touch_of(op) for op in ops if op.person != me]
        if theirs:
            self.touches = [*self.touches, *theirs]
            self.show()

    def sentences(self, card_id: str) -> tuple[str, list[str]]:
        """For the open card: since when, and what changed it, a sentence each.

        The markers know which ops touched it; only those are read whole (by their
        number, a handful at most), on the UI thread.
        """
        chosen, store = self.chosen, self.board.formboard.session.store
        seqs = [t.seq for t in self.touches if card_id in t.cards]
        if chosen is None or store is None or not seqs:
            return "", []
        titles = {c.id: c.title for c in self.board.formboard.cards.values()}
        lines = [
            f"{said_by(op)} {sentence(op, titles, this=card_id)} · {local_time(op.at)[11:]}"
            for op in store.ops_by_seq(seqs[-20:])  # the latest twenty
            if op.op not in since.NOT_CHANGES
        ]
        return upper_first(chosen.said), lines

    def _not_read_yet(self) -> bool:
        """True (and said) while the markers are still being read, just after opening."""
        if not self.read:
            self.board.notify("The new and changed cards are still being worked out; try "
                              "again in a moment.")  # fmt: skip
        return not self.read

    def next_change(self) -> None:
        """Go to the next card marked new or changed, in board order (.)."""
        if self._not_read_yet():
            return
        view = self.board.board_view
        cards = self.board.formboard.cards.values()
        marked = [c for c in cards if c.id in view.since and view.shows(c)]
        if not marked:
            self.board.notify("No card is marked new or changed.")
            return
        marked.sort(key=board_order)
        here = view.focused_card
        after = [c for c in marked if here is None or board_order(c) > board_order(here)]
        self.board.colleagues.own_move()
        view.focus_card((after or marked)[0].id)

    def switch(self) -> None:
        """Switch the markers: since the last meeting, since my last visit, or off (S)."""
        if self._not_read_yet():
            return
        choices: list[since.Baseline | None] = [*self.choices, None]
        if len(choices) == 1:
            self.board.notify("No meeting has ended here and this is your first visit: "
                              "nothing to compare with yet.")  # fmt: skip
            return
        index = choices.index(self.chosen) if self.chosen in choices else -1
        chosen = choices[(index + 1) % len(choices)]
        if chosen is None:
            self._found(self.board_id, self.choices, None, [])
            self.board.notify("New and changed markers are off (S turns them on).")
            return
        app, board_id, baselines = self.board.formboard, self.board_id, self.choices

        def work() -> None:
            store = app.session.store
            touches = store.touches_after(chosen.revision) if store else []
            app.call_from_thread(self._found, board_id, baselines, chosen, touches)

        app.run_worker(work, thread=True, group="since", exit_on_error=False)

    def remember_visit(self) -> None:
        """On leaving: remember the revision I saw last (my data folder, owner-only)."""
        state = self.board.formboard.board
        if self.board_id and state is not None:
            since.record_visit(self.board_id, state.revision)
