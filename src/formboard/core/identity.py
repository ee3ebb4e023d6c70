"""Who am I: the person behind this session, and where their settings live.

The login comes from the OS account (not ``$USER``, which anyone can set), so the board's
record of who wrote what matches the file server's idea of who wrote it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from formboard.core.errors import InvalidInput
from formboard.core.lock import make_private_folders, write_atomically
from formboard.core.model import clean_line, initials_of

CONFIG_FILE = "config.toml"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


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


def config_dir() -> Path:
    """Where ``config.toml`` lives; ``FORMBOARD_CONFIG_DIR`` overrides."""
    override = os.environ.get("FORMBOARD_CONFIG_DIR")
    return Path(override) if override else platformdirs.user_config_path("formboard")


def data_dir() -> Path:
    """Where backups and other per-person data live; ``FORMBOARD_DATA_DIR`` overrides."""
    override = os.environ.get("FORMBOARD_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path("formboard")


def config_path() -> Path:
    """The settings file."""
    return config_dir() / CONFIG_FILE


def _read_config() -> tuple[dict[str, Any], str | None]:
    path = config_path()
    try:
        with open(path, "rb") as f:
            return tomllib.load(f), None
    except FileNotFoundError:
        return {}, None
    except UnicodeDecodeError:
        problem = "it is not UTF-8 text"
    except tomllib.TOMLDecodeError as exc:
        problem = f"it is not valid TOML ({exc})"
    except OSError as exc:
        problem = f"it could not be read ({exc.strerror or exc})"
    return {}, f"Your settings file {path} was ignored because {problem}; fix or delete it."


def load_config() -> dict[str, Any]:
    """The settings as a dict; missing or broken settings give ``{}`` and never raise."""
    return _read_config()[0]


def config_problem() -> str | None:
    """One sentence naming the settings file and what is wrong with it, or ``None``."""
    return _read_config()[1]


def save_config(updates: dict[str, Any]) -> None:
    """Merge ``updates`` into the settings file (a ``None`` value removes a key).

    A broken file is kept beside the new one as ``config.toml.broken`` rather than lost.
    """
    path = config_path()
    make_private_folders(path.parent)
    config, problem = _read_config()
    if problem is not None and path.exists():
        os.replace(path, path.with_name(CONFIG_FILE + ".broken"))
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    config = {k: _drop_none(v) for k, v in config.items() if v is not None}
    write_atomically(path, _to_toml(config).encode(), 0o600)


def current_identity() -> Identity:
    """Who is using this session, from the OS account, settings and environment."""
    login, full_name = _os_account()
    config = load_config()
    where = f"the {{}} setting in {config_dir() / 'config.toml'}"
    name = (
        _setting(
            ("FORMBOARD_USER", os.environ.get("FORMBOARD_USER")),
            (where.format("name"), config.get("name")),
            (_ACCOUNT_NAME, full_name),
            "display name",
        )
        or login
    )
    discipline = _setting(
        ("FORMBOARD_DISCIPLINE", os.environ.get("FORMBOARD_DISCIPLINE")),
        (where.format("discipline"), config.get("discipline")),
        ("", ""),
        "discipline",
    )
    host = socket.gethostname().split(".")[0] or "localhost"
    return Identity(login=login, name=name, discipline=discipline, host=host)


_ACCOUNT_NAME = "your account's full name"


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
        return os.getlogin(), ""
    try:
        entry = pwd.getpwuid(os.getuid())
    except KeyError:  # a container uid with no passwd entry
        return f"uid{os.getuid()}", ""
    return entry.pw_name, entry.pw_gecos.split(",")[0].strip()


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None}
    return value


def _to_toml(config: dict[str, Any]) -> str:
    """A small TOML writer: scalar keys first, then one level of tables."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    for table, values in config.items():
        if isinstance(values, dict):
            lines += ["", f"[{_key(table)}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in values.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _value(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # repr gives inf, -inf and nan exactly as TOML spells them
    if isinstance(value, str):
        # JSON's escapes are valid TOML basic-string escapes; TOML also forbids a raw DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"settings cannot hold a {type(value).__name__}")
