"""Perspective edits on the command line: change or remove one of your own, with `--rev`."""

from __future__ import annotations

from pathlib import Path

import click

from formboard.cli import BOARD, cli, opened
from formboard.cli_conflict import conflict_failed, rev_options
from formboard.core.errors import BoardConflict


@cli.command(name="edit-perspective")
@click.argument("board", type=BOARD)
@click.argument("perspective")
@click.argument("text", required=False)
@click.option("--discipline", default=None, help="A new discipline for your perspective.")
@rev_options
def edit_perspective(
    board: Path,
    perspective: str,
    text: str | None,
    discipline: str | None,
    rev: int | None,
    as_json: bool,
) -> None:
    """Change the text or discipline of one of your own perspectives (by its id)."""
    with opened(board) as store:
        try:
            store.edit_perspective(perspective, rev, text=text, discipline=discipline)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
    click.echo(f"Edited perspective {perspective}.")


@cli.command(name="remove-perspective")
@click.argument("board", type=BOARD)
@click.argument("perspective")
@rev_options
def remove_perspective(board: Path, perspective: str, rev: int | None, as_json: bool) -> None:
    """Remove one of your own perspectives (by its id); the op log keeps its text."""
    with opened(board) as store:
        try:
            store.remove_perspective(perspective, rev)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
    click.echo(f"Removed perspective {perspective}.")
