"""Values another program stored in a board (issue 9, item 4).

A status formboard does not know, a garbled revision, a card deleted with the sqlite3
shell: the board still opens and shows what it can, `check` names the row, the field and
the fix, export → import survives, and `repair` puts back formboard's own bookkeeping.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from tests.test_cli import board as board
from tests.test_cli import run
from tests.tui_helpers import notice_drawn, opened_app, small_board, wait_for

from formboard.core.store import BoardStore


def shell(path: Path, sql: str, *args: object) -> None:
    """What `sqlite3 BOARD "..."` does: foreign keys off, no formboard in the way."""
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


def check_lines(path: Path) -> tuple[int, list[str]]:
    done = run("check", path)
    return done.exit_code, done.stdout.splitlines()


def test_an_unknown_status_column_or_kind_still_opens_and_check_names_row_field_and_fix(
    board_path: Path,
    board: dict[str, str],
) -> None:
    panic, office = board["panic"], board["office"]
    shell(board_path, "UPDATE cards SET status = 'maybe' WHERE id = ?", panic)
    shell(board_path, "UPDATE cards SET col = 'feelings' WHERE id = ?", office)
    shell(board_path, "UPDATE links SET kind = 'causes'")
    shown = run("show", board_path)
    assert shown.exit_code == 0, shown.output
    assert "Panic at work  [hypothesis" in shown.stdout and "⚠ written outside" in shown.stdout
    plain = run("show", board_path, "--plain").stdout
    assert "Written outside formboard: its status is not one formboard knows" in plain
    assert "its column is not one of the five (shown under Symptoms)" in plain
    code, lines = check_lines(board_path)
    assert code == 1
    rows = [line for line in lines if line.startswith("rows: FAILED")]
    assert any(
        f"card {panic}: status is 'maybe', which formboard does not know; fix: formboard "
        f"edit {board_path} {panic} --status hypothesis" in line
        for line in rows
    ), rows
    assert any(f"card {office}: column is 'feelings'" in r and "formboard move" in r for r in rows)
    assert any("kind is 'causes'" in r and "formboard unlink" in r for r in rows)
    # Export carries the stand-ins (and says so on stderr), and imports as a whole board.
    exported = run("export", board_path)
    assert exported.exit_code == 0 and "written outside formboard" in exported.stderr
    dump = board_path.with_name("dump.json")
    dump.write_text(exported.stdout, encoding="utf-8")
    again = board_path.with_name("again.board")
    assert run("import", dump, again).exit_code == 0
    assert check_lines(again)[0] == 0
    # The fixes check names work, and then check passes.
    assert run("edit", board_path, panic, "--status", "agreed").exit_code == 0
    assert run("move", board_path, office, "sources").exit_code == 0
    link_id = json.loads(run("show", board_path, "--json").stdout)["links"][0]["id"]
    assert run("unlink", board_path, link_id).exit_code == 0
    assert run("link", board_path, office, panic, "--kind", "maintains").exit_code == 0
    code, lines = check_lines(board_path)
    assert "rows: ok" in "\n".join(lines)
    assert not [line for line in lines if line.startswith("rows: FAILED")]


def test_a_title_check_refuses_is_named_without_its_text(
    board_path: Path,
    board: dict[str, str],
) -> None:
    shell(board_path, "UPDATE cards SET title = ? WHERE id = ?", "Secret " * 40, board["panic"])
    assert run("show", board_path).exit_code == 0
    code, lines = check_lines(board_path)
    found = [line for line in lines if board["panic"] in line]
    assert code == 1 and len(found) == 1
    assert "title must be at most 200 characters" in found[0] and "--title TEXT" in found[0]
    assert "Secret" not in "\n".join(lines)  # client text never in a message


@pytest.mark.parametrize("key", ["schema_version", "revision"])
@pytest.mark.parametrize("broken", ["missing", "garbled"])
def test_a_broken_schema_version_or_revision_opens_read_only_until_repair(
    board_path: Path,
    board: dict[str, str],
    key: str,
    broken: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = json.loads(board_path.with_name(board_path.name + ".rev").read_text())["revision"]
    if broken == "missing":
        shell(board_path, "DELETE FROM meta WHERE key = ?", key)
    else:
        shell(board_path, "UPDATE meta SET value = 'x1' WHERE key = ?", key)
    shown = run("show", board_path, "--json")
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)["cards"]) == 3
    assert run("export", board_path, "--format", "markdown").exit_code == 0
    refused = run("add", board_path, "symptoms", "Another")
    assert refused.exit_code == 1
    assert "changed outside formboard: `formboard repair" in refused.stderr
    code, lines = check_lines(board_path)
    schema = next(line for line in lines if line.startswith("schema:"))
    assert code == 1 and "FAILED" in schema and "formboard repair" in schema
    assert ("is missing" if broken == "missing" else "is 'x1', not a number") in schema
    repaired = run("repair", board_path)
    assert repaired.exit_code == 0, repaired.output
    assert f"Set the board's {key.replace('_', ' ')} to" in repaired.stdout
    assert "Backed up to" in repaired.stderr
    assert run("add", board_path, "symptoms", "Another").exit_code == 0
    assert check_lines(board_path)[0] == 0
    with BoardStore.open(board_path) as store:
        # Past every revision a viewer may have seen, so every open screen reloads.
        assert store.revision() > seen
        assert store.ops()[-2].op == "repair" or store.ops()[-1].op == "repair"
    assert run("repair", board_path).stdout.strip() == "Nothing needed repair."


def test_perspectives_and_links_of_a_card_deleted_in_the_shell(
    board_path: Path,
    board: dict[str, str],
) -> None:
    pid = run("perspective", board_path, board["panic"], "A reading", "--discipline", "nursing")
    pid = pid.stdout.strip()
    shell(board_path, "DELETE FROM cards WHERE id = ?", board["panic"])
    shown = run("show", board_path)
    assert shown.exit_code == 0
    assert "⚠ 2 perspectives and links belong to a card that is no longer" in shown.stdout
    assert "Links (" not in shown.stdout  # the link to the deleted card is not drawn
    code, lines = check_lines(board_path)
    orphans = [line for line in lines if "no longer on the board" in line]
    assert code == 1 and len(orphans) == 2 and any(pid in line for line in orphans)
    assert all("formboard repair" in line for line in orphans)
    dump = board_path.with_name("dump.json")
    exported = run("export", board_path, "-o", dump)
    assert exported.exit_code == 0 and "card is gone are left out" in exported.stderr
    assert run("import", dump, board_path.with_name("again.board")).exit_code == 0
    repaired = run("repair", board_path)
    assert repaired.stdout.count("whose card is gone, to the op log") == 2
    assert check_lines(board_path)[0] == 0
    logged = json.loads(run("log", board_path, "--json").stdout)
    kept = [op for op in logged if op["op"] == "repair_orphan" and op["entity_id"] == pid]
    assert kept and kept[0]["before"]["text"] == "A reading"  # nothing is lost


async def test_an_open_app_keeps_following_after_a_shell_writes_an_unknown_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "C-0001.board"
    ids = small_board(path)
    async with opened_app(
        path, watch="poll", watch_options={"poll_interval": 0.2, "fresh_check": 0.5}
    ) as (app, pilot):
        shell(path, "UPDATE cards SET status = 'maybe' WHERE id = ?", ids["sleep"])
        await wait_for(
            pilot, lambda: bool(app.board_screen.board_view.cards[ids["sleep"]].problems), 5
        )
        said = await notice_drawn(pilot, "written outside formboard")
        assert "formboard check" in said
        with BoardStore.open(path) as store:
            later = store.add_card("symptoms", "Added after the shell write").id
        await wait_for(pilot, lambda: later in app.board_screen.board_view.cards, 5)
        column = app.board_screen.board_view.panes[
            app.board_screen.board_view.cards[ids["sleep"]].column
        ].cards
        assert "⚠" in "".join(column.render_line(y).text for y in range(12))
