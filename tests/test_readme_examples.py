"""The README's examples run as written: each ```python block after a ``<!-- readme-example: NAME -->`` line is
run as a script (its own process, in an empty directory, against the local servers it names or starts)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE = re.compile(r"<!-- readme-example: (\S+) -->\n```python\n(.*?)```", re.S)


def examples() -> dict[str, str]:
    return {name: code for name, code in EXAMPLE.findall(README.read_text())}


def run_example(name: str, directory: Path) -> str:
    code = examples()[name]
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=directory, capture_output=True, text=True, timeout=90, check=False
    )
    assert proc.returncode == 0, f"README example {name!r} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_the_readme_has_its_examples() -> None:
    assert {"asyncio"} <= set(examples())


@pytest.mark.interop
def test_asyncio_example(tmp_path: Path) -> None:
    out = run_example("asyncio", tmp_path)
    assert "b'hello'" in out
    assert "TLS13" in out and "ServerHello" in out
