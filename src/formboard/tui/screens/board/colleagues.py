"""Colleagues on the board: who else is here, where I am for them, and following one of them.

A part of the board screen. It owns what this app tells colleagues (the card I am on, my
view — the board, a card, the history, the map —, whom I follow, my "bring everyone"
count) and what it knows of them (who is here, whom I follow, the board the one I
followed moved on to). The screens the board opens while following (a card to read, the
map, the board as it was) tell it of my own moves through :meth:`own_move`, and of where I
am through :meth:`at`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formboard.core.changes import ChangeSet
from formboard.core.errors import FULL_LIVE, POOLED, STANDBY
from formboard.core.person import Person
from formboard.core.presence import PresenceEntry, same_name_said
from formboard.core.watch import WatchMode
from formboard.tui.messages import PresenceChanged

if TYPE_CHECKING:
    from formboard.tui.screens.board.screen import BoardScreen


class Colleagues:
    """Presence, follow mode, coming along to the next board, and colleagues' replacements."""

    def __init__(self, board: BoardScreen) -> None:
        self.board = board
        self.others: list[PresenceEntry] = []
        self.following: PresenceEntry | None = None
        self.go_with: tuple[Path, Person] | None = None  # the board they moved on to, and who
        self.watch_trouble: str | None = None
        self.presence_trouble: str | None = None
        # Where I am, for followers: "" the board, "card", "history" or "map".
        self.view = ""
        self.map_centre = ""  # the card in the middle of my map, while it is open
        self.map_focus = ""  # the box I am on in the map
        self.history_rev = 0  # the revision the board as it was shows, in the history
        self.summon = 0  # my "bring everyone to me" count
        self._left: tuple[PresenceEntry, tuple[str, str] | None] | None = None  # whom I followed
        self._moves: dict[str, tuple[str, str]] = {}  # Person.token -> (board, when)
        self._twin_said = False  # told that another app at my login goes by my name
        self._my_saved: dict[tuple[str, str], str] = {}  # (card, field) -> what I saved here

    # ------------------------------------------------------------ where I am

    def at(self, view: str, *, centre: str = "", focus: str = "", history_rev: int = 0) -> None:
        """I am now on ``view`` (the map around ``centre`` on ``focus``; the history at
        ``history_rev``): tell colleagues."""
        self.view, self.map_centre, self.map_focus = view, centre, focus
        self.history_rev = history_rev
        self.announce()

    def announce(self) -> None:
        """Tell colleagues where I am: my card, whom I follow, my view, filter and summons."""
        view = self.board.board_view
        card = view.focused_card
        on_map = self.view in ("map", "card") and self.map_focus
        leader = self.following.person if self.following else None
        self.board.formboard.presence.announce(
            self.map_focus if on_map else (card.id if card else None),
            leader.login if leader else None,
            following_name=leader.name if leader else "",
            view=self.view,
            filter=view.filter.text[:200],
            history_rev=self.history_rev,
            summon=self.summon,
            centre=self.map_centre if self.view == "map" else "",
        )

    def bring_everyone(self) -> None:
        """Everyone at the meeting follows me (they see my count go up)."""
        self.summon += 1
        self.announce()

    def live_label(self) -> str:
        """How colleagues' edits reach this screen, for the status line."""
        app = self.board.formboard
        if app.on_server and app.read_only_reason == STANDBY:  # no notifications there
            label = "live: polling the standby"
        elif app.on_server and self.watch_trouble == POOLED:
            label = "live: polling (transaction pooler)"
        elif app.on_server and self.watch_trouble == FULL_LIVE:
            label = "live: polling (server full)"
        elif app.on_server:
            label = "live: server" if not self.watch_trouble else "live: server away, trying again"
        elif self.watch_trouble:
            label = "live: polling (file events failed)"
        else:
            label = "live: " + ("events" if app.watch_mode is WatchMode.EVENTS else "polling")
        if self.presence_trouble:
            label += " · presence: trying again"
        return label

    def watch_changed(self, problem: str | None) -> None:
        """File events stopped (``problem``) or work again (None)."""
        self.watch_trouble = problem
        self.board.status_line.extra = self.live_label()
        if problem:
            self.board.notify(problem, title="Live updates", severity="warning", timeout=10)

    # ------------------------------------------------------------ who is here

    def presence_changed(self, message: PresenceChanged, summoned: PresenceEntry | None) -> None:
        """A presence read: who is here now (``summoned``: the facilitator who just asked
        everyone at the meeting to follow them)."""
        board = self.board
        trouble = message.problem if message.failed else None
        if trouble != self.presence_trouble:
            self.presence_trouble = trouble
            board.status_line.extra = self.live_label()
            if trouble:
                board.notify(trouble, title="Who else is here", severity="warning")
        self.others = message.others
        self._say_if_someone_has_my_name()
        by_card: dict[str, list[str]] = {}
        for entry in self.others:
            if entry.focused:
                by_card.setdefault(entry.focused, []).append(entry.initials)
        board.board_view.set_presence(by_card)
        if summoned is not None and (self.following is None or self.following.key != summoned.key):
            self.follow(summoned)
            who = summoned.name or summoned.login
            board.notify(
                f"{who} brought everyone along: you now follow {who}. "
                "Your own moves end it; F rejoins.",
                title="Meeting",
                timeout=8,
            )
        if self.following is not None:
            leader = next((e for e in self.others if e.key == self.following.key), None)
            if leader is None:
                board.notify(f"{self.following.name or self.following.login} closed the "
                             "board; you are no longer following.")  # fmt: skip
                # They may be going on to the next client's board: offer to come along
                # when a move of theirs appears that was not there while they were here.
                self._left = (self.following, self._moves.get(self.following.person.token))
                self.stop_following(quiet=True)
            else:
                self.following = leader
                self.go_where(leader)
        self._offer_to_come_along(message.moves)
        self._moves = message.moves
        self._follow_on_arrival()
        board.presence_bar.show(self.others, self.following)

    def _offer_to_come_along(self, moves: dict[str, tuple[str, str]]) -> None:
        """The colleague I followed moved on to another board of this folder: offer it."""
        if self._left is None:
            return
        leader, before = self._left
        moved = moves.get(leader.person.token)
        if moved is None or moved == before:
            return
        self._left = None
        target = self.board.formboard.board_path.parent / moved[0]
        if not target.is_file():
            return
        self.go_with = (target, leader.person)
        self.board.notify(
            f"{leader.name or leader.login} moved on to the board {moved[0]}. "
            "Press G to go there and follow them.",
            title="Next client",
            timeout=30,
        )

    def _say_if_someone_has_my_name(self) -> None:
        """Once: another app at my login goes by my name, so nobody can tell us apart."""
        if self._twin_said:
            return
        said = same_name_said(self.board.formboard.identity, self.others)
        if said is not None:
            self._twin_said = True
            self.board.notify(said, title="Who you are", severity="warning", timeout=30)

    def _follow_on_arrival(self) -> None:
        """Having come along to this board: follow the colleague as soon as they are here."""
        app = self.board.formboard
        wanted = Person.from_token(app.follow_login)  # the app keeps it as a token
        arrived = next((e for e in self.others if e.person == wanted), None) if wanted else None
        if arrived is not None:
            app.follow_login = None
            self.follow(arrived)

    def go_to_next_board(self) -> None:
        """Go to the board the colleague I followed moved on to, and follow them there (G)."""
        if self.go_with is None:
            self.board.notify("Nobody you followed has moved on to another board.")
            return
        target, leader = self.go_with
        self.board.formboard.leave_then_exit(("open", target, leader))

    def card_gone(self, card_id: str, by: str) -> None:
        """The card I was on was archived or removed by ``by``: say who, unless it was me."""
        me = self.board.formboard.identity
        if by not in (me.name, me.login):
            card = self.board.formboard.cards.get(card_id)
            what = "archived" if card is not None and card.archived else "removed"
            self.board.notify(f"{by} {what} the card you were on.", timeout=6)

    # ------------------------------------------------------------ following

    def choose_whom_to_follow(self) -> None:
        """Pick a colleague to follow (f)."""
        if not self.others:
            self.board.notify("Nobody else has this board open right now.")
            return

        def chosen(key: str | None) -> None:
            leader = next((e for e in self.others if e.key == key), None)
            if leader is not None:
                self.follow(leader)

        self.board.navigation.whom_to_follow(self.others, chosen)

    def follow(self, leader: PresenceEntry) -> None:
        """Follow ``leader``: my cursor, open card and filter go where theirs go."""
        self.following = leader
        self.board.status_line.extra = f"following {leader.name or leader.login}"
        self.board.presence_bar.show(self.others, leader)
        self.go_where(leader)
        self.announce()

    def follow_facilitator(self, facilitator: Person, said: str) -> None:
        """Follow the meeting's facilitator (F), if they have the board open."""
        leader = next((e for e in self.others if e.person == facilitator), None)
        if leader is None:
            self.board.notify(f"{said} does not have the board open now.")
            return
        self.follow(leader)

    def stop_following(self, quiet: bool = False) -> None:
        """End follow mode (my own move does this)."""
        if self.following is None:
            return
        if not quiet:
            self.board.notify(
                f"Stopped following {self.following.name or self.following.login}.", timeout=3
            )
        self.following = None
        self.board.status_line.extra = self.live_label()
        self.board.presence_bar.show(self.others, None)
        self.announce()

    def own_move(self) -> None:
        """I moved on my own (a key on the board, a followed card, map or history point)."""
        self.stop_following()

    def go_where(self, leader: PresenceEntry) -> None:
        """Follow the leader: their card (a new one as soon as it reaches this board), the
        card they have open (to read), and their filter."""
        board = self.board
        if leader.filter != board.board_view.filter.text:
            board.show_filter(leader.filter)
        here = getattr(board.board_view.focused_card, "id", None)
        if (
            leader.focused
            and leader.focused != here
            and not board.board_view.focus_card(leader.focused)
        ):
            # Their new card has not reached this board yet: go there when it does, and
            # read the board now rather than at the next poll.
            board.focus_when_shown(leader.focused)
            board.formboard.session.sync()
        board.navigation.follow_view(leader)

    # ------------------------------------------------------------ their changes to mine

    def say_replaced(self, changes: ChangeSet) -> None:
        """A colleague's change replaced text I saved (their choice in a conflict, say):
        tell me who chose what, and where mine is."""
        from formboard.core.history import field_words, quoted

        me = self.board.formboard.identity.person
        store = self.board.formboard.session.store
        for op in changes.ops:
            if op.op == "edit_card" and store is not None and op.client_id == store.client_id:
                for name, value in (op.after or {}).items():  # saved here: mine to be told of
                    self._my_saved[(op.entity_id, name)] = str(value or "")
            if op.op != "edit_card" or op.person == me:
                continue
            for name, new in (op.after or {}).items():
                mine = self._my_saved.get((op.entity_id, name))
                was = str((op.before or {}).get(name) or "")
                if mine is None or was != mine or str(new or "") == mine:
                    continue
                del self._my_saved[(op.entity_id, name)]
                card = self.board.formboard.cards.get(op.entity_id)
                of = f" of {quoted(card.title)}" if card else ""
                self.board.notify(
                    f"{op.author_name or op.author} replaced your {field_words(name)}{of} "
                    f"({quoted(mine)}) with {quoted(new)}. Yours is kept in the "
                    "history: t, then p puts it back.",
                    title="Your text was replaced",
                    severity="warning",
                    timeout=20,
                )
