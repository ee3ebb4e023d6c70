"""The one isolation every test runs in (``conftest.formboard_env``, autouse): a fictional
practitioner with throwaway settings and data folders, and none of the developer's own
settings that change how formboard behaves.

A module-scoped fixture (the network lab's writers) calls :func:`isolate` itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NAME, DISCIPLINE = "Ana Lima", "psychology"  # who runs the tests: fictional
# Settings that change how formboard behaves; a developer's own values must not leak in.
BEHAVIOUR_ENV = (
    "FORMBOARD_LOCK_WAIT", "FORMBOARD_LEASE_TTL", "FORMBOARD_WATCH", "FORMBOARD_DEBUG",
    "NO_COLOR",
)  # fmt: skip


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Settings in ``home/config``, data in ``home/data``, and Ana Lima (psychology)."""
    monkeypatch.setenv("FORMBOARD_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("FORMBOARD_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("FORMBOARD_USER", NAME)
    monkeypatch.setenv("FORMBOARD_DISCIPLINE", DISCIPLINE)
    for name in BEHAVIOUR_ENV:
        monkeypatch.delenv(name, raising=False)
