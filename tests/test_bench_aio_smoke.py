"""``python -m glasstls.bench_aio --quick --json`` runs for both servers with no failed connection. Its figures
are for people (``make bench``); here only their presence is checked, never their size."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.interop
def test_bench_aio_quick_reports_both_servers() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls.bench_aio", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result["servers"]) == {"glasstls", "ssl"}
    for kind, row in result["servers"].items():
        assert row["connections"] == 50 and row["failures"] == 0, (kind, row)
        for key in ("handshakes_per_s", "server_cpu_ms_per_handshake"):
            assert row[key] > 0, (kind, key, row)
        assert row["server_rss_open_kib"] > 0
