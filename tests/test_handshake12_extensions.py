"""TLS 1.2 ServerHello extensions that TLS 1.3 moved elsewhere: ALPN, server_name, status_request and
record_size_limit are answered in a TLS 1.2 ServerHello (RFC 7301 section 3.1, RFC 6066 sections 3 and 8,
RFC 8449 section 4)."""

from __future__ import annotations

import pytest

from glasstls.wire.enums import CipherSuite, ProtocolVersion
from handshake_pair import Pair, client_config, server_config


def test_alpn_in_a_tls12_server_hello() -> None:
    pair = Pair(
        client_config(max_version=ProtocolVersion.TLS12, alpn_protocols=("h2", "http/1.1")),
        server_config(alpn_protocols=("http/1.1",)),
    )
    c, s = pair.handshake()
    assert c.version == ProtocolVersion.TLS12
    assert c.alpn_protocol == s.alpn_protocol == "http/1.1"


def test_record_size_limit_in_a_tls12_server_hello() -> None:
    pair = Pair(
        client_config(max_version=ProtocolVersion.TLS12, record_size_limit=1024),
        server_config(record_size_limit=2048),
    )
    c, _ = pair.handshake()
    assert c.version == ProtocolVersion.TLS12
    data = bytes(5000)
    assert pair.transfer("server", data) == data
    # The server honoured our limit: no TLS 1.2 record carries more than 1024 bytes of plaintext (RFC 8449
    # section 4: in TLS 1.2 the limit counts plaintext only), i.e. at most 1024 + 8 (explicit nonce) + 16 (tag).
    app = [r for r in pair.wire.records("s2c") if r[0] == 23]
    assert len(app) >= 5 and max(len(r) - 5 for r in app) <= 1024 + 8 + 16
    assert pair.transfer("client", data) == data


def test_both_sides_report_the_peers_record_size_limit_in_tls12() -> None:
    """Negotiated.record_size_limit is the peer's limit on both sides, as in TLS 1.3 (the TLS 1.2 server left it
    None although it honoured the limit)."""
    pair = Pair(
        client_config(max_version=ProtocolVersion.TLS12, record_size_limit=1024),
        server_config(record_size_limit=2048),
    )
    c, s = pair.handshake()
    assert c.version == s.version == ProtocolVersion.TLS12
    assert c.record_size_limit == 2048 and s.record_size_limit == 1024


def test_a_resumed_tls12_server_reports_the_clients_record_size_limit() -> None:
    """The abbreviated handshake (RFC 5246 section 7.3) answers record_size_limit too (RFC 8449 section 4)."""
    from glasstls.sessions import ClientSessionStore, ServerSessionCache

    client = client_config(
        max_version=ProtocolVersion.TLS12, record_size_limit=1024, session_store=ClientSessionStore()
    )
    server = server_config(session_cache=ServerSessionCache())
    Pair(client, server).handshake()
    c, s = Pair(client, server).handshake()
    assert c.resumed and s.resumed
    assert s.record_size_limit == 1024


def test_exporter_tells_no_context_from_an_empty_context_in_tls12() -> None:
    """RFC 5705 section 4: in TLS 1.2 a present, empty context (RFC 9266 tls-exporter) is not "no context"."""
    pair = Pair(client_config(max_version=ProtocolVersion.TLS12), server_config())
    pair.handshake()
    none = pair.client.export_keying_material(b"EXPORTER-Channel-Binding", None, 32)
    empty = pair.client.export_keying_material(b"EXPORTER-Channel-Binding", b"", 32)
    assert none != empty
    assert empty == pair.server.export_keying_material(b"EXPORTER-Channel-Binding", b"", 32)
    assert none == pair.server.export_keying_material(b"EXPORTER-Channel-Binding", None, 32)


def test_exporter_treats_none_as_the_empty_context_in_tls13() -> None:
    pair = Pair(client_config(), server_config())
    pair.handshake()
    assert pair.client.export_keying_material(b"x", None, 16) == pair.server.export_keying_material(b"x", b"", 16)


def test_tls12_only_suites_mean_tls12_only() -> None:
    """Configuring only TLS 1.2 suites must not offer TLS 1.3, which could then only fail."""
    suites = (CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,)
    config = client_config(cipher_suites=suites)
    assert config.max_version == ProtocolVersion.TLS12
    pair = Pair(config, server_config(cipher_suites=suites))
    c, s = pair.handshake()
    assert c.version == s.version == ProtocolVersion.TLS12


@pytest.mark.parametrize("max_version", [ProtocolVersion.TLS12, ProtocolVersion.TLS13])
def test_hello_request_before_the_server_hello_is_ignored_when_tls12_is_offered(max_version: ProtocolVersion) -> None:
    """RFC 5246 section 7.4.1.1: a client negotiating ignores HelloRequest, even before the ServerHello."""
    from glasstls.wire.messages import HelloRequest

    pair = Pair(client_config(max_version=max_version), server_config())
    pair.start()
    record = b"\x16\x03\x03\x00\x04" + HelloRequest().encode()  # a plaintext handshake record
    pair.client.receive_data(record)
    c, _ = pair.handshake()
    assert c.version == max_version
    assert any("ignored HelloRequest" in e.summary for e in pair.client.trace)


def test_hello_request_is_unexpected_for_a_tls13_only_client() -> None:
    from glasstls.errors import UnexpectedMessage

    pair = Pair(client_config(min_version=ProtocolVersion.TLS13), server_config())
    pair.start()
    try:
        pair.client.receive_data(b"\x16\x03\x03\x00\x04\x00\x00\x00\x00")
    except UnexpectedMessage:
        pass
    assert isinstance(pair.client.error, UnexpectedMessage)
