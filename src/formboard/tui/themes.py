"""Themes: ``themes/*.toml`` files turned into Textual ``Theme`` objects.

A theme file is parsed into :class:`ThemeFile` (pydantic) whose :meth:`ThemeFile.to_textual_theme`
builds ``textual.theme.Theme``. Shipped themes come from the package (``formboard/themes`` in
a wheel, the repo's ``themes/`` in a dev checkout); the user's own live in
``<config dir>/themes`` and override a shipped theme of the same name. Loading never raises:
every broken file becomes one sentence in the list of problems, which the app shows in one
notification, and the other themes still load.

Column colours become the CSS variables ``$column-symptoms``, ``$column-sources``,
``$column-qualities``, ``$column-resources`` and ``$column-relationships``.

NO_COLOR, as Textual 8.2.8 handles it (``App.__init__``): if the variable is present at all
(even empty, unlike no-color.org's "non-empty") Textual adds a line filter to every frame —
``NoColor`` (terminal default colours) for a native-ANSI theme such as ``formboard-ansi``,
otherwise ``Monochrome`` (every colour turned to its grey). So the chosen theme still applies
and still shapes contrast; what it cannot carry is meaning by hue, which is why every column
and status on screen has a text label.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator
from textual.app import App
from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import Theme

from formboard.core.model import Column
from formboard.core.settings import config_dir, save_settings, settings
from formboard.shipped import shipped_dir

DEFAULT_THEME = "formboard-dark"
SHIPPED_THEMES = (
    "formboard-dark",
    "formboard-light",
    "formboard-high-contrast",
    "formboard-colour-blind-safe",
    "formboard-ansi",
)
COLUMN_VARIABLE_PREFIX = "column-"

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

    def column_colours(self) -> dict[Column, str]:
        """The colour of each column, falling back to the theme's own colours."""
        fallback = {
            Column.SYMPTOMS: self.warning,
            Column.SOURCES: self.secondary,
            Column.QUALITIES: self.accent,
            Column.RESOURCES: self.success,
            Column.RELATIONSHIPS: self.primary,
        }
        chosen = self.columns.model_dump()
        return {col: chosen[col.value] or fallback[col] or self.primary for col in Column}

    def to_textual_theme(self) -> Theme:
        """Build the Textual theme, with the column colours as ``$column-<name>`` variables."""
        variables = dict(self.variables)
        variables.update(
            {f"{COLUMN_VARIABLE_PREFIX}{col.value}": c for col, c in self.column_colours().items()}
        )
        return Theme(
            name=self.name,
            primary=self.primary,
            secondary=self.secondary,
            warning=self.warning,
            error=self.error,
            success=self.success,
            accent=self.accent,
            foreground=self.foreground,
            background=self.background,
            surface=self.surface,
            panel=self.panel,
            boost=self.boost,
            dark=self.dark,
            luminosity_spread=self.luminosity_spread,
            text_alpha=self.text_alpha,
            variables=variables,
            ansi=self.ansi,
        )


def column_variables(theme: Theme) -> dict[str, str]:
    """The ``column-*`` CSS variables for any theme, Textual's built-in ones included.

    A theme that does not define them (say "nord", picked from the command palette) gets
    colours from its own palette, so CSS using ``$column-symptoms`` never fails to resolve.
    The app can return this from ``App.get_theme_variable_defaults()`` (Textual merges the
    theme's own variables over those defaults in ``App.get_css_variables``).
    """
    fallback = {
        Column.SYMPTOMS: theme.warning,
        Column.SOURCES: theme.secondary,
        Column.QUALITIES: theme.accent,
        Column.RESOURCES: theme.success,
        Column.RELATIONSHIPS: theme.primary,
    }
    result = {}
    for col in Column:
        key = f"{COLUMN_VARIABLE_PREFIX}{col.value}"
        result[key] = theme.variables.get(key) or fallback[col] or theme.primary
    return result


def shipped_themes_dir() -> Traversable | None:
    """Where the shipped theme files are: inside the package, else the repo's ``themes/``.

    ``importlib.resources`` finds ``formboard/themes`` in an installed wheel; an editable
    install imports from ``src/``, so there the files are at ``<repo>/themes``.
    """
    return shipped_dir("themes")


def user_themes_dir() -> Path:
    """The folder for a person's own theme files."""
    return config_dir() / "themes"


def load_themes(extra_dirs: Sequence[Path] | None = None) -> tuple[list[Theme], list[str]]:
    """Every theme, shipped and the user's, and one sentence per file that could not be used.

    ``extra_dirs`` replaces the user's theme folder (tests, or a folder named on the command
    line); when several are given a later folder wins. A theme with the same name as a
    shipped one overrides it. Never raises.
    """
    problems: list[str] = []
    themes: dict[str, Theme] = {}
    shipped = shipped_themes_dir()
    if shipped is None:
        problems.append("The shipped themes were not found, so only Textual's own are available.")
    else:
        themes.update(_load_folder(shipped, problems))
    folders = [user_themes_dir()] if extra_dirs is None else list(extra_dirs)
    for folder in folders:
        themes.update(_load_folder(folder, problems))
    return list(themes.values()), problems


def theme_names(extra_dirs: Sequence[Path] | None = None) -> list[str]:
    """The names of all loadable themes, the default first."""
    names = [theme.name for theme in load_themes(extra_dirs)[0]]
    return sorted(names, key=lambda name: (name != DEFAULT_THEME, name))


def theme_for_environment(requested: str | None, config_theme: str | None) -> str:
    """The theme to start with: ``--theme``, else the settings file, else the default.

    ``NO_COLOR`` does not change the choice: Textual filters every frame to monochrome (or to
    the terminal's default colours for an ANSI theme) whatever theme is active; see the
    module docstring.
    """
    for name in (requested, config_theme):
        if name and name.strip():
            return name.strip()
    return DEFAULT_THEME


def start_theme(app: App[Any], requested: str | None) -> list[str]:
    """Register every theme with ``app`` and switch to the one to start with.

    Call it from ``on_load``, before anything is composed. Returns the sentences to show
    once the app is up: broken theme files, and a requested theme that does not exist.
    """
    themes, problems = load_themes()
    for theme in themes:
        app.register_theme(theme)
    wanted = theme_for_environment(requested, settings().theme)
    if wanted not in app.available_themes:
        problems.append(f"There is no theme called {wanted!r}; using {DEFAULT_THEME}.")
        wanted = DEFAULT_THEME
    app.theme = wanted
    if requested and wanted == requested and requested != settings().theme:
        # --theme is remembered, as the palette's choice is (the app is not loaded yet,
        # so its theme watcher does not save this one)
        try:
            save_settings({"theme": requested})
        except (OSError, ValueError) as exc:
            problems.append(f"The theme could not be remembered ({type(exc).__name__}).")
    return problems


def _load_folder(folder: Traversable | Path, problems: list[str]) -> dict[str, Theme]:
    """The themes of one folder by name; unusable files become sentences in ``problems``."""
    try:
        if not folder.is_dir():
            return {}
        files = sorted(
            (f for f in folder.iterdir() if f.name.endswith(".toml") and f.is_file()),
            key=lambda f: f.name,
        )
    except OSError as exc:
        problems.append(
            f"The theme folder {folder} could not be read ({exc.strerror or exc}), "
            "so its themes were skipped."
        )
        return {}
    found: dict[str, Theme] = {}
    source: dict[str, Traversable | Path] = {}
    for file in files:
        theme, problem = load_theme_file(file)
        if problem is not None:
            problems.append(problem)
            continue
        assert theme is not None
        if theme.name in source:
            problems.append(
                f"Theme files {source[theme.name]} and {file} both define the theme "
                f"{theme.name!r}; the second was used — rename one of them."
            )
        found[theme.name] = theme
        source[theme.name] = file
    return found


def load_theme_file(file: Traversable | Path) -> tuple[Theme | None, str | None]:
    """One theme file as ``(theme, None)``, or ``(None, sentence)`` saying what is wrong."""

    def skipped(reason: str) -> tuple[None, str]:
        return None, f"Theme file {file} was skipped: {reason}."

    try:
        data = tomllib.loads(file.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return skipped("it is not UTF-8 text")
    except tomllib.TOMLDecodeError as exc:
        return skipped(f"it is not valid TOML ({exc})")
    except OSError as exc:
        return skipped(f"it could not be read ({exc.strerror or exc})")
    data.setdefault("name", Path(file.name).stem)
    try:
        theme_file = ThemeFile.model_validate(data)
    except ValidationError as exc:
        return skipped(_reasons(exc))
    theme = theme_file.to_textual_theme()
    try:
        # Textual derives its shades only when the theme is applied; fail here, not there.
        theme.to_color_system().generate()
    except Exception as exc:  # anything Textual objects to is a problem with this file
        return skipped(f"Textual could not use its colours ({exc})")
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
