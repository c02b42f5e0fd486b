"""``--profile``: cProfile of the glasstls handshakes of one case."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from pathlib import Path

from glasstls.bench.cases import Case, Plan, make_material
from glasstls.bench.contenders import GlasstlsRunner


def profile(plan: Plan, directory: Path, case: Case, top: int = 25) -> str:
    """cProfile of glasstls handshakes of ``case``: only the timed part (``Runner.run``) is profiled."""
    material = make_material(directory)
    runner = GlasstlsRunner(material, case)
    for _ in range(5):
        runner.prepare()
        runner.check(runner.run())
    profiler = cProfile.Profile()
    elapsed = 0.0
    for _ in range(plan.profile_handshakes):
        runner.prepare()
        start = time.perf_counter()
        profiler.enable()
        result = runner.run()
        profiler.disable()
        elapsed += time.perf_counter() - start
        runner.check(result)
    out = io.StringIO()
    out.write(
        f"cProfile of {plan.profile_handshakes} glasstls handshakes, {case.key} ({case.metric}, "
        f"{case.suite}; client and server): {elapsed / plan.profile_handshakes * 1000:.3f} ms each under the "
        "profiler\n"
    )
    for order in ("cumulative", "tottime"):
        out.write(f"\n=== top {top} by {order} ===\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
    return out.getvalue()
