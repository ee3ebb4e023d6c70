"""Fixtures every test module can use: an isolated formboard environment and a board path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.isolation import isolate
from tests.needs import missing, tool


@pytest.fixture(autouse=True)
def formboard_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs as a fictional practitioner whose settings and data live in its own
    ``tmp_path`` (``config/``, ``data/``): ``tests/isolation.py``. A test that needs
    something else (no name, another discipline) sets it with its own monkeypatch."""
    isolate(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def notices_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot apps draw their notices, as a terminal does.

    Textual's ``run_test`` leaves notices undrawn by default; that hid every notice that
    could not be drawn (and crashed the app in a terminal) from 697 passing tests.
    """
    from textual.app import App

    run_test = App.run_test

    def drawing(self: Any, *args: Any, notifications: bool = True, **kwargs: Any) -> Any:
        return run_test(self, *args, notifications=notifications, **kwargs)

    monkeypatch.setattr(App, "run_test", drawing)


@pytest.fixture
def board_path(tmp_path: Path) -> Path:
    """Where a test's board file goes (not created)."""
    return tmp_path / "C-0421.board"


@pytest.fixture
def board_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tests.tui_helpers.small_board`` in the test's folder."""
    from tests.tui_helpers import small_board

    path = tmp_path / "C-0001.board"
    small_board(path)
    return path


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the session (``tests/pg_cluster.py``)."""
    from tests.pg_cluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """The URL of a new board's place on the test server (skips, saying why, without one)."""
    if pg_cluster.reason:
        missing(pg_cluster.reason)
    return pg_cluster.url()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the module; a skip that says what is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        missing("Playwright's Python package is not installed (pip install -e '.[test]').")
    executable = tool("chromium", "chromium")
    with sync_playwright() as playwright:
        try:  # the sandbox needs user namespaces, which root in a container lacks
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Error as exc:
            missing(f"Chromium did not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()
