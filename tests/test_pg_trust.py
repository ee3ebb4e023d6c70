"""Issue 23 on a server: the team may only append to the op log and the server names the
role; what every role can see (schemas, channels) names no client; an outsider is told to
ask for a grant; a copy carries its team; a board made before all this is moved once.

Each team and person is a role of the test's own on the session's throwaway cluster
(``tests/pg_cluster.py``): Ana in the board's team, Olu in another team.
"""

from __future__ import annotations

import json
import secrets
import shlex
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from tests.helpers_store import person
from tests.needs import missing

from formboard.core.errors import BoardExists, BoardNotFound
from formboard.core.store import create_store, open_store
from formboard.core.store.schema import SCHEMA_VERSION

try:
    import psycopg
    from psycopg import sql
except ImportError:
    missing("psycopg is not installed (pip install -e '.[test]')")

ANA = person("ana", "Ana Ruiz", "psychology")
OLU = person("olu", "Olu Bello", "psychiatry")


@dataclass
class People:
    team: str  # the board's team
    ana: str  # in it
    other_team: str
    olu: str  # in the other team: an outsider to the board


@pytest.fixture
def people(pg_cluster) -> People:
    if pg_cluster.reason:
        missing(pg_cluster.reason)
    tag = secrets.token_hex(3)
    found = People(f"team_{tag}", f"ana_{tag}", f"others_{tag}", f"olu_{tag}")
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as admin:
        for team, member in ((found.team, found.ana), (found.other_team, found.olu)):
            admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(team)))
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                sql.Identifier(member), sql.Identifier(team)))  # fmt: skip
    return found


def code() -> str:
    return f"C-{secrets.token_hex(3)}"


def as_user(url: str, pg_cluster, user: str) -> str:
    return url.replace(f"user={pg_cluster.user}", f"user={user}")


def team_board(pg_cluster, people: People, name: str) -> str:
    """A board named ``name`` made by the owner (the cluster's superuser) for Ana's team,
    with a card of the owner's and one of Ana's; its address, as the owner's."""
    url = pg_cluster.url(name, team=people.team)
    with create_store(url, name) as store:
        store.add_card("symptoms", "Panic at work")
    with open_store(as_user(url, pg_cluster, people.ana), identity=ANA) as mine:
        mine.add_card("sources", "Early loss")
    return url


def by_hand(pg_cluster, user: str, schema: str) -> psycopg.Connection:
    conn = psycopg.connect(pg_cluster.conninfo(user))
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    conn.commit()  # kept past a refused statement's rollback
    return conn


# ------------------------------------------------------------------ the op log


def test_a_team_member_may_append_to_the_op_log_but_never_change_or_empty_it(
    pg_cluster, people
) -> None:
    url = team_board(pg_cluster, people, code())
    with open_store(url) as store:
        schema, before = store.schema, [o.model_dump() for o in store.ops()]
    conn = by_hand(pg_cluster, people.ana, schema)
    for statement in (
        "UPDATE ops SET author = 'someone else'",
        "UPDATE ops SET hash = NULL WHERE seq = 1",
        "DELETE FROM ops WHERE seq = 1",
        "TRUNCATE ops",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        conn.rollback()
    conn.close()
    with open_store(url) as store:
        assert [o.model_dump() for o in store.ops()] == before
        store.add_card("symptoms", "Still written")  # the owner's formboard is unaffected


def test_a_role_written_by_the_client_is_replaced_by_the_servers(pg_cluster, people) -> None:
    url = team_board(pg_cluster, people, code())
    with open_store(url) as store:
        schema = store.schema
    conn = by_hand(pg_cluster, people.ana, schema)
    conn.execute(
        "INSERT INTO ops (rev_from, rev_to, at, author, client_id, client_seq, op, entity, "
        "entity_id, role) VALUES (9, 9, '2026-12-07T10:00:00.000Z', 'ana', 'by-hand', 1, "
        "'note', 'board', '-', %s)",
        (pg_cluster.user,),  # the board's owner, forged
    )
    conn.commit()
    (role,) = conn.execute("SELECT role FROM ops WHERE client_id = 'by-hand'").fetchone()
    conn.close()
    assert role == people.ana


def test_the_log_says_the_role_the_server_recorded_beside_the_name(
    pg_cluster, people, tmp_path
) -> None:
    from formboard.cli import cli

    url = team_board(pg_cluster, people, code())
    runner = CliRunner()
    shown = runner.invoke(cli, ["log", url])
    assert shown.exit_code == 0, shown.output
    assert f"Ana Ruiz (role {people.ana})" in shown.output
    assert f"(role {pg_cluster.user})" in shown.output  # the owner's card
    listed = json.loads(runner.invoke(cli, ["log", url, "--json"]).output)
    assert {entry["role"] for entry in listed} == {people.ana, pg_cluster.user}
    path = tmp_path / "C-0421.board"  # a file has no roles: nothing is said
    with create_store(path, "C-0421") as store:
        store.add_card("symptoms", "Panic at work")
    assert "(role" not in runner.invoke(cli, ["log", str(path)]).output
    assert all(
        "role" not in e for e in json.loads(runner.invoke(cli, ["log", str(path), "--json"]).output)
    )


# ------------------------------------------------------------------ what outsiders see


def test_no_name_any_role_can_list_holds_a_client_code(pg_cluster, people) -> None:
    name = code()
    team_board(pg_cluster, people, name)
    with psycopg.connect(pg_cluster.conninfo(people.olu)) as conn:
        names = [
            row[0]
            for query in (
                "SELECT nspname FROM pg_namespace",
                "SELECT relname FROM pg_class",
                "SELECT proname FROM pg_proc",
                "SELECT typname FROM pg_type",
                "SELECT conname FROM pg_constraint",
                "SELECT tgname FROM pg_trigger",
                "SELECT description FROM pg_description",
                "SELECT array_to_string(proconfig, ',') FROM pg_proc WHERE proconfig IS NOT NULL",
            )
            for row in conn.execute(query)
        ]
    assert names and not [n for n in names if name in (n or "")]


def test_an_outsider_listening_hears_nothing_of_a_board(pg_cluster, people) -> None:
    """Olu LISTENs on every name he can see or guess; Ana's team hears an empty notice."""
    name = code()
    url = team_board(pg_cluster, people, name)
    with open_store(url) as store:
        channel = store.meta().get("channel", store.schema)  # a secret, in the board
    olu = psycopg.connect(pg_cluster.conninfo(people.olu), autocommit=True)
    seen = [r[0] for r in olu.execute("SELECT nspname FROM pg_namespace")]
    for guess in {*seen, f"board_{name}", name}:
        olu.execute(sql.SQL("LISTEN {}").format(sql.Identifier(guess)))
    team = psycopg.connect(pg_cluster.conninfo(people.ana), autocommit=True)
    team.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
    with open_store(as_user(url, pg_cluster, people.ana), identity=ANA) as mine:
        mine.add_card("symptoms", "Written while Olu listens")
    heard = [n.payload for n in team.notifies(timeout=5, stop_after=1)]
    overheard = [(n.channel, n.payload) for n in olu.notifies(timeout=1)]
    olu.close(), team.close()
    assert overheard == []
    assert heard == [""]  # the team's app reads what changed itself


def test_an_outsider_is_told_to_ask_for_a_grant_and_a_name_no_board_has_is_no_board(
    pg_cluster, people
) -> None:
    from formboard.cli import cli

    name = code()
    url = team_board(pg_cluster, people, name)
    runner = CliRunner()
    olu_url = as_user(url, pg_cluster, people.olu)
    refused = runner.invoke(cli, ["show", olu_url])
    said = refused.output.strip()
    assert refused.exit_code == 1 and len(said.splitlines()) == 1, refused.output
    assert said.startswith(
        "formboard: You are not in a team that may open this board; ask its owner to grant "
        "you: formboard grant '"
    ), said
    assert "Traceback" not in said and "board_" not in said
    nowhere = as_user(pg_cluster.url(code()), pg_cluster, people.olu)
    with pytest.raises(BoardNotFound, match=r"^There is no board "):
        open_store(nowhere)
    # The owner runs the command Olu was given, as printed (it names no user: the owner's
    # own connects, here from PGUSER): then Olu opens the board.
    words = shlex.split(said.split("ask its owner to grant you: formboard ", 1)[1])
    assert words[0] == "grant" and words[-1] == people.olu and "user=" not in words[1]
    granted = runner.invoke(cli, words, env={"PGUSER": pg_cluster.user})
    assert granted.exit_code == 0, granted.output
    with open_store(olu_url, identity=OLU) as store:
        store.add_card("resources", "Olu's part")
        assert len(store.board().cards) == 3
    # Only the owner grants: Ana (a team member) may not.
    ana_grants = runner.invoke(cli, ["grant", as_user(url, pg_cluster, people.ana), people.olu])
    assert ana_grants.exit_code == 1 and "Only the board's owner" in ana_grants.output


def test_a_name_looked_up_never_reaches_a_function_someone_else_wrote(pg_cluster, people) -> None:
    """Olu may make schemas; his "board" answers every name it is asked and keeps it. A
    look-up calls only a board's own formboard probe, so his table stays empty."""
    name = code()
    url = team_board(pg_cluster, people, name)
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("GRANT CREATE ON DATABASE postgres TO {}").format(
            sql.Identifier(people.olu)))  # fmt: skip
    trap = f"board_{secrets.token_hex(4)}"
    with psycopg.connect(pg_cluster.conninfo(people.olu), autocommit=True) as olu:
        t = sql.Identifier(trap)
        for statement in (
            "CREATE SCHEMA {t}",
            "CREATE TABLE {t}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE {t}.heard (name TEXT)",
            "CREATE FUNCTION {t}.holds_board(name TEXT) RETURNS boolean LANGUAGE sql "
            "SECURITY DEFINER AS $$ INSERT INTO {t}.heard VALUES ($1) RETURNING true $$",
            "GRANT USAGE ON SCHEMA {t} TO PUBLIC",
        ):
            olu.execute(sql.SQL(statement).format(t=t))
    with open_store(url) as store, open_store(as_user(url, pg_cluster, people.ana)) as mine:
        assert store.board().cards and mine.board().cards
    with pytest.raises(BoardExists):
        create_store(pg_cluster.url(name), name)  # a name once taken is refused
    with psycopg.connect(pg_cluster.conninfo(people.olu)) as olu:
        assert (
            olu.execute(
                sql.SQL("SELECT name FROM {}.heard").format(sql.Identifier(trap))
            ).fetchall()
            == []
        )


# ------------------------------------------------------------------ making and copying


def test_new_refuses_an_address_and_a_client_code_that_disagree(pg_cluster) -> None:
    from formboard.cli import cli

    if pg_cluster.reason:
        missing(pg_cluster.reason)
    named, client = code(), code()
    made = CliRunner().invoke(cli, ["new", pg_cluster.url(named), "--client", client])
    said = made.output.strip()
    assert made.exit_code == 1 and len(said.splitlines()) == 1, made.output
    assert f"names the board {named} but --client gives {client}" in said
    for name in (named, client):
        with pytest.raises(BoardNotFound, match="There is no board"):
            open_store(pg_cluster.url(name))


def test_a_copy_from_server_to_server_carries_its_team(pg_cluster, people) -> None:
    from tests.pg_cluster import Cluster

    from formboard.cli import cli

    name = code()
    url = team_board(pg_cluster, people, name)
    database = f"copies_{secrets.token_hex(3)}"
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    there = pg_cluster.url(name).replace("/postgres?", f"/{database}?")  # no &team= there
    copied = CliRunner().invoke(cli, ["copy", url, there])
    assert copied.exit_code == 0, copied.output
    with open_store(as_user(there, pg_cluster, people.ana), identity=ANA) as mine:
        assert sorted(c.title for c in mine.board().cards) == ["Early loss", "Panic at work"]
        mine.add_card("symptoms", "Written on the copy")
        roles = {op.role for op in mine.ops()}
    assert roles == {pg_cluster.user, people.ana}  # the source's roles, and the new op's
    with open_store(there) as copy:
        assert people.team in copy.teams()
    # A server where the team's role is not: the copy is made, for its owner alone.
    other = Cluster().start()
    try:
        if other.reason:
            missing(other.reason)
        elsewhere = other.url(name)
        copied = CliRunner().invoke(cli, ["copy", url, elsewhere])
        assert copied.exit_code == 0, copied.output
        with open_store(elsewhere) as copy:
            assert copy.teams() == [] and len(copy.board().cards) == 2
    finally:
        other.stop()


# ------------------------------------------------------------------ boards made before


def _as_made_before_schema_5(store, team: str) -> None:
    """Turn the board ``store`` made into one formboard made at schema 4: its schema named
    by its client code, no hash column, no role trigger or probe, the team granted the op
    log whole, the name and channel not in its meta."""
    legacy = f"board_{store.board_code}"
    s, old, t = sql.Identifier(store.schema), sql.Identifier(legacy), sql.Identifier(team)
    with psycopg.connect(store.conninfo) as conn:
        for statement in (
            "ALTER SCHEMA {s} RENAME TO {old}",
            "SET search_path TO {old}",
            "ALTER FUNCTION bump_revision() SET search_path = {old}",
            "DROP TRIGGER ops_role_is_the_servers ON ops",
            "DROP FUNCTION ops_role()",
            "DROP FUNCTION holds_board(TEXT)",
            "ALTER TABLE ops DROP COLUMN hash",
            "DELETE FROM meta WHERE key IN ('board', 'channel')",
            "UPDATE meta SET value = '4' WHERE key = 'schema_version'",
            "REVOKE ALL ON SCHEMA {old} FROM PUBLIC",
            "GRANT UPDATE, DELETE ON ops TO {t}",
        ):
            conn.execute(sql.SQL(statement).format(s=s, old=old, t=t))


def test_a_board_named_by_its_code_opens_until_its_owner_opens_it_and_then_moves(
    pg_cluster, people
) -> None:
    name = code()
    url = team_board(pg_cluster, people, name)
    with open_store(url) as store:
        board_id = store.meta()["board_id"]
        _as_made_before_schema_5(store, people.team)
    ana_url = as_user(url, pg_cluster, people.ana)
    mine = open_store(ana_url, identity=ANA)  # before its owner: read-only, and still found
    assert "ask whoever made the board to open it once" in (mine.read_only_reason or "")
    with pytest.raises(BoardNotFound, match="You are not in a team"):
        open_store(as_user(url, pg_cluster, people.olu))
    with open_store(url) as store:  # its owner: upgraded, moved, sealed
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION)
        assert store.schema == f"board_{board_id}"
        assert store.meta()["board"] == name and store.channel == store.meta()["channel"]
        with psycopg.connect(store.conninfo) as conn:
            unsealed = conn.execute(sql.SQL("SELECT count(*) FROM {}.ops WHERE hash IS NULL")
                                    .format(sql.Identifier(store.schema))).fetchone()  # fmt: skip
            schemas = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")]
        assert unsealed == (0,) and not [s for s in schemas if name in s]
        schema = store.schema
    assert len(mine.board().cards) == 2  # Ana's open board follows it where it went
    mine.close()
    with open_store(ana_url, identity=ANA) as mine:
        assert mine.read_only_reason is None
        mine.add_card("symptoms", "After the move")
    conn = by_hand(pg_cluster, people.ana, schema)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM ops")
    conn.close()


def test_a_board_file_is_shared_by_its_folder_not_granted(tmp_path) -> None:
    from formboard.cli import cli

    path = tmp_path / "C-0421.board"
    create_store(path, "C-0421").close()
    said = CliRunner().invoke(cli, ["grant", str(path), "team_a"])
    assert said.exit_code == 1 and len(said.output.strip().splitlines()) == 1, said.output
    assert "shared through its folder's group" in said.output
