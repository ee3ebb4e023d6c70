"""Text made safe for a terminal or a text export: one rule for every path (DESIGN §6).

Board text is data. A board written by another program (the sqlite3 shell) or a file
name can hold control characters and text-direction overrides; sent to a terminal they
reset it, set its title or reorder what it shows. Every path from such text to a
terminal, a text export or JSON goes through here: C0 controls become their visible
"control pictures" (ESC is ␛), DEL, C1 controls and direction overrides become U+FFFD.
Tab and newline stay in free text; :func:`one_line` folds them.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")
# In JSON text: json.dumps already escapes C0 inside strings (and the newlines of its
# indentation must stay); the rest, and line separators, are escaped here.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def visible(text: str) -> str:
    """Free text with every control and direction-override character made visible."""
    return UNSAFE.sub(_picture, text)


def one_line(text: str) -> str:
    """Text for one line: line breaks and tabs folded to spaces, then made visible."""
    return visible(_LINE_BREAKS.sub(" ", text)).strip()


def first_line(text: str) -> str:
    """The first non-empty line of a free text, stripped (not yet made visible)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def json_safe(text: str) -> str:
    """Text from ``json.dumps`` with the characters above written as ``\\uXXXX`` escapes.

    They can only stand inside JSON strings, so the JSON means exactly the same.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
