"""The explained story and the negotiated summary for TLS 1.2 handshakes."""

from __future__ import annotations

from glasstls.trace.render import build_story, negotiated_summary, render_plain
from glasstls.wire.enums import CipherSuite, ProtocolVersion
from handshake_pair import Pair, chain_of, client_config, server_config, server_credential

V12 = ProtocolVersion.TLS12


def _story(pair: Pair) -> str:
    return render_plain(build_story(pair.client.trace + pair.server.trace, negotiated=pair.client.negotiated))


def test_ecdhe_story_shows_the_tls12_flow_in_the_clear_until_change_cipher_spec() -> None:
    pair = Pair(client_config(max_version=V12), server_config())
    c, _ = pair.handshake()
    text = _story(pair)
    for fragment in (
        "SERVER_KEY_EXCHANGE",
        "CLIENT_KEY_EXCHANGE",
        "SERVER_HELLO_DONE",
        "CERTIFICATE (",
        "extended master secret",
        "sent change_cipher_spec",
    ):
        assert fragment in text, fragment
    assert "CERTIFICATE (" in text and "bytes, in the clear)" in text
    assert "FINISHED (16 bytes, encrypted)" in text
    assert "middlebox compatibility" not in text  # that is TLS 1.3's CCS; TLS 1.2's is a real protocol step
    assert ("key exchange", f"ECDHE {c.group}") in negotiated_summary(c)


def test_rsa_key_exchange_is_named_with_its_missing_forward_secrecy() -> None:
    suite = CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256
    pair = Pair(
        client_config(max_version=V12, cipher_suites=(suite,), allow_rsa_key_exchange=True),
        server_config(certificates=(chain_of(server_credential("rsa-2048")),), allow_rsa_key_exchange=True),
    )
    c, _ = pair.handshake()
    assert ("key exchange", "RSA key transport (no forward secrecy)") in negotiated_summary(c)
    assert "premaster secret encrypted to the server's RSA key" in _story(pair)
