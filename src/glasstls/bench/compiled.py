"""The compiled build (``make compiled``, mypyc) beside the pure-Python package in ``make bench``.

One interpreter holds one glasstls, so the compiled build is measured by a child ``python -m glasstls.bench
--compiled-child`` with ``PYTHONPATH`` set to the build: it runs the handshake and bulk rows with ``ssl``
and the floor interleaved, as the parent does, and its glasstls figures become the ``compiled`` column (its
ratio to ``ssl`` is taken within the child's own run, so that both sides of it saw the same machine noise).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import glasstls

#: Where ``make compiled`` puts the build (tools/build_compiled.py), from a source checkout.
DEFAULT_BUILD = Path(glasstls.__file__).resolve().parent.parent.parent / "build" / "compiled"
#: The child runs the same plan as the parent, less memory: generous, but bounded.
CHILD_TIMEOUT = 3600


def find_build(path: Path | None = None) -> Path | None:
    """The compiled build to measure: ``path``, or the default one if ``make compiled`` made it; else None."""
    build = path if path is not None else DEFAULT_BUILD
    if any((build / "glasstls").glob("connection.*.so")):
        return build
    return None


def is_compiled() -> bool:
    """Whether this interpreter runs the compiled glasstls."""
    import glasstls.connection

    return glasstls.connection.__file__ is not None and glasstls.connection.__file__.endswith(".so")


def run_child(build: Path, quick: bool) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(build))
    cmd = [sys.executable, "-m", "glasstls.bench", "--compiled-child", *(["--quick"] if quick else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"the compiled bench child failed:\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    if not result["meta"].get("compiled"):
        raise RuntimeError(f"{build} did not give the compiled glasstls")
    return result


def merge(result: dict[str, Any], child: dict[str, Any]) -> None:
    """Add the child's glasstls figures as the ``compiled`` column of ``result``'s rows (in place)."""
    theirs = {row["key"]: row for row in child["rows"]}
    for row in result["rows"]:
        other = theirs.get(row["key"])
        if other is None or "compiled" in row:
            continue
        row["compiled"] = other["glasstls"]
        row["ratio_compiled_ssl"] = other["ratio_glasstls_ssl"]
        row["ratio_compiled_floor"] = other["ratio_glasstls_floor"]
        if other.get("errors") and other["errors"].get("glasstls", {}).get("errors"):
            result["notes"].append(f"{row['key']}: compiled glasstls failed {other['errors']['glasstls']}")
    result["notes"].extend(f"(compiled run) {note}" for note in child["notes"])
    result["meta"]["compiled_build"] = child["meta"].get("build")
