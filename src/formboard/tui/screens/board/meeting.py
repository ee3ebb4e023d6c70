"""The case meeting on the board: who runs it, joining it, bringing everyone, the note.

A part of the board screen. A meeting is kept in the board file (``core.meetings``): this
part records me at it while I have the board open, shows it in the status line, offers
to follow its facilitator, and, for the facilitator, ends it and offers to write its note
for the record. Following and "bring everyone" are the Colleagues part's; this part asks
it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formboard.core.board_state import BoardState
from formboard.core.meetings import Meeting, running, upper_first
from formboard.core.person import Person
from formboard.core.presence import PresenceEntry
from formboard.tui.dialogs.asking import ask
from formboard.tui.messages import WriteFailed

if TYPE_CHECKING:
    from formboard.tui.screens.board.screen import BoardScreen

MINUTES_EVERY = 20.0  # seconds between updates of "23 min" in the status line


def first_name(name: str) -> str:
    return (name.split() or [name])[0]


class MeetingRoom:
    """Meeting keys and notices for the board screen (M, F, B)."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.meeting: Meeting | None = None  # the meeting running on the board, if any
        self._attending: int | None = None  # the meeting I was recorded at
        self._presence_read = False  # others are known (not before the first presence read)
        self._summons_seen: dict[str, int] = {}
        self._offered: int | None = None
        self._ending: Meeting | None = None  # the one I asked to end: its note comes next
        self._after_leaving: Any = None  # what to do once the record says I left

    def start(self) -> None:
        """Keep "23 min" in the status line current."""
        self.board.set_interval(MINUTES_EVERY, self.show, name="meeting minutes")

    @property
    def _me(self) -> Person:
        """Me: my login and my name (colleagues at my login are not me)."""
        return self.board.formboard.identity.person

    # -------------------------------------------------- the board's meetings

    def meetings_changed(self, state: BoardState) -> None:
        """The board's meetings as ``state`` has them: say what started or ended, attend."""
        board, me = self.board, self._me
        before, now = self.meeting, running(state.meetings)
        self.meeting = now
        if before is not None and (now is None or now.number != before.number):
            ended = next((m for m in state.meetings if m.number == before.number), before)
            if ended.ended_by and ended.ended_by_person != me:
                board.notify(f"{ended.ended_by_name or ended.ended_by} ended {ended.named()}.")
            following = board.colleagues.following
            if following is not None and following.person == before.facilitator_person:
                board.colleagues.stop_following(quiet=True)
        if now is not None:
            self._attend(now)
            if now.facilitator_person != me and self._offered != now.number:
                self._offered = now.number
                board.notify(
                    f"{now.facilitator_said} is running {now.named()}. Press F to follow "
                    "them (your own moves end following; F rejoins).",
                    title="Meeting",
                    timeout=12,
                )
        self.show()

    def _attend(self, meeting: Meeting) -> None:
        """Record me at the meeting, once (the facilitator's start already did)."""
        here = any(a.person == self._me and a.to_at is None for a in meeting.attendees)
        app = self.board.formboard
        if here or self._attending == meeting.number or app.read_only_reason:
            self._attending = meeting.number if here else self._attending
            return
        from formboard.core.commands import AttendMeeting  # with the first write

        self._attending = meeting.number
        self.board.retries.submit(AttendMeeting())

    def facilitator_gone(self) -> bool:
        """Whether the meeting's facilitator has left the board (their app closed or crashed)."""
        meeting = self.meeting
        if meeting is None or meeting.facilitator_person == self._me:
            return False
        others = self.board.colleagues.others
        facilitator = meeting.facilitator_person
        return self._presence_read and not any(e.person == facilitator for e in others)

    def show(self) -> None:
        """ "meeting: Ana · 23 min · 4 here" in the status line (nothing without a meeting)."""
        meeting, status = self.meeting, self.board.status_line
        if meeting is None:
            status.meeting = ""
            return
        who = first_name(meeting.facilitator_said)
        if meeting.facilitator_person == self._me:
            who = "you"
        elif self.facilitator_gone():
            who += " (has left: M ends it)"
        here = len({e.person for e in self.board.colleagues.others} | {self._me})
        minutes = meeting.minutes(datetime.now(UTC))
        status.meeting = f"meeting: {who} · {minutes} min · {here} here"

    def presence_seen(self, others: list[PresenceEntry]) -> PresenceEntry | None:
        """After a presence read: the facilitator's entry when they just asked to be followed."""
        self._presence_read = True
        meeting, summoned = self.meeting, None
        for entry in others:
            seen = self._summons_seen.get(entry.key)
            self._summons_seen[entry.key] = entry.summon
            if (
                seen is not None and entry.summon > seen and meeting is not None
                and entry.person == meeting.facilitator_person and entry.person != self._me
            ):  # fmt: skip
                summoned = entry
        self.show()
        return summoned

    # --------------------------------------------------------------- keys

    def start_or_end(self) -> None:
        """Start a meeting, or end the one I run (or one whose facilitator has left) (M)."""
        meeting = self.meeting
        if meeting is None:
            self._ask_title()
        elif meeting.facilitator_person == self._me:
            self._ask_end(meeting, f"End {meeting.named()}?", gone=False)
        elif self.facilitator_gone():
            self._ask_end(
                meeting,
                f"{meeting.facilitator_said} ran {meeting.named()} and no longer has the board "
                "open. End it? The record will say that you ended it.",
                gone=True,
            )
        else:
            self.board.notify(
                f"{meeting.facilitator_said} is running {meeting.named()}; only they can end "
                "it while they are here.",
            )

    def _ask_title(self) -> None:
        from formboard.core.commands import StartMeeting  # with the first write
        from formboard.tui.dialogs.prompt import PromptDraft, PromptField

        field = PromptField("title", "Title (optional), e.g. Weekly review", kind="line")
        draft = PromptDraft("Start a meeting", [field], lambda v: StartMeeting(v["title"]))
        ask(self.board.retries, draft)

    def _ask_end(self, meeting: Meeting, question: str, *, gone: bool) -> None:
        from formboard.core.commands import EndMeeting  # with the first write
        from formboard.tui.dialogs.choice import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer == "end":
                self._ending = meeting
                self.board.retries.submit(EndMeeting(gone))

        choices = [("e", "End it", "end"), ("k", "Keep it running", "keep")]
        self.board.app.push_screen(ChoiceDialog(question, choices), answered)

    def saved(self, command: object, result: object) -> None:
        """One of the meeting's writes landed: started, ended (its note offered), left."""
        from formboard.core.commands import EndMeeting, LeaveMeeting, StartMeeting

        match command:
            case StartMeeting():
                self.board.notify(
                    f"Meeting {result} started. Colleagues are offered to follow you; B brings "
                    "everyone to you; M ends it.",
                    title="Meeting",
                    timeout=8,
                )
            case EndMeeting() if self._ending is not None:
                ended, self._ending = self._ending, None
                self._offer_note(ended)
            case LeaveMeeting():
                self._left()

    def failed(self, message: WriteFailed) -> bool:
        """True for the meeting's own bookkeeping, which fails quietly: attending (the
        record misses me, nothing else does); leaving (quitting goes on)."""
        from formboard.core.commands import AttendMeeting, LeaveMeeting

        if isinstance(message.command, LeaveMeeting):
            self._left()
        return isinstance(message.command, AttendMeeting | LeaveMeeting)

    def follow_facilitator(self) -> None:
        """Follow the meeting's facilitator (F: the one key that accepts the offer)."""
        meeting = self.meeting
        if meeting is None:
            self.board.notify("No meeting is running on this board.")
        elif meeting.facilitator_person == self._me:
            self.board.notify("You are running this meeting; B brings everyone to you.")
        else:
            self.board.colleagues.follow_facilitator(
                meeting.facilitator_person, meeting.facilitator_said
            )

    def bring_everyone(self) -> None:
        """As the facilitator: everyone at the meeting follows me (B)."""
        meeting = self.meeting
        if meeting is None or meeting.facilitator_person != self._me:
            self.board.notify("Only the facilitator of a running meeting brings everyone to them.")
            return
        self.board.colleagues.bring_everyone()
        self.board.notify("Everyone at the meeting now follows you.", timeout=4)

    def leave_then(self, done: Any) -> bool:
        """Record that I left the meeting, then ``done()``; False when I was at none."""
        if self.meeting is None or self._attending != self.meeting.number:
            return False
        from formboard.core.commands import LeaveMeeting  # with the first write

        self._after_leaving = done
        if not self.board.retries.submit(LeaveMeeting()):
            self._left()
        return True

    def _left(self) -> None:
        done, self._after_leaving = self._after_leaving, None
        if done is not None:
            done()

    # ---------------------------------------------------------- the note

    def _offer_note(self, meeting: Meeting) -> None:
        from formboard.tui.dialogs.choice import ChoiceDialog

        def answered(answer: str | None) -> None:
            if answer in ("markdown", "html"):
                self._ask_note_path(meeting, answer)

        choices = [("m", "Markdown", "markdown"), ("h", "HTML", "html"), ("n", "Not now", "no")]
        question = (
            f"{upper_first(meeting.named())} has ended. Write its note for the record? "
            f"(later: formboard note BOARD --meeting {meeting.number})"
        )
        self.board.app.push_screen(ChoiceDialog(question, choices), answered)

    def _ask_note_path(self, meeting: Meeting, fmt: str) -> None:
        from formboard.core.note import default_path
        from formboard.core.settings import data_dir
        from formboard.tui.dialogs.prompt import PromptField, PromptScreen

        state = self.board.formboard.board
        client = state.client if state else "board"
        # A client code another program stored never steers the file out of the folder.
        default = default_path(data_dir() / "notes", client, meeting.number, fmt)
        field = PromptField("path", "Write the note to this file (only you can read it)",
                            value=str(default))  # fmt: skip

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                self._write_note(meeting.number, fmt, Path(values["path"]).expanduser(), default)

        self.board.app.push_screen(PromptScreen("The meeting's note", [field]), chosen)

    def _write_note(self, number: int, fmt: str, path: Path, default: Path) -> None:
        app, board = self.board.app, self.board

        def work() -> None:
            from formboard.core import note as notes
            from formboard.core.records import write_private

            store = board.formboard.session.store
            try:
                assert store is not None
                state = store.board()
                meeting = next(m for m in state.meetings if m.number == number)
                ops = store.ops_between(meeting.started_rev, meeting.ended_rev)
                built = notes.build(state, meeting, ops)
                text = notes.html_page(built) if fmt == "html" else notes.markdown(built)
                write_private(path, text, our_folder=path == default)
            except Exception as exc:  # one sentence, never a traceback with client text
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                said = f"The note was not written: {reason}. `formboard note` writes it too."
                app.call_from_thread(board.notify, said, severity="error")
                return
            said = notes.written(built, path)
            app.call_from_thread(board.notify, said, timeout=10)

        app.run_worker(work, thread=True, group="meeting-note", exit_on_error=False)
