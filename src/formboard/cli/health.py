"""`formboard check`, `repair` and `backup`: the health of one board file, its mending, its copies.

The checks themselves belong to the store (``core/store/checks.py``); this prints them.
"""

from __future__ import annotations

from pathlib import Path

import click

from formboard.cli.common import BOARD, opened
from formboard.core.store import check_board, open_store
from formboard.core.text import one_line


@click.command()
@click.argument("board", type=BOARD)
@click.option(
    "--record", "record", type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A filed export or meeting note: check that the board still holds the history it was made from.",
)  # fmt: skip
@click.pass_context
def check(ctx: click.Context, board: Path, record: Path | None) -> None:
    """Check the health of a board file.

    One line each for SQLite integrity, the schema version, the op log's hash chain and
    what this computer saw of it, the write lease and the sidecar; the exit code is 1 if
    any check fails. With --record, one more: whether the board still holds the history
    that export or note was made from.
    """
    found = check_board(board)
    for item in found:
        click.echo(one_line(item.line()))
    ok = all(item.ok for item in found)
    if record is not None:
        text = record.read_text(encoding="utf-8", errors="replace")
        with open_store(board, read_only=True) as store:
            held, said = store.record_check(text)
        click.echo(one_line(f"record: {'ok' if held else 'FAILED'} — {said}"))
        ok = ok and held
    if not ok:
        ctx.exit(1)


@click.command()
@click.argument("board", type=BOARD)
def repair(board: Path) -> None:
    """Put back what another program broke in a board's own bookkeeping.

    A missing or garbled schema version or revision is set right, a card's or
    perspective's revision that is not a number gets the next one, and perspectives, links
    and attendance whose card or meeting was deleted outside formboard move to the op log
    (`formboard log` keeps them whole). A backup is taken first (of a file; a server's
    boards are backed up with pg_dump). Values in cards are yours
    to choose: `formboard check` names each one and the command that sets it.
    """
    from formboard.core.store.interface import is_server_location

    with opened(board) as store:
        # A server's boards are backed up with its own tools (`pg_dump`), as the README says.
        dest = None if is_server_location(board) else store.take_backup()
        done = store.repair()
    if dest is not None:
        click.echo(one_line(f"Backed up to {dest} first."), err=True)
    for line in done or ["Nothing needed repair."]:
        click.echo(one_line(line))


@click.command()
@click.argument("board", type=BOARD)
def backup(board: Path) -> None:
    """Back the board up now into your data folder (the newest five are kept)."""
    with opened(board) as store:
        dest = store.take_backup()
    click.echo(one_line(f"Backed up to {dest}"), err=True)
    click.echo(one_line(str(dest)))


COMMANDS = (check, repair, backup)
