"""Who holds a write lease: the owner file's content, and whether its process still lives.

A lease's owner file (``owner.json``) names the login, host and process of its holder and
a renewal counter; ``process_tag`` tells this very process apart from one that reused its
pid after a reboot or in another PID namespace, so "its program on this computer has
ended" is said only when it is true.
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from dataclasses import MISSING, dataclass, field, fields


@dataclass(frozen=True)
class LeaseOwner:
    """Who takes the lease; ``uuid`` is fresh for every lease instance."""

    login: str
    name: str
    host: str
    pid: int
    uuid: str
    process: str = field(default_factory=lambda: process_tag(os.getpid()))

    @classmethod
    def create(cls, login: str, name: str = "", host: str | None = None) -> LeaseOwner:
        """An owner for this process with a new random uuid."""
        host = host if host is not None else platform.node().split(".")[0]
        return cls(login, name or login, host, os.getpid(), uuid.uuid4().hex)

    def label(self) -> str:
        """``login@host``, as shown to colleagues who are kept waiting."""
        return f"{self.login}@{self.host}"


def _read_small(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(4096).decode(errors="replace").strip()
    except OSError:
        return ""


def process_tag(pid: int) -> str:
    """``boot id/pid namespace/start time`` of process ``pid`` on this host, or "" if unknown.

    Two processes share a tag only if they are the same process: the boot id changes with a
    reboot, the namespace tells containers on one kernel apart, and the start time (clock
    ticks since boot) tells a reused pid from the process that held it.
    """
    boot = _read_small("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    # /proc/PID/stat: "pid (comm) state ..."; the start time is field 22, counted after comm.
    fields_after = _read_small(f"/proc/{pid}/stat").rpartition(")")[2].split()
    started = fields_after[19] if len(fields_after) > 19 else ""
    if not (boot and namespace and started):
        return ""
    return f"{boot}/{namespace}/{started}"


@dataclass(frozen=True)
class LeaseInfo:
    """What the owner file of a held lease says.

    ``acquired_at`` and ``renewed_at`` are the owner's clock: shown to people, never used
    to judge the lease. ``renewed`` counts renewals; ``process`` is the holder's
    :func:`process_tag` ("" from an older formboard).
    """

    login: str
    name: str
    host: str
    pid: int
    uuid: str
    acquired_at: float
    renewed: int
    renewed_at: float = 0.0
    process: str = ""

    def label(self) -> str:
        """``login@host``, as shown to colleagues who are kept waiting."""
        return f"{self.login}@{self.host}"

    def who(self) -> str:
        """``Dara Lindqvist (dara@ward-pc)``, or ``dara@ward-pc`` when no name is known."""
        named = self.name and self.name != self.login
        return f"{self.name} ({self.label()})" if named else self.label()

    @classmethod
    def from_json(cls, raw: bytes) -> LeaseInfo | None:
        """Parse an owner file (padded with spaces); anything malformed gives ``None``."""
        try:
            d = json.loads(raw)
            values = {}
            for f, kind in zip(fields(cls), _KINDS, strict=True):
                if f.name in d or f.default is MISSING:
                    values[f.name] = kind(d[f.name])
            info = cls(**values)
        except (ValueError, TypeError, KeyError):
            return None
        return info if info.uuid else None

    def gone_from_this_host(self) -> bool:
        """True when the holder ran on this host and its process has ended.

        Only the same boot, PID namespace and process start time count as "this
        process"; anything unknown (another host, an older formboard) is not gone.
        """
        if not self.process or self.host != platform.node().split(".")[0]:
            return False
        mine = process_tag(os.getpid())
        if not mine or mine.rsplit("/", 1)[0] != self.process.rsplit("/", 1)[0]:
            return False  # another boot or another container: we cannot see its processes
        return process_tag(self.pid) != self.process


# LeaseInfo's field types, in order
_KINDS = (str, str, str, int, str, float, int, float, str)
