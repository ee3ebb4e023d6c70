"""The garbage collector's pause while formboard starts, and its end.

Starting the app builds some 200 000 objects (Textual, pydantic, the board) that live
until the process ends. Python's garbage collector would walk all of them again and
again while they are being made: measured, ~80 ms of full passes in a 0.8 s start.
So the collector pauses while formboard starts; when start-up is over, whatever exists
is frozen (never scanned again) and collection resumes. "Over" is the app's first frame,
or, for every other command, the moment its arguments are parsed.
"""

from __future__ import annotations

import gc


def pause_collector() -> None:
    """Start the pause (the console script does, first thing)."""
    gc.disable()


def resume_collector() -> None:
    """End the start-up pause, if there is one: freeze what exists, collect again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
