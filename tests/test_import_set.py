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
# driver, the graph library (cycles), file events, the web server, the validation library
# (import's file models; ~55 ms of a call that takes ~120 ms with it), package metadata.
NOT_ON_THE_WRITE_PATH = (
    "textual", "rich", "psycopg", "networkx", "watchfiles", "aiohttp", "textual_serve",
    "sqlite_utils", "pygments", "markdown_it", "pydantic", "pydantic_core",
    "annotated_types", "importlib_metadata", "platformdirs",
    "_hashlib",  # OpenSSL's: ~2.5 ms to load; the chain's SHA-256 is Python's own (digest.py)
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
    assert "importlib.metadata" not in modules
    # Commands load by name: the app's, the server's and the meeting's command modules not.
    assert not {"formboard.cli.app", "formboard.cli.serve", "formboard.cli.meeting"} & modules
    # What a live app reads (changes since a revision, since-marks) and what a conflict says.
    live = {"formboard.core.changes", "formboard.core.since", "formboard.core.facts",
            "formboard.core.history", "formboard.core.store.feed"}  # fmt: skip
    if command[0] == "add":  # `show` words its cards with facts and history
        assert not live & modules, sorted(live & modules)


APP_LOADS = """
import asyncio, json, sys
from tests.tui_helpers import opened_app

async def main() -> None:
    async with opened_app(sys.argv[1]) as (app, pilot):
        await pilot.pause(0.5)  # after the first frame: presence, cycles, the watcher

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""


def test_the_app_with_formboards_own_themes_never_loads_the_validation_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic (~36 ms to import) checks a person's own theme files and import's files; a
    board opened with formboard's themes, drawn and lived in, does without it."""
    board = tmp_path / "C-0001.board"
    small_board(board)
    monkeypatch.setenv("FORMBOARD_CONFIG_DIR", str(tmp_path / "config"))
    done = subprocess.run(
        [sys.executable, "-c", APP_LOADS, str(board)], capture_output=True, text=True,
        timeout=120, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "formboard.tui.app" in modules
    assert not {"pydantic", "pydantic_core"} & modules


def test_the_sha256_without_openssl_is_hashlibs() -> None:
    import hashlib

    from formboard.core.digest import hex_digest

    for data in (b"", b"x", "Ana Ruiz, psychology \u2713".encode(), bytes(range(256)) * 50):
        assert hex_digest(data) == hashlib.sha256(data).hexdigest()
