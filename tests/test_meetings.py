"""Meetings in the board file, the op log as of a meeting, and the note for the record."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.helpers_store import person, raw

from formboard.cli import cli
from formboard.core import note as notes
from formboard.core.errors import InvalidInput
from formboard.core.store import BoardStore
from formboard.core.store.schema import SCHEMA_VERSION

ANA = person("ana", "Ana Ruiz", "psychiatry")
BEN = person("ben", "Ben Okafor", "nursing")
DARA = person("dara", "Dara Lindqvist", "social work")

runner = CliRunner()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    with BoardStore.create(tmp_path / "C-0421.board", "C-0421", "Weekly review"):
        pass
    return tmp_path / "C-0421.board"


def undated(text: str) -> str:
    """A note with each perspective's time (local, when it was written) as TIME."""
    return re.sub(r" \(\d{4}-\d\d-\d\d \d\d:\d\d\)", " (TIME)", text)


def as_(path: Path, who: object) -> BoardStore:
    return BoardStore.open(path, identity=who)


def test_a_meeting_is_started_attended_and_ended_through_the_op_log(path: Path) -> None:
    with as_(path, ANA) as ana, as_(path, BEN) as ben:
        before = ana.revision()
        number = ana.start_meeting("Case review")
        assert number == 1 and ben.attend_meeting() == 1
        assert ben.attend_meeting() == 1  # already here: nothing more is written
        changes = ben.changes_since(before)
        assert [m.number for m in changes.meetings_changed] == [1]  # followers see it live
        with pytest.raises(InvalidInput, match="Ana Ruiz's meeting is already running"):
            ben.start_meeting()
        ben.leave_meeting()
        ana.end_meeting()
        (meeting,) = ana.meetings()
    assert meeting.title == "Case review" and meeting.facilitator == "ana"
    assert meeting.started_rev >= before and meeting.ended_by == "ana" and not meeting.running
    assert [(a.login, a.discipline, a.to_at is not None) for a in meeting.attendees] == [
        ("ana", "psychiatry", True),
        ("ben", "nursing", True),
    ]
    with as_(path, ANA) as ana:
        said = [op.op for op in ana.ops() if op.entity == "meeting"]
    assert said == ["start_meeting", "attend", "attend", "leave", "end_meeting"]


def test_only_the_facilitator_ends_a_meeting_unless_they_have_gone(path: Path) -> None:
    with as_(path, ANA) as ana, as_(path, BEN) as ben:
        ana.start_meeting()
        with pytest.raises(InvalidInput, match="Ana Ruiz is running this meeting"):
            ben.end_meeting()
        ben.end_meeting(facilitator_gone=True)  # Ana's app crashed
        (meeting,) = ben.meetings()
        with pytest.raises(InvalidInput, match="No meeting is running"):
            ana.end_meeting()
    assert meeting.ended_by == "ben" and meeting.facilitator == "ana"
    built = notes.build(BoardStore.open(path).board(), meeting, [])
    assert "ended by Ben Okafor" in built.facilitated


def test_a_board_of_schema_2_gets_meetings_when_opened(path: Path) -> None:
    conn = raw(path)  # as a board made by the formboard before
    conn.execute("DROP TABLE attendance")
    conn.execute("DROP TABLE meetings")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()
    with BoardStore.open(path, read_only=True) as viewer:
        assert viewer.meetings() == []  # read-only: not migrated, and still readable
    with as_(path, ANA) as ana:
        assert ana.meta()["schema_version"] == str(SCHEMA_VERSION)  # and on to the newest
        assert ana.start_meeting() == 1


def a_meeting(path: Path) -> tuple[dict[str, str], int]:
    """A meeting with changes from three people, one before it and one after it."""
    with as_(path, ANA) as ana, as_(path, BEN) as ben, as_(path, DARA) as dara:
        panic = ana.add_card("symptoms", "Panic attacks in the car park")
        number = ana.start_meeting("Case review")
        ben.attend_meeting()
        dara.attend_meeting()
        loss = ben.add_card("sources", "Early loss of a parent")
        ana.edit_card(panic.id, status="agreed", client_words="I feel trapped")
        dara.add_perspective(panic.id, "Avoids the lift too")
        link = ben.add_link(loss.id, panic.id, "maintains")
        ben.remove_link(link.id)
        ana.archive_card(loss.id)
        ana.end_meeting()
        ben.edit_card(panic.id, title="After the meeting")
    return {"panic": panic.id, "loss": loss.id}, number


def test_the_note_lists_every_change_of_the_meeting_once_with_its_author(path: Path) -> None:
    ids, number = a_meeting(path)
    conn = raw(path)  # a title another program garbled: the note shows it, harmless
    conn.execute(
        "UPDATE cards SET title = 'Early loss\x1b[2J of a parent' WHERE id = ?", (ids["loss"],)
    )
    conn.close()
    result = runner.invoke(cli, ["note", str(path), "--meeting", str(number)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# Case meeting note: C-0421 — Weekly review")
    assert "Facilitated by Ana Ruiz (psychiatry)." in text
    present = text.split("## Present")[1].split("##")[0]
    for who in ("Ana Ruiz (psychiatry)", "Ben Okafor (nursing)", "Dara Lindqvist (social work)"):
        assert who in present
    changes = [
        undated(line) for line in text.splitlines() if line.startswith("- ") and "–" not in line
    ]
    assert changes == [
        "- Ana Ruiz (psychiatry) changed this part: the client's own words (empty) → "
        "‘I feel trapped’; the status hypothesis → agreed with client.",
        "- Dara Lindqvist (social work) added a perspective on this part (TIME): “Avoids the lift too”.",
        "- Ben Okafor (nursing) added this part to Sources.",
        "- Ben Okafor (nursing) added the link: this part maintains ‘After the meeting’.",
        "- Ben Okafor (nursing) removed the link: this part maintains ‘After the meeting’.",
        "- Ana Ruiz (psychiatry) archived this part.",
    ]
    assert "## Changes (6 changes)" in text
    assert "### After the meeting (Symptoms)" in text  # a card goes by its title now
    assert "### Early loss␛\\[2J of a parent (Sources)" in text
    assert "> I feel trapped" in text.split("## The client's own words")[1]
    assert not any(i in text for i in ids.values())  # no ids in the prose
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)  # no control characters


def test_the_note_is_written_owner_only_as_html_with_text_never_markup(
    path: Path, tmp_path: Path
) -> None:
    with as_(path, ANA) as ana:
        ana.start_meeting()
        ana.add_card("symptoms", "<script>alert(1)</script> & </body>")
        ana.end_meeting()
    out = tmp_path / "notes" / "meeting-1.html"
    result = runner.invoke(cli, ["note", str(path), "--format", "html", "-o", str(out)])
    assert "does not exist; create it first" in result.output  # only where the user said
    out.parent.mkdir()
    result = runner.invoke(cli, ["note", str(path), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (
        "<script>" not in page
        and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/body&gt;" in page
    )
    assert "<title>formboard: meeting note</title>" in page  # no client text in the title
    assert sorted(p.name for p in out.parent.iterdir()) == ["meeting-1.html"]


def test_note_and_log_take_since_last_meeting(path: Path) -> None:
    result = runner.invoke(cli, ["log", str(path), "--since", "last-meeting"])
    assert result.exit_code == 1 and "No meeting has ended on this board yet" in result.output
    result = runner.invoke(cli, ["note", str(path)])
    assert result.exit_code == 1 and "No meeting has been held" in result.output
    a_meeting(path)
    result = runner.invoke(cli, ["log", str(path), "--since", "last-meeting"])
    lines = result.output.splitlines()[1:]
    assert [line.split("  ")[-1].strip() for line in lines][-2:] == [
        "ended meeting 1",
        "changed ‘After the meeting’: the title ‘Panic attacks in the car park’ → "
        "‘After the meeting’",
    ]
    result = runner.invoke(cli, ["note", str(path), "--since", "last-meeting"])
    assert (
        "## Changes (1 change)" in result.output and "Ben Okafor (nursing) changed" in result.output
    )
    result = runner.invoke(cli, ["note", str(path), "--meeting", "7"])
    assert "There is no meeting 7 on this board (it has 1 to 1)" in result.output


def test_meeting_commands_from_a_shell(path: Path) -> None:
    result = runner.invoke(cli, ["meeting", "start", str(path), "--title", "Weekly"])
    assert result.exit_code == 0 and "Started meeting 1" in result.output
    result = runner.invoke(cli, ["meeting", "start", str(path)])
    assert result.exit_code == 1 and "already running" in result.output
    result = runner.invoke(cli, ["meeting", "list", str(path)])
    assert "Meeting 1 ‘Weekly’" in result.output and "running now" in result.output
    result = runner.invoke(cli, ["meeting", "end", str(path)])
    assert result.exit_code == 0 and "formboard note" in result.output
    result = runner.invoke(cli, ["meeting", "end", str(path)])
    assert result.exit_code == 1 and "No meeting is running" in result.output


def test_a_notes_lines_read_as_sentences(path: Path, tmp_path: Path) -> None:
    """A perspective's discipline is said once (twice when it is not its author's own), a
    quoted text that ends its sentence takes no second full stop, and one change is one
    change (issue 22, point 9: "(psychiatry) added a perspective (psychiatry)", `.”.`,
    "(1 changes)")."""
    with as_(path, ANA) as ana:
        card = ana.add_card("symptoms", "Panic at work")
        ana.add_perspective(card.id, "Fear of being judged.", "psychiatry")
        before_ben = ana.revision()
    result = runner.invoke(cli, ["note", str(path), "--since", "0"])
    assert result.exit_code == 0, result.output
    lines = [undated(line) for line in result.output.splitlines() if line.startswith("- ")]
    assert (
        "- Ana Ruiz (psychiatry) added a perspective on this part (TIME): “Fear of being judged.”"
        in lines
    )
    with as_(path, BEN) as ben:
        ben.add_perspective(card.id, "Sleeps badly?", "psychiatry")  # a colleague's view
    result = runner.invoke(
        cli, ["note", str(path), "--since", "0", "-o", str(tmp_path / "note.md")]
    )
    assert result.exit_code == 0, result.output
    text = undated((tmp_path / "note.md").read_text())
    assert (
        "- Ben Okafor (nursing) added a perspective (psychiatry) on this part (TIME): “Sleeps badly?”\n"
        in text
    )
    assert ".”." not in text and "?”." not in text
    one = ["note", str(path), "--since", str(before_ben), "-o", str(tmp_path / "one.md")]
    result = runner.invoke(cli, one)
    assert "Wrote the note (1 change) to" in result.output, result.output
