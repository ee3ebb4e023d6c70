"""One writer of the counter run, in its own process (on one "host" of the network lab):
``python -m tests.counter_writer BOARD COUNTER_ID NAME OPS GO``.

It alternates adding a card (titled ``NAME-i``) and incrementing the shared counter card
(its body, a number; a conflict is read again and retried), starts when the file GO
appears so every writer starts together, and prints "ready" and then its tally as JSON:
the titles it added, its increments and conflicts, each error, how long it took and its
slowest op. The store tests, the network lab and ``bench/bench_netlab.py`` all run this
one loop (the parent puts formboard's source on PYTHONPATH).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(board: str, counter_id: str, name: str, ops: str, go: str) -> None:
    from formboard.core.errors import BoardConflict
    from formboard.core.store import BoardStore

    store = BoardStore.open(board)
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.002)
    started = time.monotonic()
    added: list[str] = []
    increments, conflicts, errors, slowest = 0, 0, [], 0.0
    for i in range(int(ops)):
        began = time.monotonic()
        try:
            if i % 2 == 0:
                store.add_card("symptoms", f"{name}-{i}")
                added.append(f"{name}-{i}")
            else:
                while True:
                    card = store.card(counter_id)
                    try:
                        store.edit_card(counter_id, base_rev=card.rev, body=str(int(card.body) + 1))
                    except BoardConflict:
                        conflicts += 1
                        continue
                    increments += 1
                    break
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        slowest = max(slowest, time.monotonic() - began)
    tally = {
        "added": added, "increments": increments, "conflicts": conflicts, "errors": errors,
        "client_id": store.client_id, "network": store.network,
        "seconds": time.monotonic() - started, "slowest": slowest,
    }  # fmt: skip
    print(json.dumps(tally))


if __name__ == "__main__":
    main(*sys.argv[1:6])
