"""``python -m glasstls.bench --quick --json`` runs and reports every row. No timing is asserted here:
the benchmark's numbers are for people (``make bench``), never a pass/fail condition of the suite."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

ROWS = {
    "handshake_ecdsa",
    "handshake_rsa",
    "bulk_aes_128_gcm",
    "bulk_chacha20_poly1305",
    "memory_tracemalloc",
    "memory_rss",
}


def _positive(stat: Any, where: str) -> None:
    assert isinstance(stat, dict), f"{where}: {stat!r}"
    for key in ("median", "p25", "p75", "min", "max"):
        value = stat[key]
        assert isinstance(value, int | float) and value > 0, f"{where}.{key} = {value!r}"
    assert stat["rounds"] >= 1


def test_quick_json_has_every_row() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls.bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    rows = {row["key"]: row for row in result["rows"]}
    assert set(rows) == ROWS
    pinned = result["meta"]["ssl_pinned"]
    for key, row in rows.items():
        _positive(row["glasstls"], f"{key}.glasstls")
        if pinned or not key.startswith("bulk"):
            _positive(row["ssl"], f"{key}.ssl")
        if key.startswith("memory"):
            assert row["floor"] is None
        else:
            _positive(row["floor"], f"{key}.floor")
            assert row["ratio_glasstls_floor"] > 0
            assert row["verdict"] in ("PASS", "MISS", None)
        if row["ssl"] is not None:
            assert row["ratio_glasstls_ssl"] > 0
