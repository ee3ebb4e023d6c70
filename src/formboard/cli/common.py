"""What every command shares: the BOARD argument, an open store, and choices typed loosely."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import click

from formboard.core.errors import UNCONFIRMED, InvalidInput
from formboard.core.files import private_mode, write_atomically
from formboard.core.lock import LeaseInfo
from formboard.core.model import Domain, LinkKind, Status
from formboard.core.store import Store, open_store
from formboard.core.store.interface import is_server_location
from formboard.core.text import one_line


class BoardLocation(click.ParamType):
    """A board: a file's path, or a ``postgresql://host/db?board=C-0421`` URL (kept as text).

    readable=False: a board we may not read is the store's one sentence (exit 1), not
    click's usage error (exit 2).
    """

    name = "board"
    _path = click.Path(path_type=Path, dir_okay=True, readable=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and is_server_location(value):
            return value
        return self._path.convert(value, param, ctx)


BOARD = BoardLocation()

# -o FILE of the commands that write a file (export, note); see ``write_output``.
output_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="Write to this file (owner-only) instead of printing.",
)  # fmt: skip


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Store]:
    """An open store for one command, closed afterwards whatever happens."""
    store = open_store(path, on_lock_wait=_waiting_notice(), on_busy=_busy_notice(path))
    if sys.stderr.isatty():  # a server's commit that waits for its standby, said once
        store.on_wait = _once(lambda words: click.echo(f"{words[0].upper()}{words[1:]}…", err=True))
    try:
        yield store
        if store.unconfirmed:
            click.echo(f"formboard: {UNCONFIRMED[0].upper()}{UNCONFIRMED[1:]}.", err=True)
        _remember_history(store)
    finally:
        store.close()


def _once(say: Callable[[str], None]) -> Callable[[str], None]:
    """``say``, which says only the first thing it is given (a notice said once)."""
    said: list[bool] = []

    def once(words: str) -> None:
        if not said:
            said.append(True)
            say(words)

    return once


def _remember_history(store: Store) -> None:
    """What this command saw of the op log, kept in the data folder (``chain``): a
    rewrite of history that this computer had seen is said here, once."""
    try:
        said = store.history_seen(store.location)
    except Exception:  # the command went well; `formboard check` reads it again
        return
    if said:
        said = f"{said[0].upper()}{said[1:]}: `formboard check` says where."
        click.echo(f"formboard: {one_line(said)}", err=True)


def _waiting_notice() -> Callable[[LeaseInfo | None, float], None] | None:
    """At a terminal, say once whose lock a write is waiting for (it may wait 15 s)."""
    if not sys.stderr.isatty():
        return None  # scripts get only the outcome: one line, on failure
    say = _once(partial(click.echo, err=True))

    def notice(holder: LeaseInfo | None, waited: float) -> None:
        if waited >= 1.0:
            say(f"Waiting for the lock held by {holder.who() if holder else 'someone else'}…")

    return notice


def _busy_notice(path: Path | str) -> Callable[[float], None] | None:
    """At a terminal, say once that the board is busy (a server: does not answer, as in a
    restart) and the command tries again."""
    if not sys.stderr.isatty():
        return None
    words = (
        "The board server does not answer (a restart?); trying again…"
        if is_server_location(path)
        else "The board is busy (a colleague's change is being saved); trying again…"
    )
    say = _once(partial(click.echo, err=True))

    def notice(waited: float) -> None:
        if waited >= 0.3:
            say(words)

    return notice


def choice(value: str, options: dict[str, str], what: str) -> str:
    """The canonical value for a case-insensitive ``value``; InvalidInput listing the choices."""
    key = " ".join(value.strip().lower().split())
    if key in options:
        return options[key]
    names = ", ".join(dict.fromkeys(options.values()))
    raise InvalidInput(f"Unknown {what} {value!r}; use one of: {names}.")


STATUSES = {s.value: s.value for s in Status} | {s.label: s.value for s in Status}
DOMAINS = {d.value: d.value for d in Domain}
KINDS = {k.value: k.value for k in LinkKind} | {k.phrase: k.value for k in LinkKind}


def status_value(value: str | None) -> str | None:
    """The status typed (a value or its label, any case), or None if none was given."""
    return None if value is None else choice(value, STATUSES, "status")


def domain_value(value: str | None) -> str | None:
    """The domain typed; "" for none (which clears it in an edit), None if none was given."""
    if value is None:
        return None
    if value.strip().lower() in ("", "none"):
        return ""  # clears the domain in an edit
    return choice(value, DOMAINS, "domain")


def check_output_target(output: Path, board: Path | str) -> None:
    """An export or a note may make a new file or replace a regular one, never a board's own files.

    It replaces by rename, which would swap out a device, a FIFO or a link as well, and
    the board's sidecar, journal, lock or presence.
    """
    target = output.absolute()
    if not is_server_location(board):  # a board on a server has no files of its own here
        _not_the_boards_own(target, Path(board).expanduser().absolute())
    if os.path.lexists(target) and not stat.S_ISREG(os.lstat(target).st_mode):
        raise InvalidInput(
            f"{target} is not a regular file (a folder, link, device or pipe); formboard "
            "only makes a new file or replaces one."
        )


def _not_the_boards_own(target: Path, own: Path) -> None:
    if target == own or (target.exists() and own.exists() and target.samefile(own)):
        raise InvalidInput("Writing there would replace the board itself; choose another file.")
    beside = (own.name + "-journal", own.name + ".")  # its sidecar, journal, lock, presence
    if target.parent == own.parent and target.name.startswith(beside):
        raise InvalidInput(
            "Writing there would replace one of the board's own files; choose another."
        )


def write_output(output: Path, text: str) -> None:
    """Write what a command made to the file a person named, and only there.

    Owner-only (0660 in a team folder), whole or not at all; its folder must exist.
    """
    if not output.parent.is_dir():
        raise InvalidInput(f"The folder {output.parent} does not exist; create it first.")
    write_atomically(output, text.encode("utf-8"), private_mode(output.parent)[0])
