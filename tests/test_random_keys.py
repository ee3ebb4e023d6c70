"""Random keys at five apps on one board, three at 80×24 and two at 160×50, in real
terminals: no crash report, no app that ends, no blank screen (tests/random_keys.py).

Each app is a colleague with an OS account of their own (tests/accounts.py), so meetings
have a facilitator and followers as in a team. The seed and the length are set by
FORMBOARD_KEYS_SEED and FORMBOARD_KEYS_SECONDS; a failure names its seed, and
``python -m tests.random_keys --seed N`` runs it again (longer runs: ``--seconds``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.accounts import Team, shared_copy, team
from tests.random_keys import run
from tests.terminal import Terminals, demo_board, person, terminals_fixture

SECONDS = float(os.environ.get("FORMBOARD_KEYS_SECONDS", "30"))
SEED = int(os.environ.get("FORMBOARD_KEYS_SEED", "20261207"))
SIZES = [(80, 24), (80, 24), (80, 24), (160, 50), (160, 50)]


@pytest.fixture
def colleagues() -> Iterator[Team]:
    with team() as made:
        yield made


@pytest.fixture
def terminals(colleagues: Team) -> Iterator[Terminals]:
    yield from terminals_fixture()  # closed (and checked) before the accounts go


@pytest.mark.timeout(SECONDS + 240)
def test_random_keys_at_five_apps_on_one_board_never_break_one(
    colleagues: Team, terminals: Terminals, tmp_path: Path
) -> None:
    people = list(colleagues.people.values())
    maker = person(tmp_path / "maker", "Board Maker", "psychology")
    board = shared_copy(demo_board(maker, tmp_path / "made"), colleagues, people[0])
    outcome = run(terminals, people, board, SIZES, SECONDS, SEED)
    assert outcome.problem is None, outcome.problem
    assert outcome.keys >= SECONDS * 10, f"only {outcome.keys} keys in {outcome.seconds:.0f} s"
