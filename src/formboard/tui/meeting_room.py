"""The case meeting on the board screen: who runs it, joining it, bringing everyone, the note.

A mixin of the board screen, beside ``Colleagues`` (presence and following). A meeting is
kept in the board file (``core.meetings``): this app records me at it while I have the
board open, shows it in the status line, offers to follow its facilitator, and, for the
facilitator, ends it and offers to write its note for the record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formboard.core.board_state import BoardState
from formboard.core.meetings import Meeting, running, upper_first
from formboard.core.presence import PresenceEntry
from formboard.tui.session import WriteRequest
from formboard.tui.text import plain

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp
    from formboard.tui.widgets.status import StatusLine

MINUTES_EVERY = 20.0  # seconds between updates of "23 min" in the status line


def first_name(name: str) -> str:
    return (name.split() or [name])[0]


class MeetingRoom:
    """Meeting keys and notices for the board screen (M, F, B)."""

    formboard: FormboardApp
    status_line: StatusLine
    others: list[PresenceEntry]
    following: PresenceEntry | None
    meeting: Meeting | None = None  # the meeting running on the board, if any
    summon: int = 0  # my "bring everyone to me" count (presence carries it)
    _attending: int | None = None  # the meeting I was recorded at
    _presence_read = False  # others is known (not before the first presence read)
    _summons_seen: dict[str, int]
    _offered: int | None = None

    def start_meeting_room(self) -> None:
        self._summons_seen = {}
        self.set_interval(MINUTES_EVERY, self.show_meeting, name="meeting minutes")

    # -------------------------------------------------- the board's meetings

    def meetings_changed(self, state: BoardState) -> None:
        """The board's meetings as ``state`` has them: say what started or ended, attend."""
        me = self.formboard.identity.login
        before, now = self.meeting, running(state.meetings)
        self.meeting = now
        if before is not None and (now is None or now.number != before.number):
            ended = next((m for m in state.meetings if m.number == before.number), before)
            if ended.ended_by and ended.ended_by != me:
                who = ended.ended_by_name or ended.ended_by
                self.notify(f"{who} ended {ended.named()}.")
            if self.following is not None and self.following.login == before.facilitator:
                self.stop_following(quiet=True)
        if now is not None:
            self._attend(now)
            if now.facilitator != me and self._offered != now.number:
                self._offered = now.number
                self.notify(
                    f"{now.facilitator_said} is running {now.named()}. Press F to follow "
                    "them (your own moves end following; F rejoins).",
                    title="Meeting",
                    timeout=12,
                )
        self.show_meeting()

    def _attend(self, meeting: Meeting) -> None:
        """Record me at the meeting, once (the facilitator's start already did)."""
        me = self.formboard.identity.login
        here = any(a.login == me and a.to_at is None for a in meeting.attendees)
        if here or self._attending == meeting.number or self.formboard.read_only_reason:
            self._attending = meeting.number if here else self._attending
            return
        from formboard.core.commands import AttendMeeting  # with the first write

        self._attending = meeting.number
        self.formboard.session.submit(
            WriteRequest(AttendMeeting(), on_failed=lambda _reason, _conflict: None)
        )

    def facilitator_gone(self) -> bool:
        """Whether the meeting's facilitator has left the board (their app closed or crashed)."""
        meeting = self.meeting
        if meeting is None or meeting.facilitator == self.formboard.identity.login:
            return False
        return self._presence_read and not any(e.login == meeting.facilitator for e in self.others)

    def show_meeting(self) -> None:
        """ "meeting: Ana · 23 min · 4 here" in the status line (nothing without a meeting)."""
        meeting = self.meeting
        if meeting is None:
            self.status_line.meeting = ""
            return
        who = first_name(meeting.facilitator_said)
        if meeting.facilitator == self.formboard.identity.login:
            who = "you"
        elif self.facilitator_gone():
            who += " (has left: M ends it)"
        here = len({e.login for e in self.others} | {self.formboard.identity.login})
        minutes = meeting.minutes(datetime.now(UTC))
        self.status_line.meeting = f"meeting: {who} · {minutes} min · {here} here"

    def presence_seen(self, others: list[PresenceEntry]) -> PresenceEntry | None:
        """After a presence read: the facilitator's entry when they just asked to be followed."""
        self._presence_read = True
        meeting, summoned = self.meeting, None
        for entry in others:
            seen = self._summons_seen.get(entry.key)
            self._summons_seen[entry.key] = entry.summon
            if (
                seen is not None and entry.summon > seen and meeting is not None
                and entry.login == meeting.facilitator
                and entry.login != self.formboard.identity.login
            ):  # fmt: skip
                summoned = entry
        self.show_meeting()
        return summoned

    # --------------------------------------------------------------- keys

    def action_meeting(self) -> None:
        """Start a meeting, or end the one I run (or one whose facilitator has left)."""
        meeting = self.meeting
        if meeting is None:
            self._ask_title()
        elif meeting.facilitator == self.formboard.identity.login:
            self._ask_end(meeting, f"End {meeting.named()}?", gone=False)
        elif self.facilitator_gone():
            self._ask_end(
                meeting,
                f"{meeting.facilitator_said} ran {meeting.named()} and no longer has the board "
                "open. End it? The record will say that you ended it.",
                gone=True,
            )
        else:
            self.notify(
                f"{meeting.facilitator_said} is running {meeting.named()}; only they can end "
                "it while they are here.",
            )

    def _ask_title(self) -> None:
        from formboard.core.commands import StartMeeting  # with the first write
        from formboard.tui.screens.prompt import PromptDraft, PromptField

        def started(number: int) -> None:
            self.notify(
                f"Meeting {number} started. Colleagues are offered to follow you; B brings "
                "everyone to you; M ends it.",
                title="Meeting",
                timeout=8,
            )

        def request(values: dict[str, str]) -> WriteRequest:
            return WriteRequest(StartMeeting(values["title"]), on_saved=started)

        field = PromptField("title", "Title (optional), e.g. Weekly review", kind="line")
        self.formboard.ask(PromptDraft("Start a meeting", [field], request))

    def _ask_end(self, meeting: Meeting, question: str, *, gone: bool) -> None:
        from formboard.core.commands import EndMeeting  # with the first write
        from formboard.tui.screens.dialogs import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer == "end":
                self.formboard.write(
                    WriteRequest(EndMeeting(gone), on_saved=lambda _n: self._offer_note(meeting))
                )

        choices = [("e", "End it", "end"), ("k", "Keep it running", "keep")]
        self.app.push_screen(ChoiceDialog(plain(question, one_line=True), choices), answered)

    def action_follow_facilitator(self) -> None:
        """Follow the meeting's facilitator (the one key that accepts the offer)."""
        meeting = self.meeting
        if meeting is None:
            self.notify("No meeting is running on this board.")
            return
        if meeting.facilitator == self.formboard.identity.login:
            self.notify("You are running this meeting; B brings everyone to you.")
            return
        leader = next((e for e in self.others if e.login == meeting.facilitator), None)
        if leader is None:
            self.notify(
                f"{meeting.facilitator_said} does not have the board open now.",
            )
            return
        self.follow(leader)

    def action_bring_everyone(self) -> None:
        """As the facilitator: everyone at the meeting follows me."""
        meeting = self.meeting
        if meeting is None or meeting.facilitator != self.formboard.identity.login:
            self.notify("Only the facilitator of a running meeting brings everyone to them.")
            return
        self.summon += 1
        self.announce()
        self.notify("Everyone at the meeting now follows you.", timeout=4)

    def leave_then(self, done: Any) -> bool:
        """Record that I left the meeting, then ``done()``; False when I was at none."""
        if self.meeting is None or self._attending != self.meeting.number:
            return False
        from formboard.core.commands import LeaveMeeting  # with the first write

        self.formboard.session.submit(
            WriteRequest(
                LeaveMeeting(), on_saved=lambda _n: done(), on_failed=lambda _r, _c: done()
            )
        )
        return True

    # ---------------------------------------------------------- the note

    def _offer_note(self, meeting: Meeting) -> None:
        from formboard.tui.screens.dialogs import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer in ("markdown", "html"):
                self._ask_note_path(meeting, answer)

        choices = [("m", "Markdown", "markdown"), ("h", "HTML", "html"), ("n", "Not now", "no")]
        question = (
            f"{upper_first(meeting.named())} has ended. Write its note for the record? "
            f"(later: formboard note BOARD --meeting {meeting.number})"
        )
        self.app.push_screen(ChoiceDialog(plain(question, one_line=True), choices), answered)

    def _ask_note_path(self, meeting: Meeting, fmt: str) -> None:
        from formboard.core.settings import data_dir
        from formboard.tui.screens.prompt import PromptField, PromptScreen

        client = self.formboard.board.client if self.formboard.board else "board"
        suffix = "md" if fmt == "markdown" else "html"
        default = data_dir() / "notes" / f"{client}-meeting-{meeting.number}.{suffix}"
        field = PromptField("path", "Write the note to this file (only you can read it)",
                            value=str(default))  # fmt: skip

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                self._write_note(meeting.number, fmt, Path(values["path"]).expanduser(), default)

        self.app.push_screen(PromptScreen("The meeting's note", [field]), chosen)

    def _write_note(self, number: int, fmt: str, path: Path, default: Path) -> None:
        def work() -> None:
            from formboard.core import note as notes
            from formboard.core.records import write_private

            store = self.formboard.session.store
            try:
                assert store is not None
                board = store.board()
                meeting = next(m for m in board.meetings if m.number == number)
                ops = store.ops_between(meeting.started_rev, meeting.ended_rev)
                built = notes.build(board, meeting, ops)
                text = notes.html_page(built) if fmt == "html" else notes.markdown(built)
                write_private(path, text, our_folder=path == default)
            except Exception as exc:  # one sentence, never a traceback with client text
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                said = f"The note was not written: {reason}. `formboard note` writes it too."
                self.app.call_from_thread(self.notify, said, severity="error")
                return
            said = f"Wrote the note ({built.count} changes) to {path}."
            self.app.call_from_thread(self.notify, said, timeout=10)

        self.app.run_worker(work, thread=True, group="meeting-note", exit_on_error=False)
