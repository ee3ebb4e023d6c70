"""A board with hostile text in every field: markup, code, quotes, entities, control
characters and text-direction overrides, as another program could have stored them.

Every export (Mermaid, DOT, HTML) must show all of it as text (test_graph.py, and a real
browser in test_html_browser.py).
"""

from __future__ import annotations

from formboard.core.model import Board, Card, Column, Domain, Link, LinkKind, Perspective, Status

M = LinkKind.MAINTAINS

HOSTILE = [
    "<script>alert(1)</script>",
    "</svg><img src=x onerror=alert(1)>",
    'Quote " and back\\slash ]] --> x',
    "Ctrl \x1b[31mred\x1b[0m \u202eevil",
    "%% mermaid comment\nclick c_1 call x()",
    "[bold]x[/] &amp; it's \x07 \u2066isolate\u2069 </style>",
]


def hostile_board() -> Board:
    """Hostile text in every field an export writes: titles, text, the client's words,
    perspectives (author, name, discipline, text), link notes, domain, client and title,
    made with model_construct as another program could have stored them."""
    n = len(HOSTILE)
    cards = tuple(
        Card.model_construct(
            id=f"h{i}", column=list(Column)[i % 5], position=float(i), title=t, archived=False,
            body=f"{t}\n{HOSTILE[(i + 1) % n]}", client_words=HOSTILE[(i + 2) % n],
            status=Status.HYPOTHESIS, domain=HOSTILE[(i + 3) % n] if i % 2 else Domain.PSYCH,
            perspectives=(
                Perspective.model_construct(
                    id=f"p{i}", card_id=f"h{i}", author=HOSTILE[(i + 4) % n],
                    author_name=HOSTILE[(i + 5) % n] if i % 2 else "",
                    discipline=HOSTILE[(i + 1) % n], text=HOSTILE[(i + 3) % n],
                ),
            ),
        )
        for i, t in enumerate(HOSTILE)
    )  # fmt: skip
    links = tuple(
        Link.model_construct(
            id=f"l{i}", from_id=f"h{i}", to_id=f"h{(i + 1) % n}", kind=M, note=HOSTILE[i]
        )
        for i in range(n)
    )
    return Board.model_construct(
        client=HOSTILE[3], title=HOSTILE[5], revision=7, cards=cards, links=links, members=()
    )
