"""A board's address on a PostgreSQL server: ``postgresql://HOST/DATABASE?board=C-0421``.

Read into libpq's own connection string, the board's name and its team; an address that
cannot be used is one sentence that never shows a password.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg

from formboard.core.errors import InvalidInput
from formboard.core.rules import clean_client_code


def parse_board_url(url: str) -> tuple[str, str, str | None]:
    """``(conninfo for libpq, board code, team role or None)`` from a board URL.

    An address formboard cannot use is one sentence (InvalidInput), never showing a password:
    one that does not parse, a password anywhere in it (in any case: libpq would not take
    ``PASSWORD`` but a person meant one), a setting libpq does not know.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [ in the host
        raise InvalidInput(
            f"The board's address cannot be read ({exc}); write it as "
            "postgresql://HOST/DATABASE?board=C-0421, an IPv6 host in brackets ([::1])."
        ) from None
    query = parse_qsl(parts.query, keep_blank_values=True)
    wanted = {k: v for k, v in query if k in ("board", "team")}
    rest = [(k, v) for k, v in query if k not in ("board", "team")]
    if any("password" in k.strip().lower() for k, _ in rest) or parts.password:
        raise InvalidInput(
            "Give the password the libpq way (a ~/.pgpass file, PGPASSFILE or a service "
            "file), never in the board's address."
        )
    board = wanted.get("board", "")
    try:
        board = clean_client_code(board)
    except ValueError:
        raise InvalidInput(
            f"The address {redacted(url)} names no board: add ?board=<client code>, such "
            "as ?board=C-0421."
        ) from None
    conninfo = f"{parts.scheme}://{parts.netloc}{parts.path}" + (
        f"?{urlencode(rest)}" if rest else ""
    )
    try:  # libpq's own reading of it, without connecting: a setting it does not know
        psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        raise InvalidInput(
            f"The address {redacted(url)} cannot be used: {first_line(exc)}. Besides "
            "board and team, its settings are libpq's own (host, port, user, dbname, "
            "sslmode, service, ...), in lower case."
        ) from None
    return conninfo, board, wanted.get("team") or None


def redacted(url: str) -> str:
    """The address without any password, fit to show."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{parts.username}@{host}" if parts.username else host
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


FULL = (
    "The board server has no free connections just now (its max_connections are all in "
    "use); nothing was changed. Try again in a moment, or ask its administrator for more "
    "connections or a pooler in transaction mode in front of it."
)


def full_server(exc: psycopg.OperationalError) -> bool:
    """Whether the server refused the connection for want of a free one (libpq gives no
    SQLSTATE for a refusal at start-up: its message says it)."""
    said = str(exc)
    return "too many clients" in said or "connection slots are reserved" in said


OPEN_WAIT = 4.0  # seconds an opening tries a server that is restarting (``coming_back``)


def coming_back(exc: psycopg.OperationalError) -> bool:
    """Whether a refused connection looks like a server restarting: nothing listening on
    its socket or port yet, or "the database system is starting up" (57P03). A moment's
    wait then opens the board instead of failing a command started during a restart."""
    if exc.sqlstate == "57P03":
        return True
    said = str(exc)
    return exc.sqlstate is None and ("Connection refused" in said or "No such file" in said)
