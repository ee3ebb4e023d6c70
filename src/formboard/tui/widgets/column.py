"""One column of the board, drawn line by line.

A column draws its cards itself (like Toolong's log view) instead of mounting
a widget per card: a 1000-card board stays as quick to start and to move
around as a 20-card one, and a colleague's change repaints one card's lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from formboard.core.facts import PROBLEM_MARK, WORDS_MARK, card_facts, count
from formboard.core.model import Card, Column, Status
from formboard.core.text import first_line
from formboard.tui.text import safe, truncate

CARD_HEIGHT = 4  # title, body, markers, gap


@dataclass
class CardMarks:
    """What the board knows about a card beyond the card itself."""

    links: int = 0
    relation: str = ""  # how it is linked to the focused card, e.g. "► maintains"
    presence: list[str] = field(default_factory=list)  # initials of colleagues focused on it
    since: str = ""  # "new" or "changed" since the last meeting (or my last visit)


# The widest marker line of each form (two-digit counts, the quote mark), so the form
# depends on the column's width only and every card of a column reads alike.
_LONG_WIDTH = len(f"retired · 99 views · 99 links · {WORDS_MARK}")
_SHORT_WIDTH = len(f"ret · 99v · 99l · {WORDS_MARK}")


def markers(card: Card, marks: CardMarks, width: int) -> str:
    """The card's facts (core/facts.py) as the marker line, shortened to fit the width."""
    facts = card_facts(card, marks.links)
    # A value another program stored ends the line with ⚠ (the card view says what it is).
    quote = [WORDS_MARK] if facts.client_words else []
    quote += [PROBLEM_MARK] if facts.problems else []
    if width >= _LONG_WIDTH:
        counts = [count(facts.perspectives, "view"), count(facts.links, "link")]
        return " · ".join([facts.status_short, *counts, *quote])
    short = [facts.status_short[:3], f"{facts.perspectives}v", f"{facts.links}l"]
    if width >= _SHORT_WIDTH:
        return " · ".join(short + quote)
    text = " ".join(short + quote)
    return text if len(text) <= width else " ".join(short)  # never half a “”


# inherit_bindings=False: ScrollView's own arrow bindings would scroll a tall column
# instead of moving the cursor; the board's keys (bindings.py) do all the moving.
class ColumnList(ScrollView, can_focus=False, inherit_bindings=False):
    """The cards of one column with a cursor; the board moves the cursor between columns.

    The board keeps the keyboard focus and lights the current column instead: a focus
    change makes Textual repaint the whole screen, lighting a column repaints two cards.
    """

    COMPONENT_CLASSES = {
        "card--title",
        "card--body",
        "card--markers",
        "card--cursor",
        "card--cursor-blur",
        "card--relation",
        "card--presence",
        "card--retired",
        "card--since",
    }

    DEFAULT_CSS = """
    ColumnList {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    ColumnList > .card--title { text-style: bold; }
    ColumnList > .card--body { color: $text-muted; }
    ColumnList > .card--markers { color: $text-muted; }
    ColumnList > .card--cursor { background: $primary 40%; }
    ColumnList > .card--cursor-blur { background: $primary 12%; }
    ColumnList > .card--relation { color: $accent; text-style: bold; }
    ColumnList > .card--presence { color: $warning; text-style: bold; }
    ColumnList > .card--retired { color: $text-disabled; text-style: strike; }
    ColumnList > .card--since { color: $text-success; text-style: bold; }
    ColumnList:ansi > .card--since { color: ansi_green; text-style: bold; }
    ColumnList:ansi > .card--cursor { background: ansi_blue; }
    ColumnList:ansi > .card--cursor-blur { background: ansi_bright_black; }
    """

    class Clicked(Message):
        """A card was clicked (once to focus, twice to open)."""

        def __init__(self, column: ColumnList, index: int, chain: int) -> None:
            super().__init__()
            self.column = column
            self.index = index
            self.chain = chain

    def __init__(self, column: Column, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.column = column
        self.cards: list[Card] = []
        self.marks: dict[str, CardMarks] = {}
        self.cursor = 0
        self._drawn_links: dict[str, int] = {}  # link counts as last painted, by card id
        self.lit = False  # the board has focus and this is its current column
        self._base = Style()  # set once per repaint by render_lines
        self._width = 0

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
        self.virtual_size = Size(self.size.width, len(cards) * CARD_HEIGHT)
        drawn = self._drawn_links
        self._drawn_links = {c.id: getattr(self.marks.get(c.id), "links", 0) for c in cards}
        same = len(old) == len(cards) and all(a.id == b.id for a, b in zip(old, cards, strict=True))
        if same and self.cursor == old_cursor:
            for i, (before, card) in enumerate(zip(old, cards, strict=True)):
                if before is not card or drawn.get(card.id) != self._drawn_links[card.id]:
                    self._refresh_index(i)
            return
        self.refresh()

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
        y = index * CARD_HEIGHT - self.scroll_offset.y
        self.refresh(Region(0, y, self.size.width, CARD_HEIGHT))

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
        top = self.cursor * CARD_HEIGHT
        region = Region(0, top, 1, CARD_HEIGHT)
        self.scroll_to_region(region, animate=False, immediate=True)

    @property
    def page_cards(self) -> int:
        """How many cards fit in the visible height (at least one)."""
        return max(1, self.scrollable_content_region.height // CARD_HEIGHT)

    def cursor_screen_y(self) -> int:
        """The cursor's row relative to the top of the visible area."""
        return self.cursor * CARD_HEIGHT - round(self.scroll_offset.y)

    def index_at_screen_y(self, y: int) -> int:
        """The card nearest to visible row ``y`` (for keeping the row across columns)."""
        if not self.cards:
            return 0
        index = (y + round(self.scroll_offset.y)) // CARD_HEIGHT
        return max(0, min(index, len(self.cards) - 1))

    # ----------------------------------------------------------- rendering

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.cards) * CARD_HEIGHT)

    def set_lit(self, lit: bool) -> None:
        """Show the cursor as the board's (▶, strong) or as a kept place (›, faint)."""
        if lit != self.lit:
            self.lit = lit
            self._refresh_index(self.cursor)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Once per repaint, not once per line: rich_style walks every ancestor.
        self._base = self.rich_style
        self._width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._width
        line = y + round(self.scroll_offset.y)
        index, row = divmod(line, CARD_HEIGHT)
        base = self._base
        if index >= len(self.cards) or row == CARD_HEIGHT - 1:
            return Strip.blank(width, base)
        card = self.cards[index]
        is_cursor = index == self.cursor
        background = base
        if is_cursor:
            name = "card--cursor" if self.lit else "card--cursor-blur"
            background = base + self.get_component_rich_style(name)
        text = self._card_line(card, row, width, is_cursor)
        text.stylize_before(background)  # under the parts' own styles: their colours show
        segments = list(text.render(self.app.console))
        strip = Strip(segments).crop_extend(0, width, background)
        return strip

    def _card_line(self, card: Card, row: int, width: int, is_cursor: bool) -> Text:
        marks = self.marks.get(card.id) or CardMarks()
        inner = max(width - 2, 1)
        if row == 0:
            gutter = "▶ " if is_cursor and self.lit else ("› " if is_cursor else "  ")
            style = "card--retired" if card.status is Status.RETIRED else "card--title"
            presence = " ".join(marks.presence)
            room = inner - (len(presence) + 1 if presence else 0)
            text = Text(gutter, end="")
            text.append(truncate(safe(card.title, one_line=True), room), self._style(style))
            if presence:
                text.append(" " * max(room - len(text.plain) + 2, 1))
                text.append(presence, self._style("card--presence"))
            return text
        if row == 1:
            body = first_line(card.body) or (
                f"“{first_line(card.client_words)}”" if card.client_words else ""
            )
            return Text("  ", end="").append(
                truncate(safe(body, one_line=True), inner), self._style("card--body")
            )
        text = Text("  ", end="")
        if marks.since:  # in words, first: what to look at since we last met
            text.append(marks.since, self._style("card--since"))
            text.append(" · ", self._style("card--markers"))
            inner -= len(marks.since) + 3
        if marks.relation:
            rel = truncate(marks.relation, inner)
            rest = inner - len(rel) - 1
            text.append(rel, self._style("card--relation"))
            more = markers(card, marks, rest)
            if len(more) <= rest:  # whole or not at all: a cut "2l" would read "2"
                text.append(" " + more, self._style("card--markers"))
            return text
        more = markers(card, marks, inner)
        if len(more) > inner:  # beside "changed": the status alone rather than a cut line
            more = card_facts(card, marks.links).status_short[: max(inner, 0)]
        return text.append(more, self._style("card--markers"))

    def _style(self, name: str) -> Style:
        # The full style blends a translucent colour ($text-muted) into a real one; the
        # partial style would drop the alpha (pure white). Its background is dropped so
        # the cursor row keeps its own.
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, strike=full.strike, italic=full.italic)

    # --------------------------------------------------------------- mouse

    def on_click(self, event: events.Click) -> None:
        index = (event.y + round(self.scroll_offset.y)) // CARD_HEIGHT
        if 0 <= index < len(self.cards):
            event.stop()
            self.post_message(self.Clicked(self, index, event.chain))
