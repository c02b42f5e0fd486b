"""``python -m glasstls.bench``: the command line."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from glasstls.bench.cases import CASES_BY_KEY, DEFAULT, QUICK, BenchError, _log
from glasstls.bench.compiled import DEFAULT_BUILD, find_build, merge, run_child
from glasstls.bench.instructions import child as instructions_child
from glasstls.bench.instructions import count_instructions
from glasstls.bench.instructions import render as render_instructions
from glasstls.bench.memory import memory_child
from glasstls.bench.profile import profile
from glasstls.bench.report import render
from glasstls.bench.run import run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glasstls.bench",
        description="glasstls vs Python's ssl vs the raw cryptography floor (handshakes, bulk, memory)",
    )
    parser.add_argument("--quick", action="store_true", help="a few iterations only (smoke test)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="handshake_ecdsa",
        choices=sorted(CASES_BY_KEY),
        metavar="CASE",
        help="cProfile glasstls handshakes of CASE (default handshake_ecdsa) instead; cases: "
        + ", ".join(CASES_BY_KEY),
    )
    parser.add_argument("--top", type=int, default=25, help="lines of the profile (default 25)")
    parser.add_argument(
        "--instructions",
        nargs="?",
        const="handshake_ecdsa",
        choices=sorted(CASES_BY_KEY),
        metavar="CASE",
        help="instructions per handshake of CASE (default handshake_ecdsa) for glasstls, ssl and the floor, "
        "counted by valgrind's callgrind (steady on a busy machine, unlike times) instead; nothing else is run",
    )
    parser.add_argument(
        "--handshakes", type=int, default=20, help="handshakes counted by --instructions (default 20)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--compiled",
        type=Path,
        metavar="DIR",
        help=f"the compiled build measured beside the pure package (default {DEFAULT_BUILD} if it exists)",
    )
    parser.add_argument("--no-compiled", action="store_true", help="measure the pure package only")
    parser.add_argument("--memory-child", nargs=3, metavar=("WHO", "N", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--compiled-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instructions-child", nargs=3, metavar=("CASE", "WHO", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instructions_child:
        case_key, who, n = args.instructions_child
        instructions_child(case_key, who, int(n))
        return 0
    if args.instructions:
        if args.handshakes < 1:
            parser.error(f"--handshakes must be at least 1, not {args.handshakes}")
        case = CASES_BY_KEY[args.instructions]
        try:
            figures = count_instructions(case, args.handshakes)
        except BenchError as exc:
            print(f"python -m glasstls.bench: {exc}", file=sys.stderr)
            return 2
        print(render_instructions(case, args.handshakes, figures))
        return 0
    if args.memory_child:
        who, n, directory = args.memory_child
        print(json.dumps(memory_child(who, int(n), Path(directory))))
        return 0
    plan = QUICK if args.quick else DEFAULT
    with tempfile.TemporaryDirectory(prefix="glasstls-bench-") as tmp:
        if args.profile:
            print(profile(plan, Path(tmp), CASES_BY_KEY[args.profile], args.top))
            return 0
        start = time.perf_counter()
        if args.compiled_child:  # the handshake and bulk rows of the compiled build, for the parent's table
            result = run(plan, Path(tmp), memory=False, imports=False)
            print(json.dumps(result))
            return 0
        build = None if args.no_compiled else find_build(args.compiled)
        if args.compiled is not None and build is None:
            parser.error(f"--compiled {args.compiled}: no compiled build there (make compiled)")
        result = run(plan, Path(tmp), compiled=build)
        if build is not None:
            _log(f"compiled build ({build}): handshakes and bulk in a child process")
            merge(result, run_child(build, args.quick))
        result["meta"]["seconds"] = time.perf_counter() - start
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(result))
        print(f"(run took {result['meta']['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
