"""Change detection: which mode, and that colleagues' writes are noticed quickly and cheaply."""

from __future__ import annotations

import os
import resource
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers_store import person, raw

from formboard.core import drives
from formboard.core.settings import load_settings, save_settings
from formboard.core.store import BoardStore
from formboard.core.watch import BoardWatcher, UnknownWatchMode, WatchMode, choose_mode


@pytest.fixture
def path(tmp_path: Path) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    return folder / "C-0421.board"


@pytest.fixture
def store(path: Path) -> Iterator[BoardStore]:
    with BoardStore.create(path, "C-0421", "Formulation") as s:
        yield s


@pytest.fixture
def colleague(store: BoardStore) -> Iterator[BoardStore]:
    with BoardStore.open(store.path, identity=person("sam", "Sam Lee")) as s:
        yield s


class Calls:
    """An ``on_change`` that records when it was called and lets a test wait for a call."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._cond = threading.Condition()

    def __call__(self) -> None:
        with self._cond:
            self.times.append(time.monotonic())
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float) -> float | None:
        """Wait until ``count`` calls happened; the time of that call, or None on timeout."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.times) >= count, timeout)
            return self.times[count - 1] if len(self.times) >= count else None


@pytest.fixture
def watchers() -> Iterator[list[BoardWatcher]]:
    started: list[BoardWatcher] = []
    yield started
    for w in started:
        w.stop()


def running(watchers: list[BoardWatcher], *args: object, **kwargs: object) -> BoardWatcher:
    w = BoardWatcher(*args, **kwargs)  # type: ignore[arg-type]
    w.start()
    watchers.append(w)
    return w


# --------------------------------------------------------------------- choosing a mode


def test_the_argument_beats_the_env_which_beats_the_setting_which_beats_auto(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert choose_mode(path)[0] is WatchMode.EVENTS
    save_settings({"watch": "poll"})
    assert choose_mode(path) == (WatchMode.POLL, "polling: chosen by the setting 'watch'")
    monkeypatch.setenv("FORMBOARD_WATCH", "events")
    assert choose_mode(path) == (WatchMode.EVENTS, "file events: chosen by FORMBOARD_WATCH")
    assert choose_mode(path, "POLL") == (WatchMode.POLL, "polling: chosen by --watch")
    assert choose_mode(path, "auto")[0] is WatchMode.EVENTS  # an explicit auto is auto


@pytest.mark.parametrize("where", ["argument", "env"])
def test_an_unknown_mode_is_a_sentence_listing_the_three(
    where: str, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if where == "env":
        monkeypatch.setenv("FORMBOARD_WATCH", "fast")
    with pytest.raises(ValueError, match="use auto, events or poll") as caught:
        choose_mode(path, "fast" if where == "argument" else None)
    assert isinstance(caught.value, UnknownWatchMode)


@pytest.mark.parametrize("value", [3, "fast"])
def test_an_unknown_mode_in_the_settings_is_said_and_the_default_applies(
    value: object, path: Path
) -> None:
    save_settings({"watch": value, "idle_minutes": 4})
    assert choose_mode(path)[0] is WatchMode.EVENTS
    loaded = load_settings()
    assert loaded.settings.idle_minutes == 4  # the rest of the file still applies
    (problem,) = loaded.problems
    assert "config.toml, watch must be auto, events or poll" in problem


def test_a_local_disk_is_watched_by_file_events(path: Path) -> None:
    mode, reason = choose_mode(path)
    assert mode is WatchMode.EVENTS
    assert reason.startswith("file events: the board is on a local disk")


def test_a_network_drive_is_polled(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drives, "filesystem_type", lambda _f: "fuse.sshfs")
    assert choose_mode(path) == (
        WatchMode.POLL,
        "polling: the board is on a network drive (fuse.sshfs)",
    )


def test_a_fuse_magic_number_counts_as_a_network_drive(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drives, "_statfs_magic", lambda _f: 0x65735546)
    assert choose_mode(path) == (WatchMode.POLL, "polling: the board is on a network drive (fuse)")


def test_statfs_reads_a_local_folders_magic(tmp_path: Path) -> None:
    magic = drives._statfs_magic(tmp_path)
    if magic is None:
        pytest.skip("statfs(2) is read on little-endian Linux only")
    assert magic not in drives.NETWORK_MAGIC


# ------------------------------------------------------------------------------ events


def test_a_colleagues_write_is_noticed_by_file_events_within_a_second(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    calls = Calls()
    running(watchers, store.path, WatchMode.EVENTS, calls, backstop=60)
    started = time.monotonic()
    colleague.add_card("symptoms", "Panic at work")
    noticed = calls.wait_for(1, 2.0)
    assert noticed is not None
    assert noticed - started < 1.0


def test_other_files_in_the_folder_do_not_wake_the_watcher(
    store: BoardStore, watchers: list[BoardWatcher], tmp_path: Path
) -> None:
    calls = Calls()
    running(watchers, store.path, WatchMode.EVENTS, calls, backstop=60)
    folder = store.path.parent
    with BoardStore.create(folder / "C-0999.board", "C-0999") as other:
        other.add_card("symptoms", "Low mood")
    (folder / "notes.txt").write_text("agenda")
    (folder / "C-0421.board.presence").mkdir()
    (folder / "C-0421.board.presence" / "sam@ward-pc-1.json").write_text("{}")
    assert calls.wait_for(1, 0.5) is None


def test_the_backstop_calls_even_when_nothing_happened(
    store: BoardStore, watchers: list[BoardWatcher]
) -> None:
    calls = Calls()
    running(watchers, store.path, WatchMode.EVENTS, calls, backstop=0.3)
    assert calls.wait_for(2, 1.5) is not None


def test_a_burst_of_writes_calls_at_most_once_per_debounce(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    calls = Calls()
    running(watchers, store.path, WatchMode.EVENTS, calls, debounce=0.1, backstop=60)
    for n in range(15):
        colleague.add_card("symptoms", f"Part {n}")
    assert calls.wait_for(1, 1.0) is not None
    time.sleep(0.3)
    gaps = [b - a for a, b in zip(calls.times, calls.times[1:], strict=False)]
    assert all(gap >= 0.099 for gap in gaps), gaps


def test_when_file_events_fail_the_watcher_polls_instead(
    store: BoardStore,
    colleague: BoardStore,
    watchers: list[BoardWatcher],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "inotify watch limit reached")

    import watchfiles

    monkeypatch.setattr(watchfiles, "watch", broken)
    calls = Calls()
    w = running(watchers, store.path, WatchMode.EVENTS, calls, poll_interval=0.1, backstop=60)
    assert w.problem is not None and "checking the board every second" in w.problem
    seen = len(calls.times)
    colleague.add_card("symptoms", "Panic at work")
    assert calls.wait_for(seen + 1, 1.5) is not None
    assert w.running


@pytest.mark.parametrize("mode", [WatchMode.EVENTS, WatchMode.POLL])
def test_stop_is_prompt_and_can_be_called_twice(store: BoardStore, mode: WatchMode) -> None:
    w = BoardWatcher(store.path, mode, Calls(), read_revision=store.revision)
    w.start()
    assert w.running
    started = time.monotonic()
    w.stop()
    assert time.monotonic() - started < 0.5
    assert not w.running
    w.stop()


# -------------------------------------------------------------------------------- poll


def test_polling_notices_a_sidecar_rewrite(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    calls = Calls()
    running(watchers, store.path, WatchMode.POLL, calls, poll_interval=0.2)
    started = time.monotonic()
    colleague.add_card("symptoms", "Panic at work")
    noticed = calls.wait_for(1, 3.0)
    assert noticed is not None
    assert noticed - started < 1.5


def test_polling_notices_two_writes_within_one_second(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    calls = Calls()
    running(watchers, store.path, WatchMode.POLL, calls, poll_interval=0.1)
    first = time.time()
    colleague.add_card("symptoms", "Panic at work")
    assert calls.wait_for(1, 1.5) is not None
    colleague.add_card("symptoms", "Insomnia")
    assert calls.wait_for(2, 1.5) is not None
    # both writes fell in one second unless the machine was very slow; content told them apart
    assert time.time() - first < 1.0 or len(calls.times) == 2


def test_polling_reads_the_revision_afresh_for_writers_that_skip_the_sidecar(
    store: BoardStore, watchers: list[BoardWatcher]
) -> None:
    card = store.add_card("symptoms", "Panic at work")
    calls = Calls()
    running(
        watchers, store.path, WatchMode.POLL, calls,
        poll_interval=0.2, fresh_check=0.5, read_revision=store.revision,
    )  # fmt: skip
    sidecar = store.sidecar_path.read_bytes()
    started = time.monotonic()
    conn = raw(store.path)  # as the sqlite3 shell would
    conn.execute("UPDATE cards SET title = 'Panic on the bus' WHERE id = ?", (card.id,))
    conn.close()
    noticed = calls.wait_for(1, 3.0)
    assert noticed is not None
    assert noticed - started < 1.0
    assert store.sidecar_path.read_bytes() == sidecar


def test_a_missing_sidecar_is_not_an_error(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    store.sidecar_path.unlink()
    calls = Calls()
    w = running(watchers, store.path, WatchMode.POLL, calls, poll_interval=0.1)
    assert calls.wait_for(1, 0.4) is None
    colleague.add_card("symptoms", "Panic at work")
    assert calls.wait_for(1, 1.5) is not None
    assert w.running and w.problem is None


def test_a_failing_on_change_does_not_end_watching(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    calls = Calls()

    def on_change() -> None:
        calls()
        raise RuntimeError("the app's queue is closed")

    w = running(watchers, store.path, WatchMode.POLL, on_change, poll_interval=0.1)
    colleague.add_card("symptoms", "Panic at work")
    assert calls.wait_for(1, 1.5) is not None
    colleague.add_card("symptoms", "Insomnia")
    assert calls.wait_for(2, 1.5) is not None
    assert w.running


def test_a_failing_revision_check_does_not_end_polling(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher]
) -> None:
    def unreachable() -> int:
        raise OSError(5, "Input/output error")

    calls = Calls()
    w = running(
        watchers, store.path, WatchMode.POLL, calls,
        poll_interval=0.1, fresh_check=0.1, read_revision=unreachable,
    )  # fmt: skip
    time.sleep(0.3)
    colleague.add_card("symptoms", "Panic at work")
    assert calls.wait_for(1, 1.5) is not None
    assert w.running


def test_an_idle_polling_watcher_costs_almost_no_cpu(
    store: BoardStore, watchers: list[BoardWatcher]
) -> None:
    running(
        watchers, store.path, WatchMode.POLL, Calls(),
        poll_interval=0.2, fresh_check=1.0, read_revision=store.revision,
    )  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(3.0)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 0.1, f"{cpu:.3f} s of CPU in 3 s idle"


_OPENED: list[str] | None = None  # paths opened while a test records; None: not recording


def _record_opens(event: str, args: tuple[object, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | bytes | Path):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_record_opens)  # audit hooks cannot be removed; this one is idle by default


@pytest.mark.parametrize("mode", [WatchMode.EVENTS, WatchMode.POLL])
def test_the_watcher_never_opens_the_board_file(
    store: BoardStore, colleague: BoardStore, watchers: list[BoardWatcher], mode: WatchMode
) -> None:
    global _OPENED
    calls = Calls()
    _OPENED = []
    try:
        running(
            watchers, store.path, mode, calls,
            poll_interval=0.05, fresh_check=0.1, backstop=0.1, read_revision=store.revision,
        )  # fmt: skip
        colleague.add_card("symptoms", "Panic at work")  # SQLite's own opens are not audited
        assert calls.wait_for(1, 1.0) is not None
        time.sleep(0.2)
        opened, _OPENED = _OPENED, None
    finally:
        _OPENED = None
    assert str(store.sidecar_path) in opened or mode is WatchMode.EVENTS
    assert str(store.path) not in opened


# ------------------------------------------------------------------ the store's watcher


def test_the_stores_watcher_reads_on_its_own_never_with_the_stores_lease(
    store: BoardStore, watchers: list[BoardWatcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session's store holds its lease (a write in progress) while its watcher polls a
    network-drive board: the watcher's reads use connections of their own and never ask
    for the lease, which counts re-entry per object and would let two threads hold it."""
    from formboard.core.lock import WriteLease

    asked: list[str] = []
    original = WriteLease.acquire

    def acquire(self: WriteLease, *args: object, **kwargs: object) -> None:
        asked.append(threading.current_thread().name)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(WriteLease, "acquire", acquire)
    calls = Calls()
    w = store.watch(calls, WatchMode.POLL, poll_interval=0.05, fresh_check=0.1, backstop=60)
    assert getattr(w.read_revision, "__self__", None) is not store  # its own reads
    w.start()
    watchers.append(w)
    store.lease.acquire()  # the session, mid-write
    try:
        seen = len(calls.times)
        # An outside writer (the sqlite3 shell) moves the revision without the sidecar.
        conn = sqlite3.connect(store.path)
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
        conn.commit()
        conn.close()
        assert calls.wait_for(seen + 1, 5.0) is not None  # noticed while the lease is held
    finally:
        store.lease.release()
    assert asked and set(asked) == {threading.current_thread().name}  # only the "session"
    assert w.problem is None


def test_the_sqlite_store_is_the_store_interface(store: BoardStore) -> None:
    from formboard.core.store import Store, open_store

    assert isinstance(store, Store)
    with open_store(store.path) as again:
        assert isinstance(again, Store) and again.board().client == "C-0421"
