"""formboard serve in a real browser: headless Chromium (the system's, driven by Playwright,
nothing downloaded). A tab with the printed address asks who is there, shows the board,
takes keys (a new card lands in the board file, by that person); without the token a page
says nothing about any board. A screenshot is kept in tests/artefacts/ (FORMBOARD_ARTEFACTS).
Without Playwright, Chromium or textual-serve these tests skip and say which is missing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
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
