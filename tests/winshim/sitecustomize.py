"""Python as Python 3.11/3.12 is on Windows, for formboard's own tests on Linux (issue 26).

With this folder first on PYTHONPATH and ``FORMBOARD_SHIM=windows``, the POSIX-only
modules are not there (``pwd``, ``grp``, ``fcntl``, ``termios``, ``resource``) and neither
are ``os``'s POSIX-only functions (``fchmod``, ``geteuid``, ``getuid`` …): an import or a
call formboard makes without asking first fails here as it would there. ``os.name`` and
``sys.platform`` stay Linux's (the interpreter's own machinery needs them); what formboard
decides from the platform is tested with injected facts (``core/drives.py``).
"""

import importlib.abc
import os
import sys

GONE_MODULES = ("pwd", "grp", "fcntl", "termios", "resource")
# os.getuid stays: the Linux half of platformdirs (which this interpreter takes, being on
# Linux) imports it; formboard's only call follows `import pwd`, which fails here first.
GONE_FUNCTIONS = ("fchmod", "fchown", "chown", "lchown", "geteuid", "getegid", "getgid",
                  "getgroups", "setsid", "getpgid", "killpg")  # fmt: skip


class NotOnWindows(importlib.abc.MetaPathFinder):
    """Refuses the modules Windows' Python does not have."""

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name in GONE_MODULES:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


if os.environ.get("FORMBOARD_SHIM") == "windows":
    for module in GONE_MODULES:
        sys.modules.pop(module, None)
    sys.meta_path.insert(0, NotOnWindows())
    for function in GONE_FUNCTIONS:
        if hasattr(os, function):
            delattr(os, function)


class InUse:
    """Windows refuses to replace, rename or remove a file another process has open (Python
    opens files without FILE_SHARE_DELETE). With ``FORMBOARD_SHIM_IN_USE=N``, every Nth
    ``os.replace`` or ``os.rename`` in a process is refused as Windows refuses it, in every
    process of the test (their PYTHONPATH keeps this folder)."""

    def __init__(self, every: int) -> None:
        self.every, self.calls = every, 0
        self.replace, self.rename = os.replace, os.rename

    def _refused(self) -> bool:
        self.calls += 1
        return self.calls % self.every == 0

    def os_replace(self, src, dst, **kw):  # type: ignore[no-untyped-def]
        if self._refused():
            raise PermissionError(13, "The process cannot access the file because it is "
                                  "being used by another process", str(dst))  # fmt: skip
        return self.replace(src, dst, **kw)

    def os_rename(self, src, dst, **kw):  # type: ignore[no-untyped-def]
        if self._refused():
            raise PermissionError(13, "Access is denied", str(src))
        return self.rename(src, dst, **kw)


if os.environ.get("FORMBOARD_SHIM_IN_USE"):
    _in_use = InUse(int(os.environ["FORMBOARD_SHIM_IN_USE"]))
    os.replace, os.rename = _in_use.os_replace, _in_use.os_rename
