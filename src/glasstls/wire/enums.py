"""Open wire enums (RFC 8446 appendix B.3, B.4 and the IANA TLS registries).

An *open* enum keeps every value it is given: a code point that has no name here (a newer
extension, a GREASE value of RFC 8701) becomes a pseudo-member that compares equal to its number,
round-trips unchanged and prints in hex, e.g. ``CipherSuite(0x0a0a)`` -> ``GREASE_0x0a0a``.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from glasstls.wire.iana import registered_name


def is_grease(value: int) -> bool:
    """RFC 8701 section 2: 0x0A0A, 0x1A1A, ... 0xFAFA (both bytes equal, low nibble 0xA)."""
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


#: Pseudo-members kept per open enum class, so that a value seen again (GREASE, a registered suite glasstls does
#: not implement, which every client offers) is not built again. Bounded: the values are the peer's choice (one
#: ClientHello can carry 32,767 distinct cipher suites); a full cache is emptied, so new values gain nothing.
MAX_PSEUDO_MEMBERS = 512
_pseudo_members: dict[type, tuple[dict[int, Any], int]] = {}


class OpenEnum(enum.IntEnum):
    """An IntEnum that accepts unknown values (pseudo-members named after their hex value).

    A pseudo-member is cheap to make: an int with its value, kept in a bounded cache and made without the Enum
    call (about 0.5 us, against 3.5 us when the Enum call made it and named it at once); its name (GREASE,
    IANA-registered or ``UNKNOWN_0x....``) is looked up when first printed.
    """

    @classmethod
    def _hex_digits(cls) -> int:
        return 4

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int) or value < 0 or value >= 1 << (4 * cls._hex_digits()):
            return None
        return cls.pseudo_member(value)

    @classmethod
    def pseudo_member(cls, value: int) -> Any:
        """``cls(value)`` for a value that is not a member, without the Enum call machinery (decoders call it
        directly, see codec.member_lookup): the cached pseudo-member, or a new one. ValueError out of range."""
        entry = _pseudo_members.get(cls)
        if entry is None:
            entry = _pseudo_members[cls] = ({}, 1 << (4 * cls._hex_digits()))
        cache, limit = entry
        member = cache.get(value)
        if member is None:
            if not 0 <= value < limit:
                raise ValueError(f"{value!r} is not a valid {cls.__qualname__}")
            if len(cache) >= MAX_PSEUDO_MEMBERS:
                cache.clear()
            member = cache[value] = int.__new__(cls, value)
            member._value_ = value
        return member

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute of any member

        def __getattr__(self, name: str) -> Any:
            # Only for attributes an instance lacks: the name of a pseudo-member, made on first use.
            if name != "_name_":
                raise AttributeError(name)
            value = self._value_
            digits = type(self)._hex_digits()
            if digits == 4 and is_grease(value):
                label = f"GREASE_0x{value:04x}"
            else:  # a value IANA registered prints by its name even when glasstls does not implement it
                label = registered_name(type(self).__name__, value, digits) or f"UNKNOWN_0x{value:0{digits}x}"
            self._name_ = label
            return label

    @property
    def known(self) -> bool:
        return self._value_ in type(self)._value2member_map_

    def __str__(self) -> str:
        return self._name_

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name_}: 0x{self._value_:0{self._hex_digits()}x}>"

    def __format__(self, spec: str) -> str:
        # f-strings format enum values in every trace line: the name directly when there is no spec.
        return format(self._name_, spec) if spec else self._name_


class U8Enum(OpenEnum):
    @classmethod
    def _hex_digits(cls) -> int:
        return 2


class ProtocolVersion(OpenEnum):
    SSL30 = 0x0300
    TLS10 = 0x0301
    TLS11 = 0x0302
    TLS12 = 0x0303
    TLS13 = 0x0304


class ContentType(U8Enum):
    """RFC 8446 section 5.1."""

    INVALID = 0
    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23
    HEARTBEAT = 24


class HandshakeType(U8Enum):
    """RFC 8446 section 4 and RFC 5246 section 7.4."""

    HELLO_REQUEST = 0
    CLIENT_HELLO = 1
    SERVER_HELLO = 2
    HELLO_VERIFY_REQUEST = 3
    NEW_SESSION_TICKET = 4
    END_OF_EARLY_DATA = 5
    HELLO_RETRY_REQUEST = 6  # never on the wire in TLS 1.3 (it is a ServerHello); used for extension rules
    ENCRYPTED_EXTENSIONS = 8
    CERTIFICATE = 11
    SERVER_KEY_EXCHANGE = 12
    CERTIFICATE_REQUEST = 13
    SERVER_HELLO_DONE = 14
    CERTIFICATE_VERIFY = 15
    CLIENT_KEY_EXCHANGE = 16
    FINISHED = 20
    CERTIFICATE_URL = 21
    CERTIFICATE_STATUS = 22
    SUPPLEMENTAL_DATA = 23
    KEY_UPDATE = 24
    MESSAGE_HASH = 254


#: Handshake message names as RFC 8446 and RFC 5246 write them (the enum names are the IANA registry's).
_MESSAGE_LABELS: dict[int, str] = {
    HandshakeType.HELLO_REQUEST: "HelloRequest",
    HandshakeType.CLIENT_HELLO: "ClientHello",
    HandshakeType.SERVER_HELLO: "ServerHello",
    HandshakeType.NEW_SESSION_TICKET: "NewSessionTicket",
    HandshakeType.END_OF_EARLY_DATA: "EndOfEarlyData",
    HandshakeType.HELLO_RETRY_REQUEST: "HelloRetryRequest",
    HandshakeType.ENCRYPTED_EXTENSIONS: "EncryptedExtensions",
    HandshakeType.CERTIFICATE: "Certificate",
    HandshakeType.SERVER_KEY_EXCHANGE: "ServerKeyExchange",
    HandshakeType.CERTIFICATE_REQUEST: "CertificateRequest",
    HandshakeType.SERVER_HELLO_DONE: "ServerHelloDone",
    HandshakeType.CERTIFICATE_VERIFY: "CertificateVerify",
    HandshakeType.CLIENT_KEY_EXCHANGE: "ClientKeyExchange",
    HandshakeType.FINISHED: "Finished",
    HandshakeType.CERTIFICATE_STATUS: "CertificateStatus",
    HandshakeType.KEY_UPDATE: "KeyUpdate",
}


def message_label(msg_type: int) -> str:
    """A handshake message's name as the RFCs write it (``ClientHello``); the enum name when unlisted."""
    return _MESSAGE_LABELS.get(msg_type) or str(HandshakeType(msg_type))


class AlertLevel(U8Enum):
    WARNING = 1
    FATAL = 2


class AlertDescription(U8Enum):
    """RFC 8446 section 6, RFC 5246 section 7.2."""

    CLOSE_NOTIFY = 0
    UNEXPECTED_MESSAGE = 10
    BAD_RECORD_MAC = 20
    DECRYPTION_FAILED = 21
    RECORD_OVERFLOW = 22
    DECOMPRESSION_FAILURE = 30
    HANDSHAKE_FAILURE = 40
    NO_CERTIFICATE = 41
    BAD_CERTIFICATE = 42
    UNSUPPORTED_CERTIFICATE = 43
    CERTIFICATE_REVOKED = 44
    CERTIFICATE_EXPIRED = 45
    CERTIFICATE_UNKNOWN = 46
    ILLEGAL_PARAMETER = 47
    UNKNOWN_CA = 48
    ACCESS_DENIED = 49
    DECODE_ERROR = 50
    DECRYPT_ERROR = 51
    EXPORT_RESTRICTION = 60
    PROTOCOL_VERSION = 70
    INSUFFICIENT_SECURITY = 71
    INTERNAL_ERROR = 80
    INAPPROPRIATE_FALLBACK = 86
    USER_CANCELED = 90
    NO_RENEGOTIATION = 100
    MISSING_EXTENSION = 109
    UNSUPPORTED_EXTENSION = 110
    CERTIFICATE_UNOBTAINABLE = 111
    UNRECOGNIZED_NAME = 112
    BAD_CERTIFICATE_STATUS_RESPONSE = 113
    BAD_CERTIFICATE_HASH_VALUE = 114
    UNKNOWN_PSK_IDENTITY = 115
    CERTIFICATE_REQUIRED = 116
    NO_APPLICATION_PROTOCOL = 120


class ExtensionType(OpenEnum):
    """IANA TLS ExtensionType values (RFC 8446 section 4.2 and the RFCs that define each)."""

    SERVER_NAME = 0
    MAX_FRAGMENT_LENGTH = 1
    STATUS_REQUEST = 5
    SUPPORTED_GROUPS = 10
    EC_POINT_FORMATS = 11
    SIGNATURE_ALGORITHMS = 13
    USE_SRTP = 14
    HEARTBEAT = 15
    APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16
    SIGNED_CERTIFICATE_TIMESTAMP = 18
    CLIENT_CERTIFICATE_TYPE = 19
    SERVER_CERTIFICATE_TYPE = 20
    PADDING = 21
    ENCRYPT_THEN_MAC = 22
    EXTENDED_MASTER_SECRET = 23
    COMPRESS_CERTIFICATE = 27
    RECORD_SIZE_LIMIT = 28
    SESSION_TICKET = 35
    PRE_SHARED_KEY = 41
    EARLY_DATA = 42
    SUPPORTED_VERSIONS = 43
    COOKIE = 44
    PSK_KEY_EXCHANGE_MODES = 45
    CERTIFICATE_AUTHORITIES = 47
    OID_FILTERS = 48
    POST_HANDSHAKE_AUTH = 49
    SIGNATURE_ALGORITHMS_CERT = 50
    KEY_SHARE = 51
    RENEGOTIATION_INFO = 0xFF01


class CipherSuite(OpenEnum):
    """IANA cipher suite values; TLS 1.3 (RFC 8446 B.4) and the TLS 1.2 suites glasstls knows."""

    TLS_AES_128_GCM_SHA256 = 0x1301
    TLS_AES_256_GCM_SHA384 = 0x1302
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303
    TLS_AES_128_CCM_SHA256 = 0x1304
    TLS_AES_128_CCM_8_SHA256 = 0x1305
    # TLS 1.2 (RFC 5246, RFC 5288, RFC 5289, RFC 7905; DHE_RSA with RFC 7919 groups)
    TLS_RSA_WITH_AES_128_CBC_SHA = 0x002F
    TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035
    TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009C
    TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009D
    TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009E
    TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009F
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xC009
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xC00A
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xC013
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xC014
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9
    TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAA
    # Signalling values (RFC 5746 section 3.3, RFC 7507 section 2)
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF
    TLS_FALLBACK_SCSV = 0x5600


class NamedGroup(OpenEnum):
    """RFC 8446 section 4.2.7, RFC 7919 (FFDHE) and draft-ietf-tls-ecdhe-mlkem (X25519MLKEM768 = 0x11EC)."""

    SECP256R1 = 0x0017
    SECP384R1 = 0x0018
    SECP521R1 = 0x0019
    X25519 = 0x001D
    X448 = 0x001E
    FFDHE2048 = 0x0100
    FFDHE3072 = 0x0101
    FFDHE4096 = 0x0102
    FFDHE6144 = 0x0103
    FFDHE8192 = 0x0104
    SECP256R1MLKEM768 = 0x11EB
    X25519MLKEM768 = 0x11EC


class SignatureScheme(OpenEnum):
    """RFC 8446 section 4.2.3."""

    RSA_PKCS1_SHA1 = 0x0201
    ECDSA_SHA1 = 0x0203
    RSA_PKCS1_SHA256 = 0x0401
    RSA_PKCS1_SHA384 = 0x0501
    RSA_PKCS1_SHA512 = 0x0601
    ECDSA_SECP256R1_SHA256 = 0x0403
    ECDSA_SECP384R1_SHA384 = 0x0503
    ECDSA_SECP521R1_SHA512 = 0x0603
    RSA_PSS_RSAE_SHA256 = 0x0804
    RSA_PSS_RSAE_SHA384 = 0x0805
    RSA_PSS_RSAE_SHA512 = 0x0806
    ED25519 = 0x0807
    ED448 = 0x0808
    RSA_PSS_PSS_SHA256 = 0x0809
    RSA_PSS_PSS_SHA384 = 0x080A
    RSA_PSS_PSS_SHA512 = 0x080B


class PskKeyExchangeMode(U8Enum):
    """RFC 8446 section 4.2.9."""

    PSK_KE = 0
    PSK_DHE_KE = 1


class CertificateStatusType(U8Enum):
    """RFC 6066 section 8."""

    OCSP = 1


class KeyUpdateRequest(U8Enum):
    """RFC 8446 section 4.6.3."""

    UPDATE_NOT_REQUESTED = 0
    UPDATE_REQUESTED = 1


class NameType(U8Enum):
    """RFC 6066 section 3."""

    HOST_NAME = 0


class ECPointFormat(U8Enum):
    """RFC 8422 section 5.1.2."""

    UNCOMPRESSED = 0
    ANSIX962_COMPRESSED_PRIME = 1
    ANSIX962_COMPRESSED_CHAR2 = 2


class CompressionMethod(U8Enum):
    NULL = 0


class ClientCertificateType(U8Enum):
    """RFC 5246 section 7.4.4 and RFC 8422 section 5.5 (TLS 1.2 CertificateRequest.certificate_types)."""

    RSA_SIGN = 1
    DSS_SIGN = 2
    RSA_FIXED_DH = 3
    DSS_FIXED_DH = 4
    ECDSA_SIGN = 64
    RSA_FIXED_ECDH = 65  # RFC 4492; deprecated by RFC 8422 section 5.5
    ECDSA_FIXED_ECDH = 66  # RFC 4492; deprecated by RFC 8422 section 5.5


class ECCurveType(U8Enum):
    """RFC 8422 section 5.4 (ServerECDHParams.curve_params.curve_type); 1 and 2 are deprecated."""

    EXPLICIT_PRIME = 1
    EXPLICIT_CHAR2 = 2
    NAMED_CURVE = 3
