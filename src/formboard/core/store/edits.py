"""The writes a person makes, as methods of BoardStore.

Each validates its input into one sentence (InvalidInput), then runs one op
body from ``ops`` through the store's write path (``BoardStore._write``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from formboard.core.errors import InvalidInput
from formboard.core.identity import Identity
from formboard.core.model import (
    Board,
    Card,
    Column,
    Domain,
    Link,
    LinkKind,
    Member,
    Perspective,
    Status,
    card_edit,
)
from formboard.core.rules import InvalidValues, clean_line, clean_text, validation_sentence
from formboard.core.store import meetings, merge, ops
from formboard.core.store.sql import BoardConnection
from formboard.core.store.writes import Author, Tx

if TYPE_CHECKING:
    from formboard.core.commands import Command

_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id() -> str:
    """A short random id: 10 lowercase base32 characters (50 bits from the system's source).

    ``os.urandom``, not ``secrets``: the same source without ``random``/``hmac`` to import.
    """
    bits = int.from_bytes(os.urandom(7))
    return "".join(_ID_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))


def column_of(value: Column | str) -> Column:
    """A Column from its name, or InvalidInput listing the five."""
    try:
        return Column(str(value).strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in Column)
        raise InvalidInput(f"Unknown column {value!r}; the columns are: {names}.") from None


class BoardEdits:
    """Card, perspective, link, member and board writes; mixed into BoardStore."""

    identity: Identity
    running: Command | None = None  # the command being run: a retry of it is the same op

    def _write(self, op_fn: Callable[..., Any]) -> Any:
        raise NotImplementedError

    def run(self, command: Command) -> Any:
        """Run one typed command (``core.commands``): what the app's session calls, and
        calls again with the same command while a write's outcome is unknown."""
        from formboard.core import commands  # not at start-up: with the first write

        self.running = command
        try:
            return commands.run(self, command)
        finally:
            self.running = None

    # ------------------------------------------------------------ card ops

    def add_card(
        self,
        column: Column | str,
        title: str,
        *,
        body: str = "",
        client_words: str = "",
        status: Status | str = Status.HYPOTHESIS,
        domain: Domain | str | None = None,
        before: str | None = None,
        top: bool = False,
    ) -> Card:
        """Add a card at the bottom of ``column`` (or its top, or before another card)."""
        try:
            card = Card.checked(
                id=new_id(), column=column_of(column), position=0.0, title=title, body=body,
                client_words=client_words, status=status, domain=domain or None,
            )  # fmt: skip
        except InvalidValues as exc:
            raise InvalidInput(validation_sentence(exc, "card")) from None
        return cast("Card", self._write(partial(ops.add_card, card=card, before=before, top=top)))

    def edit_card(self, card_id: str, base_rev: int | None = None, **fields: Any) -> Card:
        """Change any subset of title, body, client_words, status and domain.

        ``base_rev`` is the card revision the edit started from: fields others
        changed since then merge; the same field changed raises BoardConflict.
        """
        fields = {k: v for k, v in fields.items() if v is not None or k == "domain"}
        if fields.get("domain") == "":
            fields["domain"] = None
        try:
            edit = card_edit(fields)
        except InvalidValues as exc:
            raise InvalidInput(validation_sentence(exc, "card")) from None
        wanted = {k: getattr(v, "value", v) for k, v in edit.items()}
        if not wanted:
            raise InvalidInput("Nothing to change: give at least one field.")

        def op(conn: BoardConnection, author: Author) -> Any:
            row = ops.card_row(conn, card_id)
            return merge.update_row(conn, author, "card", "edit_card", row, wanted, base_rev)

        return cast("Card", self._write(op))

    def move_card(
        self,
        card_id: str,
        column: Column | str | None = None,
        *,
        before: str | None = None,
        index: int | None = None,
        top: bool = False,
        base_rev: int | None = None,
    ) -> Card:
        """Move a card to a column (default: its own): bottom, top, an index, or before a card.

        With ``base_rev``: BoardConflict (nothing moved) if someone moved it since.
        """
        target = column_of(column) if column is not None else None
        return cast(
            "Card",
            self._write(
                partial(
                    ops.move_card,
                    card_id=card_id,
                    column=target,
                    before=before,
                    index=index,
                    top=top,
                    base_rev=base_rev,
                )
            ),
        )

    def archive_card(self, card_id: str, base_rev: int | None = None) -> Card:
        """Archive a card: it leaves the board view; nothing is deleted.

        With ``base_rev``: BoardConflict if someone archived or restored it since.
        """
        return cast(
            "Card",
            self._write(
                partial(ops.set_archived, card_id=card_id, archived=True, base_rev=base_rev)
            ),
        )

    def restore_card(self, card_id: str, base_rev: int | None = None) -> Card:
        """Bring an archived card back to where it was in its column (``base_rev`` as above)."""
        return cast(
            "Card",
            self._write(
                partial(ops.set_archived, card_id=card_id, archived=False, base_rev=base_rev)
            ),
        )

    # ----------------------------------------------------- perspective ops

    def add_perspective(
        self, card_id: str, text: str, discipline: str | None = None
    ) -> Perspective:
        """Add my reading of a card, under my discipline unless another is given."""
        ident = self.identity
        discipline = ident.discipline if discipline is None else discipline
        try:
            draft = Perspective.checked(
                id=new_id(), card_id="-", author=ident.login, author_name=ident.name,
                discipline=discipline, text=text,
            )  # fmt: skip
        except InvalidValues as exc:
            raise InvalidInput(validation_sentence(exc, "perspective")) from None
        if not draft.discipline:
            raise InvalidInput(
                "A perspective needs a discipline: pass --discipline or set FORMBOARD_DISCIPLINE."
            )
        return cast(
            "Perspective", self._write(partial(ops.add_perspective, draft=draft, card_id=card_id))
        )

    def edit_perspective(
        self,
        perspective_id: str,
        base_rev: int | None = None,
        *,
        text: str | None = None,
        discipline: str | None = None,
    ) -> Perspective:
        """Change the text or discipline of one of my own perspectives."""
        wanted: dict[str, Any] = {}
        try:
            if text is not None:
                wanted["text"] = clean_text(text)
                if not wanted["text"].strip():
                    raise ValueError("text must not be empty")
            if discipline is not None:
                wanted["discipline"] = clean_line(discipline)
        except ValueError as exc:
            raise InvalidInput(f"The perspective's {exc}.") from None
        if not wanted:
            raise InvalidInput("Nothing to change: give the text or the discipline.")

        def op(conn: BoardConnection, author: Author) -> Any:
            row = ops.own_perspective(conn, author, perspective_id)
            return merge.update_row(
                conn, author, "perspective", "edit_perspective", row, wanted, base_rev
            )

        return cast("Perspective", self._write(op))

    def remove_perspective(self, perspective_id: str, base_rev: int | None = None) -> None:
        """Remove one of my own perspectives (the op log keeps its text).

        With ``base_rev``, BoardConflict (and nothing removed) if it changed since.
        """
        self._write(partial(ops.remove_perspective, pid=perspective_id, base_rev=base_rev))

    # ------------------------------------------------------------ link ops

    def add_link(self, from_id: str, to_id: str, kind: LinkKind | str, note: str = "") -> Link:
        """Link two cards: ``from`` triggers / maintains / ... ``to``."""
        try:
            kind = LinkKind(str(kind).strip().lower())
        except ValueError:
            kinds = ", ".join(k.value for k in LinkKind)
            raise InvalidInput(f"Unknown link kind {kind!r}; use one of: {kinds}.") from None
        try:
            note = clean_text(note)
        except ValueError as exc:
            raise InvalidInput(f"The link note {exc}.") from None
        added: Link = self._write(
            partial(ops.add_link, link_id=new_id(), src=from_id, dst=to_id, kind=kind, note=note)
        )
        return added

    def remove_link(self, link_id: str) -> None:
        """Remove a link (the op log keeps it)."""
        self._write(lambda conn, author: ops.remove_link(conn, link_id))

    # ------------------------------------------------------------ undo, redo

    def undo(self) -> Any:
        """Undo my latest change not undone yet, as a new op (``core.store.undo``)."""
        from formboard.core.store import undo

        return self._write(undo.undo)

    def redo(self) -> Any:
        """Redo my latest undo, if I made no new change since."""
        from formboard.core.store import undo

        return self._write(undo.redo)

    # ------------------------------------------------------------ meetings

    def start_meeting(self, title: str = "") -> int:
        """Start a meeting that I facilitate; its number (InvalidInput if one is running)."""
        discipline = self.identity.discipline
        return cast(
            "int", self._write(lambda conn, author: meetings.start(conn, author, title, discipline))
        )

    def attend_meeting(self) -> int | None:
        """Record me at the running meeting; its number, or None when none runs."""
        discipline = self.identity.discipline
        return cast(
            "int | None",
            self._write(lambda conn, author: meetings.attend(conn, author, discipline)),
        )

    def leave_meeting(self) -> int | None:
        """Record that I left the running meeting (nothing if I was not at one)."""
        return cast("int | None", self._write(lambda conn, author: meetings.leave(conn, author)))

    def end_meeting(self, facilitator_gone: bool = False) -> int:
        """End the running meeting: mine, or anyone's whose facilitator has gone."""
        return cast(
            "int", self._write(lambda conn, author: meetings.end(conn, author, facilitator_gone))
        )

    # ------------------------------------------------- members and the board

    def upsert_member(self, login: str, name: str = "", discipline: str = "") -> None:
        """Add or update a member of the board."""
        try:
            member = Member.checked(login=login, name=name, discipline=discipline)
        except InvalidValues as exc:
            raise InvalidInput(validation_sentence(exc, "member")) from None
        if not member.login:
            raise InvalidInput("A member needs a login.")

        def op(conn: BoardConnection, author: Author) -> Any:
            record = ops.upsert_member(conn, member.model_copy(update={"last_seen": author.at}))
            return Tx(None, [record] if record else [])

        self._write(op)

    def set_title(self, title: str) -> None:
        """Change the board's title."""
        try:
            title = clean_line(title)
        except ValueError as exc:
            raise InvalidInput(f"The board title {exc}.") from None
        self._write(lambda conn, author: ops.set_title(conn, title))

    def load_board(self, board: Board) -> None:
        """Write a whole board's content (an import) into this empty board, as one op."""
        self._write(lambda conn, author: ops.load_board(conn, board))
