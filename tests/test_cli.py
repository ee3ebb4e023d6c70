"""The `formboard` command: a whole session, and every bad input as one sentence with nothing lost."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from tests.needs import missing

from formboard import __version__
from formboard.cli import cli
from formboard.cli.group import FormboardGroup
from formboard.core.export import board_to_dict
from formboard.core.lock import LeaseOwner, WriteLease
from formboard.core.store import BoardStore

runner = CliRunner()


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    """The CLI in-process; exceptions that escape it fail the test instead of hiding."""
    return runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def one_sentence(result: Result, code: int = 1) -> str:
    """Assert the command failed with exactly one `formboard: ...` line on stderr."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("formboard: ") and "Traceback" not in result.output
    return lines[0]


def state(path: Path) -> dict[str, Any]:
    """What a person would lose: the whole board and its op log (read without writing)."""
    with BoardStore.open(path, read_only=True) as store:
        data = board_to_dict(store.board(), exported_at="-")
        data["ops"] = len(store.ops())
    return data


@pytest.fixture
def board(board_path: Path) -> dict[str, str]:
    """A board with three cards and a link; returns the card ids by name."""
    with BoardStore.create(board_path, "C-0421", "Test board") as store:
        panic = store.add_card("symptoms", "Panic at work", client_words="I can't breathe")
        office = store.add_card("sources", "Avoiding the office")
        sister = store.add_card("resources", "Sister")
        store.add_link(office.id, panic.id, "maintains")
    return {"panic": panic.id, "office": office.id, "sister": sister.id}


# ------------------------------------------------------------- a session


def test_a_whole_session_from_new_board_to_an_identical_import(tmp_path: Path) -> None:
    path = tmp_path / "C-0421.board"
    assert run("new", path, "--client", "C-0421", "--title", "Ana's board").exit_code == 0
    panic = run("add", path, "symptoms", "Panic at work", "--words", "I can't breathe").stdout
    office = run("add", path, "SOURCES", "Avoiding the office", "--domain", "Social").stdout
    sister = run("add", path, "resources", "Sister", "--status", "agreed").stdout
    panic, office, sister = panic.strip(), office.strip(), sister.strip()
    assert re.fullmatch(r"[0-9a-z]{10}", panic)

    assert (
        run("edit", path, panic[:6], "--body", "Since March.", "--status", "Agreed").exit_code == 0
    )
    assert run("move", path, sister, "symptoms", "--before", panic).exit_code == 0
    assert (
        run("perspective", path, panic, "Panic disorder.", "--discipline", "psychiatry").exit_code
        == 0
    )
    link_id = run("link", path, office, panic, "--kind", "Maintains").stdout.strip()

    shown = json.loads(run("show", path, "--json").stdout)
    assert {"client", "title", "revision", "cards", "links", "members"} <= set(shown)
    cards = {c["id"]: c for c in shown["cards"]}
    assert [c["id"] for c in shown["cards"][:2]] == [sister, panic]  # moved before panic
    assert cards[panic]["status"] == "agreed" and cards[panic]["body"] == "Since March."
    assert cards[office]["domain"] == "social" and cards[panic]["client_words"] == "I can't breathe"
    assert cards[panic]["perspectives"][0]["discipline"] == "psychiatry"
    assert shown["links"] == [
        {"id": link_id, "from": office, "to": panic, "kind": "maintains", "note": "",
         "author": shown["links"][0]["author"], "created_at": shown["links"][0]["created_at"]}
    ]  # fmt: skip

    plain = run("show", path, "--plain").stdout
    assert "Symptoms (2 cards)" in plain and "Resources (0 cards)" in plain
    assert (
        "Panic at work. Agreed with client. 1 perspective. 1 link. Client's words: I can't breathe."
        in plain
    )
    assert "Panic at work — maintained by — Avoiding the office." in plain

    log = run("log", path).stdout
    assert "Ana Lima  added ‘Panic at work’ to Symptoms" in log and "moved ‘" in log

    exported = tmp_path / "out.json"
    assert run("export", path, "-o", exported).exit_code == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    copy = tmp_path / "copy.board"
    assert run("import", exported, copy).exit_code == 0
    again = json.loads(run("show", copy, "--json").stdout)
    for data in (shown, again):
        data.pop("revision"), data.pop("exported_at")
    assert again == shown


def test_add_prints_only_the_new_card_id(board_path: Path, board: dict[str, str]) -> None:
    result = run("add", board_path, "qualities", "Pride", "--top")
    assert result.exit_code == 0 and result.stderr == ""
    card_id = result.stdout.strip()
    assert result.stdout == card_id + "\n"
    assert state(board_path)["cards"][2]["id"] == card_id  # qualities comes third


def test_show_prints_a_readable_board_with_short_ids_and_markers(
    board_path: Path, board: dict[str, str]
) -> None:
    text = run("show", board_path).stdout
    assert "Symptoms (1)" in text and "Relationships (0)" in text
    assert f"{board['panic'][:4]}" in text and "hypothesis" in text and "client's words" in text
    assert "Panic at work — maintained by — Avoiding the office" in text


@pytest.mark.parametrize("view", [(), ("--plain",)])
def test_show_says_when_and_by_whom_the_board_changed_never_a_revision(
    board_path: Path, board: dict[str, str], view: tuple[str, ...]
) -> None:
    """Issue 22, point 6: revisions are for `show --json`, `log` and `check`; the board's
    own views say "changed 2026-12-08 14:02 by Ana Ruiz" (`show` said "(revision 5)")."""
    text = run("show", board_path, *view).stdout
    first = "\n".join(text.splitlines()[:2])
    assert re.search(r"[Cc]hanged \d{4}-\d\d-\d\d \d\d:\d\d by \S", first), first
    assert not re.search(r"[Rr]evision", text), text
    assert '"revision"' in run("show", board_path, "--json").stdout


@pytest.mark.parametrize("view", [(), ("--plain",), ("--json",)])
def test_control_characters_written_by_another_program_never_reach_the_terminal(
    board_path: Path, board: dict[str, str], view: tuple[str, ...]
) -> None:
    with sqlite3.connect(board_path) as conn:
        conn.execute(
            "UPDATE cards SET title = ?, client_words = ? WHERE id = ?",
            ("x\x1b[2J\x9b31m\u202ey", "\x07bell", board["panic"]),
        )
    conn.close()
    out = run("show", board_path, *view).stdout
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out)


def test_archive_and_restore_keep_the_card(board_path: Path, board: dict[str, str]) -> None:
    assert run("archive", board_path, board["sister"]).exit_code == 0
    assert [c["archived"] for c in state(board_path)["cards"] if c["id"] == board["sister"]] == [
        True
    ]
    assert "Sister" not in run("show", board_path).stdout
    assert run("restore", board_path, board["sister"]).exit_code == 0
    assert [c["archived"] for c in state(board_path)["cards"] if c["id"] == board["sister"]] == [
        False
    ]


def test_unlink_accepts_a_unique_prefix(board_path: Path, board: dict[str, str]) -> None:
    link_id = state(board_path)["links"][0]["id"]
    assert run("unlink", board_path, link_id[:5]).exit_code == 0
    assert state(board_path)["links"] == []


def test_log_since_and_json(board_path: Path, board: dict[str, str]) -> None:
    ops = json.loads(run("log", board_path, "--json").stdout)
    assert [op["seq"] for op in ops] == list(range(1, len(ops) + 1))
    later = json.loads(run("log", board_path, "--json", "--since", "3").stdout)
    assert [op["seq"] for op in later] == [op["seq"] for op in ops if op["revision"] > 3]
    assert {"seq", "at", "author", "op", "entity", "entity_id", "sentence"} <= set(later[0])


def test_log_says_who_did_what_to_which_card_in_sentences(
    board_path: Path, board: dict[str, str]
) -> None:
    panic, office = board["panic"], board["office"]
    assert (
        run("edit", board_path, panic, "--status", "agreed", "--title", "Panic attacks").exit_code
        == 0
    )
    with _as_colleague(board_path) as dara:
        dara.move_card(office, "qualities")
        dara.add_perspective(panic, "Rule out thyroid first.", "psychiatry")
    shown = run("log", board_path).stdout
    assert "changed ‘Panic attacks’: the status hypothesis → agreed with client; the title " \
        "‘Panic at work’ → ‘Panic attacks’" in shown  # fmt: skip
    assert "Dara Lindqvist  moved ‘Avoiding the office’ to Qualities" in shown
    assert "added a perspective (psychiatry) on ‘Panic attacks’" in shown
    assert (
        "added the link: ‘Avoiding the office’ maintains ‘Panic attacks’" in shown
    )  # today's title
    assert panic not in shown and office not in shown  # titles, never ids
    # A date is local midnight; one in the future leaves nothing, today everything.
    assert run("log", board_path, "--since", "2999-01-01").stdout.startswith("No changes")
    today = time.strftime("%Y-%m-%d")
    assert "Dara Lindqvist" in run("log", board_path, "--since", today).stdout
    assert "Dara" not in run("log", board_path, "--since", "2999-01-01 09:30").stdout
    said = one_sentence(run("log", board_path, "--since", "soon"), code=2)  # a mistyped line
    assert "'--since': takes a revision" in said


def test_export_markdown_goes_to_stdout(board_path: Path, board: dict[str, str]) -> None:
    text = run("export", board_path, "--format", "MARKDOWN").stdout
    assert text.startswith("# C-0421 — Test board") and "## Symptoms (1 card)" in text


def test_check_reports_each_check_and_passes_on_a_sound_board(
    board_path: Path, board: dict[str, str]
) -> None:
    result = run("check", board_path)
    assert result.exit_code == 0
    names = [line.split(":")[0] for line in result.stdout.splitlines()]
    assert names == [
        "file",
        "integrity",
        "schema",
        "rows",
        "op log",
        "meetings",
        "history",
        "write lease",
        "sidecar",
        "backups",
    ]
    assert "write lease: ok — free." in result.stdout


def test_check_fails_when_the_sidecar_lags_an_outside_writer(
    board_path: Path, board: dict[str, str]
) -> None:
    with sqlite3.connect(board_path) as conn:
        conn.execute(
            "UPDATE cards SET title = 'edited in the shell' WHERE id = ?", (board["sister"],)
        )
    result = run("check", board_path)
    assert result.exit_code == 1 and "sidecar: FAILED" in result.stdout
    assert "something wrote without formboard" in result.stdout


def test_check_does_not_blame_an_outsider_when_our_own_write_stopped_before_the_sidecar(
    board_path: Path, board: dict[str, str]
) -> None:
    sidecar = board_path.with_name(board_path.name + ".rev")
    saved = json.loads(sidecar.read_text())
    # A writer killed between COMMIT and the sidecar write leaves it one revision behind.
    sidecar.write_text(json.dumps({**saved, "revision": saved["revision"] - 1}))
    result = run("check", board_path)
    assert result.exit_code == 1 and "sidecar: FAILED" in result.stdout
    assert "without formboard" not in result.stdout
    assert "a formboard write ended before updating it" in result.stdout


def test_every_command_and_option_has_a_help_sentence() -> None:
    assert run("--help").exit_code == 0
    for name in cli.list_commands(click.Context(cli)):
        assert run(name, "--help").exit_code == 0
        command = cli.commands[name]
        assert (command.help or "").strip().splitlines()[0].endswith("."), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").endswith("."), (name, param.name)


def test_each_command_is_found_in_the_module_that_holds_it() -> None:
    """Commands load lazily by name (cli.COMMAND_MODULES): each module's COMMANDS are
    exactly the names listed for it, and `--help` lists every command."""
    import importlib

    from formboard.cli import COMMAND_MODULES

    for module, names in COMMAND_MODULES.items():
        held = importlib.import_module(f"formboard.cli.{module}").COMMANDS
        assert tuple(c.name for c in held) == names, module
    listed = run("--help").stdout
    for names in COMMAND_MODULES.values():
        for name in names:
            assert f"  {name} " in listed, name


def test_version_is_printed() -> None:
    assert run("--version").stdout.strip() == f"formboard {__version__}"


# ----------------------------------------------------- bad input, one sentence


def test_missing_board_file_is_one_sentence(tmp_path: Path) -> None:
    line = one_sentence(run("show", tmp_path / "nowhere.board"))
    assert "There is no board at" in line


NOT_BOARDS = {
    "json": b'{"format": "formboard", "version": 1}',
    "empty": b"",
    "random": bytes(range(256)) * 40,
}


@pytest.mark.parametrize("kind", [*NOT_BOARDS, "sqlite"])
def test_a_file_that_is_not_a_board_is_one_sentence_and_untouched(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"{kind}.board"
    if kind == "sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE patients (name TEXT)")
        conn.close()
    else:
        path.write_bytes(NOT_BOARDS[kind])
    before = path.read_bytes()
    for args in (("show", path), ("add", path, "symptoms", "Panic")):
        line = one_sentence(run(*args))
        assert "not a formboard board" in line or "not an SQLite file" in line
    assert path.read_bytes() == before


def test_json_file_given_as_board_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"format": "formboard"}')
    assert "not a formboard board" in one_sentence(run("show", path))


def _damage(path: Path, how: str) -> None:
    with BoardStore.open(path) as store:
        for i in range(40):
            store.add_card("symptoms", f"card {i}", body="x" * 3000)
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 2)
    else:
        with open(path, "r+b") as f:
            f.seek(size // 2)
            f.write(b"\xa5" * 8192)


@pytest.mark.parametrize("how", ["truncated", "overwritten"])
def test_a_damaged_board_is_one_sentence_and_never_written(
    board_path: Path, board: dict[str, str], how: str
) -> None:
    _damage(board_path, how)
    before = board_path.read_bytes()
    assert "damaged" in one_sentence(run("show", board_path))
    assert "damaged" in one_sentence(run("add", board_path, "symptoms", "More"))
    assert board_path.read_bytes() == before
    check = run("check", board_path)
    assert check.exit_code == 1 and "FAILED" in check.stdout


def test_a_board_locked_past_the_wait_is_one_sentence_and_unchanged(
    board_path: Path, board: dict[str, str]
) -> None:
    before = state(board_path)
    lease = WriteLease(board_path, LeaseOwner.create("ghost", host="far"), ttl=30)
    lease.acquire()
    try:
        result = run("add", board_path, "symptoms", "Panic", env={"FORMBOARD_LOCK_WAIT": "0.5"})
        assert "stayed locked by ghost@far, who has held it for" in one_sentence(result)
        assert "held by ghost@far" in run("check", board_path).stdout
    finally:
        lease.release()
    assert state(board_path) == before


def test_check_names_a_stale_lease_without_failing(board_path: Path, board: dict[str, str]) -> None:
    lease = WriteLease(board_path, LeaseOwner.create("ghost", host="far"), ttl=30)
    lease.acquire()
    lease._stop_renewer()  # a writer that crashed: its owner file is never renewed again
    owner_file = lease.lock_dir / "owner.json"
    saved = json.loads(owner_file.read_bytes())
    owner_file.write_text(json.dumps({**saved, "renewed_at": time.time() - 120}))
    try:
        result = run("check", board_path)
    finally:
        lease.release()
    assert result.exit_code == 0
    assert "held by ghost@far" in result.stdout and "stale (not renewed for 120 s)" in result.stdout


@pytest.mark.posix
def test_check_says_when_a_stale_lease_may_not_be_removed_by_this_user(
    board_path: Path, board: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from formboard.core import lock

    os.chmod(board_path.parent, 0o1777)  # a sticky team folder
    lease = WriteLease(board_path, LeaseOwner.create("ghost", host="far"), ttl=30)
    lease.acquire()
    lease._stop_renewer()
    owner_file = lease.lock_dir / "owner.json"
    saved = json.loads(owner_file.read_bytes())
    owner_file.write_text(json.dumps({**saved, "renewed_at": time.time() - 120}))
    os.chown(lease.lock_dir, 4343, 4343)
    monkeypatch.setattr(lock.os, "geteuid", lambda: 4242)
    try:
        result = run("check", board_path)
    finally:
        monkeypatch.undo()
        lease.release()
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith("write lease"))
    assert "FAILED" in line and "the next write" not in line
    assert "may remove it" in line and "Ask them to remove" in line


def test_a_board_from_a_newer_formboard_reads_but_refuses_writes(
    board_path: Path, board: dict[str, str]
) -> None:
    with sqlite3.connect(board_path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    before = state(board_path)
    assert run("show", board_path, "--plain").exit_code == 0
    assert "newer formboard" in one_sentence(
        run("edit", board_path, board["panic"], "--title", "X")
    )
    assert state(board_path) == before
    check = run("check", board_path)
    assert check.exit_code == 1 and "schema: FAILED" in check.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("add", "{b}", "worries", "Panic"), "the columns are: symptoms, sources"),
        (("add", "{b}", "symptoms", "Panic", "--status", "maybe"), "hypothesis, agreed, retired"),
        (("add", "{b}", "symptoms", "Panic", "--domain", "astro"), "bio, psych, social"),
        (("link", "{b}", "{panic}", "{sister}", "--kind", "causes"), "triggers, maintains"),
        (("move", "{b}", "zzzz", "sources"), "no card with the id"),
        (("edit", "{b}", "{panic}", "--title", ""), "title must not be empty"),
        (("edit", "{b}", "{panic}", "--title", "x" * 201), "at most 200 characters"),
        (("add", "{b}", "symptoms", "two\nlines"), "must not contain line breaks"),
        (("link", "{b}", "{panic}", "{panic}", "--kind", "triggers"), "linked to itself"),
        (("move", "{b}", "{panic}", "sources", "--before", "{sister}"), "not in that column"),
        (("unlink", "{b}", "nolink"), "no link with the id"),
        (("edit", "{b}", "{panic}"), "Nothing to change"),
        (("export", "{b}", "-o", "{b}"), "replace the board itself"),
        (("export", "{b}", "-o", "{b}.rev"), "one of the board's own files"),
        (("export", "{b}", "-o", "/dev/null"), "not a regular file"),
    ],
)
def test_bad_input_is_one_sentence_and_loses_nothing(
    board_path: Path, board: dict[str, str], args: tuple[str, ...], expected: str
) -> None:
    before = state(board_path)
    values = {**board, "b": str(board_path)}
    line = one_sentence(run(*(a.format(**values) for a in args)))
    assert expected in line
    assert state(board_path) == before


def test_an_ambiguous_id_prefix_is_one_sentence(tmp_path: Path) -> None:
    source = tmp_path / "twins.json"
    cards = [{"id": i, "column": "symptoms", "title": i} for i in ("ab1", "ab2")]
    source.write_text(
        json.dumps({"format": "formboard", "version": 1, "client": "C-1", "cards": cards})
    )
    path = tmp_path / "twins.board"
    assert run("import", source, path).exit_code == 0
    assert "more than one card" in one_sentence(run("archive", path, "ab"))
    assert run("archive", path, "ab2").exit_code == 0  # a full id is never ambiguous


def test_a_rejected_import_names_the_field_and_makes_no_board(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    cards = [{"column": "symptoms", "title": "ok"}, {"column": "symptoms", "title": ""}]
    source.write_text(
        json.dumps({"format": "formboard", "version": 1, "client": "C-1", "cards": cards})
    )
    assert "cards[1].title must not be empty" in one_sentence(
        run("import", source, tmp_path / "n.board")
    )
    assert not (tmp_path / "n.board").exists()


def test_import_over_an_existing_board_is_one_sentence(
    board_path: Path, board: dict[str, str], tmp_path: Path
) -> None:
    before = state(board_path)
    exported = tmp_path / "e.json"
    run("export", board_path, "-o", exported)
    assert "already exists" in one_sentence(run("import", exported, board_path))
    assert state(board_path) == before


@pytest.mark.posix
def test_new_board_says_who_can_open_it(tmp_path: Path) -> None:
    private = run("new", tmp_path / "mine.board", "--client", "C-0001")
    assert private.exit_code == 0 and "Only you can open it" in private.stderr
    team = tmp_path / "team"
    team.mkdir()
    team.chmod(0o2770)  # setgid: a team folder; files are group-shared there
    shared = run("new", team / "ours.board", "--client", "C-0002")
    assert shared.exit_code == 0 and shared.stderr == ""
    assert (team / "ours.board").stat().st_mode & 0o777 == 0o660


def test_new_board_needs_a_client_code_it_can_use(tmp_path: Path) -> None:
    line = one_sentence(run("new", tmp_path / "x.board", "--client", "Jane Doe"))
    assert "client code" in line and not (tmp_path / "x.board").exists()


@pytest.mark.parametrize(
    "args",
    [("add",), ("frobnicate", "x"), ("move", "b.board", "c", "sources", "--top", "--bottom"),
     ("show", "b.board", "--json", "--plain"), ("log", "b.board", "--since", "-1")],
)  # fmt: skip
def test_a_mistyped_command_line_is_one_line_with_exit_code_2(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    one_sentence(run(*args), code=2)


def test_an_unexpected_error_names_its_type_but_no_client_text(
    board_path: Path, board: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(self: BoardStore) -> None:
        raise RuntimeError("Panic at work: I can't breathe")

    monkeypatch.setattr(BoardStore, "board", explode)
    line = one_sentence(run("show", board_path))
    assert "RuntimeError" in line and "Panic" not in line


def test_ctrl_c_exits_130_quietly(
    board_path: Path, board: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: BoardStore) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(BoardStore, "board", interrupted)
    result = run("show", board_path)
    assert result.exit_code == 130 and result.stderr.strip() == ""


def test_a_path_opens_the_app_once_an_open_command_exists() -> None:
    opened: list[str] = []

    @click.group(cls=FormboardGroup)
    def group() -> None:
        """A group like formboard's."""

    @group.command()
    @click.argument("board")
    def show(board: str) -> None:
        """Show."""

    assert runner.invoke(group, ["my.board"]).exit_code == 2  # no `open` yet: unknown command

    @group.command(name="open")
    @click.argument("board")
    def open_(board: str) -> None:
        """Open."""
        opened.append(board)

    assert runner.invoke(group, ["my.board"]).exit_code == 0
    assert runner.invoke(group, ["show", "other.board"]).exit_code == 0
    assert opened == ["my.board"]


# ------------------------------------------------- through a real process


def formboard(*args: object, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [*(prefix or []), sys.executable, "-m", "formboard", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_a_real_process_prints_one_sentence_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"format": "formboard"}')
    done = formboard("add", path, "symptoms", "Panic")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("formboard: ")
    assert "Traceback" not in done.stderr
    assert path.read_text() == '{"format": "formboard"}'


def test_a_real_process_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    source = tmp_path / "big.json"
    cards = [{"column": "symptoms", "title": f"card {i}"} for i in range(1500)]
    source.write_text(
        json.dumps({"format": "formboard", "version": 1, "client": "C-1", "cards": cards})
    )
    path = tmp_path / "big.board"
    assert formboard("import", source, path).returncode == 0
    cmd = [sys.executable, "-m", "formboard", "log", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    assert "Traceback" not in proc.stderr.read() and proc.wait(timeout=60) in (0, 1)


@pytest.fixture
def unprivileged(tmp_path: Path) -> Iterator[list[str]]:
    """A command prefix that runs formboard without the power to ignore file permissions.

    Tests run as root here, and root reads and writes anything. `runuser -u nobody` cannot
    reach this venv's Python (it lives under /root), so as root we keep the uid and drop
    the capabilities that bypass permissions; as anyone else no prefix is needed.
    """
    if os.geteuid() != 0:
        yield []
        return
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        missing("running as root and setpriv is not installed, so permissions are not enforced")
    caps = "-dac_override,-dac_read_search,-fowner,-linux_immutable"
    prefix = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0o444)
    code = "import os, sys; sys.exit(os.access(sys.argv[1], os.W_OK))"
    if subprocess.run([*prefix, sys.executable, "-c", code, str(probe)], check=False).returncode:
        missing("setpriv could not drop root's permission override here")
    yield prefix


@pytest.mark.posix
@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_board_reads_but_a_write_is_one_sentence(
    board_path: Path, board: dict[str, str], unprivileged: list[str], what: str
) -> None:
    before = state(board_path)
    target = board_path if what == "file" else board_path.parent
    mode = target.stat().st_mode
    target.chmod(0o444 if what == "file" else 0o555)
    try:
        assert formboard("show", board_path, prefix=unprivileged).returncode == 0
        done = formboard("add", board_path, "symptoms", "Panic", prefix=unprivileged)
    finally:
        target.chmod(stat.S_IMODE(mode))
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "read-only" in done.stderr
    assert "Traceback" not in done.stderr
    assert state(board_path) == before


def test_archiving_what_is_archived_or_restoring_what_is_not_says_nothing_changed(
    board_path: Path, board: dict[str, str]
) -> None:
    card = board["sister"]
    assert "Archived card" in run("archive", board_path, card).stdout
    revision = state(board_path)
    again = run("archive", board_path, card)
    assert again.exit_code == 0 and "already archived; nothing changed" in again.stdout
    assert state(board_path) == revision
    assert "Restored card" in run("restore", board_path, card).stdout
    again = run("restore", board_path, card)
    assert again.exit_code == 0 and "not archived; nothing changed" in again.stdout
    assert "returns to where it was" in run("restore", "--help").stdout


def test_a_mistyped_command_is_named_and_the_nearest_suggested(
    board_path: Path, board: dict[str, str]
) -> None:
    done = formboard("showw", board_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "no command 'showw'; did you mean 'show'?" in done.stderr


@pytest.mark.posix
def test_a_board_the_user_may_not_read_is_one_sentence_with_exit_code_1(
    board_path: Path, board: dict[str, str], unprivileged: list[str]
) -> None:
    board_path.chmod(0o000)
    try:
        done = formboard("show", board_path, prefix=unprivileged)
    finally:
        board_path.chmod(0o600)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "permission to read" in done.stderr


def test_an_export_never_replaces_a_pipe_or_a_link(board_path: Path, board: dict[str, str]) -> None:
    fifo = board_path.with_name("out.fifo")
    os.mkfifo(fifo)
    link = board_path.with_name("out.md")
    link.symlink_to(board_path.with_name("elsewhere.md"))
    for target in (fifo, link):
        assert "not a regular file" in one_sentence(
            run("export", board_path, "--format", "markdown", "-o", target)
        )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


def _rev_of(board_path: Path, card_id: str) -> int:
    shown = json.loads(run("show", board_path, "--json").stdout)
    return next(c["rev"] for c in shown["cards"] if c["id"] == card_id)


def _as_colleague(board_path: Path) -> BoardStore:
    from tests.helpers_store import person

    return BoardStore.open(board_path, identity=person("dara", "Dara Lindqvist"))


def test_edit_with_rev_refuses_a_colleagues_change_of_the_same_field_with_exit_code_3(
    board_path: Path, board: dict[str, str]
) -> None:
    card = board["panic"]
    rev = _rev_of(board_path, card)
    with _as_colleague(board_path) as dara:
        dara.edit_card(card, body="Racing heart, and now at night too")
    before = state(board_path)
    result = run("edit", board_path, card, "--body", "Racing heart in meetings + more",
                 "--rev", rev)  # fmt: skip
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and "Dara Lindqvist changed the body" in result.stderr
    assert "the card was not changed" in result.stderr
    assert "your version is kept in the log as a conflict" in result.stderr
    assert "body, theirs: Racing heart, and now at night too" in result.stdout
    assert state(board_path) == {**before, "ops": before["ops"] + 1}  # only the log grew
    as_json = run("edit", board_path, card, "--body", "mine", "--rev", rev, "--json")
    assert as_json.exit_code == 3
    found = json.loads(as_json.stdout)["conflict"]
    assert found["changed_by"] == "Dara Lindqvist" and found["fields"][0]["field"] == "body"
    assert found["fields"][0]["theirs"] == "Racing heart, and now at night too"
    # A field she did not change merges: the title lands, her body stays.
    assert run("edit", board_path, card, "--title", "Panic at work", "--rev", rev).exit_code == 0


def test_a_blind_edit_that_replaces_a_colleagues_text_says_so(
    board_path: Path, board: dict[str, str]
) -> None:
    card = board["panic"]
    with _as_colleague(board_path) as dara:
        dara.edit_card(card, body="Dara's careful wording")
    result = run("edit", board_path, card, "--body", "mine")
    assert result.exit_code == 0 and "Edited card" in result.stdout
    assert "replaced the body of the card last written by Dara Lindqvist" in result.stderr
    assert "formboard log" in result.stderr and "--rev" in result.stderr
    assert run("edit", board_path, card, "--body", "mine again").stderr == ""  # my own


def test_my_own_perspective_can_be_edited_and_removed_with_rev(
    board_path: Path, board: dict[str, str]
) -> None:
    pid = run("perspective", board_path, board["panic"], "Rule out thyroid first.",
              "--discipline", "psychiatry").stdout.strip()  # fmt: skip
    assert run("edit-perspective", board_path, pid, "Thyroid normal.", "--rev", 1).exit_code == 0
    stale = run("edit-perspective", board_path, pid, "Other text", "--rev", 1)
    assert stale.exit_code == 3 and "the perspective was not changed" in stale.stderr
    assert "your version is kept in the log as a conflict" in stale.stderr
    removing = run("remove-perspective", board_path, pid, "--rev", 1)
    assert removing.exit_code == 3 and "text, theirs: Thyroid normal." in removing.stdout
    assert run("remove-perspective", board_path, pid, "--rev", 2).exit_code == 0
    shown = json.loads(run("show", board_path, "--json").stdout)
    assert all(p["id"] != pid for c in shown["cards"] for p in c["perspectives"])


def test_move_archive_and_restore_with_rev_refuse_a_colleagues_move_or_archive(
    board_path: Path, board: dict[str, str]
) -> None:
    card = board["panic"]
    rev = _rev_of(board_path, card)
    with _as_colleague(board_path) as dara:
        dara.move_card(card, "sources")
    before = state(board_path)
    moving = run("move", board_path, card, "qualities", "--rev", rev, "--json")
    assert moving.exit_code == 3, moving.output
    found = json.loads(moving.stdout)["conflict"]
    assert found["changed_by"] == "Dara Lindqvist"
    column = next(f for f in found["fields"] if f["field"] == "column")
    assert (column["mine"], column["theirs"], column["base"]) == (
        "qualities",
        "sources",
        "symptoms",
    )
    assert state(board_path) == {**before, "ops": before["ops"] + 1}  # only the log grew
    archiving = run("archive", board_path, card, "--rev", rev)
    assert archiving.exit_code != 3  # her move did not touch whether it is archived
    assert archiving.exit_code == 0 and "Archived card" in archiving.stdout
    # Now she restores it; an archive from the revision before hers is refused.
    moved_rev = _rev_of(board_path, card)
    with _as_colleague(board_path) as dara:
        dara.restore_card(card)
    refused = run("archive", board_path, card, "--rev", moved_rev)
    assert refused.exit_code == 3
    assert "Dara Lindqvist changed the archive state of this card" in refused.stderr
    assert "archive state, theirs: False" in refused.stdout
    assert not next(c for c in json.loads(run("show", board_path, "--json").stdout)["cards"]
                    if c["id"] == card)["archived"]  # fmt: skip
    # With the current revision it goes through; a restore of a card not archived is a no-op.
    now = _rev_of(board_path, card)
    assert run("archive", board_path, card, "--rev", now).exit_code == 0
    assert "nothing changed" in run("archive", board_path, card, "--rev", now + 1).stdout
    assert run("restore", board_path, card, "--rev", now + 1).exit_code == 0
    # A move from a revision older than a colleague's edit of the body still goes through.
    old = _rev_of(board_path, card)
    with _as_colleague(board_path) as dara:
        dara.edit_card(card, body="changed by Dara")
    assert run("move", board_path, card, "resources", "--rev", old).exit_code == 0


def test_show_archived_lists_each_archived_card_with_its_id_who_and_when(
    board_path: Path, board: dict[str, str]
) -> None:
    assert "nothing is archived" in run("show", board_path, "--archived").stdout
    with _as_colleague(board_path) as dara:
        dara.archive_card(board["sister"])
    shown = run("show", board_path, "--archived").stdout
    line = next(ln for ln in shown.splitlines() if board["sister"] in ln)
    assert "Sister  [Resources] — archived by Dara Lindqvist" in line
    assert run("restore", board_path, board["sister"]).exit_code == 0  # the id restores it
    assert "nothing is archived" in run("show", board_path, "--archived").stdout
    assert run("show", board_path, "--json", "--archived").exit_code == 2
