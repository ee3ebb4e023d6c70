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
from formboard.core.store import outside
from formboard.core.store.chain import UNCHAINED
from formboard.core.store.interface import (
    Store,
    carry_teams,
    create_store,
    is_server_location,
    open_store,
)


class CopyMismatch(FormboardError):
    """The copy, read back, is not the source: it was removed again."""


class CopyRefused(FormboardError):
    """The source holds a row the copy cannot (another program's): nothing was made."""


def _not_carried(source: Store, to_server: bool) -> str | None:
    """The first row of ``source`` a copy cannot carry as it is, as a sentence with its fix
    (None when every row can go). A garbled revision or schema version would garble the
    copy's; a perspective, link or attendance whose card or meeting is gone breaks the
    copy's foreign keys; and a server's columns hold only text where text belongs, JSON in
    the op log and numbers where numbers belong."""
    for problem in source.problems():
        said = problem.sentence(str(source.location))
        if problem.entity == "board" and problem.entity_id == "meta":
            return f"{said} Then copy again."
        orphan = not problem.field and problem.entity in ("perspective", "link", "attendance")
        numbers = problem.field in ("position", "rev", "archived") and problem.entity == "card"
        odd_history = problem.entity in ("op", "attendance") or (
            problem.entity == "meeting" and bool(problem.field)
        )
        bytes_ = problem.detail == outside.BYTES
        if orphan or (to_server and (numbers or odd_history or bytes_)):
            where = "The copy" if orphan else "A board on a server"
            return f"{said} {where} cannot hold it as it is: set it right, then copy again."
    return None


def _same(source: Store, copy: Store) -> str | None:
    """What differs between the two boards, in words; None when the copy is the source."""
    from formboard.core.export import board_to_dict

    exported = [board_to_dict(b.board()) for b in (source, copy)]
    for each in exported:
        each.pop("exported_at", None)  # when each was read, not what it holds
    if exported[0] != exported[1]:
        return "the boards differ"
    if [o.model_dump(exclude={"hash"}) for o in source.ops()] != [
        o.model_dump(exclude={"hash"}) for o in copy.ops()
    ]:
        return "the op logs differ"
    if source.meetings() != copy.meetings():
        return "the meetings differ"
    if source.revision() != copy.revision():
        return "the revisions differ"
    # A source from before the chain has none to compare: the copy's starts from its log.
    chains = [b.history_checks(b.location)[0] for b in (source, copy)]
    if chains[0] != chains[1] and chains[0][2] != UNCHAINED:
        return "the op logs' hash chains differ"
    return None


def copy_board(source: Path | str, dest: Path | str, **options: Any) -> Store:
    """Copy the board at ``source`` to a new board at ``dest`` and check it.

    Returns the copy, open (the caller closes it). BoardExists if ``dest`` is taken;
    CopyMismatch (the copy removed again) if it does not read back as the source.
    """
    with open_store(source, read_only=True) as src:
        meta = src.meta()
        refused = _not_carried(src, is_server_location(dest))
        if refused:
            raise CopyRefused(f"The board was not copied: {refused}")
        rows = src.all_rows()
        copy = create_store(dest, meta.get("client", ""), meta.get("title", ""), **options)
        try:
            copy.fill(rows)
            carry_teams(src, copy)  # on a server, the source's teams may open the copy
            differs = _same(src, copy)
        except FormboardError:
            copy.discard()
            raise
        except Exception as exc:  # a row the copy's tables refuse that no check foresaw
            copy.discard()
            raise CopyRefused(
                f"The board was not copied: the copy refused one of its rows "
                f"({type(exc).__name__}), so it was removed. `formboard check {src.location}` "
                "names the values another program stored."
            ) from None
        except BaseException:
            copy.discard()
            raise
        if differs:
            copy.discard()
            raise CopyMismatch(
                f"The copy did not read back as the board ({differs}); it was removed."
            )
    return copy
