"""A theme file's table made into a Textual theme, its column colours as CSS variables.

Shared by formboard's own themes (built directly, ``themes``) and a person's own theme
files (checked first, ``theme_files``).
"""

from __future__ import annotations

from typing import Any

from textual.theme import Theme

from formboard.core.model import Column

COLUMN_VARIABLE_PREFIX = "column-"


def textual_theme(values: dict[str, Any]) -> Theme:
    """A theme file's table as a Textual theme; the column colours become ``$column-<name>``.

    Shipped files are built by this alone (their checks run in the tests, not at every
    start); a person's own files are checked first (``theme_files.ThemeFile``).
    """
    get = values.get
    colours = {key: get(key) for key in _COLOURS}
    fallback = {
        Column.SYMPTOMS: colours["warning"],
        Column.SOURCES: colours["secondary"],
        Column.QUALITIES: colours["accent"],
        Column.RESOURCES: colours["success"],
        Column.RELATIONSHIPS: colours["primary"],
    }
    chosen = get("columns") or {}
    variables = dict(get("variables") or {})
    for col in Column:
        colour = chosen.get(col.value) or fallback[col] or colours["primary"]
        variables[f"{COLUMN_VARIABLE_PREFIX}{col.value}"] = colour
    return Theme(
        name=values["name"],
        primary=values["primary"],
        **{key: colour for key, colour in colours.items() if key != "primary"},
        dark=get("dark", True),
        luminosity_spread=get("luminosity_spread", 0.15),
        text_alpha=get("text_alpha", 0.95),
        variables=variables,
        ansi=get("ansi", False),
    )


_COLOURS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
            "background", "surface", "panel", "boost")  # fmt: skip
