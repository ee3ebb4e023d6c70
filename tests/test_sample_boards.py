"""The fictional sample boards: valid, rich enough to demo, and loadable into a real board."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from formboard.core.importing import board_from_json
from formboard.core.model import Board, Card, Column, Link, LinkKind, Member, Perspective
from formboard.core.store import BoardStore

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "sample_boards").glob("*.json"))
ID = re.compile(r"^[0-9abcdefghjkmnpqrstvwxyz]{10}$")
# Rich/Textual markup opens with "[" then a letter, "#", "/" or "@".
MARKUP_LIKE = re.compile(r"\[[a-z#/@][^\]]*\]")


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def board_from_models(data: dict[str, Any]) -> Board:
    """Validate a sample through the core models directly, as an import would."""
    cards = []
    for raw in data["cards"]:
        fields = {k: v for k, v in raw.items() if k != "perspectives"}
        perspectives = tuple(
            Perspective.checked(**p, card_id=raw["id"]) for p in raw["perspectives"]
        )
        cards.append(Card.checked(**fields, perspectives=perspectives))
    return Board(
        client=data["client"],
        title=data["title"],
        cards=tuple(cards),
        links=tuple(Link.checked(**link) for link in data["links"]),
        members=tuple(Member.checked(**member) for member in data["members"]),
    )


def test_at_least_two_fictional_clients_ship() -> None:
    clients = [read(path)["client"] for path in SAMPLES]
    assert len(clients) >= 2 and len(set(clients)) == len(clients)
    assert all(re.fullmatch(r"C-\d{4}", client) for client in clients)


@pytest.fixture(params=SAMPLES, ids=lambda p: p.stem)
def sample(request: pytest.FixtureRequest) -> dict[str, Any]:
    return read(request.param)


def test_a_sample_is_a_version_1_formboard_export(sample: dict[str, Any]) -> None:
    assert sample["format"] == "formboard" and sample["version"] == 1
    assert set(sample) == {"format", "version", "client", "title", "cards", "links", "members"}


def test_a_sample_validates_through_the_core_models(sample: dict[str, Any]) -> None:
    board = board_from_models(sample)
    assert board.client == sample["client"]
    assert len(board.cards) == len(sample["cards"])
    assert len(board.links) == len(sample["links"])


def test_a_sample_validates_through_the_export_reader_too() -> None:
    for path in SAMPLES:
        board = board_from_json(path.read_text(encoding="utf-8"), path.name)
        assert board == board_from_models(read(path)), path.name


def test_a_sample_covers_the_whole_person(sample: dict[str, Any]) -> None:
    cards = sample["cards"]
    assert 25 <= len(cards) <= 40
    assert {card["column"] for card in cards} == {column.value for column in Column}
    for column in Column:  # resources and relationships as rich as the symptoms
        assert sum(card["column"] == column.value for card in cards) >= 5, column
    assert {card["status"] for card in cards} == {"hypothesis", "agreed", "retired"}
    assert {card["domain"] for card in cards} >= {"bio", "psych", "social", "cultural", "spiritual"}
    assert sum(bool(card["client_words"].strip()) for card in cards) >= 5


def test_a_sample_holds_readings_from_several_disciplines(sample: dict[str, Any]) -> None:
    perspectives = [p for card in sample["cards"] for p in card["perspectives"]]
    assert len({p["discipline"] for p in perspectives}) >= 3
    members = {m["login"]: m for m in sample["members"]}
    for p in perspectives:
        assert p["author"] in members
        assert p["discipline"] == members[p["author"]]["discipline"]
    # At least one card read side by side from three disciplines.
    assert max(len({p["discipline"] for p in c["perspectives"]}) for c in sample["cards"]) >= 3


def test_a_samples_links_connect_its_own_cards_in_several_ways(sample: dict[str, Any]) -> None:
    card_ids = {card["id"] for card in sample["cards"]}
    links = sample["links"]
    assert len(links) >= 15
    kinds = Counter(link["kind"] for link in links)
    assert len(kinds) >= 4 and set(kinds) <= {kind.value for kind in LinkKind}
    for link in links:
        assert link["from"] in card_ids and link["to"] in card_ids
        assert link["from"] != link["to"]
    assert has_cycle(links), "a formulation should show at least one maintaining cycle"


def has_cycle(links: list[dict[str, Any]]) -> bool:
    graph: dict[str, list[str]] = {}
    for link in links:
        graph.setdefault(link["from"], []).append(link["to"])

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, []):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    return any(reaches(node, node, {node}) for node in graph)


def test_a_samples_ids_and_positions_are_well_formed(sample: dict[str, Any]) -> None:
    cards = sample["cards"]
    ids = [card["id"] for card in cards]
    ids += [p["id"] for card in cards for p in card["perspectives"]]
    ids += [link["id"] for link in sample["links"]]
    assert all(ID.match(i) for i in ids)
    assert len(ids) == len(set(ids))
    for column in Column:
        positions = [card["position"] for card in cards if card["column"] == column.value]
        assert positions == [1024.0 * n for n in range(1, len(positions) + 1)], column
    for card in cards:
        assert "\n" not in card["title"] and len(card["title"]) <= 200
        assert card["body"].strip()
        assert card["updated_at"] >= card["created_at"]


def test_a_sample_keeps_us_honest_about_markup(sample: dict[str, Any]) -> None:
    assert any(MARKUP_LIKE.search(card["title"]) for card in sample["cards"])


def test_a_sample_names_no_one_real(sample: dict[str, Any]) -> None:
    logins = {m["login"] for m in sample["members"]}
    assert logins <= {"ana", "ben", "chidi", "dara", "eli", "fen", "gus", "hana"}
    for card in sample["cards"]:
        assert card["created_by"] in logins and card["updated_by"] in logins


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_loads_into_a_real_board_and_reads_back_the_same(
    tmp_path: Path, path: Path
) -> None:
    data = read(path)
    board = board_from_models(data)
    store = BoardStore.create(tmp_path / "x.board", board.client, board.title)
    try:
        store.load_board(board)
        back = store.board()
    finally:
        store.close()
    assert (back.client, back.title) == (board.client, board.title)
    assert len(back.cards) == len(board.cards)
    assert len(back.links) == len(board.links)
    # Nothing is lost or altered on the way through the file: every field of every card,
    # perspective and link reads back as it went in.
    assert as_comparable(back.cards) == as_comparable(board.cards)
    assert set(back.links) == set(board.links)
    assert {m.login for m in board.members} <= {m.login for m in back.members}


def as_comparable(cards: tuple[Card, ...]) -> dict[str, dict[str, Any]]:
    """Cards by id with perspectives in id order, so storage order does not matter."""
    result = {}
    for card in cards:
        dumped = card.model_dump(mode="json")
        dumped["perspectives"] = sorted(dumped["perspectives"], key=lambda p: p["id"])
        result[card.id] = dumped
    return result
