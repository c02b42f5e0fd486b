"""TLS 1.2 DHE_RSA over the RFC 7919 groups, in memory: opt-in, the group negotiation of RFC 7919 sections 3 and 4,
the peer value checks (section 5.1), and the messages' exact bytes.

Every DHE suite also runs through tests/test_handshake12.py::test_every_suite_completes_and_carries_data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from glasstls import errors
from glasstls.config import ClientConfig, ServerConfig
from glasstls.crypto import ffdhe
from glasstls.handshake.dhe12 import Dhe12KeyExchange, server_dhe_group
from glasstls.wire.enums import AlertDescription, CipherSuite, HandshakeType, NamedGroup, ProtocolVersion
from glasstls.wire.messages import HandshakeMessage, decode_handshake
from glasstls.wire.messages_dhe import ClientKeyExchangeDhe, ServerKeyExchangeDhe
from handshake_pair import Pair, chain_of, client_config, server_config, server_credential

V12 = ProtocolVersion.TLS12
G = NamedGroup
DHE = CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
ECDHE_RSA = CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
AD = AlertDescription


def _pair(client: dict[str, Any], server: dict[str, Any]) -> Pair:
    c: dict[str, Any] = {"max_version": V12, "allow_dhe": True, "cipher_suites": (DHE,)}
    s: dict[str, Any] = {"allow_dhe": True, "certificates": (chain_of(server_credential("rsa-2048")),)}
    c.update(client)
    s.update(server)
    c.setdefault("key_share_groups", c["groups"][:1] if "groups" in c else None)
    if c["key_share_groups"] is None:
        del c["key_share_groups"]
    return Pair(client_config(**c), server_config(**s))


def test_dhe_is_opt_in() -> None:
    assert not any(s in ClientConfig().cipher_suites for s in (DHE, CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384))
    with pytest.raises(errors.ConfigError, match="allow_dhe"):
        ClientConfig(cipher_suites=(DHE,))
    assert DHE in ClientConfig(allow_dhe=True).cipher_suites
    with pytest.raises(errors.ConfigError, match="allow_dhe"):
        server_config(cipher_suites=(DHE,))
    assert isinstance(server_config(allow_dhe=True), ServerConfig)


@pytest.mark.parametrize(
    ("client_groups", "server_groups", "expected"),
    [
        ((G.X25519, G.FFDHE3072), (G.X25519, G.FFDHE2048, G.FFDHE3072), G.FFDHE3072),  # the client's FFDHE group
        ((G.X25519,), (G.X25519,), G.FFDHE2048),  # no FFDHE offered: the server's first (default ffdhe2048)
        ((G.X25519,), (G.X25519, G.FFDHE4096), G.FFDHE4096),  # ... or its first configured one
        ((G.FFDHE8192,), (G.FFDHE8192, G.FFDHE2048), G.FFDHE8192),
    ],
)
def test_rfc7919_group_negotiation(
    client_groups: tuple[NamedGroup, ...], server_groups: tuple[NamedGroup, ...], expected: NamedGroup
) -> None:
    pair = _pair({"groups": client_groups}, {"groups": server_groups})
    client, server = pair.handshake()
    assert client.cipher_suite == server.cipher_suite == DHE
    assert client.group == server.group == expected
    assert pair.transfer("client", b"dhe") == b"dhe"
    assert any(f"DHE share over {expected}" in e.summary for e in pair.client.trace)


def test_ffdhe_offered_but_none_acceptable_falls_back_to_ecdhe_or_is_insufficient_security() -> None:
    # RFC 7919 section 4: the server MUST NOT choose DHE then; ECDHE if there is one, else insufficient_security.
    pair = _pair(
        {"groups": (G.X25519, G.FFDHE4096), "cipher_suites": (DHE, ECDHE_RSA)}, {"groups": (G.X25519, G.FFDHE2048)}
    )
    client, _ = pair.handshake()
    assert client.cipher_suite == ECDHE_RSA
    pair = _pair({"groups": (G.X25519, G.FFDHE4096)}, {"groups": (G.X25519, G.FFDHE2048)})
    pair.pump()
    assert pair.server_error is not None and pair.server_error.alert == AD.INSUFFICIENT_SECURITY
    assert "RFC 7919 section 4" in pair.server_error.reason
    # An FFDHE code point unknown to us counts as an FFDHE offer too (RFC 7919 section 4).
    assert server_dhe_group((G.FFDHE2048,), (G.X25519, G(0x01FC))) is None
    assert server_dhe_group((G.FFDHE2048,), (G.X25519,)) == G.FFDHE2048


def _replace_ske(pair: Pair, change: Any) -> None:
    def mutate(m: HandshakeMessage) -> HandshakeMessage | None:
        return change(m) if isinstance(m, ServerKeyExchangeDhe) else None

    with pair.mutate("server", mutate):
        pair.pump()


def test_client_refuses_a_group_that_is_not_rfc7919() -> None:
    pair = _pair({"groups": (G.X25519,)}, {})
    p = ffdhe.FFDHE_PRIMES[G.FFDHE2048] - 2**64 * 1000  # a 2048-bit modulus that is not the RFC's
    _replace_ske(pair, lambda m: dataclasses.replace(m, p=p.to_bytes(256, "big")))
    assert pair.client_error is not None and pair.client_error.alert == AD.INSUFFICIENT_SECURITY
    assert "not an RFC 7919 group" in pair.client_error.reason


def test_client_refuses_an_rfc7919_group_it_did_not_offer() -> None:
    pair = _pair({"groups": (G.X25519, G.FFDHE3072)}, {})
    two_k = ffdhe.FFDHE_PRIMES[G.FFDHE2048].to_bytes(256, "big")
    _replace_ske(pair, lambda m: dataclasses.replace(m, p=two_k))
    assert pair.client_error is not None and pair.client_error.alert == AD.INSUFFICIENT_SECURITY
    assert "not among the FFDHE groups we offered" in pair.client_error.reason


@pytest.mark.parametrize("bad", ["zero", "one", "p-1", "p", "too-long"])
def test_server_refuses_a_bad_client_value(bad: str) -> None:
    p = ffdhe.FFDHE_PRIMES[G.FFDHE2048]
    value = {
        "zero": b"\x00",
        "one": b"\x01",
        "p-1": (p - 1).to_bytes(256, "big"),
        "p": p.to_bytes(256, "big"),
        "too-long": (5).to_bytes(257, "big"),
    }[bad]
    pair = _pair({"groups": (G.FFDHE2048,)}, {})

    def mutate(m: HandshakeMessage) -> HandshakeMessage | None:
        return ClientKeyExchangeDhe(value) if isinstance(m, ClientKeyExchangeDhe) else None

    with pair.mutate("client", mutate):
        pair.pump()
    assert pair.server_error is not None and pair.server_error.alert == AD.ILLEGAL_PARAMETER, pair.server_error
    assert "RFC 7919 section 5.1" in pair.server_error.reason or "1 to 256" in pair.server_error.reason


def test_tls12_values_may_be_short_and_the_premaster_has_no_leading_zeros() -> None:
    a, b = Dhe12KeyExchange(G.FFDHE2048), Dhe12KeyExchange(G.FFDHE2048)
    # dh_Y is an integer: the leading zeros may be dropped (RFC 5246 section 7.4.3), the secret is the same.
    z1 = a.exchange(b.public_bytes().lstrip(b"\x00"))
    z2 = b.exchange(a.public_bytes())
    assert z1 == z2 and z1[0] != 0  # RFC 5246 section 8.1.2: leading zero bytes stripped
    with pytest.raises(errors.IllegalParameter, match=r"RFC 7919 section 5\.1"):
        a.exchange(b"\x00\x00\x01")


def test_dhe_messages_exact_bytes() -> None:
    ske = ServerKeyExchangeDhe(b"\x17", b"\x02", b"\x05\x06", CipherSuite(0x0804), b"\xaa")  # type: ignore[arg-type]
    body = bytes.fromhex("0001170001020002050608040001aa")
    assert ske.encode_body() == body and ske.params_bytes() == body[:10]
    assert decode_handshake(HandshakeType.SERVER_KEY_EXCHANGE, body, version=V12, key_exchange="DHE") == ske
    cke = ClientKeyExchangeDhe(b"\x01\x02")
    assert cke.encode_body() == bytes.fromhex("00020102")
    assert (
        decode_handshake(HandshakeType.CLIENT_KEY_EXCHANGE, bytes.fromhex("00020102"), version=V12, key_exchange="DHE")
        == cke
    )
    for prefix in (b"", b"\x00", b"\x00\x00"):  # dh_Yc<1..2^16-1>: empty or truncated is decode_error
        with pytest.raises(errors.DecodeError):
            decode_handshake(HandshakeType.CLIENT_KEY_EXCHANGE, prefix, version=V12, key_exchange="DHE")
