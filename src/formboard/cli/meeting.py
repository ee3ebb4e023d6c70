"""Meetings from a shell: start, end and list them, and write a meeting's note for the record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from formboard.cli.common import BOARD, check_output_target, opened, output_option, write_output
from formboard.core.errors import InvalidInput
from formboard.core.text import one_line


@click.group()
def meeting() -> None:
    """Start, end or list the board's case meetings."""


@meeting.command()
@click.argument("board", type=BOARD)
@click.option("--title", default="", help="What the meeting is, e.g. 'Weekly review'.")
def start(board: Path, title: str) -> None:
    """Start a meeting that you facilitate.

    Everyone with the board open sees it and is offered to follow you.
    """
    with opened(board) as store:
        number = store.start_meeting(title)
    click.echo(f"Started meeting {number}. End it with: formboard meeting end {board}")


@meeting.command()
@click.argument("board", type=BOARD)
def end(board: Path) -> None:
    """End the running meeting.

    Its facilitator ends it; anyone may once the facilitator no longer has the board open
    (their app closed or crashed), and the record says who did.
    """
    from formboard.core.meetings import running

    with opened(board) as store:
        now = running(store.meetings())
        if now is None:
            raise InvalidInput("No meeting is running on this board.")
        facilitator = now.facilitator_person  # a colleague at my login is not me
        mine = facilitator == store.identity.person
        gone = not mine and not any(e.person == facilitator for e in store.presence().others())
        number = store.end_meeting(facilitator_gone=gone)
    said = f"Ended meeting {number}"
    if gone:
        said += f" (its facilitator, {now.facilitator_said}, no longer has the board open)"
    click.echo(one_line(f"{said}. Its note: formboard note {board} --meeting {number}"))


@meeting.command(name="list")
@click.argument("board", type=BOARD)
def list_(board: Path) -> None:
    """List the board's meetings: number, when, who facilitated, who came."""
    from formboard.cli.render import render_meetings

    with opened(board) as store:
        meetings = store.meetings()
    click.echo(render_meetings(meetings))


@click.command()
@click.argument("board", type=BOARD)
@click.option("--meeting", "number", type=int, default=None, help="The meeting's number "
              "(`formboard meeting list`); the latest meeting if neither this nor --since.")  # fmt: skip
@click.option(
    "--since", default=None, metavar="WHEN",
    help="Instead of a meeting: every change after a revision, a date, a date and time, "
    "or last-meeting.",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "html"], case_sensitive=False),
    default="markdown", show_default=True, help="Markdown (reads as plain text) or HTML.",
)  # fmt: skip
@output_option
def note(board: Path, number: int | None, since: str | None, fmt: str, output: Path | None) -> None:
    """Write the note of a meeting for the clinical record.

    Client code and board title, date and time, who came, then every change in plain
    sentences grouped by part, and the client's own words recorded. No ids.
    """
    from formboard.core import note as notes
    from formboard.core.history import ops_since, resolve_since, since_filter

    if number is not None and since is not None:
        raise click.UsageError("Give --meeting or --since, not both.")
    if output is not None:
        check_output_target(output.expanduser(), board)
    chosen: Any = None
    with opened(board) as store:
        content = store.board()
        meetings = content.meetings
        if since is not None:
            span = resolve_since(since_filter(since), meetings)
            if span[0] == "revision":
                ops = store.ops_between(span[1])  # by the index, not the whole log
            else:
                ops = ops_since(store.ops(), span)
        else:
            if not meetings:
                raise InvalidInput("No meeting has been held on this board; --since gives a span.")
            chosen = meetings[-1] if number is None else next(
                (m for m in meetings if m.number == number), None
            )  # fmt: skip
            if chosen is None:
                raise InvalidInput(
                    f"There is no meeting {number} on this board "
                    f"(it has 1 to {meetings[-1].number})."
                )
            ops = store.ops_between(chosen.started_rev, chosen.ended_rev)
    built = notes.build(content, chosen, ops)
    text = notes.html_page(built) if fmt.lower() == "html" else notes.markdown(built)
    if output is None:
        click.echo(text, nl=False)
        return
    write_output(output.expanduser(), text)
    click.echo(one_line(notes.written(built, output)))


COMMANDS = (meeting, note)
