"""What changed since we last met, or since my last visit: the cards to look at first.

The baseline is a revision: where the last meeting left the board, or where it was when I
last closed it (kept in my own data folder, by the board's id, never with client text).
The cards added after it are "new", the cards changed after it "changed": their fields,
their perspectives, their links.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from formboard.core.facts import local_time
from formboard.core.files import make_private_folders, write_atomically
from formboard.core.meetings import Meeting, last_ended
from formboard.core.model import Op
from formboard.core.settings import data_dir

NEW, CHANGED = "new", "changed"
NOT_CHANGES = {"renumber", "upsert_member", "conflict", "start_meeting", "attend", "leave",
                "end_meeting", "undo", "redo", "repair", "repair_orphan"}  # fmt: skip
_VISITS_KEPT = 500  # boards remembered in visits.json


@dataclass(frozen=True)
class Baseline:
    """Since when: a revision, and the words for it ("since meeting 2 (2026-11-24)")."""

    kind: str  # "meeting", "visit"
    revision: int
    said: str
    short: str = ""  # for the status line: "since meeting 2"


class Touch(NamedTuple):
    """Which cards one op touched (``store.touches_after``), and by whom."""

    seq: int
    op: str
    author: str
    cards: tuple[str, ...]
    created: bool  # the op made its card (a new card)


def touch(
    seq: int, op: str, entity: str, entity_id: str, author: str,
    card_id: str | None, from_id: str | None, to_id: str | None,
) -> Touch:  # fmt: skip
    """The Touch of an op, from its columns (and its JSON's card_id, from and to)."""
    if entity == "card":
        cards: tuple[str, ...] = (entity_id,)
    elif entity == "perspective":
        cards = (card_id,) if card_id else ()
    elif entity == "link":
        cards = tuple(c for c in (from_id, to_id) if c)
    else:
        cards = ()
    return Touch(seq, op, author, cards, entity == "card" and op in ("add_card", "import"))


def touch_of(op: Op) -> Touch:
    """The Touch of a whole op (one that just arrived in a change set)."""
    values = op.after or op.before or {}
    return touch(
        op.seq, op.op, op.entity, op.entity_id, op.author,
        values.get("card_id"), values.get("from"), values.get("to"),
    )  # fmt: skip


def card_of(op: Op) -> str | None:
    """The card an op changed: its own, its perspective's, or its link's two ends' first."""
    if op.entity == "card":
        return op.entity_id
    values = op.after or op.before or {}
    if op.entity == "perspective":
        return values.get("card_id")
    return None


def marks(touches: Iterable[Touch]) -> dict[str, str]:
    """Card id -> "new" or "changed", from what the ops after a baseline touched."""
    found: dict[str, str] = {}
    for t in touches:
        if t.op in NOT_CHANGES:
            continue
        for card in t.cards:
            if t.created:
                found[card] = NEW
            else:
                found.setdefault(card, CHANGED)
    return found


def baselines(meetings: Sequence[Meeting], visit: int | None) -> list[Baseline]:
    """The baselines to choose from, the first the one shown on opening."""
    found = []
    last = last_ended(meetings)
    if last is not None and last.ended_rev is not None:
        when = local_time(last.ended_at or "")[:10]
        said = f"since {last.named()} ({when})"
        found.append(Baseline("meeting", last.ended_rev, said, f"since meeting {last.number}"))
    if visit is not None:
        found.append(Baseline("visit", visit, "since your last visit", "since your last visit"))
    return found


# ------------------------------------------------------------ my last visit


def _visits_path() -> Path:
    return data_dir() / "visits.json"


def last_visit(board_id: str) -> int | None:
    """The board's revision when I last closed it, if this account remembers it."""
    try:
        value = json.loads(_visits_path().read_text()).get(board_id)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_visit(board_id: str, revision: int) -> None:
    """Remember the revision I leave a board at (owner-only; nothing else is kept)."""
    if not board_id:
        return
    path = _visits_path()
    visits: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError, AttributeError):
        loaded = json.loads(path.read_text())
        visits = {k: v for k, v in loaded.items() if isinstance(v, int)}
    visits.pop(board_id, None)
    visits[board_id] = revision  # the latest last, so the oldest go first
    kept = dict(list(visits.items())[-_VISITS_KEPT:])
    with contextlib.suppress(OSError):
        make_private_folders(path.parent)
        write_atomically(path, json.dumps(kept).encode(), 0o600)
