"""Handshake messages codec: RFC 8448 section 3 ClientHello / ServerHello / EncryptedExtensions bytes, hand-
written tables for the other messages (RFC 8446 section 4, appendix B.3), strict decoding (trailing bytes,
every strict prefix), dispatch, Alert, describe(), and Hypothesis round trips / arbitrary input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls import errors
from glasstls.wire import extensions as wext
from glasstls.wire import messages as wmsg
from glasstls.wire.describe import describe
from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    ExtensionType,
    HandshakeType,
    KeyUpdateRequest,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
    SignatureScheme,
)
from wire_strategies import MESSAGE_STRATEGIES, handshake_messages


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# RFC 8448 section 3 (Simple 1-RTT Handshake), handshake messages with their 4-byte headers.
RFC8448_CLIENT_HELLO = h(
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83"
    "02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
    "00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00"
    "26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69"
    "1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01"
    "05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01"
)
RFC8448_SERVER_HELLO = h(
    "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e"
    "d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1"
    "56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04"
)
RFC8448_ENCRYPTED_EXTENSIONS = h(
    "08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02"
    "40 01 00 00 00 00"
)

G = NamedGroup
S = SignatureScheme
FFDHE_GROUPS = (G.FFDHE2048, G.FFDHE3072, G.FFDHE4096, G(0x0103), G(0x0104))

RFC8448_CH_OBJ = wmsg.ClientHello(
    random=h("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"),
    legacy_session_id=b"",
    cipher_suites=(
        CipherSuite.TLS_AES_128_GCM_SHA256,
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_AES_256_GCM_SHA384,
    ),
    extensions=(
        wext.ServerName("server"),
        wext.RenegotiationInfo(b""),
        wext.SupportedGroups((G.X25519, G.SECP256R1, G.SECP384R1, G.SECP521R1, *FFDHE_GROUPS)),
        wext.SessionTicket(b""),
        wext.KeyShareClientHello(
            (wext.KeyShareEntry(G.X25519, h("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")),)
        ),
        wext.SupportedVersionsClientHello((ProtocolVersion.TLS13,)),
        wext.SignatureAlgorithms(
            (S.ECDSA_SECP256R1_SHA256, S.ECDSA_SECP384R1_SHA384, S.ECDSA_SECP521R1_SHA512, S.ECDSA_SHA1,
             S.RSA_PSS_RSAE_SHA256, S.RSA_PSS_RSAE_SHA384, S.RSA_PSS_RSAE_SHA512, S.RSA_PKCS1_SHA256,
             S.RSA_PKCS1_SHA384, S.RSA_PKCS1_SHA512, S.RSA_PKCS1_SHA1, S(0x0402), S(0x0502), S(0x0602),
             S(0x0202))
        ),
        wext.PskKeyExchangeModes((PskKeyExchangeMode.PSK_DHE_KE,)),
        wext.RecordSizeLimit(0x4001),
    ),
)

RFC8448_SH_OBJ = wmsg.ServerHello(
    random=h("a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928"),
    legacy_session_id_echo=b"",
    cipher_suite=CipherSuite.TLS_AES_128_GCM_SHA256,
    extensions=(
        wext.KeyShareServerHello(
            wext.KeyShareEntry(G.X25519, h("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"))
        ),
        wext.SupportedVersionsServerHello(ProtocolVersion.TLS13),
    ),
)

RFC8448_EE_OBJ = wmsg.EncryptedExtensions(
    (
        wext.SupportedGroups((G.X25519, G.SECP256R1, G.SECP384R1, G.SECP521R1, *FFDHE_GROUPS)),
        wext.RecordSizeLimit(0x4001),
        wext.ServerNameAck(),
    )
)

RANDOM = bytes(range(32))
OCSP = h("30030a0100")

HRR_OBJ = wmsg.ServerHello(
    wmsg.HELLO_RETRY_REQUEST_RANDOM,
    b"",
    CipherSuite.TLS_AES_128_GCM_SHA256,
    (wext.SupportedVersionsServerHello(ProtocolVersion.TLS13), wext.KeyShareHelloRetryRequest(G.SECP256R1)),
)
HRR_BYTES = (
    h("02 000034 0303") + wmsg.HELLO_RETRY_REQUEST_RANDOM + h("00 1301 00 000c 002b00020304 003300020017")
)

# (id, object, full encoding with header) -- written by hand from RFC 8446 section 4 / appendix B.3.
CASES: list[tuple[str, wmsg.HandshakeMessage, bytes]] = [
    ("client_hello_rfc8448", RFC8448_CH_OBJ, RFC8448_CLIENT_HELLO),
    ("server_hello_rfc8448", RFC8448_SH_OBJ, RFC8448_SERVER_HELLO),
    ("encrypted_extensions_rfc8448", RFC8448_EE_OBJ, RFC8448_ENCRYPTED_EXTENSIONS),
    ("hello_retry_request", HRR_OBJ, HRR_BYTES),
    (
        "client_hello_tls12_no_extensions",
        wmsg.ClientHello(RANDOM, b"\x07" * 32, (CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,), ()),
        h("01 000049 0303") + RANDOM + h("20") + b"\x07" * 32 + h("0002 c02f 01 00"),
    ),
    (
        "client_hello_grease",
        wmsg.ClientHello(
            RANDOM,
            b"",
            (CipherSuite(0x8A8A), CipherSuite.TLS_AES_128_GCM_SHA256),
            (wext.UnknownExtension(ExtensionType(0x9A9A), b""), wext.SupportedGroups((G(0xAAAA), G.X25519))),
            legacy_version=ProtocolVersion.TLS10,
            legacy_compression_methods=b"\x01\x00",
        ),
        h("01 00003c 0301") + RANDOM + h("00 0004 8a8a 1301 02 0100 000e 9a9a0000 000a00060004aaaa001d"),
    ),
    (
        "server_hello_tls12_no_extensions",
        wmsg.ServerHello(RANDOM, b"\x01", CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ()),
        h("02 000027 0303") + RANDOM + h("01 01 c02f 00"),
    ),
    (
        "server_hello_tls12_extensions",
        wmsg.ServerHello(
            RANDOM[:24] + wmsg.DOWNGRADE_TLS12,
            b"",
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            (wext.RenegotiationInfo(b""), wext.ExtendedMasterSecret(), wext.ServerNameAck()),
        ),
        h("02 000035 0303") + RANDOM[:24] + b"DOWNGRD\x01" + h("00 c02b 00 000d ff01000100 00170000 00000000"),
    ),
    ("encrypted_extensions_empty", wmsg.EncryptedExtensions(()), h("08 000002 0000")),
    (
        "certificate_one_entry",
        wmsg.Certificate(b"", (wmsg.CertificateEntry(h("3000"), ()),)),
        h("0b 00000b 00 000007 000002 3000 0000"),
    ),
    (
        "certificate_with_ocsp",
        wmsg.Certificate(b"\x05", (wmsg.CertificateEntry(h("3000"), (wext.CertificateStatusOcsp(OCSP),)),)),
        h("0b 000019 01 05 000014 000002 3000 000d 0005 0009 01 000005") + OCSP,
    ),
    ("certificate_empty", wmsg.Certificate(b"\xaa\xbb", ()), h("0b 000006 02 aabb 000000")),
    (
        "certificate_request",
        wmsg.CertificateRequest(b"", (wext.SignatureAlgorithms((S.ED25519,)),)),
        h("0d 00000b 00 0008 000d 0004 0002 0807"),
    ),
    (
        "certificate_verify",
        wmsg.CertificateVerify(S.RSA_PSS_RSAE_SHA256, h("aabbcc")),
        h("0f 000007 0804 0003 aabbcc"),
    ),
    ("certificate_verify_unknown_scheme", wmsg.CertificateVerify(S(0x0A0A), b""), h("0f 000004 0a0a 0000")),
    ("finished", wmsg.Finished(bytes(range(32))), h("14 000020") + bytes(range(32))),
    (
        "new_session_ticket",
        wmsg.NewSessionTicket(7200, 0x01020304, b"", h("abcd"), (wext.EarlyDataNewSessionTicket(0x4000),)),
        h("04 000017 00001c20 01020304 00 0002 abcd 0008 002a 0004 00004000"),
    ),
    (
        "new_session_ticket_nonce",
        wmsg.NewSessionTicket(0, 0, b"\x00", b"t", ()),
        h("04 00000f 00000000 00000000 01 00 0001 74 0000"),
    ),
    ("key_update_requested", wmsg.KeyUpdate(KeyUpdateRequest.UPDATE_REQUESTED), h("18 000001 01")),
    ("key_update_not_requested", wmsg.KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED), h("18 000001 00")),
    ("key_update_unknown_value", wmsg.KeyUpdate(KeyUpdateRequest(5)), h("18 000001 05")),
    ("end_of_early_data", wmsg.EndOfEarlyData(), h("05 000000")),
]


def decode_full(data: bytes, **kw: object) -> wmsg.HandshakeMessage:
    assert int.from_bytes(data[1:4], "big") == len(data) - 4
    return wmsg.decode_handshake(data[0], data[4:], **kw)  # type: ignore[arg-type]


def no_extensions_boundary(obj: wmsg.HandshakeMessage) -> int | None:
    """Body length at which a ClientHello/ServerHello prefix is a valid extension-less (TLS 1.2) hello."""
    if isinstance(obj, wmsg.ClientHello | wmsg.ServerHello) and obj.extensions:
        return len(obj.encode_body()) - len(wext.encode_extensions(obj.extensions))
    return None


@pytest.mark.parametrize(("obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_encode_exact_bytes(obj: wmsg.HandshakeMessage, encoded: bytes) -> None:
    assert obj.encode() == encoded


@pytest.mark.parametrize(("obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decode_exact_bytes(obj: wmsg.HandshakeMessage, encoded: bytes) -> None:
    got = decode_full(encoded)
    assert got == obj
    assert type(got) is type(obj)
    assert got.encode() == encoded


@pytest.mark.parametrize(("obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_trailing_bytes_rejected(obj: wmsg.HandshakeMessage, encoded: bytes) -> None:
    kw = {"hash_len": len(encoded) - 4} if isinstance(obj, wmsg.Finished) else {}
    for extra in (b"\x00", b"\x00\x00", b"\xff\xff\xff"):
        if extra == b"\x00\x00" and isinstance(obj, wmsg.ClientHello | wmsg.ServerHello) and not obj.extensions:
            # an empty extensions block after an extension-less hello is valid (RFC 5246 s7.4.1.2)
            assert wmsg.decode_handshake(encoded[0], encoded[4:] + extra) == obj
            continue
        with pytest.raises(errors.DecodeError):
            wmsg.decode_handshake(encoded[0], encoded[4:] + extra, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_strict_prefix_rejected(obj: wmsg.HandshakeMessage, encoded: bytes) -> None:
    body = encoded[4:]
    kw = {"hash_len": len(body)} if isinstance(obj, wmsg.Finished) else {}
    boundary = no_extensions_boundary(obj)
    for i in range(len(body)):
        if i == boundary:
            # RFC 5246 s7.4.1.2/7.4.1.3: a hello without an extensions block is valid (TLS 1.2)
            got = wmsg.decode_handshake(encoded[0], body[:i])
            assert isinstance(got, wmsg.ClientHello | wmsg.ServerHello) and got.extensions == ()
            continue
        with pytest.raises(errors.DecodeError):
            wmsg.decode_handshake(encoded[0], body[:i], **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------
# Field bounds, one by one
# --------------------------------------------------------------------------------------------------------

CH_HEAD = h("0303") + RANDOM
BAD_BODIES: list[tuple[str, HandshakeType, bytes, str]] = [
    ("ch_session_id_33", HandshakeType.CLIENT_HELLO, CH_HEAD + h("21") + bytes(33) + h("0002 1301 0100"),
     "legacy_session_id"),
    ("ch_no_suites", HandshakeType.CLIENT_HELLO, CH_HEAD + h("00 0000 0100"), "cipher_suites"),
    ("ch_odd_suites", HandshakeType.CLIENT_HELLO, CH_HEAD + h("00 0003 130113 0100"), "cipher_suite"),
    ("ch_no_compression", HandshakeType.CLIENT_HELLO, CH_HEAD + h("00 0002 1301 00"),
     "legacy_compression_methods"),
    ("ch_dup_ext", HandshakeType.CLIENT_HELLO, CH_HEAD + h("00 0002 1301 0100 0008 00170000 00170000"),
     "duplicate extension EXTENDED_MASTER_SECRET"),
    ("ch_half_ext_block", HandshakeType.CLIENT_HELLO, CH_HEAD + h("00 0002 1301 0100 00"), "extensions"),
    ("sh_session_id_33", HandshakeType.SERVER_HELLO, CH_HEAD + h("21") + bytes(33) + h("1301 00"),
     "legacy_session_id_echo"),
    ("sh_short_random", HandshakeType.SERVER_HELLO, h("0303") + bytes(31), "random"),
    ("hrr_short_ext_block", HandshakeType.SERVER_HELLO,
     h("0303") + wmsg.HELLO_RETRY_REQUEST_RANDOM + h("00 1301 00 0004 1a1a0000"), "extensions"),
    ("hrr_key_share_shape", HandshakeType.SERVER_HELLO,
     h("0303") + wmsg.HELLO_RETRY_REQUEST_RANDOM + h("00 1301 00 000a 002b00020304 00330000"), "selected_group"),
    ("ee_bad_ext", HandshakeType.ENCRYPTED_EXTENSIONS, h("0006 0010 0002 0000"), "protocol_name_list"),
    ("cert_empty_cert_data", HandshakeType.CERTIFICATE, h("00 000005 000000 0000"), "cert_data"),
    ("cert_context_overrun", HandshakeType.CERTIFICATE, h("05 00"), "certificate_request_context"),
    ("cr_no_extensions", HandshakeType.CERTIFICATE_REQUEST, h("00 0000"), "extensions"),
    ("cv_signature_overrun", HandshakeType.CERTIFICATE_VERIFY, h("0804 0005 aabb"), "signature"),
    ("nst_empty_ticket", HandshakeType.NEW_SESSION_TICKET, h("00000000 00000000 00 0000 0000"), "ticket"),
    ("eoed_not_empty", HandshakeType.END_OF_EARLY_DATA, h("00"), "trailing"),
    ("key_update_empty", HandshakeType.KEY_UPDATE, b"", "request_update"),
]


@pytest.mark.parametrize(("msg_type", "body", "field"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES])
def test_bad_body_names_the_field(msg_type: HandshakeType, body: bytes, field: str) -> None:
    with pytest.raises(errors.DecodeError, match=field):
        wmsg.decode_handshake(msg_type, body)


def test_finished_length_checked_against_hash_len() -> None:
    assert wmsg.decode_handshake(20, bytes(48), hash_len=48) == wmsg.Finished(bytes(48))
    assert wmsg.decode_handshake(20, bytes(12), version=ProtocolVersion.TLS12, hash_len=12) == wmsg.Finished(bytes(12))
    for n in (0, 31, 33, 48):
        with pytest.raises(errors.DecodeError, match="verify_data"):
            wmsg.decode_handshake(20, bytes(n), hash_len=32)


# --------------------------------------------------------------------------------------------------------
# Dispatch, HRR, constants
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msg_type", "version"),
    [
        (99, ProtocolVersion.TLS13),
        (HandshakeType.HELLO_REQUEST, ProtocolVersion.TLS13),
        (HandshakeType.HELLO_RETRY_REQUEST, ProtocolVersion.TLS13),  # never on the wire (RFC 8446 s4)
        (HandshakeType.MESSAGE_HASH, ProtocolVersion.TLS13),  # synthetic only (RFC 8446 s4.4.1)
        (HandshakeType.SERVER_KEY_EXCHANGE, ProtocolVersion.TLS13),
        (HandshakeType.ENCRYPTED_EXTENSIONS, ProtocolVersion.TLS12),  # TLS 1.3 only
        (HandshakeType.KEY_UPDATE, ProtocolVersion.TLS12),  # TLS 1.3 only
        (HandshakeType.END_OF_EARLY_DATA, ProtocolVersion.TLS12),
        (HandshakeType.CLIENT_HELLO, ProtocolVersion.SSL30),
        (256, ProtocolVersion.TLS13),
        (-1, ProtocolVersion.TLS13),
    ],
)
def test_unexpected_message_types(msg_type: int, version: ProtocolVersion) -> None:
    with pytest.raises(errors.UnexpectedMessage) as info:
        wmsg.decode_handshake(msg_type, b"", version=version)
    assert info.value.alert == AlertDescription.UNEXPECTED_MESSAGE


def test_version_independent_messages_decode_for_tls12() -> None:
    for name in ("client_hello_tls12_no_extensions", "server_hello_tls12_extensions", "finished"):
        obj, encoded = next((o, e) for n, o, e in CASES if n == name)
        assert decode_full(encoded, version=ProtocolVersion.TLS12) == obj


def test_hello_retry_request_detected_and_decoded_with_hrr_shapes() -> None:
    hrr = decode_full(HRR_BYTES)
    assert isinstance(hrr, wmsg.ServerHello) and hrr.is_hello_retry_request
    selected = wext.get_extension(hrr.extensions, wext.KeyShareHelloRetryRequest)
    assert selected == wext.KeyShareHelloRetryRequest(G.SECP256R1)
    sh = decode_full(RFC8448_SERVER_HELLO)
    assert isinstance(sh, wmsg.ServerHello) and not sh.is_hello_retry_request
    # Same extension bytes in a ServerHello with an ordinary random: a 2-byte key_share is not a KeyShareEntry.
    body = HRR_BYTES[4:].replace(wmsg.HELLO_RETRY_REQUEST_RANDOM, RANDOM)
    with pytest.raises(errors.DecodeError, match="ServerHello KEY_SHARE"):
        wmsg.decode_handshake(HandshakeType.SERVER_HELLO, body)


def test_constants() -> None:
    # RFC 8446 s4.1.3: SHA-256("HelloRetryRequest")
    import hashlib

    assert hashlib.sha256(b"HelloRetryRequest").digest() == wmsg.HELLO_RETRY_REQUEST_RANDOM
    assert h("44 4F 57 4E 47 52 44 01") == wmsg.DOWNGRADE_TLS12
    assert h("44 4F 57 4E 47 52 44 00") == wmsg.DOWNGRADE_TLS11


def test_message_hash_is_the_synthetic_message() -> None:
    digest = bytes(range(32))
    assert wmsg.MessageHash(digest).encode() == h("fe 00 00 20") + digest
    assert wmsg.MessageHash(bytes(48)).encode()[:4] == h("fe 00 00 30")


def test_psk_binders_tail_forms_truncated_client_hello() -> None:
    psk = wext.PreSharedKeyClientHello((wext.PskIdentity(b"ticket", 42),), (bytes(32),))
    ch = wmsg.ClientHello(RANDOM, b"", (CipherSuite.TLS_AES_128_GCM_SHA256,), (wext.EarlyData(), psk))
    encoded = ch.encode()
    truncated = encoded[: -psk.binders_length()]
    assert encoded == truncated + h("0021 20") + bytes(32)
    # the lengths in the truncated part are those of the full message (RFC 8446 s4.2.11.2)
    assert int.from_bytes(truncated[1:4], "big") == len(encoded) - 4


# --------------------------------------------------------------------------------------------------------
# Alert
# --------------------------------------------------------------------------------------------------------


def test_alert_codec() -> None:
    alert = wmsg.Alert(AlertLevel.FATAL, AlertDescription.HANDSHAKE_FAILURE)
    assert alert.encode() == h("0228")
    assert wmsg.Alert.decode(h("0228")) == alert
    assert wmsg.Alert.decode(h("0100")) == wmsg.Alert(AlertLevel.WARNING, AlertDescription.CLOSE_NOTIFY)
    odd = wmsg.Alert.decode(h("07fe"))
    assert str(odd.level) == "UNKNOWN_0x07" and str(odd.description) == "UNKNOWN_0xfe"
    assert odd.encode() == h("07fe")
    for bad in (b"", h("02"), h("022800")):
        with pytest.raises(errors.DecodeError, match="Alert"):
            wmsg.Alert.decode(bad)


# --------------------------------------------------------------------------------------------------------
# describe()
# --------------------------------------------------------------------------------------------------------


def test_describe_server_hello() -> None:
    assert describe(RFC8448_SH_OBJ) == {
        "type": "SERVER_HELLO",
        "random": "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928",
        "legacy_session_id_echo": "",
        "cipher_suite": "TLS_AES_128_GCM_SHA256",
        "extensions": [
            {
                "extension": "KEY_SHARE",
                "server_share": {
                    "type": "KeyShareEntry",
                    "group": "X25519",
                    "key_exchange": "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f",
                },
            },
            {"extension": "SUPPORTED_VERSIONS", "selected_version": "TLS13"},
        ],
        "legacy_version": "TLS12",
        "legacy_compression_method": 0,
    }


def test_describe_hrr_grease_and_long_bytes() -> None:
    assert describe(HRR_OBJ)["type"] == "HELLO_RETRY_REQUEST"  # type: ignore[index]
    ch = next(o for n, o, _ in CASES if n == "client_hello_grease")
    view = describe(ch)
    assert view["cipher_suites"] == ["GREASE_0x8a8a", "TLS_AES_128_GCM_SHA256"]  # type: ignore[index]
    assert view["extensions"][0] == {"extension": "GREASE_0x9a9a", "data": ""}  # type: ignore[index]
    assert view["legacy_version"] == "TLS10"  # type: ignore[index]
    cert = wmsg.Certificate(b"", (wmsg.CertificateEntry(bytes(range(65)) + bytes(200)),))
    entry = describe(cert)["certificate_list"][0]  # type: ignore[index]
    assert entry["cert_data"] == bytes(range(32)).hex() + "…(265 bytes)"
    assert describe(wmsg.Finished(bytes(64)))["verify_data"] == "00" * 64  # type: ignore[index]
    assert describe(wmsg.Alert(AlertLevel.FATAL, AlertDescription.DECODE_ERROR)) == {
        "type": "Alert", "level": "FATAL", "description": "DECODE_ERROR",
    }


# --------------------------------------------------------------------------------------------------------
# Hypothesis
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MESSAGE_STRATEGIES))
@given(data=st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip(name: str, data: st.DataObject) -> None:
    msg = data.draw(MESSAGE_STRATEGIES[name]())
    encoded = msg.encode()
    assert decode_full(encoded) == msg
    json.dumps(describe(msg))


@given(msg=handshake_messages(), data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_messages_decode_or_tls_error(msg: wmsg.HandshakeMessage, data: st.DataObject) -> None:
    body = bytearray(msg.encode()[4:])
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, len(body)))
        if op == "flip" and pos < len(body):
            body[pos] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del body[pos : pos + data.draw(st.integers(1, 8))]
        else:
            body[pos:pos] = data.draw(st.binary(min_size=1, max_size=4))
    try:
        wmsg.decode_handshake(msg.msg_type, bytes(body))
    except errors.TLSError:
        pass


DECODED_TYPES = sorted({int(t) for (t, _) in wmsg.MESSAGE_DECODERS})


@pytest.mark.parametrize("msg_type", DECODED_TYPES)
@pytest.mark.parametrize("version", [ProtocolVersion.TLS13, ProtocolVersion.TLS12], ids=str)
@given(body=st.binary(max_size=200), hash_len=st.sampled_from([None, 32]))
@settings(max_examples=150)
def test_arbitrary_bytes_decode_or_tls_error(
    msg_type: int, version: ProtocolVersion, body: bytes, hash_len: int | None
) -> None:
    try:
        msg = wmsg.decode_handshake(msg_type, body, version=version, hash_len=hash_len)
    except errors.TLSError:
        return
    assert msg.msg_type == msg_type
    assert msg.encode_body() == body or isinstance(msg, wmsg.ClientHello | wmsg.ServerHello)


@given(msg_type=st.integers(0, 255), body=st.binary(max_size=64))
@settings(max_examples=300)
def test_any_type_decodes_or_tls_error(msg_type: int, body: bytes) -> None:
    try:
        wmsg.decode_handshake(msg_type, body)
    except errors.TLSError:
        pass


def test_with_encoding_and_fast_init() -> None:
    import dataclasses

    fin = wmsg.Finished(b"\x01" * 32)
    assert fin.encode() == b"\x14\x00\x00\x20" + b"\x01" * 32
    given_raw = b"\x14\x00\x00\x20" + b"\x02" * 32  # what the caller says the message encodes to
    assert wmsg.with_encoding(fin, given_raw) is fin and fin.encode() is given_raw
    assert dataclasses.replace(fin).encode() == b"\x14\x00\x00\x20" + b"\x01" * 32  # a copy encodes itself
    assert fin == wmsg.Finished(b"\x01" * 32) and "_encoding" not in repr(fin)
    # The dataclass signature, defaults and frozenness.
    hello = wmsg.ServerHello(b"\x00" * 32, b"", CipherSuite.TLS_AES_128_GCM_SHA256, ())
    assert hello.legacy_version == ProtocolVersion.TLS12 and hello.legacy_compression_method == 0
    assert hello == wmsg.ServerHello(
        random=b"\x00" * 32, legacy_session_id_echo=b"", cipher_suite=CipherSuite.TLS_AES_128_GCM_SHA256, extensions=()
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        hello.random = b""  # type: ignore[misc]
    with pytest.raises(TypeError):
        wmsg.Finished()  # type: ignore[call-arg]


@pytest.mark.parametrize("random", [RANDOM, wmsg.HELLO_RETRY_REQUEST_RANDOM])
def test_hellos_share_the_optional_extensions_block(random: bytes) -> None:
    """RFC 5246 sections 7.4.1.2 and 7.4.1.3: either hello may end without an extensions block; () writes no
    block (not even its length) and an absent block reads back as () (HelloRetryRequest random too)."""
    sh = wmsg.ServerHello(random, b"\x01" * 32, CipherSuite.TLS_AES_128_GCM_SHA256, ())
    ch = wmsg.ClientHello(random, b"\x02" * 32, (CipherSuite.TLS_AES_128_GCM_SHA256,), ())
    for hello, body_len in ((sh, 2 + 32 + 33 + 2 + 1), (ch, 2 + 32 + 33 + 4 + 2)):
        encoded = hello.encode()
        assert len(encoded) == 4 + body_len
        assert decode_full(encoded, version=ProtocolVersion.TLS12) == hello
