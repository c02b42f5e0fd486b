"""TLS 1.3 0-RTT early data (issue 15): configuration bounds, the command line, and the server's decisions in
in-memory pairs (the live tests with OpenSSL and GnuTLS are in test_interop_early_data_*.py)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

import pytest

from glasstls.config import MAX_EARLY_DATA_SIZE, ClientConfig, ServerConfig
from glasstls.errors import ConfigError
from glasstls.events import EarlyDataAccepted, EarlyDataReceived, EarlyDataRejected, Event
from glasstls.sessions import ServerSessionCache
from glasstls.trace.render import build_story, render_plain
from glasstls.wire import extensions as ext
from glasstls.wire.enums import NamedGroup
from handshake_pair import Pair, client_config, server_config
from test_resumption13 import client_hellos
from test_sessions import T0 as NOW

E = TypeVar("E", bound=Event)


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


# -- in-memory pairs: both sides of glasstls ------------------------------------------------------------------


def _early_pair(client: ClientConfig, server: ServerConfig, data: bytes) -> Pair:
    """A second connection that sends ``data`` as 0-RTT (the first one left a ticket in the client's store)."""
    pair = Pair(client, server)
    pair._started = True
    with pair._as("client"):
        pair.client.start(early_data=data)
    pair.pump()
    return pair


def _first(client: ClientConfig, server: ServerConfig) -> None:
    pair = Pair(client, server)
    pair.handshake()
    assert pair.transfer("client", b"ping") == b"ping"  # also delivers the tickets


def _of(events: list[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def test_pair_early_data_accepted() -> None:
    client, server = client_config(), server_config(max_early_data_size=1000)
    _first(client, server)
    pair = _early_pair(client, server, b"GET / early")
    c, s = pair.handshake()
    assert c.resumed and s.resumed
    assert _of(pair.server_events, EarlyDataReceived) == [EarlyDataReceived(b"GET / early")]
    assert _of(pair.client_events, EarlyDataAccepted) == [EarlyDataAccepted(11)]
    assert not _of(pair.client_events, EarlyDataRejected)
    assert pair.transfer("client", b"after") == b"after"
    assert pair.transfer("server", b"back") == b"back"
    client_trace = " ".join(e.summary for e in pair.client.trace)
    assert "no forward secrecy" in client_trace and "replayed" in client_trace
    assert "0-RTT early data accepted" in " ".join(e.summary for e in pair.server.trace)
    assert any(line.startswith("CLIENT_EARLY_TRAFFIC_SECRET") for line in pair.client_keylog.lines)
    assert any(line.startswith("CLIENT_EARLY_TRAFFIC_SECRET") for line in pair.server_keylog.lines)


def test_pair_early_data_refused_by_a_server_without_it() -> None:
    """Same ticket keys and cache, but the second server does not take early data: rejected, data returned."""
    client, server = client_config(), server_config(max_early_data_size=1000)
    _first(client, server)
    pair = _early_pair(client, replace(server, max_early_data_size=0), b"early")
    c, _ = pair.handshake()
    assert c.resumed
    assert not _of(pair.server_events, EarlyDataReceived)
    rejected = _of(pair.client_events, EarlyDataRejected)
    assert [r.data for r in rejected] == [b"early"] and "declined" in rejected[0].reason
    assert pair.transfer("client", b"resent") == b"resent"


def test_pair_early_data_not_sent_when_the_ticket_does_not_allow_it() -> None:
    client, server = client_config(), server_config()
    _first(client, server)
    pair = _early_pair(client, server, b"early")
    pair.handshake()
    rejected = _of(pair.client_events, EarlyDataRejected)
    assert len(rejected) == 1 and "does not allow early data" in rejected[0].reason
    assert not any(isinstance(ext_, ext.EarlyData) for ext_ in client_hellos(pair)[0].extensions)


def test_pair_early_data_after_hello_retry_request_is_rejected_and_the_hello_is_plaintext() -> None:
    """The server wants another key share: 0-RTT is rejected, the second ClientHello goes in plaintext."""
    client = client_config(key_share_groups=(NamedGroup.SECP384R1,))
    server = server_config(max_early_data_size=1000, groups=(NamedGroup.X25519, NamedGroup.SECP384R1))
    _first(client, server)
    pair = _early_pair(client, replace(server, groups=(NamedGroup.X25519,)), b"early")
    c, _ = pair.handshake()
    assert c.hello_retry_request and c.resumed
    rejected = _of(pair.client_events, EarlyDataRejected)
    assert len(rejected) == 1 and "HelloRetryRequest" in rejected[0].reason
    assert not _of(pair.server_events, EarlyDataReceived)


def test_pair_more_early_data_than_the_ticket_allows_is_not_sent() -> None:
    client, server = client_config(), server_config(max_early_data_size=10)
    _first(client, server)
    pair = _early_pair(client, server, b"x" * 11)
    pair.handshake()
    rejected = _of(pair.client_events, EarlyDataRejected)
    assert len(rejected) == 1 and "more than the ticket allows" in rejected[0].reason


def test_pair_early_data_without_a_ticket_is_reported() -> None:
    pair = _early_pair(client_config(), server_config(max_early_data_size=100), b"early")
    pair.handshake()
    assert "no stored TLS 1.3 session ticket" in _of(pair.client_events, EarlyDataRejected)[0].reason


def test_pair_alpn_is_bound_to_the_ticket() -> None:
    """The ticket's session used h2; the server now picks http/1.1: it must refuse 0-RTT (RFC 8446 4.2.10)."""
    client = client_config(alpn_protocols=("h2", "http/1.1"))
    server = server_config(max_early_data_size=100, alpn_protocols=("h2", "http/1.1"))
    _first(client, server)
    pair = _early_pair(client, replace(server, alpn_protocols=("http/1.1",)), b"early")
    c, _ = pair.handshake()
    assert c.alpn_protocol == "http/1.1"
    assert not _of(pair.server_events, EarlyDataReceived)
    assert any("ALPN" in e.summary and "refused" in e.summary for e in pair.server.trace)


def test_the_story_explains_early_data() -> None:
    """The trace story has an early-data step: what went before the handshake finished, that it is not forward
    secret and replayable, the server's reason for accepting it, and EndOfEarlyData."""
    client, server = client_config(), server_config(max_early_data_size=1000)
    _first(client, server)
    pair = _early_pair(client, server, b"GET / early")
    pair.handshake()
    sections = build_story(pair.client.trace + pair.server.trace, negotiated=pair.client.negotiated)
    early = next(s for s in sections if s.key == "early_data")
    text = render_plain([early])
    assert "sent before the handshake finished" in text and "no forward secrecy" in text
    assert "sent 11 bytes of 0-RTT early data" in text and "END_OF_EARLY_DATA" in text
    assert "replayable" in text or "replayed" in text
    refused = _early_pair(client, replace(server, max_early_data_size=0), b"early")
    refused.handshake()
    story = render_plain(build_story(refused.server.trace, negotiated=refused.server.negotiated))
    assert "refused, this server does not accept early data" in story


def test_more_early_data_than_the_ticket_allows_is_unexpected_message() -> None:
    """RFC 8446 section 4.2.10: the server counts 0-RTT bytes against the ticket's max_early_data_size."""
    from glasstls.crypto.suites import TLS13_SUITES
    from glasstls.crypto.transcript import Transcript
    from glasstls.errors import UnexpectedMessage
    from glasstls.handshake.base import Closed, Context
    from glasstls.handshake.early_data import EarlyAcceptance, ExpectEndOfEarlyData
    from glasstls.wire.enums import CipherSuite

    suite = TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256]
    ctx = Context("server", server_config())
    state = ExpectEndOfEarlyData(ctx, EarlyAcceptance(10, bytes(32)), Transcript(), suite, bytes(32), Closed())
    assert state.early_data_received(b"x" * 10) == EarlyDataReceived(b"x" * 10)
    with pytest.raises(UnexpectedMessage, match="more than the 10"):
        state.early_data_received(b"y")
