"""An open card's saving: ctrl+s sends the fields that changed, a conflict is settled in
the ConflictDialog, and leaving with changes not saved asks first (a part of the card
screen, which hands it ctrl+s, esc and the answers to its writes)."""

from __future__ import annotations

from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from formboard.core.commands import EditCard
from formboard.tui.card_draft import FIELD_LABELS
from formboard.tui.dialogs.choice import ChoiceDialog
from formboard.tui.screens.conflict import ConflictDialog

if TYPE_CHECKING:
    from formboard.core.errors import BoardConflict
    from formboard.core.model import Card
    from formboard.tui.screens.card import CardScreen


class CardSaves:
    """ctrl+s and esc on an open card."""

    def __init__(self, card: CardScreen) -> None:
        self.card = card
        self.saving = False
        self.leave_after_save = False

    def save(self) -> None:
        """Send the changed fields (ctrl+s)."""
        card = self.card
        fields = card.edited()
        if card.gone or self.saving:
            self.leave_after_save = False
            gone = f"Not saved: {card.gone}"
            card.say(gone if card.gone else "Still saving the last change…", error=bool(card.gone))
            return
        if not fields:
            card.say("Nothing to save: no field was changed.")
            if self.leave_after_save:
                card.dismiss()
            return
        if card.retries.submit(
            EditCard(card.card_id, card.draft.base_rev, MappingProxyType(fields))
        ):
            self.saving = True
            card.say("saving…")
        else:
            self.leave_after_save = False
            reason = card.formboard.read_only_reason
            card.say(f"Not saved: the board is read-only ({reason}).", error=True)

    def saved(self, result: Card) -> None:
        card = self.card
        self.saving = False
        card.notices.clear()
        card.absorb(result, mine=True)
        card.say("saved")
        if self.leave_after_save and card.is_current:
            card.dismiss()

    def failed(self, reason: str, conflict: BoardConflict | None) -> None:
        self.saving = self.leave_after_save = False
        self.card.say(f"Not saved: {reason} Your text is still here.", error=True)
        if conflict is not None and conflict.conflicts:
            dialog = ConflictDialog(conflict, FIELD_LABELS)
            self.card.app.push_screen(dialog, partial(self._resolved, conflict))

    def _resolved(self, conflict: BoardConflict, values: dict[str, Any] | None) -> None:
        """Apply the choices made in the ConflictDialog, then save what is still mine."""
        card = self.card
        if values is None:
            card.say("Nothing decided; your text is still here. ctrl+s tries again.")
            return
        current = card.board.cards.get(card.card_id)
        if current is not None:
            card.absorb(current)
        for name, value in card.draft.settle(conflict, values).items():
            card.set_field(name, value)
            card.notices.pop(name, None)
        card.show_notices()
        if card.edited():
            self.save()
        else:
            card.say("Kept their version; there is nothing else to save.")

    # ------------------------------------------------------------- leaving

    def back(self) -> None:
        """Back to the board; with unsaved changes, ask first."""
        card = self.card
        if card.followed:  # my own move: following ends
            card.followed = False
            card.board_screen.colleagues.own_move()
        if not card.edited():
            card.dismiss()
            return
        choices = [("d", "Discard my changes", "discard"), ("k", "Keep editing", "keep")]
        if not card.gone and not card.formboard.read_only_reason:
            choices.insert(0, ("s", "Save", "save"))
        question = "This card has changes that are not saved."
        card.app.push_screen(ChoiceDialog(question, choices), self._leave)

    def _leave(self, answer: str | None) -> None:
        if answer == "discard":
            self.card.dismiss()
        elif answer == "save":
            self.leave_after_save = True
            self.save()
