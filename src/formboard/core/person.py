"""A person on a board: the OS login they write from and the name they go by, together.

Colleagues who share one OS login (a ward PC with one account) are different people, told
apart by the names in their own settings. Everything that asks "is this the same person?"
— the board's members, undo, presence, following, meetings and who came — compares
:class:`Person` values made by :func:`person_key`, never logins alone, and never tuples
built on the spot. Its own module (no imports) because the model, the meetings and the
identity all name people.
"""

from __future__ import annotations

import json
from typing import NamedTuple


class Person(NamedTuple):
    """Someone on a board: ``(login, name)``."""

    login: str
    name: str

    @property
    def token(self) -> str:
        """The person as one string, where only a string fits (whom to follow on the next
        board, whose move a presence file records); :meth:`from_token` reads it back."""
        return json.dumps([self.login, self.name], ensure_ascii=False)

    @classmethod
    def from_token(cls, token: str | None) -> Person | None:
        """The person a :attr:`token` names; None for anything else."""
        try:
            login, name = json.loads(token or "")
        except (TypeError, ValueError):
            return None
        if not isinstance(login, str) or not isinstance(name, str) or not login:
            return None
        return person_key(login, name)


def person_key(login: str, name: str | None) -> Person:
    """The person with ``login`` and ``name``; a record without a name (an older one, a
    writer outside formboard) is its login's, as a session without a name set is."""
    return Person(login, name or login)
