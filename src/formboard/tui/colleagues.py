"""Colleagues on the board: who else is here, following one of them, their changes to my card.

A mixin of the board screen; its handlers use Textual's naming convention
(``on_<widget>_<message>``), which works through the class's MRO.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Input

from formboard.core.changes import ChangeSet
from formboard.core.presence import PresenceEntry
from formboard.core.watch import WatchMode
from formboard.tui.messages import BackupFailed, PresenceChanged, WatchTrouble
from formboard.tui.widgets.board import BoardView, CardFilter

if TYPE_CHECKING:
    from textual.screen import Screen

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
    _my_saved: dict[tuple[str, str], str]
    _left: tuple[PresenceEntry, tuple[str, str] | None] | None = None  # whom I followed, gone
    go_with: tuple[Path, str] | None = None  # the board they moved on to, and their login
    _moves: dict[str, tuple[str, str]] = {}
    view: str = ""  # what I have open, for followers: "" the board, "card", "history", "map"
    history_rev: int = 0  # the revision the board as it was shows, in the history
    summon: int = 0
    map_centre: str = ""
    map_focus: str = ""
    if TYPE_CHECKING:  # the board screen's, through CycleMarks

        def follow_map(self, leader: PresenceEntry) -> Screen[object] | None: ...

    def live_label(self) -> str:
        """How colleagues' edits reach this screen, for the status line."""
        if self.formboard.on_server:
            label = "live: server" if not self.watch_trouble else "live: server away, trying again"
        elif self.watch_trouble:
            label = "live: polling (file events failed)"
        else:
            events = self.formboard.watch_mode is WatchMode.EVENTS
            label = "live: " + ("events" if events else "polling")
        if self.presence_trouble:
            label += " · presence: trying again"
        return label

    def on_backup_failed(self, message: BackupFailed) -> None:
        self.notify(message.reason, title="Backup not taken", severity="warning", timeout=15)

    def on_watch_trouble(self, message: WatchTrouble) -> None:
        self.watch_trouble = message.problem
        self.status_line.extra = self.live_label()
        if message.problem:
            self.notify(message.problem, title="Live updates", severity="warning", timeout=10)

    def on_board_view_focus_changed(self, message: BoardView.FocusChanged) -> None:
        self.announce()

    def announce(self) -> None:
        """Tell colleagues where I am: my card, whom I follow, my view, filter and summons."""
        card = self.board_view.focused_card
        on_map = self.view in ("map", "card") and self.map_focus
        self.formboard.presence.announce(
            self.map_focus if on_map else (card.id if card else None),
            self.following.login if self.following else None,
            view=self.view,
            filter=self.board_view.filter.text[:200],
            history_rev=self.history_rev,
            summon=self.summon,
            centre=self.map_centre if self.view == "map" else "",
        )

    def on_presence_changed(self, message: PresenceChanged) -> None:
        trouble = message.problem if message.failed else None
        if trouble != self.presence_trouble:
            self.presence_trouble = trouble
            self.status_line.extra = self.live_label()
            if trouble:
                self.notify(trouble, title="Who else is here", severity="warning")
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
                f"{summoned.name or summoned.login} brought everyone to them: you are "
                      "following. Your own moves end it; F rejoins.",
                title="Meeting", timeout=8,
            )  # fmt: skip
        if self.following is not None:
            leader = next((e for e in self.others if e.key == self.following.key), None)
            if leader is None:
                self.notify(f"{self.following.name or self.following.login} closed the board; "
                            "you are no longer following.")  # fmt: skip
                # They may be going on to the next client's board: offer to come along
                # when a move of theirs appears that was not there while they were here.
                self._left = (self.following, self._moves.get(self.following.login))
                self.stop_following(quiet=True)
            else:
                self.following = leader
                self.go_where(leader)
        self._offer_to_come_along(message.moves)
        self._moves = message.moves
        self._follow_on_arrival()
        self.presence_bar.show(self.others, self.following)

    def _offer_to_come_along(self, moves: dict[str, tuple[str, str]]) -> None:
        """The colleague I followed moved on to another board of this folder: offer it."""
        if self._left is None:
            return
        leader, before = self._left
        moved = moves.get(leader.login)
        if moved is None or moved == before:
            return
        self._left = None
        target = self.formboard.board_path.parent / moved[0]
        if not target.is_file():
            return
        self.go_with = (target, leader.login)
        self.notify(
            f"{leader.name or leader.login} moved on to the board {moved[0]}. "
                  "Press G to go there and follow them.",
            title="Next client", timeout=30,
        )  # fmt: skip

    def _follow_on_arrival(self) -> None:
        """Having come along to this board: follow the colleague as soon as they are here."""
        wanted = self.formboard.follow_login
        arrived = next((e for e in self.others if e.login == wanted), None) if wanted else None
        if arrived is not None:
            self.formboard.follow_login = None
            self.follow(arrived)

    def action_go_with(self) -> None:
        """Go to the board the colleague I followed moved on to, and follow them there."""
        if self.go_with is None:
            self.notify("Nobody you followed has moved on to another board.")
            return
        target, login = self.go_with
        self.formboard.leave_then_exit(("open", target, login))

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
            self.notify("Nobody else has this board open right now.")
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
            self.notify(f"{message.by} {what} the card you were on.", timeout=6)

    def follow_view(self, leader: PresenceEntry) -> None:
        """Open the card the leader has open, to read; close it when they close theirs.

        The same for the board as it was, when the leader looks at it in the history.
        """
        from formboard.tui.screens.card import CardScreen
        from formboard.tui.screens.past_board import PastBoardScreen

        top = self.follow_map(leader)
        if top is None:
            return
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

    def _say_replaced(self, changes: ChangeSet) -> None:
        """A colleague's change replaced text I saved (their choice in a conflict, say):
        tell me who chose what, and where mine is."""
        from formboard.core.history import field_words, quoted

        me = self.formboard.identity.login
        for op in changes.ops:
            if op.op != "edit_card" or op.author == me:
                continue
            for name, new in (op.after or {}).items():
                mine = self._my_saved.get((op.entity_id, name))
                was = str((op.before or {}).get(name) or "")
                if mine is None or was != mine or str(new or "") == mine:
                    continue
                del self._my_saved[(op.entity_id, name)]
                field = field_words(name)
                card = self.board_view.cards.get(op.entity_id)
                of = f" of {quoted(card.title)}" if card else ""
                self.notify(
                    f"{op.author_name or op.author} replaced your {field}{of} "
                    f"({quoted(mine)}) with {quoted(new)}. Yours is kept in the "
                    "history: t, then p puts it back.",
                    title="Your text was replaced",
                    severity="warning",
                    timeout=20,
                )
