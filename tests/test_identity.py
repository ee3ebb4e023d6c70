"""Who am I: login from the OS account, name and discipline from settings and environment."""

from __future__ import annotations

import os
import pwd
import stat
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.tui_helpers import opened_app

from formboard.core import settings
from formboard.core.identity import current_identity
from formboard.core.settings import (
    config_dir,
    data_dir,
    load_settings,
    save_settings,
)


def raw_settings() -> dict:
    """The settings file as TOML says it, or {} when missing."""
    path = settings.config_path()
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def config_problem() -> str | None:
    return "\n".join(load_settings().problems) or None


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("FORMBOARD_CONFIG_DIR", str(folder))
    monkeypatch.delenv("FORMBOARD_USER", raising=False)
    monkeypatch.delenv("FORMBOARD_DISCIPLINE", raising=False)
    return folder


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the OS account is ana, whose GECOS full name is Ana Lima."""
    entry = SimpleNamespace(pw_name="ana", pw_gecos="Ana Lima,Room 4,,")
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: entry)


def write_settings(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text, encoding="utf-8")


def test_login_comes_from_the_os_account_not_from_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "somebody-else")
    monkeypatch.setenv("LOGNAME", "somebody-else")
    me = current_identity()
    assert me.login == pwd.getpwuid(os.getuid()).pw_name
    assert me.login != "somebody-else"


@pytest.mark.usefixtures("account")
def test_name_falls_back_to_the_full_name_then_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    me = current_identity()
    assert (me.login, me.name, me.discipline) == ("ana", "Ana Lima", "")
    assert me.initials == "AL"
    assert me.host and "." not in me.host
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: SimpleNamespace(pw_name="ana", pw_gecos=""))
    assert current_identity().name == "ana"


@pytest.mark.usefixtures("account")
def test_settings_file_gives_name_and_discipline(settings_dir: Path) -> None:
    write_settings(settings_dir, 'name = "Dr Ana Lima"\ndiscipline = "psychology"\n')
    me = current_identity()
    assert (me.name, me.discipline) == ("Dr Ana Lima", "psychology")
    assert config_problem() is None


@pytest.mark.usefixtures("account")
def test_environment_overrides_the_settings_file(
    settings_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_settings(settings_dir, 'name = "Dr Ana Lima"\ndiscipline = "psychology"\n')
    monkeypatch.setenv("FORMBOARD_USER", "Ana (locum)")
    monkeypatch.setenv("FORMBOARD_DISCIPLINE", "psychiatry")
    me = current_identity()
    assert (me.login, me.name, me.discipline) == ("ana", "Ana (locum)", "psychiatry")


@pytest.mark.usefixtures("account")
def test_broken_settings_file_gives_a_sentence_not_an_exception(settings_dir: Path) -> None:
    write_settings(settings_dir, 'name = "Ana\ndiscipline = \n')
    assert load_settings().settings == settings.Settings()
    assert current_identity().name == "Ana Lima"
    problem = config_problem()
    assert problem is not None
    assert str(settings_dir / "config.toml") in problem
    assert problem.endswith(".") and "\n" not in problem and "Traceback" not in problem


def test_settings_file_that_is_not_text_is_reported(settings_dir: Path) -> None:
    settings_dir.mkdir()
    (settings_dir / "config.toml").write_bytes(b'name = "\xff\xfe"\n')
    assert load_settings().settings == settings.Settings()
    assert "config.toml" in (config_problem() or "")


def test_missing_settings_file_is_not_a_problem() -> None:
    assert load_settings().settings == settings.Settings()
    assert config_problem() is None


def test_save_merges_keys_and_writes_a_private_file(settings_dir: Path) -> None:
    write_settings(settings_dir, 'name = "Ana"\n\n[ui]\ntheme = "dark"\n')
    save_settings({"discipline": "psychology", "ui": {"compact": True}, "wait": 15})
    save_settings({"name": 'Ana "the" Lima\\'})
    path = settings_dir / "config.toml"
    assert tomllib.loads(path.read_text()) == {
        "name": 'Ana "the" Lima\\',
        "discipline": "psychology",
        "wait": 15,
        "ui": {"theme": "dark", "compact": True},
    }
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in settings_dir.iterdir()) == ["config.toml"]


def test_save_with_none_removes_a_key(settings_dir: Path) -> None:
    save_settings({"name": "Ana", "discipline": "psychology"})
    save_settings({"discipline": None})
    assert raw_settings() == {"name": "Ana"}


def test_saving_over_a_broken_file_keeps_the_broken_copy(settings_dir: Path) -> None:
    write_settings(settings_dir, "name = = oops\n")
    save_settings({"name": "Ana"})
    assert raw_settings() == {"name": "Ana"}
    assert (settings_dir / "config.toml.broken").read_text() == "name = = oops\n"


def test_folders_can_be_moved_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert config_dir() == tmp_path / "config"
    assert data_dir() == tmp_path / "data"
    monkeypatch.delenv("FORMBOARD_DATA_DIR")
    assert data_dir().name == "formboard"


def test_settings_writer_rejects_values_toml_cannot_hold() -> None:
    with pytest.raises(TypeError):
        settings._to_toml({"ui": {"nested": {"deeper": 1}}})


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("FORMBOARD_USER", "Eve\x1b[1m", "display name from FORMBOARD_USER must not contain"),
        ("FORMBOARD_USER", "E" * 201, "display name from FORMBOARD_USER must be at most 200"),
        ("FORMBOARD_DISCIPLINE", "nursing\u202e", "discipline from FORMBOARD_DISCIPLINE"),
    ],
)
def test_a_setting_the_board_would_refuse_is_one_sentence_before_anything_is_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    from click.testing import CliRunner

    from formboard.cli import cli
    from formboard.core.store import BoardStore

    board = tmp_path / "C-0421.board"
    BoardStore.create(board, "C-0421").close()
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(cli, ["add", str(board), "symptoms", "Panic"])
    assert result.exit_code == 1 and words in result.stderr, result.stderr
    assert "unexpected" not in result.stderr


def test_a_name_too_long_in_config_toml_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formboard.core.errors import InvalidInput

    monkeypatch.delenv("FORMBOARD_USER", raising=False)
    save_settings({"name": "N" * 201})
    with pytest.raises(InvalidInput, match=r"name setting in .*config.toml must be at most"):
        current_identity()


def test_text_that_is_not_utf8_on_the_command_line_is_named(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers_store import subprocess_env

    from formboard.core.store import BoardStore

    board = tmp_path / "C-0421.board"
    BoardStore.create(board, "C-0421").close()
    done = subprocess.run(
        [sys.executable, "-m", "formboard", "add", str(board), "symptoms", b"bad\xff"],
        env=subprocess_env(), capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "title must be UTF-8 text" in done.stderr, done.stderr


@pytest.mark.parametrize("broken", [b"name = [unclosed", b"name = '\xff'", None])
def test_a_broken_settings_file_is_said_once_on_the_command_line(
    tmp_path: Path, board_file: Path, broken: bytes | None
) -> None:
    from click.testing import CliRunner

    from formboard.cli import cli

    path = settings.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if broken is None:
        path.mkdir()  # a folder where the file should be
    else:
        path.write_bytes(broken)
    result = CliRunner().invoke(cli, ["show", str(board_file)])
    assert result.exit_code == 0
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr
    assert "was ignored because" in result.stderr


async def test_the_app_says_a_broken_settings_file_in_one_notice(board_file: Path) -> None:
    from tests.tui_helpers import drawn_notices, notice_drawn, unwrapped

    path = settings.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"name = [unclosed")
    async with opened_app(board_file, size=(100, 30)) as (app, pilot):
        said = await notice_drawn(pilot, "Settings")
        assert len([n for n in drawn_notices(app) if n.startswith("Settings")]) == 1
    assert said.startswith("Settings") and unwrapped(str(path)) in unwrapped(said)
