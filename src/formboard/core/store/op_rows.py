"""The op log's rows as ops: what another program stored there never stops a read.

Bytes read as text, recorded fields that are not a JSON object as none, a revision that is
not a number as the one before it; each op says what is wrong (``op_problems``), and
`formboard check` names the row (``outside``).
"""

from __future__ import annotations

import json
from typing import Any

from formboard.core.model import Op
from formboard.core.store.rows import as_text, blobs_in
from formboard.core.store.sql import Row


def op_from_row(row: Row) -> Op:
    # Another program's value never stops a read of the log: bytes read as text, values
    # that are not a JSON object as none, a revision that is not a number as the one
    # before it; the op says what is wrong (``op_problems``, named by `formboard check`).
    stored, blobs = row, blobs_in(row)
    if blobs:
        row = as_text(row)
    before, before_wrong = op_values(row["before"])
    after, after_wrong = op_values(row["after"])
    revision, client_seq = row["rev_to"], row["client_seq"]
    problems: tuple[str, ...] = ()
    odd_number = type(revision) is not int or type(client_seq) is not int
    if blobs or before_wrong or after_wrong or odd_number:
        problems = tuple(f"its {c.replace('_', ' ')} {what}" for c, what in op_problems(stored))
        if type(revision) is not int:
            revision = row["rev_from"] if type(row["rev_from"]) is int else 0
        client_seq = client_seq if type(client_seq) is int else 0
    return Op.model_construct(
        seq=row["seq"],
        revision=revision,
        at=row["at"],
        author=row["author"],
        author_name=row["author_name"],
        host=row["host"],
        client_id=row["client_id"],
        client_seq=client_seq,
        op=row["op"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        before=before,
        after=after,
        hash=_optional(row, "hash"),  # its link in the chain (none before schema 5)
        role=_optional(row, "role"),  # a server's: the database role that wrote it
        problems=problems,
    )


def op_values(raw: Any) -> tuple[dict[str, Any] | None, str]:
    """An op's recorded fields (its ``before`` or ``after``) and what is wrong with them
    ("" when nothing): a value another program stored that is not a JSON object reads as none."""
    if not raw:
        return None, ""
    try:
        values = json.loads(raw)
    except (ValueError, TypeError):  # UnicodeDecodeError too: bytes that are not UTF-8
        return None, "is not JSON"
    if not isinstance(values, dict):
        return None, "is JSON but not an object of fields"
    return values, ""


_LOG_NUMBERS = ("rev_from", "rev_to", "client_seq")


def op_problems(row: Row) -> list[tuple[str, str]]:
    """What another program left wrong in a row of the op log: (column, what is wrong)."""
    found = [(c, "is stored as bytes, not text") for c in blobs_in(row)]
    for name in ("before", "after"):
        wrong = op_values(row[name])[1]
        if wrong:
            found.append((name, wrong))
    found += [(n, "is not a number") for n in _LOG_NUMBERS if type(row[n]) is not int]
    if row["entity_rev"] is not None and type(row["entity_rev"]) is not int:
        found.append(("entity_rev", "is not a number"))
    return found


def _optional(row: Row, name: str) -> str:
    """A column only some op logs have, "" where it is missing or empty (no list of the
    row's keys per row: this runs once per op of the log)."""
    try:
        return row[name] or ""
    except (IndexError, KeyError):
        return ""
