"""A board read from a streaming standby (issue 24, point 2): read-only, and said so.

A standby replays its primary's writes and takes none of its own, passes on no
notifications and keeps no presence. formboard opens the board there read-only with
that reason — never "the server cannot be reached", never a raw SQL error on a write —
and follows the primary's writes by reading the standby's revision. An address naming
both servers with target_session_attrs=read-write still writes on the primary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.needs import missing
from tests.test_cli import run
from tests.tui_helpers import drawn_notices, opened_app, screen_text, small_board, wait_for

from formboard.core.model import Column
from formboard.core.store import open_store


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Any, Any]]:
    """A primary of this module's own and its streaming standby."""
    from tests.pg_cluster import Cluster

    primary = Cluster().start()
    if primary.reason:
        missing(primary.reason)
    standby = primary.standby()
    try:
        if standby.reason:
            missing(standby.reason)
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()


def on_the_standby(url: str, primary: Any, standby: Any) -> str:
    return url.replace(f"host={primary.folder}", f"host={standby.folder}")


def replayed(url: str, titles: set[str], timeout: float = 15.0) -> None:
    """Wait until the standby has replayed cards with ``titles``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open_store(url, read_only=True) as store:
                if titles <= {c.title for c in store.board().cards}:
                    return
        except Exception:  # not there yet: the board's schema is still on its way
            pass
        time.sleep(0.1)
    raise AssertionError("the standby did not replay the primary's writes in time")


def test_a_standby_reads_the_board_and_refuses_a_write_in_one_sentence(servers) -> None:
    primary, standby = servers
    url = primary.url("C-0101")
    assert run("new", url, "--client", "C-0101").exit_code == 0
    assert run("add", url, "symptoms", "Panic at work").exit_code == 0
    there = on_the_standby(url, primary, standby)
    replayed(there, {"Panic at work"})
    shown = run("show", there)
    assert shown.exit_code == 0 and "Panic at work" in shown.stdout
    refused = run("add", there, "symptoms", "Typed on the standby")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "formboard: The board cannot be changed: this server is a read-only standby: "
        "changes are made on its primary."
    )
    # Both servers in one address, the primary wanted: the write lands there.
    both = url.replace(f"host={primary.folder}", f"host={standby.folder},{primary.folder}")
    assert run("add", f"{both}&target_session_attrs=read-write", "sources", "Moved").exit_code == 0
    with open_store(url) as store:
        assert "Moved" in {c.title for c in store.board().cards}


async def test_the_app_on_a_standby_says_read_only_and_follows_the_primary(servers) -> None:
    primary, standby = servers
    url = primary.url("C-0102")
    small_board(url)
    there = on_the_standby(url, primary, standby)
    replayed(there, {"Panic at work"})
    async with opened_app(there) as (app, pilot):
        await pilot.pause(1.5)  # long enough for a live-updates problem to be said
        assert "read-only: this server is a read-only standby" in screen_text(app)
        assert not any("cannot be reached" in n for n in drawn_notices(app))
        await pilot.press("n")
        await wait_for(pilot, lambda: any("read-only standby" in n for n in drawn_notices(app)))
        with open_store(url) as colleague:  # a colleague writes on the primary
            colleague.add_card("resources", "Written on the primary")
        pane = app.board_screen.board_view.panes[Column.RESOURCES].cards
        await wait_for(pilot, lambda: "Written on the primary" in [c.title for c in pane.cards], 15)
        assert app.board_screen.status_line.extra == "live: polling the standby"
