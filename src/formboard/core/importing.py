"""Boards in: reading a version-1 export file (see export.py for the format) and importing it.

A rejected file gives one sentence naming the field and the rule and never repeats the
file's text, which may be clinical.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
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
from formboard.core.export import FORMAT_NAME, FORMAT_VERSION, ID_RE, PLAIN_KEY, POSITION_STEP
from formboard.core.model import (
    Board,
    Card,
    Column,
    Domain,
    Link,
    LinkKind,
    Member,
    Perspective,
    Status,
)
from formboard.core.person import person_key
from formboard.core.rules import clean_client_code, clean_line, clean_text, clean_title
from formboard.core.store import Store, create_store, new_id

# -------------------------------------------------------- the file's models

# The board's own rules for text (``core.model``), as pydantic types for the file's models.
Title = Annotated[str, AfterValidator(clean_title)]
FreeText = Annotated[str, AfterValidator(clean_text)]
Line = Annotated[str, AfterValidator(clean_line)]
ClientCode = Annotated[str, AfterValidator(clean_client_code)]


def _lower(value: Any) -> Any:
    # Enum values are read case-insensitively; anything else is left to pydantic.
    return value.strip().lower() if isinstance(value, str) else value


def _check_id(value: str) -> str:
    if not ID_RE.match(value):
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
    # `show --json` adds the maintaining cycles it found; they are worked out, not kept.
    cycles: list[dict[str, Any]] | None = None
    # `export` adds the op log's chain head, to hold the board to later; not kept either.
    history: dict[str, Any] | None = None


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
        elif PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            # An unknown key from the file may be client text: say where, never what.
            out += ".<an unknown field>"
    return out or "the file"


def _where(err: Any) -> str:
    """Where an error is; an unknown key is the file's own text, so only its place is said."""
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden" and loc:
        inside = _path(loc[:-1])
        return f"{inside if loc[:-1] else 'the file'}.<an unknown field>"
    return _path(loc)


def _rule(err: Any) -> str:
    kind, msg = str(err["type"]), str(err["msg"])
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
    parts = [f"{_where(e)} {_rule(e)}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more problems)" if len(errors) > 3 else ""
    return "; ".join(parts) + more + "."


def _first_repeat(entries: Sequence[tuple[str, Hashable]]) -> tuple[str, str] | None:
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
        ([(f"members[{i}]", person_key(m.login, m.name)) for i, m in enumerate(parsed.members)],
         "a member is one login and name"),
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


def import_board(source: Path | str, board_path: Path | str, **store_kwargs: Any) -> Store:
    """Create a new board at ``board_path`` holding the export file at ``source``.

    The file is validated before anything is created; the board is then created and
    filled in one op. If that fails the half-made board is removed. Returns the open
    store (the caller closes it). BoardExists if ``board_path`` is taken. Whoever imports
    joins the board's members, as with any first write.
    """
    board = read_export(Path(source).expanduser())
    store = create_store(board_path, board.client, board.title, **store_kwargs)
    try:
        store.load_board(board)
    except BaseException:
        store.discard()  # the half-made board goes
        raise
    return store
