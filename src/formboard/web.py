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
  only its own address. It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import copy
import hmac
import html
import logging
import re
import secrets
import shlex
import sys
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import web
from textual_serve.server import Server, to_int

from formboard.core.files import make_private_folders, write_atomically
from formboard.core.identity import SERVED_ENV, WEB_LOGIN_ENV
from formboard.core.model import clean_line
from formboard.core.settings import data_dir, settings

TEMPLATES = Path(__file__).parent / "web_templates"


class _Unsaid(logging.Filter):
    """textual-serve logs a tab's failure with its traceback, which could hold what the tab
    sent: only the kind of failure is said."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg, record.args = (
                "a browser session ended with %s",
                (record.exc_info[0].__name__,),
            )
        elif record.levelno >= logging.WARNING:
            record.msg, record.args = "textual-serve: %s", (record.levelname.lower(),)
        record.exc_info = record.exc_text = None
        return True


def _quiet_textual_serve() -> None:
    logger = logging.getLogger("textual-serve")
    if not any(isinstance(f, _Unsaid) for f in logger.filters):
        logger.addFilter(_Unsaid())


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
        given = request.match_info.get("token") or request.query.get("token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def handle_page(self, request: web.Request) -> web.StreamResponse:
        if not self._allowed(request):
            return web.Response(status=403, text=_REFUSED)
        name, discipline = request.query.get("name", ""), request.query.get("discipline", "")
        problem = ""
        try:
            name, discipline = clean_line(name.strip()), clean_line(discipline.strip())
        except ValueError as exc:
            problem = f"Your name or discipline {exc}."
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
        if not self._allowed(request):
            raise web.HTTPForbidden(text=_REFUSED)
        said = request.match_info
        try:
            name = clean_line(unquote(said.get("name", "")).strip())
            discipline = clean_line(unquote(said.get("discipline", "")).strip().strip("-"))
        except ValueError:
            raise web.HTTPBadRequest(text="Give a name and discipline on the first page.") from None
        if not name:
            raise web.HTTPBadRequest(text="Give a name on the first page.")
        # textual-serve's own handler runs ``self.command``, which every tab shares: this
        # tab's handler is a copy of the server that runs this tab's person.
        tab = copy.copy(self)
        tab.command = self.command_for(name, discipline)
        return await Server.handle_websocket(tab, request)

    def command_for(self, name: str, discipline: str) -> str:
        """The shell command that runs the app for one tab, as that person."""
        env = {
            "FORMBOARD_USER": name, "FORMBOARD_DISCIPLINE": discipline,
            WEB_LOGIN_ENV: web_login(name), SERVED_ENV: "1",
        }  # fmt: skip
        words = ["env", *(f"{k}={v}" for k, v in env.items()),
                 sys.executable, "-m", "formboard", "open", self.location]  # fmt: skip
        return shlex.join(words)

    # ------------------------------------------------------------- running

    async def on_startup(self, app: web.Application) -> None:
        pass  # textual-serve prints its command here; we print our own address

    def serve(self, debug: bool = False) -> None:
        """Serve until interrupted; no access log (it would hold the token)."""
        web.run_app(self._make_app(), host=self.host, port=self.port, access_log=None,
                    print=None, handle_signals=True)  # fmt: skip


__all__ = ["BoardServer", "server_token", "web_login"]
