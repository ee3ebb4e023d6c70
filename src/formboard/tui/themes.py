"""Themes: ``themes/*.toml`` files turned into Textual ``Theme`` objects.

A person's theme file is checked by ``theme_files.ThemeFile`` (pydantic, loaded only when
there is such a file) and built by :func:`textual_theme` into ``textual.theme.Theme``;
formboard's own files are built directly (the tests check them). Shipped themes come from the package (``formboard/themes`` in
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

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.theme import Theme

from formboard.core.model import Column
from formboard.core.settings import config_dir, save_settings, settings
from formboard.shipped import shipped_dir
from formboard.tui.theme_build import COLUMN_VARIABLE_PREFIX, textual_theme

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

DEFAULT_THEME = "formboard-dark"
SHIPPED_THEMES = (
    "formboard-dark",
    "formboard-light",
    "formboard-high-contrast",
    "formboard-colour-blind-safe",
    "formboard-ansi",
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
        themes.update(_load_folder(shipped, problems, shipped=True))
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


def _load_folder(
    folder: Traversable | Path, problems: list[str], shipped: bool = False
) -> dict[str, Theme]:
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
        theme, problem = load_theme_file(file, shipped)
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


def load_theme_file(
    file: Traversable | Path, shipped: bool = False
) -> tuple[Theme | None, str | None]:
    """One theme file as ``(theme, None)``, or ``(None, sentence)`` saying what is wrong.

    ``shipped``: one of formboard's own, built without its checks (see ``textual_theme``).
    """

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
    if shipped:
        return textual_theme(data), None
    from formboard.tui.theme_files import checked_theme

    theme, problem = checked_theme(data)
    return (theme, None) if problem is None else skipped(problem)
