"""The protocol core stays compilable by mypyc (``make compiled``, the optional accelerated build).

``tools/build_compiled.py --check`` runs mypyc's own checks and its C generation (no C compiler): a construct
mypyc refuses (a mixin on a dataclass, a statement in a class body, a class attribute retyping an instance
attribute...) fails here with mypyc's file:line message, before anyone waits minutes for gcc."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mypyc")


def test_mypyc_accepts_the_protocol_core() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_compiled.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert proc.returncode == 0 and not errors, "\n".join(errors) or proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "mypyc accepts the" in proc.stdout


def _compiled_sources() -> list[Path]:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from build_compiled import sources
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return [ROOT / "src" / rel for rel in sources(ROOT / "src")]


def test_no_function_of_the_core_binds_one_name_to_two_kinds_of_exception() -> None:
    """``except TLSError as exc`` then ``except Exception as exc`` in one function: mypy accepts it, but mypyc gives
    ``exc`` one native type, the first one's, and the second handler fails with a TypeError of its own ("TLSError
    object expected; got ValueError"): an internal error became a crash instead of an internal_error alert, and a
    rejected chain a crash instead of its report. Each handler names what it caught."""
    clashes = []
    for path in _compiled_sources():
        for function in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            kinds: dict[str, set[str]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.ExceptHandler) and node.name is not None:
                    kinds.setdefault(node.name, set()).add(ast.unparse(node.type) if node.type else "BaseException")
            clashes += [
                f"{path.relative_to(ROOT)}:{function.lineno} {function.name}: {name} is {' and '.join(sorted(types))}"
                for name, types in kinds.items()
                if len(types) > 1
            ]
    assert not clashes, "\n".join(clashes)
