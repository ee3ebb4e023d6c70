"""The `formboard` command: every board operation from a shell, for people and scripts.

Rules every command keeps: a problem a person can cause ends in one sentence on stderr
(``formboard: ...``) and exit code 1, or 2 for a mistyped command line; never a
traceback, and never client text in an error. Ctrl-C exits 130 quietly. Card ids may be
given as a unique prefix. The terminal app (`formboard open BOARD`, `formboard BOARD`)
is added to the same group by the TUI package.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from formboard import __version__
from formboard.cli_conflict import conflict_failed, rev_options, warn_if_replacing
from formboard.cli_group import FormboardGroup
from formboard.core.errors import BoardConflict, InvalidInput, UnknownEntity
from formboard.core.identity import config_problem
from formboard.core.lock import LeaseInfo, private_mode, write_atomically
from formboard.core.model import Board, Domain, LinkKind, Status
from formboard.core.store import BoardStore, column_of
from formboard.core.text import json_safe, one_line
from formboard.startup import resume_collector

# readable=False: a board we may not read is the store's one sentence (exit 1), not click's
# usage error (exit 2).
BOARD = click.Path(path_type=Path, dir_okay=True, readable=False)
CONTEXT = {"help_option_names": ["-h", "--help"]}
APP_COMMANDS = (None, "open", "demo")  # the ones that start the terminal app


@click.group(cls=FormboardGroup, context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(
    __version__, "--version", prog_name="formboard", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Build a client's formulation with your team, on a shared board file.

    A board has five columns: symptoms, sources, qualities, resources and relationships.
    Card ids may be given as any unique prefix. `formboard BOARD` opens a board in the
    terminal app; `formboard` alone lists the boards in this folder.
    """
    if ctx.invoked_subcommand not in APP_COMMANDS:
        resume_collector()  # the app resumes it after its first frame (startup.py)
        broken = config_problem()  # the app says it in a notice
        if broken:
            click.echo(f"formboard: {one_line(broken)}", err=True)
    if ctx.invoked_subcommand is None:
        from formboard.cli_app import choose_and_run

        choose_and_run(Path.cwd(), None)


def main() -> None:
    """The console-script entry point."""
    cli.main(prog_name="formboard")


@contextlib.contextmanager
def opened(path: Path) -> Iterator[BoardStore]:
    """An open store for one command, closed afterwards whatever happens."""
    store = BoardStore.open(path, on_lock_wait=_waiting_notice(), on_busy=_busy_notice())
    try:
        yield store
    finally:
        store.close()


def _waiting_notice() -> Callable[[LeaseInfo | None, float], None] | None:
    """At a terminal, say once whose lock a write is waiting for (it may wait 15 s)."""
    if not sys.stderr.isatty():
        return None  # scripts get only the outcome: one line, on failure
    said: list[bool] = []

    def notice(holder: LeaseInfo | None, waited: float) -> None:
        if not said and waited >= 1.0:
            said.append(True)
            who = holder.who() if holder else "someone else"
            click.echo(f"Waiting for the lock held by {who}…", err=True)

    return notice


def _busy_notice() -> Callable[[float], None] | None:
    """At a terminal, say once that the board is busy and the command tries again."""
    if not sys.stderr.isatty():
        return None
    said: list[bool] = []

    def notice(waited: float) -> None:
        if not said and waited >= 0.3:
            said.append(True)
            click.echo(
                "The board is busy (a colleague's change is being saved); trying again…", err=True
            )

    return notice


def _choice(value: str, options: dict[str, str], what: str) -> str:
    """The canonical value for a case-insensitive ``value``; InvalidInput listing the choices."""
    key = " ".join(value.strip().lower().split())
    if key in options:
        return options[key]
    names = ", ".join(dict.fromkeys(options.values()))
    raise InvalidInput(f"Unknown {what} {value!r}; use one of: {names}.")


STATUSES = {s.value: s.value for s in Status} | {s.label: s.value for s in Status}
DOMAINS = {d.value: d.value for d in Domain}
KINDS = {k.value: k.value for k in LinkKind} | {k.phrase: k.value for k in LinkKind}


def _status(value: str | None) -> str | None:
    return None if value is None else _choice(value, STATUSES, "status")


def _domain(value: str | None) -> str | None:
    if value is None:
        return None
    if value.strip().lower() in ("", "none"):
        return ""  # clears the domain in an edit
    return _choice(value, DOMAINS, "domain")


# ----------------------------------------------------------------- writing


@cli.command()
@click.argument("board", type=BOARD)
@click.option("--client", required=True, help="The client's pseudonymous code, such as C-0421.")
@click.option("--title", default="", help="An optional one-line title for the board.")
def new(board: Path, client: str, title: str) -> None:
    """Create a new, empty board for one client."""
    with BoardStore.create(board, client, title) as store:
        click.echo(one_line(f"Created a board for {store.board().client} at {store.path}."))
        if private_mode(store.path.parent)[0] == 0o600:
            # Said on stderr: who can open it is worth knowing before colleagues try.
            click.echo(
                "Only you can open it: this folder is not a team (setgid group) folder. "
                "See 'Where a board lives' in the README to share boards with your team.",
                err=True,
            )


@cli.command()
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
    fields = {"status": _status(status), "domain": _domain(domain) or None}
    with opened(board) as store:
        card = store.add_card(col, title, body=body, client_words=words, top=top, **fields)
    click.echo(card.id)


@cli.command()
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
        "status": _status(status), "domain": _domain(domain),
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
        try:
            changed = store.edit_card(card, base_rev=rev, **fields)
        except BoardConflict as exc:
            raise conflict_failed(exc, as_json) from None
        if rev is None:
            warn_if_replacing(store, before, now.updated_by, "card")
    click.echo(f"Edited card {changed.id}.")


@cli.command()
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


@cli.command()
@click.argument("board", type=BOARD)
@click.argument("card")
@rev_options
def archive(board: Path, card: str, rev: int | None, as_json: bool) -> None:
    """Archive a card; nothing is deleted.

    The card leaves the board view and `formboard restore` brings it back. With --rev, a
    colleague's archive or restore of the card since then stops this one (exit code 3).
    """
    _set_archived(board, card, True, rev, as_json)


@cli.command()
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


@cli.command()
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


@cli.command()
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
    kind_value = _choice(kind.replace("_", "-"), KINDS, "link kind")
    with opened(board) as store:
        added = store.add_link(from_card, to_card, kind_value, note)
    click.echo(added.id)


@cli.command()
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


# ----------------------------------------------------------------- reading


@cli.command()
@click.argument("board", type=BOARD)
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON (a stable format).")
@click.option("--plain", is_flag=True, help="Print a linear text for screen readers.")
def show(board: Path, as_json: bool, plain: bool) -> None:
    """Print the board: columns, cards and links."""
    from formboard.cli_show import render_board, render_plain
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


@cli.command()
@click.argument("board", type=BOARD)
@click.option("--json", "as_json", is_flag=True, help="Print the ops as a JSON list.")
@click.option(
    "--since", type=click.IntRange(min=0), default=0, metavar="SEQ",
    help="Show only ops after this sequence number.",
)  # fmt: skip
def log(board: Path, as_json: bool, since: int) -> None:
    """Print the op log: who changed what, and when."""
    from formboard.cli_show import render_log

    with opened(board) as store:
        ops = store.ops(since_seq=since)
    if as_json:
        ops_json = json.dumps([op.model_dump(mode="json") for op in ops], ensure_ascii=False)
        click.echo(json_safe(ops_json))
    else:
        click.echo(render_log(ops))


@cli.command()
@click.argument("board", type=BOARD)
@click.pass_context
def check(ctx: click.Context, board: Path) -> None:
    """Check the health of a board file.

    One line each for SQLite integrity, the schema version, the write lease and the
    sidecar; the exit code is 1 if any check fails.
    """
    from formboard.cli_check import check_board

    found = check_board(board)
    for item in found:
        click.echo(one_line(item.line()))
    if not all(item.ok for item in found):
        ctx.exit(1)


@cli.command()
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
    from formboard.cli_show import count
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


@cli.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("board", type=BOARD)
def import_(file: Path, board: Path) -> None:
    """Create a new board from a JSON export file."""
    from formboard.cli_show import count
    from formboard.core.importing import import_board

    with import_board(file, board) as store:
        content = store.board()
    cards, links = len(content.cards), len(content.links)
    click.echo(
        one_line(f"Imported {count(cards, 'card')} and {count(links, 'link')} into {store.path}.")
    )


@cli.command()
@click.argument("board", type=BOARD)
def backup(board: Path) -> None:
    """Back the board up now into your data folder (the newest five are kept)."""
    from formboard.core.backup import take_backup

    with opened(board) as store:
        dest = take_backup(store)
    click.echo(one_line(f"Backed up to {dest}"), err=True)
    click.echo(one_line(str(dest)))


# The commands that start the terminal app (open, demo) join the same group, and so do
# the perspective edits and `repair`.
from formboard import cli_app, cli_check, cli_revisions  # noqa: E402, F401
