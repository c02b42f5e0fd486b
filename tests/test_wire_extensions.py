"""Extensions codec: hand-written byte tables (RFC 8446 s4.2, RFC 6066, 7301, 5746, 7627, 7366, 5077, 8422,
7685, 8449), strict decoding (trailing bytes, every strict prefix), duplicates, the ALLOWED_IN table, and
Hypothesis round trips / arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls import errors
from glasstls.wire import extensions as wext
from glasstls.wire.codec import Reader
from glasstls.wire.describe import describe
from glasstls.wire.enums import (
    AlertDescription,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
    SignatureScheme,
)
from wire_strategies import CTXS, EXTENSION_STRATEGIES, extension_for, extensions_for

CH = HandshakeType.CLIENT_HELLO
SH = HandshakeType.SERVER_HELLO
HRR = HandshakeType.HELLO_RETRY_REQUEST
EE = HandshakeType.ENCRYPTED_EXTENSIONS
CT = HandshakeType.CERTIFICATE
CR = HandshakeType.CERTIFICATE_REQUEST
NST = HandshakeType.NEW_SESSION_TICKET


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# (id, ctx, object, full encoding: extension_type, length, body) -- bytes written by hand from the RFCs.
CASES: list[tuple[str, HandshakeType, wext.Extension, bytes]] = [
    ("server_name", CH, wext.ServerName("example.com"),
     h("0000 0010 000e 00 000b") + b"example.com"),
    ("server_name_ack_ee", EE, wext.ServerNameAck(), h("0000 0000")),
    ("server_name_ack_sh12", SH, wext.ServerNameAck(), h("0000 0000")),
    ("supported_groups_grease", CH,
     wext.SupportedGroups((NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup(0x0A0A))),
     h("000a 0008 0006 001d 0017 0a0a")),
    ("supported_groups_ee", EE, wext.SupportedGroups((NamedGroup.X25519,)), h("000a 0004 0002 001d")),
    ("signature_algorithms", CH,
     wext.SignatureAlgorithms((SignatureScheme.ED25519, SignatureScheme.RSA_PSS_RSAE_SHA256)),
     h("000d 0006 0004 0807 0804")),
    ("signature_algorithms_cr", CR,
     wext.SignatureAlgorithms((SignatureScheme.ECDSA_SECP256R1_SHA256,)), h("000d 0004 0002 0403")),
    ("signature_algorithms_cert", CR,
     wext.SignatureAlgorithmsCert((SignatureScheme.ECDSA_SECP256R1_SHA256,)), h("0032 0004 0002 0403")),
    ("supported_versions_ch", CH,
     wext.SupportedVersionsClientHello((ProtocolVersion(0x7A7A), ProtocolVersion.TLS13, ProtocolVersion.TLS12)),
     h("002b 0007 06 7a7a 0304 0303")),
    ("supported_versions_sh", SH, wext.SupportedVersionsServerHello(ProtocolVersion.TLS13), h("002b 0002 0304")),
    ("supported_versions_hrr", HRR, wext.SupportedVersionsServerHello(ProtocolVersion.TLS13), h("002b 0002 0304")),
    ("key_share_ch", CH, wext.KeyShareClientHello((wext.KeyShareEntry(NamedGroup.X25519, b"abcd"),)),
     h("0033 000a 0008 001d 0004 61626364")),
    ("key_share_ch_two", CH,
     wext.KeyShareClientHello((wext.KeyShareEntry(NamedGroup(0x2A2A), b"\x00"),
                            wext.KeyShareEntry(NamedGroup.SECP256R1, b"\x04\x01"))),
     h("0033 000d 000b 2a2a 0001 00 0017 0002 0401")),
    ("key_share_ch_empty", CH, wext.KeyShareClientHello(()), h("0033 0002 0000")),
    ("key_share_sh", SH, wext.KeyShareServerHello(wext.KeyShareEntry(NamedGroup.X25519, b"\x09\x08")),
     h("0033 0006 001d 0002 0908")),
    ("key_share_hrr", HRR, wext.KeyShareHelloRetryRequest(NamedGroup.SECP384R1), h("0033 0002 0018")),
    ("alpn", CH, wext.ApplicationLayerProtocolNegotiation((b"h2", b"http/1.1")),
     h("0010 000e 000c 02 6832 08") + b"http/1.1"),
    ("alpn_ee", EE, wext.ApplicationLayerProtocolNegotiation((b"h2",)), h("0010 0005 0003 02 6832")),
    ("cookie_hrr", HRR, wext.Cookie(b"\xc0\x0c\x1e"), h("002c 0005 0003 c00c1e")),
    ("cookie_ch", CH, wext.Cookie(b"\x01"), h("002c 0003 0001 01")),
    ("psk_key_exchange_modes", CH,
     wext.PskKeyExchangeModes((PskKeyExchangeMode.PSK_DHE_KE, PskKeyExchangeMode.PSK_KE)), h("002d 0003 02 01 00")),
    ("pre_shared_key_ch", CH,
     wext.PreSharedKeyClientHello((wext.PskIdentity(b"tick", 0x01020304),), (b"\xbb" * 32,)),
     h("0029 002f 000a 0004 7469636b 01020304 0021 20") + b"\xbb" * 32),
    ("pre_shared_key_sh", SH, wext.PreSharedKeyServerHello(1), h("0029 0002 0001")),
    ("early_data_ch", CH, wext.EarlyData(), h("002a 0000")),
    ("early_data_ee", EE, wext.EarlyData(), h("002a 0000")),
    ("early_data_nst", NST, wext.EarlyDataNewSessionTicket(0x4000), h("002a 0004 00004000")),
    ("status_request", CH, wext.StatusRequest(), h("0005 0005 01 0000 0000")),
    ("status_request_responders", CH, wext.StatusRequest(b"\x01\x02", b"\x03"),
     h("0005 0008 01 0002 0102 0001 03")),
    ("status_request_sh12", SH, wext.StatusRequestAck(), h("0005 0000")),
    ("status_request_cr", CR, wext.StatusRequestAck(), h("0005 0000")),
    ("certificate_status", CT, wext.CertificateStatusOcsp(b"\x30\x03\x0a\x01\x00"),
     h("0005 0009 01 000005 30030a0100")),
    ("record_size_limit", CH, wext.RecordSizeLimit(0x4001), h("001c 0002 4001")),
    ("record_size_limit_tiny", EE, wext.RecordSizeLimit(1), h("001c 0002 0001")),
    ("renegotiation_info_empty", CH, wext.RenegotiationInfo(b""), h("ff01 0001 00")),
    ("renegotiation_info_sh", SH, wext.RenegotiationInfo(b"\xaa" * 24), h("ff01 0019 18") + b"\xaa" * 24),
    ("extended_master_secret", CH, wext.ExtendedMasterSecret(), h("0017 0000")),
    ("encrypt_then_mac", SH, wext.EncryptThenMac(), h("0016 0000")),
    ("session_ticket_empty", CH, wext.SessionTicket(b""), h("0023 0000")),
    ("session_ticket", CH, wext.SessionTicket(b"\x01\x02\x03"), h("0023 0003 010203")),
    ("ec_point_formats", CH, wext.EcPointFormats((ECPointFormat.UNCOMPRESSED,)), h("000b 0002 01 00")),
    ("ec_point_formats_unknown", SH, wext.EcPointFormats((ECPointFormat(0x77), ECPointFormat.UNCOMPRESSED)),
     h("000b 0003 02 77 00")),
    ("padding", CH, wext.Padding(5), h("0015 0005 0000000000")),
    ("padding_empty", CH, wext.Padding(0), h("0015 0000")),
    ("certificate_authorities", CR, wext.CertificateAuthorities((b"\x30\x00", b"\x30\x01\x05")),
     h("002f 000b 0009 0002 3000 0003 300105")),
    ("post_handshake_auth", CH, wext.PostHandshakeAuth(), h("0031 0000")),
    ("unknown_grease", CH, wext.UnknownExtension(ExtensionType(0x1A1A), b""), h("1a1a 0000")),
    ("unknown_ech", CH, wext.UnknownExtension(ExtensionType(0xFE0D), b"\x01\x02"), h("fe0d 0002 0102")),
    ("known_type_foreign_ctx", EE, wext.UnknownExtension(ExtensionType.KEY_SHARE, b"\x00\x1d"),
     h("0033 0002 001d")),
]

# Raw opaque bodies: any prefix or extension of them is itself a valid body (tested separately below).
RAW_BODY = (wext.SessionTicket, wext.Padding, wext.UnknownExtension)


STRICT = [c for c in CASES if not isinstance(c[2], RAW_BODY)]


def block(*exts: bytes) -> bytes:
    body = b"".join(exts)
    return len(body).to_bytes(2, "big") + body


def decode_one(encoded: bytes, ctx: HandshakeType) -> wext.Extension:
    r = Reader(block(encoded))
    exts = wext.decode_extensions(r, ctx)
    r.finish()
    assert len(exts) == 1
    return exts[0]


@pytest.mark.parametrize(("ctx", "obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_encode_exact_bytes(ctx: HandshakeType, obj: wext.Extension, encoded: bytes) -> None:
    assert obj.encode() == encoded


@pytest.mark.parametrize(("ctx", "obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decode_exact_bytes(ctx: HandshakeType, obj: wext.Extension, encoded: bytes) -> None:
    got = decode_one(encoded, ctx)
    assert got == obj
    assert type(got) is type(obj)
    assert got.encode() == encoded


@pytest.mark.parametrize(("ctx", "obj", "encoded"), [c[1:] for c in STRICT], ids=[c[0] for c in STRICT])
def test_body_trailing_bytes_rejected(ctx: HandshakeType, obj: wext.Extension, encoded: bytes) -> None:
    with pytest.raises(errors.DecodeError):
        type(obj).decode_body(encoded[4:] + b"\x00", ctx)
    # ... and through the block: the declared length includes the extra byte
    extra = encoded[:2] + (len(encoded) - 3).to_bytes(2, "big") + encoded[4:] + b"\x00"
    with pytest.raises(errors.DecodeError):
        decode_one(extra, ctx)


@pytest.mark.parametrize(("ctx", "obj", "encoded"), [c[1:] for c in STRICT], ids=[c[0] for c in STRICT])
def test_body_every_strict_prefix_rejected(ctx: HandshakeType, obj: wext.Extension, encoded: bytes) -> None:
    body = encoded[4:]
    for i in range(len(body)):
        with pytest.raises(errors.DecodeError):
            type(obj).decode_body(body[:i], ctx)


@pytest.mark.parametrize(("ctx", "obj", "encoded"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_block_every_strict_prefix_rejected(ctx: HandshakeType, obj: wext.Extension, encoded: bytes) -> None:
    whole = block(encoded)
    for i in range(len(whole)):
        with pytest.raises(errors.DecodeError):
            wext.decode_extensions(Reader(whole[:i]), ctx)


def test_block_trailing_bytes_left_for_caller() -> None:
    r = Reader(block(wext.EarlyData().encode()) + b"\x00")
    wext.decode_extensions(r, CH)
    with pytest.raises(errors.DecodeError):
        r.finish()


# --------------------------------------------------------------------------------------------------------
# Bounds and field checks, one by one
# --------------------------------------------------------------------------------------------------------

BAD_BODIES: list[tuple[str, HandshakeType, ExtensionType, bytes, str]] = [
    ("sni_empty_list", CH, ExtensionType.SERVER_NAME, h("0000"), "server_name_list"),
    ("sni_empty_name", CH, ExtensionType.SERVER_NAME, h("0003 00 0000"), "host_name"),
    ("sni_other_type", CH, ExtensionType.SERVER_NAME, h("0004 01 0001 61"), "name_type"),
    ("sni_ack_not_empty", EE, ExtensionType.SERVER_NAME, h("00"), "empty"),
    ("groups_empty", CH, ExtensionType.SUPPORTED_GROUPS, h("0000"), "named_group_list"),
    ("groups_odd", CH, ExtensionType.SUPPORTED_GROUPS, h("0003 001d00"), "named_group_list"),
    ("sigalgs_empty", CH, ExtensionType.SIGNATURE_ALGORITHMS, h("0000"), "supported_signature_algorithms"),
    ("sigalgs_too_long", CH, ExtensionType.SIGNATURE_ALGORITHMS, h("ffff") + bytes(0xFFFF),
     "supported_signature_algorithms"),
    ("versions_short", CH, ExtensionType.SUPPORTED_VERSIONS, h("00"), "versions"),
    ("versions_too_long", CH, ExtensionType.SUPPORTED_VERSIONS, h("ff") + bytes(255), "versions"),
    ("versions_odd", CH, ExtensionType.SUPPORTED_VERSIONS, h("03 030403"), "versions"),
    ("key_share_empty_kx", CH, ExtensionType.KEY_SHARE, h("0004 001d 0000"), "key_exchange"),
    ("key_share_sh_empty_kx", SH, ExtensionType.KEY_SHARE, h("001d 0000"), "key_exchange"),
    ("alpn_empty_list", CH, ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, h("0000"), "protocol_name_list"),
    ("alpn_empty_name", CH, ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, h("0002 0000"), "ProtocolName"),
    ("cookie_empty", HRR, ExtensionType.COOKIE, h("0000"), "cookie"),
    ("psk_modes_empty", CH, ExtensionType.PSK_KEY_EXCHANGE_MODES, h("00"), "ke_modes"),
    ("psk_no_identity", CH, ExtensionType.PRE_SHARED_KEY, h("0000 0021 20") + bytes(32), "identities"),
    ("psk_empty_identity", CH, ExtensionType.PRE_SHARED_KEY, h("0006 0000 00000000 0021 20") + bytes(32),
     "identities"),
    ("psk_short_binder", CH, ExtensionType.PRE_SHARED_KEY,
     h("0007 0001 61 00000000 0020 1f") + bytes(31), "binders"),
    ("psk_binder_31_in_33", CH, ExtensionType.PRE_SHARED_KEY,
     h("0007 0001 61 00000000 0021 1f") + bytes(32), "PskBinderEntry"),
    ("psk_no_binders", CH, ExtensionType.PRE_SHARED_KEY, h("0007 0001 61 00000000 0000"), "binders"),
    ("early_data_not_empty", CH, ExtensionType.EARLY_DATA, h("00000000"), "empty"),
    ("status_not_ocsp", CH, ExtensionType.STATUS_REQUEST, h("02 0000 0000"), "status_type"),
    ("status_ack_not_empty", SH, ExtensionType.STATUS_REQUEST, h("01 0000 0000"), "empty"),
    ("ocsp_empty_response", CT, ExtensionType.STATUS_REQUEST, h("01 000000"), "ocsp_response"),
    ("ocsp_not_ocsp", CT, ExtensionType.STATUS_REQUEST, h("02 000001 00"), "status_type"),
    ("ems_not_empty", CH, ExtensionType.EXTENDED_MASTER_SECRET, h("00"), "empty"),
    ("etm_not_empty", SH, ExtensionType.ENCRYPT_THEN_MAC, h("00"), "empty"),
    ("pha_not_empty", CH, ExtensionType.POST_HANDSHAKE_AUTH, h("00"), "empty"),
    ("ec_formats_empty", CH, ExtensionType.EC_POINT_FORMATS, h("00"), "ec_point_format_list"),
    ("padding_nonzero", CH, ExtensionType.PADDING, h("000100"), "non-zero"),
    ("ca_empty", CR, ExtensionType.CERTIFICATE_AUTHORITIES, h("0000"), "authorities"),
    ("ca_empty_dn", CR, ExtensionType.CERTIFICATE_AUTHORITIES, h("0004 0000 0000"), "DistinguishedName"),
]


@pytest.mark.parametrize(
    ("ctx", "ext_type", "body", "field"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_bad_body_names_the_field(ctx: HandshakeType, ext_type: ExtensionType, body: bytes, field: str) -> None:
    with pytest.raises(errors.DecodeError, match=field):
        wext.decode_extension(ext_type, body, ctx)


def test_binders_length_is_the_tail() -> None:
    psk = wext.PreSharedKeyClientHello(
        (wext.PskIdentity(b"a", 0), wext.PskIdentity(b"bc", 7)), (b"\x01" * 32, b"\x02" * 48)
    )
    assert psk.binders_length() == 2 + 33 + 49
    assert psk.encode().endswith(psk.encode_binders())
    assert len(psk.encode_binders()) == psk.binders_length()


# --------------------------------------------------------------------------------------------------------
# Lists: duplicates, find/get, GREASE
# --------------------------------------------------------------------------------------------------------


def test_duplicate_extension_rejected_naming_it() -> None:
    data = block(wext.ServerName("a").encode(), wext.EarlyData().encode(), wext.ServerName("b").encode())
    with pytest.raises(errors.DecodeError, match="duplicate extension SERVER_NAME"):
        wext.decode_extensions(Reader(data), CH)


def test_duplicate_unknown_extension_rejected() -> None:
    data = block(h("1a1a 0000"), h("1a1a 0001 00"))
    with pytest.raises(errors.DecodeError, match="GREASE_0x1a1a"):
        wext.decode_extensions(Reader(data), CH)


def test_decoding_remembers_stable_extensions_and_errors_stay_exact() -> None:
    groups = wext.SupportedGroups((NamedGroup.X25519, NamedGroup.SECP256R1))
    share = wext.KeyShareClientHello((wext.KeyShareEntry(NamedGroup.X25519, bytes(range(32))),))
    data = block(groups.encode(), share.encode())
    first = wext.decode_extensions(Reader(data), CH)
    second = wext.decode_extensions(Reader(data), CH)
    assert first == second == (groups, share)
    assert second[0] is first[0]  # the same bytes of a stable extension: the object decoded before
    assert second[1] is not first[1]  # key shares change every time: decoded each time
    # The same bytes in another message type decode afresh (in a CertificateRequest: signature_algorithms).
    sig = wext.SignatureAlgorithms((SignatureScheme.ECDSA_SECP256R1_SHA256,))
    assert wext.decode_extensions(Reader(block(sig.encode())), CH)[0] is not wext.decode_extensions(
        Reader(block(sig.encode())), CR
    )[0]
    truncated = h("0008") + groups.encode()[:8]
    with pytest.raises(errors.DecodeError) as caught:
        wext.decode_extensions(Reader(truncated, "ClientHello"), CH)
    assert str(caught.value.reason) == (
        "ClientHello.extensions: truncated at SUPPORTED_GROUPS extension_data (needs 6 bytes, 4 left)"
    )
    cut_header = block(groups.encode(), h("00"))
    with pytest.raises(errors.DecodeError, match="truncated at extension_type"):
        wext.decode_extensions(Reader(cut_header), CH)
    with pytest.raises(errors.DecodeError, match="duplicate extension SUPPORTED_GROUPS"):
        wext.decode_extensions(Reader(block(groups.encode(), groups.encode())), CH)
    # Another message type decodes its own shape (server_name acknowledgement vs the ClientHello list).
    assert wext.decode_extensions(Reader(block(h("0000 0000"))), EE) == (wext.ServerNameAck(),)


def test_extension_block_bounds_per_message() -> None:
    # RFC 8446 s4.3.2: CertificateRequest extensions<2..2^16-1>; s4.1.4: HelloRetryRequest <6..2^16-1>.
    with pytest.raises(errors.DecodeError, match="extensions"):
        wext.decode_extensions(Reader(h("0000")), CR)
    with pytest.raises(errors.DecodeError, match="extensions"):
        wext.decode_extensions(Reader(block(h("1a1a 0000"))), HRR)
    assert wext.decode_extensions(Reader(h("0000")), EE) == ()
    # RFC 8446 s4.6.1: NewSessionTicket extensions<0..2^16-2>
    with pytest.raises(errors.DecodeError, match="extensions"):
        wext.decode_extensions(Reader(h("ffff") + h("1a1a fffb") + bytes(0xFFFB)), NST)


def test_find_and_get_extension() -> None:
    exts = (
        wext.SignatureAlgorithmsCert((SignatureScheme.ED25519,)),
        wext.UnknownExtension(ExtensionType(0x0A0A), b""),
        wext.SignatureAlgorithms((SignatureScheme.ED448,)),
    )
    assert wext.find_extension(exts, ExtensionType.SIGNATURE_ALGORITHMS) is exts[2]
    assert wext.find_extension(exts, ExtensionType(0x0A0A)) is exts[1]
    assert wext.find_extension(exts, ExtensionType.KEY_SHARE) is None
    assert wext.get_extension(exts, wext.SignatureAlgorithms) is exts[2]
    assert wext.get_extension(exts, wext.SignatureAlgorithmsCert) is exts[0]
    assert wext.get_extension(exts, wext.Cookie) is None


def test_grease_extension_round_trips_and_prints_hex() -> None:
    exts = (
        wext.UnknownExtension(ExtensionType(0xDADA), b"\x00"),
        wext.SupportedGroups((NamedGroup(0x3A3A), NamedGroup.X25519)),
        wext.UnknownExtension(ExtensionType(0x4469), b"\x01\x02"),
    )
    encoded = wext.encode_extensions(exts)
    assert encoded == h("0015 dada 0001 00 000a 0006 0004 3a3a 001d 4469 0002 0102")
    assert wext.decode_extensions(Reader(encoded), CH) == exts
    assert describe(exts[0]) == {"extension": "GREASE_0xdada", "data": "00"}
    assert describe(exts[1]) == {"extension": "SUPPORTED_GROUPS", "named_group_list": ["GREASE_0x3a3a", "X25519"]}
    assert describe(exts[2])["extension"] == "UNKNOWN_0x4469"  # type: ignore[index]


# --------------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------------

ALLOWED_CASES: list[tuple[wext.Extension, HandshakeType, bool]] = [
    (wext.ServerName("example.com"), CH, True),
    (wext.ServerNameAck(), EE, True),
    (wext.ServerNameAck(), SH, False),
    (wext.KeyShareClientHello(()), CH, True),
    (wext.KeyShareServerHello(wext.KeyShareEntry(NamedGroup.X25519, b"\x01")), SH, True),
    (wext.KeyShareHelloRetryRequest(NamedGroup.X25519), HRR, True),
    (wext.UnknownExtension(ExtensionType.KEY_SHARE, b"\x00\x1d"), EE, False),
    (wext.UnknownExtension(ExtensionType.KEY_SHARE, b""), CR, False),
    (wext.SupportedGroups((NamedGroup.X25519,)), EE, True),
    (wext.SupportedGroups((NamedGroup.X25519,)), SH, False),
    (wext.SignatureAlgorithms((SignatureScheme.ED25519,)), CR, True),
    (wext.SignatureAlgorithms((SignatureScheme.ED25519,)), EE, False),
    (wext.ApplicationLayerProtocolNegotiation((b"h2",)), EE, True),
    (wext.Cookie(b"c"), HRR, True),
    (wext.Cookie(b"c"), SH, False),
    (wext.EarlyData(), EE, True),
    (wext.EarlyDataNewSessionTicket(1), NST, True),
    (wext.EarlyData(), CR, False),
    (wext.PreSharedKeyServerHello(0), SH, True),
    (wext.UnknownExtension(ExtensionType.PRE_SHARED_KEY, b""), HRR, False),
    (wext.PskKeyExchangeModes((PskKeyExchangeMode.PSK_KE,)), CH, True),
    (wext.UnknownExtension(ExtensionType.PSK_KEY_EXCHANGE_MODES, b"\x01\x00"), EE, False),
    (wext.CertificateStatusOcsp(b"\x01"), CT, True),
    (wext.StatusRequestAck(), CR, True),
    (wext.UnknownExtension(ExtensionType.STATUS_REQUEST, b""), EE, False),
    (wext.UnknownExtension(ExtensionType.OID_FILTERS, b"\x00\x00"), CR, True),
    (wext.UnknownExtension(ExtensionType.OID_FILTERS, b"\x00\x00"), CH, False),
    (wext.PostHandshakeAuth(), CH, True),
    (wext.UnknownExtension(ExtensionType.POST_HANDSHAKE_AUTH, b""), CR, False),
    (wext.Padding(3), CH, True),
    (wext.UnknownExtension(ExtensionType.PADDING, b""), EE, False),
    (wext.RecordSizeLimit(64), EE, True),
    (wext.RenegotiationInfo(b""), SH, True),
    (wext.UnknownExtension(ExtensionType.RENEGOTIATION_INFO, b"\x00"), EE, False),
    (wext.ExtendedMasterSecret(), SH, True),
    (wext.UnknownExtension(ExtensionType.EXTENDED_MASTER_SECRET, b""), EE, False),
    (wext.UnknownExtension(ExtensionType.SUPPORTED_VERSIONS, b"\x03\x04"), EE, False),
    (wext.UnknownExtension(ExtensionType(0x0A0A), b""), EE, True),  # unknown types pass: the state decides
    (wext.UnknownExtension(ExtensionType(0xFE0D), b""), NST, True),
]


@pytest.mark.parametrize(("ext", "ctx", "ok"), ALLOWED_CASES)
def test_check_extensions_allowed(ext: wext.Extension, ctx: HandshakeType, ok: bool) -> None:
    if ok:
        wext.check_extensions_allowed((ext,), ctx)
    else:
        with pytest.raises(errors.IllegalParameter) as info:
            wext.check_extensions_allowed((ext,), ctx)
        assert str(ext.wire_type) in info.value.reason
        assert wext.MESSAGE_NAMES[ctx] in info.value.reason
        assert info.value.alert == AlertDescription.ILLEGAL_PARAMETER


def test_pre_shared_key_must_be_last_in_client_hello() -> None:
    psk = wext.PreSharedKeyClientHello((wext.PskIdentity(b"t", 0),), (bytes(32),))
    wext.check_extensions_allowed((wext.EarlyData(), psk), CH)
    with pytest.raises(errors.IllegalParameter, match="last"):
        wext.check_extensions_allowed((psk, wext.EarlyData()), CH)


def test_decoders_table_is_consistent() -> None:
    tls12_server_hello_replies = {
        ExtensionType.SERVER_NAME,
        ExtensionType.STATUS_REQUEST,
        ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
        ExtensionType.RECORD_SIZE_LIMIT,
    }
    for (ext_type, ctx), cls in wext.DECODERS.items():
        assert cls.ext_type == ext_type, (ext_type, ctx, cls)
        assert cls in EXTENSION_STRATEGIES
        assert ctx in wext.ALLOWED_IN[ext_type] or (ctx == SH and ext_type in tls12_server_hello_replies)
    assert set(EXTENSION_STRATEGIES) == set(wext.DECODERS.values())


# --------------------------------------------------------------------------------------------------------
# Hypothesis
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ctx", CTXS, ids=str)
@given(data=st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip_extensions(ctx: HandshakeType, data: st.DataObject) -> None:
    exts = data.draw(extensions_for(ctx))
    encoded = wext.encode_extensions(exts)
    r = Reader(encoded)
    assert wext.decode_extensions(r, ctx) == exts
    r.finish()


@pytest.mark.parametrize("ctx", CTXS, ids=str)
@given(data=st.data())
@settings(max_examples=60)
def test_round_trip_one_extension_body(ctx: HandshakeType, data: st.DataObject) -> None:
    ext = data.draw(extension_for(ctx))
    assert wext.decode_extension(ext.wire_type, ext.encode_body(), ctx) == ext
    describe(ext)


@pytest.mark.parametrize("ctx", CTXS, ids=str)
@given(blob=st.binary(max_size=300))
@settings(max_examples=200)
def test_arbitrary_bytes_decode_or_decode_error(ctx: HandshakeType, blob: bytes) -> None:
    try:
        wext.decode_extensions(Reader(blob), ctx)
    except errors.TLSError:
        pass


@pytest.mark.parametrize("ctx", CTXS, ids=str)
@given(ext_type=st.sampled_from(sorted({t for (t, _) in wext.DECODERS})), body=st.binary(max_size=80))
@settings(max_examples=300)
def test_arbitrary_bodies_for_known_types(ctx: HandshakeType, ext_type: ExtensionType, body: bytes) -> None:
    try:
        ext = wext.decode_extension(ext_type, body, ctx)
    except errors.DecodeError:
        return
    assert ext.encode_body() == body  # whatever decodes re-encodes to the same bytes
