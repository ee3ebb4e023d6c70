"""Notices (Textual's toasts): one way onto the screen, and it takes only what can be drawn.

Once, notices built as Rich ``Text`` crashed the app as the toast was drawn (undo, a
colleague joining a meeting, exports, the meeting note), while every test passed: the
tests read the app's list of notices and never drew one. Here they are drawn.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rich.text import Text
from tests.tui_helpers import drawn_notices, notice_drawn, opened_app
from textual.app import App

from formboard.tui.app import FormboardApp
from formboard.tui.chooser import BoardChooser
from formboard.tui.privacy import PrivateApp
from formboard.tui.safe_app import SafeApp

SRC = Path(__file__).resolve().parents[1] / "src" / "formboard"


def notify_calls() -> list[tuple[Path, ast.Call]]:
    """Every ``….notify(…)`` call in the source, and ``call_from_thread(….notify, …)``."""
    calls = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr == "notify":
                calls.append((path, node))
            elif node.func.attr == "call_from_thread" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Attribute) and first.attr == "notify":
                    calls.append((path, ast.Call(first, node.args[1:], node.keywords)))
    return calls


def test_no_notice_in_the_source_is_built_as_rich_text() -> None:
    found = notify_calls()
    assert len(found) > 30  # the scan sees the app's notices
    for path, call in found:
        for arg in [*call.args[:1], *(k.value for k in call.keywords if k.arg == "title")]:
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
                assert arg.func.id not in ("plain", "Text"), f"{path.name}:{call.lineno}"


def test_every_app_of_formboard_is_a_safe_app() -> None:
    """Both apps take their notices through SafeApp.notify (and crash with a sentence)."""
    for app in (FormboardApp, BoardChooser):
        assert issubclass(app, SafeApp)
        assert app.notify is not App.notify
    apps = [
        node.name
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).split("[")[0].endswith("App") for base in node.bases)
    ]  # an app (not textual-serve's AppService, a tab's process)
    # PrivateApp is SafeApp with the privacy screen, FormboardApp's parent.
    assert sorted(apps) == ["BoardChooser", "FormboardApp", "PrivateApp", "SafeApp"]
    assert issubclass(PrivateApp, SafeApp)


@pytest.mark.parametrize(
    ("given", "drawn"),
    [
        (Text("Undone: you archived ‘[b]x[/b]’."), "Undone: you archived ‘[b]x[/b]’."),
        ("[red]Ben[/red] [@click=app.quit]left", "[red]Ben[/red] [@click=app.quit]left"),
        ("Escape \x1b[31m and bell \x07", "Escape ␛[31m and bell ␇"),
    ],
    ids=["rich text", "markup", "control characters"],
)
async def test_a_notice_is_drawn_as_its_characters_whatever_it_is_given(
    board_file, given, drawn
) -> None:
    async with opened_app(board_file, size=(100, 30)) as (app, pilot):
        app.notify(given, title=Text("A [i]title[/i]"))
        said = await notice_drawn(pilot, drawn)
        assert said == f"A [i]title[/i] {drawn}"
        assert app.is_running and drawn_notices(app) == [said]
