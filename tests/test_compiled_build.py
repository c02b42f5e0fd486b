"""The protocol core stays compilable by mypyc (``make compiled``, the optional accelerated build), and CI tests
that build too.

``tools/build_compiled.py --check`` runs mypyc's own checks and its C generation (no C compiler): a construct
mypyc refuses (a mixin on a dataclass, a statement in a class body, a class attribute retyping an instance
attribute...) fails here with mypyc's file:line message, before anyone waits minutes for gcc."""

from __future__ import annotations

import ast
import os
import re
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


def test_verify_refuses_a_run_that_would_import_the_pure_package() -> None:
    """``make test-compiled`` first runs ``build_compiled.py --verify`` with the build on the path: here, without
    it, every core module comes from src/, and it says so and fails."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_compiled.py"), "--verify"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "not compiled:" in proc.stderr and "glasstls.connection (" in proc.stderr


def test_make_test_runs_the_whole_suite_on_both_builds() -> None:
    """The CI choice (issue 17): ``make test`` (what .ci/run runs) tests the pure package, then the compiled build,
    checked to be the one imported, with the whole suite."""
    makefile = (ROOT / "Makefile").read_text()
    recipes = dict(re.findall(r"^([\w-]+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, flags=re.M))
    assert "-m pytest -q -p no:cacheprovider tests\n" in recipes["test"]
    assert "$(MAKE) test-compiled" in recipes["test"]
    assert "tools/build_compiled.py --verify" in recipes["test-compiled"]
    assert "PYTHONPATH=$(COMPILED) $(PY) -m pytest -q -p no:cacheprovider tests " in recipes["test-compiled"]


def test_the_core_uses_no_construct_that_compiles_but_behaves_otherwise() -> None:
    """Constructs mypyc compiles without a word but that do not do the same under the build: a compiled object has
    no instance ``__dict__`` (``self.__dict__`` fails; ``cached_property`` computes again on every read), its class
    cannot be swapped (``obj.__class__ = ...``), and ``object.__new__(cls)`` refuses a compiled class."""
    found = []
    for path in _compiled_sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            text = ast.unparse(node) if isinstance(node, ast.Attribute | ast.Name) else ""
            if text == "self.__dict__" or text.endswith("cached_property"):
                found.append(f"{where}: {text}")
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "__class__" for t in node.targets
            ):
                found.append(f"{where}: __class__ assignment")
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "object.__new__":
                found.append(f"{where}: object.__new__")
    assert not found, "\n".join(found)
