"""The `formboard` command: every board operation from a shell, for people and scripts.

Rules every command keeps: a problem a person can cause ends in one sentence on stderr
(``formboard: ...``) and exit code 1, or 2 for a mistyped command line; never a
traceback, and never client text in an error. Ctrl-C exits 130 quietly. Card ids may be
given as a unique prefix.

This package is the group and nothing else: each module beside it holds plain click
commands for one part of the work, listed in its ``COMMANDS`` and added here, so no
module imports this one back.

- ``group``: how errors become one sentence, and `formboard BOARD` meaning `open`
- ``common``: the BOARD argument, an open store per command, choices typed loosely
- ``cards``: new, add, edit, move, archive, restore, perspectives, links
- ``reading``: show, log, export, import (``render`` holds their text forms)
- ``meeting``: meeting start / end / list, and note (the meeting's note for the record)
- ``health``: check, repair, backup
- ``team``: grant (who may open a board on a server)
- ``app``: open, demo, and choosing a board from a folder (the terminal app)
- ``conflict``: ``--rev`` and what a conflict prints
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formboard import __version__
from formboard.cli.group import FormboardGroup
from formboard.core.settings import load_settings
from formboard.core.text import one_line
from formboard.gc_pause import resume_collector

CONTEXT = {"help_option_names": ["-h", "--help"]}
# Each command's module, imported when the command is asked for (a test checks that each
# module's COMMANDS are exactly the names given here).
COMMAND_MODULES = {
    "cards": ("new", "add", "edit", "move", "archive", "restore", "perspective",
              "edit-perspective", "remove-perspective", "link", "unlink", "undo", "redo"),
    "reading": ("show", "log", "export", "import", "copy"),
    "meeting": ("meeting", "note"),
    "health": ("check", "repair", "backup"),
    "app": ("open", "demo"),
    "serve": ("serve",),
    "team": ("grant",),
}  # fmt: skip
LAZY = {name: f"formboard.cli.{module}" for module, names in COMMAND_MODULES.items()
        for name in names}  # fmt: skip
APP_COMMANDS = (None, "open", "demo")  # the ones that start the terminal app


@click.group(cls=FormboardGroup, lazy=LAZY, context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(
    __version__, "--version", prog_name="formboard", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Build a client's formulation with your team, on a shared board file.

    A board has five columns: symptoms, sources, qualities, resources and relationships.
    Card ids may be given as any unique prefix. `formboard BOARD` opens a board in the
    terminal app; `formboard` alone lists the boards in this folder. The app's options go
    before or after the board: `formboard --theme NAME BOARD`, `--watch auto|events|poll`
    (`formboard open --help` says each).
    """
    if ctx.invoked_subcommand not in APP_COMMANDS:
        resume_collector()  # the app resumes it after its first frame (gc_pause.py)
        for problem in load_settings().problems:  # the app says them in a notice
            click.echo(f"formboard: {one_line(problem)}", err=True)
    if ctx.invoked_subcommand is None:
        from formboard.cli import app

        app.choose_and_run(Path.cwd(), None)


def main() -> None:
    """The console-script entry point."""
    if sys.platform == "win32":  # a pipe or a file there is cp1252: "⚠" or "‘" would stop it
        for stream in (sys.stdout, sys.stderr):
            if hasattr(stream, "reconfigure") and not stream.isatty():
                stream.reconfigure(encoding="utf-8", errors="replace")
    cli.main(prog_name="formboard")


__all__ = ["cli", "main"]
