"""Meetings in the board file: the op bodies that start, attend, leave and end one, and reads.

Each runs inside the write transaction (``writes.run_transaction``) and returns a Tx whose
records go to the op log, so a meeting is followed, backed up and replayed like a card.
"""

from __future__ import annotations

from formboard.core.errors import InvalidInput
from formboard.core.meetings import Attendee, Meeting
from formboard.core.rules import clean_line
from formboard.core.store.rows import MEETING_COLUMNS, meeting_from_row, read_revision
from formboard.core.store.sql import BoardConnection
from formboard.core.store.writes import Author, Record, Tx


def _running(conn: BoardConnection) -> Meeting | None:
    found = conn.execute(
        f"SELECT {MEETING_COLUMNS} FROM meetings WHERE ended_at IS NULL "
        "ORDER BY number DESC LIMIT 1"
    ).fetchone()
    return meeting_from_row(found, ()) if found else None


def _attend_record(number: int, attendee: Attendee) -> Record:
    return Record("attend", "meeting", str(number), None, None, {
        "login": attendee.login, "name": attendee.name, "discipline": attendee.discipline,
        "from_at": attendee.from_at,
    })  # fmt: skip


def start(conn: BoardConnection, author: Author, title: str, discipline: str) -> Tx:
    """Start a meeting with ``author`` as its facilitator (and its first attendee)."""
    p = conn.dialect.param
    try:
        title = clean_line(title)
    except ValueError as exc:
        raise InvalidInput(f"The meeting's title {exc}.") from None
    now = _running(conn)
    if now is not None:
        raise InvalidInput(
            f"{now.facilitator_said}'s meeting is already running on this board "
            f"(meeting {now.number}); end it first, or join it."
        )
    number = (conn.execute("SELECT MAX(number) FROM meetings").fetchone()[0] or 0) + 1
    started_rev = read_revision(conn)
    conn.execute(
        "INSERT INTO meetings (number, title, facilitator, facilitator_name, started_at, "
        f"started_rev) VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
        (number, title, author.login, author.name, author.at, started_rev),
    )
    records = [
        Record(
            "start_meeting",
            "meeting",
            str(number),
            None,
            None,
            {
                "title": title,
                "facilitator": author.login,
                "facilitator_name": author.name,
                "started_at": author.at,
                "started_rev": started_rev,
            },
        )
    ]
    attended = attend(conn, author, discipline, number)
    return Tx(number, records + attended.records)


def attend(conn: BoardConnection, author: Author, discipline: str, number: int | None = None) -> Tx:
    """Record ``author`` at the running meeting (again, if they had left); nothing if none runs."""
    p = conn.dialect.param
    meeting = _running(conn)
    if meeting is None or (number is not None and meeting.number != number):
        return Tx(None)
    row = conn.execute(
        f"SELECT to_at FROM attendance WHERE meeting = {p} AND login = {p} AND name = {p}",
        (meeting.number, author.login, author.name),
    ).fetchone()
    if row is not None and row["to_at"] is None:
        return Tx(meeting.number)  # already here
    person = Attendee(author.login, author.name, discipline, author.at)
    if row is None:
        conn.execute(
            "INSERT INTO attendance (meeting, login, name, discipline, from_at) "
            f"VALUES ({p}, {p}, {p}, {p}, {p})",
            (meeting.number, author.login, author.name, discipline, author.at),
        )
    else:  # back after leaving: from the first arrival to the last departure
        conn.execute(
            f"UPDATE attendance SET to_at = NULL WHERE meeting = {p} AND login = {p} "
            f"AND name = {p}",
            (meeting.number, author.login, author.name),
        )
    return Tx(meeting.number, [_attend_record(meeting.number, person)])


def leave(conn: BoardConnection, author: Author) -> Tx:
    """Record that ``author`` left the running meeting (nothing if they were not at one)."""
    p = conn.dialect.param
    meeting = _running(conn)
    if meeting is None:
        return Tx(None)
    changed = conn.execute(
        f"UPDATE attendance SET to_at = {p} WHERE meeting = {p} AND login = {p} AND name = {p} "
        "AND to_at IS NULL",
        (author.at, meeting.number, author.login, author.name),
    ).rowcount
    if not changed:
        return Tx(None)
    record = Record("leave", "meeting", str(meeting.number), None, None, {
        "login": author.login, "name": author.name, "to_at": author.at,
    })  # fmt: skip
    return Tx(meeting.number, [record])


def end(conn: BoardConnection, author: Author, facilitator_gone: bool) -> Tx:
    """End the running meeting; its facilitator's, or anyone's once the facilitator has gone.

    ``facilitator_gone`` is the caller's finding (from presence) that the facilitator no
    longer has the board open: their app crashed or their laptop went to sleep.
    """
    p = conn.dialect.param
    meeting = _running(conn)
    if meeting is None:
        raise InvalidInput("No meeting is running on this board.")
    if meeting.facilitator_person != author.person and not facilitator_gone:
        raise InvalidInput(
            f"{meeting.facilitator_said} is running this meeting and still has the board "
            "open; only they can end it while they are here."
        )
    ended_rev = read_revision(conn)
    conn.execute(
        f"UPDATE meetings SET ended_at = {p}, ended_rev = {p}, ended_by = {p}, ended_by_name = {p} "
        f"WHERE number = {p}",
        (author.at, ended_rev, author.login, author.name, meeting.number),
    )
    conn.execute(
        f"UPDATE attendance SET to_at = {p} WHERE meeting = {p} AND to_at IS NULL",
        (author.at, meeting.number),
    )
    record = Record("end_meeting", "meeting", str(meeting.number), None, None, {
        "ended_at": author.at, "ended_rev": ended_rev, "ended_by": author.login,
        "ended_by_name": author.name, "facilitator_gone": bool(facilitator_gone),
    })  # fmt: skip
    return Tx(meeting.number, [record])
