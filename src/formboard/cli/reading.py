"""Commands that read a board: show, log, export, and import (a board from an export)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from formboard.cli.common import BOARD, check_output_target, opened, output_option, write_output
from formboard.core.errors import InvalidInput
from formboard.core.facts import count, cycle_line
from formboard.core.model import Board
from formboard.core.text import json_safe, one_line


@click.command()
@click.argument("board", type=BOARD)
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON (a stable format).")
@click.option("--plain", is_flag=True, help="Print a linear text for screen readers.")
@click.option(
    "--archived", is_flag=True,
    help="Then list the archived cards: id, title, who archived each and when.",
)  # fmt: skip
def show(board: Path, as_json: bool, plain: bool, archived: bool) -> None:
    """Print the board: columns, cards and links.

    With --archived, the archived cards follow, each with the id `formboard restore` takes.
    """
    from formboard.cli.render import render_archived, render_board, render_plain
    from formboard.core.export import board_to_dict
    from formboard.core.history import last_changed

    if as_json and (plain or archived):
        raise click.UsageError("--json has every card already; give it alone.")
    with opened(board) as store:
        content = store.board()
        ops = store.ops() if archived else []
        newest = store.ops_page(limit=1) if not as_json else []
    titles = {c.id: c.title for c in content.cards}
    found = []
    if as_json or plain:  # the board's own view draws no cycles: no networkx for it
        from formboard.core.graph import cycle_json, cycles

        found = cycles(content)
    if as_json:
        _say_stand_ins(content)
        exported = board_to_dict(content)
        exported["cycles"] = [cycle_json(c, titles) for c in found]
        click.echo(json_safe(json.dumps(exported, ensure_ascii=False, indent=2)) + "\n", nl=False)
        return
    changed = last_changed(newest[0] if newest else None)  # when and by whom, no revision
    click.echo(render_plain(content, changed) if plain else render_board(content, changed))
    if plain and found:
        click.echo(f"\nMaintaining cycles ({count(len(found), 'cycle')})")
        for cycle in found:
            click.echo(cycle_line(cycle, titles) + ".")
    if archived:
        click.echo("\n" + render_archived(content, ops))


def _since(value: str | None) -> tuple[str, Any] | None:
    """--since as a revision or a moment; a value that is neither is a usage error."""
    from formboard.core.history import since_filter

    try:
        return since_filter(value) if value is not None else None
    except InvalidInput as exc:
        raise click.BadParameter(str(exc).removeprefix("--since ")) from None


@click.command()
@click.argument("board", type=BOARD)
@click.option("--json", "as_json", is_flag=True, help="Print the ops as a JSON list.")
@click.option(
    "--since", default=None, metavar="WHEN", callback=lambda _c, _p, v: _since(v),
    help="Only changes after a revision (12), a date (2026-11-01), a date and time "
    "(2026-11-01 14:00, your local time) or last-meeting (since the last meeting ended).",
)  # fmt: skip
def log(board: Path, as_json: bool, since: tuple[str, Any] | None) -> None:
    """Print the op log: who changed what, and when, in sentences.

    Cards are named by their titles; a change shows the value before and after.
    """
    from formboard.cli.render import render_log
    from formboard.core.history import known_titles, ops_since, resolve_since, sentence, told

    with opened(board) as store:
        every = store.ops()
        content = store.board()
    since = resolve_since(since, content.meetings)
    titles = known_titles(every, {c.id: c.title for c in content.cards})
    ops = ops_since(every, since)
    if as_json:
        # An undo's changes are in its sentence, and still listed each with its own.
        said = {op.seq: text for op, text in told(ops, titles)}
        listed = [
            {
                **op.model_dump(mode="json"),
                **({"role": op.role} if op.role else {}),  # on a server: who the server says
                "sentence": said.get(op.seq) or sentence(op, titles),
            }
            for op in ops
        ]
        click.echo(json_safe(json.dumps(listed, ensure_ascii=False)))
    else:
        click.echo(render_log(ops, titles))


@click.command()
@click.argument("board", type=BOARD)
@click.option(
    "--format", "fmt",
    type=click.Choice(["json", "markdown", "html", "mermaid", "dot"], case_sensitive=False),
    default="json", show_default=True,
    help="json (everything, can be imported), markdown (to read), html (one printable "
    "page with a diagram, for the record), or the links as a diagram: mermaid or dot "
    "(Graphviz).",
)  # fmt: skip
@output_option
def export(board: Path, fmt: str, output: Path | None) -> None:
    """Export the board as JSON, markdown, HTML, or its links as a Mermaid or DOT diagram.

    JSON keeps everything and can be imported; markdown is for reading; html is one
    self-contained printable page for the record (cards, links and maintaining cycles in
    sentences, and the links drawn); mermaid and dot draw the cards by column and the
    links between them, labelled with their kind.
    """
    from formboard.core.records import render  # each writer imported only when used

    if output is not None:
        check_output_target(output.expanduser(), board)
    with opened(board) as store:
        content = store.board()
        newest = store.ops_page(limit=1)
    _say_stand_ins(content)
    text = render(content, fmt.lower(), newest[0] if newest else None)
    if output is None:
        click.echo(text, nl=False)
        return
    write_output(output.expanduser(), text)
    cards = count(len(content.cards), "card")
    archived = sum(1 for c in content.cards if c.archived)
    if archived and fmt.lower() in ("html", "mermaid", "dot"):  # these leave them out
        cards = f"{count(len(content.cards) - archived, 'card')} ({archived} archived left out)"
    click.echo(one_line(f"Exported {cards} to {output}."))


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
        one_line(
            f"Imported {count(cards, 'card')} and {count(links, 'link')} into {store.location}."
        )
    )


COMMANDS: tuple[click.Command, ...] = (show, log, export, import_)


@click.command()
@click.argument("source", type=BOARD)
@click.argument("dest", type=BOARD)
def copy(source: Path | str, dest: Path | str) -> None:
    """Copy a board, with its op log, meetings and members, to a new board elsewhere.

    From a file to a server (postgresql://…?board=C-0421) and back, or file to file. The
    copy is read back and compared with the board (its export, op log and meetings)
    before this says it is done; one that differs is removed again.
    """
    from formboard.core.store.copying import copy_board

    with copy_board(source, dest) as made:
        board = made.board()
        ops = len(made.ops())
        _, whole, history = made.history_checks(made.location)[0]
    click.echo(
        one_line(
            f"Copied {count(len(board.cards), 'card')}, {count(len(board.links), 'link')} and "
            f"{count(ops, 'op')} of history to {made.location}; it reads back the same."
        )
    )
    if not whole:  # carried as it is: the copy's `check` says the same
        click.echo(one_line(f"formboard: in the board and its copy, {history}."), err=True)


COMMANDS = (*COMMANDS, copy)
