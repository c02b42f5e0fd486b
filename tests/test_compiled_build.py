"""The protocol core stays compilable by mypyc (``make compiled``, the optional accelerated build).

``tools/build_compiled.py --check`` runs mypyc's own checks and its C generation (no C compiler): a construct
mypyc refuses (a mixin on a dataclass, a statement in a class body, a class attribute retyping an instance
attribute...) fails here with mypyc's file:line message, before anyone waits minutes for gcc."""

from __future__ import annotations

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
