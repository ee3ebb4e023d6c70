"""What a CLI call loads (issue 25, point 3): the import set, not the time.

A script that adds a hundred cards starts Python a hundred times; every package a command
loads and does not need is paid for on each call. Time is measured in bench/, on a quiet
machine; here the set of modules `formboard add` (and `show`) loads is pinned, so a change that pulls
the app's toolkit, a server's driver or the graph library onto the write path fails at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.tui_helpers import small_board

LOADS = """
import contextlib, io, json, runpy, sys
sys.argv = ["formboard", *sys.argv[1:]]
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    runpy.run_module("formboard", run_name="__main__")
print(json.dumps(sorted(sys.modules)))
"""

# Packages `formboard add` must not load: the terminal app and its drawing, the server's
# driver, the graph library (cycles), file events, the web server.
NOT_ON_THE_WRITE_PATH = (
    "textual", "rich", "psycopg", "networkx", "watchfiles", "aiohttp", "textual_serve",
    "sqlite_utils", "pygments", "markdown_it",
)  # fmt: skip


def loaded(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADS, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("command", [["add", "symptoms", "Poor sleep"], ["show"]])
def test_a_cli_call_loads_nothing_it_does_not_need(tmp_path: Path, command: list[str]) -> None:
    """`add` and `show` (the board's own view: it draws no cycles, so no graph library)."""
    board = tmp_path / "C-0001.board"
    small_board(board)
    modules = loaded(command[0], str(board), *command[1:])
    assert "formboard.core.store.board_store" in modules  # it did open the board
    tops = {name.split(".")[0] for name in modules}
    assert not tops & set(NOT_ON_THE_WRITE_PATH), sorted(tops & set(NOT_ON_THE_WRITE_PATH))
    assert not any(name.startswith("formboard.tui") for name in modules)
