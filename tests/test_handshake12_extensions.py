"""TLS 1.2 ServerHello extensions that TLS 1.3 moved elsewhere: ALPN, server_name, status_request and
record_size_limit are answered in a TLS 1.2 ServerHello (RFC 7301 section 3.1, RFC 6066 sections 3 and 8,
RFC 8449 section 4)."""

from __future__ import annotations

from glasstls.wire.enums import ProtocolVersion
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
