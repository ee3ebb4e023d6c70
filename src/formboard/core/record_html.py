"""The formulation for the record as one printable HTML page (``export --format html``).

The client code and title and when it was made; the five columns with every card that is
not archived — its title, status and domain, its text, the client's own words as a
quotation, and its perspectives grouped by discipline — then every link and every
maintaining cycle as a sentence, and the links as a diagram (``core/link_svg.py``). The
page is the note's page (``core/html_page.py``): the same look, no script, nothing
fetched, a confidential header on every printed page, and no client text in its title.
"""

from __future__ import annotations

from formboard.core import facts
from formboard.core.history import chain_line, last_changed, record_seal
from formboard.core.html_page import column_colours, h, h_block, page
from formboard.core.link_svg import DIAGRAM_CSS, diagram_svg, quoted_link
from formboard.core.meetings import upper_first
from formboard.core.model import Board, Card, Column, Op, now_iso

TAB_TITLE = "formboard: formulation"  # never client text (see html_page.py)

_CSS = """
.made { margin-top: 0; color: var(--muted); }
nav.contents { font-size: .9rem; } nav.contents a { color: inherit; }
h2 .swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px;
  margin-right: .4em; background: var(--col); vertical-align: -.05em;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.describes { margin-top: -.2rem; color: var(--muted); font-size: .9rem; }
article.card { border-left: 4px solid var(--col); padding: .05rem 0 .1rem .8rem;
  margin: .9rem 0; }
article.card h3 { margin-top: .3rem; }
.facts { margin: 0 0 .3rem; color: var(--muted); font-size: .9rem; }
.body { margin: .2rem 0; }
.words { margin: .4rem 0; } .words figcaption { font-size: .85rem; color: var(--muted); }
.words blockquote { font-style: italic; }
.views h4 { margin-bottom: 0; } .views ul { list-style: none; padding-left: .6rem; }
.views .who { font-weight: 600; }
section.diagram { margin-top: 2rem; }
figure.diagram { width: 96vw; margin: 1rem 0 1rem calc(50% - 48vw); }
figure.diagram svg { display: block; margin: 0 auto; max-width: 100%; height: auto; }
figure.diagram figcaption { max-width: 46rem; margin: .4rem auto 0; font-size: .9rem;
  color: var(--muted); }
@page diagram { size: A4 landscape; margin: 14mm 10mm 12mm; }
@media print {
  nav.contents { display: none; }
  .facts { break-before: avoid; }
  section.diagram { page: diagram; margin: 0; }
  figure.diagram { width: auto; margin: 0; }
  figure.diagram svg { width: 100%; max-height: 165mm; }
}
"""


def board_to_html(
    board: Board, *, made_at: str | None = None, last_change: Op | None = None
) -> str:
    """The board as one self-contained, printable HTML page (see the module's docstring);
    ``last_change``, the op log's newest entry, says when and by whom it last changed."""
    from formboard.core.graph import cycles  # networkx: only when a record is made

    found = cycles(board)
    shown = {c.id for c in board.cards if not c.archived}
    drawn = [lk for lk in board.links if lk.from_id in shown and lk.to_id in shown]
    titles = {c.id: c.title for c in board.cards}
    in_cycle = {
        pair
        for cycle in found
        for pair in zip(cycle.cards, [*cycle.cards[1:], cycle.cards[0]], strict=True)
    }
    heading = h(board.client) + (f" — {h(board.title)}" if board.title.strip() else "")
    made = facts.local_time(made_at or now_iso())
    archived = len(board.cards) - len(shown)
    changed = last_changed(last_change)
    summary = (
        f"Made {made}" + (f", from the board as last {h(changed)}" if changed else "") + ": "
        f"{facts.count(len(shown), 'card')}, "
        f"{facts.count(len(drawn), 'link')}, {facts.count(len(found), 'maintaining cycle')}."
    )
    if archived:
        summary += f" {facts.count(archived, 'archived card')} left out."
    body = [
        f"<h1>Formulation: {heading}</h1>",
        f'<p class="made">{summary}</p>',
        '<nav class="contents">'
        + " · ".join(f'<a href="#{c.value}">{c.label}</a>' for c in Column)
        + ' · <a href="#links">Links</a> · <a href="#cycles">Maintaining cycles</a>'
        ' · <a href="#diagram">Diagram</a></nav>',
    ]
    links = facts.link_counts(drawn)
    for column in Column:
        cards = board.column(column)
        body += [
            f'<section class="col-{column.value}">',
            f'<h2 id="{column.value}"><span class="swatch"></span>{column.label} '
            f'<span class="muted">({facts.count(len(cards), "card")})</span></h2>',
            f'<p class="describes">{h(upper_first(column.describes))}.</p>',
        ]
        body += [line for card in cards for line in _card(card, links[card.id])]
        if not cards:
            body.append("<p>No cards.</p>")
        body.append("</section>")
    body += [
        f'<h2 id="links">Links <span class="muted">({facts.count(len(drawn), "link")})</span></h2>'
    ]
    if drawn:
        body.append('<ul class="links">')
        for link in drawn:
            note = link.note.strip()
            said = f' <span class="muted">({h(note)})</span>' if note else ""
            body.append(f"<li>{h(quoted_link(link, titles))}.{said}</li>")
        body.append("</ul>")
    else:
        body.append("<p>No links between the cards shown.</p>")
    body.append(
        '<h2 id="cycles">Maintaining cycles '
        f'<span class="muted">({facts.count(len(found), "cycle")})</span></h2>'
    )
    if found:
        body.append('<ol class="cycles">')
        body += [f"<li>{h(facts.cycle_line(cycle, titles))}.</li>" for cycle in found]
        body.append("</ol>")
    else:
        body.append(
            "<p>None: no chain of maintains or triggers links comes back to where it started.</p>"
        )
    body += [
        '<section class="diagram">',
        '<h2 id="diagram">The links as a diagram</h2>',
        '<figure class="diagram">',
        diagram_svg(board, in_cycle),
        "<figcaption>Each card in its column; each arrow a link from one card to another,"
        " its kind written beside it. Heavier arrows are part of a maintaining cycle; dashed"
        " ones protect against, dotted ones relate to.</figcaption>",
        "</figure></section>",
    ]
    if chain_line(last_change):  # to hold the board to this page later
        body.append(f'<p class="history">{h(record_seal(chain_line(last_change)))}</p>')
    return page(
        tab_title=TAB_TITLE, client=board.client, body=body, css=_column_css() + _CSS + DIAGRAM_CSS
    )


def _column_css() -> str:
    """Each column's colour as ``--col`` for its section (a swatch, each card's edge)."""
    return "".join(f".col-{c.value} {{ --col: {hex_} }}\n" for c, hex_ in column_colours().items())


def _card(card: Card, links: int) -> list[str]:
    known = facts.card_facts(card, links)
    said = [known.status_word]
    if card.domain:
        said.append(str(card.domain))
    said += [facts.count(known.perspectives, "perspective"), facts.count(known.links, "link")]
    out = [
        '<article class="card">',
        f"<h3>{h(card.title)}</h3>",
        f'<p class="facts">{" · ".join(h(word) for word in said)}</p>',
    ]
    if card.body.strip():
        out.append(f'<p class="body">{h_block(card.body)}</p>')
    if card.client_words.strip():
        out += [
            '<figure class="words"><figcaption>In the client’s own words</figcaption>',
            f"<blockquote>{h_block(card.client_words)}</blockquote></figure>",
        ]
    disciplines: dict[str, list[str]] = {}
    for p in card.perspectives:
        who = h(p.author_name or p.author)
        text = h(p.text)
        written = p.updated_at or p.created_at  # a record's entries are dated
        when = f', <time datetime="{h(written)}">{h(facts.local_time(written))}</time>'
        disciplines.setdefault(p.discipline, []).append(
            f'<li><span class="who">{who}</span>{when if written else ""}: {text}</li>'
        )
    if disciplines:
        out.append('<div class="views">')
        for discipline, views in disciplines.items():
            out += [f"<h4>{h(upper_first(discipline))}</h4><ul>", *views, "</ul>"]
        out.append("</div>")
    out.append("</article>")
    return out
