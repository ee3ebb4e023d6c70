"""The map of links around one card: boxes joined by lines that say what each link is.

Arrows and hjkl move from box to box, enter puts the focused card in the middle, ``o``
opens it to read, esc goes back to the board on that card. The map follows the board's
change sets like the board does; in a meeting, followers see the facilitator's map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from formboard.core.facts import count, cycle_line
from formboard.core.model import Column
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.map_layout import MapLayout, lay_out
from formboard.tui.messages import BoardChanged
from formboard.tui.text import plain, safe, truncate
from formboard.tui.widgets.footer import QuietFooter

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp
    from formboard.tui.screens.board import BoardScreen

# The focused box is drawn in heavy lines, never told by colour alone.
_HEAVY = str.maketrans("─│╭╮╰╯├═║╔╗╚╝╟", "━┃┏┓┗┛┣━┃┏┓┗┛┣")


class MapScreen(ClosesOnce, Screen[str | None]):
    """The map around ``centre``; closing it answers the focused card's id."""

    DEFAULT_CSS = """
    MapScreen #map-heading { height: auto; padding: 0 1; background: $panel; }
    MapScreen #map-scroll { height: 1fr; }
    MapScreen #map-canvas { width: auto; height: auto; }
    MapScreen #map-notes { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(0, -1)", "Up", show=False, id="map.up",
                tooltip="the box above, in the same layer"),
        Binding("down,j", "move(0, 1)", "Down", show=False, id="map.down",
                tooltip="the box below, in the same layer"),
        Binding("left,h", "move(-1, 0)", "Left", show=False, id="map.left",
                tooltip="the nearest box in the layer to the left (what links to it)"),
        Binding("right,l", "move(1, 0)", "Right", show=False, id="map.right",
                tooltip="the nearest box in the layer to the right (what it links to)"),
        Binding("enter", "centre", "Centre", id="map.centre",
                tooltip="put the focused card in the middle of the map"),
        Binding("o", "open", "Open", id="map.open", tooltip="open the focused card to read"),
        Binding("escape,m", "close", "Board", id="map.close",
                tooltip="back to the board, on the focused card"),
    ]  # fmt: skip

    def __init__(
        self, centre: str, focused: str | None = None, *, board: BoardScreen, followed: bool = False
    ):
        super().__init__()
        self.board_screen = board  # its cycles, and its colleagues told where I am
        self.centre = centre
        self.at = focused or centre
        self.followed = followed  # opened because the colleague I follow did
        self.drawn: MapLayout | None = None
        self._drawn_for = 0

    @property
    def formboard(self) -> FormboardApp:
        return cast("FormboardApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="map-heading", markup=False)
        with ScrollableContainer(id="map-scroll"):
            yield Static("", id="map-canvas", markup=False)
        yield Static("", id="map-notes", markup=False)
        yield QuietFooter()

    def on_mount(self) -> None:
        self.draw()
        self.query_one("#map-scroll").focus()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._drawn_for:
            self.draw()

    # ------------------------------------------------------------- drawing

    def draw(self) -> None:
        """Lay the map out again around the centre, for this width, and show it."""
        state = self.formboard.board
        if state is None or not self.is_mounted or not self.query("#map-canvas"):
            return  # not composed yet (on_mount draws), or closing
        card = state.cards.get(self.centre)
        if card is None or card.archived:
            return
        from formboard.core.graph import in_cycles

        lengths = in_cycles(self.board_screen.links.found_cycles or [])
        self._drawn_for = self.size.width
        self.drawn = lay_out(
            state.cards, state.links.values(), self.centre, max(self.size.width - 2, 40), lengths
        )
        if self.at not in self.drawn.boxes:
            self.at = self.centre
        self._show()

    def _show(self) -> None:
        layout = self.drawn
        if layout is None:
            return
        canvas = self.query_one("#map-canvas", Static)
        canvas.update(self._text(layout))
        cards = self.formboard.board.cards if self.formboard.board else {}
        centre = cards.get(self.centre)
        focused = cards.get(self.at)
        steps = "two steps" if layout.steps == 2 else "one step"
        heading = (
            f"Map of links around “{safe(centre.title if centre else '', one_line=True)}”: "
            f"{count(len(layout.boxes), 'card')}, {count(len(layout.links), 'link')}, "
            f"{steps} out"
        )
        if focused is not None and self.at != self.centre:
            heading += f" · on “{safe(focused.title, one_line=True)}”"
        if self.followed:
            heading += " · following"
        width = max(self.size.width - 2, 20)
        self.query_one("#map-heading", Static).update(plain(truncate(heading, width)))
        notes = [truncate(line, width) for line in self._notes(layout)]
        self.query_one("#map-notes", Static).update(plain("\n".join(notes)))
        self.call_after_refresh(self._scroll_to_focus)

    def _scroll_to_focus(self) -> None:
        """The focused box in the middle of the window (as much of it as fits)."""
        if self.drawn is None or self.at not in self.drawn.boxes:
            return
        box = self.drawn.boxes[self.at]
        scroll = self.query_one("#map-scroll", ScrollableContainer)
        rows = min(box.h, scroll.size.height)
        scroll.scroll_to_region(Region(box.x, box.y, box.w, rows), animate=False, center=True,
                                immediate=True)  # fmt: skip

    def _notes(self, layout: MapLayout) -> list[str]:
        """Under the map: the cycles through the centre, and what the width left out."""
        lines = []
        found = self.board_screen.links.found_cycles or []
        cards = self.formboard.board.cards if self.formboard.board else {}
        titles = {cid: c.title for cid, c in cards.items()}
        through = [c for c in found if self.centre in c.cards]
        if through:
            more = f" (and {len(through) - 1} more: c on the board)" if len(through) > 1 else ""
            lines.append(f"In a cycle{more}: {cycle_line(through[0], titles)}")
        if layout.hidden:
            lines.append(f"{count(layout.hidden, 'card')} two steps away not shown: a wider "
                         "window shows them.")  # fmt: skip
        if not layout.links:
            lines.append("This card has no links yet: x on the board links it to another.")
        return lines

    def _text(self, layout: MapLayout) -> Text:
        """The cells as Rich text: boxes in their column's colour, the focused one heavy."""
        colours = self._column_colours()
        styles: dict[tuple[str, str], Style] = {}  # (role, card) -> its style, made once
        out = Text(no_wrap=True, end="")
        for r, row in enumerate(layout.cells):
            if r:
                out.append("\n")
            run: list[str] = []
            key = ("", "")
            for ch, role, cid in row:
                here = (role, cid)
                if here != key:
                    if run:
                        out.append("".join(run), self._style(key, layout, colours, styles))
                    run, key = [], here
                run.append(ch.translate(_HEAVY) if cid == self.at and role == "border" else ch)
            out.append("".join(run), self._style(key, layout, colours, styles))
        return out

    def _style(self, key: tuple[str, str], layout: MapLayout, colours: dict[Column, Style],
               styles: dict[tuple[str, str], Style]) -> Style:  # fmt: skip
        if key in styles:
            return styles[key]
        role, cid = key
        focused = cid == self.at
        if not cid:
            style = Style(dim=True) if role == "line" else Style(bold=role == "arrow")
        elif role in ("border", "column"):
            style = colours[layout.boxes[cid].column] + Style(bold=focused)
        elif role == "cycle":
            style = Style(italic=True, bold=focused)
        else:
            style = Style(bold=focused, reverse=focused and role == "title")
        styles[key] = style
        return style

    def _column_colours(self) -> dict[Column, Style]:
        variables = self.app.get_css_variables()
        out = {}
        for column in Column:
            value = variables.get(f"column-{column.value}", "")
            try:
                out[column] = Style(color=Color.parse(value).rich_color)
            except Exception:  # a theme without the colour: words say the column anyway
                out[column] = Style()
        return out

    # ------------------------------------------------------------- following the board

    @on(BoardChanged)
    def _board_changed(self, message: BoardChanged) -> None:
        """A change set reached the board: draw the map again, or say the centre went."""
        card = message.state.cards.get(self.centre)
        if card is None or card.archived:
            self.notify("The card in the middle of the map was archived or removed; back "
                        "to the board.")  # fmt: skip
            self.dismiss(None)
            return
        self.draw()

    def cycles_found(self) -> None:
        """The board worked its cycles out again: the boxes say "cycle of 3" anew."""
        self.draw()

    def show(self, centre: str, focused: str | None) -> None:
        """Show the map around ``centre`` on ``focused`` (where the one I follow is)."""
        if (centre, focused or centre) != (self.centre, self.at):
            self.centre, self.at = centre, focused or centre
            self.draw()

    # ------------------------------------------------------------- keys

    def _moved(self) -> None:
        colleagues = self.board_screen.colleagues
        if self.followed:
            self.followed = False
            colleagues.own_move()
        colleagues.at("map", centre=self.centre, focus=self.at)

    def action_move(self, across: int, down: int) -> None:
        if self.drawn is None:
            return
        self.at = self.drawn.move(self.at, across, down)
        self._show()
        self._moved()

    def action_centre(self) -> None:
        self.centre = self.at
        self.draw()
        self._moved()

    def action_open(self) -> None:
        from formboard.tui.screens.card import CardScreen

        board = self.board_screen
        board.colleagues.at("card", focus=self.at)  # followers open it too
        self.app.push_screen(
            CardScreen(self.at, board=board),
            lambda _: board.colleagues.at("map", centre=self.centre, focus=self.at),
        )

    def action_close(self) -> None:
        self.dismiss(self.at)
