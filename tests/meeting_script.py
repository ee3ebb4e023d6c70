"""A whole case meeting, scripted with Pilot: three app instances on one board, each maybe
through another mount of the same folder (tests/test_netlab.py runs it over sshfs).

Not a test module: ``test_tui_meeting`` runs it on a local folder, ``test_netlab`` through
the network-drive lab. It returns the board's path on the facilitator's side for checks.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.tui_helpers import all_here, wait_for

from formboard.core import note as notes
from formboard.core.identity import Identity
from formboard.core.store import BoardStore
from formboard.tui.app import FormboardApp
from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.dialogs.prompt import PromptScreen
from formboard.tui.screens.card import CardScreen
from formboard.tui.screens.conflict import ConflictDialog

ANA = Identity(login="ana", name="Ana Ruiz", discipline="psychology", host="desk-1")
BEN = Identity(login="ben", name="Ben Okafor", discipline="psychiatry", host="desk-2")
DARA = Identity(login="dara", name="Dara Lindqvist", discipline="social work", host="desk-3")


async def scripted_meeting(
    paths: tuple[Path, Path, Path], within: float = 5.0, **app_options: object
) -> list[str]:
    """Run the meeting (Ana facilitates, Ben and Dara follow); return the note's lines.

    ``paths``: the one board as Ana, Ben and Dara reach it. ``within``: how long any one
    step may take to reach another screen (longer over a network drive).
    """
    ana = FormboardApp(paths[0], identity=ANA, **app_options)  # type: ignore[arg-type]
    ben = FormboardApp(paths[1], identity=BEN, **app_options)  # type: ignore[arg-type]
    dara = FormboardApp(paths[2], identity=DARA, **app_options)  # type: ignore[arg-type]
    size = (120, 36)
    async with (
        ana.run_test(size=size) as pa,
        ben.run_test(size=size) as pb,
        dara.run_test(size=size) as pd,
    ):
        await all_here((ana, pa), (ben, pb), (dara, pd))
        # Ana starts the meeting; both accept the offer to follow her with one key.
        await pa.press("M")
        await wait_for(pa, lambda: isinstance(ana.screen, PromptScreen))
        await pa.press(*"Case review", "enter")
        for app, pilot in ((ben, pb), (dara, pd)):
            await wait_for(
                pilot, lambda app=app: app.board_screen.meeting.meeting is not None, within
            )
            await pilot.press("F")
            assert app.board_screen.colleagues.following is not None
        # She makes a card and moves onto it: both followers land on it.
        await pa.press("l", "n", *"Night shifts since May", "enter")
        await wait_for(
            pa, lambda: ana.board_screen.board_view.focused_card.title == "Night shifts since May"
        )
        new = ana.board_screen.board_view.focused_card.id
        for app, pilot in ((ben, pb), (dara, pd)):
            await wait_for(
                pilot, lambda app=app: app.board_screen.board_view.focused_card.id == new, within
            )
        # Into the card and back: the followers read it with her, and come back with her.
        await pa.press("enter")
        for app, pilot in ((ben, pb), (dara, pd)):
            try:
                await wait_for(pilot, lambda app=app: isinstance(app.screen, CardScreen), within)
            except AssertionError:
                seen = [(e.login, e.view, e.focused) for e in app.board_screen.colleagues.others]
                raise AssertionError(
                    f"{app.identity.login} did not follow into the card: following "
                    f"{app.board_screen.colleagues.following is not None}, sees {seen}"
                ) from None
            assert app.screen.card_id == new and app.screen.reading
        await pa.press("escape")
        for app, pilot in ((ben, pb), (dara, pd)):
            await wait_for(pilot, lambda app=app: not isinstance(app.screen, CardScreen), within)
        # Edits from all three: Ben's perspective, Dara's move, Ana's status.
        await pb.press("p")
        await wait_for(pb, lambda: isinstance(ben.screen, PromptScreen))
        await pb.press(*"Sleep debt after nights", "ctrl+s")
        await pd.press("K")  # Dara moves the card up its column (her own move)
        await wait_for(pd, lambda: not dara.session.pending, within)
        # A same-field collision: Ana and Ben both retitle the new card.
        await wait_for(pa, lambda: bool(ana.board.cards[new].perspectives), within)
        await pa.press("e")
        await wait_for(pa, lambda: isinstance(ana.screen, CardScreen))
        await wait_for(pb, lambda: ben.board.cards[new].perspectives != (), within)
        assert ben.board_screen.board_view.focus_card(new)
        await pb.press("e")
        await wait_for(pb, lambda: isinstance(ben.screen, CardScreen))
        ana.screen.query_one("#title").value = "Night shifts since May, three a week"
        ben.screen.query_one("#title").value = "Night shifts from May"
        await pa.press("ctrl+s")
        await wait_for(pb, lambda: "title" in ben.screen.notices, within)
        await pb.press("ctrl+s")
        await wait_for(pb, lambda: isinstance(ben.screen, ConflictDialog), within)
        await pb.press("t")  # Ben keeps Ana's title
        await wait_for(pb, lambda: isinstance(ben.screen, CardScreen), within)
        await pb.press("escape")
        await pa.press("escape")
        await wait_for(pa, lambda: not isinstance(ana.screen, CardScreen))
        # Ana ends the meeting (not now for the note: it is read below).
        await pa.press("M")
        await wait_for(pa, lambda: isinstance(ana.screen, ChoiceDialog))
        await pa.press("e")
        await wait_for(pa, lambda: isinstance(ana.screen, ChoiceDialog) and "note" in str(
            ana.screen.question))  # fmt: skip
        await pa.press("n")
        for app, pilot in ((ben, pb), (dara, pd)):
            await wait_for(pilot, lambda app=app: app.board_screen.meeting.meeting is None, within)
    with BoardStore.open(paths[0], read_only=True) as store:
        board = store.board()
        meeting = board.meetings[-1]
        built = notes.build(
            board, meeting, store.ops_between(meeting.started_rev, meeting.ended_rev)
        )
    return notes.markdown(built).splitlines()


def check_the_note(lines: list[str]) -> None:
    """Every change of the scripted meeting once, by its author; everyone who came."""
    text = "\n".join(lines)
    present = text.split("## Present")[1].split("##")[0]
    for who in ("Ana Ruiz (psychology)", "Ben Okafor (psychiatry)", "Dara Lindqvist (social work)"):
        assert present.count(who) == 1, present
    changes = [
        re.sub(r" \(\d{4}-\d\d-\d\d \d\d:\d\d\)", " (TIME)", line)  # a perspective's time
        for line in text.split("## Changes")[1].splitlines()
        if line.startswith("- ")
    ]
    assert changes == [
        "- Ana Ruiz (psychology) added this part to Sources.",
        "- Ben Okafor (psychiatry) added a perspective on this part (TIME): “Sleep debt after nights”.",
        "- Dara Lindqvist (social work) moved this part within Sources.",
        "- Ana Ruiz (psychology) changed this part: the title ‘Night shifts since May’ → "
        "‘Night shifts since May, three a week’.",
    ], changes
    assert "## Changes (4 changes)" in text
    assert "### Night shifts since May, three a week (Sources)" in text
