"""TLS 1.3 0-RTT early data (issue 15): configuration bounds, the command line, and the server's decisions in
in-memory pairs (the live tests with OpenSSL and GnuTLS are in test_interop_early_data_*.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from glasstls.config import MAX_EARLY_DATA_SIZE
from glasstls.errors import ConfigError
from glasstls.sessions import ServerSessionCache
from handshake_pair import server_config
from test_sessions import T0 as NOW


@pytest.mark.parametrize("size", [-1, MAX_EARLY_DATA_SIZE + 1])
def test_max_early_data_size_is_bounded(size: int) -> None:
    with pytest.raises(ConfigError, match="max_early_data_size"):
        server_config(max_early_data_size=size)


@pytest.mark.parametrize("value", ["0", "65537", "lots"])
def test_serve_early_data_bad_size_is_exit_2(value: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "serve", "--port", "0", "--early-data", value],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert b"--early-data" in proc.stderr and b"Traceback" not in proc.stderr


def test_client_hello_record_refuses_a_second_copy_until_it_expires() -> None:
    cache = ServerSessionCache()
    key = b"k" * 32
    later = NOW + timedelta(seconds=20)
    assert cache.record_client_hello(key, expires=later, now=NOW)
    assert not cache.record_client_hello(key, expires=later, now=NOW + timedelta(seconds=1))  # a replay
    assert cache.record_client_hello(b"other" * 4, expires=later, now=NOW)
    assert cache.record_client_hello(key, expires=later + timedelta(seconds=20), now=later)  # expired: forgotten
