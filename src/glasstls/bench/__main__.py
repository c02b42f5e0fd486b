"""``python -m glasstls.bench``: the command line."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from glasstls.bench.cases import CASES_BY_KEY, DEFAULT, QUICK
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
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--memory-child", nargs=3, metavar=("WHO", "N", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
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
        result = run(plan, Path(tmp))
        result["meta"]["seconds"] = time.perf_counter() - start
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(result))
        print(f"(run took {result['meta']['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
