"""Every key of the README's table, walked to its end in a real terminal (tmux).

Each flow runs ``formboard open`` on a copy of the fictional demo board at 80×24 and at
160×50, presses the keys a person would, waits for what the screen should then show, and
reads the board file back with the command line where a flow writes. After each test no
app crashed, none ended unasked, no screen went blank (tests/terminal.py).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from tests.terminal import (
    Pane,
    Person,
    Terminals,
    demo_board,
    person,
    terminals_fixture,
)
from tests.tui_helpers import large_board

from formboard.core.store import head

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
pytestmark = pytest.mark.timeout(180)

BOARD_SHOWN = "C-0421 · saved"  # the status line, on the board and only there


@pytest.fixture(params=SIZES)
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """The terminal's size: every flow runs at 80×24 and at 160×50."""
    return request.param


@pytest.fixture
def terminals():
    yield from terminals_fixture()


@pytest.fixture
def ana(tmp_path: Path) -> Person:
    return person(tmp_path / "people", "Ana Lima", "psychology")


@pytest.fixture
def board(ana: Person, tmp_path: Path) -> Path:
    return demo_board(ana, tmp_path / "team")


def read_board(who: Person, board: Path) -> dict[str, Any]:
    """The board as the command line prints it (JSON)."""
    shown = who.run("show", str(board), "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def card_titled(who: Person, board: Path, title: str) -> dict[str, Any]:
    found = [c for c in read_board(who, board)["cards"] if c["title"] == title]
    assert found, f"no card titled {title!r} in the board file"
    return found[0]


def on_board(pane: Pane) -> str:
    """Wait until the board itself is on screen again (no dialog over it)."""
    return pane.wait_for(lambda s: BOARD_SHOWN in s and "Symptoms" in s and "█" not in s)


def new_card(pane: Pane, title: str) -> None:
    pane.press("n").wait_for("Title")
    pane.type(title).press("Enter")
    on_board(pane)
    pane.wait_for(title[:18])


def test_moving_around_and_moving_a_card(terminals: Terminals, ana, board, size) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    first = "Panic attacks in the"
    app.wait_for(f"▶ {first}")
    app.press("Down").wait_for("▶ Chest tightness")
    app.press("j", "k").wait_for("▶ Chest tightness")
    app.press("Up").wait_for(f"▶ {first}")
    app.press("End").wait_for(lambda s: f"▶ {first}" not in s)
    app.press("Home").wait_for(f"▶ {first}")
    app.press("PageDown").wait_for(lambda s: f"▶ {first}" not in s)
    app.press("PageUp").wait_for(f"▶ {first}")
    app.press("Right").wait_for("▶ Father's sudden")
    app.press("l").wait_for("▶ Caring for others")
    app.press("h", "Left").wait_for(f"▶ {first}")
    # shift+arrows move the focused card; H J K L too. Where it lands, in the board file:
    moves = [("S-Down", 1, "symptoms"), ("K", 0, "symptoms"), ("S-Right", 0, "sources"),
             ("H", 0, "symptoms"), ("J", 1, "symptoms"), ("S-Up", 0, "symptoms"),
             ("L", 0, "sources"), ("S-Left", 0, "symptoms")]  # fmt: skip
    for key, position, column in moves:
        app.press(key)
        assert wait_in(ana, board, "Panic attacks in the car park before early shifts",
                       position, column)  # fmt: skip
    app.wait_for(f"▶ {first}")


def wait_in(who: Person, board: Path, title: str, position: int, column: str = "symptoms"):
    """Wait until the card ``title`` is at ``position`` of ``column`` in the board file."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        cards = [c for c in read_board(who, board)["cards"] if c["column"] == column]
        cards = [c for c in sorted(cards, key=lambda c: c["position"]) if not c["archived"]]
        if (
            any(c["title"] == title for c in cards)
            and [c["title"] for c in cards].index(title) == position
        ):
            return True
        time.sleep(0.2)
    raise AssertionError(f"{title!r} is not at {position} of {column}: {cards}")


def test_a_new_card_edited_read_given_a_perspective_and_a_link(
    terminals: Terminals, ana, board, size
) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    new_card(app, "Tearful at night")
    assert card_titled(ana, board, "Tearful at night")["column"] == "symptoms"
    # e opens the focused card to edit: a new title, ctrl+s saves, esc goes back.
    app.press("e").wait_for("Title")
    app.press("End").type(" since May").press("C-s")
    app.wait_for("Tearful at night since May")
    app.press("Escape")
    on_board(app)
    assert card_titled(ana, board, "Tearful at night since May")
    # enter opens it to read; p adds my perspective (ctrl+s saves it).
    app.press("Enter").wait_for("Perspectives")
    app.press("p").wait_for("ctrl+s")
    app.type("Grief that has no words yet.").press("C-s")
    app.wait_for("Grief that has no words yet.")
    app.press("Escape")
    on_board(app)
    (view,) = card_titled(ana, board, "Tearful at night since May")["perspectives"]
    assert view["text"] == "Grief that has no words yet." and view["discipline"] == "psychology"
    # p on the board adds one too.
    app.press("p").wait_for("ctrl+s")
    app.type("A second reading.").press("C-s")
    on_board(app)
    card = card_titled(ana, board, "Tearful at night since May")
    assert len(card["perspectives"]) == 2
    # x links it: search a title, enter picks the card, enter saves the first kind.
    app.press("x").wait_for("type part of a title")
    app.type("Singing alto")
    app.wait_for("Singing alto in a community choir")
    app.press("Enter").wait_for("choose how they connect")
    app.press("Enter")
    on_board(app)
    links = read_board(ana, board)["links"]
    assert any(link["from"] == card["id"] and link["kind"] == "triggers" for link in links)
    app.press("Enter").wait_for("triggers")  # the open card says it as a sentence
    app.press("Escape")
    on_board(app)


def test_archive_bring_back_and_the_archived_list(terminals: Terminals, ana, board, size):
    app = terminals.open(ana, "open", str(board), size=size)
    new_card(app, "Short-lived worry")
    app.press("a").wait_notice("Card archived. Press u to bring it back.")
    assert card_titled(ana, board, "Short-lived worry")["archived"]
    app.wait_for("Short-lived worry", gone=True)
    app.press("u").wait_for("Short-lived worry")
    assert not card_titled(ana, board, "Short-lived worry")["archived"]
    app.press("u").wait_notice("Nothing archived in this session to undo.")
    # A: the archived cards; enter brings one back.
    app.press("a").wait_for("Short-lived worry", gone=True)
    app.press("A").wait_for("archived by Ana Lima")
    app.press("Enter")
    on_board(app)
    app.wait_for("Short-lived worry")
    assert not card_titled(ana, board, "Short-lived worry")["archived"]


def test_undo_and_redo_also_after_quitting_and_reopening(
    terminals: Terminals, ana, board, size
) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    new_card(app, "Tearful at night")
    app.press("C-z").wait_notice("Undone: you")
    app.wait_for("Tearful at night", gone=True)
    assert card_titled(ana, board, "Tearful at night")["archived"]
    app.press("C-y").wait_notice("Redone: you")
    app.wait_for("Tearful at night")
    assert not card_titled(ana, board, "Tearful at night")["archived"]
    app.press("q")
    app.wait_exit()
    again = terminals.open(ana, "open", str(board), size=size)
    again.press("End").wait_for("Tearful at night")  # the last card of its column
    again.press("C-z").wait_notice("Undone: you")  # read from the op log: it survives quitting
    again.wait_for("Tearful at night", gone=True)
    assert card_titled(ana, board, "Tearful at night")["archived"]
    again.press("C-y").wait_notice("Redone: you")
    again.press("C-y").wait_notice("Not redone")  # nothing left to redo: said, nothing written


def test_history_the_board_as_it_was_and_putting_back(
    terminals: Terminals, ana, board, size
) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    # A change to put back: the first card's title, edited on the board.
    app.press("e").wait_for("Title")
    app.press("End").type(" (edited)").press("C-s")
    app.wait_for("(edited)")
    app.press("Escape")
    on_board(app)
    app.press("t").wait_for("History, newest first")
    app.wait_for("imported the board")
    # enter: the board as it was after that change, read-only; esc comes back.
    app.press("Enter").wait_for("as it was")
    app.press("Escape").wait_for("History, newest first")
    # p on my edit: asked first, then put back as a new change.
    app.press("p").wait_for("Put it back")
    app.press("y").wait_notice("Put back, as a new change.")
    app.press("Escape")
    on_board(app)
    app.wait_for("(edited)", gone=True)
    titles = [c["title"] for c in read_board(ana, board)["cards"]]
    assert not any("(edited)" in t for t in titles)
    # p on a change with nothing to put back (the import) says so and stays.
    app.press("t").wait_for("imported the board")
    app.press("End")
    app.press("p").wait_notice("can be put back from here")
    app.press("Escape")
    on_board(app)


def test_new_and_changed_since_my_last_visit(terminals: Terminals, ana, board, size) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    app.press("S")  # at once: the markers may still be being read, which it says
    said = app.wait_notice("")
    assert "still being worked out" in said or "nothing to compare with yet" in said
    app.wait_for("still being worked out", gone=True)
    app.press("S").wait_notice("nothing to compare with yet")
    app.press(".").wait_notice("No card is marked new or changed.")
    app.press("q").wait_exit()
    # While I was away: a card added, another changed (the command line, as a colleague's script).
    added = ana.run("add", str(board), "sources", "Grandmother's death last spring")
    assert added.returncode == 0, added.stderr
    again = terminals.open(ana, "open", str(board), size=size)
    again.wait_for("1 new")
    again.press(".").wait_for("▶ Grandmother's death")
    again.wait_for("new")
    again.press("S").wait_notice("markers are off")
    again.wait_for("1 new", gone=True)
    again.press("S").wait_for("1 new")


def test_filter_help_hide_and_map_and_cycles(terminals: Terminals, ana, board, size) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    # / filters as you type; esc clears.
    app.press("/").type("status:hyp")
    app.wait_for(lambda s: "of 8" in s)
    app.wait_for("Possible social", gone=True)
    app.press("Escape")
    app.wait_for(lambda s: "of 8" not in s)
    app.press("/").type("by:nobody-here")
    app.wait_for("0 of 8")
    app.press("Escape")
    on_board(app)
    # ? shows every key; esc closes.
    app.press("?").wait_for("formboard keys")
    app.press("Escape")
    on_board(app)
    # b hides every card until enter; f12 too.
    app.press("b").wait_for("the screen is hidden")
    app.wait_for("Panic attacks", gone=True)
    app.press("Enter")
    on_board(app)
    app.press("F12").wait_for("the screen is hidden")
    app.press("Enter")
    on_board(app)
    # m: the map around the focused card; o opens a card from it, esc back.
    app.press("m").wait_for("Map of links around")
    app.wait_for("maintains ▶")
    app.press("o").wait_for("Perspectives")
    app.press("Escape").wait_for("Map of links around")
    app.press("Escape")
    on_board(app)
    # c: the maintaining cycles as sentences; enter goes to the first card of one.
    app.press("Down", "c").wait_for("Maintaining cycles (1 cycle)")
    app.press("Enter")
    on_board(app)
    app.wait_for("▶ Panic attacks in the")


def test_following_a_colleague(terminals: Terminals, ana, board, size, tmp_path) -> None:
    ben = person(tmp_path / "people", "Ben Okafor", "psychiatry")
    mine = terminals.open(ana, "open", str(board), size=size)
    his = terminals.open(ben, "open", str(board), size=size)
    mine.wait_for("Ben Okafor")  # who else is here
    his.wait_for("Here: AL Ana Lima")  # in the presence bar (the status line names her too)
    mine.press("f").wait_for("Ben Okafor (psychiatry)")
    mine.press("Enter").wait_for("following Ben")
    his.press("Down", "Down")
    his.wait_for("▶ Waking at 4am")
    mine.wait_for("▶ Waking at 4am")  # my cursor goes where his goes
    his.press("Enter").wait_for("Perspectives")
    mine.wait_for("Perspectives")  # the card he opens opens for me, to read
    his.press("Escape")
    on_board(his)
    on_board(mine)
    mine.press("Up").wait_notice("Stopped following Ben Okafor")  # my own move ends it
    mine.wait_for("following Ben", gone=True)


# Every command of the palette on the board, in an order that leaves each one something to
# do: (its title, what then shows — words on screen, or "notice: …" —, keys that go back).
PALETTE = [
    ("New (n)", "Title", ["Escape"]),
    ("Open (⏎)", "Perspectives", ["Escape"]),
    ("Filter (/)", "by:author", ["Escape"]),
    ("Help (?)", "formboard keys", ["Escape"]),
    ("Perspective (p)", "Your perspective on this card", ["Escape"]),
    ("Link (x)", "type part of a title", ["Escape"]),
    ("Archive (a)", "notice: Card archived. Press u to bring it back.", []),
    ("Undo archive (u)", "▶ Panic attacks in the", []),
    ("Undo (^z)", "notice: Undone: you", []),
    ("Redo (^y)", "notice: Redone: you", []),
    ("Archived (A)", "notice: Nothing is archived on this board.", []),
    ("Follow (f)", "notice: Nobody else has this board open right now.", []),
    ("Join meeting (F)", "notice: No meeting is running on this board.", []),
    ("Bring everyone (B)", "notice: Only the facilitator of a running meeting", []),
    ("Meeting (M)", "Start a meeting", ["Escape"]),
    ("Next change (.)", "notice: No card is marked new or changed.", []),
    ("Since (S)", "notice: nothing to compare with yet", []),
    ("History (t)", "History, newest first", ["Escape"]),
    ("Go with (G)", "notice: Nobody you followed has moved on to another board.", []),
    ("Cycles (c)", "Maintaining cycles", ["Escape"]),
    ("Map (m)", "Map of links around", ["Escape"]),
    ("Hide (b)", "the screen is hidden", ["Enter"]),
    ("Clear (esc)", BOARD_SHOWN, []),
    ("Export as HTML", "notice: Wrote the board as HTML", []),
    ("Export as markdown", "notice: Wrote the board as markdown", []),
    ("Export as JSON", "notice: Wrote the board as JSON", []),
    ("Export as Mermaid", "notice: Wrote the board as Mermaid", []),
    ("Export as DOT", "notice: Wrote the board as DOT", []),
    ("Theme", "Search for themes", ["Escape"]),
    ("Keys", "Keys", ["Escape"]),
]
QUITS = ["Quit (q)", "Quit"]


def test_every_command_of_the_palette(terminals: Terminals, ana, board, size) -> None:
    app = terminals.open(ana, "open", str(board), size=size)
    app.wait_for("Panic attacks in the")
    for title, then, back in PALETTE:
        app.press("C-p").wait_for("Search for commands")
        app.type(title)
        app.wait_for(title)
        app.settle(0.3)  # the palette has found it (a cursor blink is 0.5 s)
        app.press("Enter")
        if then.startswith("notice: "):
            app.wait_notice(then.removeprefix("notice: "))
        else:
            app.wait_for(then)
        app.press(*back)
        on_board(app)
    exports = sorted(p.suffix for p in (ana.data / "exports").iterdir())
    assert exports == [".dot", ".html", ".json", ".md", ".mmd"]
    for quit_title in QUITS:  # both quit the app; the second on a reopened board
        app.press("C-p").wait_for("Search for commands")
        app.type(quit_title).wait_for(quit_title)
        app.settle(0.3)
        app.press("Enter")
        app.wait_exit()
        assert app.exit_status() == 0
        if quit_title != QUITS[-1]:
            app = terminals.open(ana, "open", str(board), size=size)


async def test_the_palette_list_is_every_command_the_board_offers(board_file) -> None:
    """The table above covers the palette: a new command gets a row (and a real flow)."""
    from tests.tui_helpers import opened_app

    async with opened_app(board_file, size=(160, 50)) as (app, _pilot):
        offered = [c.title for c in app.get_system_commands(app.screen)]
    assert sorted(offered) == sorted([t for t, _, _ in PALETTE] + QUITS)


def test_a_folder_of_boards_o_back_to_the_list_and_g_after_a_colleague(
    terminals: Terminals, ana, board, size, tmp_path
) -> None:
    team = board.parent
    made = ana.run("new", str(team / "C-1187.board"), "--client", "C-1187", "--title", "Second")
    assert made.returncode == 0, made.stderr
    added = ana.run("add", str(team / "C-1187.board"), "symptoms", "Lost appetite since June")
    assert added.returncode == 0, added.stderr
    ben = person(tmp_path / "people", "Ben Okafor", "psychiatry")
    mine = terminals.open(ana, str(team), size=size, wait="Boards in")
    mine.wait_for("C-1187")
    mine.press("Enter").wait_for("C-0421 · saved")  # the first board of the list
    his = terminals.open(ben, "open", str(board), size=size)
    his.wait_for("Here: AL Ana Lima")  # in the presence bar (the status line names her too)
    his.press("f").wait_for("Ana Lima (psychology)")
    his.press("Enter").wait_for("following Ana")
    # o: back to the list (q still quits); the next client's board.
    mine.press("o").wait_for("Boards in")
    mine.press("Down", "Enter").wait_for("C-1187 · saved")
    mine.wait_for("Lost appetite since")
    # Ben is told where Ana went; G takes him there, following her.
    his.wait_notice("Ana Lima moved on to the board C-1187.board. Press G")
    his.press("G").wait_for("C-1187 · saved")
    his.wait_for("following Ana")
    his.wait_for("Lost appetite since")
    mine.press("q").wait_exit()
    assert mine.exit_status() == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--theme", "formboard-light", "BOARD"],
        ["BOARD", "--theme", "formboard-light"],
        ["--theme=formboard-light", "--watch", "poll", "BOARD"],
        ["--theme", "formboard-light", "open", "BOARD"],
    ],
    ids=["before the board", "after the board", "several before", "before open"],
)
def test_the_apps_options_go_before_or_after_the_board_as_gits_do(
    terminals: Terminals, ana, board, args
) -> None:
    """`formboard --theme NAME BOARD`, as the README says, opens the board in that theme
    (which is remembered); it was refused as "No such option '--theme'"."""
    app = terminals.open(ana, *[str(board) if a == "BOARD" else a for a in args])
    assert "C-0421 · saved" in app.screen()
    app.press("q").wait_exit()
    assert 'theme = "formboard-light"' in (ana.config / "config.toml").read_text()


def test_an_apps_option_before_a_command_that_has_none_is_one_sentence(ana, board) -> None:
    done = ana.run("--theme", "formboard-light", "show", str(board))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("formboard: --theme is for opening a board"), done.stderr


def test_the_board_stands_still_from_its_first_frame(terminals: Terminals, ana, board, size):
    """The first frame with cards is the board as it stays: columns at their width and
    titles wrapped where they will stay (issue 25: the first frame once drew 24-cell
    columns with one-line titles, and the board jumped ~200 ms later when the layout
    caught up). What may still arrive is what is worked out after the first frame: a
    card's markers (cycles) and the scrollbars."""
    pane = terminals.open(ana, "open", str(board), size=size, wait=None)
    deadline = time.monotonic() + 30
    first = pane.screen()
    # Polled as fast as tmux answers, until a whole frame is there: a frame is written
    # top to bottom, so its status line (below the board) ends it.
    while "Panic attacks" not in first or "C-0421 ·" not in first:
        assert time.monotonic() < deadline, first
        first = pane.screen()
    final = pane.settle()
    assert _board_text(first, size) == _board_text(final, size), f"{first}\n---\n{final}"


_MARKER_LINE = re.compile(r"\b(agreed|hypothesis|retired)\b")


def _board_text(screen: str, size: tuple[int, int]) -> list[str]:
    """The board's rows (not its last, where a scrollbar may come) without marker lines,
    each without a scrollbar's thumb at its end."""
    rows = screen.splitlines()[: size[1] - 4]
    return [row.rstrip(" ▁▂▃▄▅▆▇█▀▔▎") for row in rows if not _MARKER_LINE.search(row)]


def test_a_large_board_in_a_terminal_moves_past_its_first_rows_at_once(
    terminals: Terminals, ana: Person, tmp_path: Path
) -> None:
    """In a real terminal, 1500 cards: the keys typed as the board appears all land, in
    order, on the whole board (the 75th card is past the first rows read: issue 25)."""
    path = large_board(tmp_path / "C-0421.board", symptoms=1500)
    assert head.HEAD_FIRST_ABOVE < 1500 and head.ROWS_PER_COLUMN < 75
    pane = terminals.open(ana, str(path), size=(100, 30), wait="Symptoms 1500")
    pane.burst("End", words=set())  # the column's last card, typed as the board appears
    pane.wait_for("▶ Symptom 1500", timeout=20)
    pane.press(*["k"] * 5)
    screen = pane.wait_for("▶ Symptom 1495", timeout=20)
    assert re.search(r"Symptoms 1500\b", screen), screen
    pane.press("q").wait_exit()
