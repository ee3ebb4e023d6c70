"""The `formboard` command group: how errors become one sentence, and room for the app.

Every exception that leaves a command becomes ``formboard: <sentence>`` on stderr with
exit code 1; a mistyped command line is one line with exit code 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

import click

from formboard.core.errors import FormboardError
from formboard.core.text import one_line

OPEN_COMMAND = "open"
# The app's options may come before the board, as git's global options do:
# `formboard --theme formboard-light BOARD` is `formboard open --theme formboard-light BOARD`.
APP_OPTIONS = ("--theme", "--watch")


def _leading_app_options(args: list[str]) -> tuple[list[str], list[str]]:
    """The app's options at the start of ``args`` (each with its value), and the rest."""
    i = 0
    while i < len(args) and args[i].split("=", 1)[0] in APP_OPTIONS:
        i += 1 if "=" in args[i] else 2
    return args[:i], args[i:]


class CommandFailed(click.ClickException):
    """A failure already phrased as one sentence; shown as ``formboard: <sentence>``."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        # A file name in the sentence may hold control characters: never send them.
        click.echo(f"formboard: {one_line(self.message)}", err=True)


def _one_line(text: str) -> str:
    return one_line(" ".join(text.split()))


def _unexpected(exc: BaseException) -> CommandFailed:
    # The type only: an exception's text or traceback could carry card text.
    return CommandFailed(
        f"an unexpected {type(exc).__name__} stopped the command. "
        "Run `formboard check BOARD` to see that the board is sound, and report the problem."
    )


def _as_sentence(exc: Exception) -> CommandFailed:
    """Turn an exception raised while a command ran into its one sentence."""
    if isinstance(exc, FormboardError):
        return CommandFailed(_one_line(str(exc)))
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        if "locked" in text or "busy" in text:
            return CommandFailed("The board file stayed busy; nothing was changed. Try again.")
        # Unconfirmed: only BoardStore.damage() may call a board damaged.
        return CommandFailed(
            f"The board file could not be used ({text}); nothing was changed. "
            "Run `formboard check BOARD` to see whether it is sound."
        )
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return CommandFailed(f"{exc.strerror or type(exc).__name__}{where}; nothing was changed.")
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in exc.reason:
        # Python keeps argv bytes that are not UTF-8 as surrogates; no database takes them.
        return CommandFailed(
            "Something given on the command line (an id, a name or a text) holds bytes that "
            "are not UTF-8; nothing was changed. Give ids as `formboard show` prints them."
        )
    return _unexpected(exc)


class FormboardGroup(click.Group):
    """The top-level group: one-sentence errors, and `formboard BOARD` once `open` exists.

    ``lazy`` names each command's module: a command is imported when it is asked for, so
    `formboard add` loads neither the app's nor the server's command modules (issue 25).
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def known(self) -> list[str]:
        """Every command's name, loaded or not."""
        return sorted({*self.commands, *self.lazy})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.known()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module = importlib.import_module(self.lazy[cmd_name])
            for command in module.COMMANDS:  # the module's other commands come along
                self.add_command(command)
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # The app's options before the board or the command go to the command: `open`
        # when a board (or nothing) follows, else the named command if it opens the app.
        leading, rest = _leading_app_options(args)
        given = [a.split("=", 1)[0] for a in leading if a.startswith("--")]
        if leading and OPEN_COMMAND in self.known():
            named = self.get_command(ctx, rest[0]) if rest else None
            if named is None:
                args = [OPEN_COMMAND, *leading, *rest]
            elif {o for p in named.params for o in p.opts} >= set(given):
                args = [rest[0], *leading, *rest[1:]]
            else:
                option = given[0]
                raise click.UsageError(
                    f"{option} is for opening a board (formboard {option} VALUE BOARD); "
                    f"`formboard {rest[0]}` has no such option.",
                    ctx,
                )
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # A first argument that is no command name is a board path to open, but only
        # once the terminal app has registered its `open` command.
        if (
            args
            and OPEN_COMMAND in self.known()
            and not args[0].startswith("-")
            and self.get_command(ctx, args[0]) is None
        ):
            import difflib  # only for a mistyped command

            near = difflib.get_close_matches(args[0], self.known(), n=1, cutoff=0.7)
            if near and not os.path.lexists(args[0]):
                # `formboard showw B.board` is a typo, not a board called "showw"
                raise click.UsageError(
                    f"There is no command {args[0]!r}; did you mean {near[0]!r}?", ctx
                )
            args = [OPEN_COMMAND, *args]
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise
            if os.environ.get("FORMBOARD_DEBUG") and not isinstance(exc, FormboardError):
                raise  # a developer asked for the traceback
            raise _as_sentence(exc) from None

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None,
        complete_var: str | None = None, standalone_mode: bool = True, **extra: Any,
    ) -> Any:  # fmt: skip
        """Run the command; outside tests that want exceptions, exit with a code."""
        run = functools.partial(super().main, args, prog_name, complete_var, standalone_mode=False)
        if not standalone_mode:
            return run(**extra)
        try:
            code: Any = run(**extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" See `{exc.ctx.command_path} --help`." if exc.ctx else ""
            click.echo(f"formboard: {_one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt, EOFError):
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)
