"""Presence: who else has the board open, where they are, and that the board is never touched."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.helpers_store import person

from formboard.core import presence as presence_module
from formboard.core.presence import (
    STALE_AFTER,
    Presence,
    PresenceEntry,
    file_name,
    presence_folder,
)
from formboard.core.store import BoardStore


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def board(tmp_path: Path) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    BoardStore.create(folder / "C-0421.board", "C-0421").close()
    return folder / "C-0421.board"


@pytest.fixture
def card_id(board: Path) -> str:
    with BoardStore.open(board) as store:
        return store.add_card("symptoms", "Panic at work").id


def present(board: Path, login: str, name: str, clock: Clock | None = None) -> Presence:
    return Presence(board, person(login, name), client_id=f"c-{login}", clock=clock or Clock())


def test_two_colleagues_see_each_other_but_not_themselves(board: Path) -> None:
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor")
    ana.announce()
    assert ana.others() == []
    ben.announce()
    assert [e.login for e in ana.others()] == ["ben"]
    (seen,) = ben.others()
    assert (seen.login, seen.name, seen.discipline, seen.initials) == (
        "ana", "Ana Lima", "nursing", "AL",
    )  # fmt: skip
    assert (seen.host, seen.pid, seen.client_id) == ("ward-pc", os.getpid(), "c-ana")
    assert seen.key == f"ana@ward-pc-{os.getpid()}"


def test_focused_card_and_following_round_trip(board: Path, card_id: str) -> None:
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor")
    ana.announce(focused=card_id, following="ben", following_name="Ben Okafor")
    (seen,) = ben.others()
    assert (seen.focused, seen.following) == (card_id, "ben")
    assert seen.followed == ("ben", "Ben Okafor")
    ana.announce(focused=None)
    (seen,) = ben.others()
    assert (seen.focused, seen.following, seen.followed) == (None, None, None)


def test_two_people_at_one_login_on_one_computer_see_each_other(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ward PC with one shared login: two apps (two processes), two names, two people."""
    ana = present(board, "ward", "Ana Lima")
    other_apps = iter([os.getppid(), 1])  # processes that live: not cleaned up as dead
    monkeypatch.setattr(presence_module.os, "getpid", lambda: next(other_apps))
    ben = present(board, "ward", "Ben Okafor")
    ana.announce()
    ben.announce()
    assert [e.person for e in ana.others()] == [("ward", "Ben Okafor")]
    assert [e.person for e in ben.others()] == [("ward", "Ana Lima")]
    assert presence_module.same_name_said(ana.identity, ana.others()) is None
    twin = present(board, "ward", "Ana Lima")  # and a third at it, going by her name
    twin.announce()
    said = presence_module.same_name_said(ana.identity, ana.others())
    assert said is not None and said.startswith(
        "Another formboard at this login is also called Ana Lima (on this computer)."
    )


def test_where_people_at_one_login_went_on_to_is_kept_for_each(board: Path) -> None:
    from formboard.core.identity import Identity
    from formboard.core.person import Person

    folder = board.parent
    watcher = present(board, "dara", "Dara Lind")
    watcher.announce()  # the board is open: its presence folder is there
    for name, to in (("Ana Lima", "C-0002.board"), ("Ben Okafor", "C-0003.board")):
        who = Identity(login="ward", name=name, discipline="", host="ward-pc")
        presence_module.record_move(board, who, folder / to)
    watcher.others()
    assert watcher.moves[Person("ward", "Ana Lima").token][0] == "C-0002.board"
    assert watcher.moves[Person("ward", "Ben Okafor").token][0] == "C-0003.board"


def test_others_are_sorted_by_name(board: Path) -> None:
    for login, name in [("zoe", "zoe Adams"), ("ben", "Ben Okafor"), ("cat", "Cat Ng")]:
        present(board, login, name).announce()
    me = present(board, "ana", "Ana Lima")
    assert [e.name for e in me.others()] == ["Ben Okafor", "Cat Ng", "zoe Adams"]


def test_leaving_removes_my_file_for_good(board: Path) -> None:
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor")
    ana.announce()
    assert ben.others()
    ana.leave()
    assert not ana.path.exists()
    assert ben.others() == []
    ana.heartbeat()
    ana.announce()
    assert not ana.path.exists()


def test_heartbeat_rewrites_only_when_the_file_is_a_few_seconds_old(board: Path) -> None:
    clock = Clock()
    ana = present(board, "ana", "Ana Lima", clock)
    ana.heartbeat()
    beat = json.loads(ana.path.read_bytes())["beat"]
    ana.heartbeat()
    assert json.loads(ana.path.read_bytes())["beat"] == beat
    clock.now += ana.beat_every
    ana.heartbeat()
    assert json.loads(ana.path.read_bytes())["beat"] == beat + 1


def test_an_entry_whose_beat_stops_is_gone_after_fifteen_seconds(board: Path) -> None:
    clock = Clock()
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor", clock)
    ana.announce()
    assert ben.others()
    clock.now += 14
    assert ben.others()
    clock.now += 1.5
    assert ben.others() == []
    ana.announce()  # a new beat: back again
    assert [e.login for e in ben.others()] == ["ana"]


def test_a_file_unchanged_for_a_minute_is_removed(board: Path) -> None:
    clock = Clock()
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor", clock)
    ana.announce()
    assert ben.others()
    clock.now += 61
    assert ben.others() == []
    assert not ana.path.exists()


def test_a_file_left_long_ago_is_not_shown_on_first_sight(board: Path) -> None:
    ana = present(board, "ana", "Ana Lima")
    ana.announce()
    an_hour_ago = time.time() - 3600
    os.utime(ana.path, (an_hour_ago, an_hour_ago))
    assert present(board, "ben", "Ben Okafor").others() == []
    assert list(presence_folder(board).glob(".probe-*")) == []


def test_corrupt_partial_and_misnamed_files_are_skipped(board: Path) -> None:
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor")
    ana.announce()
    folder = presence_folder(board)
    good = json.loads(ana.path.read_bytes())
    (folder / "cat@ward-pc-7.json").write_text('{"login": "cat", "name": "Ca')
    (folder / "dan@ward-pc-8.json").write_text("[1, 2]")
    (folder / "eve@ward-pc-9.json").write_bytes(b"\xff\xfe")
    (folder / "fay@ward-pc-10.json").write_text(json.dumps({**good, "pid": "10"}))
    (folder / "mallory@ward-pc-11.json").write_text(json.dumps(good))  # ana's under another name
    (folder / ".ana@ward-pc-1.json.tmp-0").write_text(json.dumps(good))
    assert [e.login for e in ben.others()] == ["ana"]


def test_a_dead_process_on_this_machine_is_cleaned_up(board: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead_pid = int(done.stdout)
    ben = present(board, "ben", "Ben Okafor")
    ben.announce()
    folder = presence_folder(board)
    ghost = PresenceEntry(
        login="ana", name="Ana Lima", discipline="nursing", initials="AL", host="ward-pc",
        pid=dead_pid, client_id="c-ana", focused=None, following=None,
        at="2025-01-01T00:00:00.000Z", beat=3, machine=ben.machine,
    )  # fmt: skip
    elsewhere = PresenceEntry(**{**ghost.__dict__, "login": "cat", "machine": "other-boot"})
    for entry in (ghost, elsewhere):
        (folder / file_name(entry.key)).write_bytes(entry.to_json())
    assert [e.login for e in ben.others()] == ["cat"]  # same name, another machine: kept
    assert not (folder / file_name(ghost.key)).exists()
    assert (folder / file_name(elsewhere.key)).exists()


def test_presence_files_are_private(board: Path) -> None:
    ana = present(board, "ana", "Ana Lima")
    ana.announce()
    assert stat.S_IMODE(ana.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(presence_folder(board).stat().st_mode) == 0o700


def test_presence_never_touches_the_board_file(board: Path, card_id: str) -> None:
    before = board.stat()
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor")
    for n in range(50):
        ana.announce(focused=card_id if n % 2 else None)
        ben.heartbeat()
        ben.others()
    after = board.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (
        before.st_mtime_ns, before.st_size, before.st_ino,
    )  # fmt: skip


def test_presence_holds_card_ids_never_text(board: Path, card_id: str) -> None:
    ana = present(board, "ana", "Ana Lima")
    with pytest.raises(ValueError, match="card id"):
        ana.announce(focused="Panic at work")
    ana.announce(focused=card_id)
    written = json.loads(ana.path.read_bytes())
    assert "Panic" not in ana.path.read_text()
    assert set(written) == {
        "login", "name", "discipline", "initials", "host", "pid", "client_id",
        "focused", "following", "at", "beat", "machine", "view", "filter", "history_rev",
        "summon", "centre", "following_name",
    }  # fmt: skip


def test_a_read_only_folder_leaves_presence_read_only_with_a_sentence(
    board: Path, card_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = present(board, "ben", "Ben Okafor")
    ben.announce()

    def refused(*_args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(presence_module, "write_atomically", refused)
    ana = present(board, "ana", "Ana Lima")
    ana.announce(focused=card_id)
    ana.heartbeat()
    assert ana.read_only
    assert ana.problem is not None and ana.problem.endswith("You still see them.")
    assert [e.login for e in ana.others()] == ["ben"]
    ana.leave()


def test_a_drive_hiccup_is_retried_on_the_next_heartbeat(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    ana = present(board, "ana", "Ana Lima", clock)
    real = presence_module.write_atomically

    def hiccup(*_args: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(presence_module, "write_atomically", hiccup)
    ana.announce()
    assert not ana.read_only and ana.problem is not None and "Input/output" in ana.problem
    monkeypatch.setattr(presence_module, "write_atomically", real)
    ana.heartbeat()
    assert ana.path.exists() and ana.problem is None


def test_a_file_with_an_impossible_pid_is_skipped_and_presence_goes_on(board: Path) -> None:
    ana, ben = present(board, "ana", "Ana Lima"), present(board, "ben", "Ben Okafor")
    ana.announce()
    ben.announce()
    folder = presence_folder(board)
    mine = PresenceEntry.from_json(ben.path.read_bytes())
    assert mine is not None
    for pid in (2**40, 2**31, -5):  # on this machine: os.kill(2**40, 0) overflows
        odd = PresenceEntry(**{**mine.__dict__, "login": "zed", "pid": pid})
        (folder / file_name(odd.key)).write_bytes(odd.to_json())
    assert [e.login for e in ben.others()] == ["ana"]
    assert [e.login for e in ana.others()] == ["ben"]


def test_the_presence_loop_survives_any_error_says_so_once_and_recovers() -> None:
    from formboard.tui.messages import PresenceChanged
    from formboard.tui.presence_loop import PresenceLoop

    class Flaky:
        problem = None
        calls = 0
        moves: dict[str, tuple[str, str]] = {}

        def heartbeat(self) -> None:
            pass

        def announce(self, *args: object) -> None:
            pass

        def others(self) -> list[PresenceEntry]:
            self.calls += 1
            if self.calls <= 3:
                raise OverflowError("a file nobody foresaw")
            return []

        def leave(self) -> None:
            pass

    posted: list[PresenceChanged] = []
    loop = PresenceLoop(Flaky(), posted.append)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("formboard.tui.presence_loop.POLL_EVERY", 0.01)
        loop.start()
        deadline = time.monotonic() + 5
        while len(posted) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        loop.stop()
    assert [m.failed for m in posted] == [True, False]  # once, then recovered
    assert "OverflowError" in (posted[0].problem or "") and posted[1].problem is None


def test_a_read_that_fails_for_a_moment_is_not_a_colleague_leaving(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caching mount can fail to read a presence file just replaced: a follower must not
    take that for the leader closing the board (it ended following, issue 11)."""
    clock = Clock()
    ana, ben = present(board, "ana", "Ana Lima", clock), present(board, "ben", "Ben Okafor", clock)
    ana.announce()
    assert [e.login for e in ben.others()] == ["ana"]
    real = presence_module._read_entry
    monkeypatch.setattr(presence_module, "_read_entry", lambda path: None)
    assert [e.login for e in ben.others()] == ["ana"]  # as it was
    monkeypatch.setattr(
        presence_module.os, "listdir", lambda path: (_ for _ in ()).throw(OSError(5, "EIO"))
    )
    assert [e.login for e in ben.others()] == ["ana"]  # the folder away for a moment
    monkeypatch.undo()
    clock.now += STALE_AFTER + 1  # and when it stays away, the entry goes stale as ever
    monkeypatch.setattr(presence_module, "_read_entry", lambda path: None)
    assert ben.others() == []
    monkeypatch.setattr(presence_module, "_read_entry", real)
    ana.leave()
    assert ben.others() == []  # a file removed is a colleague gone at once
