"""``--instructions CASE``: instructions per handshake under callgrind, for comparing a change on a busy machine.

Wall-clock figures on a shared machine move by 20-80% between runs; instruction counts repeat to about 0.1%.
Each contender (glasstls, ssl, and the floor for full handshakes) runs in a child under ``valgrind
--tool=callgrind`` that counts only inside the measured loop: the handshakes run under ``functools.reduce``, a C
function nothing in a handshake calls, and callgrind collects only while it is on the stack
(``--toggle-collect``); the material (keys, certificates) and the warm-up handshakes come before it. Each
handshake is checked as in the timed rows.

An instruction is no unit of time: Python's interpreter retires about one instruction a cycle, OpenSSL's
assembly three or four, so compare one contender before and after a change (the same case and count), not
contenders with one another.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from glasstls.bench.cases import CASES_BY_KEY, BenchError, Case, make_material
from glasstls.bench.contenders import FloorRunner, GlasstlsRunner, Runner, SslRunner
from glasstls.bench.run import make_floor

#: Untimed handshakes before counting (caches filled, first-use imports done), as the timed rows warm up.
WARM_UP = 20
#: How long one contender may take under callgrind (it runs some 50 times slower than natively).
CHILD_TIMEOUT = 1800

_COLLECTED = re.compile(r"Collected : (\d+)")


def _runner(who: str, case: Case, directory: Path) -> Runner:
    material = make_material(directory)
    if who == "glasstls":
        return GlasstlsRunner(material, case)
    if who == "ssl":
        return SslRunner(material, case)
    floor = make_floor(material, case)
    if floor is None:
        raise BenchError(f"{case.key} has no floor")
    return FloorRunner(floor)


def child(case_key: str, who: str, count: int) -> None:
    """The child's work: ``count`` checked handshakes of one contender inside ``functools.reduce``."""
    case = CASES_BY_KEY[case_key]
    with tempfile.TemporaryDirectory(prefix="glasstls-bench-") as tmp:
        runner = _runner(who, case, Path(tmp))
        for _ in range(WARM_UP):
            runner.prepare()
            runner.check(runner.run())

        def one(done: int, _: int) -> int:
            runner.prepare()
            runner.check(runner.run())
            return done + 1

        done = functools.reduce(one, range(count), 0)
        if done != count:
            raise BenchError(f"{done} handshakes of {count}")


def collected(stderr: str) -> int:
    """The instructions callgrind counted, from its closing summary on stderr."""
    match = _COLLECTED.search(stderr)
    if match is None:
        raise BenchError(f"no instruction count in callgrind's output: {stderr[-2000:]}")
    return int(match.group(1))


def contenders(case: Case) -> tuple[str, ...]:
    floor = ("floor",) if case.resume is None else ()  # no floor for resumption (see the floor module)
    return ("glasstls", "ssl", *floor)


def count_instructions(case: Case, count: int, who: Sequence[str] | None = None) -> dict[str, int]:
    """Instructions per handshake of each contender (``who``: all of the case's by default)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise BenchError("--instructions needs valgrind (apt-get install valgrind)")
    out: dict[str, int] = {}
    for name in who or contenders(case):
        cmd = [
            valgrind,
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=functools_reduce",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "glasstls.bench",
            "--instructions-child",
            case.key,
            name,
            str(count),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False)
        if proc.returncode != 0:
            raise BenchError(f"{name} under callgrind failed:\n{proc.stderr[-4000:]}")
        out[name] = collected(proc.stderr) // count
    return out


def render(case: Case, count: int, figures: dict[str, int]) -> str:
    lines = [f"{case.metric}: instructions per handshake (callgrind, {count} handshakes counted)"]
    lines += [f"  {name:<9} {value:>14,}" for name, value in figures.items()]
    lines.append("compare one contender before and after a change; an instruction is no unit of time")
    return "\n".join(lines)
