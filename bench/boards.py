"""The fictional boards the app benchmarks run on (bench_tui.py, bench_live.py).

Card ids are ``c000000000``, ``c000000001``, ... dealt across the five columns in
turn, so card ``5 * k`` is the (k+1)-th card of Symptoms.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

# Fictional, clinical-sounding text: titles of 3–8 words, bodies of a sentence or two.
WORDS = (
    "panic",
    "sleep",
    "work",
    "mother",
    "father",
    "sister",
    "partner",
    "shift",
    "early",
    "late",
    "morning",
    "night",
    "chest",
    "breath",
    "heart",
    "worry",
    "anger",
    "guilt",
    "shame",
    "school",
    "church",
    "choir",
    "friend",
    "colleague",
    "manager",
    "office",
    "car",
    "park",
    "kitchen",
    "phone",
    "message",
    "silence",
    "crowd",
    "meeting",
    "weekend",
    "holiday",
    "train",
    "loss",
    "move",
    "migration",
    "illness",
    "hospital",
    "doctor",
    "nurse",
    "grandmother",
    "brother",
    "child",
    "team",
    "humour",
    "music",
    "walking",
    "cycling",
    "garden",
    "diary",
    "prayer",
    "kindness",
    "standards",
    "critic",
    "habit",
    "tension",
    "tiredness",
    "appetite",
    "drinking",
    "coffee",
    "avoidance",
    "checking",
    "apology",
    "deadline",
    "rent",
)
OPENERS = (
    "She notices",
    "He describes",
    "They remember",
    "The team wonders whether",
    "Since the spring",
    "On shift days",
    "When she is alone",
    "Her sister says",
)
DISCIPLINES = ("psychology", "psychiatry", "nursing", "social work", "somatic therapy")
PEOPLE = (("ana", "Ana Ruiz"), ("ben", "Ben Okafor"), ("chidi", "Chidi Mensah"))


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return f"{rng.choice(OPENERS)} {text}."


def realistic_board(cards: int, seed: int = 421) -> Any:
    """A generated board that reads like a real one: short titles, a line or two of body,
    some client words, a few perspectives, about one link for every two cards."""
    from formboard.core.model import Board, Card, Column, Link, LinkKind, Perspective, Status

    rng = random.Random(seed)
    columns = list(Column)
    made = []
    for i in range(cards):
        card_id = f"c{i:09d}"
        perspectives = tuple(
            Perspective(
                id=f"p{i:07d}{k}",
                card_id=card_id,
                author=PEOPLE[k % len(PEOPLE)][0],
                author_name=PEOPLE[k % len(PEOPLE)][1],
                discipline=rng.choice(DISCIPLINES),
                text=" ".join(sentence(rng, rng.randint(6, 14)) for _ in range(2)),
            )
            for k in range(rng.choice((0, 0, 1, 1, 2, 3)))
        )
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
        body = " ".join(sentence(rng, rng.randint(6, 16)) for _ in range(rng.randint(1, 2)))
        made.append(
            Card(
                id=card_id,
                column=columns[i % len(columns)],
                position=float(i // len(columns) + 1) * 1024,
                title=title,
                body=body,
                client_words=sentence(rng, rng.randint(5, 10)) if rng.random() < 0.3 else "",
                status=rng.choice((Status.HYPOTHESIS, Status.AGREED, Status.AGREED)),
                perspectives=perspectives,
            )
        )
    links = tuple(
        Link(
            id=f"l{j:09d}",
            from_id=made[rng.randrange(cards)].id,
            to_id=made[rng.randrange(cards)].id,
            kind=rng.choice(list(LinkKind)),
        )
        for j in range(cards // 2)
    )
    links = tuple(link for link in links if link.from_id != link.to_id)
    return Board(client="C-BENCH", title="Benchmark", cards=tuple(made), links=links)


def board_with(folder: Path, name: str, cards: int) -> Path:
    """A new board file ``<folder>/<name>.board`` holding ``realistic_board(cards)``."""
    from formboard.core.store import BoardStore

    path = folder / f"{name}.board"
    with BoardStore.create(path, "C-BENCH", "Benchmark") as store:
        store.load_board(realistic_board(cards))
    return path
