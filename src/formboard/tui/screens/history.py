"""The history: the op log as sentences, newest first, by card, person or meeting.

Enter shows the board as it was after the chosen change (``PastBoardScreen``); p puts an
earlier value back, as a new change. Pages of the log are read in a worker thread, one
page at a time, so the first page costs one page whatever the log's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from formboard.core.facts import local_time
from formboard.core.history import said_by, sentence, told
from formboard.core.meetings import Meeting
from formboard.core.model import Op
from formboard.core.person import Person, person_key
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.messages import Submit, WriteRequest, WriteSaved
from formboard.tui.text import plain, safe
from formboard.tui.widgets.footer import QuietFooter

if TYPE_CHECKING:
    from formboard.core.commands import Command
    from formboard.tui.app import FormboardApp
    from formboard.tui.screens.board import BoardScreen

PAGE = 200
_QUIET = {"renumber", "upsert_member", "attend", "leave"}  # bookkeeping, not shown


@dataclass
class HistoryFilter:
    """Which changes the history lists: one card's, one person's, one meeting's."""

    card_id: str | None = None
    card_title: str = ""
    author: Person | None = None  # one person: a login and a name
    author_name: str = ""
    meeting: Meeting | None = None

    def said(self) -> str:
        parts = [f"card ‘{self.card_title}’" if self.card_id else "every card"]
        parts.append(self.author_name if self.author else "everyone")
        parts.append(self.meeting.named() if self.meeting else "any time")
        return " · ".join(parts)


class HistoryScreen(ClosesOnce, Screen[None]):
    """Every change, newest first, as sentences; the board as it was; earlier values back."""

    DEFAULT_CSS = """
    HistoryScreen #history-heading { height: auto; padding: 0 1; background: $panel; }
    HistoryScreen OptionList { height: 1fr; border: none; }
    HistoryScreen #history-hint { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="history.close", tooltip="back to the board"),
        Binding("enter", "as_it_was", "As it was", id="history.as-it-was",
                tooltip="the board as it was after this change, with what differs now"),
        Binding("p", "put_back", "Put back", id="history.put-back",
                tooltip="put back the value this change replaced (a new change)"),
        Binding("c", "by_card", "This card", id="history.card",
                tooltip="only the changes to the card you were on, or every card"),
        Binding("w", "by_person", "Who", id="history.person",
                tooltip="only one person's changes (again: the next person, then everyone)"),
        Binding("m", "by_meeting", "Meeting", id="history.meeting",
                tooltip="only one meeting's changes (again: the one before, then any time)"),
    ]  # fmt: skip

    def __init__(self, card_id: str | None = None, *, board: BoardScreen) -> None:
        super().__init__()
        self.board_screen = board  # its colleagues are told where I am in the history
        self.focus_card = card_id  # the card the board's cursor was on
        self.where = HistoryFilter()
        self.ops: dict[str, Op] = {}
        self.oldest_seq: int | None = None
        self.complete = False
        self._loading = False

    @property
    def formboard(self) -> FormboardApp:
        return cast("FormboardApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="history-heading")
        yield OptionList(id="history-list")
        yield Static(
            "enter: the board as it was · p: put the earlier value back · c: this card · "
            "w: who · m: meeting · esc: back",
            id="history-hint",
        )
        yield QuietFooter()

    def on_mount(self) -> None:
        self._reload()
        self.query_one(OptionList).focus()

    # ------------------------------------------------------------ reading

    def _reload(self) -> None:
        self.ops, self.oldest_seq, self.complete = {}, None, False
        self._imports: set[tuple[str, int]] = set()
        self.query_one(OptionList).clear_options()
        self.query_one("#history-heading", Static).update(
            plain(f"History, newest first: {self.where.said()}", one_line=True)
        )
        self._load_page()

    def _load_page(self) -> None:
        if self._loading or self.complete:
            return
        self._loading = True
        where, before = self.where, self.oldest_seq
        store = self.formboard.session.store
        meeting = where.meeting
        span = (meeting.started_rev, meeting.ended_rev) if meeting else None

        def work() -> None:
            assert store is not None
            page = store.ops_page(
                before, PAGE, card_id=where.card_id, author=where.author, revisions=span
            )
            self.app.call_from_thread(self._page_read, where, page)

        self.run_worker(work, thread=True, group="history", exit_on_error=False)

    def _page_read(self, where: HistoryFilter, page: list[Op]) -> None:
        self._loading = False
        if where is not self.where:
            self._load_page()  # the filter changed while the page was read
            return
        self.complete = len(page) < PAGE
        if page:
            self.oldest_seq = page[-1].seq
        state = self.formboard.board
        titles = {c.id: c.title for c in state.cards.values()} if state else {}
        options = []
        for op, said in told(page, titles):  # an undo and its changes: one line
            if op.op in _QUIET:
                continue
            if op.op == "import":  # one line for an import, not one per card and link
                write = (op.client_id, op.client_seq)
                if write in self._imports:
                    continue
                self._imports.add(write)
                op = op.model_copy(update={"entity": "board"})
                said = sentence(op, titles)
            self.ops[str(op.seq)] = op
            line = Text(f"{local_time(op.at)[5:]}  ", style="dim")
            discipline = state.members.get(op.person) if state else None
            who = said_by(op) + (f" ({discipline.discipline})" if discipline and
                                 discipline.discipline else "")  # fmt: skip
            line.append(safe(who, one_line=True), style="bold")
            line.append(" ").append(safe(said, one_line=True))
            options.append(Option(line, id=str(op.seq)))
        listing = self.query_one(OptionList)
        listing.add_options(options)
        if listing.highlighted is None and listing.option_count:
            listing.highlighted = 0
        if not listing.option_count and self.complete:
            listing.add_option(Option("No changes match.", disabled=True))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        listing = self.query_one(OptionList)
        if event.option_index >= listing.option_count - 20:
            self._load_page()  # near the end: the next page

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_as_it_was()  # enter in the list

    def chosen(self) -> Op | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None:
            return None
        return self.ops.get(listing.get_option_at_index(listing.highlighted).id or "")

    # ------------------------------------------------------------ filters

    def action_by_card(self) -> None:
        if self.where.card_id is not None or self.focus_card is None:
            self.where = HistoryFilter(author=self.where.author,
                                       author_name=self.where.author_name,
                                       meeting=self.where.meeting)  # fmt: skip
        else:
            state = self.formboard.board
            card = state.cards.get(self.focus_card) if state else None
            self.where = HistoryFilter(
                self.focus_card, card.title if card else "", self.where.author,
                self.where.author_name, self.where.meeting,
            )  # fmt: skip
        self._reload()

    def action_by_person(self) -> None:
        state = self.formboard.board
        people = sorted(state.members.values(), key=lambda m: m.name.casefold()) if state else []
        persons = [m.person for m in people]
        at = persons.index(self.where.author) + 1 if self.where.author in persons else 0
        nxt = persons[at] if at < len(persons) else None
        self.where = HistoryFilter(
            self.where.card_id, self.where.card_title, nxt, nxt.name if nxt else "",
            self.where.meeting,
        )  # fmt: skip
        self._reload()

    def action_by_meeting(self) -> None:
        state = self.formboard.board
        meetings = list(reversed(state.meetings)) if state else []
        numbers = [m.number for m in meetings]
        current = self.where.meeting.number if self.where.meeting else None
        at = numbers.index(current) + 1 if current in numbers else 0
        nxt = meetings[at] if at < len(meetings) else None
        self.where = HistoryFilter(self.where.card_id, self.where.card_title,
                                   self.where.author, self.where.author_name, nxt)  # fmt: skip
        self._reload()

    # ------------------------------------------------------------ actions

    def action_close(self) -> None:
        self.dismiss()

    def action_as_it_was(self) -> None:
        op = self.chosen()
        if op is None:
            return
        from formboard.tui.screens.past_board import PastBoardScreen

        said = f"after {said_by(op)}'s change of {local_time(op.at)}"
        colleagues = self.board_screen.colleagues
        colleagues.at("history", history_rev=op.revision)
        self.app.push_screen(
            PastBoardScreen(op.revision, said), lambda _result: colleagues.at("history")
        )

    @on(WriteSaved)
    def _put_back(self, message: WriteSaved) -> None:
        message.stop()
        self.notify("Put back, as a new change.")

    def action_put_back(self) -> None:
        op = self.chosen()
        if op is None:
            return
        request = put_back_request(op, self.formboard)
        if isinstance(request, str):
            self.notify(request, timeout=8)
            return
        question, command = request
        from formboard.tui.dialogs.choice import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer == "yes" and self.formboard.writable():
                self.post_message(Submit(WriteRequest(command, self)))

        choices = [("y", "Put it back", "yes"), ("n", "Leave it", "no")]
        self.app.push_screen(ChoiceDialog(plain(question, one_line=True), choices), answered)


def put_back_request(op: Op, app: FormboardApp) -> tuple[str, Command] | str:
    """The question and the command that puts back what ``op`` replaced, or why it cannot."""
    from formboard.core.commands import EditCard, EditPerspective, MoveCard
    from formboard.core.history import quoted

    state = app.board
    me = app.identity.person
    values = (op.after if op.op == "conflict" else op.before) or {}
    card = state.cards.get(op.entity_id) if state and op.entity == "card" else None
    if op.op == "conflict" and op.person != me:
        return "Only the person whose version this was can put it back."
    if op.op in ("edit_card", "conflict") and op.entity == "card" and card is not None:
        fields = {k: v for k, v in values.items() if k in ("title", "body", "client_words",
                                                          "status", "domain")}  # fmt: skip
        if not fields:
            return "This change has no field to put back."
        words = ", ".join(k.replace("_", " ") for k in fields)
        return (
            f"Put back the {words} of {quoted(card.title)} as {'your version' if op.op == 'conflict' else 'it was before this change'}? It is written as a new change.",
            EditCard(card.id, card.rev, fields),
        )
    if op.op == "move_card" and card is not None and values.get("column"):
        return (
            f"Put {quoted(card.title)} back in its earlier column? It is written as a new change.",
            MoveCard(card.id, values["column"]),
        )
    if op.op == "edit_perspective":
        perspective = next(
            (p for c in (state.cards.values() if state else ()) for p in c.perspectives
             if p.id == op.entity_id), None,
        )  # fmt: skip
        if perspective is None or person_key(perspective.author, perspective.author_name) != me:
            return "Only its author can put back an earlier text of a perspective."
        return (
            "Put back the earlier text of your perspective? It is written as a new change.",
            EditPerspective(perspective.id, perspective.rev,
                            values.get("text"), values.get("discipline")),
        )  # fmt: skip
    return "Only a changed field, a move or a perspective's text can be put back from here."
