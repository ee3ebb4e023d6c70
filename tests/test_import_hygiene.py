"""Headless commands load no terminal-app code: no Textual, no Rich (issue 10, point 7).

A script that runs `formboard show` a hundred times should not pay for the app, and
a headless machine may lack a terminal the app's libraries probe. Each command runs in a
fresh interpreter, as a person runs it, and reports what it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers_store import subprocess_env

from formboard.core.store import BoardStore

# The child's last line on stderr: its exit code and the app's modules it imported.
REPORT = """
app = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich")
             or m.startswith("formboard.tui"))
print(json.dumps({"code": code, "loaded": app}), file=sys.stderr)
"""
RUN_COMMAND = """
import json, sys
from formboard.cli import main
sys.argv = ["formboard", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
"""
IMPORT_ONLY = "import json, sys, formboard.cli\ncode = 0\n"


@pytest.fixture
def board(board_path: Path) -> Path:
    with BoardStore.create(board_path, "C-0421", "A fictional client") as store:
        panic = store.add_card("symptoms", "Panic at work", client_words="I can't breathe")
        office = store.add_card("sources", "Avoiding the office")
        store.add_link(office.id, panic.id, "maintains")
    return board_path


def in_child(script: str, *args: object) -> dict[str, object]:
    """Run ``script`` in a fresh interpreter; its exit code and what it imported."""
    done = subprocess.run(
        [sys.executable, "-c", script + REPORT, *map(str, args)],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stderr, done
    return json.loads(done.stderr.splitlines()[-1])


HEADLESS = [  # the command, then what follows the board
    ("show",),
    ("show", "--plain"),
    ("show", "--json"),
    ("add", "qualities", "Pride"),
    ("log",),
    ("check",),
    ("export",),
    ("export", "--format", "markdown"),
    ("export", "--format", "html"),
]


@pytest.mark.parametrize("command", HEADLESS, ids=" ".join)
def test_a_headless_command_imports_neither_textual_nor_rich(
    board: Path, command: tuple[str, ...]
) -> None:
    name, *rest = command
    found = in_child(RUN_COMMAND, name, board, *rest)
    assert found["code"] == 0, found
    assert found["loaded"] == [], f"`formboard {' '.join(command)}` imported {found['loaded']}"


def test_importing_the_cli_loads_no_terminal_app_code() -> None:
    assert in_child(IMPORT_ONLY) == {"code": 0, "loaded": []}


def test_opening_the_app_is_what_loads_it(board: Path) -> None:
    # The check above would pass if nothing were ever seen: `open` must see the app.
    found = in_child(RUN_COMMAND, "open", board)  # no terminal here: one sentence, exit 1
    assert found["code"] == 1 and "textual" in found["loaded"]


def test_the_app_loads_no_text_area_until_a_dialog_needs_one() -> None:
    """TextArea (and its document and syntax machinery) is the heaviest widget to import:
    the board and its dialogs' module are imported at start-up, a text box only when a
    dialog with one opens (start-up is held to 1.9x a minimal Textual app, bench/)."""
    done = in_child("import json, sys, formboard.tui.app\ncode = 0\n")
    assert done["code"] == 0
    loaded = set(done["loaded"])
    assert "formboard.tui.dialogs.prompt" in loaded  # the board's keys open it
    assert not {m for m in loaded if "text_area" in m or m.startswith("textual.document")}
