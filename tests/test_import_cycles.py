"""No import circles between glasstls's modules (issue 17: a reader can follow the layers one way).

Every import counts, wherever it is written: at module level, under ``if TYPE_CHECKING:``, or inside a function
(a lazy import that only dodges a circle still makes one). tests/test_layers.py checks the direction between
packages; this checks every module against every other, inside packages too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import glasstls

SOURCE = Path(glasstls.__file__).parent

#: The circles still allowed (none: wire/'s two went with wire/extension_base.py and wire/message_base.py). No
#: circle may appear.
KNOWN: frozenset[frozenset[str]] = frozenset()


def import_graph(source: Path = SOURCE) -> dict[str, set[str]]:
    """Each module (dotted, below ``glasstls``) and the glasstls modules it imports anywhere in its text."""
    modules = _modules_of(source)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("glasstls.") and (short := target.removeprefix("glasstls.")) in modules:
                    found.add(short)
        graph[name] = found - {name}
    return graph


def _modules_of(source: Path) -> dict[str, Path]:
    """The modules under ``source`` by dotted name below it (a package by its own name)."""
    modules: dict[str, Path] = {}
    for path in source.rglob("*.py"):
        parts = path.relative_to(source).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(frozenset(group))
    return found


def test_no_import_circles_but_the_known_ones_in_wire() -> None:
    new = sorted(sorted(group) for group in circles(import_graph()) - KNOWN)
    assert not new, f"modules that import each other (move what both need into a module below them): {new}"


def test_the_check_sees_a_circle_through_a_lazy_import(tmp_path: Path) -> None:
    """The check can fail: a imports b at module level, b imports a inside a function; c stands apart."""
    package = tmp_path / "glasstls"
    package.mkdir()
    (package / "a.py").write_text("from glasstls.b import f\n")
    (package / "b.py").write_text("def f() -> None:\n    from glasstls import a\n")
    (package / "c.py").write_text("from glasstls.a import f\n")
    assert circles(import_graph(package)) == {frozenset({"a", "b"})}
