"""``python -m glasstls.bench --quick --json`` runs and reports every row. No timing is asserted here:
the benchmark's numbers are for people (``make bench``), never a pass/fail condition of the suite. What is
asserted: every row is there with positive figures, and no handshake failed or failed to resume (the bench
checks each one on both sides and counts a failure as an error, never as a sample)."""

from __future__ import annotations

import json
import subprocess
import sys
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
    proc = _bench("--quick", "--json")
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
        if key.startswith("memory") or key in RESUMED_HANDSHAKES:
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
