"""Lease events of the network lab's processes, for tests/netlab_mix.py (never installed).

The lab puts this folder first on ``PYTHONPATH`` of every formboard process it starts, so
Python imports it at start-up. When ``FORMBOARD_LAB_EVENTS`` names a file, each time a
process breaks a lease, or finds before COMMIT that its own lease was taken, one line is
appended there. Nobody crashes in the lab, so every break counted is of a live lease.
"""

from __future__ import annotations

import os

_EVENTS = os.environ.get("FORMBOARD_LAB_EVENTS")


def _record(line: str) -> None:
    assert _EVENTS is not None
    with open(_EVENTS, "a", encoding="utf-8") as f:
        f.write(f"{line} pid={os.getpid()}\n")


if _EVENTS:
    from formboard.core import lock

    _break = lock.WriteLease._break_if_stale
    _verify = lock.WriteLease.verify

    def _break_if_stale(self, holder, watch, now):  # type: ignore[no-untyped-def]
        broke = _break(self, holder, watch, now)
        if broke:
            who = f"{holder.uuid} renewed {holder.renewed}" if holder else "no owner"
            _record(f"broke {self.lock_dir.name} held by {who}")
        return broke

    def verify(self):  # type: ignore[no-untyped-def]
        ours = _verify(self)
        if not ours and self.held():
            _record(f"lost {self.lock_dir.name} before commit")
        return ours

    lock.WriteLease._break_if_stale = _break_if_stale  # type: ignore[method-assign]
    lock.WriteLease.verify = verify  # type: ignore[method-assign]
