"""Who am I: the person behind this session (their settings are in ``settings``).

The login comes from the OS account (not ``$USER``, which anyone can set), so the board's
record of who wrote what matches the file server's idea of who wrote it.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from typing import Any

from formboard.core.errors import InvalidInput
from formboard.core.model import initials_of
from formboard.core.person import Person, person_key
from formboard.core.rules import clean_line
from formboard.core.settings import config_path, settings


@dataclass(frozen=True)
class Identity:
    """The person using this session."""

    login: str
    name: str
    discipline: str
    host: str

    @property
    def initials(self) -> str:
        """Two letters for avatars and compact lists."""
        return initials_of(self.name, self.login)

    @property
    def person(self) -> Person:
        """Who this is on a board: login and name (colleagues may share a login)."""
        return person_key(self.login, self.name)


def current_identity() -> Identity:
    """Who is using this session, from the OS account, settings and environment."""
    login, full_name = _os_account()
    config = settings()
    where = f"the {{}} setting in {config_path()}"
    name = (
        _setting(
            ("FORMBOARD_USER", os.environ.get("FORMBOARD_USER")),
            (where.format("name"), config.name),
            (_ACCOUNT_NAME, full_name),
            "display name",
        )
        or login
    )
    discipline = _setting(
        ("FORMBOARD_DISCIPLINE", os.environ.get("FORMBOARD_DISCIPLINE")),
        (where.format("discipline"), config.discipline),
        ("", ""),
        "discipline",
    )
    host = platform.node().split(".")[0] or "localhost"
    if served_tab():
        tab = os.environ.get(WEB_LOGIN_ENV, "")
        if re.fullmatch(r"web-[a-z0-9-]{1,40}", tab):
            login = tab  # each person at a browser has a login of their own
    return Identity(login=login, name=name, discipline=discipline, host=host)


_ACCOUNT_NAME = "your account's full name"
SERVED_ENV = "FORMBOARD_SERVED"  # set by `formboard serve` for the apps of its browser tabs
WEB_LOGIN_ENV = "FORMBOARD_WEB_LOGIN"  # the login it gives each tab's person


def served_tab() -> bool:
    """Whether this app is a browser tab of ``formboard serve``: started by the server
    (which sets SERVED_ENV) with Textual's web driver, the browser being its terminal."""
    return os.environ.get(SERVED_ENV) == "1" and "web_driver" in os.environ.get(
        "TEXTUAL_DRIVER", ""
    )


def _setting(*sources_and_what: Any) -> str:
    """The first of the sources that is set, checked by the board's own rules for a line.

    InvalidInput names the setting when its value cannot go on the board (a control
    character, too long, not UTF-8), before anything is written.
    """
    *sources, what = sources_and_what
    for source, value in sources:
        text = _text(value)
        if not text:
            continue
        try:
            return clean_line(text)
        except ValueError as exc:
            if source == _ACCOUNT_NAME:
                return ""  # not set by the person: fall back to the login quietly
            raise InvalidInput(
                f"Your {what} from {source} {exc}; change it there, then try again."
            ) from None
    return ""


def _os_account() -> tuple[str, str]:
    """(login, full name) from the password database."""
    try:
        import pwd
    except ImportError:  # Windows has no pwd; os.getlogin asks the OS, not the environment
        try:
            return os.getlogin(), ""
        except OSError:  # no console to ask (a service); Windows sets USERNAME for it
            return os.environ.get("USERNAME") or "unknown", ""
    try:
        entry = pwd.getpwuid(os.getuid())
    except KeyError:  # a container uid with no passwd entry
        return f"uid{os.getuid()}", ""
    return entry.pw_name, entry.pw_gecos.split(",")[0].strip()


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
