"""``formboard serve``: the board in a browser, for colleagues without a terminal."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import click

from formboard.cli.common import BOARD
from formboard.cli.group import CommandFailed
from formboard.core.store.interface import is_server_location

LOCAL = ("127.0.0.1", "localhost", "::1")


@click.command()
@click.argument("board", type=BOARD)
@click.option("--port", type=int, default=8421, show_default=True, help="The port to listen on.")
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="Where to listen; anything but this computer needs a TLS proxy in front (it says how).",
)  # fmt: skip
@click.option("--public-url", default=None, help="The https address your proxy serves it at.")
@click.option("--new-token", is_flag=True, help="Make a new secret: old addresses stop working.")
def serve(board: Path | str, port: int, host: str, public_url: str | None, new_token: bool) -> None:
    """Serve BOARD (or a folder of boards: each tab lists them) to web browsers.

    Each tab is the app, as its own person.

    Needs the web extra: pip install 'formboard[web]'. Every page needs the secret token in
    the address this prints; without it a page says nothing about any board. Runs on Linux
    and macOS (each tab's app is started through a POSIX shell).
    """
    if sys.platform == "win32":
        raise CommandFailed(
            "formboard serve runs on Linux and macOS: each tab's app is started through a "
            "POSIX shell, which Windows does not have. Serve the board from a Linux or Mac "
            "computer that reaches the team folder; Windows colleagues open the address it "
            "prints in their browser."
        )
    try:
        from formboard.web import BoardServer, server_token
    except ImportError:
        raise CommandFailed(
            "Serving to a browser needs textual-serve: pip install 'formboard[web]'."
        ) from None
    location = str(board) if is_server_location(board) else str(Path(board).expanduser().absolute())
    if not is_server_location(board) and not Path(location).exists():
        raise CommandFailed(f"There is no board or folder at {location}.")
    token = server_token(rotate=new_token)
    shown = public_url or f"http://{'127.0.0.1' if host in LOCAL else host}:{port}"
    click.echo(f"Open {shown.rstrip('/')}/?token={token}")
    click.echo("Anyone with this address can open the board: share it as you would a key. "
               "`formboard serve --new-token` makes a new one.", err=True)  # fmt: skip
    if host not in LOCAL:
        click.echo(
            f"Listening on {host}:{port}, beyond this computer. Put it behind your "
            "organisation's TLS proxy, never plain http on a network (the token travels in "
            "the address): e.g. nginx `location / { proxy_pass http://127.0.0.1:"
            f"{port}; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
            'proxy_set_header Connection "upgrade"; }` and --public-url https://…',
            err=True,
        )
    server = BoardServer(location, host=host, port=port, token=token, public_url=public_url)
    try:
        server.serve()
    except OSError as exc:  # raised before serving: the port is taken, or not ours to use
        taken = exc.errno == errno.EADDRINUSE
        why = "is in use (a formboard serve already running?)" if taken else "cannot be used"
        rotated = (
            " The new token is saved: a formboard serve already running stops taking the old "
            "address and takes the one above."
            if new_token
            else ""
        )
        raise CommandFailed(f"Port {port} on {host} {why}.{rotated}") from None


COMMANDS = (serve,)
