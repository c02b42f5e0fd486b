"""Statistics and interleaving: every round runs each contender once, in a rotating order."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from glasstls.bench.contenders import Runner

# -- statistics and interleaving -------------------------------------------------------------------------


@dataclass
class Stat:
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]

    def as_json(self) -> dict[str, float | int]:
        p25, p75 = self.quartiles()
        return {
            "median": self.median,
            "p25": p25,
            "p75": p75,
            "min": min(self.samples),
            "max": max(self.samples),
            "rounds": len(self.samples),
        }


@dataclass
class Tally:
    """Handshakes run and failed by one task (warm-up included)."""

    runs: int = 0
    errors: int = 0
    first_error: str | None = None

    def fail(self, error: BaseException) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = f"{type(error).__name__}: {error}"

    def as_json(self) -> dict[str, Any]:
        return {"runs": self.runs, "errors": self.errors, "first_error": self.first_error}


def _handshake_ms(runner: Runner, n: int, tally: Tally) -> Callable[[], float | None]:
    """A task that runs ``n`` handshakes, each timed on its own, and returns the mean milliseconds of those
    that succeeded (None if none did). A handshake that raises or fails its check is an error, not a sample."""

    def task() -> float | None:
        total = 0.0
        ok = 0
        for _ in range(n):
            tally.runs += 1
            try:
                runner.prepare()
                start = time.perf_counter()
                result = runner.run()
                elapsed = time.perf_counter() - start
                runner.check(result)
            except Exception as error:  # every failure is counted and reported, none is timed
                tally.fail(error)
                continue
            total += elapsed
            ok += 1
        return total / ok * 1000 if ok else None

    return task


def _mb_per_s(fn: Callable[[], float], megabytes: float) -> Callable[[], float]:
    """A task that turns the seconds ``fn`` took to move ``megabytes`` into MB/s."""
    return lambda: megabytes / fn()


def interleave(tasks: dict[str, Callable[[], float | None]], rounds: int) -> dict[str, Stat]:
    """Run every task once per round, rotating the order each round; each task returns one sample (None: no
    sample this round)."""
    names = list(tasks)
    stats = {name: Stat() for name in names}
    for name in names:  # warm-up, not recorded
        tasks[name]()
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            sample = tasks[name]()
            if sample is not None:
                stats[name].samples.append(sample)
    return stats


def _stat(stats: dict[str, Stat], name: str) -> Stat | None:
    s = stats.get(name)
    return s if s is not None and s.samples else None
