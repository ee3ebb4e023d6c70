"""One person's settings: where they live, what they may hold, read once per change.

``config.toml`` in the config folder holds ``name``, ``discipline``, ``theme``,
``idle_minutes``, ``watch`` and a ``[keymap]`` table (binding id = "keys"). It is read
into one :class:`Settings`; a setting that is wrong is left out with one sentence naming
the file, the key and what is wrong, and every other setting still applies. A file that
cannot be read at all is one sentence too. The app shows the sentences in one notice; the
CLI prints them on stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from formboard.core.files import make_private_folders, write_atomically

CONFIG_FILE = "config.toml"
IDLE_MINUTES = 10.0  # the default; 0 turns the idle hide off
WATCH_MODES = ("auto", "events", "poll")
DENSITIES = ("compact", "comfortable", "full")  # how much of a card's title the board shows
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text in quotes")
    return value.strip()


def _minutes(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError("must be a number of minutes (0 turns hiding off)")
    return value


def _one_of(choices: tuple[str, ...], said: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise ValueError(said)
        return value.strip().lower()

    return check


def _keymap(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError('must be a table of binding id = "keys" (see the README)')
    return dict(value)


# Each setting's one rule: what it may hold, the value it is cleaned to, and the words
# said when it is wrong. Loading the file applies them one by one.
RULES: dict[str, Callable[[Any], Any]] = {
    "name": _text, "discipline": _text, "theme": _text, "idle_minutes": _minutes,
    "watch": _one_of(("", *WATCH_MODES), "must be auto, events or poll"),
    "density": _one_of(DENSITIES, "must be compact, comfortable or full"), "keymap": _keymap,
}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """What a person may set in ``config.toml`` (every field optional; ``RULES`` check them)."""

    name: str = ""
    discipline: str = ""
    theme: str = ""
    idle_minutes: float = IDLE_MINUTES
    watch: str = ""
    density: str = "comfortable"
    keymap: dict[str, str] = field(default_factory=dict)


_KNOWN = ", ".join(f.name for f in fields(Settings))


@dataclass(frozen=True)
class LoadedSettings:
    """The settings that apply, and a sentence for each one left out."""

    settings: Settings
    problems: tuple[str, ...] = field(default=())


def config_dir() -> Path:
    """Where ``config.toml`` lives; ``FORMBOARD_CONFIG_DIR`` overrides."""
    override = os.environ.get("FORMBOARD_CONFIG_DIR")
    return Path(override) if override else _user_folder("config")


def data_dir() -> Path:
    """Where backups and other per-person data live; ``FORMBOARD_DATA_DIR`` overrides."""
    override = os.environ.get("FORMBOARD_DATA_DIR")
    return Path(override) if override else _user_folder("data")


_XDG = {"config": ("XDG_CONFIG_HOME", "~/.config"), "data": ("XDG_DATA_HOME", "~/.local/share")}


def _user_folder(kind: str) -> Path:
    """The person's ``kind`` folder for formboard, where platformdirs puts it.

    On Linux that is the XDG rule, said here in four lines (platformdirs would load
    ``tempfile`` and ``shutil`` on every CLI call, ~4 ms); a test holds the two equal.
    """
    if sys.platform.startswith("linux"):
        variable, default = _XDG[kind]
        base = os.environ.get(variable, "").strip() or os.path.expanduser(default)
        return Path(base) / "formboard"
    import platformdirs

    if kind == "config":
        return platformdirs.user_config_path("formboard")
    return platformdirs.user_data_path("formboard")


def config_path() -> Path:
    """The settings file."""
    return config_dir() / CONFIG_FILE


# The file as last read, by (path, mtime, size): "read once" while it does not change.
_cache: dict[Path, tuple[tuple[int, int], LoadedSettings]] = {}


def load_settings() -> LoadedSettings:
    """The settings in force (defaults where the file is missing, unreadable or wrong)."""
    path = config_path()
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, -1)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    raw, problem = _read(path)
    loaded = _validated(raw, path, [problem] if problem else [])
    _cache[path] = (stamp, loaded)
    return loaded


def settings() -> Settings:
    """The settings in force; their problems are said by the app and the CLI once."""
    return load_settings().settings


def _read(path: Path) -> tuple[dict[str, Any], str | None]:
    try:
        with open(path, "rb") as f:
            import tomllib  # here: without a settings file a CLI call never loads the parser

            try:
                return tomllib.load(f), None
            except tomllib.TOMLDecodeError as exc:
                problem = f"it is not valid TOML ({exc})"
    except FileNotFoundError:
        return {}, None
    except UnicodeDecodeError:
        problem = "it is not UTF-8 text"
    except OSError as exc:
        problem = f"it could not be read ({exc.strerror or exc})"
    return {}, f"Your settings file {path} was ignored because {problem}; fix or delete it."


def _validated(raw: dict[str, Any], path: Path, problems: list[str]) -> LoadedSettings:
    """Each setting on its own, so one wrong value leaves the others in force."""
    good: dict[str, Any] = {}
    for key, value in raw.items():
        rule = RULES.get(key)
        if rule is None:
            problems.append(
                f"In {path}, {key!r} is not a setting formboard knows ({_KNOWN}); it is ignored."
            )
            continue
        try:
            good[key] = rule(value)
        except ValueError as exc:
            problems.append(f"In {path}, {key} {exc}; the default is used.")
    return LoadedSettings(Settings(**good), tuple(problems))


def save_settings(updates: dict[str, Any]) -> None:
    """Merge ``updates`` into the settings file (a ``None`` value removes a key).

    A broken file is kept beside the new one as ``config.toml.broken`` rather than lost.
    """
    path = config_path()
    make_private_folders(path.parent)
    config, problem = _read(path)
    if problem is not None and path.exists():
        os.replace(path, path.with_name(CONFIG_FILE + ".broken"))
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    config = {k: _drop_none(v) for k, v in config.items() if v is not None}
    write_atomically(path, _to_toml(config).encode(), 0o600)
    _cache.pop(path, None)


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
