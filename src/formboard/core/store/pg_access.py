"""Who may find a board on a server, and open it: its name looked up, its teams granted.

A board's address names it (``?board=C-0421``, usually its client code) and that name is
kept only inside the board (``meta``), never in a name every role can list. Looking it up
asks each board the one question its ``PROBE`` answers for anyone — is this your name? —
so a role learns that a name it asked for is taken (and is told to ask for a grant), never
a name it did not ask for. A team is a role: it may read the board and add to it, and only
read and append to its op log.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from psycopg import sql

from formboard.core.errors import BoardNotFound, BoardReadOnly, InvalidInput
from formboard.core.model import now_iso
from formboard.core.store import ops, pg_schema
from formboard.core.store.edits import new_id
from formboard.core.store.pg_schema import PROBE, PROBE_BODY, SCHEMA_PREFIX, legacy_schema_name
from formboard.core.store.pg_sql import PgConnection


@dataclass(frozen=True)
class Found:
    """The boards with one name in their address, as the role asking may know them."""

    readable: tuple[str, ...]  # their schemas, where this role may open them
    elsewhere: bool  # none of those, and one this role may not open

    def schema(self, name: str, location: str, me: str) -> str:
        """The one schema to open; else one sentence (BoardNotFound) that says why not."""
        if len(self.readable) == 1:
            return self.readable[0]
        if self.readable:
            raise BoardNotFound(
                f"More than one board at {location} is named {name}; ask whoever runs the "
                "server which one is yours."
            )
        if self.elsewhere:
            raise BoardNotFound(
                "You are not in a team that may open this board; ask its owner to grant you: "
                f"formboard grant {shlex.quote(for_its_owner(location))} {shlex.quote(me)}"
            )
        raise BoardNotFound(f"There is no board {name} at {location}.")


# Every board whose probe is formboard's own, owned as its schema and its meta are, with
# whether this role may read it. A probe another role wrote is never called with a name.
_PROBES = """
SELECT n.nspname, has_table_privilege(c.oid, 'SELECT')
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'meta'
JOIN pg_proc p ON p.pronamespace = n.oid AND p.proname = %(probe)s
WHERE starts_with(n.nspname, %(prefix)s) AND has_schema_privilege(n.oid, 'USAGE')
  AND c.relkind = 'r' AND c.relowner = n.nspowner AND NOT c.relrowsecurity
  AND NOT c.relhassubclass
  AND (SELECT array_agg(a.atttypid ORDER BY a.attname) FROM pg_attribute a
       WHERE a.attrelid = c.oid AND a.attname IN ('key', 'value') AND NOT a.attisdropped)
      = ARRAY['text'::regtype::oid, 'text'::regtype::oid]
  AND p.proargtypes = '25'::oidvector -- (text): with proname and pronamespace, an index
  AND p.proowner = n.nspowner AND p.prosecdef AND p.prorettype = 'boolean'::regtype
  AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
  AND p.prosrc = %(body)s
  AND p.proconfig = ARRAY['search_path=pg_catalog, ' || quote_ident(n.nspname) || ', pg_temp']
ORDER BY n.nspname
"""


def locate(raw: psycopg.Connection[Any], name: str) -> Found:
    """Where the board named ``name`` (the ``?board=`` of its address) is, in this role's
    view: the boards by that name it may open, or else whether there is one it may not.

    A role learns that a name it asked for is taken, never a name it did not ask for. The
    boards it may open are asked first (a team's few); the others only when none of those
    has the name. Boards made before schema 5 are found by their schema's name until then.
    """
    probes = raw.execute(
        _PROBES, {"probe": PROBE, "prefix": SCHEMA_PREFIX, "body": PROBE_BODY}
    ).fetchall()
    legacy = legacy_schema_name(name)
    old = raw.execute(
        "SELECT has_schema_privilege(n.oid, 'USAGE') "
        "AND COALESCE(has_table_privilege(c.oid, 'SELECT'), false) FROM pg_namespace n "
        "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'meta' "
        "WHERE n.nspname = %s",
        (legacy,),
    ).fetchone()
    if legacy in {s for s, _ in probes}:
        old = None  # a board of schema 5 after all: its probe answers
    readable = _holding(raw, [s for s, may in probes if may], name)
    if old is not None and old[0]:
        readable.append(legacy)
    if readable:
        return Found(tuple(readable), False)
    others = _holding(raw, [s for s, may in probes if not may], name)
    return Found((), bool(others) or old is not None)


def _holding(raw: psycopg.Connection[Any], schemas: list[str], name: str) -> list[str]:
    """Those of ``schemas`` whose board is named ``name``, each asked by its probe."""
    if not schemas:
        return []
    asked = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {} WHERE {}.{}({})").format(
            sql.Literal(s), sql.Identifier(s), sql.Identifier(PROBE), sql.Literal(name)
        )
        for s in schemas
    )
    return [row[0] for row in raw.execute(asked)]


def for_its_owner(location: str) -> str:
    """The board's address as its owner types it: without the asker's user or a team."""
    parts = urlsplit(location)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in ("user", "team")]  # fmt: skip
    netloc, rest = parts.netloc.rsplit("@", 1)[-1], urlencode(query, safe="/")
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{rest}" if rest else "")


def make(
    raw: psycopg.Connection[Any], name: str, client: str, title: str, team: str | None
) -> tuple[str, str] | None:
    """Make the board named ``name`` in the caller's transaction: its schema and channel,
    or None when a board by that name is there already (whoever may open it)."""
    raw.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.NEW_BOARD_LOCK,))
    taken = locate(raw, name)
    if taken.readable or taken.elsewhere:
        return None
    board_id = new_id()
    made, channel = pg_schema.schema_name(board_id), pg_schema.new_channel()
    for statement in pg_schema.create_statements(made):
        raw.execute(statement)
    raw.cursor().executemany(
        "INSERT INTO meta (key, value) VALUES (%s, %s)",
        pg_schema.meta_rows(client, title, board_id, now_iso(), name, channel),
    )
    if team:
        grant(raw, made, team)
    return made, channel


# ------------------------------------------------------------------ teams


def grant_as_owner(raw: psycopg.Connection[Any], schema_name: str, roles: list[str]) -> list[str]:
    """Grant the board to each of ``roles`` there is on the server (``grant``), as its owner;
    the roles there are not. BoardReadOnly if this role is not its owner."""
    owner = raw.execute(
        "SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace WHERE nspname = %s",
        (schema_name,),
    ).fetchone()
    if not (owner and owner[0]):
        raise BoardReadOnly("Only the board's owner (whoever made it) may grant it to a team.")
    missing = []
    for role in roles:
        if raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            grant(raw, schema_name, role)
        else:
            missing.append(role)
    return missing


def no_such_role(role: str) -> InvalidInput:
    return InvalidInput(
        f"There is no role {role} on the board's server; whoever runs it makes the team roles."
    )


def grant(raw: psycopg.Connection[Any], schema_name: str, role: str) -> None:
    """Let ``role`` (a team) open the board in ``schema_name``: read and write every table
    but the op log, which it may only read and append to (what the identity needs too)."""
    s, r = sql.Identifier(schema_name), sql.Identifier(role)
    for statement in (
        "GRANT USAGE ON SCHEMA {s} TO {r}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        "REVOKE UPDATE, DELETE, TRUNCATE ON {s}.ops FROM {r}",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ):
        raw.execute(sql.SQL(statement).format(s=s, r=r))


def teams(raw: psycopg.Connection[Any], schema_name: str) -> list[str]:
    """The roles the board in ``schema_name`` is granted to (who may read it), its owner aside."""
    found = raw.execute(
        "SELECT DISTINCT r.rolname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE n.nspname = %s AND c.relname = 'meta' AND a.privilege_type = 'SELECT' "
        "AND a.grantee <> c.relowner ORDER BY 1",
        (schema_name,),
    ).fetchall()
    return [row[0] for row in found]


def fill(conn: PgConnection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """``rows`` into a new, empty board in the caller's transaction (``ops.fill``).

    The op log keeps the roles that wrote it on the source's server (none from a file):
    its owner alone may switch off the trigger that writes the role, for this transaction.
    """
    trigger = sql.Identifier(pg_schema.ROLE_TRIGGER)
    conn.raw.execute(sql.SQL("ALTER TABLE ops DISABLE TRIGGER {}").format(trigger))
    ops.fill(conn, {**rows, "ops": [{"role": "", **row} for row in rows["ops"]]})
    conn.raw.execute(sql.SQL("ALTER TABLE ops ENABLE TRIGGER {}").format(trigger))
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('ops', 'seq'), "
        "GREATEST((SELECT MAX(seq) FROM ops), 1))"
    )


def drop(raw: psycopg.Connection[Any], schema_name: str) -> None:
    """Drop a board just made whose filling failed (an import), committed."""
    raw.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema_name)))
    raw.commit()
