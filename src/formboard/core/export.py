"""Boards out and in: a lossless, versioned JSON format, and markdown for reading.

The JSON format, version 1
==========================

One UTF-8 JSON object. ``board_to_dict`` writes it, ``board_from_json`` reads it, and
``formboard show --json`` prints the same object, so scripts have one contract::

    {
      "format": "formboard",          required, exactly this string
      "version": 1,                   required integer; files from a newer formboard are refused
      "client": "C-0421",             required pseudonymous client code
      "title": "...",                 optional one-line board title
      "revision": 12,                 written for information; ignored on import
      "exported_at": "...Z",          written for information (UTC); ignored on import
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
      "members": [{"login" (required), "name", "discipline", "initials"}]
    }

Ids are 1-40 lowercase letters, digits, ``-`` or ``_``. Enum values are read case-insensitively.
Keys not listed here are refused, so a typo never silently drops data. A rejected file gives
one sentence naming the field and the rule (``cards[3].title must not be empty``; indexes
count from 0) and never repeats the file's text, which may be clinical.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from formboard.core.errors import ImportRejected
from formboard.core.model import (
    Board,
    Card,
    ClientCode,
    Column,
    Domain,
    FreeText,
    Line,
    Link,
    LinkKind,
    Member,
    Perspective,
    Status,
    Title,
    now_iso,
)
from formboard.core.store import BoardStore, new_id

FORMAT_NAME = "formboard"
FORMAT_VERSION = 1
POSITION_STEP = 1024.0
COLUMN_ORDER = {column: index for index, column in enumerate(Column)}
_ID_RE = re.compile(r"^[0-9a-z][0-9a-z_-]{0,39}$")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
# Characters that are valid in JSON strings but could act on a terminal or disguise text.
_TERMINAL_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# ------------------------------------------------------------------ export


def ordered_cards(board: Board) -> list[Card]:
    """All cards, archived included, in board order: column order, then position, then id."""
    return sorted(board.cards, key=lambda c: (COLUMN_ORDER[c.column], c.position, c.id))


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
        "cards": [_card_dict(c) for c in ordered_cards(board)],
        "links": [link.model_dump(mode="json", by_alias=True) for link in board.links],
        "members": [
            m.model_dump(mode="json", include=MEMBER_KEYS)
            for m in sorted(board.members, key=lambda m: m.login)
        ],
    }


def board_to_json(board: Board) -> str:
    """The export object as indented UTF-8 JSON text that is safe to print to a terminal."""
    text = json.dumps(board_to_dict(board), ensure_ascii=False, indent=2)
    # These can only occur inside JSON strings, so escaping them keeps the JSON identical.
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def _md(text: str) -> str:
    """One line of client text with markdown's inline syntax escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _md_block(text: str, quote: bool = False) -> list[str]:
    lead = "> " if quote else ""
    return [f"{lead}{_md(line)}".rstrip() for line in text.splitlines()] + [""]


def board_to_markdown(board: Board) -> str:
    """A readable markdown document: columns as headings, cards, perspectives, links."""
    heading = f"# {_md(board.client)}" + (f" — {_md(board.title)}" if board.title else "")
    out = [heading, "", f"Revision {board.revision}, exported {now_iso()}.", ""]
    titles = {c.id: c.title for c in board.cards}
    for column in Column:
        cards = board.column(column)
        out += [f"## {column.label} ({_count(len(cards), 'card')})", ""]
        for card in cards:
            out += _md_card(card)
    archived = [c for c in ordered_cards(board) if c.archived]
    if archived:
        out += [f"## Archived ({_count(len(archived), 'card')})", ""]
        for card in archived:
            out += _md_card(card)
    if board.links:
        out += ["## Links", ""]
        for link in board.links:
            src = _md(titles.get(link.from_id, link.from_id))
            dst = _md(titles.get(link.to_id, link.to_id))
            note = f" ({_md(' '.join(link.note.split()))})" if link.note.strip() else ""
            out.append(f"- {src} {link.kind.phrase} {dst}.{note}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_card(card: Card) -> list[str]:
    facts = [card.status.label, *([card.domain.value] if card.domain else []), f"id {card.id}"]
    out = [f"### {_md(card.title)}", "", f"*{' · '.join(facts)}*", ""]
    if card.body.strip():
        out += _md_block(card.body)
    if card.client_words.strip():
        out += ["Client's words:", "", *_md_block(card.client_words, quote=True)]
    for p in card.perspectives:
        who = _md(p.author_name or p.author)
        text = " ".join(p.text.split())
        out.append(f"- **{_md(p.discipline)}** ({who}): {_md(text)}")
    if card.perspectives:
        out.append("")
    return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# -------------------------------------------------------- the file's models


def _lower(value: Any) -> Any:
    # Enum values are read case-insensitively; anything else is left to pydantic.
    return value.strip().lower() if isinstance(value, str) else value


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError("must be 1-40 lowercase letters, digits, '-' or '_'")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Id = Annotated[str, AfterValidator(_check_id)]
Name = Annotated[Line, AfterValidator(_not_blank)]
Rev = Annotated[int, Field(ge=1)]
Position = Annotated[float, Field(allow_inf_nan=False)]
ColumnIn = Annotated[Column, BeforeValidator(_lower)]
StatusIn = Annotated[Status, BeforeValidator(_lower)]
DomainIn = Annotated[Domain | None, BeforeValidator(_lower)]
KindIn = Annotated[LinkKind, BeforeValidator(_lower)]


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PerspectiveIn(_FileModel):
    """One perspective of a card, as written in the file."""

    id: Id | None = None
    author: Name
    author_name: Line = ""
    discipline: Name
    text: Annotated[FreeText, AfterValidator(_not_blank)]
    created_at: Line = ""
    updated_at: Line = ""
    rev: Rev = 1


class CardIn(_FileModel):
    """One card, as written in the file."""

    id: Id | None = None
    column: ColumnIn
    position: Position | None = None
    title: Title
    body: FreeText = ""
    client_words: FreeText = ""
    status: StatusIn = Status.HYPOTHESIS
    domain: DomainIn = None
    archived: bool = False
    rev: Rev = 1
    created_by: Line = ""
    created_at: Line = ""
    updated_by: Line = ""
    updated_at: Line = ""
    perspectives: list[PerspectiveIn] = []


class LinkIn(_FileModel):
    """One link, as written in the file; ``from`` and ``to`` are card ids of this file."""

    id: Id | None = None
    from_id: Id = Field(alias="from")
    to_id: Id = Field(alias="to")
    kind: KindIn
    note: FreeText = ""
    author: Line = ""
    created_at: Line = ""


class MemberIn(_FileModel):
    """One member, as written in the file."""

    login: Name
    name: Line = ""
    discipline: Line = ""
    initials: Line = ""


class ExportFile(_FileModel):
    """A whole version-1 export file."""

    format: Literal["formboard"]
    version: Literal[1]
    client: ClientCode
    title: Line = ""
    revision: Annotated[int, Field(ge=0)] | None = None
    exported_at: Line | None = None
    created_at: Line | None = None
    cards: list[CardIn]
    links: list[LinkIn] = []
    members: list[MemberIn] = []


# ------------------------------------------------------------------ import


def board_from_json(text: str, source: str) -> Board:
    """Validate an export file's text and build the Board it describes.

    ``source`` names the file in messages. Raises ImportRejected with one sentence that
    names the field and the rule, never the file's content.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"{source} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:
        raise ImportRejected(f"{source} is nested too deeply to be a formboard export.") from None
    _check_header(data, source)
    try:
        parsed = ExportFile.model_validate(data)
    except ValidationError as exc:
        raise ImportRejected(f"{source} cannot be imported: {_problems(exc)}") from None
    return _build_board(parsed, source)


def _check_header(data: Any, source: str) -> None:
    """Format and version first, so a newer file is named as such, not as a list of errors."""
    if not isinstance(data, dict):
        raise ImportRejected(f"{source} is not a formboard export: it is not a JSON object.")
    if data.get("format") != FORMAT_NAME:
        rule = "is required" if "format" not in data else f'must be "{FORMAT_NAME}"'
        raise ImportRejected(f"{source} is not a formboard export: format {rule}.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        rule = "is required" if "version" not in data else "must be a whole number"
        raise ImportRejected(f"{source} cannot be imported: version {rule}.")
    if version > FORMAT_VERSION:
        raise ImportRejected(
            f"{source} was written by a newer formboard (format version {version}; this one "
            f"reads up to {FORMAT_VERSION}); update formboard to import it."
        )
    if version < 1:
        raise ImportRejected(f"{source} cannot be imported: version must be {FORMAT_VERSION}.")


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            # An unknown key from the file: show it escaped and short, never raw.
            out += f"[{json.dumps(part[:40])}]"
    return out or "the file"


def _rule(err: Any) -> str:
    kind, msg = err["type"], err["msg"]
    fixed = {
        "missing": "is required",
        "extra_forbidden": "is not a field of the formboard format",
        "model_type": "must be a JSON object",
        "model_attributes_type": "must be a JSON object",
        "dict_type": "must be a JSON object",
        "list_type": "must be a list",
        "string_type": "must be text",
        "finite_number": "must be a finite number",
    }
    if kind in fixed:
        return fixed[kind]
    msg = msg.removeprefix("Value error, ")
    for lead in ("Input should", "Value should", "String should", "List should"):
        if msg.startswith(lead):
            return "should" + msg[len(lead) :]
    return msg[:1].lower() + msg[1:]


def _problems(exc: ValidationError) -> str:
    errors = exc.errors()
    parts = [f"{_path(tuple(e['loc']))} {_rule(e)}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more problems)" if len(errors) > 3 else ""
    return "; ".join(parts) + more + "."


def _first_repeat(entries: list[tuple[str, Hashable]]) -> tuple[str, str] | None:
    """The first entry whose key an earlier entry already had: (its path, the earlier path)."""
    seen: dict[Hashable, str] = {}
    for where, key in entries:
        if key is not None and key in seen:
            return where, seen[key]
        seen.setdefault(key, where)
    return None


def _check_references(parsed: ExportFile) -> str | None:
    """The first problem no single field shows: repeated ids, links to unknown cards."""
    cards, links = list(enumerate(parsed.cards)), list(enumerate(parsed.links))
    perspectives = [(f"cards[{i}].perspectives[{j}].id", p.id)
                    for i, c in cards for j, p in enumerate(c.perspectives)]  # fmt: skip
    unique = (
        ([(f"cards[{i}].id", c.id) for i, c in cards], "ids must be unique"),
        (perspectives, "ids must be unique"),
        ([(f"links[{i}].id", lk.id) for i, lk in links], "ids must be unique"),
        ([(f"members[{i}].login", m.login) for i, m in enumerate(parsed.members)],
         "logins must be unique"),
        ([(f"links[{i}]", (lk.from_id, lk.to_id, lk.kind)) for i, lk in links],
         "a link joins two cards once per kind"),
    )  # fmt: skip
    for entries, rule in unique:
        if repeat := _first_repeat(entries):
            return f"{repeat[0]} repeats {repeat[1]}; {rule}"
    card_ids = {c.id for c in parsed.cards}
    for i, lk in links:
        for end, ref in (("from", lk.from_id), ("to", lk.to_id)):
            if ref not in card_ids:
                return f"links[{i}].{end} must be the id of a card in this file"
        if lk.from_id == lk.to_id:
            return f"links[{i}] links a card to itself; from and to must differ"
    return None


def _fresh_id(taken: set[str]) -> str:
    while (candidate := new_id()) in taken:
        pass
    taken.add(candidate)
    return candidate


def _build_board(parsed: ExportFile, source: str) -> Board:
    if problem := _check_references(parsed):
        raise ImportRejected(f"{source} cannot be imported: {problem}.")
    given = [c.id for c in parsed.cards] + [lk.id for lk in parsed.links]
    given += [p.id for c in parsed.cards for p in c.perspectives]
    taken = {eid for eid in given if eid}
    cards: list[Card] = []
    last_position: dict[Column, float] = {}
    for card_in in parsed.cards:
        card_id = card_in.id or _fresh_id(taken)
        position = card_in.position
        if position is None:
            # Order of appearance: after the previous card of the same column.
            position = last_position.get(card_in.column, 0.0) + POSITION_STEP
        last_position[card_in.column] = max(last_position.get(card_in.column, position), position)
        fields = card_in.model_dump(exclude={"id", "position", "perspectives"})
        perspectives = tuple(
            Perspective(
                **p.model_dump(exclude={"id"}), id=p.id or _fresh_id(taken), card_id=card_id
            )
            for p in card_in.perspectives
        )
        cards.append(Card(**fields, id=card_id, position=position, perspectives=perspectives))
    links = tuple(
        Link(**lk.model_dump(exclude={"id"}), id=lk.id or _fresh_id(taken)) for lk in parsed.links
    )
    members = tuple(Member(**m.model_dump()) for m in parsed.members)
    return Board(
        client=parsed.client, title=parsed.title, cards=tuple(cards), links=links, members=members
    )


def read_export(path: Path) -> Board:
    """Read and validate an export file; ImportRejected with one sentence if it can't be."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportRejected(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise ImportRejected(f"{path} is a folder, not an export file.") from None
    except PermissionError:
        raise ImportRejected(f"You do not have permission to read {path}.") from None
    except OSError as exc:
        raise ImportRejected(f"{path} could not be read ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(f"{path} is not JSON (it is not UTF-8 text).") from None
    return board_from_json(text, str(path))


def import_board(source: Path | str, board_path: Path | str, **store_kwargs: Any) -> BoardStore:
    """Create a new board at ``board_path`` holding the export file at ``source``.

    The file is validated before anything is created; the board is then created and
    filled in one op. If that fails the half-made board is removed. Returns the open
    store (the caller closes it). BoardExists if ``board_path`` is taken. Whoever imports
    joins the board's members, as with any first write.
    """
    board = read_export(Path(source).expanduser())
    store = BoardStore.create(board_path, board.client, board.title, **store_kwargs)
    try:
        store.load_board(board)
    except BaseException:
        made = [store.path, store.sidecar_path, store.path.with_name(store.path.name + "-journal")]
        store.close()
        for path in made:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return store
