"""The board file's schema, connection settings and migrations.

Only the store package speaks SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

FORMAT_NAME = "formboard"
# 2: a row changed outside formboard gets a new rev (outside_rev_triggers)
# 3: meetings and who came to them (MEETINGS)
# 4: members and who came keyed by login and name (PEOPLE): colleagues may share a login
SCHEMA_VERSION = 5

# Connection settings, DESIGN §3: the same for every opener of a board, on a local disk or
# through a mount, because colleagues may reach the same file either way.
# The journal file stays and its header is zeroed at commit (PERSIST): a client whose
# attribute cache still lists a deleted journal (sshfs) takes it for a hot journal it
# cannot open, and fails with "unable to open database file". Never WAL (sqlite.org/wal).
JOURNAL_PRAGMA = "PRAGMA journal_mode=PERSIST"
PRAGMAS = (
    "PRAGMA synchronous=FULL",
    "PRAGMA mmap_size=0",
    "PRAGMA foreign_keys=ON",
)
BUSY_TIMEOUT_S = 8.0

# Tables whose every row change bumps meta.revision, so writers that bypass
# formboard (the sqlite3 shell) still move the revision that viewers watch.
WATCHED_TABLES = ("cards", "perspectives", "links", "members")
MEETING_TABLES = ("meetings", "attendance")

SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE cards (
    id           TEXT PRIMARY KEY,
    col          TEXT NOT NULL,
    position     REAL NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    client_words TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'hypothesis',
    domain       TEXT,
    archived     INTEGER NOT NULL DEFAULT 0,
    rev          INTEGER NOT NULL DEFAULT 1,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL DEFAULT '',
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cards_by_column ON cards (col, archived, position);
CREATE TABLE perspectives (
    id          TEXT PRIMARY KEY,
    card_id     TEXT NOT NULL REFERENCES cards (id),
    author      TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    discipline  TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    rev         INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX perspectives_by_card ON perspectives (card_id);
CREATE TABLE links (
    id         TEXT PRIMARY KEY,
    from_id    TEXT NOT NULL REFERENCES cards (id),
    to_id      TEXT NOT NULL REFERENCES cards (id),
    kind       TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    author     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT '',
    UNIQUE (from_id, to_id, kind)
);
CREATE INDEX links_by_to ON links (to_id);
CREATE TABLE members (
    login      TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    initials   TEXT NOT NULL DEFAULT '',
    last_seen  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE ops (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    rev_from    INTEGER NOT NULL,
    rev_to      INTEGER NOT NULL,
    at          TEXT NOT NULL,
    author      TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    client_id   TEXT NOT NULL,
    client_seq  INTEGER NOT NULL,
    part        INTEGER NOT NULL DEFAULT 0,
    op          TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    entity_rev  INTEGER,
    before      TEXT,
    after       TEXT,
    hash        TEXT,
    UNIQUE (client_id, client_seq, part)
);
CREATE INDEX ops_by_revision ON ops (rev_to);
CREATE INDEX ops_by_entity ON ops (entity_id, entity_rev);
"""


# Schema 3: a meeting (numbered 1, 2, ... on its board) and one row per person who came.
# started_rev is the board's revision when it began, ended_rev when it ended: what the
# meeting changed is the op log between the two.
MEETINGS = """
CREATE TABLE IF NOT EXISTS meetings (
    number           INTEGER PRIMARY KEY,
    title            TEXT NOT NULL DEFAULT '',
    facilitator      TEXT NOT NULL,
    facilitator_name TEXT NOT NULL DEFAULT '',
    started_at       TEXT NOT NULL,
    started_rev      INTEGER NOT NULL,
    ended_at         TEXT,
    ended_rev        INTEGER,
    ended_by         TEXT,
    ended_by_name    TEXT
);
CREATE TABLE IF NOT EXISTS attendance (
    meeting    INTEGER NOT NULL REFERENCES meetings (number),
    login      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    from_at    TEXT NOT NULL,
    to_at      TEXT,
    PRIMARY KEY (meeting, login)
);
"""


# Schema 4: two people at one OS login (a ward PC) are two people, so a member and a place
# in a meeting's attendance belong to a login *and* a name. SQLite cannot change a primary
# key: each table is made anew beside the old one, filled from it, and put in its place
# (its revision triggers, dropped with the old table, are made again).
PEOPLE = """
CREATE TABLE members_by_person (
    login      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    initials   TEXT NOT NULL DEFAULT '',
    last_seen  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (login, name)
);
INSERT INTO members_by_person (login, name, discipline, initials, last_seen)
    SELECT login, name, discipline, initials, last_seen FROM members;
DROP TABLE members;
ALTER TABLE members_by_person RENAME TO members;
CREATE TABLE attendance_by_person (
    meeting    INTEGER NOT NULL REFERENCES meetings (number),
    login      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    from_at    TEXT NOT NULL,
    to_at      TEXT,
    PRIMARY KEY (meeting, login, name)
);
INSERT INTO attendance_by_person (meeting, login, name, discipline, from_at, to_at)
    SELECT meeting, login, name, discipline, from_at, to_at FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_by_person RENAME TO attendance;
"""


def revision_triggers(tables: tuple[str, ...] = WATCHED_TABLES) -> str:
    """Triggers that bump meta.revision on every row change of the watched tables."""
    bump = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision';"
    out = []
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_bumps_revision"
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN {bump} END;"
            )
    return "\n".join(out)


# The fields whose change is a change of the row (position alone is renumbering).
_ROW_FIELDS = {
    "cards": ("col", "title", "body", "client_words", "status", "domain", "archived"),
    "perspectives": ("text", "discipline"),
}


def outside_rev_triggers() -> str:
    """Triggers that give a row a new ``rev`` when a writer outside formboard changes it.

    formboard's own updates always set ``rev = rev + 1``; an UPDATE from the sqlite3
    shell that leaves ``rev`` alone would otherwise be overwritten by an edit based on
    the old rev, without the keep-mine / keep-theirs choice. A new rev the op log cannot
    explain sends that edit through the conflict path.
    """
    out = []
    for table, fields in _ROW_FIELDS.items():
        changed = " OR ".join(f"NEW.{f} IS NOT OLD.{f}" for f in fields)
        out.append(
            f"CREATE TRIGGER {table}_outside_update_bumps_rev AFTER UPDATE ON {table} "
            f"WHEN NEW.rev = OLD.rev AND ({changed}) "
            f"BEGIN UPDATE {table} SET rev = OLD.rev + 1 WHERE id = NEW.id; END;"
        )
    return "\n".join(out)


def _add_outside_rev_triggers(conn: sqlite3.Connection) -> None:
    for statement in outside_rev_triggers().split("\n"):
        conn.execute(statement)


def _add_meetings(conn: sqlite3.Connection) -> None:
    for statement in (MEETINGS + revision_triggers(MEETING_TABLES)).split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _tell_people_apart(conn: sqlite3.Connection) -> None:
    for statement in (PEOPLE + revision_triggers(("members", "attendance"))).split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _chain_the_op_log(conn: sqlite3.Connection) -> None:
    from formboard.core.store.chain import seal

    if "hash" not in {row[1] for row in conn.execute("PRAGMA table_info(ops)")}:
        conn.execute("ALTER TABLE ops ADD COLUMN hash TEXT")
    seal(conn)  # type: ignore[arg-type]  # a board's connection (files.SqliteConnection)


def configure(conn: sqlite3.Connection, writable: bool = True) -> None:
    """Apply the connection settings every board connection uses.

    The journal mode only on a writable connection: only a writer (holding the lease)
    writes a journal.
    """
    for pragma in PRAGMAS:
        conn.execute(pragma)
    if writable:
        conn.execute(JOURNAL_PRAGMA)


def create_schema(
    conn: sqlite3.Connection, client: str, title: str, board_id: str, at: str
) -> None:
    """Create a fresh board's tables inside the caller's transaction."""
    for statement in (SCHEMA_V1 + revision_triggers() + "\n" + outside_rev_triggers()).split(";\n"):
        if statement.strip():
            conn.execute(statement)
    _add_meetings(conn)
    _tell_people_apart(conn)
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [
            ("format", FORMAT_NAME),
            ("schema_version", str(SCHEMA_VERSION)),
            ("revision", "0"),
            ("board_id", board_id),
            ("client", client),
            ("title", title),
            ("created_at", at),
        ],
    )


# from-version -> function that upgrades the schema by one version, inside a transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_outside_rev_triggers,
    2: _add_meetings,
    3: _tell_people_apart,
    4: _chain_the_op_log,  # every op row's hash (``chain``), starting from what it holds
}


def migrate(conn: sqlite3.Connection, from_version: int) -> int:
    """Upgrade from ``from_version`` to SCHEMA_VERSION step by step; returns the new version."""
    version = from_version
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](conn)
        version += 1
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    return version
