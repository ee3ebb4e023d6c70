"""The links as a diagram for people who keep diagrams elsewhere: Mermaid and Graphviz DOT.

Cards are grouped by column, links are labelled with their kind in words. Every piece of
board text is made visible (``core/text.py``) and then escaped for the format, so a
title that looks like markup or code is shown as text, never read as either.
"""

from __future__ import annotations

import re

from formboard.core.facts import ordered_cards
from formboard.core.model import Board, Column
from formboard.core.text import one_line, visible

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 ]")


def _node(card_id: str) -> str:
    """A node name from a card id (ids are letters, digits, - and _)."""
    return "c_" + re.sub(r"[^A-Za-z0-9_]", "_", card_id)


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: every character but letters, digits and spaces
    as an entity code (#35;), so quotes, brackets, markdown and HTML stay text."""
    shown = one_line(visible(text))
    return "".join(ch if _MERMAID_SAFE.match(ch) else f"#{ord(ch)};" for ch in shown)


def board_to_mermaid(board: Board) -> str:
    """A Mermaid flowchart: a subgraph per column, a labelled arrow per link."""
    cards = [c for c in ordered_cards(board) if not c.archived]
    shown = {c.id for c in cards}
    out = ["flowchart LR"]
    for column in Column:
        members = [c for c in cards if c.column is column]
        if not members:
            continue
        out.append(f'  subgraph {column.value}["{_mermaid_text(column.label)}"]')
        out += [f'    {_node(c.id)}["{_mermaid_text(c.title)}"]' for c in members]
        out.append("  end")
    for link in board.links:
        if link.from_id in shown and link.to_id in shown:
            kind = _mermaid_text(link.kind.phrase)
            out.append(f'  {_node(link.from_id)} -- "{kind}" --> {_node(link.to_id)}')
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    """Text for a double-quoted DOT string: backslashes and quotes escaped, one line."""
    return one_line(visible(text)).replace("\\", "\\\\").replace('"', '\\"')


def board_to_dot(board: Board) -> str:
    """A Graphviz digraph: a cluster per column, a labelled edge per link."""
    cards = [c for c in ordered_cards(board) if not c.archived]
    shown = {c.id for c in cards}
    out = ["digraph formboard {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for column in Column:
        members = [c for c in cards if c.column is column]
        if not members:
            continue
        out.append(f"  subgraph cluster_{column.value} {{")
        out.append(f'    label="{_dot_text(column.label)}";')
        out += [f'    {_node(c.id)} [label="{_dot_text(c.title)}"];' for c in members]
        out.append("  }")
    for link in board.links:
        if link.from_id in shown and link.to_id in shown:
            out.append(
                f"  {_node(link.from_id)} -> {_node(link.to_id)} "
                f'[label="{_dot_text(link.kind.phrase)}"];'
            )
    out.append("}")
    return "\n".join(out) + "\n"
