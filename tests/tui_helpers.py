"""Helpers for the app's Pilot tests: fictional boards and waiting for the session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.widgets._toast import Toast

from formboard.core.identity import Identity
from formboard.core.model import Board, Card, Column
from formboard.core.store import BoardStore, create_store, open_store
from formboard.tui.app import FormboardApp
from formboard.tui.dialogs.prompt import PromptScreen

BEN = Identity(login="ben", name="Ben Okafor", discipline="psychiatry", host="host-2")


def small_board(path: Path | str) -> dict[str, str]:
    """A fictional board with cards in every column, a perspective and two links."""
    ids = {}
    with create_store(path, "C-0001", "Test board") as store:
        ids["panic"] = store.add_card(
            "symptoms", "Panic at work", body="Racing heart in meetings"
        ).id
        ids["sleep"] = store.add_card("symptoms", "Poor sleep", body="Wakes at 4am").id
        ids["loss"] = store.add_card("sources", "Early loss of a parent").id
        ids["avoid"] = store.add_card(
            "qualities", "Avoiding the office", client_words="I just can't walk in"
        ).id
        ids["friend"] = store.add_card("resources", "Close friend from school").id
        ids["sister"] = store.add_card("relationships", "Sister lives nearby").id
        store.add_link(ids["avoid"], ids["panic"], "maintains")
        store.add_link(ids["loss"], ids["avoid"], "predisposes")
    with open_store(path, identity=BEN) as ben:
        ben.add_perspective(ids["panic"], "Could be a panic disorder; rule out thyroid.")
    return ids


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (the session works in a thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


async def loaded(app: FormboardApp, pilot) -> None:
    await wait_for(pilot, lambda: bool(app.board_screen.board_view.cards) and app._loaded)
    await pilot.pause()


@asynccontextmanager
async def opened_app(
    board: Path | str, *, size: tuple[int, int] = (120, 36), **options: Any
) -> AsyncIterator[tuple[FormboardApp, Any]]:
    """The app on ``board`` in a Pilot terminal of ``size``, its cards on screen:
    ``async with opened_app(path) as (app, pilot):``. ``options`` go to FormboardApp."""
    app = FormboardApp(board, **options)
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        yield app, pilot


def store_card(path: Path | str, card_id: str):
    with open_store(path) as store:
        return store.card(card_id)


async def new_card_refused(pilot, monkeypatch, error: Exception, title: str) -> PromptScreen:
    """Type a new card while the store refuses ``add_card`` with ``error``.

    Returns the dialog that comes back with the typed title and the reason.
    """

    def refuse(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(BoardStore, "add_card", refuse)
    await pilot.press("n", *title, "enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen) and bool(app.screen.error))
    return app.screen


async def all_here(*runs) -> None:
    """Each ``(app, pilot)`` has its board loaded and sees every other one present."""
    for app, pilot in runs:
        await loaded(app, pilot)
    for app, pilot in runs:
        await wait_for(
            pilot, lambda app=app: len(app.board_screen.colleagues.others) == len(runs) - 1, 5
        )


def screen_text(app) -> str:
    """Everything the terminal shows now (the top screen and its notices), as plain text.

    Drawing it runs every widget's render, as the terminal would: a widget that cannot be
    drawn fails the test here.
    """
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def drawn_notices(app) -> list[str]:
    """Each notice as it is drawn on screen now, its wrapped lines joined into one line.

    Read from the drawn screen (the conftest makes every Pilot app draw its notices, as a
    terminal does), never from the app's list of notifications.
    """
    compositor = app.screen._compositor
    strips = compositor.render_strips()
    said = []
    for toast in app.screen.query(Toast):
        box = toast.region
        lines = [  # the rows where the toast is on top (the footer may cover its last)
            strips[y].crop(box.x, box.right).text
            for y in range(box.y, min(box.bottom, len(strips)))
            if compositor.get_widget_at(box.x + 1, y)[0] is toast
        ]
        said.append(" ".join(" ".join(lines).replace("▌", " ").split()))
    return said


def notices(app) -> str:
    """Every notice drawn on screen now, in one string (`` | `` between notices)."""
    return " | ".join(drawn_notices(app))


def unwrapped(text: str) -> str:
    """``text`` without any spacing: a path wraps anywhere in a notice's box."""
    return "".join(text.split())


async def notice_drawn(pilot, words: str, timeout: float = 10.0) -> str:
    """Wait until a notice holding ``words`` is drawn on screen; return that notice."""
    found: list[str] = []

    def shown() -> bool:
        found[:] = [n for n in drawn_notices(pilot.app) if unwrapped(words) in unwrapped(n)]
        return bool(found)

    try:
        await wait_for(pilot, shown, timeout)
    except AssertionError:
        raise AssertionError(
            f"no notice with {words!r} on screen; drawn: {drawn_notices(pilot.app)}"
        ) from None
    return found[0]


def large_board(path: Path, symptoms: int, sources: int = 2) -> Path:
    """A fictional board: Symptom 0001… and Source 0001… in order down their columns."""
    cards = [
        Card.model_construct(id=f"s{n:05d}", column=Column.SYMPTOMS, position=float(n),
                             title=f"Symptom {n:04d}", created_at="2026-12-01T09:00:00Z")
        for n in range(1, symptoms + 1)
    ] + [
        Card.model_construct(id=f"o{n:05d}", column=Column.SOURCES, position=float(n),
                             title=f"Source {n:04d}", created_at="2026-12-01T09:00:00Z")
        for n in range(1, sources + 1)
    ]  # fmt: skip
    with BoardStore.create(path, "C-0421", "Formulation") as store:
        store.load_board(Board.model_construct(client="C-0421", title="", cards=tuple(cards)))
    return path
