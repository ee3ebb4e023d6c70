"""Remapping keys: the ``[keymap]`` table of the settings, checked before it is applied.

Every remappable key has a binding id (``card.new``, ``cursor.up``, ...; the README lists
them). ``[keymap]`` maps an id to one key or several (``"card.new" = "ctrl+n,n"``) and the
app applies it with ``App.set_keymap``, so the footer, the help screen and the palette show
the keys in force. An id nobody knows, or a key that two actions of one screen would share,
is one sentence; the rest of the table still applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding, BindingType


def screens_with_keys() -> dict[str, list[BindingType]]:
    """Each place with remappable keys, by the name people know it by, and its bindings.

    Imported here, not at start-up: only a keymap in the settings needs them all.
    """
    from formboard.tui.bindings import APP_BINDINGS, BOARD_BINDINGS
    from formboard.tui.screens.archived import ArchivedCards
    from formboard.tui.screens.blank import BlankScreen
    from formboard.tui.screens.card import CardScreen
    from formboard.tui.screens.conflict import ConflictDialog
    from formboard.tui.screens.cycles import CycleList
    from formboard.tui.screens.history import HistoryScreen
    from formboard.tui.screens.link_map import MapScreen
    from formboard.tui.screens.link_picker import LinkPicker
    from formboard.tui.screens.past_board import PastBoardScreen

    everywhere = list(APP_BINDINGS)
    return {
        "the board": [*BOARD_BINDINGS, *everywhere],
        "an open card": [*CardScreen.BINDINGS, *everywhere],
        "the link picker": [*LinkPicker.BINDINGS, *everywhere],
        "the conflict dialog": [*ConflictDialog.BINDINGS, *everywhere],
        "the archived cards": [*ArchivedCards.BINDINGS, *everywhere],
        "the history": [*HistoryScreen.BINDINGS, *everywhere],
        "the cycles": [*CycleList.BINDINGS, *everywhere],
        "the map": [*MapScreen.BINDINGS, *everywhere],
        "the board as it was": [*PastBoardScreen.BINDINGS, *everywhere],
        "the hidden screen": list(BlankScreen.BINDINGS),
    }


def _bindings(items: Iterable[BindingType]) -> list[Binding]:
    return [b for b in items if isinstance(b, Binding)]


def keymap_problems(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The part of ``keymap`` that can be applied, and a sentence for each part that can't."""
    if not keymap:
        return {}, []
    places = screens_with_keys()
    known = {b.id for items in places.values() for b in _bindings(items) if b.id}
    problems: list[str] = []
    good: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(
                f"The keymap names {binding_id!r}, which is not a key formboard has; "
                "the README lists every id."
            )
        elif not isinstance(keys, str) or not [k for k in keys.split(",") if k.strip()]:
            problems.append(f'The keymap gives {binding_id!r} no key; write it as "ctrl+n".')
        else:
            good[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    for place, items in places.items():
        owner: dict[str, str] = {}
        for binding in _bindings(items):
            keys = good.get(binding.id or "", binding.key)
            for key in (k.strip() for k in keys.split(",")):
                other = owner.setdefault(key, binding.id or binding.action)
                if other != (binding.id or binding.action) and (
                    other in good or binding.id in good
                ):
                    problems.append(
                        f"The keymap gives {key!r} to both {other!r} and "
                        f"{binding.id or binding.action!r} on {place}; neither change applies."
                    )
                    good.pop(other, None)
                    good.pop(binding.id or "", None)
    return good, list(dict.fromkeys(problems))
