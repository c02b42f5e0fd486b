"""``python -m glasstls.bench_fleet --count 5 --json`` resumes every handshake with both stores (a real
redis-server for the Redis row). Its figures are for people (``make bench``); only their presence is checked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from peers import require_tool


@pytest.mark.interop
def test_bench_fleet_quick_resumes_with_both_stores() -> None:
    require_tool("redis-server")
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls.bench_fleet", "--count", "5", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["resumption"]
    for name in ("in-memory", "redis"):
        assert rows[name]["resumed"] == rows[name]["handshakes"] == 5, rows
        assert rows[name]["per_s"] > 0
