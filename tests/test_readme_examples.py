"""The README's asyncio and STARTTLS examples print what they should (tests/test_readme.py runs every block as
written; here each ``<!-- readme-example: NAME -->`` block's output is checked too). They run, as the README
says, in a directory holding the test PKI of "Try it yourself" (``glasstls certs pki``)."""

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
    subprocess.run([sys.executable, "-m", "glasstls", "certs", "pki"], cwd=directory, check=True, capture_output=True)
    proc = subprocess.run(
        [sys.executable, "-c", examples()[name]], cwd=directory, capture_output=True, text=True, timeout=90, check=False
    )
    assert proc.returncode == 0, f"README example {name!r} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_the_readme_has_its_examples() -> None:
    assert {"asyncio", "starttls", "httpx"} <= set(examples())


@pytest.mark.interop
def test_asyncio_example(tmp_path: Path) -> None:
    out = run_example("asyncio", tmp_path)
    assert "b'hello'" in out
    assert "TLS13" in out and "ServerHello" in out


@pytest.mark.interop
def test_starttls_example(tmp_path: Path) -> None:
    out = run_example("starttls", tmp_path)
    assert "C: STARTTLS" in out and "TLS begins here" in out and "TLS13" in out
    assert "greets you over TLS" in out and "221 2.0.0 Bye" in out


@pytest.mark.interop
def test_httpx_example(tmp_path: Path) -> None:
    out = run_example("httpx", tmp_path)
    assert "200 100000 HTTP/1.0" in out
    assert "TLSv1.3" in out and "http/1.1" in out and "ServerHello" in out
