"""Code points registered at IANA print by their registered names even when glasstls does not implement them;
only unassigned values print as UNKNOWN_0x...., GREASE values as GREASE_0x.... (issue 10, "Names")."""

from __future__ import annotations

import pytest

from glasstls.wire.describe import describe
from glasstls.wire.enums import (
    AlertDescription,
    CipherSuite,
    ContentType,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.iana import registered_name


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),  # DHE (RFC 5288)
        (0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256"),  # PSK (RFC 5487)
        (0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),  # CCM (RFC 7251)
        (0x0000, "TLS_NULL_WITH_NULL_NULL"),  # NULL (RFC 5246)
        (0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"),  # IANA's own spelling
        (0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"),
        (0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
        (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        (0x1304, "TLS_AES_128_CCM_SHA256"),
    ],
)
def test_unsupported_cipher_suites_print_their_registered_names(value: int, name: str) -> None:
    assert str(CipherSuite(value)) == name


@pytest.mark.parametrize(
    ("enum", "value", "name"),
    [
        (NamedGroup, 0x001A, "BRAINPOOLP256R1"),
        (NamedGroup, 0x001B, "BRAINPOOLP384R1"),
        (SignatureScheme, 0x0303, "ECDSA_SHA224"),  # TLS 1.2 pair: sha224 (3), ecdsa (3)
        (SignatureScheme, 0x0402, "DSA_SHA256"),
        (SignatureScheme, 0x0202, "DSA_SHA1"),
        (SignatureScheme, 0x0301, "RSA_PKCS1_SHA224"),
        (SignatureScheme, 0x0708, "SM2SIG_SM3"),
        (SignatureScheme, 0x081A, "ECDSA_BRAINPOOLP256R1TLS13_SHA256"),
        (ExtensionType, 0xFE0D, "ENCRYPTED_CLIENT_HELLO"),
        (ExtensionType, 0x0039, "QUIC_TRANSPORT_PARAMETERS"),
        (ExtensionType, 0x0002, "CLIENT_CERTIFICATE_URL"),
        (AlertDescription, 121, "ECH_REQUIRED"),
        (AlertDescription, 52, "TOO_MANY_CIDS_REQUESTED"),
        (HandshakeType, 25, "COMPRESSED_CERTIFICATE"),
        (ContentType, 25, "TLS12_CID"),
    ],
)
def test_other_registries_print_registered_names(enum: type, value: int, name: str) -> None:
    assert str(enum(value)) == name
    # the table itself (so the test holds when glasstls later implements one of these)
    assert registered_name(enum.__name__, value) == name


def test_a_registered_name_is_not_an_implemented_member() -> None:
    assert not SignatureScheme(0x0708).known and not CipherSuite(0x00A8).known


@pytest.mark.parametrize(
    ("enum", "value", "name"),
    [
        (CipherSuite, 0x00C8, "UNKNOWN_0x00c8"),
        (CipherSuite, 0x1308, "UNKNOWN_0x1308"),
        (NamedGroup, 0x0106, "UNKNOWN_0x0106"),
        (SignatureScheme, 0x0710, "UNKNOWN_0x0710"),
        (ExtensionType, 0x4469, "UNKNOWN_0x4469"),
        (AlertDescription, 0xFE, "UNKNOWN_0xfe"),
        (HandshakeType, 0x63, "UNKNOWN_0x63"),
    ],
)
def test_unassigned_values_print_unknown(enum: type, value: int, name: str) -> None:
    assert str(enum(value)) == name


def test_grease_reserved_and_private_use() -> None:
    assert str(CipherSuite(0x1A1A)) == "GREASE_0x1a1a"
    assert str(NamedGroup(0x2A2A)) == "GREASE_0x2a2a"
    assert str(ExtensionType(0xDADA)) == "GREASE_0xdada"
    assert str(CipherSuite(0xFF00)) == "PRIVATE_USE_0xff00"
    assert str(NamedGroup(0x01FC)) == "PRIVATE_USE_0x01fc"
    assert str(CipherSuite(0x0050)) == "RESERVED_0x0050"
    assert str(ExtensionType(40)) == "RESERVED_0x0028"


def test_implemented_members_keep_their_names_and_round_trip() -> None:
    assert str(CipherSuite(0x1301)) == "TLS_AES_128_GCM_SHA256" and CipherSuite(0x1301).known
    dhe = CipherSuite(0x009E)
    assert int(dhe) == 0x009E and dhe == 0x009E
    assert describe([dhe]) == ["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]
    assert registered_name("ProtocolVersion", 0x0305) is None


@pytest.mark.parametrize(
    ("enum", "value", "name"),
    [
        (ExtensionType, 62, "TLS_FLAGS"),  # draft-ietf-tls-tlsflags
        (ExtensionType, 53, "CONNECTION_ID_DEPRECATED"),  # IANA: "connection_id (deprecated)"
        (ExtensionType, 61, "RRC"),
        (ExtensionType, 0xFD00, "ECH_OUTER_EXTENSIONS"),
        (AlertDescription, 117, "GENERAL_ERROR"),
        (HandshakeType, 17, "CLIENT_CERTIFICATE_REQUEST"),  # RFC 9261
        (HandshakeType, 26, "EKT_KEY"),  # RFC 8870
        (HandshakeType, 9, "REQUEST_CONNECTION_ID"),  # RFC 9147
        (CipherSuite, 0x1306, "TLS_AEGIS_256_SHA512"),  # not ..._SHA384
        (CipherSuite, 0x1307, "TLS_AEGIS_128L_SHA256"),
        (ProtocolVersion, 0xFEFF, "DTLS10"),
        (ProtocolVersion, 0xFEFD, "DTLS12"),
        (ProtocolVersion, 0xFEFC, "DTLS13"),
    ],
)
def test_values_checked_against_their_registrations(enum: type, value: int, name: str) -> None:
    """The entries a first version wrote from memory, as checked against what registered them (the module
    docstring says where each was confirmed); the DTLS versions in ProtocolVersion's scheme."""
    assert str(enum(value)) == name


@pytest.mark.parametrize(
    ("enum", "value", "name"),
    [
        (ExtensionType, 63, "UNKNOWN_0x003f"),  # nothing registered after tls_flags was found
        (ExtensionType, 0x3374, "UNKNOWN_0x3374"),  # next_protocol_negotiation: never registered at IANA
        (HandshakeType, 7, "UNKNOWN_0x07"),
        (AlertDescription, 118, "UNKNOWN_0x76"),
        (ProtocolVersion, 0x7F1C, "UNKNOWN_0x7f1c"),  # a TLS 1.3 draft version: not a registered value
        (ProtocolVersion, 0xFEFE, "UNKNOWN_0xfefe"),  # would be "DTLS 1.1", which never existed
    ],
)
def test_unconfirmed_or_unassigned_values_stay_unknown(enum: type, value: int, name: str) -> None:
    assert str(enum(value)) == name


def test_members_keep_their_names() -> None:
    assert str(ProtocolVersion(0x0304)) == "TLS13" and str(ProtocolVersion(0x0300)) == "SSL30"
    assert ProtocolVersion(0x0304).known and not ProtocolVersion(0xFEFD).known


def test_every_registered_name_is_one_word() -> None:
    """A printed name is one token (traces and --json carry it): no spaces or brackets copied from a registry."""
    from glasstls.wire import iana

    names = [n for table, _ in iana._TABLES.values() for n in table.values()]
    names += list(iana._cipher_suites().values())
    assert names and all(n.replace("_", "").isalnum() for n in names), [n for n in names if not n.isidentifier()]
