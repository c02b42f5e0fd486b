"""The import time of what a client program imports (``import glasstls.io.sync``), beside ``import ssl``.

Each sample is a fresh interpreter (``python -c``) timing the one import statement with ``time.perf_counter``
(the interpreter's own start-up is not counted; ``python -X importtime`` gives the per-module breakdown). The
samples alternate between the contenders, like the other rows. The compiled build is measured when it exists
(``PYTHONPATH`` set to it; the child checks that it really imported the compiled modules).

The children may write bytecode caches (``PYTHONDONTWRITEBYTECODE`` is removed from their environment) and one
unmeasured import per contender writes them first: an installed package has its ``.pyc`` files, and without
them each sample would time compiling every module from source (about a third of the figure here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from glasstls.bench.stats import Stat

#: What a client program imports (issue 17: at most 60 ms), and what it is compared with.
MODULE = "glasstls.io.sync"
TARGET_MS = 60.0
#: Seconds one child may take (an import that hangs is a failure, not a sample).
CHILD_TIMEOUT = 60

_CHILD = """
import json, sys, time
start = time.perf_counter()
import {module}
ms = (time.perf_counter() - start) * 1000
conn = sys.modules.get("glasstls.connection")
print(json.dumps({{"ms": ms, "compiled": bool(conn and conn.__file__.endswith(".so"))}}))
"""


def import_ms(module: str, pythonpath: Path | None = None) -> tuple[float, bool]:
    """Milliseconds to import ``module`` in a fresh interpreter, and whether glasstls came compiled."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with the .pyc caches an installed package has
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(module=module)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout)
    return float(result["ms"]), bool(result["compiled"])


def measure_imports(rounds: int, compiled: Path | None) -> dict[str, Stat | None]:
    """Stats keyed ``glasstls`` (pure), ``compiled`` (when ``compiled`` is given) and ``ssl``."""
    stats: dict[str, Stat] = {"glasstls": Stat(), "ssl": Stat()}
    if compiled is not None:
        stats["compiled"] = Stat()
    import_ms(MODULE)  # writes the bytecode caches; not a sample
    if compiled is not None:
        import_ms(MODULE, compiled)
    for r in range(rounds):
        order = list(stats)
        order = order[r % len(order) :] + order[: r % len(order)]
        for who in order:
            if who == "ssl":
                ms, _ = import_ms("ssl")
            elif who == "compiled":
                assert compiled is not None
                ms, really = import_ms(MODULE, compiled)
                if not really:
                    raise RuntimeError(f"{compiled} did not give the compiled glasstls")
            else:
                ms, _ = import_ms(MODULE)
            stats[who].samples.append(ms)
    return dict(stats)
