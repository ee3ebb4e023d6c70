"""The board's queries, the same for every backend: its settings, cards, op log, meetings
and the board as it was. A base of BoardStore and PgStore, each of which reads its own
way (``_read``: a file's settled read in ``file_reads.py``, a server's transaction).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from formboard.core.changes import ChangeSet
from formboard.core.meetings import Meeting
from formboard.core.model import Board, Card, Op
from formboard.core.person import Person
from formboard.core.since import Touch, touch
from formboard.core.store import feed, health, rows
from formboard.core.store.sql import BoardConnection, Dialect

T = TypeVar("T")

# A read or write can meet another host's commit in progress (a live journal), a caching
# mount's file size that is seconds behind ("malformed", "unable to open") or a server
# connection dropped in a failover: each passes in a moment, so it is tried again after
# these pauses (about 3 s in all).
RETRY_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
# The fields of an op's values that name the cards it touches (a perspective's card, a
# link's two ends).
_LINK_KEYS = ("card_id", "from", "to")


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

    def _read(self, fn: Callable[[BoardConnection], T], *, settled: bool = True) -> T:
        """``fn(conn)`` in one read transaction; ``settled=False`` for one value."""
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        """The board's settings (``meta``): format, schema version, revision, client, ..."""
        return self._read(meta_or_nothing, settled=False)

    def logged_revision(self) -> int:
        """The revision the op log accounts for (less than ``revision()`` after an outside write)."""
        return self._read(
            lambda conn: int(conn.execute("SELECT MAX(rev_to) FROM ops").fetchone()[0] or 0),
            settled=False,
        )

    def revision(self) -> int:
        """The board's current revision."""
        return self._read(rows.read_revision, settled=False)

    def board(self) -> Board:
        """Everything on the board, archived cards included."""
        return self._read(rows.read_board)

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
            return [rows.op_from_row(r) for r in found]

        return self._read(read)

    def ops_between(self, after: int, up_to: int | None = None) -> list[Op]:
        """The ops with a revision after ``after`` and up to ``up_to`` (a meeting's span)."""
        p = self.dialect.param
        where = f"rev_to > {p}" + (f" AND rev_to <= {p}" if up_to is not None else "")
        args = (after,) if up_to is None else (after, up_to)

        def read(conn: BoardConnection) -> list[Op]:
            found = conn.execute(f"SELECT * FROM ops WHERE {where} ORDER BY seq", args)
            return [rows.op_from_row(r) for r in found]

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
            return sorted((rows.op_from_row(r) for r in found), key=lambda op: op.seq)

        return self._read(read, settled=False)

    def touches_after(self, revision: int) -> list[Touch]:
        """Which cards each op after ``revision`` touched, without reading the ops whole:
        what the since-last-meeting markers need, cheap on a long log."""

        def read(conn: BoardConnection) -> list[Touch]:
            d = conn.dialect
            fields = ", ".join(d.json_text("coalesce(after, before)", k) for k in _LINK_KEYS)
            found = conn.execute(
                f"SELECT seq, op, entity, entity_id, author, {fields} "
                f"FROM ops WHERE rev_to > {d.param} ORDER BY seq",
                (revision,),
            )
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
        p, json_text = self.dialect.param, self.dialect.json_text
        where = [f"seq < {p}"]
        args: list[int | str] = [before_seq if before_seq is not None else 2**62]
        if card_id is not None:
            about = [json_text("coalesce(after, before)", k) for k in _LINK_KEYS]
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
            return [rows.op_from_row(r) for r in conn.execute(sql, (*args, limit))]

        return self._read(read, settled=False)

    def board_at(self, revision: int) -> Board:
        """The board as it was at ``revision``, from the op log (``past.board_at``)."""
        from formboard.core.store.past import board_at

        return self._read(partial(board_at, revision=revision))

    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet:
        """What changed after ``revision`` (see ``feed.changes_since``)."""
        return self._read(partial(feed.changes_since, revision=revision, known=known))

    def all_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, in one snapshot, each as it is (to copy the board)."""
        return self._read(rows.all_rows)

    def meetings(self) -> list[Meeting]:
        """The board's meetings, oldest first, with who came to each."""
        return self._read(rows.read_meetings, settled=False)

    def problems(self) -> list[health.Problem]:
        """Every value another program stored that formboard would not have (``health``)."""
        return health.meta_problems(self.meta()) + self._read(health.row_problems)


def meta_or_nothing(conn: BoardConnection) -> dict[str, str]:
    try:
        return rows.read_meta(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            return {}  # another program's database, not a damaged board
        raise
