"""The shape of handshake/: its modules import each other as a DAG (issue 17: no import circles, which broke
the compiled build when client12 and client13 imported each other), and each imports first on its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import glasstls.handshake

PACKAGE = Path(glasstls.handshake.__file__).parent
PREFIX = "glasstls.handshake"


def _modules() -> list[str]:
    return sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _imports(name: str) -> set[str]:
    """The handshake modules ``name`` imports, at any level (module, function, TYPE_CHECKING)."""
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == PREFIX:
                found.update(alias.name for alias in node.names)
            elif node.module.startswith(PREFIX + "."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PREFIX + "."):
                    found.add(alias.name.split(".")[2])
    return found & set(_modules())


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``graph`` (depth first), or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_handshake_modules_import_each_other_as_a_dag() -> None:
    graph = {name: _imports(name) for name in _modules()}
    assert _cycle(graph) is None, "import circle in handshake/: " + " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_hello_states_sit_above_the_version_modules() -> None:
    """server_negotiation and client_negotiation hand over to the version modules; no version module imports
    them back (rustls' client/hs.rs and server/hs.rs)."""
    graph = {name: _imports(name) for name in _modules()}
    assert {"server12", "server13"} <= graph["server_negotiation"]
    assert {"client12", "client13"} <= graph["client_negotiation"]
    users = {name for name, imported in graph.items() if {"server_negotiation", "client_negotiation"} & imported}
    assert users == set()


def test_each_handshake_module_imports_first_in_a_fresh_interpreter() -> None:
    code = f"import importlib, sys\nimportlib.import_module('{PREFIX}.' + sys.argv[1])\n"
    for name in _modules():
        done = subprocess.run(
            [sys.executable, "-c", code, name], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"
