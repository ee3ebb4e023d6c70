"""A COMMIT whose answer is lost is applied once (issue 24, point 1).

``tests/pg_cut.py`` stands between formboard and the test cluster: the write's COMMIT
lands, its answer is dropped with the connection, and new connections are refused for a
while, as during a restart. Before, the CLI said "nothing was lost, formboard tries again"
although the card was written, and the app's session sent the command again as a new op:
two cards typed once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.needs import missing
from tests.test_cli import run
from tests.tui_helpers import opened_app, wait_for

from formboard.core.model import Column
from formboard.core.store import open_store


@pytest.fixture
def cut(pg_cluster: Any) -> Iterator[Any]:
    from tests.pg_cut import CuttingProxy

    if pg_cluster.reason:
        missing(pg_cluster.reason)
    proxy = CuttingProxy(pg_cluster.folder)
    yield proxy
    proxy.close()


def copies(url: str, title: str) -> int:
    shown = run("show", "--json", url)
    return [c["title"] for c in json.loads(shown.stdout)["cards"]].count(title)


def test_the_cli_learns_that_its_cut_off_write_landed(cut: Any, pg_cluster: Any) -> None:
    cut.refuse = 3.0  # back within the wait: the retry finds the op in the log
    url = cut.url("C-0301", pg_cluster.user)
    assert run("new", url, "--client", "C-0301").exit_code == 0
    cut.armed = True
    added = run("add", url, "symptoms", "Typed once")
    assert cut.cuts == 1
    assert added.exit_code == 0, added.stderr  # written, and it says so (the card's id)
    assert added.stdout.strip() and added.stderr == ""
    assert copies(url, "Typed once") == 1


def test_the_cli_says_its_write_may_have_landed_when_the_server_stays_away(
    cut: Any, pg_cluster: Any
) -> None:
    cut.refuse = 4.0
    url = cut.url("C-0302", pg_cluster.user)
    assert run("new", url, "--client", "C-0302").exit_code == 0
    cut.armed = True
    added = run("add", url, "symptoms", "Typed once", env={"FORMBOARD_SERVER_WAIT": "1"})
    assert added.exit_code == 1
    assert added.stderr.strip() == (
        "formboard: The board server went away while your change was being saved and is "
        "not back yet: it may have been written (`formboard log` shows it if so)."
    )
    assert "nothing was lost" not in added.stderr
    # It was (read past the proxy, still refusing): a script must not add it again.
    assert copies(pg_cluster.url("C-0302"), "Typed once") == 1


async def test_the_app_keeps_trying_the_same_op_until_it_learns_its_fate(
    cut: Any, pg_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMBOARD_SERVER_WAIT", "1")  # the session's own retries take over
    cut.refuse = 4.0
    url = cut.url("C-0303", pg_cluster.user)
    assert run("new", url, "--client", "C-0303").exit_code == 0
    assert run("add", url, "sources", "Already there").exit_code == 0
    async with opened_app(url) as (app, pilot):
        cut.armed = True
        await pilot.press("n", *"Typed once", "enter")
        pane = app.board_screen.board_view.panes[Column.SYMPTOMS].cards
        await wait_for(pilot, lambda: "Typed once" in [c.title for c in pane.cards], 30)
        await pilot.pause(1.0)
        assert cut.cuts == 1
    with open_store(url) as store:
        assert [c.title for c in store.board().cards].count("Typed once") == 1
