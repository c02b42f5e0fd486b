"""How trace lines write a moment (glasstls/trace/times.py): what ``f"{moment:%Y-%m-%d %H:%M:%S}"`` wrote, without
libc's strftime; and the resumption lines that name when a session was made say it that way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from glasstls.trace.times import seconds_text
from handshake_pair import Pair, client_config, server_config


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC),
        datetime(2026, 1, 15, 12, 0, 59, 999999, tzinfo=UTC),  # no rounding up
        datetime(2026, 12, 31, 23, 59, 59),  # naive
        datetime(2026, 3, 1, 1, 2, 3, tzinfo=timezone(timedelta(hours=5))),  # its own fields, not converted
        datetime(1999, 9, 9, 9, 9, 9, 1, tzinfo=UTC),
    ],
)
def test_seconds_text_is_the_strftime_text(moment: datetime) -> None:
    assert seconds_text(moment) == f"{moment:%Y-%m-%d %H:%M:%S}"


def test_seconds_text_writes_the_year_in_four_digits() -> None:
    assert seconds_text(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02 03:04:05"


def test_tls13_resumption_traces_name_the_sessions_time() -> None:
    client, server = client_config(), server_config()
    first = Pair(client, server)
    first.handshake()
    first.transfer("client", b"ping")  # delivers the tickets
    second = Pair(client, server)
    _, s = second.handshake()
    assert s.resumed
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert any(re.search(f"offering a session ticket from {stamp}", e.summary) for e in second.client.trace)
    assert any(re.search(f"resuming the session of {stamp}", e.summary) for e in second.server.trace)
