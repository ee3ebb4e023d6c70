"""Themes: shipped files load, broken user files become one sentence each, and they ship."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.tui_helpers import opened_app
from textual.app import App, ComposeResult
from textual.theme import BUILTIN_THEMES
from textual.widgets import Static

from formboard.core.model import Column
from formboard.tui.theme_files import ThemeFile
from formboard.tui.themes import (
    DEFAULT_THEME,
    SHIPPED_THEMES,
    column_variables,
    load_theme_file,
    load_themes,
    shipped_themes_dir,
    theme_for_environment,
    theme_names,
    user_themes_dir,
)

REPO = Path(__file__).resolve().parents[1]
COLUMN_VARIABLES = [f"column-{column.value}" for column in Column]

GOOD_USER_THEME = """
name = "my-theme"
primary = "#336699"
[columns]
symptoms = "tomato"
"""


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the config folder at an empty temp folder so a real user's themes never leak in."""
    folder = tmp_path / "config"
    monkeypatch.setenv("FORMBOARD_CONFIG_DIR", str(folder))
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def shipped_files() -> list[Path]:
    return sorted((REPO / "themes").glob("*.toml"))


def test_the_five_required_themes_ship_and_the_default_is_among_them() -> None:
    themes, problems = load_themes()
    assert problems == []
    names = {theme.name for theme in themes}
    assert set(SHIPPED_THEMES) <= names
    assert DEFAULT_THEME == "formboard-dark" and DEFAULT_THEME in names
    assert theme_names()[0] == DEFAULT_THEME


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.stem)
def test_every_shipped_theme_file_loads_cleanly_and_builds_a_textual_theme(path: Path) -> None:
    theme, problem = load_theme_file(path)
    assert problem is None
    assert theme is not None
    assert theme.name == path.stem  # file name and theme name agree, so they are findable
    # What App.get_css_variables does: the colour system, then the theme's own variables.
    colours = {**theme.to_color_system().generate(), **theme.variables}
    for variable in COLUMN_VARIABLES:
        assert variable in colours, variable


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.stem)
def test_a_shipped_theme_built_without_its_checks_is_the_checked_one(path: Path) -> None:
    """Start-up builds formboard's own themes directly (no validation library to import);
    the test above checks each file, and here the two ways give the same theme."""
    checked, _ = load_theme_file(path)
    direct, problem = load_theme_file(path, shipped=True)
    assert problem is None and checked is not None and direct is not None
    assert vars(direct) == vars(checked)


def test_column_colours_become_css_variables() -> None:
    themes = {theme.name: theme for theme in load_themes()[0]}
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    blind_safe = themes["formboard-colour-blind-safe"].variables
    assert {blind_safe[v].upper() for v in COLUMN_VARIABLES} <= okabe_ito
    assert len({blind_safe[v] for v in COLUMN_VARIABLES}) == 5
    ansi = themes["formboard-ansi"]
    assert ansi.ansi
    assert all(ansi.variables[v].startswith("ansi_") for v in COLUMN_VARIABLES)


def test_a_theme_file_without_columns_borrows_them_from_its_own_palette() -> None:
    theme = ThemeFile(name="bare", primary="#112233", success="#00aa00").to_textual_theme()
    assert theme.variables["column-resources"] == "#00aa00"
    assert theme.variables["column-symptoms"] == "#112233"  # no warning colour: primary


def test_column_variables_cover_textuals_own_themes_too() -> None:
    nord = column_variables(BUILTIN_THEMES["nord"])
    assert set(nord) == set(COLUMN_VARIABLES) and all(nord.values())


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("formboard-dark", 4.5),
        ("formboard-light", 4.5),
        ("formboard-colour-blind-safe", 4.5),
        ("formboard-high-contrast", 7.0),
    ],
)
def test_text_and_column_colours_are_readable_on_every_surface(name: str, minimum: float) -> None:
    theme = {t.name: t for t in load_themes()[0]}[name]
    assert theme.foreground and theme.background and theme.surface and theme.panel
    for ground in (theme.background, theme.surface, theme.panel):
        assert contrast(theme.foreground, ground) >= 7.0
        for variable in COLUMN_VARIABLES:
            assert contrast(theme.variables[variable], ground) >= minimum, (variable, ground)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "broken\nprimary = "#fff"\n', "not valid TOML"),
        ('name = "broken"\nprimary = "#12345z"\n', "'#12345z' is not a colour"),
        ('name = "broken"\nprimary = "blu"\n', "did you mean 'blue'?"),
        ('name = "broken"\nprimary = "#fff"\nprimery = "#000"\n', "'primery' is not a theme"),
        ('name = "broken"\nprimary = "#fff"\n[columns]\nsymptom = "red"\n', "'columns.symptom'"),
        ('name = "broken"\nprimary = "#fff"\n[variables]\nborder = "wobbly"\n', "border"),
        ('name = "broken"\n', "no 'primary'"),
    ],
    ids=[
        "bad-toml",
        "bad-hex",
        "misspelt-colour",
        "unknown-key",
        "unknown-column",
        "bad-var",
        "missing",
    ],
)
def test_a_broken_user_theme_is_one_sentence_naming_the_file_and_the_rest_still_load(
    tmp_path: Path, text: str, problem: str
) -> None:
    user = tmp_path / "user-themes"
    broken = write(user, "broken.toml", text)
    write(user, "mine.toml", GOOD_USER_THEME)
    themes, problems = load_themes(extra_dirs=[user])
    assert len(problems) == 1
    (sentence,) = problems
    assert str(broken) in sentence and problem in sentence
    assert sentence.endswith(".") and "\n" not in sentence and "Traceback" not in sentence
    names = {theme.name for theme in themes}
    assert "broken" not in names
    assert {"my-theme", *SHIPPED_THEMES} <= names


def test_a_theme_file_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    user = tmp_path / "user-themes"
    user.mkdir()
    (user / "latin1.toml").write_bytes(b'name = "caf\xe9"\nprimary = "#fff"\n')
    themes, problems = load_themes(extra_dirs=[user])
    assert problems == [f"Theme file {user / 'latin1.toml'} was skipped: it is not UTF-8 text."]
    assert len(themes) == len(SHIPPED_THEMES)


def test_a_user_theme_overrides_the_shipped_one_of_the_same_name(settings_dir: Path) -> None:
    write(
        user_themes_dir(),
        "my-dark.toml",
        'name = "formboard-dark"\nprimary = "#FF00FF"\n[columns]\nsources = "#00FF00"\n',
    )
    assert user_themes_dir() == settings_dir / "themes"
    themes, problems = load_themes()
    assert problems == []
    dark = [theme for theme in themes if theme.name == "formboard-dark"]
    assert len(dark) == 1
    assert dark[0].primary == "#FF00FF"
    assert dark[0].variables["column-sources"] == "#00FF00"


def test_two_user_files_defining_the_same_theme_are_reported(tmp_path: Path) -> None:
    user = tmp_path / "user-themes"
    write(user, "a.toml", GOOD_USER_THEME)
    write(user, "b.toml", GOOD_USER_THEME)
    themes, problems = load_themes(extra_dirs=[user])
    assert len(problems) == 1 and "'my-theme'" in problems[0]
    assert [t.name for t in themes].count("my-theme") == 1


def test_a_theme_file_without_a_name_is_named_after_the_file(tmp_path: Path) -> None:
    user = tmp_path / "user-themes"
    write(user, "quiet-room.toml", 'primary = "#557799"\ndark = false\n')
    themes, problems = load_themes(extra_dirs=[user])
    assert problems == []
    assert "quiet-room" in {t.name for t in themes}


def test_theme_choice_is_flag_then_settings_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert theme_for_environment("formboard-light", "formboard-ansi") == "formboard-light"
    assert theme_for_environment(None, "formboard-ansi") == "formboard-ansi"
    assert theme_for_environment("  ", "") == DEFAULT_THEME
    assert theme_for_environment(None, None) == DEFAULT_THEME
    # NO_COLOR is left to Textual, which filters every frame whatever the theme.
    monkeypatch.setenv("NO_COLOR", "1")
    assert theme_for_environment(None, None) == DEFAULT_THEME


class Swatch(App[None]):
    """A tiny app whose CSS uses every column variable, as the board will.

    It wires themes in the way the real app should: register ours before the CSS is
    parsed, and give Textual's own themes column colours through the variable defaults.
    """

    CSS = "\n".join(
        f"#{column.value} {{ color: ${name}; border: round ${name}; }}"
        for column, name in zip(Column, COLUMN_VARIABLES, strict=True)
    )

    def __init__(self) -> None:
        super().__init__()
        themes, _problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        self.theme = DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return column_variables(self.current_theme)

    def compose(self) -> ComposeResult:
        for column in Column:
            yield Static(column.label, id=column.value)


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_every_theme_styles_a_running_app(
    monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = Swatch()
    async with app.run_test() as pilot:
        assert app.no_color is no_color
        for name in [*SHIPPED_THEMES, "nord", "ansi-dark"]:  # and two of Textual's own
            app.theme = name
            await pilot.pause()
            symptoms = app.query_one("#symptoms", Static)
            assert symptoms.styles.color.a > 0
            assert str(symptoms.render()) == "Symptoms"  # the label, not only a colour


def test_the_packaged_theme_folder_is_found_in_a_dev_checkout() -> None:
    folder = shipped_themes_dir()
    assert folder is not None
    assert {f.name for f in folder.iterdir() if f.name.endswith(".toml")} >= {
        f"{name}.toml" for name in SHIPPED_THEMES
    }


@pytest.mark.timeout(240)
def test_themes_and_sample_boards_ship_inside_the_wheel_and_load_from_it(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("formboard-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in SHIPPED_THEMES:
        assert f"formboard/themes/{name}.toml" in names
    assert any(n.startswith("formboard/sample_boards/") and n.endswith(".json") for n in names)
    assert not any(n.endswith(".keep") for n in names)

    # A plain (non-editable) install: the installed package must find its own themes,
    # not the repo's, so run from a folder that shadows the editable checkout.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import formboard, formboard.tui.themes as t\n"
        "themes, problems = t.load_themes([])\n"
        "print(formboard.__file__); print(t.shipped_themes_dir())\n"
        "print(len(themes), problems)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    ).stdout.splitlines()
    assert out[0].startswith(str(target))
    assert out[1] == str(target / "formboard" / "themes")
    assert out[2] == f"{len(SHIPPED_THEMES)} []"


async def test_a_theme_given_with_theme_is_remembered_for_next_time(board_file: Path) -> None:
    from tests.tui_helpers import loaded

    from formboard.core.settings import settings
    from formboard.tui.app import FormboardApp

    async with opened_app(board_file, theme="formboard-light", size=(100, 30)) as (app, pilot):
        assert app.theme == "formboard-light"
    assert settings().theme == "formboard-light"
    again = FormboardApp(board_file)  # no --theme: the remembered one
    async with again.run_test(size=(100, 30)) as pilot:
        await loaded(again, pilot)
        assert again.theme == "formboard-light"
