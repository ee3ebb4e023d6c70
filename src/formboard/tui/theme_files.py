"""A person's own theme file, checked: every wrong key or colour is one clause.

Loaded only when ``<config>/themes`` holds a file (``themes.load_theme_file``): the app's
first frame with formboard's own themes never imports the validation library.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import Theme

from formboard.tui.theme_build import textual_theme

_THEME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}$")
_VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PERCENT = re.compile(r"^\d{1,3}(\.\d+)?%$")


def _colour(value: str) -> str:
    """Accept what Textual's ``Color.parse`` accepts, ANSI names (``ansi_red``) included."""
    try:
        Color.parse(value)
    except ColorParseError as exc:
        hint = (
            f"did you mean {exc.suggested_color!r}?"
            if exc.suggested_color
            else "try #rrggbb, a colour name or an ANSI name such as ansi_red"
        )
        raise ValueError(f"{value!r} is not a colour ({hint})") from None
    return value


def _variable_value(value: str) -> str:
    """A CSS variable holds a colour (maybe with an alpha percentage) or a text style."""
    words = value.split()
    if words and all(word in VALID_STYLE_FLAGS for word in words):
        return value  # a text style such as "bold" or "not underline"
    if len(words) == 2 and _PERCENT.match(words[1]):
        words = words[:1]  # "ansi_default 50%" and "auto 87%" are colours with alpha
    if len(words) == 1 and words[0] == "auto":
        return value
    if len(words) == 1:
        try:
            Color.parse(words[0])
        except ColorParseError:
            pass
        else:
            return value
    raise ValueError(f"{value!r} is neither a colour nor a text style")


def _variable_name(value: str) -> str:
    if not _VARIABLE_NAME.match(value):
        raise ValueError(f"{value!r} is not a CSS variable name (use lower-case-with-dashes)")
    return value


Colour = Annotated[str, AfterValidator(_colour)]
VariableName = Annotated[str, AfterValidator(_variable_name)]
VariableValue = Annotated[str, AfterValidator(_variable_value)]


class ColumnColours(BaseModel):
    """One colour per board column; a column left out takes a colour from the theme."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symptoms: Colour | None = None
    sources: Colour | None = None
    qualities: Colour | None = None
    resources: Colour | None = None
    relationships: Colour | None = None


class ThemeFile(BaseModel):
    """The contents of one ``themes/*.toml`` file.

    The colour keys are Textual's own (see ``textual.theme.Theme``); ``[columns]`` holds one
    colour per board column and ``[variables]`` any extra Textual CSS variables.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    dark: bool = True
    # Native ANSI colours, emitted as-is for 16-colour terminals (like Textual's "ansi-dark").
    ansi: bool = False
    primary: Colour
    secondary: Colour | None = None
    accent: Colour | None = None
    foreground: Colour | None = None
    background: Colour | None = None
    surface: Colour | None = None
    panel: Colour | None = None
    boost: Colour | None = None
    warning: Colour | None = None
    error: Colour | None = None
    success: Colour | None = None
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    columns: ColumnColours = ColumnColours()
    variables: dict[VariableName, VariableValue] = {}

    @field_validator("name")
    @classmethod
    def _name_is_one_short_line(cls, value: str) -> str:
        value = value.strip()
        if not _THEME_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a usable theme name; use up to 60 letters, digits,"
                " spaces, '-', '_' or '.'"
            )
        return value

    def to_textual_theme(self) -> Theme:
        """Build the Textual theme, with the column colours as ``$column-<name>`` variables."""
        return textual_theme(self.model_dump())


def checked_theme(data: dict[str, object]) -> tuple[Theme | None, str | None]:
    """A person's theme file's table as ``(theme, None)``, or ``(None, what is wrong)``."""
    try:
        theme = ThemeFile.model_validate(data).to_textual_theme()
    except ValidationError as exc:
        return None, _reasons(exc)
    try:
        # Textual derives its shades only when the theme is applied; fail here, not there.
        theme.to_color_system().generate()
    except Exception as exc:  # anything Textual objects to is a problem with this file
        return None, f"Textual could not use its colours ({exc})"
    return theme, None


def _reasons(exc: ValidationError) -> str:
    """The validation errors of a theme file as one clause."""
    reasons = [_reason(err["loc"], err["type"], err["msg"]) for err in exc.errors()]
    return "; ".join(reasons)


def _reason(loc: tuple[int | str, ...], kind: str, message: str) -> str:
    if "[key]" in loc:  # a bad key in [variables]; the message quotes the key itself
        loc = loc[: loc.index("[key]") - 1]
    where = ".".join(str(part) for part in loc)
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(known)
        return f"{where!r} is not a theme setting ({hint})"
    if kind == "missing":
        return f"it has no {where!r} setting"
    if kind in ("dict_type", "model_type"):
        return f"{where!r} should be a [{where}] table"
    message = message.removeprefix("Value error, ").removeprefix("Input ")
    return f"{where} {message[:1].lower()}{message[1:]}"


def _known_keys(parent: Iterable[int | str]) -> list[str]:
    model: type[BaseModel] = ColumnColours if list(parent) == ["columns"] else ThemeFile
    return list(model.model_fields)
