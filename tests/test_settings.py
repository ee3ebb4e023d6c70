"""One settings model: read once, each wrong setting said once, keys remapped by id."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.tui_helpers import drawn_notices, notice_drawn, notices, opened_app, wait_for

from formboard.core.identity import current_identity
from formboard.core.settings import config_path, load_settings, save_settings, settings
from formboard.tui.dialogs.prompt import PromptScreen


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_each_wrong_setting_is_one_sentence_and_the_rest_applies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FORMBOARD_USER", raising=False)
    path = write_config(
        'name = "Dr Test Person"\nidle_minutes = "ten"\nwatch = "sometimes"\ncolour = "red"\n'
        'theme = "formboard-light"\n'
    )
    loaded_settings = load_settings()
    assert loaded_settings.settings.name == "Dr Test Person"
    assert loaded_settings.settings.theme == "formboard-light"
    assert loaded_settings.settings.idle_minutes == 10  # the default
    problems = loaded_settings.problems
    assert len(problems) == 3 and all(str(path) in p for p in problems)
    assert any("idle_minutes must be a number of minutes" in p for p in problems)
    assert any("watch must be auto, events or poll" in p for p in problems)
    assert any("'colour' is not a setting formboard knows" in p for p in problems)
    assert current_identity().name == "Dr Test Person"


def test_every_setting_has_one_rule_and_every_rule_a_setting() -> None:
    from dataclasses import fields

    from formboard.core.settings import RULES, Settings

    assert {f.name for f in fields(Settings)} == set(RULES)


@pytest.mark.parametrize(
    ("key", "value", "cleaned"),
    [("name", "  Ana Ruiz ", "Ana Ruiz"), ("name", 3, None), ("idle_minutes", 0, 0),
     ("idle_minutes", -1, None), ("idle_minutes", float("nan"), None),
     ("idle_minutes", True, None), ("watch", " POLL", "poll"), ("watch", "sometimes", None),
     ("density", "Full", "full"), ("density", "huge", None),
     ("keymap", {"board.new": "n"}, {"board.new": "n"}), ("keymap", {"board.new": 1}, None),
     ("keymap", "n", None)],
)  # fmt: skip
def test_a_wrong_setting_is_one_sentence_and_the_default(
    tmp_path: Path, key: str, value: object, cleaned: object
) -> None:
    from formboard.core.settings import Settings, _validated

    loaded_settings = _validated({key: value}, tmp_path / "config.toml", [])
    if cleaned is None:
        assert len(loaded_settings.problems) == 1
        assert f"In {tmp_path / 'config.toml'}, {key} " in loaded_settings.problems[0]
        assert getattr(loaded_settings.settings, key) == getattr(Settings(), key)
    else:
        assert loaded_settings.problems == ()
        assert getattr(loaded_settings.settings, key) == cleaned


def test_the_file_is_read_once_until_it_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    save_settings({"theme": "formboard-light"})
    first = settings()
    assert settings() is first  # not parsed again
    save_settings({"theme": "formboard-dark"})
    assert settings().theme == "formboard-dark"


async def test_a_keymap_from_the_settings_rebinds_a_key_and_the_help_shows_it(board_file: Path):
    write_config('[keymap]\n"card.new" = "ctrl+n"\n"card.link" = "ctrl+l"\n')
    async with opened_app(board_file) as (app, pilot):
        await pilot.press("n")  # no longer new
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PromptScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        from formboard.tui.screens.help import live_keys

        keys = dict((what, key) for key, what in live_keys(app.screen_stack[0]))
        from textual.binding import Binding

        shown = app.get_key_display(Binding("ctrl+n", "new_card"))
        assert keys["add a card to the focused column"] == shown
        footer = {str(k.key) for k in app.screen_stack[0].query("FooterKey")}
        assert "ctrl+n" in footer and "n" not in footer
        assert "Settings" not in notices(app)


async def test_an_unknown_id_or_a_clash_in_the_keymap_is_one_notice(board_file: Path):
    write_config('[keymap]\n"card.nwe" = "ctrl+n"\n"card.link" = "a"\n"board.follow" = "ctrl+f"\n')
    async with opened_app(board_file) as (app, pilot):
        notice = await notice_drawn(pilot, "Settings")
        assert len([n for n in drawn_notices(app) if n.startswith("Settings")]) == 1
        assert "'card.nwe', which is not a key formboard has" in notice
        assert "gives 'a' to both 'card.link' and 'card.archive'" in notice
        await pilot.press("ctrl+f")  # the rest of the keymap applies
        await notice_drawn(pilot, "Nobody else has this board open")


def test_the_readme_lists_every_key_id() -> None:
    import re

    from textual.binding import Binding

    from formboard.tui.keymap import screens_with_keys

    ids = {
        b.id for items in screens_with_keys().values() for b in items
        if isinstance(b, Binding) and b.id
    }  # fmt: skip
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| where | ids |") :].split("\n\n")[0]
    assert set(re.findall(r"`([a-z]+\.[a-z-]+)`", table)) == ids


@pytest.mark.parametrize("xdg", [None, "", "  ", "/srv/home/ana/.cfg"])
def test_the_folders_are_where_platformdirs_puts_them(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    """formboard says the XDG rule itself on Linux (no platformdirs on a CLI call); the
    folders must be the ones platformdirs names, or a person's settings would be lost."""
    import platformdirs

    from formboard.core.settings import config_dir, data_dir

    for variable in ("FORMBOARD_CONFIG_DIR", "FORMBOARD_DATA_DIR"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg)
    assert config_dir() == platformdirs.user_config_path("formboard")
    assert data_dir() == platformdirs.user_data_path("formboard")
