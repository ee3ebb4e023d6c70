"""JSON export and import: a lossless round trip, and rejections that name the field only."""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formboard.core.errors import BoardExists, ImportRejected
from formboard.core.export import board_to_dict, board_to_json, board_to_markdown
from formboard.core.facts import ordered_cards
from formboard.core.importing import board_from_json, import_board
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
from formboard.core.store import BoardStore

# ---------------------------------------------------------------- strategies

ODD_TEXTS = [
    "[b]x[/b]",
    "[@click=app.quit]x",
    "[red]alarm[/red]",
    "Panic 😱 at work 🧠",
    "שלום עולם",
    "مرحبا بالعالم",
    "e\u0301 \u200f mark",
    "𝕏 \u2028 line separator",
    "<script>alert(1)</script>",
    "*bold* _u_ `code` # not a heading | pipe",
    '"quoted" \\ backslash',
]
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CHAR = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=_BIDI)


def _line(max_size: int = 60, min_size: int = 0) -> st.SearchStrategy[str]:
    """One line of text: odd samples or generated characters, stripped as the model does."""
    raw = st.one_of(st.sampled_from(ODD_TEXTS), st.text(_CHAR, max_size=max_size))
    return raw.map(str.strip).filter(lambda s: min_size <= len(s) <= max(max_size, 40))


def _free_text() -> st.SearchStrategy[str]:
    chars = st.one_of(_CHAR, st.sampled_from("\n\t"))
    return st.one_of(st.just(""), st.sampled_from(ODD_TEXTS), st.text(chars, max_size=80))


_ID = st.text("0123456789abcdefghjkmnpqrstvwxyz", min_size=3, max_size=10)
_STAMP = st.sampled_from(["", "2026-11-27T00:15:50.010Z", "2025-01-02T03:04:05.000Z"])


@st.composite
def boards(draw: st.DrawFn) -> Board:
    """A valid board: cards with perspectives, links between distinct cards, members."""
    card_ids = draw(st.lists(_ID, min_size=1, max_size=6, unique=True))
    perspective_ids = iter(draw(st.lists(_ID, min_size=12, max_size=12, unique=True)))
    cards = []
    for card_id in card_ids:
        perspectives = tuple(
            Perspective(
                id=next(perspective_ids),
                card_id=card_id,
                author=draw(st.sampled_from(["ana", "bo", "root"])),
                author_name=draw(_line(30)),
                discipline=draw(_line(30, min_size=1)),
                text=draw(_free_text().filter(str.strip)),
                created_at=draw(_STAMP),
                updated_at=draw(_STAMP),
                rev=draw(st.integers(1, 5)),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        cards.append(
            Card(
                id=card_id,
                column=draw(st.sampled_from(list(Column))),
                position=draw(st.floats(-1e6, 1e6, allow_nan=False)),
                title=draw(_line(200, min_size=1)),
                body=draw(_free_text()),
                client_words=draw(_free_text()),
                status=draw(st.sampled_from(list(Status))),
                domain=draw(st.none() | st.sampled_from(list(Domain))),
                archived=draw(st.booleans()),
                rev=draw(st.integers(1, 9)),
                created_by=draw(st.sampled_from(["ana", "bo"])),
                created_at=draw(_STAMP),
                updated_by=draw(st.sampled_from(["ana", "bo"])),
                updated_at=draw(_STAMP),
                perspectives=perspectives,
            )
        )
    links = []
    if len(card_ids) > 1:
        triples = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(card_ids), st.sampled_from(card_ids), st.sampled_from(LinkKind)
                ).filter(lambda t: t[0] != t[1]),
                max_size=4,
                unique=True,
            )
        )
        link_ids = draw(st.lists(_ID, min_size=len(triples), max_size=len(triples), unique=True))
        for link_id, (src, dst, kind) in zip(link_ids, triples, strict=True):
            links.append(
                Link(
                    id=link_id,
                    from_id=src,
                    to_id=dst,
                    kind=kind,
                    note=draw(_free_text()),
                    author="ana",
                    created_at=draw(_STAMP),
                )
            )
    logins = draw(st.lists(st.sampled_from(["ana", "bo", "cy"]), max_size=3, unique=True))
    members = tuple(
        Member(login=login, name=draw(_line(30)), discipline=draw(_line(30)), initials="XY")
        for login in logins
    )
    title = draw(_line(80))
    return Board(client="C-0421", title=title, cards=tuple(cards), links=tuple(links),
                 members=members)  # fmt: skip


def comparable(board: Board, skip_members: bool = False) -> dict[str, Any]:
    """Everything a round trip must keep: all but the revision, export time and last_seen."""
    return {
        "client": board.client,
        "title": board.title,
        "cards": [c.model_dump() for c in ordered_cards(board)],
        "links": sorted((lk.model_dump() for lk in board.links), key=lambda d: d["id"]),
        "members": []
        if skip_members
        else sorted((m.model_dump(exclude={"last_seen"}) for m in board.members), key=str),
    }


# ---------------------------------------------------------------- round trip


@settings(max_examples=150, deadline=None)
@given(boards())
def test_json_round_trip_keeps_every_field_of_every_card_perspective_link_and_member(
    board: Board,
) -> None:
    text = board_to_json(board)
    back = board_from_json(text, "board.json")
    assert comparable(back) == comparable(board)
    assert json.loads(text)["cards"] == json.loads(board_to_json(back))["cards"]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(boards())
def test_export_then_import_through_board_files_gives_the_same_board(board: Board) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first = Path(folder) / "first.board"
        with BoardStore.create(first, board.client, board.title) as store:
            store.load_board(board)
            original = store.board()
        exported = Path(folder) / "export.json"
        exported.write_text(board_to_json(original), encoding="utf-8")
        with import_board(exported, Path(folder) / "second.board") as again:
            imported = again.board()
    assert comparable(imported) == comparable(original)


def make_hand_board(path: Path) -> Board:
    """A small board built with the real ops: edits, moves, archive, perspectives, links."""
    with BoardStore.create(path, "C-0421", "Hand-made [b]board[/b]") as store:
        panic = store.add_card("symptoms", "Panic at work 😱", client_words="I can't breathe")
        office = store.add_card("sources", "Avoiding the office", body="Line one\n\tindented")
        sister = store.add_card("resources", "Sister, weekly calls", domain="social")
        gone = store.add_card("qualities", "[@click=app.quit]x")
        store.edit_card(panic.id, status="agreed", domain="psych")
        store.move_card(sister.id, "symptoms", before=panic.id)
        store.archive_card(gone.id)
        store.add_perspective(panic.id, "Panic disorder, moderate.", discipline="psychiatry")
        store.add_perspective(panic.id, "Held in the body: shallow breath.", discipline="somatic")
        store.add_link(office.id, panic.id, "maintains", note="avoidance keeps it going")
        store.add_link(sister.id, panic.id, "protects-against")
        return store.board()


def test_hand_made_board_survives_export_and_import(board_path: Path, tmp_path: Path) -> None:
    original = make_hand_board(board_path)
    exported = tmp_path / "hand.json"
    exported.write_text(board_to_json(original), encoding="utf-8")
    with import_board(exported, tmp_path / "copy.board") as store:
        imported = store.board()
        ops = store.ops()
    assert comparable(imported) == comparable(original)
    assert [c.archived for c in ordered_cards(imported)].count(True) == 1
    # The whole import is one op in the log: one (client, sequence) pair.
    assert len({(op.client_id, op.client_seq) for op in ops}) == 1


def test_export_object_holds_the_show_json_contract(board_path: Path) -> None:
    data = board_to_dict(make_hand_board(board_path))
    assert {"format", "version", "client", "title", "revision", "cards", "links", "members"} <= set(
        data
    )
    card_keys = {"id", "column", "position", "title", "body", "client_words", "status", "domain"}
    card_keys |= {"rev", "created_by", "updated_by", "updated_at", "archived", "perspectives"}
    assert all(card_keys <= set(card) for card in data["cards"])
    assert all({"id", "from", "to", "kind", "note", "author"} <= set(lk) for lk in data["links"])
    columns = [card["column"] for card in data["cards"]]
    assert columns == sorted(columns, key=[c.value for c in Column].index)


def test_json_text_escapes_characters_that_could_act_on_a_terminal() -> None:
    card = Card(id="abc", column=Column.SYMPTOMS, position=1.0, title="a\u2028b")
    text = board_to_json(Board(client="C-1", cards=(card,)))
    assert "\u2028" not in text and "\\u2028" in text
    assert board_from_json(text, "x.json").cards[0].title == "a\u2028b"


def test_missing_ids_and_positions_follow_the_order_of_appearance() -> None:
    text = json.dumps(
        {
            "format": "formboard",
            "version": 1,
            "client": "C-7",
            "cards": [
                {"column": "Symptoms", "title": "first"},
                {"column": "sources", "title": "elsewhere"},
                {"id": "c3", "column": "symptoms", "title": "second"},
                {"id": "c4", "column": "symptoms", "title": "third", "perspectives": [
                    {"author": "ana", "discipline": "nursing", "text": "seen"}]},
            ],
            "links": [{"from": "c4", "to": "c3", "kind": "Relates-To"}],
        }
    )  # fmt: skip
    board = board_from_json(text, "hand.json")
    symptoms = board.column(Column.SYMPTOMS)
    assert [c.title for c in symptoms] == ["first", "second", "third"]
    assert [c.position for c in symptoms] == [1024.0, 2048.0, 3072.0]
    assert board.column(Column.SOURCES)[0].position == 1024.0
    assert len({c.id for c in board.cards}) == 4 and all(c.id for c in board.cards)
    assert board.links[0].kind is LinkKind.RELATES_TO and board.links[0].id
    assert board.cards[3].perspectives[0].card_id == "c4"


def test_markdown_has_columns_cards_perspectives_and_link_sentences(board_path: Path) -> None:
    text = board_to_markdown(make_hand_board(board_path))
    assert "## Symptoms (2 cards)" in text and "## Archived (1 card)" in text
    assert "### Panic at work 😱" in text
    assert "**psychiatry** (Ana Lima): Panic disorder, moderate." in text
    assert "- Avoiding the office maintains Panic at work 😱. (avoidance keeps it going)" in text
    assert "\\[@click=app.quit\\]x" in text  # markup-like text is escaped, not live


def test_the_markdown_record_says_when_and_by_whom_the_board_changed(board_path: Path) -> None:
    with BoardStore.create(board_path, "C-0421") as store:
        store.add_card("symptoms", "Poor sleep")
        newest = store.ops_page(limit=1)[0]
        board = store.board()
    text = board_to_markdown(board, newest)
    assert re.search(
        r"Exported \d{4}-\d\d-\d\d \d\d:\d\d, from the board as last changed "
        rf"\d{{4}}-\d\d-\d\d \d\d:\d\d by {re.escape(store.identity.name)}\.",
        text,
    )
    assert "Revision" not in text
    # Its seal to hold the board to it later, in words (was "History: op 3, chain head …").
    assert re.search(r"This record was made at history entry \d+, sealed [0-9a-f]{64}", text)
    assert not re.search(r"\bop \d|chain head", text)


# ---------------------------------------------------------------- rejections

SECRET = "Zebra"  # in every piece of client text below; never in a message


def good_file() -> dict[str, Any]:
    return {
        "format": "formboard",
        "version": 1,
        "client": "C-0421",
        "title": f"{SECRET} board",
        "cards": [
            {"id": "a1", "column": "symptoms", "title": f"{SECRET} panic", "body": SECRET},
            {"id": "b2", "column": "sources", "title": f"{SECRET} office"},
            {"id": "c3", "column": "resources", "title": f"{SECRET} sister"},
            {"id": "d4", "column": "qualities", "title": f"{SECRET} pride", "perspectives": [
                {"author": "ana", "discipline": "psychology", "text": f"{SECRET} reading"}]},
        ],
        "links": [{"id": "l1", "from": "b2", "to": "a1", "kind": "maintains", "note": SECRET}],
        "members": [{"login": "ana", "name": "Ana Lima"}],
    }  # fmt: skip


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = data
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return change


_DELETE = object()

REJECTIONS = {
    "wrong format": (_set("format", "trello"), 'format must be "formboard"'),
    "newer version": (_set("version", 2), "written by a newer formboard"),
    "missing title": (_set("cards.1.title", _DELETE), "cards[1].title is required"),
    "empty title": (_set("cards.3.title", "   "), "cards[3].title must not be empty"),
    "title too long": (_set("cards.0.title", SECRET * 41), "cards[0].title must be at most 200"),
    "control characters": (
        _set("cards.2.title", f"{SECRET}\x1b[31m"),
        "cards[2].title must not contain control characters",
    ),
    "unknown card in link": (
        _set("links.0.to", "zz9"),
        "links[0].to must be the id of a card in this file",
    ),
    "self link": (_set("links.0.to", "b2"), "links[0] links a card to itself"),
    "unknown kind": (_set("links.0.kind", "causes"), "links[0].kind should be 'triggers'"),
    "duplicate card ids": (_set("cards.2.id", "a1"), "cards[2].id repeats cards[0].id"),
    "unknown column": (_set("cards.0.column", "worries"), "cards[0].column should be"),
    "unknown field": (_set("cards.0.colour", SECRET), "cards[0].<an unknown field> is not a"),
    "perspective without discipline": (
        _set("cards.3.perspectives.0.discipline", _DELETE),
        "cards[3].perspectives[0].discipline is required",
    ),
    "missing cards": (_set("cards", _DELETE), "cards is required"),
    "bad client code": (_set("client", "Jane Doe"), "client must be a pseudonymous code"),
}


@pytest.mark.parametrize("case", list(REJECTIONS), ids=list(REJECTIONS))
def test_rejected_file_names_the_field_and_rule_but_no_client_text(case: str) -> None:
    change, expected = REJECTIONS[case]
    data = copy.deepcopy(good_file())
    change(data)
    with pytest.raises(ImportRejected) as caught:
        board_from_json(json.dumps(data), "export.json")
    message = str(caught.value)
    assert expected in message
    assert SECRET not in message and "\n" not in message and message.endswith(".")


def test_the_good_file_itself_is_accepted() -> None:
    board = board_from_json(json.dumps(good_file()), "export.json")
    assert len(board.cards) == 4 and board.links[0].from_id == "b2"


def test_text_that_is_not_json_names_line_and_column() -> None:
    text = '{\n  "format": "formboard",\n  Zebra: 1\n}'
    with pytest.raises(ImportRejected, match=r"export\.json is not JSON \(line 3, column 3: "):
        board_from_json(text, "export.json")


def test_json_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(ImportRejected, match="not a JSON object"):
        board_from_json('["Zebra"]', "export.json")


def test_unknown_keys_from_the_file_are_named_by_place_never_by_their_text() -> None:
    for key in ("\x1b[2J wipe", "Client disclosed abuse at home in March", "abuse"):
        data = good_file()
        data["cards"][0][key] = 1
        with pytest.raises(ImportRejected) as caught:
            board_from_json(json.dumps(data), "export.json")
        said = str(caught.value)
        assert "\x1b" not in said and "wipe" not in said and "disclosed" not in said
        assert "cards[0].<an unknown field> is not a field" in said


def test_import_into_an_existing_file_changes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(good_file()), encoding="utf-8")
    target = tmp_path / "taken.board"
    target.write_bytes(b"someone's file")
    with pytest.raises(BoardExists):
        import_board(source, target)
    assert target.read_bytes() == b"someone's file"


def test_a_failed_import_leaves_no_half_made_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(good_file()), encoding="utf-8")

    def fail(self: BoardStore, board: Board) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(BoardStore, "load_board", fail)
    with pytest.raises(OSError):
        import_board(source, tmp_path / "half.board")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json"]


def test_binary_file_is_not_json(tmp_path: Path) -> None:
    source = tmp_path / "photo.json"
    source.write_bytes(b"\xff\xd8\xff\xe0 not text")
    with pytest.raises(ImportRejected, match="is not JSON"):
        import_board(source, tmp_path / "x.board")
    assert not (tmp_path / "x.board").exists()
