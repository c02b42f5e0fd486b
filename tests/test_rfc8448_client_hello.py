"""RFC 8448 section 3 ("Simple 1-RTT Handshake"): the client's ClientHello.

Two checks:

1. The RFC's ClientHello decodes with ``decode_handshake`` and re-encodes to the very same bytes.
2. Our ``ClientConnection``, given the RFC's client random and X25519 private key through the injected
   ``random``, builds a ClientHello with the RFC's random, cipher suites and key share.

Full byte equality with the RFC's ClientHello is not expected: that client also offers the ffdhe groups,
DSA and SHA-1 signature schemes, renegotiation_info, session_ticket and psk_key_exchange_modes, which
glasstls does not send, and orders its extensions differently. So the comparison is field by field, and
extension by extension for the extensions both send.
"""

from __future__ import annotations

from glasstls.config import ClientConfig
from glasstls.connection import ClientConnection
from glasstls.crypto.signatures import SUPPORTED_SIGNATURE_SCHEMES
from glasstls.wire import extensions as ext
from glasstls.wire.enums import CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion
from glasstls.wire.messages import ClientHello, decode_handshake


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


# RFC 8448 section 3, "{client}  construct a ClientHello handshake message" (196 octets).
RFC_CLIENT_HELLO = h("""
    01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
    02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01
    00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00
    26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69
    1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01
    05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01""")
# RFC 8448 section 3, "{client}  create an ephemeral x25519 key pair".
RFC_CLIENT_PRIVATE = h(
    "49 af 42 ba 7f 79 94 85 2d 71 3e f2 78 4b cb ca a7 91 1d e2 6a dc 56 42 cb 63 45 40 e7 ea 50 05"
)
RFC_CLIENT_PUBLIC = h("99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c")
RFC_RANDOM = h("cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7")
RFC_SUITES = (
    CipherSuite.TLS_AES_128_GCM_SHA256,
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite.TLS_AES_256_GCM_SHA384,
)


def rfc_hello() -> ClientHello:
    assert RFC_CLIENT_HELLO[0] == HandshakeType.CLIENT_HELLO
    assert int.from_bytes(RFC_CLIENT_HELLO[1:4], "big") == len(RFC_CLIENT_HELLO) - 4 == 192
    msg = decode_handshake(RFC_CLIENT_HELLO[0], RFC_CLIENT_HELLO[4:])
    assert isinstance(msg, ClientHello)
    return msg


def test_rfc_client_hello_decodes_and_reencodes_byte_identically() -> None:
    hello = rfc_hello()
    assert hello.encode() == RFC_CLIENT_HELLO
    assert hello.random == RFC_RANDOM
    assert hello.legacy_session_id == b""
    assert hello.cipher_suites == RFC_SUITES
    assert [e.ext_type for e in hello.extensions] == [
        ExtensionType.SERVER_NAME,
        ExtensionType.RENEGOTIATION_INFO,
        ExtensionType.SUPPORTED_GROUPS,
        ExtensionType.SESSION_TICKET,
        ExtensionType.KEY_SHARE,
        ExtensionType.SUPPORTED_VERSIONS,
        ExtensionType.SIGNATURE_ALGORITHMS,
        ExtensionType.PSK_KEY_EXCHANGE_MODES,
        ExtensionType.RECORD_SIZE_LIMIT,
    ]
    shares = ext.get_extension(hello.extensions, ext.KeyShareClientHello)
    assert shares is not None
    assert [(e.group, e.key_exchange) for e in shares.client_shares] == [(NamedGroup.X25519, RFC_CLIENT_PUBLIC)]


def _rfc_random():  # type: ignore[no-untyped-def]
    """The injected random: first the client random, then the X25519 private key, then nothing more."""
    values = [RFC_RANDOM, RFC_CLIENT_PRIVATE]

    def random(n: int) -> bytes:
        assert values, "glasstls asked for more random bytes than the RFC's client used"
        value = values.pop(0)
        assert n == len(value)
        return value

    return random


def our_hello() -> tuple[ClientHello, bytes]:
    rfc = rfc_hello()
    rfc_schemes = ext.get_extension(rfc.extensions, ext.SignatureAlgorithms)
    assert rfc_schemes is not None
    config = ClientConfig(
        dangerous_skip_verification=True,  # never reaches a certificate; no trust store needed
        middlebox_compatibility=False,  # the RFC's legacy_session_id is empty
        cipher_suites=RFC_SUITES,
        groups=(NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup.SECP384R1, NamedGroup.SECP521R1),
        key_share_groups=(NamedGroup.X25519,),
        # The RFC's list, less DSA and SHA-1 (0x0201-0x0203, 0x0402-0x0602): glasstls cannot verify those.
        signature_schemes=tuple(
            s for s in rfc_schemes.supported_signature_algorithms if s in SUPPORTED_SIGNATURE_SCHEMES
        ),
        record_size_limit=0x4001,
        min_version=ProtocolVersion.TLS13,  # the RFC's client speaks TLS 1.3 only
        random=_rfc_random(),
    )
    client = ClientConnection(config, server_name="server")
    client.start()
    record = client.data_to_send()
    assert record[0] == ContentType.HANDSHAKE
    assert int.from_bytes(record[3:5], "big") == len(record) - 5
    raw = record[5:]
    msg = decode_handshake(raw[0], raw[4:])
    assert isinstance(msg, ClientHello)
    return msg, raw


def test_our_client_hello_matches_the_rfc_field_by_field() -> None:
    rfc = rfc_hello()
    ours, raw = our_hello()
    assert ours.encode() == raw  # what we decoded is what was sent
    assert ours.legacy_version == rfc.legacy_version == ProtocolVersion.TLS12
    assert ours.random == rfc.random == RFC_RANDOM
    assert ours.legacy_session_id == rfc.legacy_session_id == b""
    assert ours.cipher_suites == rfc.cipher_suites == RFC_SUITES
    assert ours.legacy_compression_methods == rfc.legacy_compression_methods == b"\x00"

    theirs = {e.ext_type: e for e in rfc.extensions}
    mine = {e.ext_type: e for e in ours.extensions}
    # The extensions glasstls sends are a subset of the RFC client's.
    assert set(mine) <= set(theirs), set(mine) - set(theirs)
    # Identical where both send the same thing.
    for kind in (
        ExtensionType.SERVER_NAME,
        ExtensionType.KEY_SHARE,
        ExtensionType.SUPPORTED_VERSIONS,
        ExtensionType.RECORD_SIZE_LIMIT,
        ExtensionType.PSK_KEY_EXCHANGE_MODES,
    ):
        assert mine[kind] == theirs[kind], kind
    shares = ext.get_extension(ours.extensions, ext.KeyShareClientHello)
    assert shares is not None and shares.client_shares[0].key_exchange == RFC_CLIENT_PUBLIC
    # signature_algorithms: the RFC's order, without DSA and SHA-1.
    rfc_schemes = ext.get_extension(rfc.extensions, ext.SignatureAlgorithms)
    our_schemes = ext.get_extension(ours.extensions, ext.SignatureAlgorithms)
    assert rfc_schemes is not None and our_schemes is not None
    expected = [
        0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
    ]  # fmt: skip
    assert list(our_schemes.supported_signature_algorithms) == expected
    assert set(rfc_schemes.supported_signature_algorithms) - set(expected) == {
        0x0203, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202,
    }  # fmt: skip
    # supported_groups: the RFC's list without the finite-field groups glasstls does not implement.
    rfc_groups = ext.get_extension(rfc.extensions, ext.SupportedGroups)
    our_groups = ext.get_extension(ours.extensions, ext.SupportedGroups)
    assert rfc_groups is not None and our_groups is not None
    # RFC 7919: ffdhe2048..ffdhe8192 are 0x0100..0x0104 (ffdhe6144/8192 have no name in our enum).
    assert our_groups.named_group_list == tuple(g for g in rfc_groups.named_group_list if not 0x0100 <= g <= 0x01FF)
    # Not sent by a TLS 1.3-only glasstls client (renegotiation_info and session_ticket are TLS 1.2 extensions).
    assert set(theirs) - set(mine) == {
        ExtensionType.RENEGOTIATION_INFO,
        ExtensionType.SESSION_TICKET,
    }
