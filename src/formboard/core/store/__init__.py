"""The store layer: the only code that speaks SQL to a board file.

``Store`` (interface.py) is what callers use, through ``open_store`` / ``create_store``;
``BoardStore`` is the SQLite backend behind it. A second backend is a new module behind
the same interface.
"""

from formboard.core.store.board_store import BoardStore, column_of, new_id
from formboard.core.store.interface import Store, check_board, create_store, open_store

__all__ = [
    "BoardStore", "Store", "check_board", "column_of", "create_store", "new_id", "open_store",
]  # fmt: skip
