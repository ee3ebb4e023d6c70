"""Choosing a board from a team folder: client, title, cards, last change, by whom."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from formboard.core.facts import local_time
from formboard.core.store.summary import BoardSummary, find_boards
from formboard.gc_pause import resume_collector
from formboard.tui.safe_app import SafeApp
from formboard.tui.text import safe
from formboard.tui.themes import start_theme


class BoardChooser(SafeApp[Path | None]):
    """Lists the boards in a folder; enter opens the chosen one."""

    TITLE = "formboard"
    BINDINGS = [
        Binding("enter", "choose", "Open"),
        Binding("q,escape", "quit_chooser", "Quit"),
    ]
    DEFAULT_CSS = """
    #heading { padding: 0 1; text-style: bold; }
    DataTable { height: 1fr; }
    """

    def __init__(self, folder: Path, theme: str | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.requested_theme = theme
        self.summaries: list[BoardSummary] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Boards in {safe(str(self.folder))}"), id="heading")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_load(self) -> None:
        # The board app shows any theme problems once the board is open.
        start_theme(self, self.requested_theme)

    def on_mount(self) -> None:
        self.call_after_refresh(resume_collector)  # start-up is over (gc_pause.py)
        table = self.query_one(DataTable)
        table.add_columns("Client", "Title", "Cards", "Last change", "By", "File")
        self.summaries = find_boards(self.folder)
        for s in self.summaries:
            if s.problem:
                row = ["", Text(f"this file {s.problem}"), "", "", "", Text(safe(s.path.name))]
            else:
                row = [
                    Text(safe(s.client)), Text(safe(s.title, one_line=True)), str(s.cards),
                    local_time(s.last_change_at), Text(safe(s.last_change_by)), Text(safe(s.path.name)),
                ]  # fmt: skip
            table.add_row(*row)
        if not self.summaries:
            self.query_one("#heading", Static).update(
                Text(f"There are no boards (*.board files) in {safe(str(self.folder))}. "
                     "Create one with: formboard new FILE.board --client CODE")
            )  # fmt: skip
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if not self.summaries:
            return
        chosen = self.summaries[table.cursor_row]
        if chosen.problem:
            self.notify(f"{chosen.path.name} {chosen.problem}.", severity="warning")
            return
        self.exit(chosen.path)

    def action_quit_chooser(self) -> None:
        self.exit(None)
