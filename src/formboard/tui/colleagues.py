"""Colleagues on the board: who else is here, following one of them, their changes to my card.

A mixin of the board screen; its handlers use Textual's naming convention
(``on_<widget>_<message>``), which works through the class's MRO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from formboard.core.presence import PresenceEntry
from formboard.core.watch import WatchMode
from formboard.tui.messages import BackupFailed, PresenceChanged, WatchTrouble
from formboard.tui.text import plain
from formboard.tui.widgets.board import BoardView, CardFilter

if TYPE_CHECKING:
    from formboard.tui.app import FormboardApp
    from formboard.tui.widgets.presence_bar import PresenceBar
    from formboard.tui.widgets.status import StatusLine


class Colleagues:
    """Presence, follow mode and notices about colleagues' changes, for the board screen."""

    board_view: BoardView
    presence_bar: PresenceBar
    status_line: StatusLine
    others: list[PresenceEntry]
    following: PresenceEntry | None
    formboard: FormboardApp
    watch_trouble: str | None = None
    presence_trouble: str | None = None
    view: str = ""  # what I have open, for followers: "" the board, "card", "history"
    history_rev: int = 0  # the revision the board as it was shows, in the history
    summon: int = 0

    def live_label(self) -> str:
        """How colleagues' edits reach this screen, for the status line."""
        if self.watch_trouble:
            label = "live: polling (file events failed)"
        else:
            events = self.formboard.watch_mode is WatchMode.EVENTS
            label = "live: " + ("events" if events else "polling")
        if self.presence_trouble:
            label += " · presence: trying again"
        return label

    def on_backup_failed(self, message: BackupFailed) -> None:
        self.notify(
            message.reason, title="Backup not taken", severity="warning", markup=False, timeout=15
        )

    def on_watch_trouble(self, message: WatchTrouble) -> None:
        self.watch_trouble = message.problem
        self.status_line.extra = self.live_label()
        if message.problem:
            self.notify(
                message.problem, title="Live updates", severity="warning", markup=False, timeout=10
            )

    def on_board_view_focus_changed(self, message: BoardView.FocusChanged) -> None:
        self.announce()

    def announce(self) -> None:
        """Tell colleagues where I am: my card, whom I follow, my view, filter and summons."""
        card = self.board_view.focused_card
        self.formboard.presence.announce(
            card.id if card else None,
            self.following.login if self.following else None,
            view=self.view,
            filter=self.board_view.filter.text[:200],
            history_rev=self.history_rev,
            summon=self.summon,
        )

    def on_presence_changed(self, message: PresenceChanged) -> None:
        trouble = message.problem if message.failed else None
        if trouble != self.presence_trouble:
            self.presence_trouble = trouble
            self.status_line.extra = self.live_label()
            if trouble:
                self.notify(trouble, title="Who else is here", severity="warning", markup=False)
        self.others = message.others
        by_card: dict[str, list[str]] = {}
        for entry in self.others:
            if entry.focused:
                by_card.setdefault(entry.focused, []).append(entry.initials)
        self.board_view.set_presence(by_card)
        summoned = self.presence_seen(self.others)
        if summoned is not None and (self.following is None or self.following.key != summoned.key):
            self.follow(summoned)
            self.notify(
                plain(f"{summoned.name or summoned.login} brought everyone to them: you are "
                      "following. Your own moves end it; F rejoins.", one_line=True),
                title="Meeting", markup=False, timeout=8,
            )  # fmt: skip
        if self.following is not None:
            leader = next((e for e in self.others if e.key == self.following.key), None)
            if leader is None:
                self.notify(f"{self.following.name or self.following.login} closed the board; "
                            "you are no longer following.", markup=False)  # fmt: skip
                self.stop_following(quiet=True)
            else:
                self.following = leader
                self.go_where(leader)
        self.presence_bar.show(self.others, self.following)

    def go_where(self, leader: PresenceEntry) -> None:
        """Follow the leader: their card (a new one as soon as it reaches this board), the
        card they have open (to read), and their filter."""
        if leader.filter != self.board_view.filter.text:
            self.set_filter_text(leader.filter)
        here = getattr(self.board_view.focused_card, "id", None)
        if (
            leader.focused
            and leader.focused != here
            and not self.board_view.focus_card(leader.focused)
        ):
            # Their new card has not reached this board yet: go there when it does, and
            # read the board now rather than at the next poll.
            self.focus_when_shown(leader.focused)
            self.formboard.session.sync()
        self.follow_view(leader)

    def action_follow(self) -> None:
        """Pick a colleague to follow."""
        if not self.others:
            self.notify("Nobody else has this board open right now.", markup=False)
            return

        def chosen(key: str | None) -> None:
            leader = next((e for e in self.others if e.key == key), None)
            if leader is not None:
                self.follow(leader)

        from formboard.tui.screens.follow import FollowPicker

        self.app.push_screen(FollowPicker(self.others, self.board_view.cards), chosen)

    def follow(self, leader: PresenceEntry) -> None:
        """Follow ``leader``: my cursor, open card and filter go where theirs go."""
        self.following = leader
        self.status_line.extra = f"following {leader.name or leader.login}"
        self.presence_bar.show(self.others, leader)
        self.go_where(leader)
        self.announce()

    def stop_following(self, quiet: bool = False) -> None:
        """End follow mode (my own navigation does this)."""
        if self.following is None:
            return
        if not quiet:
            self.notify(
                f"Stopped following {self.following.name or self.following.login}.",
                markup=False,
                timeout=3,
            )
        self.following = None
        self.status_line.extra = self.live_label()
        self.presence_bar.show(self.others, None)
        self.announce()

    def on_board_view_focused_card_gone(self, message: BoardView.FocusedCardGone) -> None:
        me = self.formboard.identity
        if message.by not in (me.name, me.login):
            card = self.board_view.cards.get(message.card_id)
            what = "archived" if card is not None and card.archived else "removed"
            self.notify(f"{message.by} {what} the card you were on.", markup=False, timeout=6)

    def follow_view(self, leader: PresenceEntry) -> None:
        """Open the card the leader has open, to read; close it when they close theirs.

        The same for the board as it was, when the leader looks at it in the history.
        """
        from formboard.tui.screens.card import CardScreen
        from formboard.tui.screens.past_board import PastBoardScreen

        top = self.app.screen
        past = leader.history_rev if leader.view == "history" else 0
        if isinstance(top, PastBoardScreen) and top.followed and top.revision != past:
            top.dismiss()
            top = self
        if past and top is self:
            said = f"where {leader.name or leader.login} is in the history"
            self.app.push_screen(PastBoardScreen(past, said, followed=True))
            return
        focused = getattr(self.board_view.focused_card, "id", None)
        moved_on = leader.view != "card" or leader.focused != getattr(top, "card_id", None)
        if isinstance(top, CardScreen) and top.followed and not top.edited() and moved_on:
            top.dismiss()
            top = self
        if leader.view == "card" and top is self and leader.focused == focused:
            self.open_card(followed=True)

    def set_filter_text(self, text: str) -> None:
        """Show the filter as ``text`` (a leader's), as if typed here."""
        box = self.query_one("#filter", Input)
        box.display = bool(text)
        box.value = text
        self.board_view.set_filter(CardFilter.parse(text))
