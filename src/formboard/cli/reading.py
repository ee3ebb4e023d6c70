"""Commands that read a board: show, log, export, and import (a board from an export)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import click

from formboard.cli.common import BOARD, opened
from formboard.core.errors import InvalidInput
from formboard.core.facts import count
from formboard.core.files import private_mode, write_atomically
from formboard.core.model import Board
from formboard.core.text import json_safe, one_line


@click.command()
@click.argument("board", type=BOARD)
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON (a stable format).")
@click.option("--plain", is_flag=True, help="Print a linear text for screen readers.")
def show(board: Path, as_json: bool, plain: bool) -> None:
    """Print the board: columns, cards and links."""
    from formboard.cli.render import render_board, render_plain
    from formboard.core.export import board_to_json

    if as_json and plain:
        raise click.UsageError("Give --json or --plain, not both.")
    with opened(board) as store:
        content = store.board()
    if as_json:
        _say_stand_ins(content)
        click.echo(board_to_json(content), nl=False)
    else:
        click.echo(render_plain(content) if plain else render_board(content))


@click.command()
@click.argument("board", type=BOARD)
@click.option("--json", "as_json", is_flag=True, help="Print the ops as a JSON list.")
@click.option(
    "--since", type=click.IntRange(min=0), default=0, metavar="SEQ",
    help="Show only ops after this sequence number.",
)  # fmt: skip
def log(board: Path, as_json: bool, since: int) -> None:
    """Print the op log: who changed what, and when."""
    from formboard.cli.render import render_log

    with opened(board) as store:
        ops = store.ops(since_seq=since)
    if as_json:
        ops_json = json.dumps([op.model_dump(mode="json") for op in ops], ensure_ascii=False)
        click.echo(json_safe(ops_json))
    else:
        click.echo(render_log(ops))


@click.command()
@click.argument("board", type=BOARD)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "markdown"], case_sensitive=False),
    default="json", show_default=True, help="The format to write.",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="Write to this file (owner-only) instead of printing.",
)  # fmt: skip
def export(board: Path, fmt: str, output: Path | None) -> None:
    """Export the board as JSON or markdown.

    JSON keeps everything and can be imported; markdown is for reading.
    """
    from formboard.core.export import board_to_json, board_to_markdown

    if output is not None:
        _check_export_target(output.expanduser(), board.expanduser())
    with opened(board) as store:
        content = store.board()
    _say_stand_ins(content)
    text = board_to_json(content) if fmt.lower() == "json" else board_to_markdown(content)
    if output is None:
        click.echo(text, nl=False)
        return
    output = output.expanduser()
    if not output.parent.is_dir():
        raise InvalidInput(f"The folder {output.parent} does not exist; create it first.")
    write_atomically(output, text.encode("utf-8"), private_mode(output.parent)[0])
    click.echo(one_line(f"Exported {count(len(content.cards), 'card')} to {output}."))


def _say_stand_ins(board: Board) -> None:
    """On stderr: values another program wrote are in the output as stand-ins, or left out."""
    odd = sum(1 for c in board.cards if c.problems) + sum(1 for lk in board.links if lk.problems)
    if odd or board.problems:
        click.echo(
            "formboard: some values on this board were written outside formboard: cards "
            "and links show a stand-in formboard knows, and perspectives or links whose "
            "card is gone are left out. `formboard check` names each one and its fix.",
            err=True,
        )


def _check_export_target(output: Path, board: Path) -> None:
    """An export may make a new file or replace a regular one, never a board's own files.

    It replaces by rename, which would swap out a device, a FIFO or a link as well, and
    the board's sidecar, journal, lock or presence.
    """
    target, own = output.absolute(), board.absolute()
    if target == own or (target.exists() and own.exists() and target.samefile(own)):
        raise InvalidInput("The export would replace the board itself; choose another file.")
    beside = (own.name + "-journal", own.name + ".")  # its sidecar, journal, lock, presence
    if target.parent == own.parent and target.name.startswith(beside):
        raise InvalidInput("The export would replace one of the board's own files; choose another.")
    if os.path.lexists(target) and not stat.S_ISREG(os.lstat(target).st_mode):
        raise InvalidInput(
            f"{target} is not a regular file (a folder, link, device or pipe); an export "
            "only makes a new file or replaces one."
        )


@click.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("board", type=BOARD)
def import_(file: Path, board: Path) -> None:
    """Create a new board from a JSON export file."""
    from formboard.core.importing import import_board

    with import_board(file, board) as store:
        content = store.board()
    cards, links = len(content.cards), len(content.links)
    click.echo(
        one_line(f"Imported {count(cards, 'card')} and {count(links, 'link')} into {store.path}.")
    )


COMMANDS = (show, log, export, import_)
