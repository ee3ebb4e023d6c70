"""`formboard check` for a board file: one line per check, each with what to do.

Checks: the file opens as a board, SQLite's quick_check and integrity_check, the schema
version and revision, every row's values (a value another program stored, an orphaned
perspective or link: each with its fix), the write lease (free, or held by whom, for how
long, and whether it went stale), the sidecar ``<board>.rev`` and the backups. They reach
the lease, the sidecar and SQLite's own checks, so they belong to this backend; callers
ask ``Store.check()`` or, for a board that may not open, ``check_board(location)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formboard.core.errors import FormboardError
from formboard.core.facts import local_time
from formboard.core.store import health, outside
from formboard.core.store.backups import backup_folder, backups_of, verified_backups
from formboard.core.store.files import read_sidecar_revision
from formboard.core.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from formboard.core.store.board_store import BoardStore
    from formboard.core.store.pg_store import PgStore


@dataclass(frozen=True)
class Check:
    """The outcome of one check: its name, whether it passed, and a sentence."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """``name: ok — detail`` or ``name: FAILED — detail``."""
        return f"{self.name}: {'ok' if self.ok else 'FAILED'} — {self.detail}"


def checks_of(store: BoardStore) -> list[Check]:
    """Every check on an open board (``BoardStore.check``)."""
    integrity = _integrity(store)
    found = [Check("file", True, f"{store.path} opens as a formboard board."), integrity]
    revision, schema = _meta(store, store.path)
    found.append(schema)
    if integrity.ok:  # a damaged file's rows are not worth reading
        found += _rows(store, str(store.path))
        found += [Check(*line) for line in store.history_checks(store.location)]
    found.append(_lease(store))
    found.append(_sidecar(store, revision))
    found.append(_backups(store.path))
    return found


def server_checks(store: PgStore) -> list[Check]:
    """Every check on a board on a server (``PgStore.check``): which board and schema, its
    settings and values, its op log's chain and what this computer saw of it."""
    _, meta = _meta(store, store.location)
    return [
        Check("server", True, f"the board {store.board_code} at {store.location}"),
        Check("schema", True, f"{store.schema} (pg_dump -n {store.schema} backs it up alone)"),
        *([] if meta.ok else [meta]),
        *_rows(store, store.location),
        *(Check(*line) for line in store.history_checks(store.location)),
    ]


def restore_hint(board_path: Path) -> str:
    """Where the newest backup that passes its check is, and how to put it back."""
    newest = verified_backups(board_path)
    if not newest:
        if backups_of(board_path):
            return "Restore a backup (none of those on this computer passes its check)."
        return "Restore a backup (none were taken on this computer)."
    return (
        f"Restore the newest backup: close formboard everywhere, then copy {newest[0]} "
        f"over {board_path}."
    )


def _backups(board_path: Path) -> Check:
    kept = verified_backups(board_path)
    broken = len(backups_of(board_path)) - len(kept)
    if broken:
        return Check(
            "backups",
            False,
            f"{broken} backup(s) in {backup_folder(board_path)} fail their check (an "
            "interrupted or failed backup); they are never offered for restoring.",
        )
    if not kept:
        detail = (
            "none yet: the app takes one when it opens the board; `formboard backup` takes one now."
        )
        return Check("backups", True, detail)
    newest = local_time(kept[0].stat().st_mtime)
    return Check(
        "backups", True, f"{len(kept)} kept in {kept[0].parent}, the newest from {newest}."
    )


def _integrity(store: BoardStore) -> Check:
    quick = store.quick_check()
    if quick is not None:
        return Check(
            "integrity", False, f"quick_check reports: {quick}. {restore_hint(store.path)}"
        )
    first = store.integrity_check()
    if first is not None:
        return Check(
            "integrity", False, f"integrity_check reports: {first}. {restore_hint(store.path)}"
        )
    return Check("integrity", True, "quick_check and integrity_check say ok.")


def _meta(store: BoardStore | PgStore, where: object) -> tuple[int | None, Check]:
    try:
        meta = store.meta()
    except FormboardError as exc:
        return None, Check("schema", False, f"the board's settings cannot be read ({exc}).")
    broken = health.meta_problems(meta)
    if broken:
        said = "; ".join(f"its {p.field} {p.detail}" for p in broken)
        return None, Check(
            "schema", False,
            f"{said} (changed outside formboard); it opens read-only until "
            f"`formboard repair {where}` puts it back.",
        )  # fmt: skip
    version, revision = int(meta["schema_version"]), int(meta["revision"])
    if version > SCHEMA_VERSION:
        detail = (
            f"version {version} is newer than this formboard knows ({SCHEMA_VERSION}); "
            "it opens read-only: update formboard to edit it."
        )
        return revision, Check("schema", False, detail)
    if version < SCHEMA_VERSION:
        detail = f"version {version}; it is upgraded to {SCHEMA_VERSION} when opened writable."
        return revision, Check("schema", True, detail)
    return revision, Check("schema", True, f"version {version}, revision {revision}.")


_SHOWN_PROBLEMS = 20


def _rows(store: BoardStore | PgStore, where: str) -> list[Check]:
    """One failed line per value another program stored that formboard would not have:
    under "rows" (cards, perspectives, links, members), "op log" and "meetings"."""
    try:  # the schema version and revision: see _meta
        found = [p for p in store.problems() if (p.entity, p.entity_id) != ("board", "meta")]
    except FormboardError as exc:  # damaged or busy: the integrity line says which
        return [Check("rows", False, f"the rows could not be read: {exc}")]
    log = [p for p in found if p.entity in outside.LOG_ENTITIES]
    meetings = [p for p in found if p.entity in outside.MEETING_ENTITIES]
    rows = [p for p in found if p not in log and p not in meetings]
    return [
        *_lines(where, "rows", rows, "every card, perspective and link holds values formboard knows."),
        *_lines(where, "op log", log, "every op holds its values as formboard wrote them."),
        *_lines(where, "meetings", meetings, "every meeting and who came hold values formboard knows."),
    ]  # fmt: skip


def _lines(where: str, name: str, found: list[health.Problem], ok: str) -> list[Check]:
    if not found:
        return [Check(name, True, ok)]
    lines = [Check(name, False, p.sentence(where)) for p in found[:_SHOWN_PROBLEMS]]
    if len(found) > _SHOWN_PROBLEMS:
        more = len(found) - _SHOWN_PROBLEMS
        lines.append(Check(name, False, f"and {more} more; fix these and check again."))
    return lines


def _lease(store: BoardStore) -> Check:
    lease = store.lease
    holder = lease.holder()
    if holder is None:
        if lease.lock_dir.exists():
            detail = "a lock folder without a readable owner: a writer is starting, or crashed."
            return Check("write lease", True, detail)
        return Check("write lease", True, "free.")
    held_for = max(0.0, time.time() - holder.acquired_at)
    detail = f"held by {holder.label()} for {held_for:.0f} s"
    idle = time.time() - holder.renewed_at if holder.renewed_at else 0.0
    stale = holder.gone_from_this_host() or idle > lease.ttl
    if stale and not lease.removable():
        return Check("write lease", False, f"{detail}. {lease.stuck_sentence(holder)}")
    if holder.gone_from_this_host():
        detail += "; its program on this computer has ended: the next write takes it over"
    elif idle > lease.ttl:
        detail += (
            f"; stale (not renewed for {idle:.0f} s): the next write "
            f"takes it over once it has seen no renewal for {lease.ttl:.0f} s"
        )
    return Check("write lease", True, detail + ".")


def _sidecar(store: BoardStore, revision: int | None) -> Check:
    path = store.sidecar_path
    side = read_sidecar_revision(store.path)
    if side is None:
        if not path.exists():
            detail = f"{path.name} is missing; the next write recreates it."
            return Check("sidecar", False, detail)
        return Check("sidecar", False, f"{path.name} cannot be read; the next write replaces it.")
    if revision is not None and side != revision:
        logged = store.logged_revision()
        if logged == revision:  # every change is in the log: a formboard write stopped early
            why = "a formboard write ended before updating it (a crash or a lost connection)"
        else:
            why = f"something wrote without formboard (the op log reaches revision {logged})"
        detail = (
            f"{path.name} says revision {side} but the board is at {revision}: {why}; "
            "the next write corrects it."
        )
        return Check("sidecar", False, detail)
    return Check("sidecar", True, f"{path.name} is at revision {side}.")
