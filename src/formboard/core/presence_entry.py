"""One running app with a board open, as its presence entry says (``core.presence``).

The entry is what colleagues read: who (a login and a name: colleagues may share a login),
where they are on the board, whom they follow. It is parsed defensively: a partial,
corrupt or mistyped entry is no entry, and fields an older formboard did not write read
as their defaults.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from formboard.core.person import Person, person_key


@dataclass(frozen=True)
class PresenceEntry:
    """One running app with the board open, as its presence file says.

    ``machine`` is the writer's boot id, so a dead pid is only cleaned up when the file
    really comes from this machine, not from another one that happens to share its name.
    """

    login: str
    name: str
    discipline: str
    initials: str
    host: str
    pid: int
    client_id: str
    focused: str | None
    following: str | None  # the login of whom they follow
    at: str
    beat: int
    machine: str = ""
    # Where they are, for followers in a meeting (absent from files of older versions):
    view: str = ""  # "" the board, "card" the focused card open, "history", "map"
    filter: str = ""  # the filter they typed on the board
    history_rev: int = 0  # the revision their history screen shows the board at
    summon: int = 0  # bumped by "bring everyone to me": followers of a meeting follow them
    centre: str = ""  # the card in the middle of their map of links (view "map")
    following_name: str = ""  # the name of whom they follow (a login may be shared)

    @property
    def key(self) -> str:
        """``login@host-pid``: unique per running app."""
        return f"{self.login}@{self.host}-{self.pid}"

    @property
    def person(self) -> Person:
        """Who has the board open here: two names at one login are two people."""
        return person_key(self.login, self.name)

    @property
    def followed(self) -> Person | None:
        """Whom they follow, if anyone."""
        return person_key(self.following, self.following_name) if self.following else None

    def to_json(self) -> bytes:
        """The presence file's bytes."""
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> PresenceEntry | None:
        """Parse a presence file; anything partial, corrupt or mistyped gives ``None``."""
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name, WHERE_DEFAULTS.get(f.name))
            kinds = _KINDS[f.name]
            if not isinstance(value, kinds) or isinstance(value, bool):
                return None
            values[f.name] = value
        if not values["login"] or not values["host"] or not 0 < values["pid"] < _PID_LIMIT:
            return None  # a pid no process can have (os.kill would overflow on 2**40)
        return cls(**values)


_PID_LIMIT = 2**31  # pids are C ints; Linux allows at most 2**22
_OPTIONAL = (str, type(None))
_KINDS: dict[str, type | tuple[type, ...]] = {
    "login": str, "name": str, "discipline": str, "initials": str, "host": str, "pid": int,
    "client_id": str, "focused": _OPTIONAL, "following": _OPTIONAL, "at": str, "beat": int,
    "machine": str, "view": str, "filter": str, "history_rev": int, "summon": int, "centre": str,
    "following_name": str,
}  # fmt: skip
# What a field missing from a file (an older version wrote it) reads as; all but
# ``machine`` are where I am, which ``Presence.announce`` takes by name.
WHERE_DEFAULTS: dict[str, object] = {
    "machine": "", "view": "", "filter": "", "history_rev": 0, "summon": 0, "centre": "",
    "following_name": "",
}  # fmt: skip
VIEWS = ("", "card", "history", "map")
