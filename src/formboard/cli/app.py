"""The commands that start the terminal app: open, demo, and choosing a board from a folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formboard.cli.common import BOARD
from formboard.cli.group import CommandFailed
from formboard.core.errors import BoardExists
from formboard.core.files import make_private_folders
from formboard.core.settings import data_dir
from formboard.shipped import sample_boards

THEME_HELP = "The colour theme, e.g. formboard-light; remembered for next time."
WATCH_HELP = (
    "How to notice colleagues' edits: events (local disk), poll (network drive) or auto "
    "(chosen from the file system; also FORMBOARD_WATCH or `watch` in the config)."
)
watch_option = click.option(
    "--watch", type=click.Choice(["auto", "events", "poll"], case_sensitive=False), default=None,
    help=WATCH_HELP,
)  # fmt: skip


def require_terminal() -> None:
    """The app draws on a terminal and reads keys from it; say so if there is none.

    Without this, Textual started with input from /dev/null or a pipe spins a core.
    """
    from formboard.core.identity import served_tab

    if not served_tab() and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandFailed(
            "The board opens only in a terminal (standard input and output are not one "
            "here); to print it instead, use `formboard show BOARD`."
        )


def run_board(
    path: Path | str,
    theme: str | None,
    watch: str | None = None,
    *,
    from_folder: Path | None = None,
    follow_login: str | None = None,
) -> object:
    """Open the app on one board (the board is checked first, so errors are sentences).

    ``follow_login``: the colleague to follow there, as a ``Person.token`` (a login alone
    could be anyone at a shared one). Returns what the app ended with: ``("list",)`` to go
    back to the folder's boards, ``("open", board, person)`` to go on to a colleague's next
    board, or None to stop.
    """
    from formboard.tui.app import FormboardApp

    app = FormboardApp(path, theme=theme, watch=watch, from_folder=from_folder,
                       follow_login=follow_login)  # fmt: skip
    app.open_board()
    try:
        require_terminal()
    except CommandFailed:
        app.session.stop()  # closes the board it opened
        raise
    from formboard.tui import crash

    ended = crash.run(app)
    if app.return_code:
        raise SystemExit(app.return_code)
    return ended


def choose_and_run(folder: Path, theme: str | None, watch: str | None = None) -> None:
    """List the boards in ``folder``; open the one chosen; o on it comes back to the list."""
    if not folder.is_dir():
        raise CommandFailed(f"There is no folder {folder}.")
    require_terminal()
    run_boards(choose(folder, theme), folder, theme, watch)


def choose(folder: Path, theme: str | None) -> Path | None:
    """The board chosen from ``folder``'s list, or None (q); a crash ends with its sentence."""
    from formboard.tui import crash
    from formboard.tui.chooser import BoardChooser

    chooser = BoardChooser(folder, theme=theme)
    chosen = crash.run(chooser)
    if chooser.return_code:
        raise SystemExit(chooser.return_code)
    return chosen


def run_boards(
    board: Path | None, folder: Path | None, theme: str | None, watch: str | None = None
) -> None:
    """Open ``board``, then whatever the app goes on to, until one is closed with q.

    A team meeting goes through several clients in turn: a board opened from a folder's
    list goes back to it with o (q still quits); leaving one board for the next tells the
    colleagues who followed me there (``presence.record_move``), and one who comes along
    (G) opens that board next, following me.
    """
    from formboard.core.identity import current_identity
    from formboard.core.person import Person
    from formboard.core.presence import record_move

    previous: Path | None = None
    follow: str | None = None
    while board is not None:
        if previous is not None and previous != board:
            record_move(previous, current_identity(), board)
        ended = run_board(board, theme, watch, from_folder=folder, follow_login=follow)
        previous, follow = board, None
        match ended:
            case ("list",) if folder is not None:
                board = choose(folder, theme)
            case ("open", Path() as there, Person() as leader):
                board, follow = there, leader.token
            case _:
                board = None


@click.command("open")
@click.argument("board", type=BOARD, required=False)
@click.option("--theme", default=None, help=THEME_HELP)
@watch_option
def open_board(board: Path | None, theme: str | None, watch: str | None) -> None:
    """Open BOARD in the terminal app; a folder (or nothing: this folder) lists its boards."""
    if isinstance(board, str):  # a board on a server: live through its notifications
        run_board(board, theme, watch)
        return
    target = board or Path.cwd()
    if target.is_dir():
        choose_and_run(target, theme, watch)
    else:
        run_boards(target, None, theme, watch)


@click.command()
@click.option(
    "--dir", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Where to put the demo board (default: your formboard data folder).",
)  # fmt: skip
@click.option("--client", default=None, help="Which sample client to open, e.g. C-1187.")
@click.option("--fresh", is_flag=True, help="Replace an earlier copy of the demo board.")
@click.option("--theme", default=None, help=THEME_HELP)
@click.option("--no-open", is_flag=True, help="Only create the demo board and print its path.")
@watch_option
def demo(
    folder: Path | None,
    client: str | None,
    fresh: bool,
    theme: str | None,
    no_open: bool,
    watch: str | None,
) -> None:
    """Copy a fictional sample client's board to your data folder and open it."""
    import shutil
    from importlib.resources import as_file

    samples = sample_boards()
    if not samples:
        raise CommandFailed(
            "The sample boards are missing from this installation; reinstall formboard."
        )
    if client is not None:
        matching = [s for s in samples if s.name.removesuffix(".json").lower() == client.lower()]
        if not matching:
            names = ", ".join(s.name.removesuffix(".json") for s in samples)
            raise CommandFailed(f"There is no sample client {client!r}; the samples are: {names}.")
        sample = matching[0]
    else:
        sample = samples[0]
    folder = folder or data_dir() / "demo"
    make_private_folders(folder)
    target = folder / (sample.name.removesuffix(".json") + ".board")
    if fresh:
        for leftover in (target, target.with_name(target.name + ".rev")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(target.with_name(target.name + ".lock"), ignore_errors=True)
    from formboard.core.importing import import_board

    try:
        with as_file(sample) as sample_path, import_board(sample_path, target):
            pass
        click.echo(f"Created the demo board {target}", err=True)
    except BoardExists:
        doing = "Your earlier demo board is" if no_open else "Opening your earlier demo board"
        click.echo(f"{doing} {target} (use --fresh for a new copy)", err=True)
    if no_open:
        click.echo(str(target))
        return
    run_boards(target, None, theme, watch)


COMMANDS = (open_board, demo)
