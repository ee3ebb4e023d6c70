"""The board in a browser: ``formboard serve`` runs the same app for each browser tab.

textual-serve (the ``web`` extra) starts ``formboard open BOARD`` once per tab and relays
its screen and keys over a websocket. Around it, what a clinical service needs:

- **A secret in the address.** Every page and the websocket need the server's token
  (``?token=…``, compared in constant time); without it the answer is one sentence that
  names no board. The token is kept owner-only in the data folder and can be rotated.
- **Who is at each tab.** The first page asks for a name and a discipline (the server's
  own settings fill them in); each tab is then its own person on the board — in presence,
  in the op log (a login of its own, ``web-<name>``), following colleagues like a terminal.
- **Nothing leaks.** The page's title is "formboard"; nothing is fetched from elsewhere
  (no web fonts); the access log, which would hold the token, is off; the server prints
  only its own address, and what the libraries log (a malformed request, a tab that
  failed) by its kind alone. A tab's person reaches its app in the environment, never in
  the process list. It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import re
import secrets
import shlex
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from formboard.core.files import make_private_folders, write_atomically
from formboard.core.identity import SERVED_ENV, WEB_LOGIN_ENV
from formboard.core.rules import TITLE_MAX, clean_line
from formboard.core.settings import data_dir, settings

TEMPLATES = Path(__file__).parent / "web_templates"


_SAID_BY_KIND = "formboard_said_by_kind"
# textual-serve's messages that are fixed text, and what they mean here.
_SAID_AS_IS = {"Application failed to start": "the app of a browser tab did not start"}


class _Unsaid(logging.Filter):
    """What textual-serve, aiohttp and asyncio log while serving is said by its kind alone:
    a record's text, arguments or traceback could hold the token (a malformed request's
    address) or what a tab sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.__dict__.get(_SAID_BY_KIND):
            return True  # already (a logger's filter, then a handler's)
        kind = record.exc_info[0] if record.exc_info else None
        if kind is None and isinstance(record.msg, str) and record.msg in _SAID_AS_IS:
            record.msg, record.args = _SAID_AS_IS[record.msg], ()
        elif kind is None:
            record.msg, record.args = "%s: %s", (record.name, record.levelname.lower())
        elif record.name == "textual-serve":
            record.msg, record.args = "a browser session ended with %s", (kind.__name__,)
        elif issubclass(kind, HttpProcessingError):
            record.msg, record.args = "refused a request it could not read (%s)", (kind.__name__,)
        elif record.name.startswith("aiohttp"):
            record.msg, record.args = "a request failed with %s", (kind.__name__,)
        else:
            record.msg, record.args = "%s: %s", (record.name, kind.__name__)
        record.exc_info = record.exc_text = record.stack_info = None
        record.__dict__[_SAID_BY_KIND] = True
        return True


def _quiet_textual_serve() -> None:
    logger = logging.getLogger("textual-serve")
    if not any(isinstance(f, _Unsaid) for f in logger.filters):
        logger.addFilter(_Unsaid())


def _say_logs_by_their_kind() -> None:
    """Everything logged in this process reaches stderr through one handler that says it by
    its kind (else Python's last-resort handler prints aiohttp's records whole)."""
    root = logging.getLogger()
    if any(isinstance(f, _Unsaid) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.addFilter(_Unsaid())
    handler.setFormatter(logging.Formatter("formboard serve: %(message)s"))
    root.addHandler(handler)


def token_path() -> Path:
    return data_dir() / "serve-token"


def server_token(rotate: bool = False) -> str:
    """The server's secret (made, or made anew with ``rotate``), kept owner-only."""
    path = token_path()
    if not rotate and path.is_file():
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 32:
            return token
    token = secrets.token_urlsafe(32)
    make_private_folders(path.parent)
    write_atomically(path, token.encode(), 0o600)
    return token


def _token_file_seen() -> tuple[int, int, int] | None:
    """What the token file is now (a rotation replaces it by rename), or None without one."""
    try:
        seen = token_path().stat()
    except OSError:
        return None
    return seen.st_ino, seen.st_mtime_ns, seen.st_size


def web_login(name: str) -> str:
    """A login of its own for a person at a browser tab: ``web-ana-ruiz``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:32]
    return f"web-{slug or 'guest'}"


_FORM = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>formboard</title>
<meta name="referrer" content="no-referrer">
<style>body{{font:16px/1.5 system-ui,sans-serif;background:#12232d;color:#eee;display:flex;
justify-content:center;margin-top:12vh}}form{{background:#0c181f;padding:2em 3em;
border-radius:6px}}label{{display:block;margin:.8em 0 .2em}}input{{font:inherit;
padding:.3em;width:20em}}button{{margin-top:1.2em;font:inherit;padding:.4em 1.5em}}
.problem{{color:#f8a}}</style></head><body>
<form method="get" action="./"><h1>formboard</h1>
<p>Who is at this screen? Colleagues see your name and discipline on the board.</p>
{problem}<input type="hidden" name="token" value="{token}">
<label for="name">Your name</label><input id="name" name="name" value="{name}" required>
<label for="discipline">Your discipline</label>
<input id="discipline" name="discipline" value="{discipline}" placeholder="psychology">
<button type="submit" id="open">Open the board</button></form></body></html>
"""


def _problem(name: str, discipline: str) -> str:
    """Why the board cannot take this name or discipline, in a sentence; "" when it can."""
    for what, value in (("name", name), ("discipline", discipline)):
        if len(value) > TITLE_MAX:
            return f"That {what} is too long: at most {TITLE_MAX} characters."
        try:
            clean_line(value)
        except ValueError as exc:
            return f"That {what} {exc}."
    return ""


def person_for(name: str, discipline: str) -> dict[str, str]:
    """The environment that makes a tab's app this person (with a login of its own)."""
    return {
        "FORMBOARD_USER": name, "FORMBOARD_DISCIPLINE": discipline,
        WEB_LOGIN_ENV: web_login(name), SERVED_ENV: "1",
    }  # fmt: skip


class TabService(AppService):
    """textual-serve's app process for one tab, with the tab's person in its environment:
    the process list, which every account on this computer can read, shows only
    ``formboard open BOARD``. When the app ends, the tab is told (textual-serve leaves the
    page waiting when an app stops before drawing)."""

    def __init__(self, command: str, person: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.person = person

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width=width, height=height), **self.person}

    async def run(self) -> None:
        await super().run()
        await self.remote_close()


_REFUSED = "This address needs the one that `formboard serve` printed (with its token)."


class BoardServer(Server):
    """textual-serve's server, with the token, the identity page and quiet logs."""

    def __init__(self, location: str, *, host: str, port: int, token: str,
                 public_url: str | None = None) -> None:  # fmt: skip
        import textual_serve

        statics = Path(textual_serve.__file__).parent / "static"
        super().__init__("formboard", host=host, port=port, title="formboard",
                         public_url=public_url, statics_path=statics,
                         templates_path=TEMPLATES)  # fmt: skip
        self.location = location
        self.token = token
        self._token_seen = _token_file_seen()
        self.command = shlex.join([sys.executable, "-m", "formboard", "open", location])
        _quiet_textual_serve()

    # ------------------------------------------------------------- the routes

    async def _make_app(self) -> web.Application:
        import aiohttp_jinja2
        import jinja2

        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_page, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            # textual.js adds "?width=…&height=…" to the websocket's address: who the tab
            # is travels in the path.
            web.get("/ws/{token}/{name}/{discipline}", self.handle_websocket),
            web.static("/static", self.statics_path, name="static"),
        ])  # fmt: skip
        return app

    def _allowed(self, request: web.Request) -> bool:
        return self.accepts(request.match_info.get("token") or request.query.get("token", ""))

    def accepts(self, given: str) -> bool:
        """Whether ``given`` is the token, compared in constant time. ``--new-token`` in
        another process replaces the token file, so the file is read anew when it changed
        (one ``stat`` a page): old addresses stop working at a server already running."""
        seen = _token_file_seen()
        if seen is not None and seen != self._token_seen:
            self._token_seen = seen
            try:
                token = token_path().read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                token = ""
            if len(token) >= 32:  # as server_token() makes them; else keep the one we have
                self.token = token
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def handle_page(self, request: web.Request) -> web.StreamResponse:
        if not self._allowed(request):
            return web.Response(status=403, text=_REFUSED)
        name = request.query.get("name", "").strip()
        discipline = request.query.get("discipline", "").strip()
        problem = _problem(name, discipline)
        if not name or problem:
            config = settings()
            page = _FORM.format(
                token=html.escape(self.token),
                name=html.escape(name or config.name or ""),
                discipline=html.escape(discipline or config.discipline or ""),
                problem=f'<p class="problem">{html.escape(problem)}</p>' if problem else "",
            )
            return web.Response(text=page, content_type="text/html")
        return await self.handle_index(request)  # textual-serve's page, our template

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The tab's page (our template): who is at it travels in the websocket's path."""
        import aiohttp_jinja2

        router = request.app.router
        base = self.public_url
        socket = f"{base}{router['websocket'].url_for()}"
        socket = ("wss:" if base.startswith("https") else "ws:") + socket.split(":", 1)[1]
        parts = [request.query.get(k, "") for k in ("token", "name", "discipline")]
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": socket + "/" + "/".join(quote(p, safe="") or "-" for p in parts),
            "config": {"static": {"url": f"{base}{router['static'].url_for(filename='/')}"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the token, this tab's person, and every failure
        answered or said by its kind."""
        if not self._allowed(request):
            raise web.HTTPForbidden(text=_REFUSED)
        said = request.match_info  # aiohttp has decoded the path
        name = said.get("name", "").strip()
        discipline = said.get("discipline", "").strip().strip("-")
        if not name or _problem(name, discipline):
            raise web.HTTPBadRequest(text="Give your name and discipline on the first page.")
        websocket = web.WebSocketResponse(heartbeat=15)
        if not websocket.can_prepare(request):
            raise web.HTTPBadRequest(text="This address is for the board's own page.")
        await websocket.prepare(request)
        tab = TabService(
            self.command, person_for(name, discipline), write_bytes=websocket.send_bytes,
            write_str=websocket.send_str, close=websocket.close,
            download_manager=self.download_manager, debug=self.debug,
        )  # fmt: skip
        try:
            await tab.start(to_int(request.query.get("width", "80"), 80),
                            to_int(request.query.get("height", "24"), 24))  # fmt: skip
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            logging.getLogger("textual-serve").exception(error)  # said by its kind
        finally:
            await tab.stop()
        return websocket

    # ------------------------------------------------------------- running

    async def on_startup(self, app: web.Application) -> None:
        pass  # textual-serve prints its command here; we print our own address

    def serve(self, debug: bool = False) -> None:
        """Serve until interrupted; no access log (it would hold the token), and every
        log record said by its kind."""
        _say_logs_by_their_kind()
        web.run_app(self._make_app(), host=self.host, port=self.port, access_log=None,
                    print=None, handle_signals=True)  # fmt: skip


__all__ = ["BoardServer", "TabService", "server_token", "web_login"]
