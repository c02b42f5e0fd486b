"""The NSS key log file holds every session's secrets: it is the owner's alone (issue 9 item 5)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from glasstls.trace.keylog import KEYLOG_MODE, KeyLogFile


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The umask most systems run with (0022: new files 0644), whatever the test runner set."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_key_log_is_created_owner_only(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "keys.txt"
    keylog = KeyLogFile(path)
    assert path.exists()  # created (and checked) when configured, not at the first handshake
    assert mode(path) == KEYLOG_MODE == 0o600
    keylog.log("CLIENT_RANDOM", b"\x01" * 32, b"\x02" * 48)
    keylog.log("EXPORTER_SECRET", b"\x01" * 32, b"\x03" * 32)
    assert mode(path) == 0o600
    lines = path.read_text().splitlines()
    assert lines == [f"CLIENT_RANDOM {'01' * 32} {'02' * 48}", f"EXPORTER_SECRET {'01' * 32} {'03' * 32}"]


def test_existing_key_log_readable_by_others_is_made_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys.txt"
    path.write_text("CLIENT_RANDOM aa bb\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="glasstls.keylog"):
        keylog = KeyLogFile(path)
    assert mode(path) == 0o600
    assert "made it private" in caplog.text
    keylog.log("CLIENT_RANDOM", b"\x01", b"\x02")
    assert path.read_text() == "CLIENT_RANDOM aa bb\nCLIENT_RANDOM 01 02\n"  # appended, not replaced


def test_key_log_removed_meanwhile_is_made_again_owner_only(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "keys.txt"
    keylog = KeyLogFile(path)
    path.unlink()  # rotated away
    keylog.log("CLIENT_RANDOM", b"\x01", b"\x02")
    assert mode(path) == 0o600


def test_key_log_that_cannot_be_opened_fails_when_configured(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        KeyLogFile(tmp_path / "missing-directory" / "keys.txt")
    with pytest.raises(OSError):
        KeyLogFile(tmp_path)  # a directory


def test_not_a_regular_file_is_left_as_it_is() -> None:
    before = os.stat("/dev/null").st_mode
    KeyLogFile("/dev/null").log("CLIENT_RANDOM", b"\x01", b"\x02")
    assert os.stat("/dev/null").st_mode == before
