"""Handshake extensions: bytes <-> objects (RFC 8446 section 4.2 and appendix B.3.1; RFC 6066, 7301, 5746,
7627, 7366, 5077, 8422, 7685, 8449).

Structure only (DESIGN rule 4): each decoder consumes its body exactly, enforces the ``<min..max>`` bounds of
the RFC's presentation language and raises :class:`~glasstls.errors.DecodeError` naming the field. Whether an
extension may appear in a message, or holds a value we offered, is decided by the handshake states; the one
exception kept here is the RFC 8446 section 4.2 table (:data:`ALLOWED_IN`, :func:`check_extensions_allowed`),
because it is pure data.

Encoders do not validate: they write what the object holds, so that tests can build invalid messages.

The same extension type has different *shapes* in different messages (``key_share`` in a ClientHello is a list
of shares, in a ServerHello one share, in a HelloRetryRequest one group). :data:`DECODERS` is the one table
that says which class decodes a type in a given message; a type with no entry for that message decodes as
:class:`UnknownExtension` and keeps its bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from glasstls.errors import DecodeError, IllegalParameter
from glasstls.wire.codec import Reader, Writer, member_lookup, written
from glasstls.wire.enums import (
    ExtensionType,
    HandshakeType,
)
from glasstls.wire.ext_common import (
    ApplicationLayerProtocolNegotiation,
    CertificateAuthorities,
    CertificateStatusOcsp,
    Padding,
    PostHandshakeAuth,
    RecordSizeLimit,
    ServerName,
    ServerNameAck,
    SignatureAlgorithms,
    SignatureAlgorithmsCert,
    StatusRequest,
    StatusRequestAck,
    SupportedGroups,
)
from glasstls.wire.ext_tls12 import (
    EcPointFormats,
    EncryptThenMac,
    ExtendedMasterSecret,
    RenegotiationInfo,
    SessionTicket,
)
from glasstls.wire.ext_tls13 import (
    Cookie,
    EarlyData,
    EarlyDataNewSessionTicket,
    KeyShareClientHello,
    KeyShareEntry,
    KeyShareHelloRetryRequest,
    KeyShareServerHello,
    PreSharedKeyClientHello,
    PreSharedKeyServerHello,
    PskIdentity,
    PskKeyExchangeModes,
    SupportedVersionsClientHello,
    SupportedVersionsServerHello,
)
from glasstls.wire.extension_base import (
    MESSAGE_NAMES,
    U16_MAX,
    Extension,
    _message_name,
    dispatch_table,
)
from glasstls.wire.limits import MAX_EXTENSIONS, too_many

__all__ = [
    "ALLOWED_IN",
    "DECODERS",
    "EXTENSIONS_BOUNDS",
    "EXTENSION_CLASSES",
    "MESSAGE_NAMES",
    "ApplicationLayerProtocolNegotiation",
    "CertificateAuthorities",
    "CertificateStatusOcsp",
    "Cookie",
    "EarlyData",
    "EarlyDataNewSessionTicket",
    "EcPointFormats",
    "EncryptThenMac",
    "ExtendedMasterSecret",
    "Extension",
    "KeyShareClientHello",
    "KeyShareEntry",
    "KeyShareHelloRetryRequest",
    "KeyShareServerHello",
    "Padding",
    "PostHandshakeAuth",
    "PreSharedKeyClientHello",
    "PreSharedKeyServerHello",
    "PskIdentity",
    "PskKeyExchangeModes",
    "RecordSizeLimit",
    "RenegotiationInfo",
    "ServerName",
    "ServerNameAck",
    "SessionTicket",
    "SignatureAlgorithms",
    "SignatureAlgorithmsCert",
    "StatusRequest",
    "StatusRequestAck",
    "SupportedGroups",
    "SupportedVersionsClientHello",
    "SupportedVersionsServerHello",
    "UnknownExtension",
    "check_extensions_allowed",
    "decode_extension",
    "decode_extensions",
    "dispatch_table",
    "encode_extensions",
    "find_extension",
    "get_extension",
    "write_extensions",
]

E = TypeVar("E", bound=Extension)
_extension_type = member_lookup(ExtensionType)

@dataclass(frozen=True)
class UnknownExtension(Extension):
    """Any extension without a decoder for its message: type and body kept as received (DESIGN rule 6)."""

    ext_type_value: ExtensionType
    data: bytes

    @property
    def wire_type(self) -> ExtensionType:
        return self.ext_type_value

    def write_body(self, w: Writer) -> None:
        w.raw(self.data)


# --------------------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------------------

_CH = HandshakeType.CLIENT_HELLO
_SH = HandshakeType.SERVER_HELLO
_HRR = HandshakeType.HELLO_RETRY_REQUEST
_EE = HandshakeType.ENCRYPTED_EXTENSIONS
_CT = HandshakeType.CERTIFICATE
_CR = HandshakeType.CERTIFICATE_REQUEST
_NST = HandshakeType.NEW_SESSION_TICKET

_T = ExtensionType

#: Each extension class, its extension_type, and the messages in which it decodes that type: the one place that
#: gives a class its ``ext_type`` and fills :data:`DECODERS`, so that the two cannot disagree. The ServerHello
#: entries include the TLS 1.2 replies (RFC 6066, 7301, 5746, 7627, 7366, 5077, 8422, 8449), since a ServerHello
#: is decoded before its version is known.
EXTENSION_CLASSES: tuple[tuple[type[Extension], ExtensionType, tuple[HandshakeType, ...]], ...] = (
    (ServerName, _T.SERVER_NAME, (_CH,)),
    (ServerNameAck, _T.SERVER_NAME, (_SH, _EE)),
    (StatusRequest, _T.STATUS_REQUEST, (_CH,)),
    (StatusRequestAck, _T.STATUS_REQUEST, (_SH, _CR)),
    (CertificateStatusOcsp, _T.STATUS_REQUEST, (_CT,)),
    (SupportedGroups, _T.SUPPORTED_GROUPS, (_CH, _EE)),
    (EcPointFormats, _T.EC_POINT_FORMATS, (_CH, _SH)),
    (SignatureAlgorithms, _T.SIGNATURE_ALGORITHMS, (_CH, _CR)),
    (ApplicationLayerProtocolNegotiation, _T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, (_CH, _SH, _EE)),
    (Padding, _T.PADDING, (_CH,)),
    (EncryptThenMac, _T.ENCRYPT_THEN_MAC, (_CH, _SH)),
    (ExtendedMasterSecret, _T.EXTENDED_MASTER_SECRET, (_CH, _SH)),
    (RecordSizeLimit, _T.RECORD_SIZE_LIMIT, (_CH, _SH, _EE)),
    (SessionTicket, _T.SESSION_TICKET, (_CH, _SH)),
    (PreSharedKeyClientHello, _T.PRE_SHARED_KEY, (_CH,)),
    (PreSharedKeyServerHello, _T.PRE_SHARED_KEY, (_SH,)),
    (EarlyData, _T.EARLY_DATA, (_CH, _EE)),
    (EarlyDataNewSessionTicket, _T.EARLY_DATA, (_NST,)),
    (SupportedVersionsClientHello, _T.SUPPORTED_VERSIONS, (_CH,)),
    (SupportedVersionsServerHello, _T.SUPPORTED_VERSIONS, (_SH, _HRR)),
    (Cookie, _T.COOKIE, (_CH, _HRR)),
    (PskKeyExchangeModes, _T.PSK_KEY_EXCHANGE_MODES, (_CH,)),
    (CertificateAuthorities, _T.CERTIFICATE_AUTHORITIES, (_CH, _CR)),
    (PostHandshakeAuth, _T.POST_HANDSHAKE_AUTH, (_CH,)),
    (SignatureAlgorithmsCert, _T.SIGNATURE_ALGORITHMS_CERT, (_CH, _CR)),
    (KeyShareClientHello, _T.KEY_SHARE, (_CH,)),
    (KeyShareServerHello, _T.KEY_SHARE, (_SH,)),
    (KeyShareHelloRetryRequest, _T.KEY_SHARE, (_HRR,)),
    (RenegotiationInfo, _T.RENEGOTIATION_INFO, (_CH, _SH)),
)

#: Which class decodes ``(extension type, containing message)`` (from :data:`EXTENSION_CLASSES`). A pair not
#: listed decodes as :class:`UnknownExtension`.
DECODERS: dict[tuple[ExtensionType, HandshakeType], type[Extension]] = dispatch_table(EXTENSION_CLASSES, "ext_type")
UnknownExtension.ext_type = ExtensionType(0xFFFF)  # never used: its type is ext_type_value (see wire_type)

#: RFC 8446 section 4.2, Table 1 (TLS 1.3 column): where each extension may appear. Added: record_size_limit
#: (RFC 8449 section 4: CH, EE) and the TLS 1.2 extensions that clients offer and TLS 1.2 servers answer in
#: ServerHello (a TLS 1.3 server must not send them; the states check the version).
ALLOWED_IN: dict[ExtensionType, frozenset[HandshakeType]] = {
    _T.SERVER_NAME: frozenset({_CH, _EE}),
    _T.MAX_FRAGMENT_LENGTH: frozenset({_CH, _EE}),
    _T.STATUS_REQUEST: frozenset({_CH, _CR, _CT}),
    _T.SUPPORTED_GROUPS: frozenset({_CH, _EE}),
    _T.SIGNATURE_ALGORITHMS: frozenset({_CH, _CR}),
    _T.USE_SRTP: frozenset({_CH, _EE}),
    _T.HEARTBEAT: frozenset({_CH, _EE}),
    _T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION: frozenset({_CH, _EE}),
    _T.SIGNED_CERTIFICATE_TIMESTAMP: frozenset({_CH, _CR, _CT}),
    _T.CLIENT_CERTIFICATE_TYPE: frozenset({_CH, _EE}),
    _T.SERVER_CERTIFICATE_TYPE: frozenset({_CH, _EE}),
    _T.PADDING: frozenset({_CH}),
    _T.KEY_SHARE: frozenset({_CH, _SH, _HRR}),
    _T.PRE_SHARED_KEY: frozenset({_CH, _SH}),
    _T.PSK_KEY_EXCHANGE_MODES: frozenset({_CH}),
    _T.EARLY_DATA: frozenset({_CH, _EE, _NST}),
    _T.COOKIE: frozenset({_CH, _HRR}),
    _T.SUPPORTED_VERSIONS: frozenset({_CH, _SH, _HRR}),
    _T.CERTIFICATE_AUTHORITIES: frozenset({_CH, _CR}),
    _T.OID_FILTERS: frozenset({_CR}),
    _T.POST_HANDSHAKE_AUTH: frozenset({_CH}),
    _T.SIGNATURE_ALGORITHMS_CERT: frozenset({_CH, _CR}),
    # RFC 8449 section 4
    _T.RECORD_SIZE_LIMIT: frozenset({_CH, _EE}),
    # TLS 1.2 (RFC 5746, RFC 7627, RFC 8422, RFC 7366, RFC 5077)
    _T.RENEGOTIATION_INFO: frozenset({_CH, _SH}),
    _T.EXTENDED_MASTER_SECRET: frozenset({_CH, _SH}),
    _T.EC_POINT_FORMATS: frozenset({_CH, _SH}),
    _T.ENCRYPT_THEN_MAC: frozenset({_CH, _SH}),
    _T.SESSION_TICKET: frozenset({_CH, _SH}),
}

#: ``Extension extensions<min..max>`` of each message (RFC 8446 section 4 / appendix B.3). ClientHello and
#: ServerHello use the TLS 1.2 bound <0..2^16-1> (RFC 5246 section 7.4.1.2), because they are decoded before
#: the version is known; the states check the TLS 1.3 contents.
EXTENSIONS_BOUNDS: dict[HandshakeType, tuple[int, int]] = {
    _CH: (0, U16_MAX),
    _SH: (0, U16_MAX),
    _HRR: (6, U16_MAX),
    _EE: (0, U16_MAX),
    _CT: (0, U16_MAX),
    _CR: (2, U16_MAX),
    _NST: (0, U16_MAX - 1),
}


# --------------------------------------------------------------------------------------------------------
# Lists of extensions
# --------------------------------------------------------------------------------------------------------


def decode_extension(ext_type: ExtensionType, data: bytes, ctx: HandshakeType) -> Extension:
    """Decode one extension body found in a message of type ``ctx`` (see :data:`DECODERS`)."""
    cls = DECODERS.get((ext_type, ctx))
    if cls is None:
        return UnknownExtension(ext_type, bytes(data))
    return cls.decode_body(data, ctx)


def encode_extensions(exts: Sequence[Extension]) -> bytes:
    """The ``extensions`` field: 2-byte length, then each extension (type, length, body) in order."""
    return written(lambda w: write_extensions(w, exts))


def write_extensions(w: Writer, exts: Iterable[Extension]) -> None:
    """Write the ``extensions`` field (2-byte length, then each extension) into ``w``."""
    with w.block(2):
        for ext in exts:
            ext.write(w)


def decode_extensions(r: Reader, ctx: HandshakeType) -> tuple[Extension, ...]:
    """Read an ``extensions`` block from ``r`` for a message of type ``ctx``.

    RFC 8446 section 4.2: "There MUST NOT be more than one extension of the same type in a given extension
    block" -- a duplicate is a decode_error here.
    """
    min_len, max_len = EXTENSIONS_BOUNDS.get(ctx, (0, U16_MAX))
    block = r.sub(2, "extensions", min_len, max_len)
    out: list[Extension] = []
    seen: set[int] = set()
    while not block.at_end():
        if len(out) >= MAX_EXTENSIONS:
            raise too_many(block.what, MAX_EXTENSIONS)
        ext_type = _extension_type(block.u16("extension_type"))
        data = block.vec(2, f"{ext_type._name_} extension_data")  # _name_ is str(ext_type), made cheaply
        if ext_type in seen:
            raise DecodeError(f"{_message_name(ctx)}: duplicate extension {ext_type} (RFC 8446 section 4.2)")
        seen.add(ext_type)
        remembered = ext_type in _MEMO_TYPES
        out.append(_decode_remembered(ext_type, data, ctx) if remembered else decode_extension(ext_type, data, ctx))
    return tuple(out)


#: Extension types whose decoded form is remembered by message type and exact body: a client sends the same
#: server_name, groups, signature algorithms... on every connection, and decoding is a pure function of the bytes
#: giving a frozen object. Not the types that change every time (key_share, pre_shared_key, cookie, padding).
#: Measured (pure and compiled alike) at a quarter of the cost of decoding a browser-like ClientHello.
_MEMO_TYPES: frozenset[ExtensionType] = frozenset(
    {
        _T.SERVER_NAME, _T.STATUS_REQUEST, _T.SUPPORTED_GROUPS, _T.EC_POINT_FORMATS, _T.SIGNATURE_ALGORITHMS,
        _T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, _T.ENCRYPT_THEN_MAC, _T.EXTENDED_MASTER_SECRET,
        _T.RECORD_SIZE_LIMIT, _T.SESSION_TICKET, _T.SUPPORTED_VERSIONS, _T.PSK_KEY_EXCHANGE_MODES,
        _T.POST_HANDSHAKE_AUTH, _T.SIGNATURE_ALGORITHMS_CERT, _T.RENEGOTIATION_INFO,
    }
)
#: Bounds of that memo (the bodies are the peer's choice): entries (emptied when full, so peers sending ever new
#: bytes gain nothing) and the largest body remembered.
_MEMO_SIZE = 4096
_MEMO_MAX_BYTES = 1024
_memo: dict[tuple[HandshakeType, ExtensionType, bytes], Extension] = {}


def _decode_remembered(ext_type: ExtensionType, data: bytes, ctx: HandshakeType) -> Extension:
    """:func:`decode_extension`, or the object it gave for the same type and body in the same message type."""
    key = (ctx, ext_type, data)
    ext = _memo.get(key)
    if ext is None:
        ext = decode_extension(ext_type, data, ctx)
        if len(data) <= _MEMO_MAX_BYTES:
            if len(_memo) >= _MEMO_SIZE:
                _memo.clear()
            _memo[key] = ext
    return ext


def find_extension(exts: Iterable[Extension], ext_type: ExtensionType) -> Extension | None:
    """The extension of type ``ext_type`` in ``exts``, or None."""
    for ext in exts:
        if ext.wire_type == ext_type:
            return ext
    return None


def get_extension(exts: Iterable[Extension], cls: type[E]) -> E | None:
    """The extension of class ``cls`` in ``exts``, or None (a same-type extension of another shape, e.g.
    an :class:`UnknownExtension`, does not count)."""
    for ext in exts:
        if type(ext) is cls:
            return ext
    return None


def check_extensions_allowed(exts: Iterable[Extension], ctx: HandshakeType) -> None:
    """RFC 8446 section 4.2: "If an implementation receives an extension which it recognizes and which is not
    specified for the message in which it appears, it MUST abort the handshake with an illegal_parameter
    alert." Applies :data:`ALLOWED_IN` to the known types; unknown types pass (the state decides).

    Also RFC 8446 section 4.2.11: pre_shared_key MUST be the last extension in the ClientHello
    (illegal_parameter otherwise).

    These are the TLS 1.3 rules (plus the TLS 1.2 extensions of :data:`ALLOWED_IN` in ServerHello). A TLS 1.2
    ServerHello may also answer server_name, status_request, ALPN, record_size_limit (RFC 6066, 7301, 8449):
    TLS 1.2 states check a ServerHello against what the client offered instead.
    """
    exts = tuple(exts)
    last = len(exts) - 1
    for i, ext in enumerate(exts):
        wire_type = ext.wire_type
        allowed = ALLOWED_IN.get(wire_type)
        if allowed is not None and ctx not in allowed:
            name = _message_name(ctx)
            raise IllegalParameter(f"extension {wire_type} is not allowed in {name} (RFC 8446 section 4.2)", step=name)
        if wire_type == _T.PRE_SHARED_KEY and ctx == _CH and i != last:
            raise IllegalParameter(
                "pre_shared_key is not the last extension of the ClientHello (RFC 8446 section 4.2.11)",
                step=_message_name(ctx),
            )

