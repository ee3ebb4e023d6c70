"""SHA-256 without loading OpenSSL.

``import hashlib`` loads OpenSSL's libcrypto (about 2.5 ms, on every command and every
start of the app); Python's own SHA-256 module gives the same digest at a tenth of that.
"""

from __future__ import annotations

from typing import Any

_sha256: Any
try:
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found,no-redef]  # 3.11
except ImportError:  # pragma: no cover - Python 3.12 and later name it _sha2
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:  # a Python built without it
        from hashlib import sha256 as _sha256


def hex_digest(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex (as ``hashlib.sha256(data).hexdigest()``)."""
    return str(_sha256(data).hexdigest())
