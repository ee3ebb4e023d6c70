"""The shape of the code: no import cycle between formboard's modules, no module too long,
and no class too long once the parents it alone has are counted with it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "formboard"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """formboard modules that ``path`` imports, at the top or inside functions; not those
    under ``if TYPE_CHECKING:`` (they are never imported when the code runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def test_no_import_cycle_even_through_imports_inside_functions() -> None:
    """An import inside a function (to keep it off start-up) still ties two modules: a
    cycle through one is a cycle."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: _imports(path, set(paths)) - {name} for name, path in paths.items()}
    # Importing a module imports its packages first.
    for name in list(graph):
        parent = name.rpartition(".")[0]
        while parent:
            graph[name].add(parent)
            parent = parent.rpartition(".")[0]
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not (name.startswith(d + ".") and d in paths)}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert not cycles, cycles


def test_no_module_is_much_over_400_lines() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 430
    }
    assert not long, long


def _classes() -> dict[str, tuple[int, list[str]]]:
    """Every formboard class: its length in lines and the names of its bases."""
    found: dict[str, tuple[int, list[str]]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b).split("[")[0].rpartition(".")[2] for b in node.bases]
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                found[f"{path.stem}.{node.name}" if node.name in found else node.name] = (
                    length,
                    bases,
                )
    return found


def _with_own_parents(classes: dict[str, tuple[int, list[str]]]) -> dict[str, int]:
    """Each class's length with the formboard parents it alone has: a mixin of one class
    is that class in pieces. A base several classes share (the two stores' queries and
    edits, the app's SafeApp) is shared code, counted on its own."""
    children: dict[str, int] = {}
    for _, bases in classes.values():
        for base in set(bases):
            children[base] = children.get(base, 0) + 1

    def length(name: str, seen: frozenset[str]) -> int:
        if name not in classes or name in seen:
            return 0
        own, bases = classes[name]
        return own + sum(length(b, seen | {name}) for b in bases if children.get(b) == 1)

    return {name: length(name, frozenset()) for name in classes}


def test_no_class_with_its_parents_is_much_over_400_lines() -> None:
    """A class split into mixins is small only on paper: its own parents count too."""
    long = {name: n for name, n in _with_own_parents(_classes()).items() if n > 430}
    assert not long, long


def test_a_class_in_mixins_counts_them_and_shared_bases_do_not() -> None:
    """The rule above on the board screen as it was (six mixins, 1,378 lines) and on two
    stores sharing their queries."""
    screen = {f"Part{i}": (220, []) for i in range(6)} | {
        "BoardScreen": (58, [f"Part{i}" for i in range(6)] + ["Screen"])
    }
    assert _with_own_parents(screen)["BoardScreen"] == 58 + 6 * 220
    stores = {
        "Queries": (200, []),
        "FileStore": (300, ["Queries"]),
        "ServerStore": (300, ["Queries"]),
    }
    assert _with_own_parents(stores)["FileStore"] == 300


def test_no_sql_text_is_rewritten_for_another_database() -> None:
    """Each backend's SQL is its own: the op layer writes every parameter marker and JSON
    field through its connection's dialect, and nothing turns one database's SQL text
    into the other's (no regular expressions over statements)."""
    store = PACKAGE / "core" / "store"
    shared = ["ops", "rows", "edits", "meetings", "merge", "past", "positions", "feed",
              "writes", "undo", "copying"]  # fmt: skip
    for name in shared:
        for node in ast.walk(ast.parse((store / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                assert "json_extract" not in text, name
                assert not (
                    "?" in text and any(w in text for w in ("SELECT", "WHERE", "VALUES"))
                ), f"{name}: a '?' marker in {text!r}"
    for name in ("pg_sql", "pg_schema", "pg_store"):
        tree = ast.parse((store / f"{name}.py").read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "re" not in imported, f"{name} rewrites text with regular expressions"
