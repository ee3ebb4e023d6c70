"""Boards out: a lossless, versioned JSON format, and markdown for reading.

Reading a file back in (validation, import into a new board) is ``importing.py``.

The JSON format, version 1
==========================

One UTF-8 JSON object. ``board_to_dict`` writes it, ``importing.board_from_json`` reads it, and
``formboard show --json`` prints the same object, so scripts have one contract::

    {
      "format": "formboard",          required, exactly this string
      "version": 1,                   required integer; files from a newer formboard are refused
      "client": "C-0421",             required pseudonymous client code
      "title": "...",                 optional one-line board title
      "revision": 12,                 written for information; ignored on import
      "exported_at": "...Z",          written for information (UTC); ignored on import
      "history": {"op": 17, "revision": 12, "hash": "3f2a..."}
                                      `export` only: the op log's chain head when it was made,
                                      for `formboard check BOARD --record FILE`; ignored on import
      "cards": [                      required list, in board order: column, position, id
        {"id": "...",                 optional on import (a new one is made), unique
         "column": "symptoms",        required: symptoms|sources|qualities|resources|relationships
         "position": 1024.0,          optional: without it, after the column's previous card
         "title": "...",              required, 1-200 characters, one line
         "body": "", "client_words": "",             free text, newlines allowed
         "status": "hypothesis",      hypothesis|agreed|retired
         "domain": null,              null or bio|psych|social|cultural|spiritual
         "archived": false, "rev": 1,
         "created_by": "", "created_at": "", "updated_by": "", "updated_at": "",
         "perspectives": [
           {"id", "author" (required), "author_name", "discipline" (required),
            "text" (required), "created_at", "updated_at", "rev"}]}],
      "links": [                      optional: typed, directed links between cards of this file
        {"id", "from" (card id), "to" (card id), "kind" (triggers|maintains|protects-against|
         predisposes|gives-meaning-to|relates-to), "note", "author", "created_at"}],
      "members": [{"login" (required), "name", "discipline", "initials"}],
      "cycles": [{"cards", "kinds", "sentence"}]   `show --json` only: the maintaining
                                      cycles it found (core/graph.py); ignored on import
    }

Ids are 1-40 lowercase letters, digits, ``-`` or ``_``. Enum values are read case-insensitively.
Keys not listed here are refused, so a typo never silently drops data. A rejected file gives
one sentence naming the field and the rule (``cards[3].title must not be empty``; indexes
count from 0) and never repeats the file's text, which may be clinical.
"""

from __future__ import annotations

import json
import re
from typing import Any

from formboard.core import facts
from formboard.core.history import chain_line, last_changed, record_seal
from formboard.core.model import Board, Card, Column, Op, now_iso
from formboard.core.text import json_safe, visible

FORMAT_NAME = "formboard"
FORMAT_VERSION = 1
POSITION_STEP = 1024.0
ID_RE = re.compile(r"^[0-9a-z][0-9a-z_-]{0,39}$")
PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
# Characters that are valid in JSON strings but could act on a terminal or disguise text.


# ------------------------------------------------------------------ export


# The keys of version 1, pinned here so a new model field never changes the format unseen.
CARD_KEYS = {
    "id", "column", "position", "title", "body", "client_words", "status", "domain",
    "archived", "rev", "created_by", "created_at", "updated_by", "updated_at",
}  # fmt: skip
PERSPECTIVE_KEYS = {
    "id", "author", "author_name", "discipline", "text", "created_at", "updated_at", "rev"
}  # fmt: skip
MEMBER_KEYS = {"login", "name", "discipline", "initials"}


def _card_dict(card: Card) -> dict[str, Any]:
    out = card.model_dump(mode="json", include=CARD_KEYS)
    out["perspectives"] = [
        p.model_dump(mode="json", include=PERSPECTIVE_KEYS) for p in card.perspectives
    ]
    return out


def board_to_dict(board: Board, *, exported_at: str | None = None) -> dict[str, Any]:
    """The board as the version-1 export object (also the ``show --json`` contract)."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "client": board.client,
        "title": board.title,
        "revision": board.revision,
        "exported_at": exported_at or now_iso(),
        "cards": [_card_dict(c) for c in facts.ordered_cards(board)],
        "links": [link.model_dump(mode="json", by_alias=True) for link in board.links],
        "members": [
            m.model_dump(mode="json", include=MEMBER_KEYS)
            for m in sorted(board.members, key=lambda m: m.person)
        ],
    }


def board_to_json(board: Board, last_change: Op | None = None) -> str:
    """The export object as indented UTF-8 JSON text that is safe to print to a terminal;
    with ``last_change`` (the op log's newest entry), its link in the hash chain."""
    exported = board_to_dict(board)
    if last_change is not None and last_change.hash:
        exported["history"] = {
            "op": last_change.seq, "revision": last_change.revision, "hash": last_change.hash
        }  # fmt: skip
    return json_safe(json.dumps(exported, ensure_ascii=False, indent=2)) + "\n"


def md_line(text: str) -> str:
    """One line of client text, made visible (core/text.py), markdown's syntax escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", visible(text))


def _md_block(text: str, quote: bool = False) -> list[str]:
    lead = "> " if quote else ""
    return [f"{lead}{md_line(line)}".rstrip() for line in text.splitlines()] + [""]


def board_to_markdown(board: Board, last_change: Op | None = None) -> str:
    """A readable markdown document: columns as headings, cards, perspectives, links.

    ``last_change``, the op log's newest entry, says when and by whom the board last changed.
    """
    heading = f"# {md_line(board.client)}" + (f" — {md_line(board.title)}" if board.title else "")
    changed = last_changed(last_change)
    made = f"Exported {facts.local_time(now_iso())}" + (
        f", from the board as last {md_line(changed)}." if changed else "."
    )
    out = [heading, "", made, ""]
    if chain_line(last_change):
        out += [record_seal(chain_line(last_change)), ""]
    titles = {c.id: c.title for c in board.cards}
    links = facts.link_counts(board.links)
    for column in Column:
        cards = board.column(column)
        out += [f"## {column.label} ({facts.count(len(cards), 'card')})", ""]
        for card in cards:
            out += _md_card(card, links[card.id])
    archived = [c for c in facts.ordered_cards(board) if c.archived]
    if archived:
        out += [f"## Archived ({facts.count(len(archived), 'card')})", ""]
        for card in archived:
            out += _md_card(card, links[card.id])
    if board.links:
        out += ["## Links", ""]
        for link in board.links:
            first, words, second = facts.link_titles(link, titles, ids=True)
            note = f" ({md_line(' '.join(link.note.split()))})" if link.note.strip() else ""
            out.append(f"- {md_line(first)} {words} {md_line(second)}.{note}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_card(card: Card, links: int) -> list[str]:
    known = facts.card_facts(card, links)
    said = [known.status_word, *([known.domain.value] if known.domain else []), f"id {card.id}"]
    out = [f"### {md_line(card.title)}", "", f"*{' · '.join(said)}*", ""]
    if card.body.strip():
        out += _md_block(card.body)
    if card.client_words.strip():
        out += ["Client's words:", "", *_md_block(card.client_words, quote=True)]
    for p in card.perspectives:
        who = md_line(p.author_name or p.author)
        text = " ".join(p.text.split())
        out.append(f"- **{md_line(p.discipline)}** ({who}): {md_line(text)}")
    if card.perspectives:
        out.append("")
    return out
