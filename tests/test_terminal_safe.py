"""No control character from a board or a file name ever reaches the terminal (issue 9, 6).

A board written by another program (the sqlite3 shell) can hold anything; so can a file
name. Every path to a terminal or a text export goes through core/text.py.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from formboard.cli import cli
from formboard.core.store import BoardStore
from formboard.core.text import json_safe, one_line, visible

RESET = "\x1bc"  # ESC c: resets the terminal
TITLE = "\x1b]0;pwned\x07"  # OSC 0: sets the window title
CSI_C1 = "\x9b31m"  # the one-byte CSI
RLO = "\u202e"  # right-to-left override
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


@pytest.fixture
def board(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "C-0421.board"
    with BoardStore.create(path, "C-0421") as store:
        card = store.add_card("symptoms", "Panic at work")
    conn = sqlite3.connect(path)  # another program writes what formboard never would
    with conn:
        conn.execute(
            "UPDATE cards SET title = ?, body = ? WHERE id = ?",
            (f"Panic {RESET}at {CSI_C1}work{RLO}", f"Racing {TITLE}heart", card.id),
        )
        conn.execute("UPDATE ops SET op = ? WHERE op = 'add_card'", (f"add_card{TITLE}",))
    conn.close()
    return path, card.id


def clean(text: str) -> bool:
    return not any(ch in text for ch in RAW)


def test_one_rule_makes_every_control_visible_and_keeps_the_rest() -> None:
    assert visible(f"a{RESET}b") == "a\u241bcb"  # ESC shows as ␛
    assert visible(f"x{CSI_C1}{RLO}y\nz\t") == "x\ufffd31m\ufffdy\nz\t"
    assert one_line("two\nlines\u2028here") == "two lines here"
    assert json.loads(json_safe(json.dumps(f"a{RLO}b\u2028", ensure_ascii=False))) == (
        f"a{RLO}b\u2028"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "markdown"],
        ["export", "--format", "json"],
        ["show"],
        ["show", "--plain"],
        ["show", "--json"],
        ["log"],
        ["log", "--json"],
    ],
    ids=lambda a: " ".join(a),
)
def test_board_text_never_reaches_the_terminal_raw(
    board: tuple[Path, str], args: list[str]
) -> None:
    path, _ = board
    result = CliRunner().invoke(cli, [args[0], str(path), *args[1:]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert clean(result.output), repr(result.output)
    if args[-1] in ("--json", "json"):
        data = json.loads(result.stdout)  # still the same JSON, the characters escaped
        assert holds(data, TITLE)


def holds(data: object, needle: str) -> bool:
    """Whether any string inside ``data`` contains ``needle``."""
    if isinstance(data, str):
        return needle in data
    if isinstance(data, dict):
        return any(holds(v, needle) for v in data.values())
    if isinstance(data, list):
        return any(holds(v, needle) for v in data)
    return False


def test_a_file_name_with_control_characters_never_reaches_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / f"C-{TITLE}0421.board"
    runner = CliRunner()
    for args in (["new", str(path), "--client", "C-0421"], ["check", str(path)],
                 ["show", str(tmp_path / f"missing{RESET}.board")]):  # fmt: skip
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert clean(result.output), (args, repr(result.output))
