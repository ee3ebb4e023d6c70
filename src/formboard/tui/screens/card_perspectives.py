"""An open card's perspectives and links: add, edit and remove them (a part of the card
screen, which hands it p, e on a perspective, d and x).

A perspective is its author's to change; the others' are read here. Each write is a
command the app hands to the session, and a failure is said on the card, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from formboard.tui.dialogs.asking import ask
from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.dialogs.prompt import PromptDraft, PromptField
from formboard.tui.screens.card_parts import PerspectivePanel, PerspectiveRow, first_name
from formboard.tui.text import safe
from formboard.tui.widgets.link_list import LinkList, LinkRow

if TYPE_CHECKING:
    from formboard.core.commands import Command
    from formboard.core.model import Card
    from formboard.tui.app import FormboardApp
    from formboard.tui.screens.card import CardScreen


class PerspectivesAndLinks:
    """p, e, d and x on an open card."""

    def __init__(self, card: CardScreen) -> None:
        self.card = card

    @property
    def _app(self) -> FormboardApp:
        return self.card.formboard

    def _say(self, text: str, *, error: bool = False, hint: bool = False) -> None:
        self.card.say(text, error=error, hint=hint)

    def show(self) -> None:
        """Show the card's perspectives and links as the board has them now."""
        card = self.card.board.cards.get(self.card.card_id)
        if card is not None:
            self.show_perspectives(card)
        self.show_links()

    def show_perspectives(self, card: Card) -> None:
        self.card.query_one("#perspectives", PerspectiveRow).show(
            card.perspectives,
            lambda p: p.author_name or self.card.display_name(p.author),
            self._app.identity.person,
        )

    def show_links(self) -> None:
        board = self.card.board
        self.card.query_one("#links", LinkList).show(self.card.card_id, board.links, board.cards)

    def focus_to_read(self) -> None:
        """Reading: focus the first perspective or link, or the note that there are none
        yet, so p, x and d work and nothing typed can reach a field."""
        if self.card.reading:
            found = self.card.query("PerspectivePanel, LinkRow, EmptyNote")
            first = next(iter(found), None)
            if first is not None:
                first.focus()

    def _ask_perspective(self, title: str, text: str, discipline: str, make: Callable) -> None:
        fields = [
            PromptField("text", "Your reading", text, multiline=True, kind="text", required=True),
            PromptField("discipline", "Discipline", value=discipline, required=True),
        ]
        ask(self.card.retries, PromptDraft(title, fields, make))

    def add_perspective(self) -> None:
        """Add my reading of this card (p)."""
        from formboard.core.commands import AddPerspective  # with the first write, not at start-up

        card_id = self.card.card_id
        self._ask_perspective(
            "Your perspective on this card", "", self._app.identity.discipline,
            lambda v: AddPerspective(card_id, v["text"], v["discipline"]),
        )  # fmt: skip

    def edit_perspective(self) -> None:
        """Edit the focused perspective, if it is mine (e)."""
        from formboard.core.commands import EditPerspective  # with the first write, not at start-up

        panel = self.card.focused
        if not isinstance(panel, PerspectivePanel):
            self._say("Move to a perspective first (tab or ↓), then press e to edit it.", hint=True)
            return
        if not panel.mine:
            who = first_name(panel.author)
            self._say(
                f"Only {who} can change {who}'s perspective. Press p to add your own.", hint=True
            )
            return
        p = panel.perspective
        self._ask_perspective(
            "Edit your perspective", safe(p.text), safe(p.discipline),
            lambda v: EditPerspective(p.id, p.rev, v["text"], v["discipline"]),
        )  # fmt: skip

    def remove(self) -> None:
        """Remove my focused perspective or the focused link, after asking (d)."""
        from formboard.core.commands import (  # with the first write, not at start-up
            RemovePerspective,
            Unlink,
        )

        target = self.card.focused
        if isinstance(target, PerspectivePanel):
            if not target.mine:
                who = first_name(target.author)
                self._say(f"Only {who} can remove {who}'s perspective.", hint=True)
                return
            question: str | Text = "Remove your perspective on this card? The history keeps it."
            command: Command = RemovePerspective(target.perspective.id)
        elif isinstance(target, LinkRow):
            question = Text("Remove the link “") + target.sentence() + Text("”?")
            command = Unlink(target.link.id)
        else:
            self._say("Move to a perspective or a link first (tab or ↓), then press d.", hint=True)
            return

        def answered(answer: str | None) -> None:
            if answer == "remove":
                self.card.retries.submit(command)

        choices = [("y", "Remove", "remove"), ("n", "Keep", "keep")]
        self.card.app.push_screen(ChoiceDialog(question, choices), answered)

    def saved(self, command: object) -> None:
        """A perspective or link write of this card landed (the card shows it by itself)."""
        from formboard.core.commands import RemovePerspective, Unlink

        if isinstance(command, RemovePerspective | Unlink):
            self._say("Removed.")

    def failed(self, command: object, reason: str) -> None:
        """A perspective or link write of this card failed: say why, on the card."""
        from formboard.core.commands import RemovePerspective, Unlink

        done = "removed" if isinstance(command, RemovePerspective | Unlink) else "saved"
        self._say(f"Not {done}: {reason}", error=True)

    def add_link(self) -> None:
        """Link this card to another (x)."""
        if self.card.card_id in self.card.board.cards:
            from formboard.tui.screens.link_picker import LinkPicker

            self.card.app.push_screen(LinkPicker(self.card.card_id, self.card.retries))
