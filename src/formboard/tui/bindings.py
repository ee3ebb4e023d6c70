"""Every key of the board in one place (ids make them remappable via App.set_keymap)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# The footer shows the shown keys in this order, as many as fit: at 80 columns the
# first five (new, open, filter, help, quit) always do.
BOARD_BINDINGS: list[BindingType] = [
    Binding("up,k", "navigate(0, -1)", "Up", show=False, id="cursor.up"),
    Binding("down,j", "navigate(0, 1)", "Down", show=False, id="cursor.down"),
    Binding("left,h", "navigate(-1, 0)", "Left", show=False, id="cursor.left"),
    Binding("right,l", "navigate(1, 0)", "Right", show=False, id="cursor.right"),
    Binding("pageup", "page(-1)", "Page up", show=False, id="cursor.page-up"),
    Binding("pagedown", "page(1)", "Page down", show=False, id="cursor.page-down"),
    Binding("home", "page(-1000)", "First card", show=False, id="cursor.first"),
    Binding("end", "page(1000)", "Last card", show=False, id="cursor.last"),
    Binding("shift+up,K", "move_card(0, -1)", "Move up", show=False, id="card.move-up"),
    Binding("shift+down,J", "move_card(0, 1)", "Move down", show=False, id="card.move-down"),
    Binding("shift+left,H", "move_card(-1, 0)", "Move left", show=False, id="card.move-left"),
    Binding("shift+right,L", "move_card(1, 0)", "Move right", show=False, id="card.move-right"),
    Binding("n", "new_card", "New", id="card.new"),
    Binding("enter,e", "open_card", "Open", id="card.open"),
    # priority: handled as the key arrives, so the keys typed right after it (a quick
    # typist, a paste) already go to the filter box and never act on the board.
    Binding("slash", "filter", "Filter", id="board.filter", priority=True),
    Binding("question_mark", "help", "Help", id="app.help"),
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("p", "add_perspective", "Perspective", id="card.perspective"),
    Binding("x", "link_card", "Link", id="card.link"),
    Binding("a", "archive_card", "Archive", id="card.archive"),
    Binding("f", "follow", "Follow", id="board.follow"),
    Binding("u", "undo_archive", "Undo archive", show=False, id="card.undo-archive"),
    Binding("b", "blank", "Hide", show=False, id="app.hide"),
    # f12 hides from anywhere, even while typing in a card or a dialog.
    Binding("f12", "blank", "Hide", show=False, priority=True, id="app.hide-anywhere"),
    Binding("escape", "clear", "Clear", show=False, id="board.clear"),
]

# What each action does, for the help panel and the command palette.
ACTION_HELP: dict[str, tuple[str, str]] = {
    "new_card": ("New card", "Add a card to the focused column"),
    "open_card": ("Open card", "Open the focused card to read and edit it"),
    "add_perspective": ("Add perspective", "Add your reading of the focused card"),
    "link_card": ("Link card", "Link the focused card to another card"),
    "archive_card": ("Archive card", "Archive the focused card (u brings it back)"),
    "undo_archive": ("Undo archive", "Bring back the card you archived last"),
    "follow": ("Follow a colleague", "Your cursor goes where theirs goes (case meetings)"),
    "filter": ("Filter", "Show only cards matching text, by:author, disc:discipline, status:"),
    "clear": ("Clear filter", "Show every card again"),
    "blank": ("Hide the screen", "Hide every client detail until enter is pressed"),
    "help": ("Help", "Show every key"),
    "quit": ("Quit", "Close the board"),
}

KEY_HELP: list[tuple[str, str]] = [
    ("← ↓ ↑ →  or  h j k l", "move between cards (across columns keeps the row)"),
    ("pgup pgdn home end", "a page up or down, the first or last card of the column"),
    ("shift+arrows  or  H J K L", "move the focused card (next column, or up and down)"),
    ("n", "new card in the focused column"),
    ("enter  or  e", "open the card: edit, perspectives, links"),
    ("p", "add your perspective to the card"),
    ("x", "link the card to another (search, then choose the kind)"),
    ("a / u", "archive the card / undo the archive"),
    ("/", "filter: words, by:ana, disc:psychiatry, status:agreed"),
    ("f", "follow a colleague: your cursor goes where theirs goes"),
    ("b  or  f12", "hide the screen (f12 also while typing); enter shows it again"),
    ("esc", "clear the filter, close a dialog"),
    ("ctrl+p", "command palette: every action, themes"),
    ("?", "this help"),
    ("q", "quit"),
]
