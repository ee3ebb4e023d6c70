"""One column of the board, drawn line by line.

A column draws its cards itself (like Toolong's log view) instead of mounting
a widget per card: a 1000-card board stays as quick to start and to move
around as a 20-card one, and a colleague's change repaints one card's lines.

A card is its title, wrapped to as many lines as the density allows (``title_lines``),
the first line of its body, its markers in words, and a blank line. The board gives
the cards of one row the same height in every column (``set_row_heights``), so rows
line up, and a column scrolls by whole cards.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from formboard.core.facts import PROBLEM_MARKER, WORDS_MARK, card_facts, count
from formboard.core.model import Card, Column, Status
from formboard.core.text import first_line
from formboard.tui.text import safe, truncate, wrap_title

Part = tuple[str, Style | None]  # words of a card's line, and their style (None: the line's)

CARD_HEIGHT = 4  # the least a card takes: a title line, body, markers, gap
_BELOW_TITLE = 3  # body, markers, gap
MAX_TITLE_LINES = 8  # a 200-character title in a narrow column


@dataclass
class CardMarks:
    """What the board knows about a card beyond the card itself."""

    links: int = 0
    relation: str = ""  # how it is linked to the focused card, e.g. "► maintains"
    presence: list[str] = field(default_factory=list)  # initials of colleagues focused on it
    since: str = ""  # "new" or "changed" since the last meeting (or my last visit)
    cycle: int = 0  # the length of the shortest maintaining cycle it is in (0: none)


# The marker line's parts, least important last: when the line is too narrow the last
# ones go whole (the open card says everything), never cut to a code like "2v".
_IMPORTANCE = ("relation", "since", "cycle", "problem", "status", "words", "views", "links",
               "domain")  # fmt: skip
_ORDER = ("since", "cycle", "relation", "status", "domain", "views", "links", "words", "problem")
_STYLES = {"since": "card--since", "cycle": "card--relation", "relation": "card--relation"}
SEPARATOR = " · "


def marker_parts(card: Card, marks: CardMarks, width: int) -> list[tuple[str, str]]:
    """The card's marker line as (words, part) pairs that fit ``width`` cells.

    Every card of a screen uses one notation, in words: "changed · cycle of 2 ·
    ◄ maintained by · agreed · psych · 2 views · 3 links · “words”". Where it is too
    narrow, the least important part is dropped whole, one after another.
    """
    facts = card_facts(card, marks.links)
    words = {
        "since": marks.since,  # what to look at since we last met
        "cycle": f"cycle of {marks.cycle}" if marks.cycle else "",
        "relation": marks.relation,  # how it is linked to the focused card
        "status": facts.status_short,
        "domain": facts.domain.value if facts.domain else "",
        "views": count(facts.perspectives, "view"),
        "links": count(facts.links, "link"),
        "words": WORDS_MARK if facts.client_words else "",
        # A value another program stored (the card view says what it is).
        "problem": PROBLEM_MARKER if facts.problems else "",
    }
    kept = [part for part in _IMPORTANCE if words[part]]
    while kept and cell_len(SEPARATOR.join(words[p] for p in kept)) > width:
        kept.pop()
    return [(words[part], part) for part in _ORDER if part in kept]


def markers(card: Card, marks: CardMarks, width: int) -> str:
    """The card's marker line as plain words (see ``marker_parts``)."""
    return SEPARATOR.join(text for text, _ in marker_parts(card, marks, width))


# inherit_bindings=False: ScrollView's own arrow bindings would scroll a tall column
# instead of moving the cursor; the board's keys (bindings.py) do all the moving.
class ColumnList(ScrollView, can_focus=False, inherit_bindings=False):
    """The cards of one column with a cursor; the board moves the cursor between columns.

    The board keeps the keyboard focus and lights the current column instead: a focus
    change makes Textual repaint the whole screen, lighting a column repaints two cards.
    """

    DEFAULT_CSS = """
    ColumnList {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
    }
    """

    class Clicked(Message):
        """A card was clicked (once to focus, twice to open)."""

        def __init__(self, column: ColumnList, index: int, chain: int) -> None:
            super().__init__()
            self.column = column
            self.index = index
            self.chain = chain

    class Reflowed(Message):
        """The column's width changed: its titles wrap anew (the board lines rows up)."""

    def __init__(self, column: Column, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.column = column
        self.cards: list[Card] = []
        self.marks: dict[str, CardMarks] = {}
        self.cursor = 0
        self._drawn_links: dict[str, int] = {}  # link counts as last painted, by card id
        self.lit = False  # the board has focus and this is its current column
        self._base = Style()  # set once per repaint by render_lines
        self._styles: dict[str, Style] = {}  # each part's style, for one repaint
        # The widget whose component classes (card--title, ...) style the cards: the board,
        # once for all five columns (Textual works out every component class of a widget
        # each time it restyles it: 9 × 5 columns × each restyle, ~15 ms of a start).
        self.stylist: Widget = self
        self._width = 0
        self._laid_width = 0
        self.title_lines = 2  # at most, per card (the board sets it from the density)
        self._wrapped: dict[str, tuple[str, int, int, list[str]]] = {}  # id -> (title, ...)
        self._row_heights: list[int] = []  # from the board: each row's height in every column
        self._starts: list[int] = [0]  # first line of each card, and the end

    # ------------------------------------------------------------- content

    def set_cards(self, cards: list[Card], keep: str | None = None) -> None:
        """Show ``cards``; keep the cursor on the card ``keep`` (or the same index).

        When the column holds the same cards in the same order (a colleague edited one),
        only the cards that changed are repainted: a card BoardView did not touch keeps
        its object, so ``is`` finds the changed ones; link counts are compared as well.
        """
        old, old_cursor = self.cards, self.cursor
        self.cards = cards
        if keep is not None:
            index = self.index_of(keep)
            if index is not None:
                self.cursor = index
        self.cursor = max(0, min(self.cursor, len(cards) - 1))
        self._lay_out()
        drawn = self._drawn_links
        self._drawn_links = {c.id: getattr(self.marks.get(c.id), "links", 0) for c in cards}
        same = len(old) == len(cards) and all(a.id == b.id for a, b in zip(old, cards, strict=True))
        if same and self.cursor == old_cursor:
            for i, (before, card) in enumerate(zip(old, cards, strict=True)):
                if before is not card or drawn.get(card.id) != self._drawn_links[card.id]:
                    self._refresh_index(i)
            return
        self.refresh()

    # --------------------------------------------------------------- layout

    @property
    def inner(self) -> int:
        """The cells a card's text may take: the gutter before it, a space after it.

        Known once the column is laid out (``on_resize``); asking Textual for the region
        on every card would cost more than drawing it.
        """
        return max(self._laid_width - 3, 1)

    def wrapped_title(self, card: Card) -> list[str]:
        """The card's title as its lines, wrapped to the column (cached per title and width)."""
        if not self._laid_width:
            return [card.title]  # not laid out yet: one line until the width is known
        inner, most = self.inner, self.title_lines
        kept = self._wrapped.get(card.id)
        if kept is not None and kept[0] == card.title and kept[1] == inner and kept[2] == most:
            return kept[3]
        lines = wrap_title(safe(card.title, one_line=True), inner, most)
        self._wrapped[card.id] = (card.title, inner, most, lines)
        return lines

    def natural_heights(self) -> list[int]:
        """Each card's own height: its title lines, body, markers and the gap."""
        return [len(self.wrapped_title(c)) + _BELOW_TITLE for c in self.cards]

    def set_row_heights(self, heights: list[int]) -> None:
        """The height of each row, the same in every column (the board's choice)."""
        if heights != self._row_heights:
            self._row_heights = heights
            self._lay_out()
            self.refresh()

    def _height(self, index: int) -> int:
        own = len(self.wrapped_title(self.cards[index])) + _BELOW_TITLE
        row = self._row_heights[index] if index < len(self._row_heights) else 0
        return max(own, row)

    def _lay_out(self) -> None:
        starts = [0]
        for i in range(len(self.cards)):
            starts.append(starts[-1] + self._height(i))
        self._starts = starts
        self.virtual_size = Size(self.size.width, starts[-1])

    def index_of(self, card_id: str) -> int | None:
        return next((i for i, c in enumerate(self.cards) if c.id == card_id), None)

    @property
    def current(self) -> Card | None:
        return self.cards[self.cursor] if self.cards else None

    def refresh_card(self, card_id: str) -> None:
        """Repaint one card's lines only."""
        index = self.index_of(card_id)
        if index is not None:
            self._refresh_index(index)

    def _refresh_index(self, index: int) -> None:
        if index + 1 >= len(self._starts):
            return
        top, bottom = self._starts[index], self._starts[index + 1]
        self.refresh(Region(0, top - round(self.scroll_offset.y), self.size.width, bottom - top))

    def move_cursor(self, index: int) -> None:
        """Put the cursor on card ``index`` and scroll it into view."""
        if not self.cards:
            return
        index = max(0, min(index, len(self.cards) - 1))
        old, self.cursor = self.cursor, index
        self._refresh_index(old)
        self._refresh_index(index)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        """Scroll by whole cards until the cursor's card shows: a column never starts
        with half a card."""
        if not self.cards or self.cursor + 1 >= len(self._starts):
            return
        starts, view = self._starts, self.scrollable_content_region.height
        top, bottom = starts[self.cursor], starts[self.cursor + 1]
        now = round(self.scroll_offset.y)
        if top < now:
            y = top
        elif bottom > now + view:
            first = self.cursor  # the first card such that the cursor's card ends in view
            while first > 0 and bottom - starts[first - 1] <= view:
                first -= 1
            y = starts[first]
        else:
            return
        self.scroll_to(y=y, animate=False, immediate=True)

    @property
    def page_cards(self) -> int:
        """How many cards fit in the visible height (at least one)."""
        if not self.cards:
            return 1
        average = self._starts[-1] / len(self.cards)
        return max(1, int(self.scrollable_content_region.height // max(average, 1)))

    def cursor_screen_y(self) -> int:
        """The middle of the cursor's card, relative to the top of the visible area."""
        if not self.cards:
            return 0
        top, bottom = self._starts[self.cursor], self._starts[self.cursor + 1]
        return (top + bottom) // 2 - round(self.scroll_offset.y)

    def index_at_screen_y(self, y: int) -> int:
        """The card nearest to visible row ``y`` (for keeping the row across columns)."""
        if not self.cards:
            return 0
        index = bisect_right(self._starts, y + round(self.scroll_offset.y)) - 1
        return max(0, min(index, len(self.cards) - 1))

    # ----------------------------------------------------------- rendering

    def expect_width(self, width: int) -> bool:
        """The text width the column will have (the board knows it before Textual does);
        True when it changed (titles wrap anew)."""
        if width <= 0 or width == self._laid_width:
            return False
        self._laid_width = width
        return True

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._laid_width:
            self._laid_width = width
            self.post_message(self.Reflowed())  # titles wrap anew: the board lines rows up
        self._lay_out()

    def set_lit(self, lit: bool) -> None:
        """Show the cursor as the board's (▶, strong) or as a kept place (›, faint)."""
        if lit != self.lit:
            self.lit = lit
            self._refresh_index(self.cursor)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Once per repaint, not once per line: rich_style walks every ancestor.
        self._base = self.rich_style
        self._width = self.scrollable_content_region.width
        self._styles.clear()  # the theme may have changed: each part's style anew
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._width
        line = y + round(self.scroll_offset.y)
        index = bisect_right(self._starts, line) - 1
        base = self._base
        if index >= len(self.cards) or line >= self._starts[-1]:
            return Strip.blank(width, base)
        row = line - self._starts[index]
        if row >= self._starts[index + 1] - self._starts[index] - 1:
            return Strip.blank(width, base)  # the gap after a card
        card = self.cards[index]
        is_cursor = index == self.cursor
        background = base
        if is_cursor:
            name = "card--cursor" if self.lit else "card--cursor-blur"
            background = base + self.stylist.get_component_rich_style(name)
        # The parts as segments, each over the background (their own colours show): what
        # Rich's Text would make of them, without its per-line work (~3× the cost).
        segments = [
            Segment(words, background + style if style is not None else background)
            for words, style in self._card_line(card, row, is_cursor)
            if words
        ]
        return Strip(segments).crop_extend(0, width, background)

    def _gutter(self, row: int, is_cursor: bool) -> str:
        """The focused card's left edge: ▶ on its title, a bar down the rest of it, so it
        stands out in any theme, in 16 colours, and without colour at all."""
        if not is_cursor:
            return "  "
        if self.lit:
            return "▶ " if row == 0 else "▌ "
        return "› " if row == 0 else "  "

    def _card_line(self, card: Card, row: int, is_cursor: bool) -> list[Part]:
        """One line of a card as its parts: (words, style or None for the line's own)."""
        marks = self.marks.get(card.id) or CardMarks()
        inner = self.inner
        title = self.wrapped_title(card)
        parts: list[Part] = [(self._gutter(row, is_cursor), None)]
        if row < len(title):
            style = "card--retired" if card.status is Status.RETIRED else "card--title"
            presence = " ".join(marks.presence) if row == 0 else ""
            parts.append((title[row], self._style(style)))
            if presence:
                parts.append((" " * max(inner - cell_len(title[row]) - len(presence) + 1, 1), None))
                parts.append((presence, self._style("card--presence")))
            return parts
        row -= len(title)
        if row == 0:
            body = first_line(card.body) or (
                f"“{first_line(card.client_words)}”" if card.client_words else ""
            )
            parts.append((truncate(safe(body, one_line=True), inner), self._style("card--body")))
            return parts
        if row > 1:
            return parts  # the row is taller than this card: blank below its markers
        for i, (words, part) in enumerate(marker_parts(card, marks, inner)):
            if i:
                parts.append((SEPARATOR, self._style("card--markers")))
            parts.append((words, self._style(_STYLES.get(part, "card--markers"))))
        return parts

    def _style(self, name: str) -> Style:
        # The full style blends a translucent colour ($text-muted) into a real one; the
        # partial style would drop the alpha (pure white). Its background is dropped so
        # the cursor row keeps its own. Worked out once a repaint (render_lines).
        found = self._styles.get(name)
        if found is None:
            full = self.stylist.get_component_rich_style(name)
            found = Style(color=full.color, bold=full.bold, strike=full.strike, italic=full.italic)
            self._styles[name] = found
        return found

    # --------------------------------------------------------------- mouse

    def on_click(self, event: events.Click) -> None:
        line = event.y + round(self.scroll_offset.y)
        index = bisect_right(self._starts, line) - 1
        if 0 <= index < len(self.cards) and line < self._starts[-1]:
            event.stop()
            self.post_message(self.Clicked(self, index, event.chain))
