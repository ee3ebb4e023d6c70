"""What a test needs from the machine: skipped here with a sentence, a failure in CI.

A test that needs PostgreSQL, Chromium, tmux, the network lab, OS accounts or root says
what is missing. On a developer's machine it skips; under ``CI=true`` (``.ci/run`` sets
it) it fails, so a CI run cannot pass without testing what it claims to test.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

STRICT = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
# Commands this run acts as if they were not installed (tests/test_needs.py tries the rule).
WITHOUT = {c for c in os.environ.get("FORMBOARD_TEST_WITHOUT", "").split(",") if c}


def missing(what: str) -> NoReturn:
    """Stop this test because ``what`` (a sentence) is missing: a skip, or in CI a failure."""
    if STRICT:
        pytest.fail(f"CI=true and this test cannot run: {what}", pytrace=False)
    pytest.skip(what, allow_module_level=True)


def installed(command: str) -> str | None:
    """Where ``command`` is (on PATH, or in /usr/sbin and /usr/bin), or None."""
    if command in WITHOUT:
        return None
    return shutil.which(command) or next(
        (p for p in (f"/usr/sbin/{command}", f"/usr/bin/{command}") if os.access(p, os.X_OK)),
        None,
    )


def tool(command: str, package: str) -> str:
    """The path of ``command``, or stop the test naming the Debian package that has it."""
    found = installed(command)
    if found is None:
        missing(f"{command} is not installed (apt-get install {package}).")
    return found


def root(why: str) -> None:
    """Stop the test unless it runs as root (``why``: what root is needed for)."""
    if os.geteuid() != 0:
        missing(f"{why} needs root.")
