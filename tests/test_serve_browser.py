"""formboard serve in a real browser: headless Chromium (the system's, driven by Playwright,
nothing downloaded). A tab with the printed address asks who is there, shows the board,
takes keys (a new card lands in the board file, by that person); without the token a page
says nothing about any board. A screenshot is kept in tests/artefacts/ (FORMBOARD_ARTEFACTS).
Without Playwright, Chromium or textual-serve these tests skip and say which is missing."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from rich.cells import cell_len
from tests.needs import missing

from formboard.core.importing import import_board

try:
    import textual_serve  # noqa: F401
except ImportError:
    missing("textual-serve is not installed (pip install -e '.[web]')")

SAMPLE = Path(__file__).resolve().parents[1] / "sample_boards" / "C-0421.json"
ARTEFACTS = Path(os.environ.get("FORMBOARD_ARTEFACTS") or Path(__file__).parent / "artefacts")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """``formboard serve`` on the demo client's board, as a process with no terminal."""
    board = tmp_path / "C-0421.board"
    import_board(SAMPLE, board).close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "formboard", "serve", str(board), "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = server.stdout.readline().strip().removeprefix("Open ")
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield url, board
    server.terminate()
    _out, err = server.communicate(timeout=10)
    assert "token=" not in err and "Panic" not in err  # the log holds no secret, no client text


def cli_json(board: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "formboard", "show", str(board), "--json"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


def test_a_tab_asks_who_is_there_shows_the_board_and_takes_keys(chromium: Any, served) -> None:
    url, board = served
    assert url.startswith("http://127.0.0.1:") and "?token=" in url
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    screen = bytearray()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda data: screen.extend(data if isinstance(data, bytes) else data.encode())
    ))  # fmt: skip
    page.goto(url)
    assert page.title() == "formboard"
    page.fill("#name", "Dara Lindqvist")
    page.fill("#discipline", "social work")
    page.click("#open")
    shown = lambda: screen.decode("utf-8", "ignore")  # noqa: E731
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
        w in shown() for w in ("Symptoms", "Relationships", "Panic attacks")
    ):
        page.wait_for_timeout(200)
    assert all(w in shown() for w in ("Symptoms", "Sources", "Relationships", "Panic attacks"))
    assert page.title() == "formboard"  # never client text
    page.click("#terminal")
    page.keyboard.press("n")
    page.wait_for_timeout(500)
    page.keyboard.type("Added in a browser")
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        cards = {c["title"]: c for c in cli_json(board)["cards"]}
        if "Added in a browser" in cards:
            break
        time.sleep(0.3)
    card = cards["Added in a browser"]
    assert card["created_by"] == "web-dara-lindqvist"
    members = {m["login"]: m for m in cli_json(board)["members"]}
    assert members["web-dara-lindqvist"]["name"] == "Dara Lindqvist"
    assert members["web-dara-lindqvist"]["discipline"] == "social work"
    presence = list((board.parent / "C-0421.board.presence").glob("web-dara-lindqvist@*"))
    assert presence, "the tab is in presence like any terminal"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "serve-board.png"
    page.wait_for_timeout(500)
    page.screenshot(path=str(shot))
    shot.chmod(0o600)
    assert all(a.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")) for a in asked), asked
    page.close()


# What the app writes: a cursor move, an escape sequence (colours, modes, the pointer's
# shape) to skip, or text to put at the cursor.
_TERMINAL_OUTPUT = re.compile(
    r"\x1b\[(\d+);(\d+)H|\x1b\][^\x07]*\x07|\x1b\[[0-9;?<>=$]*[A-Za-z]|\x1b.|([^\x1b\r\n]+)"
)


def screen_rows(written: bytes | bytearray) -> dict[int, str]:
    """The rows of the screen that the app's output draws (Textual moves the cursor to each
    line it paints), by row number from 1."""
    rows: dict[int, list[str]] = {}
    row, column = 1, 1
    for move in _TERMINAL_OUTPUT.finditer(written.decode("utf-8", "ignore")):
        if move.group(1):
            row, column = int(move.group(1)), int(move.group(2))
        elif text := move.group(3):
            cells = rows.setdefault(row, [])
            for char in text:
                cells.extend(" " * (column + 1 - len(cells)))
                cells[column - 1] = char
                column += max(cell_len(char), 1)
    return {r: "".join(cells) for r, cells in rows.items()}


# Where the terminal's last row is on the page, and how much of it is inked: the pixels of
# the text canvas's last row that are not its commonest colour (a footer without its keys
# is one band of colour; its key hints are letters).
_LAST_ROW = """rows => {
    const text = document.querySelector("#terminal .xterm-text-layer");
    if (!text) return null;
    const box = text.getBoundingClientRect();
    const rowHeight = Math.floor(text.height / rows);
    const pixels = text.getContext("2d").getImageData(
        0, text.height - rowHeight, text.width, rowHeight).data;
    const colours = new Map();
    for (let i = 0; i < pixels.length; i += 4) {
        const colour = pixels.slice(i, i + 4).join();
        colours.set(colour, (colours.get(colour) || 0) + 1);
    }
    return {top: box.bottom - box.height / rows, bottom: box.bottom,
            viewport: window.innerHeight,
            inked: pixels.length / 4 - Math.max(0, ...colours.values())};
}"""


def test_a_tab_at_1280x800_shows_the_key_hints_on_its_last_row(chromium: Any, served) -> None:
    url, _board = served
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    written, heights = bytearray(), []  # the app's output; the terminal's rows as sized

    def on_websocket(ws: Any) -> None:
        heights.append(int(parse_qs(urlsplit(ws.url).query)["height"][0]))
        ws.on("framereceived", lambda d: written.extend(d) if isinstance(d, bytes) else None)
        ws.on("framesent", on_sent)

    def on_sent(said: str | bytes) -> None:
        if isinstance(said, str) and said.startswith('["resize"'):
            heights.append(json.loads(said)[1]["height"])

    def last_row() -> tuple[str, dict[str, float] | None]:
        rows = heights[-1] if heights else 0
        return screen_rows(written).get(rows, ""), page.evaluate(_LAST_ROW, rows or 1)

    page.on("websocket", on_websocket)
    try:
        page.goto(url)
        page.fill("#name", "Dara Lindqvist")
        page.click("#open")  # and nothing more: no click into the terminal
        deadline = time.monotonic() + 30
        text, drawn = last_row()
        while time.monotonic() < deadline and not (
            "Quit" in text and drawn and drawn["inked"] > 500
        ):
            page.wait_for_timeout(200)
            text, drawn = last_row()
        assert "Quit" in text and "Help" in text, f"the last of {heights[-1]} rows: {text!r}"
        # ... painted inside the window, not cut at its edge, and with its letters drawn
        assert drawn and 0 <= drawn["top"] < drawn["bottom"] <= drawn["viewport"], drawn
        assert drawn["inked"] > 500, drawn
    finally:
        page.close()  # a tab left open would hold the server up


def test_without_the_token_a_page_says_nothing_of_any_board(chromium: Any, served) -> None:
    url, _board = served
    base = url.split("?", 1)[0]
    page = chromium.new_page()
    for address in (base, base + "?token=not-it", base + "?token=not-it&name=Eve"):
        answer = page.goto(address)
        assert answer is not None and answer.status == 403
        text = page.inner_text("body")
        assert "C-0421" not in text and "Symptoms" not in text and "Panic" not in text
        assert "formboard serve" in text
    page.close()


def test_listening_beyond_this_computer_says_how_to_put_it_behind_tls(tmp_path, monkeypatch):
    board = tmp_path / "C-0421.board"
    import_board(SAMPLE, board).close()
    server = subprocess.Popen(
        [sys.executable, "-m", "formboard", "serve", str(board), "--host", "0.0.0.0",
         "--port", str(free_port())],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    said = [server.stderr.readline() for _ in range(2)]
    server.terminate()
    server.communicate(timeout=10)
    assert "TLS proxy" in said[1] and "proxy_pass" in said[1] and "--public-url" in said[1]


def test_the_token_is_kept_owner_only_and_can_be_rotated(tmp_path, monkeypatch) -> None:
    from formboard.web import server_token, token_path

    first = server_token()
    assert server_token() == first and len(first) >= 32
    assert token_path().stat().st_mode & 0o777 == 0o600
    assert server_token(rotate=True) != first


def test_open_from_a_pipe_is_still_refused_even_claiming_to_be_served(tmp_path, monkeypatch):
    board = tmp_path / "C-0421.board"
    import_board(SAMPLE, board).close()
    env = {**os.environ, "FORMBOARD_SERVED": "1"}  # without the server's web driver
    done = subprocess.run([sys.executable, "-m", "formboard", "open", str(board)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 1 and "opens only in a terminal" in done.stderr


def test_a_served_folder_lists_its_boards_in_the_tab(chromium: Any, tmp_path, monkeypatch):
    folder = tmp_path / "team"
    folder.mkdir()
    import_board(SAMPLE, folder / "C-0421.board").close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "formboard", "serve", str(folder), "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = server.stdout.readline().strip().removeprefix("Open ")
        page = chromium.new_page(viewport={"width": 1200, "height": 800})
        screen = bytearray()
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda d: screen.extend(d if isinstance(d, bytes) else d.encode())
        ))  # fmt: skip
        for _ in range(50):
            try:
                page.goto(url)
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        page.fill("#name", "Dara Lindqvist")
        page.click("#open")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "C-0421" not in screen.decode("utf-8", "ignore"):
            page.wait_for_timeout(200)
        assert "C-0421" in screen.decode("utf-8", "ignore")  # the folder's list, by client code
        page.close()
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_a_tab_that_fails_is_logged_by_its_kind_never_its_traceback(tmp_path, monkeypatch, caplog):
    import logging

    from formboard.web import BoardServer

    BoardServer(str(tmp_path), host="127.0.0.1", port=free_port(), token="x" * 40)
    try:
        raise ValueError("Hears her late father's voice when alone")  # what a tab could send
    except ValueError as exc:
        logging.getLogger("textual-serve").exception(exc)  # as textual-serve's handler does
    said = caplog.text
    assert "ValueError" in said and "father" not in said and "Traceback" not in said
