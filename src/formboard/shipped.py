"""Files shipped with formboard: themes and sample boards.

In a wheel they live inside the package (pyproject force-includes the repo's
top-level ``themes/`` and ``sample_boards/``); in a source checkout they are
at the top of the repo.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def shipped_dir(name: str) -> Traversable | None:
    """The shipped folder ``name`` ("themes" or "sample_boards"), or None if missing."""
    import importlib.resources  # here: a CLI call that needs no shipped file never loads it

    packaged = importlib.resources.files("formboard") / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    return checkout if checkout.is_dir() else None


def sample_boards() -> list[Traversable]:
    """The shipped sample boards (JSON), by name."""
    folder = shipped_dir("sample_boards")
    if folder is None:
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
