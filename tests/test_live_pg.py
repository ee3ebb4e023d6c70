"""A board on a server under an open app: the server stops and comes back."""

from __future__ import annotations

import pytest
from tests.needs import missing
from tests.tui_helpers import opened_app, screen_text, small_board, wait_for

from formboard.core.model import Column
from formboard.core.store import open_store


@pytest.fixture
def own_cluster():
    """A cluster of this test's own: stopping it must not disturb the others."""
    from tests.pg_cluster import Cluster

    cluster = Cluster().start()
    if cluster.reason:
        missing(cluster.reason)
    yield cluster
    cluster.stop()


async def test_the_server_stopping_is_said_typed_text_kept_and_the_board_catches_up(
    own_cluster, tmp_path, monkeypatch
) -> None:
    url = own_cluster.url("C-0001")
    ids = small_board(url)
    async with opened_app(url) as (app, pilot):
        assert app.board_screen.status_line.extra.startswith("live: server")
        own_cluster.pause()
        await wait_for(pilot, lambda: "server away" in app.board_screen.status_line.extra, 15)
        await pilot.press("n", *"Typed while it was away", "enter")  # waits its turn
        # Said as what it is: the server is away, not a colleague's change being saved.
        await wait_for(pilot, lambda: "waiting for the board server" in screen_text(app), 15)
        assert "colleague" not in screen_text(app)
        own_cluster.resume()
        with open_store(url) as colleague:  # a colleague's write while I was away
            colleague.add_card("resources", "Written by a colleague meanwhile")
        pane = app.board_screen.board_view.panes[Column.SYMPTOMS].cards
        await wait_for(
            pilot, lambda: "Typed while it was away" in [c.title for c in pane.cards], 30
        )
        others = app.board_screen.board_view.panes[Column.RESOURCES].cards
        await wait_for(
            pilot, lambda: "Written by a colleague meanwhile" in [c.title for c in others.cards], 15
        )
        await wait_for(pilot, lambda: app.board_screen.status_line.extra == "live: server", 15)
        with open_store(url) as store:
            titles = [c.title for c in store.board().cards]
        assert titles.count("Typed while it was away") == 1 and ids["panic"]
