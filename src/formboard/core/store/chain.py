"""The op log as a hash chain, held to what each computer has seen of it.

Each op row carries ``hash``: SHA-256 over the previous row's hash and the row's own
canonical content (every column but ``seq``, ``hash`` and a server's ``role``, as stored),
so a row changed, removed, inserted or moved breaks the chain at the first row after it
(``verify``). Someone who rewrites history and computes every hash again keeps a whole
chain, but not the one people have already seen: every app and command that reads a board
keeps, in its own data folder, the (seq, revision, hash) of the newest rows it has seen
(``Witness``), and each later read checks that those rows are still there, unchanged, and
that every newer row follows from them (``observe``). What no chain can prove: history
rewritten before anyone's formboard read it.

Hashes are made inside the writing transaction (``next_hashes``), which every backend
holds alone (the file's write lease; a server's row lock on the revision).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from formboard.core.digest import hex_digest
from formboard.core.store.sql import BoardConnection, Row

# The columns a row's hash covers, in this order.
CHAINED = (
    "rev_from", "rev_to", "at", "author", "author_name", "host", "client_id", "client_seq",
    "part", "op", "entity", "entity_id", "entity_rev", "before", "after",
)  # fmt: skip
CHAIN_SCHEMA = 5  # the schema version from which every op row has its hash
WITNESSES_KEPT = 64  # per board, the newest rows seen, oldest dropped first
_BATCH = 2000  # rows read at a time while verifying
UNCHAINED = "no chain yet: the board's next writable open adds one"


def _plain(value: Any) -> Any:
    """A stored value as JSON can say it: bytes (another program's BLOB) by their hex."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blob": bytes(value).hex()}
    return value


def link(previous: str, values: Sequence[Any]) -> str:
    """The hash of a row whose chained columns hold ``values``, after ``previous``."""
    canonical = json.dumps(
        [previous, *map(_plain, values)], ensure_ascii=False, separators=(",", ":")
    )
    return hex_digest(canonical.encode("utf-8", "surrogatepass"))


def _values(row: Row) -> list[Any]:
    return [row[name] for name in CHAINED]


def last_hash(conn: BoardConnection) -> str:
    """The newest row's hash ("" on an empty log): where the next op's chain starts."""
    row = conn.execute("SELECT hash FROM ops ORDER BY seq DESC LIMIT 1").fetchone()
    return str(row[0] or "") if row else ""


def next_hashes(conn: BoardConnection, rows: Sequence[Sequence[Any]]) -> list[str]:
    """The hashes of ``rows`` (each its CHAINED values) appended in this order."""
    previous, out = last_hash(conn), []
    for values in rows:
        previous = link(previous, values)
        out.append(previous)
    return out


def _rows_after(conn: BoardConnection, after: int) -> Iterator[Row]:
    """Every op row after seq ``after``, oldest first, read a batch at a time."""
    p = conn.dialect.param
    while True:
        found = conn.execute(
            f"SELECT seq, hash, {', '.join(CHAINED)} FROM ops WHERE seq > {p} "
            f"ORDER BY seq LIMIT {_BATCH}",
            (after,),
        ).fetchall()
        if not found:
            return
        yield from found
        after = found[-1]["seq"]


def seal(conn: BoardConnection) -> int:
    """Give every row without a hash its link, in seq order (the upgrade to CHAIN_SCHEMA:
    the chain starts from what the board holds). Returns how many rows were sealed."""
    p = conn.dialect.param
    previous, sealed = "", 0
    for row in list(_rows_after(conn, -1)):  # read whole before the first UPDATE
        if row["hash"] is None:
            previous = link(previous, _values(row))
            conn.execute(f"UPDATE ops SET hash = {p} WHERE seq = {p}", (previous, row["seq"]))
            sealed += 1
        else:
            previous = str(row["hash"])
    return sealed


class Seen(NamedTuple):
    """One op row as someone saw it: its number, the board's revision after it, its hash."""

    seq: int
    revision: int
    hash: str


class Verdict(NamedTuple):
    """What the chain says: its length and head, and the first row that breaks it."""

    rows: int
    head: Seen | None
    broken: Seen | None = None  # the first row whose hash does not follow
    missing: bool = False  # ``broken`` has no hash at all

    @property
    def sentence(self) -> str:
        if self.broken is None:
            if self.head is None:
                return "the op log is empty"
            return (
                f"the op log's {self.rows} rows hold together as one chain "
                f"(head at revision {self.head.revision}: {self.head.hash[:16]})"
            )
        where = f"row {self.broken.seq} of the op log (revision {self.broken.revision})"
        if self.missing:
            return f"{where} has no hash: it was written outside formboard"
        return (
            f"{where} does not follow from the row before it: that row or an earlier one "
            "was changed, removed, inserted or moved outside formboard"
        )


def _revision(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def verify(conn: BoardConnection) -> Verdict:
    """Walk the whole op log, oldest first: the chain's head, or the first row that breaks it."""
    previous, count, head = "", 0, None
    for row in _rows_after(conn, -1):
        count += 1
        head = Seen(row["seq"], _revision(row["rev_to"]), str(row["hash"] or ""))
        previous = link(previous, _values(row))
        if row["hash"] != previous:
            return Verdict(count, head, broken=head, missing=row["hash"] is None)
    return Verdict(count, head)


def chain_head(conn: BoardConnection) -> Seen | None:
    """The newest op row as it stands (no check): what an export or a note carries."""
    row = conn.execute("SELECT seq, rev_to, hash FROM ops ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None or row["hash"] is None:
        return None
    return Seen(row["seq"], _revision(row["rev_to"]), str(row["hash"]))


# ------------------------------------------------------------------ witnesses


class Witness:
    """What this computer's formboard has seen of one board's op log (owner-only JSON).

    The file is named by a hash of the board's id and where it lives, so it names no
    client; it holds numbers and hashes only. ``changed`` records a rewrite once noticed
    (so `check` keeps saying it on this computer, and the app says it once).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: list[Seen] = []
        self.changed: dict[str, Any] | None = None
        self._loaded: tuple[list[Seen], dict[str, Any] | None] | None = None

    @classmethod
    def of(cls, board_id: str, location: str, folder: Path | None = None) -> Witness:
        if folder is None:
            from formboard.core.settings import data_dir

            folder = data_dir() / "seen"  # beside the backups, owner-only
        key = hex_digest(f"{board_id}\n{location}".encode())[:32]
        witness = cls(folder / f"{key}.json")
        witness.load()
        return witness

    def load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.seen = [Seen(int(s), int(r), str(h)) for s, r, h in raw.get("seen", [])]
            changed = raw.get("changed")
            self.changed = changed if isinstance(changed, dict) else None
        except (OSError, ValueError, TypeError, AttributeError):
            self.seen, self.changed = [], None  # nothing seen yet, or a file to start again
        self._loaded = (list(self.seen), self.changed)

    def save(self) -> None:
        """Write the witness if it changed since it was read (owner-only, atomically)."""
        if self._loaded == (self.seen, self.changed):
            return
        from formboard.core.files import make_private_folders, write_atomically

        data = {"seen": [[s.seq, s.revision, s.hash] for s in self.seen[-WITNESSES_KEPT:]]}
        if self.changed is not None:
            data["changed"] = self.changed  # type: ignore[assignment]
        try:
            make_private_folders(self.path.parent)
            write_atomically(self.path, json.dumps(data).encode(), 0o600, durable=False)
        except OSError:
            return  # a full or read-only data folder: the board itself is unaffected
        self._loaded = (list(self.seen), self.changed)

    def note(self, head: Seen) -> None:
        if not self.seen or self.seen[-1] != head:
            self.seen = [s for s in self.seen if s.seq < head.seq][-(WITNESSES_KEPT - 1) :]
            self.seen.append(head)


def _rows_at(conn: BoardConnection, seqs: list[int]) -> dict[int, Row]:
    if not seqs:
        return {}
    found = conn.execute(
        f"SELECT seq, rev_to, hash FROM ops WHERE seq IN ({conn.dialect.params(len(seqs))})",
        seqs,
    ).fetchall()
    return {row["seq"]: row for row in found}


def observe(conn: BoardConnection, witness: Witness) -> str | None:
    """Hold the board's op log to what ``witness`` saw; then remember its newest row.

    Returns one sentence when history was changed since it was seen (once: the witness
    keeps it, and moves on to the board as it is now, so a later rewrite is found too);
    None when all that was seen is still there and every newer row follows from it.
    """
    if not witness.seen:
        head = chain_head(conn)
        if head is not None:
            witness.note(head)
        return None
    kept = _rows_at(conn, [s.seq for s in witness.seen])
    intact = [s for s in witness.seen if _matches(kept.get(s.seq), s)]
    newest = witness.seen[-1]
    problem: Seen | None = None
    if not intact or intact[-1] != newest:
        problem = intact[-1] if intact else Seen(0, 0, "")
    elif not _follows(conn, newest):
        problem = newest
    if problem is None:
        head = chain_head(conn)
        if head is not None:
            witness.note(head)
        return None
    witness.changed = {"after": problem.revision, "seen": newest.revision}
    sentence = rewritten(witness.changed)
    head = chain_head(conn)
    witness.seen = [head] if head is not None else []
    return sentence


def rewritten(changed: dict[str, Any]) -> str:
    """The sentence for a rewrite of history a witness noticed."""
    return (
        f"the board's history was changed outside formboard after revision "
        f"{changed.get('after')} (this computer had seen it up to revision "
        f"{changed.get('seen')})"
    )


def _matches(row: Row | None, seen: Seen) -> bool:
    return row is not None and row["hash"] == seen.hash


def _follows(conn: BoardConnection, seen: Seen) -> bool:
    """Whether every row after ``seen`` chains on from it."""
    previous = seen.hash
    for row in _rows_after(conn, seen.seq):
        previous = link(previous, _values(row))
        if row["hash"] != previous:
            return False
    return True


def chained(conn: BoardConnection) -> bool:
    """Whether this board's op log has its hash column (schema CHAIN_SCHEMA or later)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return row is not None and _revision(row[0]) >= CHAIN_SCHEMA


_RECORDED = (
    re.compile(r"history entry (\d+)(), sealed ([0-9a-f]{64})"),
    re.compile(r"op (\d+)(), chain head ([0-9a-f]{64})"),  # records filed before 2026-12-08
    re.compile(r'"op": (\d+),\s*"revision": (-?\d+),\s*"hash": "([0-9a-f]{64})"'),
)


def seen_in_record(text: str) -> Seen | None:
    """The chain head a filed record carries (an export or a meeting note), if any."""
    for pattern in _RECORDED:
        found = pattern.search(text)
        if found:
            return Seen(int(found[1]), int(found[2] or -1), found[3])
    return None


def holds(conn: BoardConnection, seen: Seen) -> tuple[bool, str]:
    """Whether the board still holds the history a record was made from: that row, with
    its hash, and a whole chain up to it. With one sentence, either way."""
    p = conn.dialect.param
    row = conn.execute(f"SELECT hash FROM ops WHERE seq = {p}", (seen.seq,)).fetchone()
    verdict = verify(conn)
    whole = verdict.broken is None or verdict.broken.seq > seen.seq
    if row is not None and row[0] == seen.hash and whole:
        return True, f"the board still holds the history this record was made from (op {seen.seq})"
    return False, (
        f"the board no longer holds the history this record was made from: op {seen.seq} "
        "or a row before it was changed or removed since"
    )
