"""``formboard serve`` leaks nothing: not the token or a traceback to its own output however
malformed a request is, not a tab's person to the process list (which every account on the
computer can read), and a rotated token stops the old address at a server already running.
A tab that cannot open the board says why instead of staying on the splash page.

Each test runs a real ``formboard serve`` process and reads what a person meets: its stderr,
/proc, or the page in headless Chromium (tests/test_serve_browser.py says how)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.needs import missing

from formboard.core.importing import import_board

try:
    import textual_serve  # noqa: F401
except ImportError:
    missing("textual-serve is not installed (pip install -e '.[web]')")

SAMPLE = Path(__file__).resolve().parents[1] / "sample_boards" / "C-0421.json"
PERSON, DISCIPLINE = "Ines Vasquez-Thorne", "somatic therapy"  # fictional


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Serving:
    """A ``formboard serve`` process with no terminal, and the address it printed."""

    process: subprocess.Popen[str]
    url: str
    port: int
    board: Path

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["token"][0]

    def stop(self) -> tuple[str, str]:
        """Stop it (as Ctrl+C would) and return the rest of its stdout, and its stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.communicate(timeout=10)


def start_serving(board: Path, port: int, *more: str) -> Serving:
    process = subprocess.Popen(
        [sys.executable, "-m", "formboard", "serve", str(board), "--port", str(port), *more],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    url = process.stdout.readline().strip().removeprefix("Open ")
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return Serving(process, url, port, board)


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Serving]:
    """``formboard serve`` on the demo client's board."""
    board = tmp_path / "C-0421.board"
    import_board(SAMPLE, board).close()
    served = start_serving(board, free_port())
    yield served
    served.stop()


def ask(port: int, raw: bytes) -> bytes:
    """Send ``raw`` on a new connection and return what comes back before it closes."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(raw)
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer


def test_malformed_requests_put_no_token_and_no_traceback_in_the_servers_output(serving):
    person = b"/ws/TOKEN/Ines%20Vasquez-Thorne/somatic%20therapy"
    end = b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
    upgrade = b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: YQ==\r\n"
    requests = {  # each holds the real token (TOKEN), as a browser's address would
        "a request line too long": b"GET /?token=TOKEN&x=" + b"a" * 9000 + b" HTTP/1.1\r\n" + end,
        "a header too long": b"GET / HTTP/1.1\r\nReferer: /?token=TOKEN&x=" + b"b" * 9000
        + b"\r\n" + end,
        "a bad method": b"G\x01T /?token=TOKEN HTTP/1.1\r\n" + end,
        "a bad HTTP version": b"GET /?token=TOKEN HTTP/9.Z\r\n" + end,
        "a bad header name": b"GET /?token=TOKEN HTTP/1.1\r\nBad\x01Name: TOKEN\r\n" + end,
        "garbage": b"\x00\xff\xfe\x16\x03\x01 TOKEN\r\n\r\n",
        "a bad chunked body": b"POST /?token=TOKEN HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
        + end + b"ZZ\r\nTOKEN\r\n",
        "the websocket without Upgrade": b"GET " + person + b" HTTP/1.1\r\n" + end,
        "the websocket by query": b"GET /ws?token=TOKEN HTTP/1.1\r\n" + end,
        "the websocket, version 99": b"GET " + person + b" HTTP/1.1\r\n" + upgrade
        + b"Sec-WebSocket-Version: 99\r\n" + end,
    }  # fmt: skip
    token = serving.token.encode()
    answers = {
        what: ask(serving.port, raw.replace(b"TOKEN", token)) for what, raw in requests.items()
    }
    out, err = serving.stop()
    said = out + err
    assert serving.token not in said, said
    assert "Traceback" not in said and "Error handling" not in said, said
    assert "Vasquez" not in said and "somatic" not in said, said
    unanswered = [what for what, answer in answers.items() if not answer.startswith(b"HTTP/1.")]
    assert not unanswered  # each was refused with an answer, not a dropped connection


def _processes() -> dict[int, tuple[int, bytes]]:
    """Every process on this computer: pid → (parent's pid, command line), as ``ps`` reads
    them from /proc, which any account may read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            found[int(entry.name)] = (
                int(stat.rsplit(")", 1)[1].split()[1]),
                (entry / "cmdline").read_bytes(),
            )
        except (OSError, ValueError, IndexError):  # ended meanwhile
            continue
    return found


def _open_tab(chromium: Any, url: str, name: str, discipline: str = "") -> tuple[Any, bytearray]:
    page = chromium.new_page(viewport={"width": 1200, "height": 800})
    screen = bytearray()
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda d: screen.extend(d if isinstance(d, bytes) else d.encode())
    ))  # fmt: skip
    page.goto(url)
    page.fill("#name", name)
    page.fill("#discipline", discipline)
    page.click("#open")
    return page, screen


def _wait_for(page: Any, shown: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not shown():
        page.wait_for_timeout(100)


def test_a_tabs_person_is_not_in_the_process_list(chromium: Any, serving) -> None:
    if not Path("/proc/self/cmdline").exists():
        missing("/proc is not mounted: the process list cannot be read.")
    page, screen = _open_tab(chromium, serving.url, PERSON, DISCIPLINE)
    try:
        _wait_for(page, lambda: b"Symptoms" in screen)
        assert b"Symptoms" in screen, "the board never drew in the tab"
        processes = _processes()
        tree, grew = {serving.process.pid}, True
        while grew:
            children = {p for p, (parent, _) in processes.items() if parent in tree}
            grew = not children <= tree
            tree |= children
        apps = [p for p in tree if b"formboard\0open\0" in processes[p][1]]
        assert apps, "the tab's app is one of the server's processes"
        for pid, (_parent, cmdline) in processes.items():
            listed = cmdline.replace(b"\0", b" ")
            for word in (b"Vasquez", b"somatic", b"web-ines"):
                assert word not in listed, f"process {pid}: {listed[:200]!r}"
        # ... and it went to the app as its environment, which only its owner can read
        environment = Path(f"/proc/{apps[0]}/environ").read_bytes().split(b"\0")
        assert f"FORMBOARD_USER={PERSON}".encode() in environment
        assert f"FORMBOARD_DISCIPLINE={DISCIPLINE}".encode() in environment
    finally:
        page.close()


def test_a_name_too_long_is_refused_in_a_sentence_and_the_next_try_opens(chromium, serving):
    page, screen = _open_tab(chromium, serving.url, "Ines " + "V" * 240, DISCIPLINE)
    try:
        assert "That name is too long: at most 200 characters." in page.inner_text("body")
        assert page.input_value("#discipline") == DISCIPLINE  # kept for the next try
        page.fill("#name", PERSON)
        page.click("#open")
        _wait_for(page, lambda: b"Symptoms" in screen)
        assert b"Symptoms" in screen
    finally:
        page.close()


def test_a_tab_whose_board_does_not_open_says_so_and_leads_back(chromium, serving) -> None:
    for part in serving.board.parent.glob("C-0421.board*"):
        part.unlink()  # moved away while the server runs
    page, _screen = _open_tab(chromium, serving.url, PERSON)
    try:
        said = "The board did not open in this tab"
        _wait_for(page, lambda: said in page.inner_text("body"), seconds=15)
        assert said in page.inner_text("body")
        page.click("text=Back to the first page")
        page.wait_for_selector("#name")
        assert "Who is at this screen?" in page.inner_text("body")
    finally:
        page.close()


def test_a_new_token_stops_the_old_address_at_a_server_already_running(chromium, serving):
    page = chromium.new_page()
    try:
        assert page.goto(serving.url).status == 200  # the first page, asking who is there
        # Later, in another terminal, as the README says: the port is the running server's.
        rotated = subprocess.run(
            [sys.executable, "-m", "formboard", "serve", str(serving.board), "--port",
             str(serving.port), "--new-token"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        new_url = rotated.stdout.splitlines()[0].removeprefix("Open ")
        assert new_url != serving.url
        answer = page.goto(serving.url)
        assert answer.status == 403
        assert "needs the one that `formboard serve` printed" in page.inner_text("body")
        assert page.goto(new_url).status == 200
        assert "Who is at this screen?" in page.inner_text("body")
        # ... and the second command said what happened, in a sentence that is true
        assert "Traceback" not in rotated.stderr
        assert "nothing was changed" not in rotated.stderr  # the token was changed
        assert "already running" in rotated.stderr, rotated.stderr
    finally:
        page.close()
    out, err = serving.stop()
    assert serving.token not in err and new_url.split("token=")[1] not in err + out
