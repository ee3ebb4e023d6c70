"""The `formboard` command's entry point: how the process starts, kept small.

The collector pauses first (``gc_pause``: start-up makes long-lived objects faster
without it), then the command line takes over.
"""

from __future__ import annotations

from formboard.gc_pause import pause_collector


def main() -> None:
    """The console script: `formboard ...`."""
    pause_collector()
    from formboard.cli import main as cli_main

    cli_main()
