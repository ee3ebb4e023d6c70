"""The printable HTML page every record shares: the meeting note and the formulation.

One self-contained file: an inline stylesheet, no script, nothing fetched (no fonts,
images or links to load), so it opens the same on a ward PC with no network and prints
the same from any browser. The page title never holds client text (a browser shows it in
tabs, history and window lists); "Confidential — <client code>" heads the page on screen
and every printed page. Every piece of board text is made visible (core/text.py) and
then escaped, so a title that looks like markup or code is shown as text.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterable
from functools import cache

from formboard.core.model import Column
from formboard.core.text import one_line, visible

PAPER_THEME = "formboard-light"  # the column colours on paper: the light theme's
INK = "#1F2328"  # the page's text colour: a column the theme file does not colour
_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CSS_PLAIN = re.compile(r"[A-Za-z0-9 .,_-]")

CSS = (
    (f"\n:root {{ --ink: {INK}; --muted: #57606A; --rule: #D0D7DE; --paper: #FFFFFF; }}\n")
    + """body { font: 11pt/1.45 system-ui, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink);
  background: var(--paper); max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
.confidential { font-size: .8rem; letter-spacing: .05em; color: var(--muted);
  border-bottom: 1px solid var(--rule); padding-bottom: .3rem; margin: 0 0 1rem; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .3rem; } h4 { font-size: .9rem; margin: .6rem 0 .2rem; }
.column, .muted { font-weight: normal; color: var(--muted); }
ul, ol { margin: .2rem 0; padding-left: 1.3rem; } li { margin: .15rem 0; }
blockquote { margin: .3rem 0 .8rem 1rem; padding-left: .6rem; border-left: 3px solid #888; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h1, h2, h3, h4 { break-after: avoid; }
  li, blockquote { break-inside: avoid; }
}
"""
)


def h(text: str) -> str:
    """One line of board text, visible and escaped for HTML text or a quoted attribute."""
    return html.escape(one_line(visible(text)), quote=True)


def h_block(text: str) -> str:
    """Free text (line breaks kept as <br>), visible and escaped."""
    return "<br>".join(h(line) for line in visible(text).strip().splitlines())


def css_string(text: str) -> str:
    """Text as a double-quoted CSS string: everything but letters, digits, spaces and
    ``.,_-`` as a six-digit escape, so no quote, backslash or ``</style>`` can end it."""
    shown = one_line(visible(text))
    return '"' + "".join(c if _CSS_PLAIN.match(c) else f"\\{ord(c):06x} " for c in shown) + '"'


def _print_header(client: str) -> str:
    """@page rules: margins, and "Confidential — <client>" at the top of every printed page.

    The page's own first line says it on the first page, so the margin box starts on the
    second; a browser without margin boxes still prints the first.
    """
    said = css_string(f"Confidential — {client}")
    return (
        "@page { size: A4; margin: 18mm 15mm 16mm;"
        f' @top-center {{ content: {said}; font: 8.5pt system-ui, "DejaVu Sans", sans-serif;'
        " color: #57606A; } }\n"
        "@page :first { @top-center { content: none; } }\n"
    )


def page(*, tab_title: str, client: str, body: Iterable[str], css: str = "") -> str:
    """A whole HTML document: ``tab_title`` is fixed text, never the client's (see above).

    ``client`` is the client code for the confidential header; ``body`` the page's HTML,
    already escaped; ``css`` the page's own rules after the shared ones.
    """
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{html.escape(tab_title)}</title>",
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<style>{CSS}{css}{_print_header(client)}</style></head><body>",
                f'<p class="confidential">Confidential — {h(client)}</p>',
                *body,
                "</body></html>",
            ]
        )
        + "\n"
    )


@cache
def column_colours() -> dict[Column, str]:
    """Each column's colour on paper: the light theme file's ``[columns]``, read without
    Textual (never a copy of it).

    A colour that is not ``#RRGGBB`` (it goes into a stylesheet), or a theme file that
    cannot be read, leaves that column in the page's ink.
    """
    from formboard.shipped import shipped_dir

    colours = dict.fromkeys(Column, INK)
    folder = shipped_dir("themes")
    try:
        if folder is not None:
            chosen = tomllib.loads((folder / f"{PAPER_THEME}.toml").read_text("utf-8"))
            for column in Column:
                value = chosen.get("columns", {}).get(column.value)
                if isinstance(value, str) and _HEX_COLOUR.match(value):
                    colours[column] = value
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        pass  # ink, as above
    return colours
