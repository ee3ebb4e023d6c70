"""A CI run cannot pass without testing: a test that needs a missing tool fails under CI=true.

Locally the same test skips with the sentence that says what is missing. Tried here by
running two tests in a pytest of their own, with Chromium and PostgreSQL made to look
absent (FORMBOARD_TEST_WITHOUT, tests/needs.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
NEEDING = [
    str(TESTS / "test_html_browser.py::test_the_diagram_has_one_labelled_curve_per_link"),
    str(TESTS / "test_store_pg.py::test_a_board_from_a_newer_formboard_opens_read_only"),
]


def run_without(ci: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CI=ci, FORMBOARD_TEST_WITHOUT="chromium,initdb")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs", *NEEDING],
        capture_output=True,
        text=True,
        env=env,
        cwd=TESTS.parent,
        timeout=120,
        check=False,
    )


@pytest.mark.timeout(180)
def test_under_ci_a_missing_chromium_or_postgresql_fails_and_names_what_is_missing() -> None:
    done = run_without("true")
    said = " ".join(done.stdout.split())
    assert done.returncode == 1, said[-2000:]
    assert "2 errors" in said  # (in a fixture, so an error: still a red run)
    assert "CI=true and this test cannot run: chromium is not installed" in said
    assert "CI=true and this test cannot run: PostgreSQL is not installed" in said


@pytest.mark.timeout(180)
def test_outside_ci_the_same_tests_skip_with_the_same_sentence() -> None:
    done = run_without("")
    said = " ".join(done.stdout.split())
    assert done.returncode == 0, said[-2000:]
    assert "2 skipped" in said
    assert "chromium is not installed" in said and "PostgreSQL is not installed" in said
