"""The board: five columns side by side, one cursor, linked cards marked.

The board shows the session's snapshot (a ``BoardState``) and, for each change set, only
redraws the columns it touched; it keeps no copy of the board and never reads the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import zip_longest
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalScroll, Vertical
from textual.message import Message
from textual.widgets import Static

from formboard.core.board_state import BoardState
from formboard.core.changes import ChangeSet
from formboard.core.facts import RELATION_IN, RELATION_OUT, link_words
from formboard.core.model import Card, Column, Link
from formboard.core.settings import settings
from formboard.tui.widgets.card_filter import CardFilter
from formboard.tui.widgets.column import MAX_TITLE_LINES, CardMarks, ColumnList

__all__ = ["BoardView", "CardFilter", "ColumnPane", "title_lines"]

MIN_COLUMN_WIDTH = 24


TALL = 40  # rows: from here "comfortable" shows whole titles


def title_lines(density: str, height: int) -> int:
    """At most how many lines of a title a card shows.

    compact: one; comfortable: two on a small screen (80×24), the whole title (up to
    MAX_TITLE_LINES) from TALL rows; full: the whole title always.
    """
    if density == "compact":
        return 1
    if density == "full" or height >= TALL:
        return MAX_TITLE_LINES
    return 2


class ColumnPane(Vertical):
    """A column's heading (name and count, in text) above its cards."""

    DEFAULT_CSS = """
    ColumnPane { width: 24; height: 1fr; }
    ColumnPane > .column-heading {
        height: 1; padding: 0 1; text-style: bold;
        background: $panel; color: $text;
    }
    """

    def __init__(self, column: Column) -> None:
        super().__init__(id=f"pane-{column.value}", classes=f"column-{column.value}")
        self.column = column
        self.heading = Static(column.label, classes="column-heading", markup=False)
        self.cards = ColumnList(column, id=f"column-{column.value}")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.cards

    def set_count(self, shown: int, total: int) -> None:
        count = f"{shown}" if shown == total else f"{shown} of {total}"
        # One line whose size never changes: repaint it, don't lay the screen out again
        # (Static.update's default), which re-renders every column's scrollbar.
        self.heading.update(f"{self.column.label} {count}", layout=False)


class BoardView(HorizontalScroll, can_focus=True, inherit_bindings=False):
    """Five columns; arrows move a cursor across them (the scroll keys are the board's keys)."""

    # The cards' styles, for all five columns (ColumnList.stylist).
    COMPONENT_CLASSES = {
        "card--title", "card--body", "card--markers", "card--cursor", "card--cursor-blur",
        "card--relation", "card--presence", "card--retired", "card--since",
    }  # fmt: skip

    DEFAULT_CSS = """
    BoardView { height: 1fr; scrollbar-size-horizontal: 1; }
    BoardView > .card--title { text-style: bold; }
    BoardView > .card--body { color: $text-muted; }
    BoardView > .card--markers { color: $text-muted; }
    BoardView > .card--cursor { background: $primary 40%; }
    BoardView > .card--cursor-blur { background: $primary 12%; }
    BoardView > .card--relation { color: $accent; text-style: bold; }
    BoardView > .card--presence { color: $warning; text-style: bold; }
    BoardView > .card--retired { color: $text-disabled; text-style: strike; }
    BoardView > .card--since { color: $text-success; text-style: bold; }
    BoardView:ansi > .card--since { color: ansi_green; text-style: bold; }
    BoardView:ansi > .card--cursor { background: ansi_blue; }
    BoardView:ansi > .card--cursor-blur { background: ansi_bright_black; }
    """

    class FocusChanged(Message):
        """The card under the cursor changed (for presence, the status line, follow)."""

        def __init__(self, card: Card | None) -> None:
            super().__init__()
            self.card = card

    def __init__(self) -> None:
        super().__init__(id="board")
        self.panes = {column: ColumnPane(column) for column in Column}
        for pane in self.panes.values():
            pane.cards.stylist = self
        self.state = BoardState(client="", title="", revision=0)  # the session's snapshot
        self.filter = CardFilter()
        self.current_column = Column.SYMPTOMS
        self._marked: set[str] = set()
        self._focused_id: str | None = None
        self._align_pending = False
        self.since: dict[str, str] = {}  # card id -> "new" / "changed" (core/since.py)
        self.cycles: dict[str, int] = {}  # card id -> its shortest cycle's length (core/graph.py)
        self.density = settings().density  # how much of a title a card shows

    def compose(self) -> ComposeResult:
        yield from self.panes.values()

    def on_resize(self, event: events.Resize) -> None:
        if self._fit(event.size.width, event.size.height):
            self.align_rows()
        self.call_after_refresh(
            self.scroll_to_widget, self.panes[self.current_column], animate=False
        )

    # ------------------------------------------------------------ content

    # The snapshot's parts, read-only: the board view keeps no copy of its own.
    @property
    def cards(self) -> Mapping[str, Card]:
        return self.state.cards

    @property
    def links(self) -> Mapping[str, Link]:
        return self.state.links

    def _fit(self, width: int, height: int) -> bool:
        """Columns as wide as ``width`` allows and titles as long as ``height`` does; True
        when titles wrap anew (the rows must line up again)."""
        # As many whole columns as fit at MIN_COLUMN_WIDTH; the rest scroll sideways.
        fits = max(1, min(len(self.panes), width // MIN_COLUMN_WIDTH))
        changed = False
        for pane in self.panes.values():
            pane.styles.width = width // fits
            # Its cards' text width, known before Textual lays the column out (its
            # scrollbar's cell is always kept): titles wrap once, for the first frame.
            changed |= pane.cards.expect_width(width // fits - 1)
        lines = title_lines(self.density, height)
        changed |= lines != self.panes[Column.SYMPTOMS].cards.title_lines
        for pane in self.panes.values():
            pane.cards.title_lines = lines
        return changed

    def show_board(self, state: BoardState) -> None:
        """Show a whole board (on open)."""
        self.state = state
        if not self.size.width:
            # Not laid out yet (the app's first frame): the board takes the screen's width
            # and all but its last lines (presence, status, keys), so the first frame
            # already shows the cards as they will stay; on_resize corrects a wrong guess.
            size = self.app.size
            self._fit(size.width, size.height - 3)
        self._refill(set(Column))

    class FocusedCardGone(Message):
        """Someone else archived or removed the card under my cursor."""

        def __init__(self, card_id: str, by: str) -> None:
            super().__init__()
            self.card_id = card_id
            self.by = by

    def apply(self, changes: ChangeSet, state: BoardState) -> None:
        """Show ``state``, which ``changes`` made: only the columns they touch are refilled.

        Focus stays on the same card; if a colleague moved it, focus goes with it;
        if it was archived or removed, focus stays at its place (on its neighbour).
        """
        focused = self._focused_id
        before, self.state = self.state, state
        touched: set[Column] = set()
        for card in changes.cards_added + changes.cards_changed:
            old = before.cards.get(card.id)
            if old is not None:
                touched.add(old.column)
            touched.add(card.column)
        for card_id in changes.cards_removed:
            old = before.cards.get(card_id)
            if old is not None:
                touched.add(old.column)
        link_cards = {
            cid
            for link in changes.links_added + changes.links_changed
            for cid in (link.from_id, link.to_id)
        }
        touched |= {self.cards[c].column for c in link_cards if c in self.cards}
        if changes.links_removed:
            touched = set(Column)  # a removed link's ends are no longer known cheaply
        self._refill(touched)
        if focused is None or focused not in changes.card_ids():
            return
        now = self.cards.get(focused)
        if now is not None and self.shows(now):
            if card.column is not self.current_column:
                self.focus_column(card.column, self.panes[card.column].cards.index_of(focused))
            return
        by = next(
            (
                op.author_name or op.author
                for op in reversed(changes.ops)
                if op.entity_id == focused
            ),
            "someone",
        )
        self.post_message(self.FocusedCardGone(focused, by))

    def set_filter(self, card_filter: CardFilter) -> None:
        """Show only matching cards; the cursor stays on its card, or finds the first match.

        Whatever the filter leaves, the cursor's column and card are scrolled into view:
        at 80 columns a match may sit in a column off the screen, and after clearing a
        filter the focused card may be far down its column.
        """
        self.filter = card_filter
        self._refill(set(Column))
        if not self.column_list.cards:
            shown = next((c for c in Column if self.panes[c].cards.cards), None)
            if shown is not None:
                self.focus_column(shown, 0, take_focus=False)
        self.call_after_refresh(self._cursor_into_view)

    def _cursor_into_view(self) -> None:
        pane = self.panes[self.current_column]
        self.scroll_to_widget(pane, animate=False)
        pane.cards.scroll_to_cursor()

    def shows(self, card: Card) -> bool:
        """Whether ``card`` is on the board as it is filtered now."""
        return not card.archived and self.filter.matches(card)

    def _refill(self, columns: set[Column]) -> None:
        keep = self._focused_id
        link_counts: dict[str, int] = {}
        for link in self.links.values():
            link_counts[link.from_id] = link_counts.get(link.from_id, 0) + 1
            link_counts[link.to_id] = link_counts.get(link.to_id, 0) + 1
        by_column: dict[Column, list[Card]] = {c: [] for c in columns}
        totals = dict.fromkeys(columns, 0)
        for card in self.cards.values():
            if card.column in by_column and not card.archived:
                totals[card.column] += 1
                if self.filter.matches(card):
                    by_column[card.column].append(card)
        for column, cards in by_column.items():
            cards.sort(key=lambda c: (c.position, c.id))
            pane = self.panes[column]
            marks = pane.cards.marks
            for card in cards:
                mark = marks.setdefault(card.id, CardMarks())
                mark.links = link_counts.get(card.id, 0)
                mark.since = self.since.get(card.id, "")
                mark.cycle = self.cycles.get(card.id, 0)
            pane.cards.set_cards(cards, keep=keep)
            shown = len(cards)
            if self.state.totals is not None:  # a large board's first rows (store.head)
                shown = totals[column] = self.state.totals[column]
            pane.set_count(shown, totals[column])
        self.align_rows()
        self._update_focus()

    def align_rows(self) -> None:
        """Give the cards of each row the same height in every column, so rows line up."""
        heights = [pane.cards.natural_heights() for pane in self.panes.values()]
        rows = [max(h) for h in zip_longest(*heights, fillvalue=0)]
        for pane in self.panes.values():
            pane.cards.set_row_heights(rows[: len(pane.cards.cards)])

    def on_column_list_reflowed(self, event: ColumnList.Reflowed) -> None:
        event.stop()
        if not self._align_pending:  # one alignment for the five columns' resizes
            self._align_pending = True
            self.call_after_refresh(self._aligned)

    def _aligned(self) -> None:
        self._align_pending = False
        self.align_rows()

    # ---------------------------------------------------------- navigation

    @property
    def column_list(self) -> ColumnList:
        return self.panes[self.current_column].cards

    @property
    def focused_card(self) -> Card | None:
        return self.column_list.current

    def focus_column(
        self, column: Column, index: int | None = None, take_focus: bool = True
    ) -> None:
        """Make ``column`` current (the cursor on card ``index``) and scroll it into view.

        ``take_focus=False`` leaves the keyboard where it is (the filter box, say).
        """
        self.column_list.set_lit(False)
        self.current_column = column
        pane = self.panes[column]
        if index is not None:
            pane.cards.move_cursor(index)
        pane.cards.set_lit(self.has_focus)
        if take_focus and not self.has_focus:
            self.focus(scroll_visible=False)
        self.scroll_to_widget(pane, animate=False)
        self._update_focus()

    def navigate(self, columns: int = 0, rows: int = 0) -> None:
        """Move the cursor; across columns it keeps the nearest visible row."""
        order = list(Column)
        here = self.column_list
        if columns:
            # No wrapping: at the first or last column the key does nothing (like ↑ ↓ at
            # the ends), so a quick h h h never lands on the far side of the board.
            position = order.index(self.current_column) + columns
            if not 0 <= position < len(order):
                return
            target = order[position]
            # The card nearest on screen to the middle of mine.
            index = self.panes[target].cards.index_at_screen_y(here.cursor_screen_y())
            self.focus_column(target, index)
        elif rows:
            here.move_cursor(here.cursor + rows)
            self._update_focus()

    def focus_card(self, card_id: str) -> bool:
        """Put the cursor on a card wherever it is; False if it is not shown."""
        card = self.cards.get(card_id)
        if card is None or not self.shows(card):
            return False
        index = self.panes[card.column].cards.index_of(card_id)
        if index is None:
            return False
        self.focus_column(card.column, index)
        return True

    def on_column_list_clicked(self, event: ColumnList.Clicked) -> None:
        self.focus_column(event.column.column, event.index)

    def on_focus(self) -> None:
        self.column_list.set_lit(True)

    def on_blur(self) -> None:
        self.column_list.set_lit(False)

    def _update_focus(self) -> None:
        """Mark the cards linked to the focused one, in text, in every column."""
        card = self.focused_card
        card_id = card.id if card else None
        if card_id == self._focused_id:
            return
        self._focused_id = card_id
        for cid in self._marked:
            self._set_relation(cid, "")
        self._marked = set()
        if card_id is not None:
            for link in self.links.values():
                if link.from_id == card_id:
                    self._set_relation(
                        link.to_id, f"{RELATION_IN} {link_words(link.kind, backwards=True)}"
                    )
                elif link.to_id == card_id:
                    self._set_relation(link.from_id, f"{RELATION_OUT} {link_words(link.kind)}")
        self.post_message(self.FocusChanged(card))

    def set_since(self, since: dict[str, str]) -> None:
        """Mark cards "new" or "changed" since a baseline (an empty dict clears them)."""
        old, self.since = self.since, dict(since)
        self._remark("since", old, self.since, "")

    def set_cycles(self, cycles: dict[str, int]) -> None:
        """Mark the cards in a maintaining cycle with its length ("cycle of 3")."""
        old, self.cycles = self.cycles, dict(cycles)
        self._remark("cycle", old, self.cycles, 0)

    def _remark(self, name: str, old: dict[str, Any], new: dict[str, Any], none: Any) -> None:
        """Set one kind of mark on the cards whose value changed; repaint only those."""
        for card_id in set(old) | set(new):
            card = self.cards.get(card_id)
            if card is None or old.get(card_id) == new.get(card_id):
                continue
            pane = self.panes[card.column].cards
            setattr(pane.marks.setdefault(card_id, CardMarks()), name, new.get(card_id, none))
            pane.refresh_card(card_id)

    def set_presence(self, initials_by_card: dict[str, list[str]]) -> None:
        """Mark the cards colleagues are on with their initials (repaints only those cards)."""
        for pane in self.panes.values():
            for card_id, mark in pane.cards.marks.items():
                wanted = initials_by_card.get(card_id, [])
                if mark.presence != wanted:
                    mark.presence = wanted
                    pane.cards.refresh_card(card_id)
        for card_id, initials in initials_by_card.items():
            card = self.cards.get(card_id)
            if card is not None:
                cards = self.panes[card.column].cards
                mark = cards.marks.setdefault(card_id, CardMarks())
                if mark.presence != initials:
                    mark.presence = initials
                    cards.refresh_card(card_id)

    def _set_relation(self, card_id: str, relation: str) -> None:
        card = self.cards.get(card_id)
        if card is None:
            return
        pane = self.panes[card.column].cards
        pane.marks.setdefault(card_id, CardMarks()).relation = relation
        if relation:
            self._marked.add(card_id)
        pane.refresh_card(card_id)
