"""Every odd value is one sentence, and `check` reads everything (issue 23, part 4).

Another program (the sqlite3 shell, a script) can leave anything in a board: an op log
row whose values are not JSON, a revision that is text, bytes where text belongs, a
meeting deleted with its attendance left behind. Each command then still works or ends in
one sentence naming the place and its fix — never "an unexpected … stopped the command" —
the board still opens, and `check` names the row in the op log, meetings and attendance
as it does cards. Beside them: a bad PostgreSQL address, a meeting number with ESC in
`log`, a client code that would steer the note's default path, a refused `--rev` edit
that is kept in the log, and a `.lock` that is a regular file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from tests.helpers_store import person
from tests.test_cli import board as board
from tests.test_cli import one_sentence, run
from tests.test_outside_values import check_lines, shell

from formboard.core.store import BoardStore, open_store

UNEXPECTED = "an unexpected"


def fine(result: object) -> str:
    """The command worked (exit 0) and said nothing unexpected; its stdout."""
    code, out, err = result.exit_code, result.stdout, result.stderr  # type: ignore[attr-defined]
    assert code == 0 and UNEXPECTED not in err and "Traceback" not in err, (code, out, err)
    return str(out)


def failed_lines(path: Path, name: str) -> list[str]:
    return [line for line in check_lines(path)[1] if line.startswith(f"{name}: FAILED")]


def last_seq(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT MAX(seq) FROM ops").fetchone()[0])


@pytest.fixture
def met(board_path: Path, board: dict[str, str]) -> dict[str, str]:
    """The test board after a meeting that changed a card, with a perspective and a
    colleague who came (ids by name, and the meeting's number)."""
    with BoardStore.open(board_path) as store:
        number = store.start_meeting("Weekly review")
        store.edit_card(board["panic"], status="agreed")
        store.add_perspective(board["panic"], "A reading", "nursing")
        with BoardStore.open(board_path, identity=person("dara", "Dara Lindqvist")) as dara:
            dara.attend_meeting()
        store.end_meeting()
    return {**board, "meeting": str(number)}


# ------------------------------------------------------------------ the op log


@pytest.mark.parametrize(
    "stored", ["'not json'", "'[1, 2]'", "'42'", "x'00ff'"], ids=["text", "list", "number", "blob"]
)
def test_an_ops_values_that_are_not_a_json_object_are_one_sentence_and_named_by_check(
    board_path: Path, board: dict[str, str], stored: str
) -> None:
    card = board["panic"]
    assert run("edit", board_path, card, "--status", "agreed").exit_code == 0
    seq = last_seq(board_path)
    shell(board_path, f"UPDATE ops SET after = {stored} WHERE seq = ?", seq)
    logged = fine(run("log", board_path))
    line = next(line for line in logged.splitlines() if line.lstrip().startswith(str(seq)))
    assert "changed ‘Panic at work’" in line and "⚠ its record was changed outside" in line
    listed = json.loads(fine(run("log", board_path, "--json")))
    assert listed[-1]["seq"] == seq and listed[-1]["after"] is None
    said = one_sentence(run("undo", board_path))
    assert f"op {seq}" in said and "changed outside formboard" in said
    assert "formboard check" in said and UNEXPECTED not in said
    fine(run("show", board_path))
    fine(run("copy", board_path, board_path.with_name("copy.board")))
    op_log = failed_lines(board_path, "op log")
    assert any(f"op {seq}: after is" in line and "backup" in line for line in op_log), op_log


def test_an_edit_whose_record_names_fields_formboard_never_writes_is_not_undone(
    board_path: Path, board: dict[str, str]
) -> None:
    """The record's field names would become column names in the undo's UPDATE."""
    assert run("edit", board_path, board["panic"], "--status", "agreed").exit_code == 0
    seq = last_seq(board_path)
    evil = json.dumps({"status = 'x', title": "y"})
    shell(board_path, "UPDATE ops SET after = ?, before = ? WHERE seq = ?", evil, evil, seq)
    said = one_sentence(run("undo", board_path))
    assert f"op {seq}" in said and "cannot be undone" in said
    shown = json.loads(run("show", board_path, "--json").stdout)
    assert next(c for c in shown["cards"] if c["id"] == board["panic"])["title"] == "Panic at work"


def test_a_revision_in_the_op_log_that_is_not_a_number(
    board_path: Path, met: dict[str, str]
) -> None:
    seq = last_seq(board_path)
    shell(board_path, "UPDATE ops SET rev_to = 'x' WHERE seq = ?", seq)
    fine(run("log", board_path, "--since", "last-meeting"))
    fine(run("log", board_path, "--since", "2"))
    fine(run("note", board_path))
    fine(run("show", board_path))
    fine(run("add", board_path, "symptoms", "Another"))  # the board's revision is read
    op_log = failed_lines(board_path, "op log")
    assert any(f"op {seq}: rev to is not a number" in line for line in op_log), op_log


# ------------------------------------------------------------ bytes where text is


BLOB_PLACES = {
    "card title": "UPDATE cards SET title = x'c3a9ff' WHERE id = '{panic}'",
    "card body": "UPDATE cards SET body = x'00ff' WHERE id = '{panic}'",
    "perspective": "UPDATE perspectives SET text = x'c3a9ff'",
    "link note": "UPDATE links SET note = x'ff'",
    "member name": "UPDATE members SET name = x'ff' WHERE login = 'dara'",
    "board title": "UPDATE meta SET value = x'ff' WHERE key = 'title'",
    "meeting title": "UPDATE meetings SET title = x'ff'",
    "attendance": "UPDATE attendance SET discipline = x'ff' WHERE login = 'dara'",
    "op author": "UPDATE ops SET author_name = x'ff' WHERE seq = 3",
}
BLOB_LINES = {"meeting title": "meetings", "attendance": "meetings", "op author": "op log"}


@pytest.mark.parametrize("place", list(BLOB_PLACES))
def test_bytes_in_a_text_column_read_as_text_and_check_names_them(
    board_path: Path, met: dict[str, str], place: str
) -> None:
    shell(board_path, BLOB_PLACES[place].format(**met))
    shown = json.loads(fine(run("show", board_path, "--json")))
    assert len(shown["cards"]) == 3
    fine(run("show", board_path))
    for fmt in ("json", "markdown", "html"):
        fine(run("export", board_path, "--format", fmt))
    fine(run("note", board_path))
    fine(run("meeting", "list", board_path))
    fine(run("log", board_path))
    fine(run("copy", board_path, board_path.with_name("copy.board")))
    lines = failed_lines(board_path, BLOB_LINES.get(place, "rows"))
    assert any("is stored as bytes, not text; fix:" in line for line in lines), lines


def test_a_card_title_stored_as_bytes_is_marked_on_its_card_and_fixed_by_edit(
    board_path: Path, board: dict[str, str]
) -> None:
    panic = board["panic"]
    shell(board_path, "UPDATE cards SET title = CAST(title AS BLOB) WHERE id = ?", panic)
    assert "title is stored as bytes" in fine(run("show", board_path, "--plain"))
    lines = failed_lines(board_path, "rows")
    assert lines == [
        f"rows: FAILED — card {panic}: title is stored as bytes, not text; fix: formboard "
        f"edit {board_path} {panic} --title TEXT."
    ]
    fine(run("edit", board_path, panic, "--title", "Panic at work"))
    assert check_lines(board_path)[0] == 0


@pytest.mark.parametrize(
    "statement",
    ["UPDATE cards SET id = CAST(id AS BLOB)",
     "UPDATE links SET from_id = CAST(from_id AS BLOB)",
     "UPDATE perspectives SET card_id = CAST(card_id AS BLOB)"],
    ids=["card ids", "links' cards", "perspectives' cards"],
)  # fmt: skip
def test_ids_stored_as_bytes_keep_their_links_and_repair_stores_them_as_text(
    board_path: Path, met: dict[str, str], statement: str
) -> None:
    """A card's id (or a link's or perspective's card) stored as bytes is still that card:
    the board keeps its links and perspectives, `check` sends to `repair`, and `repair`
    stores them as text again — it once moved every link to the op log as orphans."""
    before = json.loads(fine(run("show", board_path, "--json")))
    shell(board_path, statement)
    shown = json.loads(fine(run("show", board_path, "--json")))
    assert len(shown["links"]) == len(before["links"]) > 0
    assert (
        sum(len(c["perspectives"]) for c in shown["cards"])
        == sum(len(c["perspectives"]) for c in before["cards"])
        > 0
    )
    lines = failed_lines(board_path, "rows")
    assert lines and all("formboard repair" in line for line in lines), lines
    assert not any("deleted outside formboard" in line for line in lines), lines
    repaired = fine(run("repair", board_path))
    assert "as text again (it was stored as bytes)." in repaired, repaired
    assert "op log" not in repaired
    assert check_lines(board_path)[0] == 0
    after = json.loads(fine(run("show", board_path, "--json")))
    assert after["links"] == before["links"] and after["cards"] == before["cards"]


# ------------------------------------------------------------ cards' numbers


@pytest.mark.parametrize("top", [False, True], ids=["bottom", "top"])
def test_a_place_in_a_column_that_is_not_a_number_does_not_block_adding(
    board_path: Path, board: dict[str, str], top: bool
) -> None:
    shell(board_path, "UPDATE cards SET position = 'x' WHERE id = ?", board["panic"])
    added = fine(run("add", board_path, "symptoms", "Another", *(["--top"] if top else [])))
    shown = json.loads(fine(run("show", board_path, "--json")))
    symptoms = [c["id"] for c in shown["cards"] if c["column"] == "symptoms"]
    assert symptoms == ([added.strip(), board["panic"]])  # the odd one is shown last
    fine(run("add", board_path, "symptoms", "Third"))


@pytest.mark.parametrize("stored", ["col = 'feelings'", "rev = 'x'"], ids=["column", "rev"])
@pytest.mark.parametrize("change", ["edit", "archive"])
def test_undo_of_a_change_to_a_card_another_program_changed_is_one_sentence(
    board_path: Path, board: dict[str, str], stored: str, change: str
) -> None:
    panic = board["panic"]
    did = ["edit", board_path, panic, "--status", "agreed"] if change == "edit" else [
        "archive", board_path, panic
    ]  # fmt: skip
    assert run(*did).exit_code == 0
    shell(board_path, f"UPDATE cards SET {stored} WHERE id = ?", panic)
    undone = run("undo", board_path)
    if stored.startswith("col") and change == "edit":
        fine(undone)  # the column plays no part in putting a status back
        return
    said = one_sentence(undone)
    assert f"card {panic}'s" in said and "changed outside formboard" in said
    fix = "formboard move" if stored.startswith("col") else "formboard repair BOARD"
    assert fix in said
    fine(run("show", board_path))


# ------------------------------------------------------------ arguments


def test_a_card_id_argument_that_is_not_utf8_is_one_sentence(
    board_path: Path, board: dict[str, str]
) -> None:
    odd = "\udcff\udcfe"  # how Python keeps argv bytes that are not UTF-8
    for args in (
        ["edit", board_path, odd, "--title", "x"],
        ["move", board_path, odd, "sources"],
        ["archive", board_path, odd],
        ["link", board_path, odd, board["panic"], "--kind", "maintains"],
        ["perspective", board_path, odd, "A reading"],
        ["edit-perspective", board_path, odd, "A reading"],
        ["remove-perspective", board_path, odd],
        ["unlink", board_path, odd],
    ):
        said = one_sentence(run(*args))
        assert UNEXPECTED not in said and "\udcff" not in said, (args, said)


# ------------------------------------------------------------ copy


def test_a_garbled_board_revision_stops_a_copy_to_a_file_with_its_fix(
    board_path: Path, board: dict[str, str]
) -> None:
    shell(board_path, "UPDATE meta SET value = 'x' WHERE key = 'revision'")
    dest = board_path.with_name("copy.board")
    said = one_sentence(run("copy", board_path, dest))
    assert "revision is 'x', not a number" in said and f"formboard repair {board_path}" in said
    assert not dest.exists()
    assert run("repair", board_path).exit_code == 0
    fine(run("copy", board_path, dest))


def test_a_meeting_deleted_with_its_attendance_left_is_named_and_stops_a_copy(
    board_path: Path, met: dict[str, str]
) -> None:
    number = met["meeting"]
    shell(board_path, "DELETE FROM meetings WHERE number = ?", int(number))
    fine(run("meeting", "list", board_path))
    fine(run("show", board_path))
    lines = failed_lines(board_path, "meetings")
    assert any(f"attendance of dara at meeting {number}: names a meeting" in x for x in lines)
    assert any(f"meeting {number}: is in the op log, but its row is gone" in x for x in lines)
    dest = board_path.with_name("copy.board")
    said = one_sentence(run("copy", board_path, dest))
    assert f"fix: formboard repair {board_path} moves it to the op log" in said
    assert not dest.exists()
    repaired = fine(run("repair", board_path))
    assert f"Moved the attendance of dara at meeting {number}, whose meeting is gone" in repaired
    logged = json.loads(fine(run("log", board_path, "--json")))
    assert "dara" in {o["before"]["login"] for o in logged if o["op"] == "repair_orphan"}
    (left,) = failed_lines(board_path, "meetings")  # the meeting's own row is still gone
    assert f"meeting {number}: is in the op log, but its row is gone" in left
    fine(run("copy", board_path, dest))


def test_check_says_the_op_log_and_meetings_are_fine_on_a_sound_board(
    board_path: Path, met: dict[str, str]
) -> None:
    _, lines = check_lines(board_path)
    assert "op log: ok — every op holds its values as formboard wrote them." in lines
    assert "meetings: ok — every meeting and who came hold values formboard knows." in lines


# ------------------------------------------------------------ on a server


def test_odd_values_copied_to_a_server_are_one_sentence(
    board_path: Path, met: dict[str, str], pg_url: str
) -> None:
    shell(board_path, "DELETE FROM meetings WHERE number = ?", int(met["meeting"]))
    said = one_sentence(run("copy", board_path, pg_url))
    assert "formboard repair" in said and "ForeignKeyViolation" not in said
    shell(board_path, "DELETE FROM attendance")
    shell(board_path, "UPDATE ops SET after = 'not json' WHERE seq = 2")
    said = one_sentence(run("copy", board_path, pg_url))
    assert "op 2: after is not JSON" in said and "server" in said
    shell(board_path, "UPDATE ops SET after = '{}' WHERE seq = 2")
    shell(board_path, "UPDATE cards SET title = x'ff' WHERE id = ?", met["panic"])
    said = one_sentence(run("copy", board_path, pg_url))
    assert f"card {met['panic']}: title is stored as bytes" in said
    shell(board_path, "UPDATE cards SET title = 'Panic at work'")
    fine(run("copy", board_path, pg_url))
    with open_store(pg_url) as copied:
        assert len(copied.board().cards) == 3


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("postgresql:///care?sslmod=require&board=C-0421", 'invalid URI query parameter: "sslmod"'),
        ("postgresql:///care?PASSWORD=hunter2&board=C-0421", "never in the board's address"),
        ("postgresql://[::1/care?board=C-0421", "cannot be read (Invalid IPv6 URL)"),
    ],
    ids=["unknown", "capitals", "ipv6"],
)
def test_a_bad_postgresql_address_is_one_sentence_without_its_password(
    address: str, said: str
) -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[test]')")
    for command in (["show", address], ["new", address, "--client", "C-0421"]):
        sentence = one_sentence(run(*command))
        assert said in sentence and "hunter2" not in sentence, sentence


# ------------------------------------------------------------ the rest of the issue


def test_log_shows_a_meeting_number_with_control_characters_visibly(
    board_path: Path, met: dict[str, str]
) -> None:
    shell(board_path, "UPDATE ops SET entity_id = ? WHERE op = 'start_meeting'", "1\x1b[2J")
    logged = fine(run("log", board_path))
    assert "\x1b" not in logged and "started meeting 1␛[2J" in logged


def test_a_hostile_client_code_keeps_the_notes_default_path_in_the_notes_folder(
    tmp_path: Path,
) -> None:
    from formboard.core.note import default_path

    notes = tmp_path / "notes"
    assert default_path(notes, "C-0421", 3, "markdown") == notes / "C-0421-meeting-3.md"
    assert default_path(notes, "C-0421", 3, "html") == notes / "C-0421-meeting-3.html"
    for hostile in ("../../../etc/cron.d/x", "/tmp/x", "..", "C-1/../../x", "C\x1b]0;x\x07"):
        path = default_path(notes, hostile, 2, "markdown")
        assert path.parent == notes and path.name == "board-meeting-2.md", hostile


def test_a_refused_rev_edit_says_its_text_is_kept_in_the_log(
    board_path: Path, board: dict[str, str]
) -> None:
    card = board["panic"]
    with BoardStore.open(board_path, identity=person("dara", "Dara Lindqvist")) as dara:
        dara.edit_card(card, body="Dara's wording")
    refused = run("edit", board_path, card, "--body", "My wording", "--rev", 1)
    said = one_sentence(refused, 3)
    assert "kept in the log as a conflict" in said and "nothing was written" not in said
    logged = json.loads(run("log", board_path, "--json").stdout)
    assert logged[-1]["op"] == "conflict" and logged[-1]["after"] == {"body": "My wording"}


def test_a_lock_that_is_a_regular_file_is_taken_over_and_leaves_nothing_behind(
    board_path: Path, board: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMBOARD_LEASE_TTL", "0.5")
    board_path.with_name(board_path.name + ".lock").write_text("not a lock folder")
    fine(run("add", board_path, "symptoms", "Another"))
    left = sorted(p.name for p in board_path.parent.iterdir() if ".lock" in p.name)
    assert left == [], left


async def test_the_app_opens_a_board_with_every_odd_value_at_once(
    board_path: Path, met: dict[str, str]
) -> None:
    from tests.tui_helpers import notice_drawn, opened_app

    shell(board_path, "UPDATE cards SET title = x'c3a9ff', position = 'x' WHERE id = ?",
          met["panic"])  # fmt: skip
    shell(board_path, "UPDATE ops SET after = 'not json', rev_to = 'x' WHERE seq = 3")
    shell(board_path, "DELETE FROM meetings WHERE number = ?", int(met["meeting"]))
    shell(board_path, "UPDATE attendance SET name = x'ff'")
    shell(board_path, "UPDATE cards SET body = CAST(x'ff' AS TEXT) WHERE id = ?", met["office"])
    async with opened_app(board_path) as (app, pilot):
        shown = app.board_screen.board_view.cards
        assert set(shown) == {met["panic"], met["office"], met["sister"]}
        assert shown[met["panic"]].problems  # the card says what is wrong
        said = await notice_drawn(pilot, "written outside formboard")
        assert "formboard check" in said


# ------------------------------------------------------------ the rest, finished


async def test_the_apps_note_path_for_a_hostile_client_code_stays_in_the_notes_folder(
    board_path: Path, board: dict[str, str], tmp_path: Path
) -> None:
    from tests.tui_helpers import opened_app, wait_for

    from formboard.tui.dialogs.choice import ChoiceDialog
    from formboard.tui.dialogs.prompt import PromptScreen

    shell(board_path, "UPDATE meta SET value = '../../x' WHERE key = 'client'")
    async with opened_app(board_path) as (app, pilot):
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"Review", "enter")
        await wait_for(pilot, lambda: app.board_screen.meeting.meeting is not None, 5)
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), 5)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), 5)  # the note
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), 5)
        offered = app.screen.values()["path"]
    assert offered == str(tmp_path / "data" / "notes" / "board-meeting-1.md")


def colleague_edits_body(path: Path, card: str) -> int:
    """Dara changes the card's body; the seq of her op."""
    with BoardStore.open(path, identity=person("dara", "Dara Lindqvist")) as dara:
        dara.edit_card(card, body="Dara's wording")
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT MAX(seq) FROM ops WHERE op = 'edit_card'").fetchone()[0])


def test_a_rev_edit_after_a_change_whose_record_is_garbled_is_a_conflict_not_a_merge(
    board_path: Path, board: dict[str, str]
) -> None:
    """The log cannot say what that change changed: mine must not be merged over it."""
    card = board["panic"]
    seq = colleague_edits_body(board_path, card)
    shell(board_path, "UPDATE ops SET after = 'not json' WHERE seq = ?", seq)
    said = one_sentence(run("edit", board_path, card, "--body", "My wording", "--rev", 1), 3)
    assert "someone outside formboard changed the body" in said and UNEXPECTED not in said
    shown = json.loads(fine(run("show", board_path, "--json")))
    assert next(c for c in shown["cards"] if c["id"] == card)["body"] == "Dara's wording"


def test_the_change_feed_reads_past_garbled_records(
    board_path: Path, board: dict[str, str]
) -> None:
    """What the app's live reload asks the store after a colleague's write."""
    with BoardStore.open(board_path) as store:
        since = store.revision()
        pid = store.add_perspective(board["panic"], "A reading", "nursing").id
        store.edit_perspective(pid, text="Another reading")
        shell(board_path, "UPDATE ops SET after = 'not json' WHERE op = 'edit_perspective'")
        shell(board_path, "UPDATE ops SET rev_to = 'x' WHERE seq = 1")  # long before
        changes = store.changes_since(since)
        assert changes.revision == store.revision()
        assert [c.id for c in changes.cards_changed] == [board["panic"]]


def test_a_retried_conflict_whose_record_was_garbled_meanwhile_is_one_sentence(
    board_path: Path, board: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit landed but said it failed; the retry finds the op and rebuilds its answer
    from a record another program changed in between."""
    from formboard.core.store import writes

    card = board["panic"]
    colleague_edits_body(board_path, card)
    real = writes.commit
    calls: list[int] = []

    def commit(conn: sqlite3.Connection) -> None:
        real(conn)
        calls.append(1)
        if len(calls) == 1:
            shell(board_path, "UPDATE ops SET after = 'not json', before = '[1]' "
                  "WHERE seq = (SELECT MAX(seq) FROM ops)")  # fmt: skip
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(writes, "commit", commit)
    said = one_sentence(run("edit", board_path, card, "--body", "My wording", "--rev", 1), 3)
    assert "the card was not changed" in said and UNEXPECTED not in said
    assert "versions are above" not in said


@pytest.mark.parametrize(
    "change",
    [["edit", "--title", "New"], ["move", "sources"], ["archive"]],
    ids=["edit", "move", "archive"],
)
def test_a_change_to_a_card_whose_rev_is_text_is_one_sentence_and_repair_fixes_it(
    board_path: Path, board: dict[str, str], change: list[str]
) -> None:
    panic = board["panic"]
    shell(board_path, "UPDATE cards SET rev = 'x' WHERE id = ?", panic)
    command, *rest = change
    said = one_sentence(run(command, board_path, panic, *rest))
    assert f"Card {panic}'s revision is not a number" in said and "nothing was changed" in said
    assert "formboard repair" in said and UNEXPECTED not in said
    rows = failed_lines(board_path, "rows")
    assert rows == [
        f"rows: FAILED — card {panic}: rev is 'x', not a number; fix: formboard repair "
        f"{board_path}."
    ]
    repaired = fine(run("repair", board_path))
    assert f"Set card {panic}'s revision to" in repaired
    assert check_lines(board_path)[0] == 0, check_lines(board_path)
    fine(run(command, board_path, panic, *rest))
    logged = json.loads(fine(run("log", board_path, "--json")))
    assert any(o["op"] == "repair" and o["before"] == {"rev": "x"} for o in logged)


def test_restoring_a_card_whose_column_is_unknown_is_one_sentence(
    board_path: Path, board: dict[str, str]
) -> None:
    office = board["office"]
    fine(run("archive", board_path, office))
    shell(board_path, "UPDATE cards SET col = 'feelings' WHERE id = ?", office)
    said = one_sentence(run("restore", board_path, office))
    assert f"Card {office}'s column is not one of the five" in said
    assert f"formboard move BOARD {office} COLUMN" in said and UNEXPECTED not in said
    fine(run("move", board_path, office, "sources"))
    fine(run("restore", board_path, office))


def test_repair_reads_past_a_logged_revision_that_is_text(
    board_path: Path, board: dict[str, str]
) -> None:
    shell(board_path, "UPDATE ops SET rev_to = 'x' WHERE seq = 2")
    shell(board_path, "UPDATE meta SET value = 'y' WHERE key = 'revision'")
    assert "Set the board's revision to" in fine(run("repair", board_path))
    fine(run("add", board_path, "symptoms", "Another"))


def test_text_that_is_not_utf8_opens_is_named_by_check_and_is_kept_until_edited(
    board_path: Path, board: dict[str, str]
) -> None:
    panic = board["panic"]
    shell(board_path, "UPDATE cards SET title = CAST(x'ff' AS TEXT) WHERE id = ?", panic)

    def stored() -> tuple[str, str]:
        with sqlite3.connect(board_path) as conn:
            found = conn.execute("SELECT typeof(title), hex(title) FROM cards WHERE id = ?",
                                 (panic,)).fetchone()  # fmt: skip
        return found[0], found[1]

    shown = json.loads(fine(run("show", board_path, "--json")))
    assert next(c for c in shown["cards"] if c["id"] == panic)["title"] == "\ufffd"
    assert "title is stored as bytes" in fine(run("show", board_path, "--plain"))
    fine(run("log", board_path))
    assert failed_lines(board_path, "rows") == [
        f"rows: FAILED — card {panic}: title is stored as bytes, not text; fix: formboard "
        f"edit {board_path} {panic} --title TEXT."
    ]
    fine(run("edit", board_path, panic, "--body", "Since March"))
    fine(run("move", board_path, panic, "sources"))
    assert stored() == ("text", "FF")  # not written back as U+FFFD
    fine(run("edit", board_path, panic, "--title", "Panic at work"))
    assert stored() == ("text", "50616E696320617420776F726B")
    assert check_lines(board_path)[0] == 0


def test_editing_a_perspective_whose_rev_is_text_is_one_sentence_and_repair_fixes_it(
    board_path: Path, board: dict[str, str]
) -> None:
    pid = fine(run("perspective", board_path, board["panic"], "A reading",
                   "--discipline", "nursing")).strip()  # fmt: skip
    shell(board_path, "UPDATE perspectives SET rev = 'x' WHERE id = ?", pid)
    said = one_sentence(run("edit-perspective", board_path, pid, "Another reading"))
    assert f"Perspective {pid}'s revision is not a number" in said and "formboard repair" in said
    assert f"perspective {pid}: rev is 'x', not a number; fix: formboard repair" in " ".join(
        failed_lines(board_path, "rows")
    )
    assert f"Set perspective {pid}'s revision to 2 (it was 'x')." in fine(run("repair", board_path))
    fine(run("edit-perspective", board_path, pid, "Another reading"))
    assert check_lines(board_path)[0] == 0


async def test_the_chooser_lists_a_board_whose_title_is_not_utf8(tmp_path: Path) -> None:
    """Text another program stored that is not UTF-8 reads as a stand-in, in the chooser too
    (it said "could not be read just now")."""
    from tests.tui_helpers import screen_text

    from formboard.tui.chooser import BoardChooser

    with BoardStore.create(tmp_path / "C-0002.board", "C-0002", "Second client") as store:
        store.add_card("symptoms", "Low mood")
    conn = sqlite3.connect(tmp_path / "C-0002.board")
    conn.execute("UPDATE meta SET value = CAST(x'5365636f6e64ff' AS TEXT) WHERE key = 'title'")
    conn.commit()
    conn.close()
    app = BoardChooser(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
    assert "C-0002" in shown and "Second\ufffd" in shown and "could not be read" not in shown
