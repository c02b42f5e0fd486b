"""``python -m glasstls.bench --quick --json`` runs and reports every row. No timing is asserted here:
the benchmark's numbers are for people (``make bench``), never a pass/fail condition of the suite. What is
asserted: every row is there with positive figures, and no handshake failed or failed to resume (the bench
checks each one on both sides and counts a failure as an error, never as a sample)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FULL_HANDSHAKES = {
    "handshake_ecdsa",
    "handshake_rsa",
    "handshake12_ecdhe_ecdsa",
    "handshake12_ecdhe_rsa",
    "handshake12_rsa_kx",
}
RESUMED_HANDSHAKES = {"resume12_ticket", "resume12_session_id", "resume13_psk_dhe"}
ROWS = (
    FULL_HANDSHAKES
    | RESUMED_HANDSHAKES
    | {
        "bulk_aes_128_gcm",
        "bulk_chacha20_poly1305",
        "memory_tracemalloc",
        "memory_rss",
        "import_time",
    }
)


def _positive(stat: Any, where: str) -> None:
    assert isinstance(stat, dict), f"{where}: {stat!r}"
    for key in ("median", "p25", "p75", "min", "max"):
        value = stat[key]
        assert isinstance(value, int | float) and value > 0, f"{where}.{key} = {value!r}"
    assert stat["rounds"] >= 1


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "glasstls.bench", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def quick() -> dict[str, Any]:
    proc = _bench("--quick", "--json", "--no-compiled")
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_quick_json_has_every_row(quick: dict[str, Any]) -> None:
    result = quick
    rows = {row["key"]: row for row in result["rows"]}
    assert set(rows) == ROWS
    pinned = result["meta"]["ssl_pinned"]
    for key, row in rows.items():
        _positive(row["glasstls"], f"{key}.glasstls")
        if pinned or not key.startswith("bulk"):
            _positive(row["ssl"], f"{key}.ssl")
        if key.startswith("memory") or key in RESUMED_HANDSHAKES or key == "import_time":
            assert row["floor"] is None and row["ratio_glasstls_floor"] is None
        else:
            _positive(row["floor"], f"{key}.floor")
            assert row["ratio_glasstls_floor"] > 0
        if not key.startswith("memory"):
            assert row["verdict"] in ("PASS", "MISS", None)
        if row["ssl"] is not None:
            assert row["ratio_glasstls_ssl"] > 0


def test_quick_handshakes_all_succeed_and_resume(quick: dict[str, Any]) -> None:
    """Every handshake row ran each contender and none failed: in the resumption rows a handshake that did
    not resume on both sides would be counted here, not timed."""
    result = quick
    rows = {row["key"]: row for row in result["rows"]}
    for key in FULL_HANDSHAKES | RESUMED_HANDSHAKES:
        errors = rows[key]["errors"]
        expected = {"glasstls", "ssl"} | ({"floor"} if key in FULL_HANDSHAKES else set())
        assert set(errors) == expected, key
        for contender, tally in errors.items():
            assert tally["runs"] > 0, (key, contender)
            assert tally["errors"] == 0, (key, contender, tally["first_error"])
    assert not [n for n in result["notes"] if "failed" in n], result["notes"]


def test_profile_of_a_tls12_resumption_and_a_full_handshake() -> None:
    for case in ("resume12_ticket", "handshake12_ecdhe_ecdsa"):
        proc = _bench("--quick", "--profile", case, "--top", "5")
        assert proc.returncode == 0, proc.stderr
        assert f"glasstls handshakes, {case}" in proc.stdout
        assert "=== top 5 by cumulative ===" in proc.stdout


def test_unknown_profile_case_is_refused() -> None:
    proc = _bench("--profile", "no_such_case")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_import_time_row_has_a_target_of_its_own(quick: dict[str, Any]) -> None:
    row = next(row for row in quick["rows"] if row["key"] == "import_time")
    assert row["metric"] == "import glasstls.io.sync (ssl: import ssl)"
    assert row["target"] == "<= 60 ms"
    assert row["verdict"] == ("PASS" if row["glasstls"]["median"] <= 60 else "MISS")
    assert "compiled" not in row  # --no-compiled


def test_a_missing_compiled_build_is_refused(tmp_path: Path) -> None:
    proc = _bench("--quick", "--compiled", str(tmp_path))
    assert proc.returncode == 2
    assert "no compiled build there (make compiled)" in proc.stderr


def test_the_compiled_column_comes_from_the_childs_own_run() -> None:
    from glasstls.bench.compiled import merge
    from glasstls.bench.report import render

    stat = {"median": 2.0, "p25": 1.9, "p75": 2.1, "min": 1.8, "max": 2.2, "rounds": 3}
    row = {
        "key": "handshake_ecdsa",
        "metric": "handshake TLS 1.3",
        "unit": "ms",
        "higher_is_better": False,
        "glasstls": stat,
        "ssl": stat,
        "floor": None,
        "ratio_glasstls_ssl": 1.0,
        "ratio_glasstls_floor": None,
        "target": None,
        "verdict": None,
        "errors": None,
    }
    result = {
        "rows": [dict(row)],
        "notes": [],
        "meta": {"python": "3", "openssl_ssl": "o", "cryptography": "c", "cpus": 2},
        "glasstls_memory_top": [],
    }
    child = {"rows": [dict(row, glasstls=dict(stat, median=1.0), ratio_glasstls_ssl=0.5)], "notes": [], "meta": {}}
    merge(result, child)
    merged = result["rows"][0]
    assert merged["compiled"]["median"] == 1.0 and merged["ratio_compiled_ssl"] == 0.5
    table = render(result)
    assert "compiled/ssl" in table.splitlines()[0]
    assert "0.50x" in table
