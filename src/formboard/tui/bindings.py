"""The board's keys and the app's own, in one place; every id can be remapped (``[keymap]``).

Each binding carries its short name (the footer) and, as its tooltip, what it does in a
sentence: the help screen and the command palette read them from the live bindings, so a
remapped key is shown as remapped.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Keys that work on every screen: hide the screen (even while typing), close the
# palette's "Keys" panel (only while it is open: the app disables it otherwise).
APP_BINDINGS: list[BindingType] = [
    Binding("f12", "blank", "Hide", show=False, priority=True, id="app.hide-anywhere",
            tooltip="hide every client detail until enter is pressed, even while typing"),
    Binding("escape", "hide_keys_panel", show=False, priority=True, id="app.hide-keys"),
    # Textual's own two, said as ours are (its help said "Quit the app and return to the
    # command prompt." and listed the palette twice).
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit",
            tooltip="quit, as q does (asking first if a change still waits to be saved)"),
    Binding("ctrl+p", "command_palette", "palette", show=False, priority=True, id="app.palette",
            tooltip="the command palette: every action, themes, exports"),
]  # fmt: skip

# The board's keys. The footer shows the shown ones in this order, as many as fit: at 80
# columns the first five (new, open, filter, help, quit) always do.
BOARD_BINDINGS: list[BindingType] = [
    Binding("up,k", "navigate(0, -1)", "Up", show=False, id="cursor.up",
            tooltip="the card above"),
    Binding("down,j", "navigate(0, 1)", "Down", show=False, id="cursor.down",
            tooltip="the card below"),
    Binding("left,h", "navigate(-1, 0)", "Left", show=False, id="cursor.left",
            tooltip="the column to the left: the card nearest on screen"),
    Binding("right,l", "navigate(1, 0)", "Right", show=False, id="cursor.right",
            tooltip="the column to the right: the card nearest on screen"),
    Binding("pageup", "page(-1)", "Page up", show=False, id="cursor.page-up",
            tooltip="a page up the column"),
    Binding("pagedown", "page(1)", "Page down", show=False, id="cursor.page-down",
            tooltip="a page down the column"),
    Binding("home", "page(-1000)", "First card", show=False, id="cursor.first",
            tooltip="the first card of the column"),
    Binding("end", "page(1000)", "Last card", show=False, id="cursor.last",
            tooltip="the last card of the column"),
    Binding("shift+up,K", "move_card(0, -1)", "Move up", show=False, id="card.move-up",
            tooltip="move the focused card up its column"),
    Binding("shift+down,J", "move_card(0, 1)", "Move down", show=False, id="card.move-down",
            tooltip="move the focused card down its column"),
    Binding("shift+left,H", "move_card(-1, 0)", "Move left", show=False, id="card.move-left",
            tooltip="move the focused card to the column on the left"),
    Binding("shift+right,L", "move_card(1, 0)", "Move right", show=False, id="card.move-right",
            tooltip="move the focused card to the column on the right"),
    Binding("n", "new_card", "New", id="card.new",
            tooltip="add a card to the focused column"),
    Binding("enter", "open_card", "Open", id="card.open",
            tooltip="open the focused card to read: its text, perspectives and links"),
    Binding("e", "edit_card", "Edit", show=False, id="card.edit-open",
            tooltip="open the focused card to edit its fields"),
    # priority: handled as the key arrives, so the keys typed right after it (a quick
    # typist, a paste) already go to the filter box and never act on the board.
    Binding("slash", "filter", "Filter", id="board.filter", priority=True,
            tooltip="show only cards matching words, by:ana, disc:psychiatry, status:agreed"),
    Binding("question_mark", "help", "Help", id="board.help",
            tooltip="every key, the columns, and how markers read"),
    Binding("q", "quit", "Quit", id="board.quit", tooltip="close the board"),
    Binding("p", "add_perspective", "Perspective", id="card.perspective",
            tooltip="add your reading of the focused card"),
    Binding("x", "link_card", "Link", id="card.link",
            tooltip="link the focused card to another (search, then choose the kind)"),
    Binding("a", "archive_card", "Archive", id="card.archive",
            tooltip="archive the focused card (nothing is deleted)"),
    Binding("f", "follow", "Follow", id="board.follow",
            tooltip="follow a colleague: your cursor goes where theirs goes"),
    Binding("M", "meeting", "Meeting", show=False, id="board.meeting",
            tooltip="start a meeting, or end the one you run (then write its note)"),
    Binding("F", "follow_facilitator", "Join meeting", show=False, id="board.join-meeting",
            tooltip="follow the facilitator of the running meeting"),
    Binding("B", "bring_everyone", "Bring everyone", show=False, id="board.bring-everyone",
            tooltip="as the meeting's facilitator: everyone at it follows you"),
    Binding("full_stop", "next_change", "Next change", show=False, id="board.next-change",
            tooltip="the next card marked new or changed since the last meeting"),
    Binding("S", "since", "Since", show=False, id="board.since",
            tooltip="new and changed markers: since the last meeting, your last visit, or off"),
    Binding("t", "history", "History", show=False, id="board.history",
            tooltip="every change as a sentence, by card, person or meeting; the board as it was"),
    Binding("o", "back_to_list", "Other client", show=False, id="board.list",
            tooltip="back to the folder's boards, to open another client's (q still quits)"),
    Binding("G", "go_with", "Go with", show=False, id="board.go-with",
            tooltip="go to the board the colleague you followed moved on to, and follow them"),
    Binding("c", "cycles", "Cycles", show=False, id="board.cycles",
            tooltip="every maintaining cycle as a sentence; enter goes to its first card"),
    Binding("m", "map", "Map", show=False, id="board.map",
            tooltip="the map of links around the focused card, two steps out"),
    Binding("ctrl+z", "undo", "Undo", show=False, id="board.undo",
            tooltip="undo your latest change (as a new change; never over a colleague's)"),
    Binding("ctrl+y", "redo", "Redo", show=False, id="board.redo",
            tooltip="redo what you undid last"),
    Binding("u", "undo_archive", "Undo archive", show=False, id="card.undo-archive",
            tooltip="bring back the card you archived last"),
    Binding("A", "show_archived", "Archived", show=False, id="board.archived",
            tooltip="the archived cards, who archived each and when; enter brings one back"),
    Binding("b", "app.blank", "Hide", show=False, id="app.hide",
            tooltip="hide the screen until enter is pressed (f12 also while typing)"),
    Binding("escape", "clear", "Clear", show=False, id="board.clear",
            tooltip="clear the filter"),
]  # fmt: skip
