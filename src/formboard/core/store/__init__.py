"""The store layer: the only code that speaks SQL to a board file.

``BoardStore`` is its interface; a second backend would be a new package
behind the same interface.
"""

from formboard.core.store.board_store import BoardStore, column_of, new_id

__all__ = ["BoardStore", "column_of", "new_id"]
