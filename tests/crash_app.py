"""formboard with a bug put in on purpose, for the crash tests in a real terminal.

    python tests/crash_app.py FAULT open BOARD

FAULT is one of:
- ``callback``: p in the history runs a screen callback that raises (as a bug would);
- ``toast``: no notice can be drawn, so the first notice fails, and fails again while the
  screens close (Textual's own shutdown then fails: the case that once left a blank,
  hung screen);
- ``stuck``: as ``toast``, and a worker thread that never returns, so only the crash
  handler's last resort can end the process.

The bug's message is fictional client text: it must never reach the terminal.
"""

from __future__ import annotations

import sys

SECRET = "Fictional detail: panics on the number 12 bus"


def boom(*_args: object, **_kwargs: object) -> None:
    raise AttributeError(SECRET)


def main() -> None:
    fault, *args = sys.argv[1:]
    if fault == "callback":
        import formboard.tui.screens.history as history

        history.put_back_request = boom  # type: ignore[assignment]
    elif fault in ("toast", "stuck"):
        from textual.widgets._toast import Toast

        Toast.render = boom  # type: ignore[assignment,method-assign]
        if fault == "stuck":
            import threading

            from formboard.tui.app import FormboardApp

            opened = FormboardApp.on_mount

            def on_mount(self: FormboardApp) -> None:
                opened(self)
                # A worker thread that never returns: Python waits for it at exit.
                self.run_worker(threading.Event().wait, thread=True, exit_on_error=False)

            FormboardApp.on_mount = on_mount  # type: ignore[method-assign]
    else:
        raise SystemExit(f"no such fault: {fault}")
    from formboard.startup import main as formboard

    sys.argv = ["formboard", *args]
    formboard()


if __name__ == "__main__":
    main()
