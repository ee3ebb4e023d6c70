"""How a command-line write says which revision it started from (`--rev N`), and its conflicts.

A script reads with `show --json` (every card and perspective carries its ``rev``) and
writes back with `--rev`: if a colleague changed the same field since, nothing is written
and the command ends with exit code 3, one sentence on stderr naming who changed what, and
both versions (with `--json`, as an object). Without `--rev`, an edit that replaces text a
colleague wrote says so on stderr, and where to find it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from formboard.cli.group import CommandFailed
from formboard.core.errors import BoardConflict
from formboard.core.model import Card, Op
from formboard.core.store import Store
from formboard.core.text import json_safe, one_line, visible

CONFLICT_EXIT = 3
REV_HELP = (
    "The revision you started from (`rev` in `show --json`): if a colleague changed the "
    "same thing since, nothing is written and the exit code is 3."
)
JSON_HELP = "On a conflict, print both versions as a JSON object."
_TEXT_FIELDS = ("title", "body", "client_words", "text")
_FIELD_WORDS = {"client_words": "client's words", "archived": "archive state", "position": "place"}


def rev_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--rev N`` and ``--json`` for a command that changes an existing thing."""
    command = click.option("--json", "as_json", is_flag=True, help=JSON_HELP)(command)
    return click.option("--rev", "rev", type=click.IntRange(min=1), default=None, help=REV_HELP)(
        command
    )


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
            name = _FIELD_WORDS.get(f["field"], f["field"])
            click.echo(f"{name}, yours: {_shown(f['mine'])}")
            click.echo(f"{name}, theirs: {_shown(f['theirs'])}")
    who = exc.theirs_by or "someone else"
    if not exc.conflicts:  # a retry's record, garbled since by another program: no fields
        return ConflictFailed(
            f"{who} changed this {exc.entity} after the revision you gave: the {exc.entity} "
            "was not changed (`formboard check` names the record another program changed)."
        )
    names = _and([_FIELD_WORDS.get(c.field, c.field) for c in exc.conflicts])
    # The store keeps a refused version in the op log (``writes.conflict_record``).
    kept = any(c.mine is not None for c in exc.conflicts)
    outcome = (
        f"the {exc.entity} was not changed, and your version is kept in the log as a conflict"
        if kept
        else f"the {exc.entity} was not changed"
    )
    return ConflictFailed(
        f"{who} changed the {names} of this {exc.entity} after the revision you gave "
        f"(it is at {exc.current_rev} now): {outcome}. Both versions are above."
    )


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _shown(value: Any) -> str:
    return "(removed)" if value is None else one_line(visible(str(value)))


def last_writer(store: Store, card: Card) -> Op | None:
    """The change that last wrote ``card``: its row keeps only a login, which colleagues at
    one login share; the op log keeps who it was."""
    page = store.ops_page(limit=50, card_id=card.id)
    return next((op for op in page if op.entity == "card" and op.entity_id == card.id), None)


def warn_if_replacing(store: Store, before: dict[str, Any], last: Op | None, what: str) -> None:
    """Without --rev: say on stderr whose text an edit replaced, and where it is kept."""
    if last is None or last.person == store.identity.person:
        return
    from formboard.core.history import said_by  # only when a change is being replaced

    author = said_by(last)
    changed = [k for k, v in before.items() if k in _TEXT_FIELDS and v]
    if not changed:
        return
    names = _and([_FIELD_WORDS.get(k, k) for k in changed])
    click.echo(
        one_line(
            f"formboard: this replaced the {names} of the {what} last written by {author}; "
            f"their version is in `formboard log {store.location}`. Give --rev to be stopped "
            "instead when a colleague changed it."
        ),
        err=True,
    )
