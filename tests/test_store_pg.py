"""Boards on PostgreSQL: the address, the server's answers, retries, NOTIFY, teams, and
writers in parallel or killed mid-transaction (the contract itself is tests/test_store.py)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers_store import person, subprocess_env
from tests.needs import missing

from formboard.core.errors import BoardNotFound, BoardReadOnly, InvalidInput
from formboard.core.store import create_store, open_store
from formboard.core.store.schema import SCHEMA_VERSION

try:
    import psycopg
except ImportError:
    missing("psycopg is not installed (pip install -e '.[test]')")


def test_an_address_names_its_board_and_never_holds_a_password() -> None:
    from formboard.core.store.pg_url import parse_board_url, redacted

    conninfo, board, team = parse_board_url("postgresql://db.example/care?board=C-0421&team=t_a")
    assert (conninfo, board, team) == ("postgresql://db.example/care", "C-0421", "t_a")
    with pytest.raises(InvalidInput, match="names no board"):
        parse_board_url("postgresql://db.example/care")
    with pytest.raises(InvalidInput, match="never in the board's address"):
        parse_board_url("postgresql://ana:secret@db.example/care?board=C-0421")
    assert (
        redacted("postgresql://ana:secret@db/care?board=C-1")
        == "postgresql://ana@db/care?board=C-1"
    )


def test_a_server_that_is_not_there_and_a_board_that_is_not_are_one_sentence(tmp_path, pg_url):
    nowhere = f"postgresql:///postgres?host={tmp_path}&board=C-0421"
    with pytest.raises(BoardNotFound, match="could not be reached"):
        open_store(nowhere)
    with pytest.raises(BoardNotFound, match="There is no board"):
        open_store(pg_url)


def test_a_board_from_a_newer_formboard_opens_read_only(pg_url) -> None:
    with create_store(pg_url, "C-0421") as store:
        store.add_card("symptoms", "Panic at work")
        with psycopg.connect(store.conninfo) as conn:
            conn.execute(psycopg.sql.SQL("UPDATE {}.meta SET value = '99' WHERE key = "
                                         "'schema_version'").format(psycopg.sql.Identifier(store.schema)))  # fmt: skip
    with open_store(pg_url) as newer:
        assert "newer formboard (schema 99" in newer.read_only_reason
        assert [c.title for c in newer.board().cards] == ["Panic at work"]
        with pytest.raises(BoardReadOnly):
            newer.add_card("symptoms", "Insomnia")


def test_a_commit_whose_answer_is_lost_is_tried_again_and_lands_once(pg_url, monkeypatch):
    from formboard.core.store.pg_sql import PgConnection

    real = PgConnection.commit
    lost: list[bool] = []

    def commit(self):
        real(self)  # it landed; then its answer is lost
        if not lost:
            lost.append(True)
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    with create_store(pg_url, "C-0421") as store:
        monkeypatch.setattr(PgConnection, "commit", commit)
        card = store.add_card("symptoms", "Panic at work")
        monkeypatch.undo()
        assert lost == [True]
        assert [c.id for c in store.board().cards] == [card.id]
        assert [op.op for op in store.ops()].count("add_card") == 1


def test_every_write_is_notified_on_the_boards_channel(pg_url) -> None:
    """The channel is the board's secret (in its meta); the notice itself says nothing."""
    with create_store(pg_url, "C-0421") as store:
        listener = psycopg.connect(store.conninfo, autocommit=True)
        listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(store.channel)))
        store.add_card("symptoms", "Panic at work")
        heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        listener.close()
        assert heard == [""]
        assert store.channel == store.meta()["channel"] != store.schema


def test_the_cli_works_on_a_board_on_the_server(pg_url) -> None:
    from formboard.cli import cli

    runner = CliRunner()
    code = pg_url.rsplit("board=", 1)[1]  # on a server, the address names the board by its code
    made = runner.invoke(cli, ["new", pg_url, "--client", code, "--title", "On the server"])
    assert made.exit_code == 0, made.output
    assert f"Created a board for {code} at postgresql://" in made.output
    added = runner.invoke(cli, ["add", pg_url, "symptoms", "Panic at work"])
    assert added.exit_code == 0, added.output
    shown = runner.invoke(cli, ["show", pg_url, "--plain"])
    assert "Panic at work" in shown.output
    checked = runner.invoke(cli, ["check", pg_url])
    assert checked.exit_code == 0 and "server: ok" in checked.output


def test_a_team_reaches_only_its_own_boards_even_by_hand(pg_cluster, pg_url) -> None:
    """Each team is a role; a board made with ?team= is granted to that role alone."""
    admin = psycopg.connect(pg_cluster.conninfo(), autocommit=True)
    for role in ("team_a", "team_b"):
        admin.execute(f"DROP ROLE IF EXISTS {role}_member")
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} NOLOGIN")
        admin.execute(f"CREATE ROLE {role}_member LOGIN IN ROLE {role}")
    board_a = pg_url + "&team=team_a"
    with create_store(board_a, "C-0421") as store:
        store.add_card("symptoms", "Panic at work")
        schema = store.schema
    ana = board_a.replace(f"user={pg_cluster.user}", "user=team_a_member")
    with open_store(ana, identity=person("ana", "Ana Ruiz")) as mine:
        mine.add_card("symptoms", "Insomnia")  # a member of team A reads and writes it
        assert len(mine.board().cards) == 2
    ben = board_a.replace(f"user={pg_cluster.user}", "user=team_b_member")
    with pytest.raises(BoardNotFound):
        open_store(ben)
    by_hand = psycopg.connect(pg_cluster.conninfo("team_b_member"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        by_hand.execute(f'SELECT title FROM "{schema}".cards').fetchall()
    by_hand.close()
    admin.close()


WRITER = """
import sys
from formboard.core.store import open_store
from tests.helpers_store import person
url, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_store(url, identity=person(who, who)) as store:
    for i in range(n):
        store.add_card("symptoms", f"{who} {i}")
"""


def test_four_writers_a_hundred_ops_each_lose_nothing(pg_url) -> None:
    with create_store(pg_url, "C-0421") as store:
        pass
    env = {**subprocess_env(), "PYTHONPATH": subprocess_env()["PYTHONPATH"] + os.pathsep + "tests"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, pg_url, f"w{k}", "100"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    errors = [w.communicate(timeout=240)[1] for w in writers]
    assert [w.returncode for w in writers] == [0] * 4, errors
    with open_store(pg_url) as store:
        board = store.board()
        assert len(board.cards) == 400
        assert len({c.title for c in board.cards}) == 400
        assert [op.op for op in store.ops()].count("add_card") == 400
        assert store.revision() == max(op.revision for op in store.ops())


KILLED_WRITER = """
import sys
from formboard.core.store import open_store
from tests.helpers_store import person
url, who = sys.argv[1], sys.argv[2]
with open_store(url, identity=person(who, who)) as store:
    for i in range(100000):
        print("begin", i, flush=True)
        store.add_card("symptoms", f"{who} {i}")
        print("acked", i, flush=True)
"""


def test_a_writer_killed_mid_transaction_leaves_only_whole_ops(pg_url) -> None:
    """Ten writers, each killed (SIGKILL) at a random moment after its first acknowledged
    op: every acknowledged op is on the board, every card is a whole op, and the kills
    really fell inside ops (a writer killed before it wrote would prove nothing)."""
    with create_store(pg_url, "C-0421") as store:
        pass
    env = {**subprocess_env(), "PYTHONPATH": subprocess_env()["PYTHONPATH"] + os.pathsep + "tests"}
    rng = random.Random(421)
    acked: set[str] = set()
    inside = 0
    for k in range(10):
        writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, pg_url, f"k{k}"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda w=writer, out=lines: out.extend(w.stdout), daemon=True
        )
        reader.start()
        deadline = time.monotonic() + 60
        while not any(line.startswith("acked") for line in lines):  # its first op landed
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline, "the writer acknowledged nothing in 60 s"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        reader.join(timeout=5)
        # Whole lines only: unbuffered (PYTHONUNBUFFERED), a kill can fall inside a print.
        done = [line for line in lines if line.endswith("\n")]
        acked |= {f"k{k} {line.split()[1]}" for line in done if line.startswith("acked")}
        inside += lines[-1].startswith("begin")  # killed between an op's start and its answer
    assert inside >= 1, "no kill fell inside an op"
    with open_store(pg_url) as store:
        board = store.board()
        added = [op for op in store.ops() if op.op == "add_card"]
        assert {c.id for c in board.cards} == {op.entity_id for op in added}
        titles = {c.title for c in board.cards}
        assert acked <= titles  # every acknowledged op landed
        assert len(titles) <= len(acked) + 10  # at most the one in flight per writer more
        store.add_card("symptoms", "After the crashes")  # nothing is stuck
        assert store.revision() == max(op.revision for op in store.ops())


def test_each_op_records_the_database_role_beside_the_os_login(pg_cluster, pg_url) -> None:
    """The server sets the role (a trigger writes current_user): a client cannot write
    another's (tests/test_pg_trust.py forges one)."""
    with create_store(pg_url, "C-0421") as store:
        store.add_card("symptoms", "Panic at work")
        with psycopg.connect(store.conninfo) as conn:
            found = conn.execute(
                psycopg.sql.SQL("SELECT author, role FROM {}.ops ORDER BY seq").format(
                    psycopg.sql.Identifier(store.schema)
                )
            ).fetchall()
    assert found and {role for _author, role in found} == {pg_cluster.user}
    assert {author for author, _role in found} == {store.identity.login}


def test_presence_is_in_the_database_and_a_crashed_apps_entry_is_forgotten(pg_url) -> None:
    from formboard.core.store.pg_live import PgPresence

    with create_store(pg_url, "C-0421") as store:
        card = store.add_card("symptoms", "Panic at work")
        ana = PgPresence(store, person("ana", "Ana Ruiz"), stale_after=0.5)
        ben = PgPresence(store, person("ben", "Ben Okafor"), stale_after=0.5)
        ana.announce(card.id, None, view="card")
        ben.announce(None, None)
        (seen,) = ben.others()
        assert (seen.name, seen.focused, seen.view) == ("Ana Ruiz", card.id, "card")
        assert [op.op for op in store.ops()] == ["add_card", "upsert_member"]  # no op for it
        time.sleep(2.5)  # Ana's app was killed: no beat, no leave; Ben's beats
        ben.announce(None, None)
        assert ben.others() == []
        with psycopg.connect(store.conninfo) as conn:
            left = conn.execute(
                psycopg.sql.SQL("SELECT key FROM {}.presence").format(
                    psycopg.sql.Identifier(store.schema)
                )
            ).fetchall()
        assert left == [(ben.key,)]
        ben.leave()


def test_the_server_has_the_files_tables_and_columns(pg_url, tmp_path) -> None:
    """Each backend writes its own DDL: the two agree on every table and column (the op
    log on a server also keeps the role that wrote each op)."""
    import sqlite3

    path = tmp_path / "C-0421.board"
    create_store(path, "C-0421").close()
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        on_file = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    with create_store(pg_url, "C-0421") as store, psycopg.connect(store.conninfo) as conn:
        on_server = {
            t: [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s ORDER BY ordinal_position", (store.schema, t),
            )]
            for t in on_file
        }  # fmt: skip
    on_file["ops"].append("role")
    assert on_server == on_file


def test_the_readmes_backup_of_one_board_finds_it(pg_cluster, tmp_path) -> None:
    """The README's line, run as it is written (in the project's folder), finds the board's
    schema (an opaque name, which `formboard check` says) and dumps it."""
    import psycopg

    from formboard.cli import cli
    from formboard.core.importing import import_board

    if pg_cluster.reason:
        missing(pg_cluster.reason)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("pg_dump -n "))
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS formboard")
        conn.execute("CREATE DATABASE formboard")
    sample = Path(__file__).resolve().parents[1] / "sample_boards" / "C-0421.json"
    import_board(sample, tmp_path / "C-0421.board").close()
    url = f"postgresql:///formboard?host={pg_cluster.folder}&user={pg_cluster.user}&board=C-0421"
    copied = CliRunner().invoke(cli, ["copy", str(tmp_path / "C-0421.board"), url])
    assert copied.exit_code == 0, copied.output
    env = {**os.environ, "PGHOST": str(pg_cluster.folder), "PGUSER": pg_cluster.user}
    (tmp_path / ".venv").symlink_to(Path(__file__).resolve().parents[1] / ".venv")
    done = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    dump = (tmp_path / "C-0421.sql").read_text(encoding="utf-8")
    with open_store(url) as store:
        assert store.schema.startswith("board_") and "C-0421" not in store.schema
        assert f"CREATE TABLE {store.schema}.cards" in dump


def _as_schema_3(store) -> None:
    """Turn the board ``store`` made into one a formboard of schema 3 made: members and who
    came keyed by login alone."""
    with psycopg.connect(store.conninfo) as conn:
        conn.execute(psycopg.sql.SQL("SET search_path TO {}").format(
            psycopg.sql.Identifier(store.schema)))  # fmt: skip
        for statement in (
            "ALTER TABLE members DROP CONSTRAINT members_pkey",
            "ALTER TABLE members ADD PRIMARY KEY (login)",
            "ALTER TABLE attendance DROP CONSTRAINT attendance_pkey",
            "ALTER TABLE attendance ADD PRIMARY KEY (meeting, login)",
            "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
        ):
            conn.execute(statement)


def test_a_schema_3_board_on_the_server_is_upgraded_and_tells_people_at_one_login_apart(
    pg_cluster, pg_url
) -> None:
    ana, ben = person("ward", "Ana Ruiz", "psychology"), person("ward", "Ben Okafor", "psychiatry")
    with create_store(pg_url, "C-0421", identity=ana) as store:
        store.add_card("symptoms", "Panic at work")
        store.start_meeting("Ward round")
        _as_schema_3(store)
    with open_store(pg_url, identity=ben) as store:
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION)
        assert store.read_only_reason is None
        store.attend_meeting()
        store.add_card("sources", "Early loss")
        members = [(m.login, m.name) for m in store.board().members]
        (meeting,) = store.meetings()
    assert members == [("ward", "Ana Ruiz"), ("ward", "Ben Okafor")]
    assert [a.name for a in meeting.attendees] == ["Ana Ruiz", "Ben Okafor"]


def test_a_team_member_who_cannot_upgrade_an_old_board_reads_it_and_is_told_who_can(
    pg_cluster, pg_url
) -> None:
    admin = psycopg.connect(pg_cluster.conninfo(), autocommit=True)
    admin.execute("DROP ROLE IF EXISTS team_c_member")
    admin.execute("DROP ROLE IF EXISTS team_c")
    admin.execute("CREATE ROLE team_c NOLOGIN")
    admin.execute("CREATE ROLE team_c_member LOGIN IN ROLE team_c")
    board = pg_url + "&team=team_c"
    with create_store(board, "C-0421") as store:
        store.add_card("symptoms", "Panic at work")
        _as_schema_3(store)
    member = board.replace(f"user={pg_cluster.user}", "user=team_c_member")
    with open_store(member, identity=person("ward", "Ben Okafor")) as store:
        assert "ask whoever made the board to open it once" in (store.read_only_reason or "")
        assert [c.title for c in store.board().cards] == ["Panic at work"]
    with open_store(board) as owner:  # its owner opens it: upgraded for everyone
        assert owner.meta()["schema_version"] == str(SCHEMA_VERSION)
    with open_store(member, identity=person("ward", "Ben Okafor")) as store:
        assert store.read_only_reason is None
        store.add_card("sources", "Early loss")
    admin.close()
