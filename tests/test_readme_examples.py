"""The README's examples run as written: each ```python block after a ``<!-- readme-example: NAME -->`` line is
run as a script (its own process, in an empty directory, against the local servers it names or starts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from peers import server_process

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE = re.compile(r"<!-- readme-example: (\S+) -->\n```python\n(.*?)```", re.S)


def examples() -> dict[str, str]:
    return {name: code for name, code in EXAMPLE.findall(README.read_text())}


def run_example(name: str, directory: Path, env: dict[str, str] | None = None) -> str:
    code = examples()[name]
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, f"README example {name!r} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_the_readme_has_its_examples() -> None:
    assert {"asyncio", "starttls"} <= set(examples())


@pytest.mark.interop
def test_asyncio_example(tmp_path: Path) -> None:
    out = run_example("asyncio", tmp_path)
    assert "b'hello'" in out
    assert "TLS13" in out and "ServerHello" in out


@pytest.mark.interop
def test_starttls_example(tmp_path: Path) -> None:
    """The commands the README gives first (glasstls certs pki; glasstls serve --starttls smtp), on a free port."""
    subprocess.run([sys.executable, "-m", "glasstls", "certs", "pki"], cwd=tmp_path, check=True, capture_output=True)
    pki = tmp_path / "pki"
    argv = [
        sys.executable, "-m", "glasstls", "serve", "--starttls", "smtp", "--port", "0",
        "--cert", str(pki / "server-ecdsa.pem"), "--key", str(pki / "server-ecdsa.key"),
    ]  # fmt: skip
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        out = run_example("starttls", tmp_path, {"SMTP_PORT": str(server.port)})
    assert "C: STARTTLS" in out and "TLS begins here" in out
    assert "greets you over TLS" in out and "TLS13" in out and "221 2.0.0 Bye" in out
