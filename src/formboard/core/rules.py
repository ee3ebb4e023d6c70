"""The rules a value of the board must keep, and the record all the board's values are.

Plain functions, not a validation library: each field's rule cleans a value or raises
ValueError with the words said, and :class:`Record` makes ``formboard add`` start in a
fraction of the time a pydantic model took to import and build (issue 25). Import's file
models (pydantic, ``core.importing``) call the same ``clean_*`` rules.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import MISSING, field, fields, replace
from enum import StrEnum
from typing import Any, ClassVar, Self

TITLE_MAX = 200
TEXT_MAX = 20_000
CLIENT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


# C0 and C1 controls, DEL; newline and tab are allowed in free text only.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _no_controls(value: str, allow_newlines: bool) -> str:
    if _SURROGATE.search(value):  # argv bytes that were not UTF-8 (surrogateescape)
        raise ValueError("must be UTF-8 text (it holds bytes that are not)")
    bad = _CONTROL.search(value)
    if bad or (not allow_newlines and ("\n" in value or "\t" in value)):
        what = "control characters" if bad else "line breaks or tabs"
        raise ValueError(f"must not contain {what}")
    for ch in value:
        # Bidi overrides can disguise text on a shared screen.
        if (
            unicodedata.category(ch) == "Cf"
            and ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ):
            raise ValueError("must not contain text-direction override characters")
    return value


def clean_title(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > TITLE_MAX:
        raise ValueError(f"must be at most {TITLE_MAX} characters (it has {len(value)})")
    return _no_controls(value, allow_newlines=False)


def clean_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > TEXT_MAX:
        raise ValueError(f"must be at most {TEXT_MAX} characters (it has {len(value)})")
    return _no_controls(value, allow_newlines=True)


def clean_line(value: str) -> str:
    value = value.strip()
    if len(value) > TITLE_MAX:
        raise ValueError(f"must be at most {TITLE_MAX} characters (it has {len(value)})")
    return _no_controls(value, allow_newlines=False)


def clean_client_code(value: str) -> str:
    value = value.strip()
    if not CLIENT_CODE_RE.match(value):
        raise ValueError(
            "must be a pseudonymous code of letters, digits, '-', '_' or '.', "
            "up to 40 characters, such as C-0421"
        )
    return value


# ------------------------------------------------------------------ checking values
# Each field's one rule: the value it is cleaned to, or ValueError with the words said.


def is_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def one_of(kind: type[StrEnum]) -> Callable[[Any], Any]:
    names = [m.value for m in kind]
    said = f"must be {', '.join(names[:-1])} or {names[-1]}"

    def check(value: Any) -> Any:
        try:
            return kind(value)
        except ValueError:
            raise ValueError(said) from None

    return check


def or_none(rule: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else rule(value)


def a_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError("must be a number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def a_whole_number(value: Any) -> int:
    number = a_number(value)
    if number != int(number):
        raise ValueError("must be a whole number")
    return int(number)


def yes_or_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise ValueError("must be yes or no")


def not_blank(value: Any) -> str:
    text = clean_text(is_text(value))
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def cleaned_by(rule: Callable[[str], str]) -> Callable[[Any], str]:
    return lambda value: rule(is_text(value))


def cleaned_in_place(
    rules: dict[str, Callable[[Any], Any]], values: dict[str, Any], name: str
) -> tuple[str, str] | None:
    """``values[name]`` cleaned by its rule (if it has one), or (name, what is wrong)."""
    rule = rules.get(name)
    if rule is not None:
        try:
            values[name] = rule(values[name])
        except ValueError as exc:
            return name, str(exc)
    return None


class InvalidValues(ValueError):
    """Values a model refuses: (field, what is wrong) for each, in field order."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f} {m}" for f, m in errors))
        self.errors = errors


_FIELD_NAMES: dict[type, frozenset[str]] = {}  # each record's field names, once asked for


class Record:
    """A frozen record of the board's vocabulary (a slotted dataclass).

    Made as it is given (``model_construct``, and the plain constructor: the store's rows
    were checked on the way in); :meth:`checked` makes one from a person's input and
    refuses what a field's rule refuses. ``model_copy`` and ``model_dump`` are the shapes
    the rest of formboard reads, as they were when these were pydantic models.
    """

    __slots__ = ()
    _rules: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """One made from values as they were stored: a value this formboard has no field
        for (a column a newer formboard added) is left out, as pydantic's did."""
        known = _FIELD_NAMES.get(cls)
        if known is None:
            known = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
        if values.keys() <= known:
            return cls(**values)
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def checked(cls, **values: Any) -> Self:
        """One made from input: every field's rule applied, every refusal said at once."""
        cls.check(values)
        return cls(**values)

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        """Clean ``values`` in place by each field's rule; raise :class:`InvalidValues`."""
        errors = []
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        for name, spec in known.items():  # "from" and "to" of a link, as a file spells them
            if (alias := spec.metadata.get("alias")) in values and name not in values:
                values[name] = values.pop(alias)
        for name, spec in known.items():
            if name not in values:
                if spec.default is MISSING and spec.default_factory is MISSING:
                    errors.append((name, "is missing"))
            elif refused := cleaned_in_place(cls._rules, values, name):
                errors.append(refused)
        errors += [(name, "is not a field formboard knows") for name in values if name not in known]
        if errors:
            raise InvalidValues(errors)

    def model_copy(self, *, update: dict[str, Any]) -> Self:
        return replace(self, **update)  # type: ignore[type-var]

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Collection[str] | None = None,
        exclude: Collection[str] = (),
        by_alias: bool = False,
    ) -> dict[str, Any]:
        """The record as a dict (``mode="json"``: enums as their values, tuples as lists);
        fields kept out of exports (``problems``…) are left out, as are ``exclude``'d ones."""
        out: dict[str, Any] = {}
        for spec in fields(self):  # type: ignore[arg-type]
            name = spec.name
            if spec.metadata.get("exclude") or name in exclude:
                continue
            if include is not None and name not in include:
                continue
            key = spec.metadata.get("alias", name) if by_alias else name
            out[key] = _dumped(getattr(self, name), mode == "json")
        return out


def _dumped(value: Any, json: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(mode="json" if json else "python")
    if isinstance(value, tuple | list):
        items = [_dumped(v, json) for v in value]
        return items if json or isinstance(value, list) else tuple(items)
    if json and isinstance(value, StrEnum):
        return value.value
    return value


_KEPT_OUT = {"exclude": True}


def kept_out(default: Any = ()) -> Any:
    """A field ``model_dump`` leaves out: never exported (what is wrong with stored values,
    a board's meetings, the server's role of an op)."""
    return field(default=default, metadata=_KEPT_OUT)


def validation_sentence(exc: Exception, what: str = "") -> str:
    """Values a model refused (:class:`InvalidValues`) as one sentence naming the fields."""
    if not isinstance(exc, InvalidValues):
        return str(exc)
    parts = [f"{name.replace('_', ' ')} {said}" for name, said in exc.errors[:3]]
    more = len(exc.errors) - 3
    tail = f" (and {more} more problems)" if more > 0 else ""
    # "The card's title must not be empty."
    prefix = f"The {what}'s " if what else ""
    text = prefix + "; ".join(parts) + tail + "."
    return text[0].upper() + text[1:]
