"""The board's queries, the same for every backend: its settings, cards, op log, meetings
and the board as it was. A base of BoardStore and PgStore, each of which reads its own
way (``_read``: a file's settled read in ``file_reads.py``, a server's transaction).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from formboard.core.meetings import Meeting
from formboard.core.model import Board, Card, Op
from formboard.core.person import Person
from formboard.core.store import health, op_rows, rows
from formboard.core.store.sql import BoardConnection, Dialect

if TYPE_CHECKING:
    from formboard.core.changes import ChangeSet
    from formboard.core.since import Touch
    from formboard.core.store.chain import Witness
    from formboard.core.store.head import BoardStart

T = TypeVar("T")

# A read or write can meet another host's commit in progress (a live journal), a caching
# mount's file size that is seconds behind ("malformed", "unable to open") or a server
# connection dropped in a failover: each passes in a moment, so it is tried again after
# these pauses (about 3 s in all).
RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
# The fields of an op's values that name the cards it touches (a perspective's card, a
# link's two ends).
_LINK_KEYS = ("card_id", "from", "to")


def _named(dialect: Dialect, key: str) -> str:
    """SQL for field ``key`` of an op's values (its after, else its before)."""
    return dialect.json_text("coalesce(after, before)", key)


def pause_before_retry(
    on_busy: Callable[[float], None] | None, pause: float, waited: float
) -> float:
    """Tell ``on_busy`` and wait before trying a busy board again; the time waited."""
    if on_busy is not None:
        on_busy(waited)
    time.sleep(pause)
    return waited + pause


class BoardReads:
    """What every store answers, through its own ``_read``."""

    dialect: Dialect
    _witness: Witness | None = None  # what this computer saw of the board (``chain``)

    def _read(self, fn: Callable[[BoardConnection], T], *, settled: bool = True) -> T:
        """``fn(conn)`` in one read transaction; ``settled=False`` for one value."""
        raise NotImplementedError

    def _read_now(self, fn: Callable[[BoardConnection], T]) -> T:
        """``fn(conn)`` once, never tried again: for what may be skipped when the board
        is busy or damaged (what this computer saw of its history)."""
        return self._read(fn, settled=False)

    def meta(self) -> dict[str, str]:
        """The board's settings (``meta``): format, schema version, revision, client, ..."""
        return self._read(meta_or_nothing, settled=False)

    def logged_revision(self) -> int:
        """The revision the op log accounts for (less than ``revision()`` after an outside write)."""
        return self._read(rows.logged_revision, settled=False)

    def revision(self) -> int:
        """The board's current revision."""
        return self._read(rows.read_revision, settled=False)

    def board(self) -> Board:
        """Everything on the board, archived cards included."""
        return self._read(rows.read_board)

    def board_start(self) -> BoardStart:
        """The board to open the app with: whole, or a large board's first rows (``head``)."""
        from formboard.core.store.head import read_start

        return self._read(read_start)

    def card(self, card_id: str) -> Card:
        """One card, with its perspectives, by full id or unique prefix."""

        def read(conn: BoardConnection) -> Card:
            full = rows.resolve_card(conn, card_id)
            return rows.read_cards(conn, [full])[full]

        return self._read(read)

    def resolve_card_id(self, prefix: str) -> str:
        """The full id of the one card whose id starts with ``prefix``."""
        return self._read(partial(rows.resolve_card, prefix=prefix))

    def ops(self, since_seq: int = 0, limit: int | None = None) -> list[Op]:
        """The op log after ``since_seq``, oldest first."""

        def read(conn: BoardConnection) -> list[Op]:
            p = conn.dialect.param
            if limit is None:
                found = conn.execute(
                    f"SELECT * FROM ops WHERE seq > {p} ORDER BY seq", (since_seq,)
                )
            else:
                found = conn.execute(
                    f"SELECT * FROM ops WHERE seq > {p} ORDER BY seq LIMIT {p}", (since_seq, limit)
                )
            return [op_rows.op_from_row(r) for r in found]

        return self._read(read)

    def ops_between(self, after: int, up_to: int | None = None) -> list[Op]:
        """The ops with a revision after ``after`` and up to ``up_to`` (a meeting's span)."""
        p = self.dialect.param
        where = f"rev_to > {p}" + (f" AND rev_to <= {p}" if up_to is not None else "")
        args = (after,) if up_to is None else (after, up_to)

        def read(conn: BoardConnection) -> list[Op]:
            found = conn.execute(f"SELECT * FROM ops WHERE {where} ORDER BY seq", args)
            return [op_rows.op_from_row(r) for r in found]

        return self._read(read)

    def ops_by_seq(self, seqs: list[int]) -> list[Op]:
        """The ops numbered ``seqs``, oldest first."""

        def read(conn: BoardConnection) -> list[Op]:
            found = []
            for start in range(0, len(seqs), 900):
                chunk = seqs[start : start + 900]
                found += conn.execute(
                    f"SELECT * FROM ops WHERE seq IN ({conn.dialect.params(len(chunk))})", chunk
                ).fetchall()
            return sorted((op_rows.op_from_row(r) for r in found), key=lambda op: op.seq)

        return self._read(read, settled=False)

    def touches_after(self, revision: int) -> list[Touch]:
        """Which cards each op after ``revision`` touched, without reading the ops whole:
        what the since-last-meeting markers need, cheap on a long log."""

        def read(conn: BoardConnection) -> list[Touch]:
            d = conn.dialect
            fields = ", ".join(_named(d, k) for k in _LINK_KEYS)
            found = conn.execute(
                f"SELECT seq, op, entity, entity_id, author, {fields} "
                f"FROM ops WHERE rev_to > {d.param} ORDER BY seq",
                (revision,),
            )
            from formboard.core.since import touch  # the app's since-marks, not a CLI write

            return [touch(*r) for r in found]

        return self._read(read)

    def ops_page(
        self,
        before_seq: int | None = None,
        limit: int = 200,
        *,
        card_id: str | None = None,
        author: Person | None = None,
        revisions: tuple[int, int | None] | None = None,
    ) -> list[Op]:
        """A page of the op log, newest first: before ``before_seq``, about one card (its
        own ops, its perspectives' and its links'), by one person (a login and a name: a
        colleague at the same login is someone else), within revisions ``(after, up_to)``.
        Each page costs an index walk of one page, not the log."""
        p = self.dialect.param
        where = [f"seq < {p}"]
        args: list[int | str] = [before_seq if before_seq is not None else 2**62]
        if card_id is not None:
            about = [_named(self.dialect, k) for k in _LINK_KEYS]
            where.append(f"(entity_id = {p} OR " + " OR ".join(f"{a} = {p}" for a in about) + ")")
            args += [card_id] * 4
        if author is not None:
            where.append(f"author = {p} AND {rows.AUTHOR_NAMED} = {p}")
            args += [author.login, author.name]
        if revisions is not None:
            where.append(f"rev_to > {p}")
            args.append(revisions[0])
            if revisions[1] is not None:
                where.append(f"rev_to <= {p}")
                args.append(revisions[1])
        sql = f"SELECT * FROM ops WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT {p}"

        def read(conn: BoardConnection) -> list[Op]:
            return [op_rows.op_from_row(r) for r in conn.execute(sql, (*args, limit))]

        return self._read(read, settled=False)

    def board_at(self, revision: int) -> Board:
        """The board as it was at ``revision``, from the op log (``past.board_at``)."""
        from formboard.core.store.past import board_at

        return self._read(partial(board_at, revision=revision))

    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet:
        """What changed after ``revision`` (see ``feed.changes_since``)."""
        from formboard.core.store import feed  # a live app's, not a CLI write's

        return self._read(partial(feed.changes_since, revision=revision, known=known))

    def all_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, in one snapshot, each as it is (to copy the board)."""
        return self._read(rows.all_rows)

    def meetings(self) -> list[Meeting]:
        """The board's meetings, oldest first, with who came to each."""
        return self._read(rows.read_meetings, settled=False)

    def problems(self) -> list[health.Problem]:
        """Every value another program stored that formboard would not have: in the
        settings and rows (``health``), the op log and meetings, and bytes where text
        belongs (``outside``)."""
        return health.meta_problems(self.meta()) + self._read(_stored_problems)

    def history_seen(self, location: str, folder: Path | None = None) -> str | None:
        """Hold the op log to what this computer's formboard saw of the board at
        ``location`` (``chain.observe``) and remember it as it is now. One sentence when
        its history was changed since (said once), else None."""
        return self._observed(location, folder)[1]

    def _observed(self, location: str, folder: Path | None) -> tuple[Witness | None, str | None]:
        from formboard.core.store import chain

        def read(conn: BoardConnection) -> tuple[chain.Witness | None, str | None]:
            if not chain.chained(conn):
                return None, None  # a board from before the chain, open read-only
            witness = self._witness if folder is None else None
            if witness is None:  # read once per store: an app asks at every change
                found = conn.execute("SELECT value FROM meta WHERE key = 'board_id'").fetchone()
                witness = chain.Witness.of(str(found[0] if found else ""), location, folder)
            return witness, chain.observe(conn, witness)

        witness, said = self._read_now(read)
        if witness is not None:
            witness.save()
            if folder is None:
                self._witness = witness
        return witness, said

    def history_checks(
        self, location: str, folder: Path | None = None
    ) -> list[tuple[str, bool, str]]:
        """`check`'s lines on the op log's chain, and on what this computer saw of it."""
        from formboard.core.store import chain

        def read(conn: BoardConnection) -> chain.Verdict | None:
            return chain.verify(conn) if chain.chained(conn) else None

        verdict = self._read(read)
        if verdict is None:
            return [("history", True, chain.UNCHAINED)]
        lines = [("history", verdict.broken is None, verdict.sentence)]
        witness, said = self._observed(location, folder)
        if witness is not None and witness.changed is not None:
            lines.append(("seen", False, said or chain.rewritten(witness.changed)))
        elif witness is not None and len(witness.seen) > 1:
            lines.append(("seen", True, "every op row this computer saw is there, unchanged"))
        return lines

    def record_check(self, text: str) -> tuple[bool, str]:
        """Hold the board to the chain head a filed record carries (``chain.holds``)."""
        from formboard.core.store import chain

        seen = chain.seen_in_record(text)
        if seen is None:
            return False, "the file carries no history to hold the board to (no chain head)"
        return self._read(partial(chain.holds, seen=seen))


def _stored_problems(conn: BoardConnection) -> list[health.Problem]:
    from formboard.core.store import outside

    found = outside.problems(conn)
    said = {(p.entity, p.entity_id, p.field) for p in found}  # bytes: said once, as bytes
    rows_said = [
        p for p in health.row_problems(conn) if (p.entity, p.entity_id, p.field) not in said
    ]
    return rows_said + found


def meta_or_nothing(conn: BoardConnection) -> dict[str, str]:
    try:
        return rows.read_meta(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            return {}  # another program's database, not a damaged board
        raise
