"""Commands that change a board: cards, their perspectives, and the links between them.

Each writes through the store (one op each); the ones that change something that exists
take ``--rev`` (conflict.py), so a script is stopped, not overwritten, by a colleague.
"""

from __future__ import annotations

from pathlib import Path

import click

from formboard.cli.common import BOARD, KINDS, choice, domain_value, opened, status_value
from formboard.cli.conflict import conflict_failed, last_writer, rev_options, warn_if_replacing
from formboard.core.drives import modes_hold
from formboard.core.errors import BoardConflict, InvalidInput, UnknownEntity
from formboard.core.files import private_mode
from formboard.core.store import column_of, create_store
from formboard.core.text import one_line


@click.command()
@click.argument("board", type=BOARD)
@click.option("--client", required=True, help="The client's pseudonymous code, such as C-0421.")
@click.option("--title", default="", help="An optional one-line title for the board.")
def new(board: Path, client: str, title: str) -> None:
    """Create a new, empty board for one client."""
    from formboard.core.store.interface import server_board_name

    named = server_board_name(board)
    if named is not None and named != client.strip():
        raise InvalidInput(
            f"The address names the board {named} but --client gives {client.strip()}; a board "
            "on a server is opened by the name in its address, so give the same code to both."
        )
    with create_store(board, client, title) as store:
        click.echo(one_line(f"Created a board for {store.board().client} at {store.location}."))
        folder = Path(store.location).parent
        if store.kind == "file" and private_mode(folder)[0] == 0o600 and modes_hold(folder):
            # Said on stderr: who can open it is worth knowing before colleagues try.
            click.echo(
                "Only you can open it: this folder is not a team (setgid group) folder. "
                "See 'Where a board lives' in the README to share boards with your team.",
                err=True,
            )


@click.command()
@click.argument("board", type=BOARD)
@click.argument("column")
@click.argument("title")
@click.option("--body", default="", help="Free text describing the card.")
@click.option("--words", default="", help="The client's own words, quoted verbatim.")
@click.option("--status", default="hypothesis", help="The status: hypothesis, agreed or retired.")
@click.option(
    "--domain", default=None, help="The domain: bio, psych, social, cultural or spiritual."
)
@click.option("--top", is_flag=True, help="Put the card at the top of its column.")
def add(
    board: Path, column: str, title: str, body: str, words: str, status: str,
    domain: str | None, top: bool,
) -> None:  # fmt: skip
    """Add a card to a column and print its id."""
    col = column_of(column)
    with opened(board) as store:
        card = store.add_card(
            col, title, body=body, client_words=words, top=top,
            status=status_value(status) or "hypothesis", domain=domain_value(domain) or None,
        )  # fmt: skip
    click.echo(card.id)


@click.command()
@click.argument("board", type=BOARD)
@click.argument("card")
@click.option("--title", default=None, help="A new one-line title.")
@click.option("--body", default=None, help="New free text for the card.")
@click.option("--words", default=None, help="The client's own words, quoted verbatim.")
@click.option("--status", default=None, help="The status: hypothesis, agreed or retired.")
@click.option(
    "--domain",
    default=None,
    help="The domain: bio, psych, social, cultural, spiritual, or none to clear it.",
)
@rev_options
def edit(
    board: Path, card: str, title: str | None, body: str | None, words: str | None,
    status: str | None, domain: str | None, rev: int | None, as_json: bool,
) -> None:  # fmt: skip
    """Change fields of a card.

    Give any of the title, body, client's words, status and domain; others stay as they are.
    With --rev, a colleague's change of the same field since then stops the edit (exit
    code 3, both versions shown); fields they changed that you did not are kept.
    """
    given = {
        "title": title, "body": body, "client_words": words,
        "status": status_value(status), "domain": domain_value(domain),
    }  # fmt: skip
    # Only fields given on the command line: an absent --domain must not clear the domain.
    fields = {k: v for k, v in given.items() if v is not None}
    if not fields:
        raise InvalidInput(
            "Nothing to change: give --title, --body, --words, --status or --domain."
        )
    with opened(board) as store:
        if rev is None:  # a blind edit: say afterwards whose text it replaced
            now = store.card(card)
            before = {k: getattr(now, k) for k, v in fields.items() if getattr(now, k) != v}
            last = last_writer(store, now)
        try:
            changed = store.edit_card(card, base_rev=rev, **fields)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
        if rev is None:
            warn_if_replacing(store, before, last, "card")
    click.echo(f"Edited card {changed.id}.")


@click.command()
@click.argument("board", type=BOARD)
@click.argument("card")
@click.argument("column")
@click.option("--top", is_flag=True, help="Put the card at the top of the column.")
@click.option("--bottom", is_flag=True, help="Put the card at the bottom of the column (default).")
@click.option("--before", "before", metavar="CARD", help="Put the card just before this card.")
@rev_options
def move(
    board: Path, card: str, column: str, top: bool, bottom: bool, before: str | None,
    rev: int | None, as_json: bool,
) -> None:  # fmt: skip
    """Move a card to a column.

    The card goes to the bottom of the column, or its top, or just before another card.
    With --rev, a colleague's move of the card since then stops this one (exit code 3).
    """
    if top + bottom + (before is not None) > 1:
        raise click.UsageError("Give only one of --top, --bottom and --before.")
    col = column_of(column)
    with opened(board) as store:
        try:
            moved = store.move_card(card, col, before=before, top=top, base_rev=rev)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
    click.echo(f"Moved card {moved.id} to {moved.column.label}.")


@click.command()
@click.argument("board", type=BOARD)
@click.argument("card")
@rev_options
def archive(board: Path, card: str, rev: int | None, as_json: bool) -> None:
    """Archive a card; nothing is deleted.

    The card leaves the board view and `formboard restore` brings it back. With --rev, a
    colleague's archive or restore of the card since then stops this one (exit code 3).
    """
    _set_archived(board, card, True, rev, as_json)


@click.command()
@click.argument("board", type=BOARD)
@click.argument("card")
@rev_options
def restore(board: Path, card: str, rev: int | None, as_json: bool) -> None:
    """Bring an archived card back.

    It returns to where it was: its column, and its place among the cards there. --rev
    works as for `archive`.
    """
    _set_archived(board, card, False, rev, as_json)


def _set_archived(board: Path, card: str, archived: bool, rev: int | None, as_json: bool) -> None:
    with opened(board) as store:
        now = store.card(card)
        if now.archived == archived and (rev is None or rev == now.rev):
            state = "was already archived" if archived else "is not archived"
            click.echo(f"Card {now.id} {state}; nothing changed.")
            return
        try:
            if archived:
                done = store.archive_card(now.id, base_rev=rev)
            else:
                done = store.restore_card(now.id, base_rev=rev)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
    if archived:
        click.echo(f"Archived card {done.id}; `formboard restore` brings it back.")
    else:
        click.echo(f"Restored card {done.id} to {done.column.label}.")


@click.command()
@click.argument("board", type=BOARD)
@click.argument("card")
@click.argument("text")
@click.option(
    "--discipline",
    default=None,
    help="Your discipline, such as psychiatry; defaults to FORMBOARD_DISCIPLINE or settings.",
)
def perspective(board: Path, card: str, text: str, discipline: str | None) -> None:
    """Add your reading of a card and print its id.

    It is kept under your discipline, beside colleagues' readings, never merged.
    """
    with opened(board) as store:
        added = store.add_perspective(card, text, discipline)
    click.echo(added.id)


@click.command(name="edit-perspective")
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


@click.command(name="remove-perspective")
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


@click.command()
@click.argument("board", type=BOARD)
@click.argument("from_card", metavar="FROM")
@click.argument("to_card", metavar="TO")
@click.option(
    "--kind",
    required=True,
    help="The kind: triggers, maintains, protects-against, predisposes, gives-meaning-to or relates-to.",
)
@click.option("--note", default="", help="An optional note on the link.")
def link(board: Path, from_card: str, to_card: str, kind: str, note: str) -> None:
    """Link two cards and print the link's id.

    The link reads FROM triggers (maintains, ...) TO; cycles are allowed.
    """
    kind_value = choice(kind.replace("_", "-"), KINDS, "link kind")
    with opened(board) as store:
        added = store.add_link(from_card, to_card, kind_value, note)
    click.echo(added.id)


@click.command()
@click.argument("board", type=BOARD)
@click.argument("link_id")
def unlink(board: Path, link_id: str) -> None:
    """Remove a link, given its id or a unique prefix."""
    with opened(board) as store:
        wanted = link_id.strip().lower()
        found = [lk.id for lk in store.board().links if lk.id.startswith(wanted)] if wanted else []
        if wanted in found:
            found = [wanted]
        if not found:
            raise UnknownEntity(f"There is no link with the id {link_id!r} on this board.")
        if len(found) > 1:
            raise InvalidInput(
                f"The id {link_id!r} matches more than one link; give more characters."
            )
        store.remove_link(found[0])
    click.echo(f"Removed link {found[0]}.")


@click.command()
@click.argument("board", type=BOARD)
def undo(board: Path) -> None:
    """Undo your latest change on the board that is not undone yet.

    It is written as a new change (the log keeps both). An undo that would overwrite a
    colleague's later change to the same field is refused, naming them.
    """
    with opened(board) as store:
        done = store.undo()
    click.echo(one_line(f"Undone: you {done.said}."))


@click.command()
@click.argument("board", type=BOARD)
def redo(board: Path) -> None:
    """Redo your latest undo, if you made no new change since."""
    with opened(board) as store:
        done = store.redo()
    click.echo(one_line(f"Redone: you {done.said}."))


COMMANDS = (
    new, add, edit, move, archive, restore,
    perspective, edit_perspective, remove_perspective, link, unlink, undo, redo,
)  # fmt: skip
