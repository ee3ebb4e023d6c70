"""The op log is tamper-evident: a hash chain, held to what each computer has seen of it.

Each test damages history as a person with the ``sqlite3`` shell (or a server's owner)
would, writes normally afterwards, and reads what ``formboard check``, the commands and
the app say (``core/store/chain.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.helpers_store import raw

from formboard.cli import cli
from formboard.core.store import BoardStore, chain
from formboard.core.store.sql import POSTGRESQL, SQLITE

runner = CliRunner()


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def made(path: Path | str, cards: int = 4, client: str = "C-0421") -> Path | str:
    """A board with ``cards`` cards added one by one with the CLI (ops 1 … cards + 1)."""
    made = run("new", path, "--client", client)
    assert made.exit_code == 0, made.output
    for n in range(cards):
        assert run("add", path, "symptoms", f"Card {n + 1}").exit_code == 0
    return path


class _Shell:
    """A plain connection (sqlite3's, or psycopg's as psql would be) as the chain's
    functions use one: a tamperer's tool."""

    def __init__(self, conn: Any, dialect: Any = SQLITE) -> None:
        self.conn, self.dialect = conn, dialect

    def execute(self, statement: str, params: Any = ()) -> Any:
        if self.dialect is SQLITE:
            return self.conn.execute(statement, params)
        from psycopg.rows import dict_row

        return self.conn.cursor(row_factory=dict_row).execute(statement, params)


def _swap(conn: Any, a: int, b: int, p: str = "?") -> None:
    """Rows a and b change places (their contents, hashes included): history reordered."""
    names = [*chain.CHAINED, "hash"]
    rows = {
        seq: conn.execute(f"SELECT {', '.join(names)} FROM ops WHERE seq = {p}", (seq,)).fetchone()
        for seq in (a, b)
    }
    for seq in (a, b):  # out of the way of the UNIQUE (client_id, client_seq, part)
        conn.execute(f"UPDATE ops SET client_seq = -client_seq - seq WHERE seq = {p}", (seq,))
    for seq, other in ((a, b), (b, a)):
        sets = ", ".join(f"{n} = {p}" for n in names)
        conn.execute(f"UPDATE ops SET {sets} WHERE seq = {p}", (*rows[other], seq))


# The tamper, and the first row whose hash no longer follows (ops: 1 add, 2 member, 3 … adds).
# ``p`` is the database's parameter marker: the same tampers on a file and on a server.
TAMPERS: dict[str, tuple[Callable[[Any, str], Any], int]] = {
    "delete": (lambda c, p: c.execute("DELETE FROM ops WHERE seq = 3"), 4),
    "update": (
        lambda c, p: c.execute(
            "UPDATE ops SET after = replace(after, 'Card 2', 'Card 9') WHERE seq = 3"
        ),
        3,
    ),
    "insert": (
        lambda c, p: c.execute(
            "INSERT INTO ops (rev_from, rev_to, at, author, author_name, host, client_id, "
            "client_seq, part, op, entity, entity_id, entity_rev, before, after, hash) "
            "SELECT rev_from, rev_to, at, author, author_name, host, 'forged', client_seq, "
            "part, op, entity, entity_id, entity_rev, before, after, hash FROM ops WHERE seq = 3"
        ),
        6,
    ),
    "reorder": (lambda c, p: _swap(c, 2, 3, p), 2),
}


def _tampered_on_a_server(url: str, damage: Callable[[Any, str], Any], pg_cluster: Any) -> None:
    """The board's owner (the test server's superuser) changes its op log with psql's SQL."""
    import psycopg

    from formboard.core.store import open_store

    with open_store(url, read_only=True) as store:
        schema = store.schema  # type: ignore[attr-defined]
    with psycopg.connect(pg_cluster.conninfo(), autocommit=False) as conn:
        conn.execute(f'SET search_path = "{schema}"')
        damage(conn, "%s")
        conn.commit()


@pytest.mark.parametrize("tamper", list(TAMPERS))
@pytest.mark.parametrize("backend", ["file", "postgresql"])
def test_history_changed_outside_formboard_fails_check_at_the_first_broken_row(
    board_path: Path, tamper: str, backend: str, request: pytest.FixtureRequest
) -> None:
    where: Path | str = board_path
    client = "C-0421"
    if backend == "postgresql":
        where = request.getfixturevalue("pg_url")
        client = str(where).rsplit("board=", 1)[1]  # the test server's fresh board name
    made(where, client=client)
    assert run("check", where).exit_code == 0
    damage, broken = TAMPERS[tamper]
    if backend == "file":
        conn = raw(board_path)
        damage(conn, "?")
        conn.close()
    else:
        _tampered_on_a_server(str(where), damage, request.getfixturevalue("pg_cluster"))
    assert run("add", where, "sources", "Written normally after").exit_code == 0
    result = run("check", where)
    assert result.exit_code == 1, result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("history"))
    assert line.startswith(f"history: FAILED — row {broken} of the op log"), line
    assert "outside formboard" in line


def _rewrite_every_hash(path: Path | str, pg_cluster: Any = None) -> None:
    """History changed, then every hash made again: a chain that holds, but another one.
    On a server, by its owner (the test server's superuser)."""

    def rewrite(conn: Any, p: str) -> None:
        conn.execute("UPDATE ops SET after = replace(after, 'Card 2', 'Card 9') WHERE seq = 3")
        conn.execute("UPDATE ops SET hash = NULL")
        chain.seal(_Shell(conn, SQLITE if p == "?" else POSTGRESQL))  # type: ignore[arg-type]

    if pg_cluster is not None:
        _tampered_on_a_server(str(path), rewrite, pg_cluster)
        return
    conn = raw(Path(path))
    rewrite(conn, "?")
    conn.close()


@pytest.fixture(params=["file", "postgresql"])
def where(request: pytest.FixtureRequest, board_path: Path) -> tuple[Path | str, Any]:
    """A board's place (a file, or a fresh board on the test server) and, on a server,
    its cluster (to tamper with it as its owner)."""
    if request.param == "file":
        return board_path, None
    url = request.getfixturevalue("pg_url")
    return url, request.getfixturevalue("pg_cluster")


def _made(place: tuple[Path | str, Any], cards: int = 4) -> Path | str:
    location = place[0]
    return made(location, cards, client=str(location).rsplit("board=", 1)[-1]
                if place[1] is not None else "C-0421")  # fmt: skip


def test_a_rewrite_with_every_hash_made_again_is_found_by_the_computer_that_saw_it(
    where: tuple[Path | str, Any],
) -> None:
    location = _made(where)
    _rewrite_every_hash(*where)
    result = run("show", location)  # any command that reads the board
    said = [x for x in result.stderr.splitlines() if "history" in x]
    assert len(said) == 1 and re.fullmatch(
        r"formboard: The board's history was changed outside formboard after revision \d+ "
        r"\(this computer had seen it up to revision \d+\): `formboard check` says where\.",
        said[0],
    ), result.stderr
    assert "history" not in run("show", location).stderr  # said once
    checked = run("check", location)
    assert checked.exit_code == 1
    assert "history: ok" in checked.stdout  # the chain itself holds: it was made again
    assert "seen: FAILED — the board's history was changed outside formboard after revision" in (
        checked.stdout
    )


def test_a_computer_that_never_saw_the_board_cannot_tell_a_rewrite(
    board_path: Path, tmp_path: Path
) -> None:
    """What the chain cannot prove, as the README says: history rewritten before anyone's
    formboard read it."""
    made(board_path)
    _rewrite_every_hash(board_path)
    fresh = {"FORMBOARD_DATA_DIR": str(tmp_path / "another-computer")}
    result = run("check", board_path, env=fresh)
    assert result.exit_code == 0, result.stdout


def test_the_witness_is_owner_only_and_names_no_client(board_path: Path, tmp_path: Path) -> None:
    made(board_path)
    seen = list((tmp_path / "data" / "seen").iterdir())
    assert len(seen) == 1 and seen[0].stat().st_mode & 0o077 == 0
    text = seen[0].read_text()
    assert "C-0421" not in seen[0].name + text and "Card" not in text
    assert json.loads(text)["seen"][-1][:2] == [5, 5]


def test_a_board_from_before_the_chain_gets_one_on_its_first_writable_open(
    board_path: Path,
) -> None:
    made(board_path)
    conn = raw(board_path)
    conn.execute("ALTER TABLE ops DROP COLUMN hash")
    conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.close()
    with BoardStore.open(board_path) as store:
        assert store.meta()["schema_version"] == "5"
    result = run("check", board_path)
    assert result.exit_code == 0
    assert "history: ok — the op log's 5 rows hold together as one chain" in result.stdout
    run("add", board_path, "sources", "After the upgrade")
    assert run("check", board_path).exit_code == 0


def test_copy_carries_the_chain_and_says_where_it_breaks(board_path: Path, tmp_path: Path) -> None:
    made(board_path)
    whole = run("copy", board_path, tmp_path / "copy.board")
    assert whole.exit_code == 0 and whole.stderr == ""
    heads = [
        next(x for x in run("check", p).stdout.splitlines() if x.startswith("history"))
        for p in (board_path, tmp_path / "copy.board")
    ]
    assert heads[0] == heads[1] and "ok" in heads[0]
    conn = raw(board_path)
    conn.execute("DELETE FROM ops WHERE seq = 3")
    conn.close()
    broken = run("copy", board_path, tmp_path / "second.board")
    assert broken.exit_code == 0
    assert "in the board and its copy, row 4 of the op log" in broken.stderr
    assert run("check", tmp_path / "second.board").exit_code == 1


def _history_head(location: Path | str) -> str:
    line = next(x for x in run("check", location).stdout.splitlines() if x.startswith("history"))
    assert "ok" in line, line
    return line.rsplit(": ", 1)[1]  # the head's hash (its revision is the board's own)


def test_copy_carries_the_chain_to_a_server_and_back(
    board_path: Path, tmp_path: Path, pg_url: str
) -> None:
    made(board_path)
    assert run("copy", board_path, pg_url).exit_code == 0
    back = tmp_path / "back.board"
    assert run("copy", pg_url, back).exit_code == 0
    assert _history_head(board_path) == _history_head(pg_url) == _history_head(back)


@pytest.mark.parametrize("fmt", ["html", "markdown", "json"])
def test_a_filed_record_carries_the_chain_head_and_check_holds_the_board_to_it(
    where: tuple[Path | str, Any], tmp_path: Path, fmt: str
) -> None:
    location = _made(where)
    record = tmp_path / f"record.{fmt}"
    assert run("export", location, "--format", fmt, "-o", record).exit_code == 0
    head = chain.seen_in_record(record.read_text())
    assert head is not None and head.seq == 5
    run("add", location, "sources", "Later, a new card")  # history goes on: still held
    result = run("check", location, "--record", record)
    assert result.exit_code == 0
    assert "record: ok — the board still holds the history this record was made from" in (
        result.stdout
    )
    tamper = "UPDATE ops SET after = replace(after, 'Card 1', 'Card 7') WHERE seq = 1"
    if where[1] is not None:
        _tampered_on_a_server(str(location), lambda c, p: c.execute(tamper), where[1])
    else:
        conn = raw(Path(location))
        conn.execute(tamper)
        conn.close()
    result = run("check", location, "--record", record)
    assert result.exit_code == 1
    assert "record: FAILED — the board no longer holds the history this record was made" in (
        result.stdout
    )


def test_the_meeting_note_carries_the_chain_head(board_path: Path, tmp_path: Path) -> None:
    made(board_path, cards=1)
    assert run("meeting", "start", board_path).exit_code == 0
    run("add", board_path, "sources", "Said in the meeting")
    assert run("meeting", "end", board_path).exit_code == 0
    note = tmp_path / "note.md"
    assert run("note", board_path, "-o", note).exit_code == 0
    assert "This record was made at history entry " in note.read_text()
    result = run("check", board_path, "--record", note)
    assert result.exit_code == 0 and "record: ok" in result.stdout


async def test_the_app_says_once_in_a_notice_that_history_was_changed(
    where: tuple[Path | str, Any], tmp_path: Path
) -> None:
    from tests.tui_helpers import drawn_notices, notice_drawn, opened_app, wait_for

    location = _made(where)
    async with opened_app(location) as (app, pilot):
        _rewrite_every_hash(*where)
        # A colleague on another computer writes as usual; this app reads the change.
        colleague = {"FORMBOARD_DATA_DIR": str(tmp_path / "colleague")}
        assert run("add", location, "sources", "A colleague's card", env=colleague).exit_code == 0
        notice = await notice_drawn(pilot, "history was changed outside formboard after revision")
        assert "History changed" in notice and "`formboard check` names the row" in notice
        run("add", location, "sources", "Another card", env=colleague)
        await wait_for(pilot, lambda: app.board is not None and len(app.board.cards) == 6)
        await pilot.pause(0.3)
        changed = [n for n in drawn_notices(app) if "History changed" in n]
        assert len(changed) == 1  # once, not at every change


def test_check_on_a_server_names_each_odd_value_in_its_op_log(pg_url: str, pg_cluster: Any) -> None:
    """What `check` says of a file's rows it says of a server's: each odd value, by place."""
    made(pg_url, cards=1, client=pg_url.rsplit("board=", 1)[1])
    _tampered_on_a_server(
        pg_url,
        lambda c, p: c.execute("UPDATE ops SET after = 'not json' WHERE seq = 1"),
        pg_cluster,
    )
    result = run("check", pg_url)
    assert result.exit_code == 1
    lines = [x for x in result.stdout.splitlines() if x.startswith("op log: FAILED")]
    assert lines and "is not JSON" in lines[0], result.stdout
    assert "rows: ok" in result.stdout and "meetings: ok" in result.stdout
    # The reads that look inside op values go on past it: the app's "since" markers and
    # the history of one card (the file does the same, with json_valid).
    from formboard.core.store import open_store

    with open_store(pg_url, read_only=True) as store:
        card = store.board().cards[0].id
        assert [t.seq for t in store.touches_after(0)] == [1, 2]
        assert [op.seq for op in store.ops_page(card_id=card)] == [1]  # by its entity id
    assert run("log", pg_url).exit_code == 0


def test_a_record_filed_before_its_seal_was_worded_for_people_still_checks() -> None:
    from formboard.core.store.chain import seen_in_record

    head = "3f" * 32
    assert seen_in_record(f"History: op 17, chain head {head}; …") == seen_in_record(
        f"This record was made at history entry 17, sealed {head}; …"
    )
    assert seen_in_record(f"… history entry 17, sealed {head}").seq == 17


def test_a_revision_made_text_on_a_server_is_said_and_repaired(pg_url: str, pg_cluster: Any):
    """Any team member may write the board's settings; a revision made 'x' stopped every
    write with a raw SQL error while `check` said all was well, and `repair` refused a
    server: now the board opens read-only saying so, `check` names it and `repair` sets it."""
    made(pg_url, cards=1, client=pg_url.rsplit("board=", 1)[1])
    _tampered_on_a_server(
        pg_url, lambda c, p: c.execute("UPDATE meta SET value = 'x' WHERE key = 'revision'"),
        pg_cluster,
    )  # fmt: skip
    checked = run("check", pg_url)
    assert checked.exit_code == 1 and "its revision is 'x', not a number" in checked.stdout
    assert f"`formboard repair {pg_url}` puts it back" in checked.stdout, checked.stdout
    refused = runner.invoke(cli, ["add", pg_url, "symptoms", "Insomnia"])
    assert refused.exit_code == 1 and "bigint" not in refused.output
    assert "its revision was changed outside formboard" in refused.output, refused.output
    repaired = run("repair", pg_url)
    assert repaired.exit_code == 0, repaired.output
    assert "Set the board's revision to 3 (it was 'x')." in repaired.stdout, repaired.stdout
    assert run("add", pg_url, "symptoms", "Insomnia").exit_code == 0
    assert run("check", pg_url).exit_code == 0
