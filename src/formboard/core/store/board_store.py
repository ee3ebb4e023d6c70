"""BoardStore: the one door to a board file.

Every write is an op: one ``BEGIN IMMEDIATE`` transaction inside the write
lease that changes rows, appends to the op log and bumps ``meta.revision``
(triggers bump it, so writers that bypass formboard bump it too). After commit
the sidecar ``<board>.rev`` is replaced so viewers on network drives notice.
Not thread-safe: one store per thread (the TUI's write worker owns its own).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from formboard.core.changes import ChangeSet
from formboard.core.errors import (
    BoardCorrupt,
    BoardExists,
    BoardLocked,
    BoardNotFound,
    BoardReadOnly,
    InvalidInput,
    NotABoard,
)
from formboard.core.filesystem import is_network_drive
from formboard.core.identity import Identity, current_identity
from formboard.core.lock import LeaseInfo, LeaseOwner, WriteLease, private_mode, write_atomically
from formboard.core.model import (
    Board,
    Card,
    CardEdit,
    Column,
    Domain,
    LinkKind,
    Member,
    Op,
    Perspective,
    Status,
    clean_client_code,
    clean_line,
    clean_text,
    now_iso,
    validation_sentence,
)
from formboard.core.store import feed, ops, rows, schema
from formboard.core.store.writes import (
    AMBIGUOUS_COMMIT_RETRIES,
    AmbiguousCommit,
    OpFn,
    Record,
    leased,
    run_transaction,
)

_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id() -> str:
    """A short random id: 10 lowercase base32 characters (~50 bits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def column_of(value: Column | str) -> Column:
    """A Column from its name, or InvalidInput listing the five."""
    try:
        return Column(str(value).strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in Column)
        raise InvalidInput(f"Unknown column {value!r}; the columns are: {names}.") from None


class BoardStore:
    """Create, open, read and write one board file."""

    def __init__(
        self,
        path: Path | str,
        *,
        identity: Identity | None = None,
        read_only: bool = False,
        lease_ttl: float | None = None,
        lock_wait: float | None = None,
        on_lock_wait: Callable[[LeaseInfo | None, float], None] | None = None,
        _create: tuple[str, str] | None = None,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.identity = identity or current_identity()
        self.client_id = secrets.token_hex(8)
        self.read_only_reason: str | None = "it was opened read-only" if read_only else None
        self.on_lock_wait = on_lock_wait
        self.network = is_network_drive(self.path)
        owner = LeaseOwner(
            login=self.identity.login,
            name=self.identity.name,
            host=self.identity.host,
            pid=os.getpid(),
            uuid=self.client_id,
        )
        self.lease = WriteLease(self.path, owner, ttl=lease_ttl, wait=lock_wait)
        self._conn: sqlite3.Connection | None = None
        self._sqlite_mode = "rw"
        self._client_seq = 0
        self._member_recorded = False
        if _create is not None:
            self._create_file(*_create)
        else:
            self._open_existing()

    # ------------------------------------------------------------- opening

    @classmethod
    def create(cls, path: Path | str, client: str, title: str = "", **kwargs: Any) -> BoardStore:
        """Create a new board file; BoardExists if a file is already there."""
        try:
            client = clean_client_code(client)
        except ValueError as exc:
            raise InvalidInput(f"The client code {exc}.") from None
        try:
            title = clean_line(title)
        except ValueError as exc:
            raise InvalidInput(f"The board title {exc}.") from None
        return cls(path, _create=(client, title), **kwargs)

    @classmethod
    def open(cls, path: Path | str, **kwargs: Any) -> BoardStore:
        """Open an existing board: BoardNotFound, NotABoard or BoardCorrupt if it can't be."""
        return cls(path, **kwargs)

    def _connect(self, mode: str | None = None) -> sqlite3.Connection:
        uri = self.path.as_uri() + f"?mode={mode or self._sqlite_mode}"
        conn = sqlite3.connect(
            uri,
            uri=True,
            isolation_level=None,
            timeout=schema.BUSY_TIMEOUT_S,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        try:
            schema.configure(conn)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _create_file(self, client: str, title: str) -> None:
        folder = self.path.parent
        if not folder.is_dir():
            raise BoardNotFound(f"The folder {folder} does not exist; create it first.")
        file_mode, _ = private_mode(folder)
        try:
            # Create the file ourselves so it is owner-only from its first byte.
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode))
        except FileExistsError:
            raise BoardExists(f"{self.path} already exists; choose another name.") from None
        except PermissionError:
            raise BoardReadOnly(
                f"Cannot create a board in {folder}: it is not writable for you."
            ) from None
        try:
            self._conn = self._connect("rwc")
            with leased(self.lease, self.on_lock_wait):
                self.conn.execute("BEGIN IMMEDIATE")
                schema.create_schema(self.conn, client, title, new_id(), now_iso())
                self.conn.execute("COMMIT")
            self._write_sidecar(0)
        except BaseException:
            self.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise

    def _open_existing(self) -> None:
        path = self.path
        if not path.exists():
            raise BoardNotFound(f"There is no board at {path}.")
        if path.is_dir():
            raise NotABoard(f"{path} is a folder, not a board file.")
        if path.stat().st_size == 0:
            raise NotABoard(f"{path} is an empty file, not a formboard board.")
        if not os.access(path, os.R_OK):
            raise BoardReadOnly(f"You do not have permission to read {path}.")
        if not os.access(path, os.W_OK):
            self.read_only_reason = "the board file is read-only for you"
            self._sqlite_mode = "ro"
        elif not os.access(path.parent, os.W_OK):
            self.read_only_reason = "its folder is read-only for you (SQLite needs a journal there)"
        try:
            self._conn = self._connect()
            meta = self._meta()
        except sqlite3.DatabaseError as exc:
            self.close()
            if "not a database" in str(exc) or "encrypted" in str(exc):
                raise NotABoard(f"{path} is not a formboard board (not an SQLite file).") from None
            raise self._corrupt(exc) from None
        if meta.get("format") != schema.FORMAT_NAME:
            self.close()
            raise NotABoard(f"{path} is an SQLite database but not a formboard board.")
        version = int(meta.get("schema_version", "0"))
        if version > schema.SCHEMA_VERSION:
            self.read_only_reason = (
                f"it was written by a newer formboard (schema {version}; this one knows "
                f"{schema.SCHEMA_VERSION}): update formboard to edit it"
            )
        problem = self.quick_check()
        if problem:
            self.read_only_reason = f"the file is damaged ({problem}): restore a backup"
        elif version < schema.SCHEMA_VERSION and self.read_only_reason is None:
            self._migrate()

    def _meta(self) -> dict[str, str]:
        try:
            return rows.read_meta(self.conn)
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return {}
            raise

    def _migrate(self) -> None:
        with leased(self.lease, self.on_lock_wait):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                current = int(self._meta().get("schema_version", "0"))
                if current < schema.SCHEMA_VERSION:
                    schema.migrate(self.conn, current)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def _corrupt(self, exc: sqlite3.Error) -> BoardCorrupt:
        self.read_only_reason = "the file is damaged: restore a backup"
        return BoardCorrupt(
            f"{self.path} is damaged ({exc}); formboard will not write to it. "
            "Restore a backup (see `formboard check`)."
        )

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BoardReadOnly("The board is closed.")
        return self._conn

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> BoardStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    @property
    def sidecar_path(self) -> Path:
        """``<board>.rev``: the revision, rewritten after every commit."""
        return self.path.with_name(self.path.name + ".rev")

    # --------------------------------------------------------------- reads

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction; on a network drive through a fresh connection (DESIGN §4)."""
        conn = self._connect() if self.network else self.conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
            if conn is not self._conn:
                conn.close()

    def quick_check(self) -> str | None:
        """None when ``PRAGMA quick_check`` says ok, else its first complaint."""
        try:
            found = self.conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        first = found[0][0] if found else "no answer"
        return None if first == "ok" else str(first)

    def revision(self) -> int:
        """The board's current revision."""
        with self._reading() as conn:
            return rows.read_revision(conn)

    def fresh_revision(self) -> int:
        """The revision through a brand-new connection, which sees past stale caches."""
        conn = self._connect()
        try:
            return rows.read_revision(conn)
        finally:
            conn.close()

    def board(self) -> Board:
        """Everything on the board, archived cards included."""
        with self._reading() as conn:
            return rows.read_board(conn)

    def card(self, card_id: str) -> Card:
        """One card, with its perspectives, by full id or unique prefix."""
        with self._reading() as conn:
            full = rows.resolve_card(conn, card_id)
            return rows.read_cards(conn, [full])[full]

    def resolve_card_id(self, prefix: str) -> str:
        """The full id of the one card whose id starts with ``prefix``."""
        with self._reading() as conn:
            return rows.resolve_card(conn, prefix)

    def ops(self, since_seq: int = 0, limit: int | None = None) -> list[Op]:
        """The op log after ``since_seq``, oldest first."""
        with self._reading() as conn:
            found = conn.execute(
                "SELECT * FROM ops WHERE seq > ? ORDER BY seq LIMIT ?",
                (since_seq, -1 if limit is None else limit),
            )
            return [rows.op_from_row(r) for r in found]

    def changes_since(self, revision: int, known: Board | None = None) -> ChangeSet:
        """What changed after ``revision`` (see ``feed.changes_since``)."""
        with self._reading() as conn:
            return feed.changes_since(conn, revision, known)

    def backup(self, dest: Path) -> Path:
        """A consistent copy (SQLite's online backup) at ``dest``, owner-only."""
        file_mode, _ = private_mode(dest.parent)
        os.close(os.open(dest, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, file_mode))
        target = sqlite3.connect(dest)
        try:
            self.conn.backup(target)
        finally:
            target.close()
        return dest

    # ---------------------------------------------------------- write path

    def _write(self, op_fn: Callable[..., Any]) -> Any:
        """Run ``op_fn(conn, author)`` as one op; retries an ambiguous commit exactly once-safe."""
        if self.read_only_reason is not None:
            raise BoardReadOnly(f"The board cannot be changed: {self.read_only_reason}.")
        self._client_seq += 1
        client_seq = self._client_seq
        for _ in range(AMBIGUOUS_COMMIT_RETRIES + 1):
            author = ops.Author(self.identity.login, self.identity.name, now_iso())
            bound: OpFn = partial(op_fn, author=author)
            try:
                with leased(self.lease, self.on_lock_wait):
                    tx, revision = run_transaction(
                        self.conn, self.identity, self.client_id, client_seq, bound,
                        self.lease, self._join_record,
                    )  # fmt: skip
            except AmbiguousCommit:
                self._reconnect()
                continue
            except sqlite3.Error as exc:
                raise self._sqlite_error(exc) from None
            self._member_recorded = True
            if revision is not None:
                self._write_sidecar(revision)
            if tx.conflict is not None:
                raise tx.conflict
            return tx.result
        raise BoardReadOnly(
            "The board file could not be written: the drive kept failing. "
            "Nothing you typed is lost; check the connection and try again."
        )

    def _join_record(self, conn: sqlite3.Connection) -> Record | None:
        """Make the writer a member of the board on their first write through this store."""
        if self._member_recorded:
            return None
        ident = self.identity
        me = Member(
            login=ident.login, name=ident.name, discipline=ident.discipline,
            initials=ident.initials, last_seen=now_iso(),
        )  # fmt: skip
        return ops.upsert_member(conn, me)

    def _reconnect(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
        self._conn = self._connect()

    def _sqlite_error(self, exc: sqlite3.Error) -> Exception:
        """One sentence for an SQLite error met while writing."""
        text = str(exc)
        if "locked" in text or "busy" in text:
            return BoardLocked("another program using the file", None)
        if "readonly" in text or "read-only" in text:
            return BoardReadOnly(f"The board cannot be changed: {self.path} is read-only.")
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return self._corrupt(exc)
        return BoardReadOnly(f"The board could not be written ({text}); nothing was changed.")

    def _write_sidecar(self, revision: int) -> None:
        data = json.dumps({"revision": revision, "client_id": self.client_id, "at": now_iso()})
        file_mode, _ = private_mode(self.path.parent)
        # The sidecar is a hint for watchers; failing to write it must not fail the op.
        with contextlib.suppress(OSError):
            write_atomically(self.sidecar_path, data.encode(), file_mode)

    # ------------------------------------------------------------ card ops

    def add_card(
        self,
        column: Column | str,
        title: str,
        *,
        body: str = "",
        client_words: str = "",
        status: Status | str = Status.HYPOTHESIS,
        domain: Domain | str | None = None,
        before: str | None = None,
        top: bool = False,
    ) -> Card:
        """Add a card at the bottom of ``column`` (or its top, or before another card)."""
        try:
            card = Card(
                id=new_id(), column=column_of(column), position=0.0, title=title, body=body,
                client_words=client_words, status=status, domain=domain or None,
            )  # fmt: skip
        except ValidationError as exc:
            raise InvalidInput(validation_sentence(exc, "card")) from None
        return self._write(partial(ops.add_card, card=card, before=before, top=top))

    def edit_card(self, card_id: str, base_rev: int | None = None, **fields: Any) -> Card:
        """Change any subset of title, body, client_words, status and domain.

        ``base_rev`` is the card revision the edit started from: fields others
        changed since then merge; the same field changed raises BoardConflict.
        """
        fields = {k: v for k, v in fields.items() if v is not None or k == "domain"}
        if fields.get("domain") == "":
            fields["domain"] = None
        try:
            edit = CardEdit(**fields)
        except ValidationError as exc:
            raise InvalidInput(validation_sentence(exc, "card")) from None
        wanted = {k: getattr(getattr(edit, k), "value", getattr(edit, k)) for k in fields}
        if not wanted:
            raise InvalidInput("Nothing to change: give at least one field.")

        def op(conn: sqlite3.Connection, author: ops.Author) -> Any:
            row = ops.card_row(conn, card_id)
            return ops.update_row(conn, author, "card", "edit_card", row, wanted, base_rev)

        return self._write(op)

    def move_card(
        self,
        card_id: str,
        column: Column | str | None = None,
        *,
        before: str | None = None,
        index: int | None = None,
        top: bool = False,
    ) -> Card:
        """Move a card to a column (default: its own): bottom, top, an index, or before a card."""
        target = column_of(column) if column is not None else None
        return self._write(
            partial(
                ops.move_card, card_id=card_id, column=target, before=before, index=index, top=top
            )
        )

    def archive_card(self, card_id: str) -> Card:
        """Archive a card: it leaves the board view; nothing is deleted."""
        return self._write(partial(ops.set_archived, card_id=card_id, archived=True))

    def restore_card(self, card_id: str) -> Card:
        """Bring an archived card back, at the bottom of its column."""
        return self._write(partial(ops.set_archived, card_id=card_id, archived=False))

    # ----------------------------------------------------- perspective ops

    def add_perspective(
        self, card_id: str, text: str, discipline: str | None = None
    ) -> Perspective:
        """Add my reading of a card, under my discipline unless another is given."""
        ident = self.identity
        discipline = ident.discipline if discipline is None else discipline
        try:
            draft = Perspective(
                id=new_id(), card_id="-", author=ident.login, author_name=ident.name,
                discipline=discipline, text=text,
            )  # fmt: skip
        except ValidationError as exc:
            raise InvalidInput(validation_sentence(exc, "perspective")) from None
        if not draft.discipline:
            raise InvalidInput(
                "A perspective needs a discipline: pass --discipline or set FORMBOARD_DISCIPLINE."
            )
        return self._write(partial(ops.add_perspective, draft=draft, card_id=card_id))

    def edit_perspective(
        self,
        perspective_id: str,
        base_rev: int | None = None,
        *,
        text: str | None = None,
        discipline: str | None = None,
    ) -> Perspective:
        """Change the text or discipline of one of my own perspectives."""
        wanted: dict[str, Any] = {}
        try:
            if text is not None:
                wanted["text"] = clean_text(text)
                if not wanted["text"].strip():
                    raise ValueError("text must not be empty")
            if discipline is not None:
                wanted["discipline"] = clean_line(discipline)
        except ValueError as exc:
            raise InvalidInput(f"The perspective's {exc}.") from None
        if not wanted:
            raise InvalidInput("Nothing to change: give the text or the discipline.")

        def op(conn: sqlite3.Connection, author: ops.Author) -> Any:
            row = ops.own_perspective(conn, author, perspective_id)
            return ops.update_row(
                conn, author, "perspective", "edit_perspective", row, wanted, base_rev
            )

        return self._write(op)

    def remove_perspective(self, perspective_id: str) -> None:
        """Remove one of my own perspectives (the op log keeps its text)."""
        self._write(partial(ops.remove_perspective, pid=perspective_id))

    # ------------------------------------------------------------ link ops

    def add_link(self, from_id: str, to_id: str, kind: LinkKind | str, note: str = "") -> Any:
        """Link two cards: ``from`` triggers / maintains / ... ``to``."""
        try:
            kind = LinkKind(str(kind).strip().lower())
        except ValueError:
            kinds = ", ".join(k.value for k in LinkKind)
            raise InvalidInput(f"Unknown link kind {kind!r}; use one of: {kinds}.") from None
        try:
            note = clean_text(note)
        except ValueError as exc:
            raise InvalidInput(f"The link note {exc}.") from None
        return self._write(
            partial(ops.add_link, link_id=new_id(), src=from_id, dst=to_id, kind=kind, note=note)
        )

    def remove_link(self, link_id: str) -> None:
        """Remove a link (the op log keeps it)."""
        self._write(lambda conn, author: ops.remove_link(conn, link_id))

    # ------------------------------------------------- members and the board

    def upsert_member(self, login: str, name: str = "", discipline: str = "") -> None:
        """Add or update a member of the board."""
        try:
            member = Member(login=clean_line(login), name=name, discipline=discipline)
        except (ValidationError, ValueError) as exc:
            raise InvalidInput(validation_sentence(exc, "member")) from None

        def op(conn: sqlite3.Connection, author: ops.Author) -> Any:
            from formboard.core.store.writes import Tx

            record = ops.upsert_member(conn, member.model_copy(update={"last_seen": author.at}))
            return Tx(None, [record] if record else [])

        self._write(op)

    def set_title(self, title: str) -> None:
        """Change the board's title."""
        try:
            title = clean_line(title)
        except ValueError as exc:
            raise InvalidInput(f"The board title {exc}.") from None
        self._write(lambda conn, author: ops.set_title(conn, title))

    def load_board(self, board: Board) -> None:
        """Write a whole board's content (an import) into this empty board, as one op."""
        self._write(lambda conn, author: ops.load_board(conn, board))
