"""Pieces of the open card: perspective panels side by side, times, and its help."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, Vertical
from textual.widgets import Label, Select, Static

from formboard.core.facts import local_time as short_time  # the card screen's name for it
from formboard.core.model import Card, Domain, Perspective, Status
from formboard.core.person import Person, person_key
from formboard.tui.text import plain, safe
from formboard.tui.widgets.link_list import sync_children
from formboard.tui.widgets.text_input import TextBox, TextInput

NO_DOMAIN = "none"  # the domain choice that means none


def card_fields(card: Card | None) -> ComposeResult:
    """The open card's fields, to edit: title, body, the client's words, status, domain."""
    yield Label("Title", classes="field-label")
    # Not selected on focus: the first key typed must not replace the whole title.
    yield TextInput(safe(card.title) if card else "", id="title", select_on_focus=False)
    for name, label in (("body", "Body"), ("client_words", "Client's own words (verbatim)")):
        yield Label(label, classes="field-label")
        text = safe(getattr(card, name)) if card else ""
        yield TextBox(text, id=name, soft_wrap=True, tab_behavior="focus")
    status = card.status if card else Status.HYPOTHESIS
    domain = card.domain if card and card.domain else NO_DOMAIN
    domains = [(NO_DOMAIN, NO_DOMAIN), *((d.value, d) for d in Domain)]
    with Horizontal(id="card-tags"):
        with Vertical():
            yield Label("Status", classes="field-label")
            statuses = [(s.label, s) for s in Status]
            yield Select(statuses, id="status", allow_blank=False, value=status)
        with Vertical():
            yield Label("Domain", classes="field-label")
            yield Select(domains, id="domain", allow_blank=False, value=domain)


_KEY_NAMES = {"escape": "esc", "question_mark": "?", "delete": "del", "up": "↑", "down": "↓"}


def first_name(name: str) -> str:
    """ "Ben" for "Ben Okafor", as in "Only Ben can change Ben's perspective."."""
    return name.split()[0] if name.strip() else "its author"


class PerspectivePanel(Static, can_focus=True):
    """One practitioner's reading: author, discipline, time, text. Never merged with others."""

    DEFAULT_CSS = """
    PerspectivePanel { width: 38; height: auto; min-height: 5; margin-right: 1;
        padding: 0 1; border: round $panel-lighten-2; }
    PerspectivePanel:focus { border: tall $primary; }
    PerspectivePanel:ansi { border: round ansi_bright_black; }
    PerspectivePanel:ansi:focus { border: tall ansi_blue; }
    """

    def __init__(self, perspective: Perspective, author: str, *, mine: bool) -> None:
        super().__init__(id=f"perspective-{perspective.id}")
        self.mine = mine
        self.show(perspective, author)

    def show(self, perspective: Perspective, author: str) -> None:
        """Show (or refresh) the perspective; the text is never markup."""
        self.perspective, self.author = perspective, author
        p = perspective
        text = plain(author, "bold", one_line=True) + Text("  (you)" if self.mine else "")
        when = short_time(p.updated_at or p.created_at)
        text.append("\n").append(plain(f"{p.discipline} · {when}", "italic"))
        self.update(text.append("\n\n").append(plain(p.text)))


class PerspectiveRow(HorizontalScroll, can_focus=False):
    """The perspectives side by side; focus goes to the panels, which scroll into view.

    Where they do not all fit side by side (80 columns), they stack, each the row's
    width: every colleague's view reads top to bottom, whole, and never scrolls sideways.
    """

    DEFAULT_CSS = """
    PerspectiveRow.-stacked { layout: vertical; overflow-x: hidden; }
    PerspectiveRow.-stacked PerspectivePanel { width: 1fr; margin-right: 0; margin-bottom: 1; }
    """
    SIDE_BY_SIDE = 39  # a panel's width and its margin

    def show(
        self, perspectives: Sequence[Perspective], author: Callable[[Perspective], str], me: Person
    ) -> None:
        """Each perspective in its panel (``me``: whose are mine), then fit the row."""
        panels = {w.perspective.id: w for w in self.query(PerspectivePanel)}
        by_id = {p.id: p for p in perspectives}
        for pid, panel in panels.items():
            if pid in by_id:
                panel.show(by_id[pid], author(by_id[pid]))
        sync_children(
            self, panels, list(by_id), "No perspectives yet: p adds yours.",
            lambda pid: PerspectivePanel(
                by_id[pid],
                author(by_id[pid]),
                mine=person_key(by_id[pid].author, by_id[pid].author_name) == me,
            ),
        )  # fmt: skip
        if self.size.width:  # laid out already: fit now, before the new panels are drawn
            self.fit_panels(len(by_id))
        else:
            self.call_after_refresh(self.fit_panels)

    def on_resize(self) -> None:
        self.fit_panels()

    def fit_panels(self, count: int | None = None) -> None:
        """Side by side when they all (``count``; those mounted) fit, else one above the other."""
        if count is None:
            count = len(self.query_children(PerspectivePanel))
        self.set_class(count * self.SIDE_BY_SIDE > self.size.width > 0, "-stacked")


def reading_text(
    card: Card, since: tuple[str, list[str]] = ("", []), *, editable: bool = True
) -> Text:
    """The card to read: its title whole, its text, the client's own words, and ``since``
    (a heading and sentences): what changed it since the last meeting.

    Never markup: every piece of board text goes through ``plain``.
    """
    text = plain(card.title, "bold")  # where it sits and its status: the heading above
    if card.body.strip():
        text.append("\n\n").append(plain(card.body))
    if card.client_words.strip():
        text.append("\n\n").append("Client's own words\n", style="bold")
        text.append(plain("“" + card.client_words.strip() + "”", "italic"))
    heading, lines = since
    if lines:  # what changed it since the last meeting (or my last visit), and who
        text.append("\n\n").append(f"{heading}\n", style="bold")
        text.append(plain("\n".join(f"• {line}" for line in lines)))
    if editable:
        text.append("\n\n").append("e edits this card", style="dim")
    return text
