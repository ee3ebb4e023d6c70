"""Connections to a board server (issue 24, point 4): two per open app, and a full server
said as such.

An open app reads and writes through the store's connection, beats its presence through
the same one, and LISTENs on a second: a default server (max_connections = 100) then
takes about fifty apps, not thirty-two. A server with no free connection is "the board
server has no free connections", not "check the address and that the server is up".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.needs import missing
from tests.test_cli import run
from tests.tui_helpers import notice_drawn, opened_app, small_board, wait_for


@pytest.fixture(scope="module")
def small_server() -> Iterator[Any]:
    """A cluster of this module's own with few connections (filling it must not disturb
    the other tests' cluster)."""
    from tests.pg_cluster import Cluster

    cluster = Cluster(connections=8).start()
    if cluster.reason:
        missing(cluster.reason)
    yield cluster
    cluster.stop()


def formboards(cluster: Any) -> int:
    """How many connections formboard holds on the server now (this one aside)."""
    import psycopg

    with psycopg.connect(cluster.conninfo(), application_name="test") as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'formboard'"
        ).fetchone()
    return int(found[0]) if found else 0


async def test_an_open_app_holds_two_connections(small_server) -> None:
    url = small_server.url("C-0201")
    small_board(url)
    async with opened_app(url) as (_app, pilot):
        await pilot.pause(2.0)  # the session, its listener and a presence beat are up
        await pilot.press("down", "down")  # focus moves: presence is written again
        await pilot.pause(1.0)
        seen = set()
        for _ in range(5):
            seen.add(formboards(small_server))
            await pilot.pause(0.2)
    assert seen == {2}, seen


def test_a_full_server_is_said_as_such(small_server) -> None:
    import psycopg

    url = small_server.url("C-0202")
    assert run("new", url, "--client", "C-0202").exit_code == 0
    held = []
    try:
        while True:  # every connection the server has, the superuser's reserved ones too
            held.append(psycopg.connect(small_server.conninfo(), application_name="test"))
    except psycopg.OperationalError:
        pass
    try:
        said = run("show", url)
    finally:
        for conn in held:
            conn.close()
    assert said.exit_code == 1
    assert said.stderr.startswith("formboard: The board server has no free connections just now")
    assert "check the address" not in said.stderr


async def test_an_app_whose_listen_finds_the_server_full_says_so_and_reads_every_second(
    small_server,
) -> None:
    """The store's connection took the last free one: the LISTEN is refused. Said as a
    full server (never "cannot be reached: your changes wait"), and the board is read
    every second meanwhile."""
    import psycopg

    from formboard.core.model import Column
    from formboard.core.store import open_store

    url = small_server.url("C-0203")
    small_board(url)
    held = []
    try:
        while True:
            held.append(psycopg.connect(small_server.conninfo(), application_name="test"))
    except psycopg.OperationalError:
        pass
    held.pop().close()  # one free: the app's store takes it, its LISTEN finds none
    try:
        async with opened_app(url) as (app, pilot):
            said = await notice_drawn(pilot, "no free connection for live updates", 15)
            assert "cannot be reached" not in said
            assert app.board_screen.status_line.extra == "live: polling (server full)"
            held.pop().close()  # room for a colleague's write
            with open_store(url) as colleague:
                colleague.add_card("resources", "Written by a colleague")
            pane = app.board_screen.board_view.panes[Column.RESOURCES].cards
            await wait_for(pilot, lambda: "Written by a colleague" in [c.title for c in pane.cards])
    finally:
        for conn in held:
            conn.close()
