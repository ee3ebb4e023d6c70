"""Helpers for the app's Pilot tests: fictional boards and waiting for the session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from formboard.core.identity import Identity
from formboard.core.store import BoardStore, create_store, open_store
from formboard.tui.app import FormboardApp
from formboard.tui.screens.prompt import PromptScreen

BEN = Identity(login="ben", name="Ben Okafor", discipline="psychiatry", host="host-2")


def isolate(monkeypatch, tmp_path: Path) -> None:
    """A fictional practitioner with their own config and data folders."""
    monkeypatch.setenv("FORMBOARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("FORMBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FORMBOARD_USER", "Ana Ruiz")
    monkeypatch.setenv("FORMBOARD_DISCIPLINE", "psychology")
    monkeypatch.delenv("NO_COLOR", raising=False)


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
    await wait_for(pilot, lambda: bool(app.board_view.cards) and app._loaded)
    await pilot.pause()


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
        await wait_for(pilot, lambda app=app: len(app.others) == len(runs) - 1, 5)
