"""TLS 1.2 handshake messages codec: hand-written tables from the RFC structures (RFC 5246 section 7.4,
RFC 8422 section 5.4/5.7, RFC 5077 section 3.3, RFC 6066 section 8), strict decoding (trailing bytes, every
strict prefix, field bounds), dispatch by version and key exchange method, describe() for traces, and
Hypothesis round trips / arbitrary and mutated input (decode or DecodeError, nothing else)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls import errors
from glasstls.wire import extensions as wext
from glasstls.wire import messages as wmsg
from glasstls.wire.describe import describe
from glasstls.wire.enums import (
    AlertDescription,
    CertificateStatusType,
    ClientCertificateType,
    ECCurveType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages_dhe import ClientKeyExchangeDhe, ServerKeyExchangeDhe
from wire_strategies12 import MESSAGE_STRATEGIES_12, handshake_messages12

TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13
G = NamedGroup
S = SignatureScheme
CCT = ClientCertificateType
KX = wmsg.KeyExchangeMethod


def h(text: str) -> bytes:
    return bytes.fromhex(text)


X25519_PUBLIC = bytes(range(32))
P256_POINT = h("04") + bytes(range(1, 65))  # uncompressed point: 04 || x || y (65 bytes)
OCSP = h("30030a0100")  # OCSPResponse { responseStatus malformedRequest(1) }: any DER will do
RSA_CIPHERTEXT = bytes((i * 37 + 11) % 256 for i in range(256))

# (id, object, full encoding with header, key_exchange) -- written by hand from the RFC structures.
CASES: list[tuple[str, wmsg.HandshakeMessage, bytes, KX | None]] = [
    # RFC 5246 s7.4.1.1: struct { } HelloRequest
    ("hello_request", wmsg.HelloRequest(), h("00 000000"), None),
    # RFC 5246 s7.4.2: ASN.1Cert certificate_list<0..2^24-1>; opaque ASN.1Cert<1..2^24-1>
    (
        "certificate12_two",
        wmsg.Certificate12((h("3000"), h("300100"))),
        h("0b 00000e 00000b 000002 3000 000003 300100"),
        None,
    ),
    ("certificate12_empty", wmsg.Certificate12(()), h("0b 000003 000000"), None),
    # RFC 8422 s5.4: curve_type(3) namedcurve(2) point<1..2^8-1>; RFC 5246 s4.7: algorithm(2) signature<0..2^16-1>
    (
        "server_key_exchange_x25519",
        wmsg.ServerKeyExchangeEcdhe(G.X25519, X25519_PUBLIC, S.RSA_PSS_RSAE_SHA256, h("aabbcc")),
        h("0c 00002b 03 001d 20") + X25519_PUBLIC + h("0804 0003 aabbcc"),
        "ECDHE",
    ),
    (
        "server_key_exchange_p256_empty_signature",
        wmsg.ServerKeyExchangeEcdhe(G.SECP256R1, P256_POINT, S.ECDSA_SECP256R1_SHA256, b""),
        h("0c 000049 03 0017 41") + P256_POINT + h("0403 0000"),
        "ECDHE",
    ),
    (
        "server_key_exchange_unknown_group_and_scheme",
        wmsg.ServerKeyExchangeEcdhe(G(0x0A0A), h("01"), S(0x1234), h("ff")),
        h("0c 00000a 03 0a0a 01 01 1234 0001 ff"),
        "ECDHE",
    ),
    # RFC 5246 s7.4.4: certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
    # certificate_authorities<0..2^16-1> of DistinguishedName<1..2^16-1>
    (
        "certificate_request12",
        wmsg.CertificateRequest12(
            (CCT.RSA_SIGN, CCT.ECDSA_SIGN), (S.RSA_PSS_RSAE_SHA256, S.ECDSA_SECP256R1_SHA256), (h("3000"),)
        ),
        h("0d 00000f 02 0140 0004 0804 0403 0004 0002 3000"),
        None,
    ),
    (
        "certificate_request12_unknown_type_no_cas",
        wmsg.CertificateRequest12((CCT(0x99),), (S.ED25519,), ()),
        h("0d 000008 01 99 0002 0807 0000"),
        None,
    ),
    # RFC 5246 s7.4.5: struct { } ServerHelloDone
    ("server_hello_done", wmsg.ServerHelloDone(), h("0e 000000"), None),
    # RFC 8422 s5.7: ECPoint ecdh_Yc (point<1..2^8-1>)
    (
        "client_key_exchange_ecdhe",
        wmsg.ClientKeyExchangeEcdhe(X25519_PUBLIC),
        h("10 000021 20") + X25519_PUBLIC,
        "ECDHE",
    ),
    (
        "client_key_exchange_ecdhe_p256",
        wmsg.ClientKeyExchangeEcdhe(P256_POINT),
        h("10 000042 41") + P256_POINT,
        "ECDHE",
    ),
    # RFC 5246 s7.4.7.1: EncryptedPreMasterSecret with its two-byte length
    (
        "client_key_exchange_rsa_2048",
        wmsg.ClientKeyExchangeRsa(RSA_CIPHERTEXT),
        h("10 000102 0100") + RSA_CIPHERTEXT,
        "RSA",
    ),
    ("client_key_exchange_rsa_empty", wmsg.ClientKeyExchangeRsa(b""), h("10 000002 0000"), "RSA"),
    # RFC 5077 s3.3: uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>
    ("new_session_ticket12", wmsg.NewSessionTicket12(7200, h("abcd")), h("04 000008 00001c20 0002 abcd"), None),
    ("new_session_ticket12_empty", wmsg.NewSessionTicket12(0, b""), h("04 000006 00000000 0000"), None),
    # RFC 6066 s8: status_type ocsp(1); OCSPResponse<1..2^24-1>
    ("certificate_status", wmsg.CertificateStatus(OCSP), h("16 000009 01 000005") + OCSP, None),
    # RFC 5246 s7.4.8 (digitally-signed, s4.7) and s7.4.9 (verify_data[12])
    (
        "certificate_verify12",
        wmsg.CertificateVerify(S.RSA_PKCS1_SHA256, h("aabb")),
        h("0f 000006 0401 0002 aabb"),
        None,
    ),
    ("finished12", wmsg.Finished(bytes(range(12))), h("14 00000c") + bytes(range(12)), None),
]

CASE_PARAMS = [c[1:] for c in CASES]
CASE_IDS = [c[0] for c in CASES]


def decode12(msg_type: int, body: bytes, key_exchange: KX | None) -> wmsg.HandshakeMessage:
    hash_len = 12 if msg_type == HandshakeType.FINISHED else None
    return wmsg.decode_handshake(msg_type, body, version=TLS12, hash_len=hash_len, key_exchange=key_exchange)


@pytest.mark.parametrize(("obj", "encoded", "kx"), CASE_PARAMS, ids=CASE_IDS)
def test_encode_exact_bytes(obj: wmsg.HandshakeMessage, encoded: bytes, kx: KX | None) -> None:
    assert obj.encode() == encoded
    assert int.from_bytes(encoded[1:4], "big") == len(encoded) - 4  # the table's own header is right


@pytest.mark.parametrize(("obj", "encoded", "kx"), CASE_PARAMS, ids=CASE_IDS)
def test_decode_exact_bytes(obj: wmsg.HandshakeMessage, encoded: bytes, kx: KX | None) -> None:
    got = decode12(encoded[0], encoded[4:], kx)
    assert got == obj
    assert type(got) is type(obj)
    assert got.encode() == encoded


@pytest.mark.parametrize(("obj", "encoded", "kx"), CASE_PARAMS, ids=CASE_IDS)
def test_trailing_bytes_rejected(obj: wmsg.HandshakeMessage, encoded: bytes, kx: KX | None) -> None:
    for extra in (b"\x00", b"\x00\x00", b"\xff\xff\xff"):
        with pytest.raises(errors.DecodeError):
            decode12(encoded[0], encoded[4:] + extra, kx)


@pytest.mark.parametrize(("obj", "encoded", "kx"), CASE_PARAMS, ids=CASE_IDS)
def test_every_strict_prefix_rejected(obj: wmsg.HandshakeMessage, encoded: bytes, kx: KX | None) -> None:
    body = encoded[4:]
    for i in range(len(body)):
        with pytest.raises(errors.DecodeError):
            decode12(encoded[0], body[:i], kx)


def test_finished_needs_12_bytes_in_tls12() -> None:
    for n in (0, 11, 13, 32):
        with pytest.raises(errors.DecodeError, match="verify_data"):
            decode12(HandshakeType.FINISHED, bytes(n), None)


# --------------------------------------------------------------------------------------------------------
# Field bounds, one by one
# --------------------------------------------------------------------------------------------------------

SKE = HandshakeType.SERVER_KEY_EXCHANGE
CKE = HandshakeType.CLIENT_KEY_EXCHANGE
BAD_BODIES: list[tuple[str, HandshakeType, bytes, KX | None, str]] = [
    ("hello_request_not_empty", HandshakeType.HELLO_REQUEST, h("00"), None, "trailing"),
    ("server_hello_done_not_empty", HandshakeType.SERVER_HELLO_DONE, h("0000"), None, "trailing"),
    ("cert12_empty_cert", HandshakeType.CERTIFICATE, h("000003 000000"), None, "ASN.1Cert length 0"),
    ("cert12_list_overrun", HandshakeType.CERTIFICATE, h("000010 000002 3000"), None, "certificate_list"),
    ("cert12_cert_overrun", HandshakeType.CERTIFICATE, h("000005 000003 3000"), None, "ASN.1Cert"),
    ("cert12_tls13_shape", HandshakeType.CERTIFICATE, h("00 000007 000002 3000 0000"), None, "trailing"),
    ("ske_explicit_prime", SKE, h("01 0017 01 04 0403 0000"), "ECDHE", "explicit curves are not supported"),
    ("ske_explicit_char2", SKE, h("02 0017 01 04 0403 0000"), "ECDHE", "curve_type is EXPLICIT_CHAR2"),
    ("ske_curve_type_unknown", SKE, h("ff"), "ECDHE", "curve_type is UNKNOWN_0xff"),
    ("ske_empty", SKE, b"", "ECDHE", "curve_type"),
    ("ske_no_group", SKE, h("03 00"), "ECDHE", "named_group"),
    ("ske_empty_point", SKE, h("03 001d 00 0804 0000"), "ECDHE", "public length 0"),
    ("ske_point_overrun", SKE, h("03 001d 05 aabb"), "ECDHE", "public"),
    ("ske_no_signature", SKE, h("03 001d 01 aa"), "ECDHE", "signature_scheme"),
    ("ske_signature_overrun", SKE, h("03 001d 01 aa 0804 0005 aa"), "ECDHE", "signature"),
    ("cr12_no_types", HandshakeType.CERTIFICATE_REQUEST, h("00 0002 0807 0000"), None, "certificate_types"),
    ("cr12_no_sigalgs", HandshakeType.CERTIFICATE_REQUEST, h("01 01 0000 0000"), None,
     "supported_signature_algorithms length 0"),
    ("cr12_odd_sigalgs", HandshakeType.CERTIFICATE_REQUEST, h("01 01 0003 080708 0000"), None,
     "signature_algorithm"),
    ("cr12_sigalgs_too_long", HandshakeType.CERTIFICATE_REQUEST, h("01 01 ffff") + bytes(0xFFFF) + h("0000"),
     None, "supported_signature_algorithms length 65535"),
    ("cr12_missing_cas", HandshakeType.CERTIFICATE_REQUEST, h("01 01 0002 0807"), None,
     "certificate_authorities"),
    ("cr12_empty_dn", HandshakeType.CERTIFICATE_REQUEST, h("01 01 0002 0807 0002 0000"), None,
     "DistinguishedName length 0"),
    ("cr12_dn_overrun", HandshakeType.CERTIFICATE_REQUEST, h("01 01 0002 0807 0003 0005 30"), None,
     "DistinguishedName"),
    ("cr12_tls13_shape", HandshakeType.CERTIFICATE_REQUEST, h("00 0008 000d 0004 0002 0807"), None,
     "certificate_types length 0"),
    ("cke_ecdhe_implicit_empty", CKE, b"", "ECDHE", "public"),  # RFC 8422 s5.7 implicit form: unsupported
    ("cke_ecdhe_zero_point", CKE, h("00"), "ECDHE", "public length 0"),
    ("cke_ecdhe_point_overrun", CKE, h("20 0102"), "ECDHE", "public"),
    ("cke_rsa_sslv3_style", CKE, RSA_CIPHERTEXT, "RSA", "encrypted_premaster"),  # no length prefix
    ("cke_rsa_one_byte", CKE, h("01"), "RSA", "encrypted_premaster"),
    ("nst12_no_hint", HandshakeType.NEW_SESSION_TICKET, h("0000"), None, "ticket_lifetime_hint"),
    ("nst12_ticket_overrun", HandshakeType.NEW_SESSION_TICKET, h("00001c20 0005 abcd"), None, "ticket"),
    ("nst12_tls13_shape", HandshakeType.NEW_SESSION_TICKET, h("00001c20 01020304 00 0002 abcd 0000"), None,
     "ticket"),
    ("cs_empty", HandshakeType.CERTIFICATE_STATUS, b"", None, "status_type"),
    ("cs_ocsp_multi", HandshakeType.CERTIFICATE_STATUS, h("02 000009 000006 30030a0100"), None,
     "status_type UNKNOWN_0x02 is not OCSP"),
    ("cs_status_type_zero", HandshakeType.CERTIFICATE_STATUS, h("00 000001 00"), None, "status_type"),
    ("cs_empty_response", HandshakeType.CERTIFICATE_STATUS, h("01 000000"), None, "response length 0"),
    ("cs_response_overrun", HandshakeType.CERTIFICATE_STATUS, h("01 000005 3003"), None, "response"),
    ("cv12_signature_overrun", HandshakeType.CERTIFICATE_VERIFY, h("0401 0005 aabb"), None, "signature"),
]


@pytest.mark.parametrize(
    ("msg_type", "body", "kx", "field"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_bad_body_names_the_field(msg_type: HandshakeType, body: bytes, kx: KX | None, field: str) -> None:
    with pytest.raises(errors.DecodeError, match=field) as info:
        decode12(msg_type, body, kx)
    assert info.value.alert == AlertDescription.DECODE_ERROR


def test_bounds_at_their_limits_decode() -> None:
    """The largest values each bound allows decode (the checks above are not off by one)."""
    point = bytes(255)
    ske = h("03 0017 ff") + point + h("0403 ffff") + bytes(0xFFFF)
    assert decode12(SKE, ske, "ECDHE") == wmsg.ServerKeyExchangeEcdhe(
        G.SECP256R1, point, S.ECDSA_SECP256R1_SHA256, bytes(0xFFFF)
    )
    assert decode12(CKE, h("ff") + point, "ECDHE") == wmsg.ClientKeyExchangeEcdhe(point)
    assert decode12(CKE, h("ffff") + bytes(0xFFFF), "RSA") == wmsg.ClientKeyExchangeRsa(bytes(0xFFFF))
    types = bytes(range(1, 256))
    sigalgs = bytes(0xFFFE)
    cr = decode12(HandshakeType.CERTIFICATE_REQUEST, h("ff") + types + h("fffe") + sigalgs + h("0000"), None)
    assert isinstance(cr, wmsg.CertificateRequest12)
    assert len(cr.certificate_types) == 255 and len(cr.signature_algorithms) == 0x7FFF
    dn = bytes(0xFFFD)  # one DistinguishedName filling certificate_authorities<..2^16-1>
    cr = decode12(HandshakeType.CERTIFICATE_REQUEST, h("01 01 0002 0807 ffff fffd") + dn, None)
    assert isinstance(cr, wmsg.CertificateRequest12) and cr.certificate_authorities == (dn,)
    nst = decode12(HandshakeType.NEW_SESSION_TICKET, h("ffffffff ffff") + bytes(0xFFFF), None)
    assert nst == wmsg.NewSessionTicket12(0xFFFFFFFF, bytes(0xFFFF))


# --------------------------------------------------------------------------------------------------------
# ServerKeyExchange: what is signed
# --------------------------------------------------------------------------------------------------------


def test_params_bytes_is_server_ecdh_params() -> None:
    """RFC 8422 s5.4: the signature covers client_random + server_random + ServerECDHParams."""
    ske = wmsg.ServerKeyExchangeEcdhe(G.X25519, X25519_PUBLIC, S.ED25519, h("aa"))
    assert ske.params_bytes() == h("03 001d 20") + X25519_PUBLIC
    assert ske.encode_body() == ske.params_bytes() + h("0807 0001 aa")
    p256 = wmsg.ServerKeyExchangeEcdhe(G.SECP384R1, P256_POINT, S.ED25519, b"")
    assert p256.params_bytes() == h("03 0018 41") + P256_POINT
    # the signature is not part of the signed params
    assert ske.params_bytes() == wmsg.ServerKeyExchangeEcdhe(G.X25519, X25519_PUBLIC, S(0x0401), h("bb")).params_bytes()


# --------------------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------------------

TLS12_ROWS = {
    HandshakeType.CLIENT_HELLO: wmsg.ClientHello,
    HandshakeType.SERVER_HELLO: wmsg.ServerHello,
    HandshakeType.HELLO_REQUEST: wmsg.HelloRequest,
    HandshakeType.CERTIFICATE: wmsg.Certificate12,
    HandshakeType.CERTIFICATE_REQUEST: wmsg.CertificateRequest12,
    HandshakeType.SERVER_HELLO_DONE: wmsg.ServerHelloDone,
    HandshakeType.CERTIFICATE_VERIFY: wmsg.CertificateVerify,
    HandshakeType.NEW_SESSION_TICKET: wmsg.NewSessionTicket12,
    HandshakeType.CERTIFICATE_STATUS: wmsg.CertificateStatus,
    HandshakeType.FINISHED: wmsg.Finished,
}


def test_tls12_rows_of_message_decoders() -> None:
    rows = {t: cls for (t, v), cls in wmsg.MESSAGE_DECODERS.items() if v == TLS12}
    assert rows == TLS12_ROWS
    assert {
        (SKE, "ECDHE"): wmsg.ServerKeyExchangeEcdhe,
        (CKE, "ECDHE"): wmsg.ClientKeyExchangeEcdhe,
        (CKE, "RSA"): wmsg.ClientKeyExchangeRsa,
        (SKE, "DHE"): ServerKeyExchangeDhe,  # registered by wire/messages_dhe.py
        (CKE, "DHE"): ClientKeyExchangeDhe,
    } == wmsg.KEY_EXCHANGE_DECODERS
    for (t, _), cls in wmsg.KEY_EXCHANGE_DECODERS.items():
        assert cls.msg_type == t
    for t, cls in TLS12_ROWS.items():
        assert cls.msg_type == t


def body_of(case_id: str) -> bytes:
    return next(e for n, _, e, _ in CASES if n == case_id)[4:]


@pytest.mark.parametrize("kx", [None, "ECDHE", "RSA"])
def test_key_exchange_only_matters_for_key_exchange_messages(kx: KX | None) -> None:
    for name, obj, encoded, case_kx in CASES:
        if case_kx is None:
            assert decode12(encoded[0], encoded[4:], kx) == obj, name


def test_client_key_exchange_shape_follows_key_exchange() -> None:
    assert decode12(CKE, body_of("client_key_exchange_ecdhe"), "ECDHE") == wmsg.ClientKeyExchangeEcdhe(X25519_PUBLIC)
    assert decode12(CKE, body_of("client_key_exchange_rsa_2048"), "RSA") == wmsg.ClientKeyExchangeRsa(RSA_CIPHERTEXT)
    # The same body read with the other method's shape does not parse.
    with pytest.raises(errors.DecodeError, match="ClientKeyExchangeRsa"):
        decode12(CKE, body_of("client_key_exchange_ecdhe"), "RSA")
    with pytest.raises(errors.DecodeError, match="ClientKeyExchangeEcdhe"):
        decode12(CKE, body_of("client_key_exchange_rsa_2048"), "ECDHE")


def test_same_type_differs_by_version() -> None:
    cert13 = wmsg.Certificate(b"", (wmsg.CertificateEntry(h("3000")),))
    assert wmsg.decode_handshake(11, cert13.encode_body(), version=TLS13) == cert13
    assert wmsg.decode_handshake(11, body_of("certificate12_two"), version=TLS12) == CASES[1][1]
    nst13 = wmsg.NewSessionTicket(1, 2, b"", b"t")
    assert wmsg.decode_handshake(4, nst13.encode_body(), version=TLS13) == nst13
    assert isinstance(wmsg.decode_handshake(4, body_of("new_session_ticket12"), version=TLS12), wmsg.NewSessionTicket12)
    cr13 = wmsg.CertificateRequest(b"", (wext.SignatureAlgorithms((S.ED25519,)),))
    assert isinstance(wmsg.decode_handshake(13, h("01 01 0002 0807 0000"), version=TLS12), wmsg.CertificateRequest12)
    assert isinstance(wmsg.decode_handshake(13, cr13.encode_body(), version=TLS13), wmsg.CertificateRequest)


BODY_FOR = {
    HandshakeType.SERVER_KEY_EXCHANGE: body_of("server_key_exchange_x25519"),
    HandshakeType.CLIENT_KEY_EXCHANGE: body_of("client_key_exchange_ecdhe"),
    HandshakeType.HELLO_REQUEST: b"",
    HandshakeType.SERVER_HELLO_DONE: b"",
    HandshakeType.CERTIFICATE_STATUS: body_of("certificate_status"),
    HandshakeType.ENCRYPTED_EXTENSIONS: h("0000"),
    HandshakeType.END_OF_EARLY_DATA: b"",
    HandshakeType.KEY_UPDATE: h("00"),
}


@pytest.mark.parametrize(
    ("msg_type", "version", "kx"),
    [
        # RFC 5246 s7.4.3: "It is not legal to send the server key exchange message for ... RSA"
        (SKE, TLS12, "RSA"),
        # no key exchange method negotiated yet: the state machine has no use for these
        (SKE, TLS12, None),
        (CKE, TLS12, None),
        # TLS 1.3 has no key exchange messages, ServerHelloDone, HelloRequest or CertificateStatus
        (SKE, TLS13, "ECDHE"),
        (CKE, TLS13, "ECDHE"),
        (CKE, TLS13, "RSA"),
        (HandshakeType.HELLO_REQUEST, TLS13, None),
        (HandshakeType.SERVER_HELLO_DONE, TLS13, None),
        (HandshakeType.CERTIFICATE_STATUS, TLS13, None),
        # TLS 1.3-only messages in TLS 1.2
        (HandshakeType.ENCRYPTED_EXTENSIONS, TLS12, "ECDHE"),
        (HandshakeType.END_OF_EARLY_DATA, TLS12, None),
        (HandshakeType.KEY_UPDATE, TLS12, "RSA"),
        (HandshakeType.MESSAGE_HASH, TLS12, None),
        (HandshakeType.HELLO_RETRY_REQUEST, TLS12, None),
        # TLS 1.2-era messages glasstls does not support
        (HandshakeType.HELLO_VERIFY_REQUEST, TLS12, None),  # DTLS only
        (HandshakeType.CERTIFICATE_URL, TLS12, None),
        (HandshakeType.SUPPLEMENTAL_DATA, TLS12, None),
        (SKE, ProtocolVersion.TLS11, "ECDHE"),
        (HandshakeType.CERTIFICATE, ProtocolVersion.TLS11, None),
    ],
    ids=lambda v: str(v),
)
def test_unexpected_message(msg_type: HandshakeType, version: ProtocolVersion, kx: KX | None) -> None:
    # a well-formed body where we have one: the refusal is about the type, not the bytes
    with pytest.raises(errors.UnexpectedMessage) as info:
        wmsg.decode_handshake(msg_type, BODY_FOR.get(msg_type, b""), version=version, key_exchange=kx)
    assert info.value.alert == AlertDescription.UNEXPECTED_MESSAGE


def test_unexpected_key_exchange_messages_say_why() -> None:
    with pytest.raises(errors.UnexpectedMessage, match="RSA key exchange has no ServerKeyExchange"):
        decode12(SKE, BODY_FOR[SKE], "RSA")
    with pytest.raises(errors.UnexpectedMessage, match="no key exchange method"):
        decode12(CKE, BODY_FOR[CKE], None)


def test_unknown_key_exchange_method_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="key_exchange"):
        wmsg.decode_handshake(CKE, BODY_FOR[CKE], version=TLS12, key_exchange="DH_anon")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------
# Enums, names, repr
# --------------------------------------------------------------------------------------------------------


def test_new_enum_code_points() -> None:
    # RFC 5246 s7.4.4, RFC 8422 s5.5
    assert [int(t) for t in (CCT.RSA_SIGN, CCT.DSS_SIGN, CCT.RSA_FIXED_DH, CCT.DSS_FIXED_DH)] == [1, 2, 3, 4]
    assert int(CCT.ECDSA_SIGN) == 64
    assert str(CCT(0x99)) == "UNKNOWN_0x99"
    # RFC 8422 s5.4
    assert int(ECCurveType.NAMED_CURVE) == 3 and int(ECCurveType.EXPLICIT_PRIME) == 1
    assert int(CertificateStatusType.OCSP) == 1
    assert int(HandshakeType.HELLO_REQUEST) == 0 and int(HandshakeType.CERTIFICATE_STATUS) == 22


def test_rsa_premaster_not_in_repr() -> None:
    msg = wmsg.ClientKeyExchangeRsa(RSA_CIPHERTEXT)
    assert repr(msg) == "ClientKeyExchangeRsa(encrypted_premaster=<256 bytes>)"
    assert RSA_CIPHERTEXT.hex()[:16] not in repr(msg) and repr(RSA_CIPHERTEXT)[2:18] not in repr(msg)
    assert msg == wmsg.ClientKeyExchangeRsa(bytes(RSA_CIPHERTEXT)) and msg != wmsg.ClientKeyExchangeRsa(b"")


def test_field_names_and_defaults() -> None:
    nst = wmsg.NewSessionTicket12(lifetime_hint=300, ticket=b"t")
    assert nst.ticket_lifetime_hint == 300  # the RFC 5077 name
    cs = wmsg.CertificateStatus(response=OCSP)
    assert cs.status_type == CertificateStatusType.OCSP
    assert wmsg.CertificateRequest12((CCT.RSA_SIGN,), (S.RSA_PKCS1_SHA256,)).certificate_authorities == ()
    for cls in (
        wmsg.HelloRequest, wmsg.Certificate12, wmsg.ServerKeyExchangeEcdhe, wmsg.CertificateRequest12,
        wmsg.ServerHelloDone, wmsg.ClientKeyExchangeEcdhe, wmsg.ClientKeyExchangeRsa, wmsg.NewSessionTicket12,
        wmsg.CertificateStatus,
    ):
        assert cls.__name__ in wmsg.__all__
    assert "KEY_EXCHANGE_DECODERS" in wmsg.__all__ and "KeyExchangeMethod" in wmsg.__all__


# --------------------------------------------------------------------------------------------------------
# describe()
# --------------------------------------------------------------------------------------------------------


def test_describe_server_key_exchange() -> None:
    ske = next(o for n, o, _, _ in CASES if n == "server_key_exchange_x25519")
    assert describe(ske) == {
        "type": "SERVER_KEY_EXCHANGE",
        "key_exchange": "ECDHE",
        "curve_type": "NAMED_CURVE",
        "named_group": "X25519",
        "public": X25519_PUBLIC.hex(),
        "signature_scheme": "RSA_PSS_RSAE_SHA256",
        "signature": "aabbcc",
    }
    p256 = next(o for n, o, _, _ in CASES if n == "server_key_exchange_p256_empty_signature")
    view = describe(p256)
    assert view["public"] == P256_POINT[:32].hex() + "…(65 bytes)"  # type: ignore[index]
    assert view["named_group"] == "SECP256R1" and view["signature"] == ""  # type: ignore[index]


def test_describe_client_key_exchanges() -> None:
    assert describe(wmsg.ClientKeyExchangeEcdhe(X25519_PUBLIC)) == {
        "type": "CLIENT_KEY_EXCHANGE", "key_exchange": "ECDHE", "public": X25519_PUBLIC.hex(),
    }
    assert describe(wmsg.ClientKeyExchangeRsa(RSA_CIPHERTEXT)) == {
        "type": "CLIENT_KEY_EXCHANGE", "key_exchange": "RSA", "encrypted_premaster": "256 bytes",
    }


def test_describe_other_tls12_messages() -> None:
    assert describe(wmsg.HelloRequest()) == {"type": "HELLO_REQUEST"}
    assert describe(wmsg.ServerHelloDone()) == {"type": "SERVER_HELLO_DONE"}
    assert describe(wmsg.Certificate12((h("3000"), bytes(100)))) == {
        "type": "CERTIFICATE", "certificate_list": ["3000", "00" * 32 + "…(100 bytes)"],
    }
    assert describe(CASES[6][1]) == {
        "type": "CERTIFICATE_REQUEST",
        "certificate_types": ["RSA_SIGN", "ECDSA_SIGN"],
        "signature_algorithms": ["RSA_PSS_RSAE_SHA256", "ECDSA_SECP256R1_SHA256"],
        "certificate_authorities": ["3000"],
    }
    assert describe(wmsg.CertificateRequest12((CCT(0x99),), (S(0x0A0A),)))["certificate_types"] == [  # type: ignore[index]
        "UNKNOWN_0x99"
    ]
    assert describe(wmsg.NewSessionTicket12(7200, h("abcd"))) == {
        "type": "NEW_SESSION_TICKET", "lifetime_hint": 7200, "ticket": "abcd",
    }
    assert describe(wmsg.CertificateStatus(OCSP)) == {
        "type": "CERTIFICATE_STATUS", "response": OCSP.hex(), "status_type": "OCSP",
    }


def _items(view: object) -> list[tuple[str, object]]:
    """Every (key, value) pair in a describe() view, at any depth."""
    if isinstance(view, dict):
        return [(k, v) for k, v in view.items()] + [kv for v in view.values() for kv in _items(v)]
    if isinstance(view, list):
        return [kv for v in view for kv in _items(v)]
    return []


SECRET_WORDS = ("secret", "private", "master_secret", "psk", "key_block")


@given(pair=handshake_messages12())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_describe_has_no_secret_looking_fields(pair: tuple[wmsg.HandshakeMessage, KX | None]) -> None:
    msg, _ = pair
    view = describe(msg)
    for key, value in _items(view):
        assert not any(word in key.lower() for word in SECRET_WORDS), key
        if "premaster" in key:  # only its size (RSA key exchange has no forward secrecy)
            assert isinstance(value, str) and re.fullmatch(r"\d+ bytes", value), value
    if isinstance(msg, wmsg.ClientKeyExchangeRsa):
        assert view == {
            "type": "CLIENT_KEY_EXCHANGE",
            "key_exchange": "RSA",
            "encrypted_premaster": f"{len(msg.encrypted_premaster)} bytes",
        }


# --------------------------------------------------------------------------------------------------------
# Hypothesis
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MESSAGE_STRATEGIES_12))
@given(data=st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip(name: str, data: st.DataObject) -> None:
    make, kx = MESSAGE_STRATEGIES_12[name]
    msg = data.draw(make())
    encoded = msg.encode()
    assert int.from_bytes(encoded[1:4], "big") == len(encoded) - 4
    got = decode12(encoded[0], encoded[4:], kx)
    assert got == msg and type(got) is type(msg)
    assert got.encode() == encoded
    json.dumps(describe(msg))


#: Every (msg_type, key_exchange) pair that decodes in TLS 1.2, other than the hellos.
DECODE_COMBOS = [
    (t, kx)
    for t in sorted({int(t) for (t, v) in wmsg.MESSAGE_DECODERS if v == TLS12} - {1, 2})
    for kx in (None, "ECDHE", "RSA")
] + [(int(t), kx) for (t, kx) in wmsg.KEY_EXCHANGE_DECODERS]


@pytest.mark.parametrize(("msg_type", "kx"), DECODE_COMBOS, ids=lambda v: str(v))
@given(body=st.binary(max_size=200), hash_len=st.sampled_from([None, 12]))
@settings(max_examples=150)
def test_arbitrary_bytes_decode_or_decode_error(
    msg_type: int, kx: KX | None, body: bytes, hash_len: int | None
) -> None:
    try:
        msg = wmsg.decode_handshake(msg_type, body, version=TLS12, hash_len=hash_len, key_exchange=kx)
    except errors.DecodeError:
        return
    assert msg.msg_type == msg_type
    assert msg.encode_body() == body  # exact consumption: one body, one object


@pytest.mark.parametrize(("msg_type", "kx"), DECODE_COMBOS, ids=lambda v: str(v))
@given(body=st.binary(min_size=1, max_size=40))
@settings(max_examples=50)
def test_arbitrary_body_with_valid_length_prefix(msg_type: int, kx: KX | None, body: bytes) -> None:
    """Bodies that start like the real thing (a plausible first length), to get past the first check."""
    for width in (1, 2, 3):
        framed = len(body).to_bytes(width, "big") + body
        for candidate in (framed, h("03") + framed, h("01") + framed):
            try:
                msg = wmsg.decode_handshake(msg_type, candidate, version=TLS12, key_exchange=kx)
            except errors.DecodeError:
                continue
            assert msg.encode_body() == candidate


@given(pair=handshake_messages12(), data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_messages_decode_or_decode_error(
    pair: tuple[wmsg.HandshakeMessage, KX | None], data: st.DataObject
) -> None:
    msg, kx = pair
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
        got = decode12(msg.msg_type, bytes(body), kx)
    except errors.DecodeError:
        return
    assert got.encode_body() == bytes(body)
