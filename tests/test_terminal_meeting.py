"""A case meeting of three colleagues, each their own OS account, in three real terminals.

Ana starts a meeting; Ben has the board open and Dara opens it while the meeting runs
(which once crashed every colleague's app within seconds); Ben follows (F), Dara is
brought (B); both add their perspectives; Ana ends the meeting and writes its note. Every
app is still running at the end and nobody's formboard wrote a crash report. The board
lives in the team's setgid group folder, as on a team's machines (tests/accounts.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.accounts import Team, shared_copy, team
from tests.terminal import Terminals, demo_board, person, terminals_fixture

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def colleagues() -> Iterator[Team]:
    with team() as made:
        yield made


@pytest.fixture
def terminals() -> Iterator[Terminals]:
    yield from terminals_fixture()


@pytest.fixture
def board(colleagues: Team, tmp_path: Path) -> Path:
    maker = person(tmp_path / "maker", "Board Maker", "psychology")
    return shared_copy(demo_board(maker, tmp_path / "made"), colleagues, colleagues.people["fbana"])


def log(who, board: Path) -> list[dict]:
    shown = who.run("log", str(board), "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_a_meeting_of_three_colleagues_in_three_terminals(
    colleagues: Team, terminals: Terminals, board: Path, size: tuple[int, int]
) -> None:
    ana, ben, dara = (colleagues.people[x] for x in ("fbana", "fbben", "fbdara"))
    a = terminals.open(ana, "open", str(board), size=size)
    b = terminals.open(ben, "open", str(board), size=size)
    a.wait_for("Ben Okafor")
    # Ana starts the meeting.
    a.press("M").wait_for("Start a meeting")
    a.type("Case review").press("Enter")
    a.wait_notice("Meeting 1 started")
    b.wait_notice("Ana Lima is running meeting 1 ‘Case review’. Press F to follow")
    # Dara opens the board while it runs: she is offered to follow too, and nobody crashes.
    d = terminals.open(dara, "open", str(board), size=size)
    d.wait_notice("Ana Lima is running meeting 1 ‘Case review’. Press F to follow")
    for pane in (a, b, d):
        pane.wait_for("3 here")
    # Ben follows with one key; Ana moves, Ben's cursor goes with her.
    b.press("F")  # ("following Ana" is said under the offer's notice, until it goes)
    a.press("Down").wait_for("▶ Chest tightness")
    b.wait_for("▶ Chest tightness")
    # B brings everyone: Dara follows too.
    a.press("B").wait_notice("Everyone at the meeting now follows you.")
    d.wait_notice("Ana Lima brought everyone along: you now follow Ana Lima")
    d.wait_for("▶ Chest tightness")
    # Ben and Dara add their readings of the card Ana is on.
    for pane, words in ((b, "Somatic anxiety."), (d, "Her mother's care.")):
        pane.press("p").wait_for("Your perspective on this card")
        pane.type(words).press("C-s")
        pane.wait_for("Your perspective on this card", gone=True)
    a.press("Enter").wait_for("Perspectives")  # Ana reads both on the card, side by side
    a.press_until("l", "Somatic anxiety.")
    a.press_until("l", "Her mother's care.")
    a.press("Escape").wait_for("meeting: you")
    for follower in (b, d):  # they read the card with her, and left it with her
        follower.wait_for("C-0421 · saved")
    # Only the facilitator ends it while she is here.
    b.press("M").wait_notice("only they can end it while they are here")
    # Ana ends it and writes the note.
    a.press("M").wait_for("End meeting 1")
    a.press("e").wait_for("Write its note")
    a.press("m").wait_for("The meeting's note")
    a.press("Enter").wait_notice("Wrote the note")
    b.wait_notice("Ana Lima ended meeting 1")
    d.wait_notice("Ana Lima ended meeting 1")
    terminals.check()  # every app still running, no crash report
    note = (ana.data / "notes" / "C-0421-meeting-1.md").read_text()
    for said in ("Ben Okafor", "Dara Lindqvist", "Somatic anxiety.", "Her mother's care."):
        assert said in note
    # The record names each colleague by their OS login.
    authors = {op["author"] for op in log(ana, board) if op["op"] == "add_perspective"}
    assert {"fbben", "fbdara"} <= authors


def test_undo_never_overwrites_a_colleagues_later_change(
    colleagues: Team, terminals: Terminals, board: Path
) -> None:
    ana, ben = colleagues.people["fbana"], colleagues.people["fbben"]
    a = terminals.open(ana, "open", str(board), size=(80, 24))
    a.press("e").wait_for("Title")
    a.press("End").type(" (mine)").press("C-s")
    a.wait_for("(mine)")
    a.press("Escape").wait_for("C-0421 · saved")
    card = next(c for c in json.loads(ben.run("show", str(board), "--json").stdout)["cards"]
                if c["title"].endswith("(mine)"))  # fmt: skip
    edited = ben.run("edit", str(board), card["id"], "--title", "Panic in the car park (Ben)")
    assert edited.returncode == 0, edited.stderr
    a.wait_for("(Ben)")
    a.press("C-z").wait_notice("Not undone")
    said = a.wait_notice("Ben Okafor changed the title")
    assert "(Ben)" in said
    a.wait_for("(Ben)")  # nothing was written over his change
