"""`formboard grant`: who may open a board on a server (a team is a database role).

A board on a server opens only for its owner and the roles it is granted to; a member of
another team is told to ask for this command. Boards in files are shared through their
folder's group instead.
"""

from __future__ import annotations

from pathlib import Path

import click

from formboard.cli.common import BOARD
from formboard.core.text import one_line, visible


@click.command()
@click.argument("board", type=BOARD)
@click.argument("role")
def grant(board: Path | str, role: str) -> None:
    """Let a team (a database role, or one person's) open a board on a server.

    Its members may read the board and add to it; the op log they may only append to. Only
    the board's owner (whoever made it) may grant it.
    """
    from formboard.core.store.interface import grant_board

    where = grant_board(board, role)
    click.echo(one_line(f"{visible(role)} may now open the board at {where}."))


COMMANDS: tuple[click.Command, ...] = (grant,)
