"""Edits on the command line that say which revision they started from (`--rev N`).

A script reads with `show --json` (every card and perspective carries its ``rev``) and
writes back with `--rev`: if a colleague changed the same field since, nothing is written
and the command ends with exit code 3, one sentence on stderr naming who changed what, and
both versions (with `--json`, as an object). Without `--rev`, an edit that replaces text a
colleague wrote says so on stderr, and where to find it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from formboard.cli import BOARD, cli, opened
from formboard.cli_group import CommandFailed
from formboard.core.errors import BoardConflict
from formboard.core.store import BoardStore
from formboard.core.text import json_safe, one_line, visible

CONFLICT_EXIT = 3
REV_HELP = "The revision you started from (`rev` in `show --json`): refuse if it changed."
JSON_HELP = "On a conflict, print both versions as a JSON object."
_TEXT_FIELDS = ("title", "body", "client_words", "text")


class ConflictFailed(CommandFailed):
    """Someone changed the same field since ``--rev``: nothing written, exit code 3."""

    exit_code = CONFLICT_EXIT


def conflict_failed(exc: BoardConflict, as_json: bool) -> ConflictFailed:
    """Print both versions (stdout) and return the one-sentence failure for stderr."""
    fields = [
        {"field": c.field, "mine": c.mine, "theirs": c.theirs, "base": c.base}
        for c in exc.conflicts
    ]
    if as_json:
        found = {
            "conflict": {
                "entity": exc.entity,
                "id": exc.entity_id,
                "changed_by": exc.theirs_by,
                "current_rev": exc.current_rev,
                "fields": fields,
            }
        }
        click.echo(json_safe(json.dumps(found, ensure_ascii=False)))
    else:
        for f in fields:
            click.echo(f"{f['field']}, yours: {_shown(f['mine'])}")
            click.echo(f"{f['field']}, theirs: {_shown(f['theirs'])}")
    names = ", ".join(c.field.replace("_", " ") for c in exc.conflicts)
    who = exc.theirs_by or "someone else"
    return ConflictFailed(
        f"{who} changed the {names} of this {exc.entity} after the revision you gave "
        f"(it is at {exc.current_rev} now); nothing was written. Both versions are above."
    )


def _shown(value: Any) -> str:
    return "(removed)" if value is None else one_line(visible(str(value)))


def warn_if_replacing(store: BoardStore, before: dict[str, Any], author: str, what: str) -> None:
    """Without --rev: say on stderr whose text an edit replaced, and where it is kept."""
    if not author or author == store.identity.login:
        return
    changed = [k for k, v in before.items() if k in _TEXT_FIELDS and v]
    if not changed:
        return
    names = ", ".join(k.replace("_", " ") for k in changed)
    click.echo(
        one_line(
            f"formboard: this replaced the {names} of the {what} last written by {author}; "
            f"their version is in `formboard log {store.path}`. Give --rev to be stopped "
            "instead when a colleague changed it."
        ),
        err=True,
    )


@cli.command(name="edit-perspective")
@click.argument("board", type=BOARD)
@click.argument("perspective")
@click.argument("text", required=False)
@click.option("--discipline", default=None, help="A new discipline for your perspective.")
@click.option("--rev", "rev", type=click.IntRange(min=1), default=None, help=REV_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
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
@click.option("--rev", "rev", type=click.IntRange(min=1), default=None, help=REV_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def remove_perspective(board: Path, perspective: str, rev: int | None, as_json: bool) -> None:
    """Remove one of your own perspectives (by its id); the op log keeps its text."""
    with opened(board) as store:
        try:
            store.remove_perspective(perspective, rev)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
    click.echo(f"Removed perspective {perspective}.")
