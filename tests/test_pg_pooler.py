"""Boards behind pgbouncer (issue 24, point 3): every write lands, on its own board, and
the status line says how colleagues' changes arrive.

In transaction mode (the most common set-up) each transaction may run on another server
connection, shared with other clients: a server-side prepared statement, a session's
``SET search_path`` or a ``LISTEN`` does not follow the client. formboard prepares
nothing on the server, names its board's schema in every transaction, and finds out
whether its LISTEN is really its own (a NOTIFY to itself that never comes back): behind a
transaction pooler it reads the board every second and says so. In session mode a
client keeps its server connection: everything works as on a direct address.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.needs import missing
from tests.test_cli import run
from tests.tui_helpers import drawn_notices, notice_drawn, opened_app, small_board, wait_for

from formboard.core.model import Column
from formboard.core.store import open_store

POOLED = "transaction pooler"


@pytest.fixture(scope="module")
def bouncers(pg_cluster) -> Iterator[dict[str, Any]]:
    """pgbouncer in transaction mode and in session mode, both before the tests' cluster."""
    from tests.pg_bouncer import Bouncer

    started = {mode: Bouncer(pg_cluster, mode).start() for mode in ("transaction", "session")}
    try:
        for bouncer in started.values():
            if bouncer.reason:
                missing(bouncer.reason)
        yield started
    finally:
        for bouncer in started.values():
            bouncer.stop()


def test_writes_through_a_transaction_pooler_land_once_on_their_own_board(
    bouncers, pg_cluster
) -> None:
    """Two boards written in turn through two server connections shared by both: each
    write lands on its own board (a session's search_path would send it to the other's),
    and the sixth statement alike is not a second "prepared statement" of the same name."""
    pooled = bouncers["transaction"]
    for code in ("C-0351", "C-0352"):
        assert run("new", pg_cluster.url(code), "--client", code).exit_code == 0
    with open_store(pooled.url("C-0351")) as one, open_store(pooled.url("C-0352")) as two:
        for n in range(8):
            one.add_card("symptoms", f"One's card {n}")
            two.add_card("sources", f"Two's card {n}")
            one.board()
            two.board()
    for code, name in (("C-0351", "One"), ("C-0352", "Two")):
        with open_store(pg_cluster.url(code)) as store:
            titles = sorted(c.title for c in store.board().cards)
        assert titles == sorted(f"{name}'s card {n}" for n in range(8)), code


def test_the_cli_through_a_transaction_pooler(bouncers) -> None:
    url = bouncers["transaction"].url("C-0353")
    assert run("new", url, "--client", "C-0353").exit_code == 0
    for title in ("Panic at work", "Poor sleep", "Low mood"):
        added = run("add", url, "symptoms", title)
        assert added.exit_code == 0, added.stderr
    shown = run("show", url)
    assert shown.exit_code == 0, shown.stderr
    assert all(t in shown.stdout for t in ("Panic at work", "Poor sleep", "Low mood"))
    assert run("check", url).exit_code == 0


async def test_the_app_behind_a_transaction_pooler_says_it_polls_and_follows(
    bouncers, pg_cluster
) -> None:
    url = bouncers["transaction"].url("C-0354")
    small_board(pg_cluster.url("C-0354"))
    async with opened_app(url) as (app, pilot):
        said = await notice_drawn(pilot, POOLED, timeout=15)
        assert "use session pooling or a direct address" in said
        status = app.board_screen.status_line
        await wait_for(pilot, lambda: status.extra == "live: polling (transaction pooler)")
        with open_store(url) as colleague:
            colleague.add_card("resources", "Written by a colleague")
        pane = app.board_screen.board_view.panes[Column.RESOURCES].cards
        await wait_for(pilot, lambda: "Written by a colleague" in [c.title for c in pane.cards])
        await pilot.press("n")  # the app's own write, through the pooler
        assert not any("prepared statement" in n for n in drawn_notices(app))


async def test_the_app_behind_a_session_pooler_is_live(bouncers, pg_cluster) -> None:
    url = bouncers["session"].url("C-0355")
    small_board(pg_cluster.url("C-0355"))
    async with opened_app(url) as (app, pilot):
        await pilot.pause(1.0)
        with open_store(url) as colleague:
            colleague.add_card("resources", "Written by a colleague")
        pane = app.board_screen.board_view.panes[Column.RESOURCES].cards
        await wait_for(pilot, lambda: "Written by a colleague" in [c.title for c in pane.cards])
        assert app.board_screen.status_line.extra == "live: server"
        assert not any(POOLED in n for n in drawn_notices(app))
