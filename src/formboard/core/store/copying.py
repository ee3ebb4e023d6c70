"""Moving a board: a whole copy, from a file to a server and back, checked before it counts.

``copy_board`` reads every row of the source in one snapshot — settings, cards,
perspectives, links, members, the op log, meetings and who came — and writes them into a
new board in one transaction, keeping each row as it is (the op log's numbers, its
authors and times; the board's id and revision), so the copy's history, undo and "as it
was" are the source's. Then the copy is read back and compared with the source (its JSON
export, its op log, its meetings); only a copy that matches is reported, any other is
removed again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from formboard.core.errors import FormboardError
from formboard.core.store.interface import Store, create_store, open_store


class CopyMismatch(FormboardError):
    """The copy, read back, is not the source: it was removed again."""


def _same(source: Store, copy: Store) -> str | None:
    """What differs between the two boards, in words; None when the copy is the source."""
    from formboard.core.export import board_to_dict

    exported = [board_to_dict(b.board()) for b in (source, copy)]
    for each in exported:
        each.pop("exported_at", None)  # when each was read, not what it holds
    if exported[0] != exported[1]:
        return "the boards differ"
    if [o.model_dump() for o in source.ops()] != [o.model_dump() for o in copy.ops()]:
        return "the op logs differ"
    if source.meetings() != copy.meetings():
        return "the meetings differ"
    if source.revision() != copy.revision():
        return "the revisions differ"
    return None


def copy_board(source: Path | str, dest: Path | str, **options: Any) -> Store:
    """Copy the board at ``source`` to a new board at ``dest`` and check it.

    Returns the copy, open (the caller closes it). BoardExists if ``dest`` is taken;
    CopyMismatch (the copy removed again) if it does not read back as the source.
    """
    with open_store(source, read_only=True) as src:
        meta = src.meta()
        rows = src.all_rows()
        copy = create_store(dest, meta.get("client", ""), meta.get("title", ""), **options)
        try:
            copy.fill(rows)
            differs = _same(src, copy)
        except BaseException:
            copy.discard()
            raise
        if differs:
            copy.discard()
            raise CopyMismatch(
                f"The copy did not read back as the board ({differs}); it was removed."
            )
    return copy
