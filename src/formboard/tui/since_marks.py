"""Since we last met: "new" and "changed" on the cards, how many in the status line, "." to go.

A mixin of the board screen. The baseline is the last meeting's end, or my last visit
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
    from formboard.tui.app import FormboardApp
    from formboard.tui.widgets.board import BoardView
    from formboard.tui.widgets.status import StatusLine


class SinceMarks:
    """The since-last-meeting markers of the board screen (S, .)."""

    formboard: FormboardApp
    board_view: BoardView
    status_line: StatusLine
    board_id = ""
    # Empty until the worker has read them (a key may come first, just after opening).
    since_choices: Sequence[since.Baseline] = ()
    since_chosen: since.Baseline | None = None
    since_touches: Sequence[since.Touch] = ()
    since_read = False  # the baseline and its markers have been read once

    def start_since(self) -> None:
        """Find the baseline and the ops after it, off the UI thread."""
        state = self.formboard.board

        def work() -> None:
            store = self.formboard.session.store
            if store is None or state is None:
                return
            board_id = store.meta().get("board_id", "")
            choices = since.baselines(state.meetings, since.last_visit(board_id))
            chosen = choices[0] if choices else None
            touches = store.touches_after(chosen.revision) if chosen else []
            self.app.call_from_thread(self._since_found, board_id, choices, chosen, touches)

        self.app.run_worker(work, thread=True, group="since", exit_on_error=False)

    def _since_found(
        self,
        board_id: str,
        choices: list[since.Baseline],
        chosen: since.Baseline | None,
        touches: list[since.Touch],
    ) -> None:
        self.board_id, self.since_choices = board_id, choices
        self.since_chosen, self.since_touches = chosen, touches
        self.since_read = True
        self.show_since()

    def show_since(self) -> None:
        found = since.marks(self.since_touches) if self.since_chosen else {}
        found = {cid: m for cid, m in found.items() if cid in self.board_view.cards}
        self.board_view.set_since(found)
        if self.since_chosen is None:
            self.status_line.since = ""
            return
        new = sum(1 for m in found.values() if m == since.NEW)
        changed = len(found) - new
        short = self.since_chosen.short or self.since_chosen.said
        if not found:
            self.status_line.since = f"nothing new {short}"
            return
        self.status_line.since = f"{new} new · {changed} changed {short} (. next)"

    def since_changed(self, ops: list[Op]) -> None:
        """Colleagues' changes that just arrived join the markers (mine I know)."""
        if self.since_chosen is None:
            return
        me = self.formboard.identity.login
        theirs = [since.touch_of(op) for op in ops if op.author != me]
        if theirs:
            self.since_touches = [*self.since_touches, *theirs]
            self.show_since()

    def since_sentences(self, card_id: str) -> tuple[str, list[str]]:
        """For the open card: since when, and what changed it, a sentence each.

        The markers know which ops touched it; only those are read whole (by their
        number, a handful at most), on the UI thread.
        """
        chosen, store = self.since_chosen, self.formboard.session.store
        seqs = [t.seq for t in self.since_touches if card_id in t.cards]
        if chosen is None or store is None or not seqs:
            return "", []
        titles = {c.id: c.title for c in self.board_view.cards.values()}
        lines = [
            f"{said_by(op)} {sentence(op, titles, this=card_id)} · {local_time(op.at)[11:]}"
            for op in store.ops_by_seq(seqs[-20:])  # the latest twenty
            if op.op not in since.NOT_CHANGES
        ]
        return upper_first(chosen.said), lines

    def _since_not_read(self) -> bool:
        """True (and said) while the markers are still being read, just after opening."""
        if not self.since_read:
            self.notify("The new and changed cards are still being worked out; try again in "
                        "a moment.")  # fmt: skip
        return not self.since_read

    def action_next_change(self) -> None:
        """Go to the next card marked new or changed, in board order."""
        if self._since_not_read():
            return
        marked = [
            c for c in self.board_view.cards.values()
            if c.id in self.board_view.since and self.board_view.visible(c)
        ]  # fmt: skip
        if not marked:
            self.notify("No card is marked new or changed.")
            return
        marked.sort(key=board_order)
        here = self.board_view.focused_card
        after = [c for c in marked if here is None or board_order(c) > board_order(here)]
        self.stop_following()
        self.board_view.focus_card((after or marked)[0].id)

    def action_since(self) -> None:
        """Switch the markers: since the last meeting, since my last visit, or off."""
        if self._since_not_read():
            return
        choices: list[since.Baseline | None] = [*self.since_choices, None]
        if len(choices) == 1:
            self.notify("No meeting has ended here and this is your first visit: nothing "
                        "to compare with yet.")  # fmt: skip
            return
        index = choices.index(self.since_chosen) if self.since_chosen in choices else -1
        chosen = choices[(index + 1) % len(choices)]
        if chosen is None:
            self._since_found(self.board_id, self.since_choices, None, [])
            self.notify("New and changed markers are off (S turns them on).")
            return

        def work() -> None:
            store = self.formboard.session.store
            touches = store.touches_after(chosen.revision) if store else []
            self.app.call_from_thread(
                self._since_found, self.board_id, self.since_choices, chosen, touches
            )

        self.app.run_worker(work, thread=True, group="since", exit_on_error=False)

    def remember_visit(self) -> None:
        """On leaving: remember the revision I saw last (my data folder, owner-only)."""
        state = self.formboard.board
        if self.board_id and state is not None:
            since.record_visit(self.board_id, state.revision)
