"""What every formboard app is: notices in plain words, screens that close once, and a
crash that names no client.

Both apps (the board and a folder's list of boards) derive from ``SafeApp``, so these
rules hold wherever a screen or widget calls ``notify``, a key closes a screen twice, or
the code meets a bug.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TypeVar, cast

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import App, ScreenStackError
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from formboard.tui import crash
from formboard.tui.dialogs.closing import ClosesOnce
from formboard.tui.text import notice_text

ReturnType = TypeVar("ReturnType")


class Palette(ClosesOnce, CommandPalette):
    """Textual's command palette, closed once (a double enter on a command crashed), whose
    enter acts on the commands found for what was typed.

    The palette searches again as each character arrives. Keys the terminal delivers
    together (a quick typist, a paste, a loaded machine) put the enter before that search
    ends, and Textual's palette then ran a command from an earlier search's list: random
    keys quit the app with "Export as" and enter, and on a slow search "Undo" and enter
    archived a card (the first of the list of all commands). Here an enter that arrives
    during a search waits for it. (Textual 8's search worker group and enter handler.)
    """

    _enter_held = False

    def _searching(self) -> bool:
        return any(
            w.group == self._GATHER_COMMANDS_GROUP
            and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers
        )

    @on(Input.Submitted)
    def _enter_after_the_search(self, event: Input.Submitted) -> None:
        if self._searching():
            event.stop()
            event.prevent_default()  # not Textual's handler, on the list as it is now
            self._enter_held = True

    @on(Worker.StateChanged)
    def _searched(self, event: Worker.StateChanged) -> None:
        done = event.state in (WorkerState.SUCCESS, WorkerState.ERROR)
        if self._enter_held and done and not self._searching():
            self._enter_held = False
            self._select_or_command()


class SafeApp(App[ReturnType]):
    """A Textual app whose notices are always drawable text and whose crash is a sentence."""

    def notify(
        self,
        message: str | Text,
        *,
        title: str | Text = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Put a notice on screen: the one way every screen and widget does (theirs call this).

        A notice is words, never markup (it may quote a card's title), and Textual's toast
        draws only a ``str``: whatever it is given is made plain text here (a Rich ``Text``
        its characters, control characters visible), so no caller can hand the toast
        something it cannot draw. ``markup`` is accepted for Textual's own callers and
        ignored. Thread-safe, as Textual's is.

        A notice given while the first screen is still being built (the meeting offered
        to someone who opens the board during it) waits until that screen is on: Textual
        would hand it to a toast rack not yet mounted, and it would never be drawn.
        """
        if not self._screen_mounted():
            self.call_after_refresh(
                self.notify, message, title=title, severity=severity, timeout=timeout
            )
            return
        super().notify(
            notice_text(message),
            title=notice_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _screen_mounted(self) -> bool:
        try:
            return self.screen.is_mounted
        except ScreenStackError:  # no screen yet
            return False

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(Palette(id="--command-palette"))

    def pop_screen(self) -> AwaitComplete:
        """Pop the screen on top; never the last one (the board itself), whoever asks."""
        if len(self.screen_stack) <= 1:
            return AwaitComplete.nothing()
        return super().pop_screen()

    def action_help_quit(self) -> None:
        # Textual's ctrl+c hint is markup; say it in words.
        self.notify("Press q to quit (ctrl+q quits from anywhere).", title="Do you want to quit?")

    exiting = False  # exit was asked for: build nothing new (a spare screen) from now on
    _exit_waits = 0  # times exit waited for a half-built screen (``_EXIT_WAITS`` at most)

    def exit(
        self,
        result: ReturnType | None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """Exit once no screen is half built (for at most two seconds).

        A screen is composed and mounted over several turns of the event loop; shutting
        the app down in between crashed Textual's ``Select`` (its own parts gone under
        its mount handler). q pressed just as the spare card screen was being built did
        it: a crash report on a plain quit.
        """
        self.exiting = True
        if self._half_built() and self._exit_waits < _EXIT_WAITS:
            self._exit_waits += 1
            self.set_timer(0.02, partial(self.exit, result, return_code, message))
            return
        super().exit(result, return_code, message)

    async def _shutdown(self) -> None:
        # Every way out, not only ``exit`` (a test harness's, a driver's): a screen being
        # built is let finish first, as in ``exit`` (bounded the same).
        for _ in range(_EXIT_WAITS):
            if not self._half_built():
                break
            await asyncio.sleep(0.02)
        await super()._shutdown()

    def _half_built(self) -> bool:
        screens = [*self._installed_screens.values(), *self.screen_stack]
        return any(
            isinstance(screen, Screen) and screen.is_attached and not screen.is_mounted
            for screen in screens
        )

    def _handle_exception(self, error: Exception) -> None:
        crash.handle(self, error)  # one sentence, never a traceback with client text


_EXIT_WAITS = 100  # × 20 ms: how long exit waits for a screen being built
