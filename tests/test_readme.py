"""The README as a newcomer uses it (issue 11): every fenced code block runs as written, the demo sample has the
demo's structure, and the ``glasstls.verify/1`` document and the groups are documented.

How the blocks run. ``sh`` blocks: each line as a person types it, in a fresh directory (holding a ``.venv``
link to this environment, and with its ``bin`` on PATH, as after ``. .venv/bin/activate``); a line must exit
0, or the status its comment names ("exit status 1"); a ``glasstls serve`` line keeps running (a person's other
terminal) until the test ends, then gets Ctrl-C. ``python`` blocks: run with ``python -c`` in the same directory,
after the ``sh`` blocks before them. The only substitution: port 4433 (written, or ``serve``'s default) becomes
a free port (a test may not assume 4433 is free). ``text`` blocks are output, not run; the indented ``make``
lines are not run either: they are what runs this test.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from glasstls.crypto.groups import DEFAULT_GROUPS, SUPPORTED_GROUPS
from glasstls.pki.testpki import make_test_pki
from glasstls.pki.verify import explain_chain

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
TIMEOUT = 60


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int  # where it starts in README.md, for messages


def blocks(markdown: str = README) -> list[Block]:
    out: list[Block] = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL):
        out.append(Block(match.group(1), match.group(2), markdown.count("\n", 0, match.start()) + 1))
    return out


def test_every_fenced_block_says_what_it_is() -> None:
    for block in blocks():
        assert block.language in ("sh", "python", "text"), f"README.md line {block.line}: ```{block.language}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _expected_status(line: str) -> int:
    match = re.search(r"#.*\bexit status (\d+)", line)
    return int(match.group(1)) if match else 0


class _Terminal:
    """What a person does with the README: a working directory and the servers left running in other
    terminals."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        venv = Path(sys.executable).parent.parent
        (directory / ".venv").symlink_to(venv, target_is_directory=True)
        self.env = {**os.environ, "NO_COLOR": "1", "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.env.pop("SSLKEYLOGFILE", None)
        self.servers: list[subprocess.Popen[str]] = []

    def substitute(self, text: str) -> str:
        return text.replace("4433", str(self.port))

    def sh(self, block: Block) -> None:
        for number, line in enumerate(block.text.splitlines(), block.line + 1):
            command = line.strip()
            if not command or command.startswith("#"):
                continue
            where = f"README.md line {number}: {command}"
            if re.match(r"(\S*/)?glasstls serve\b", command):
                if "--port" not in command:  # serve's default port is 4433: the same substitution
                    command = command.replace("glasstls serve", "glasstls serve --port 4433", 1)
                self._serve(self.substitute(command), where)
                continue
            proc = subprocess.run(
                ["bash", "-c", self.substitute(command)],
                cwd=self.directory,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
            assert proc.returncode == _expected_status(command), f"{where}\n{proc.stdout}\n{proc.stderr}"
            assert "Traceback" not in proc.stderr, where

    def _serve(self, command: str, where: str) -> None:
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.servers.append(proc)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("listening on "), f"{where}: {first!r}"

    def python(self, block: Block) -> None:
        proc = subprocess.run(
            [sys.executable, "-c", self.substitute(block.text)],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert proc.returncode == 0, f"README.md line {block.line}:\n{proc.stdout}\n{proc.stderr}"

    def close(self) -> None:
        for proc in self.servers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                assert proc.wait(10) == 0  # Ctrl-C is a clean exit
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[_Terminal]:
    person = _Terminal(tmp_path, _free_port())
    try:
        yield person
    finally:
        person.close()


def test_every_code_block_runs_as_written(terminal: _Terminal) -> None:
    ran = {"sh": 0, "python": 0}
    for block in blocks():
        if block.language == "sh":
            terminal.sh(block)
        elif block.language == "python":
            terminal.python(block)
        else:
            continue
        ran[block.language] += 1
    assert ran["sh"] >= 2 and ran["python"] >= 2, ran  # the README shows both; none was skipped by accident


# -- the demo sample -----------------------------------------------------------------------------------------

_STEP = re.compile(r"^ ?(\d+)\. (.+?)  \(\+")
_HEADING = re.compile(r"^== (.+?) ==$")


def _structure(text: str) -> list[str]:
    """The demo's structure: its section headings and the numbered steps of the handshake, in order."""
    out = []
    for line in text.splitlines():
        if heading := _HEADING.match(line):
            out.append(f"== {heading.group(1)}")
        elif step := _STEP.match(line):
            out.append(f"{step.group(1)}. {step.group(2)}")
    return out


def _readme_sample() -> str:
    section = README.split("## What `make demo` shows", 1)[1]
    return next(b for b in blocks(section) if b.language == "text").text


def test_readme_demo_sample_has_the_demos_structure() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "demo"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    sample = _readme_sample()
    assert _structure(sample) == _structure(proc.stdout), "regenerate the README's demo sample (glasstls demo)"
    # What the sample says about the data matches itself and the demo: the echo is what was sent.
    sent = re.search(r"client sent (\d+) bytes", sample)
    echoed = re.search(r"received the echo: (\d+) bytes", sample)
    assert sent and echoed and sent.group(1) == echoed.group(1)
    assert f"client sent {sent.group(1)} bytes" in proc.stdout


# -- what the README must say ----------------------------------------------------------------------------------


def test_readme_has_no_stale_or_internal_words() -> None:
    for phrase in ("is being added", "seed", "the TLS 1.2 handshake is being"):
        assert phrase not in README, phrase


def test_readme_names_every_group() -> None:
    group_row = next(line for line in README.splitlines() if line.startswith("| `--group GROUP`"))
    tls13 = README.split("## What is in TLS 1.3 today", 1)[1].split("\n## ", 1)[0]
    for group in SUPPORTED_GROUPS:
        spellings = {group.name.lower(), str(group).lower()}
        assert any(s in group_row.lower() for s in spellings), f"--group does not name {group}"
        assert any(s in tls13.lower() for s in spellings), f"'What is in TLS 1.3 today' does not name {group}"
    assert set(DEFAULT_GROUPS) < set(SUPPORTED_GROUPS)  # the README says some are not offered by default


def test_readme_documents_the_verify_json(tmp_path: Path) -> None:
    pki = make_test_pki(("localhost",), directory=tmp_path)
    report = explain_chain(
        pki.server_ecdsa.chain_der(),
        role="server",
        server_name="localhost",
        trust=pki.trust_store(),
        at=datetime.now(UTC),
    )
    document = report.as_dict()
    section = README.split("`glasstls.verify/1`", 1)[1]
    names = set(document)
    for key in ("chain", "checks", "profile_rules"):
        entries = document[key]
        assert isinstance(entries, list) and entries, key
        names |= set(entries[0])
    for name in sorted(names | {"schema"}):
        assert f"`{name}`" in section, f"glasstls.verify/1 field {name} is not in the README"


def test_readme_says_how_to_run_glasstls_where_a_command_first_appears() -> None:
    """The first commands shown are ``make demo`` / ``make test``; right there the README says how to run the
    ``glasstls`` they install, before any ``glasstls`` command is shown."""
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert README.index("## Two commands") < README.index("\nglasstls ")
    assert ".venv/bin/glasstls" in section and ". .venv/bin/activate" in section and "python -m glasstls" in section


def test_readme_shell_lines_are_shlex_clean() -> None:
    """A line a person pastes must be one shell command (balanced quotes)."""
    for block in blocks():
        if block.language == "sh":
            for line in block.text.splitlines():
                shlex.split(line, comments=True)
