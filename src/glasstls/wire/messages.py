"""Handshake messages: bytes <-> objects (RFC 8446 section 4 and appendix B.3), and the Alert (section 6).

TLS 1.2 messages (RFC 5246 section 7.4) live here too. ClientHello, ServerHello, CertificateVerify and Finished have
one class for both versions; Certificate, CertificateRequest and NewSessionTicket have a TLS 1.2 class of their own
(``Certificate12``, ``CertificateRequest12``, ``NewSessionTicket12``); and HelloRequest, ServerKeyExchange (ECDHE,
RFC 8422 section 5.4), ServerHelloDone, ClientKeyExchange (ECDHE, RFC 8422 section 5.7; RSA, RFC 5246 section
7.4.7.1) and CertificateStatus (RFC 6066 section 8) exist only in TLS 1.2. The key exchange messages have one format
per key exchange method, so ``decode_handshake`` needs ``key_exchange`` to decode them.
The TLS 1.2-only classes are defined in ``wire/_messages12.py`` and re-exported here.

Structure only (DESIGN rule 4): each decoder consumes the body exactly, enforces the RFC's ``<min..max>``
bounds and raises :class:`~glasstls.errors.DecodeError` naming the field. Encoders write what the object
holds without validating it, so that tests can build invalid messages.

``decode_handshake`` takes a body that the record layer has already reassembled (``HandshakeReassembler``
gives type, body and raw bytes); the transcript hashes the raw bytes, never a re-encoding (DESIGN rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.errors import DecodeError, UnexpectedMessage
from glasstls.wire._messages12 import (
    Certificate12,
    CertificateRequest12,
    CertificateStatus,
    ClientKeyExchangeEcdhe,
    ClientKeyExchangeRsa,
    HelloRequest,
    NewSessionTicket12,
    ServerHelloDone,
    ServerKeyExchangeEcdhe,
)
from glasstls.wire.codec import Reader, Writer, member_lookup
from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    HandshakeType,
    KeyUpdateRequest,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.extensions import Extension, decode_extensions, dispatch_table, write_extensions
from glasstls.wire.limits import MAX_CERTIFICATES, at_most, u16_items
from glasstls.wire.message_base import (
    U16_MAX,
    U24_MAX,
    HandshakeMessage,
    KeyExchangeMethod,
    _EmptyMessage,
    with_encoding,
)

__all__ = [
    "DOWNGRADE_TLS11",
    "DOWNGRADE_TLS12",
    "HELLO_RETRY_REQUEST_RANDOM",
    "KEY_EXCHANGE_DECODERS",
    "MESSAGE_CLASSES",
    "MESSAGE_DECODERS",
    "Alert",
    "Certificate",
    "Certificate12",
    "CertificateEntry",
    "CertificateRequest",
    "CertificateRequest12",
    "CertificateStatus",
    "CertificateVerify",
    "ClientHello",
    "ClientKeyExchangeEcdhe",
    "ClientKeyExchangeRsa",
    "EncryptedExtensions",
    "EndOfEarlyData",
    "Finished",
    "HandshakeMessage",
    "HelloRequest",
    "KeyExchangeMethod",
    "KeyUpdate",
    "MessageHash",
    "NewSessionTicket",
    "NewSessionTicket12",
    "ServerHello",
    "ServerHelloDone",
    "ServerKeyExchangeEcdhe",
    "decode_handshake",
    "with_encoding",
]


#: RFC 8446 section 4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256 of
#: "HelloRetryRequest").
HELLO_RETRY_REQUEST_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")

#: RFC 8446 section 4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.2
#: (``DOWNGRADE_TLS12``) or TLS 1.1 or below (``DOWNGRADE_TLS11``).
DOWNGRADE_TLS12 = b"DOWNGRD\x01"
DOWNGRADE_TLS11 = b"DOWNGRD\x00"


_HRR = HandshakeType.HELLO_RETRY_REQUEST
_cipher_suite = member_lookup(CipherSuite)
_handshake_type = member_lookup(HandshakeType)
_protocol_version = member_lookup(ProtocolVersion)


def _read_hello_head(r: Reader, session_id_name: str) -> tuple[ProtocolVersion, bytes, bytes]:
    """The fields both hellos open with: legacy_version, the 32-byte random, the legacy session ID <0..32>
    (RFC 8446 sections 4.1.2 and 4.1.3, RFC 5246 sections 7.4.1.2 and 7.4.1.3)."""
    legacy_version = _protocol_version(r.u16("legacy_version"))
    random = r.fixed(32, "random")
    return legacy_version, random, r.vec(1, session_id_name, 0, 32)


def _write_hello_extensions(w: Writer, extensions: tuple[Extension, ...]) -> None:
    """RFC 5246 sections 7.4.1.2 and 7.4.1.3: a hello's extensions block may be absent (TLS 1.2 and older);
    an empty tuple writes no block at all (:func:`_read_hello_extensions` reads an absent block as ``()``)."""
    if extensions:
        write_extensions(w, extensions)


def _read_hello_extensions(r: Reader, msg_type: HandshakeType) -> tuple[Extension, ...]:
    """RFC 5246 sections 7.4.1.2 and 7.4.1.3: a hello without an extensions block has none."""
    return () if r.at_end() else decode_extensions(r, msg_type)


# --------------------------------------------------------------------------------------------------------
# Hellos (RFC 8446 section 4.1.2, 4.1.3)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientHello(HandshakeMessage):
    """RFC 8446 section 4.1.2 (and RFC 5246 section 7.4.1.2)::

        ProtocolVersion legacy_version = 0x0303;  Random random;  opaque legacy_session_id<0..32>;
        CipherSuite cipher_suites<2..2^16-2>;  opaque legacy_compression_methods<1..2^8-1>;
        Extension extensions<8..2^16-1>;

    Version-independent: a TLS 1.2 (or older) ClientHello may have no extensions block at all, which
    decodes as ``extensions=()``; ``extensions=()`` encodes without a block. The TLS 1.3 bound <8..> is the
    state's business, as are the values of legacy_version and legacy_compression_methods.

    PSK binders (RFC 8446 section 4.2.11.2): the truncated ClientHello is
    ``encode()[:-pre_shared_key.binders_length()]`` (pre_shared_key is the last extension).
    """

    random: bytes
    legacy_session_id: bytes
    cipher_suites: tuple[CipherSuite, ...]
    extensions: tuple[Extension, ...]
    legacy_version: ProtocolVersion = ProtocolVersion.TLS12
    legacy_compression_methods: bytes = b"\x00"

    def write_body(self, w: Writer) -> None:
        w.u16(self.legacy_version).raw(self.random).vec(1, self.legacy_session_id)
        w.u16_list(2, self.cipher_suites).vec(1, self.legacy_compression_methods)
        _write_hello_extensions(w, self.extensions)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        legacy_version, random, session_id = _read_hello_head(r, "legacy_session_id")
        suites = tuple(map(_cipher_suite, u16_items(r, "cipher_suites", "cipher_suite", 2, U16_MAX - 1)))
        compression = r.vec(1, "legacy_compression_methods", 1, 255)
        extensions = _read_hello_extensions(r, HandshakeType.CLIENT_HELLO)
        return cls(random, session_id, suites, extensions, legacy_version, compression)


@dataclass(frozen=True)
class ServerHello(HandshakeMessage):
    """RFC 8446 section 4.1.3 (and RFC 5246 section 7.4.1.3)::

        ProtocolVersion legacy_version = 0x0303;  Random random;  opaque legacy_session_id_echo<0..32>;
        CipherSuite cipher_suite;  uint8 legacy_compression_method = 0;  Extension extensions<6..2^16-1>;

    A HelloRetryRequest is a ServerHello whose random is :data:`HELLO_RETRY_REQUEST_RANDOM`; its extensions
    are decoded with the HelloRetryRequest shapes (``key_share`` = selected_group). As with ClientHello,
    an absent extensions block (TLS 1.2) decodes as ``()``, and ``()`` encodes without a block.
    """

    random: bytes
    legacy_session_id_echo: bytes
    cipher_suite: CipherSuite
    extensions: tuple[Extension, ...]
    legacy_version: ProtocolVersion = ProtocolVersion.TLS12
    legacy_compression_method: int = 0

    @property
    def is_hello_retry_request(self) -> bool:
        """RFC 8446 section 4.1.3: the special random value marks a HelloRetryRequest."""
        return self.random == HELLO_RETRY_REQUEST_RANDOM

    def write_body(self, w: Writer) -> None:
        w.u16(self.legacy_version).raw(self.random).vec(1, self.legacy_session_id_echo)
        w.u16(self.cipher_suite).u8(self.legacy_compression_method)
        _write_hello_extensions(w, self.extensions)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        legacy_version, random, session_id = _read_hello_head(r, "legacy_session_id_echo")
        suite = _cipher_suite(r.u16("cipher_suite"))
        compression = r.u8("legacy_compression_method")
        hrr = random == HELLO_RETRY_REQUEST_RANDOM  # its extensions have their own shapes
        extensions = _read_hello_extensions(r, _HRR if hrr else HandshakeType.SERVER_HELLO)
        return cls(random, session_id, suite, extensions, legacy_version, compression)


class EndOfEarlyData(_EmptyMessage):
    """RFC 8446 section 4.5: ``struct {} EndOfEarlyData``."""


@dataclass(frozen=True)
class EncryptedExtensions(HandshakeMessage):
    """RFC 8446 section 4.3.1: ``Extension extensions<0..2^16-1>``."""

    extensions: tuple[Extension, ...]

    def write_body(self, w: Writer) -> None:
        write_extensions(w, self.extensions)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(decode_extensions(r, HandshakeType.ENCRYPTED_EXTENSIONS))


# --------------------------------------------------------------------------------------------------------
# Authentication messages (RFC 8446 section 4.3.2, 4.4)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRequest(HandshakeMessage):
    """RFC 8446 section 4.3.2 (TLS 1.3): ``opaque certificate_request_context<0..2^8-1>;
    Extension extensions<2..2^16-1>``."""

    certificate_request_context: bytes
    extensions: tuple[Extension, ...]

    def write_body(self, w: Writer) -> None:
        w.vec(1, self.certificate_request_context)
        write_extensions(w, self.extensions)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        context = r.vec(1, "certificate_request_context", 0, 255)
        return cls(context, decode_extensions(r, HandshakeType.CERTIFICATE_REQUEST))


@dataclass(frozen=True)
class CertificateEntry:
    """RFC 8446 section 4.4.2: ``opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>``
    (X.509 form; a raw public key of RFC 7250 has the same shape)."""

    cert_data: bytes
    extensions: tuple[Extension, ...] = ()

    def write(self, w: Writer) -> None:
        write_extensions(w.vec(3, self.cert_data), self.extensions)

    @classmethod
    def read(cls, r: Reader) -> CertificateEntry:
        cert_data = r.vec(3, "cert_data", 1, U24_MAX)
        return cls(cert_data, decode_extensions(r, HandshakeType.CERTIFICATE))


@dataclass(frozen=True)
class Certificate(HandshakeMessage):
    """RFC 8446 section 4.4.2 (TLS 1.3): ``opaque certificate_request_context<0..2^8-1>;
    CertificateEntry certificate_list<0..2^24-1>``."""

    certificate_request_context: bytes
    certificate_list: tuple[CertificateEntry, ...]

    def write_body(self, w: Writer) -> None:
        w.vec(1, self.certificate_request_context)
        with w.block(3):
            for entry in self.certificate_list:
                entry.write(w)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        entry = at_most(MAX_CERTIFICATES, CertificateEntry.read)
        context = r.vec(1, "certificate_request_context", 0, 255)
        return cls(context, tuple(r.list_of(3, "certificate_list", entry, 0, U24_MAX)))


@dataclass(frozen=True)
class CertificateVerify(HandshakeMessage):
    """RFC 8446 section 4.4.3: ``SignatureScheme algorithm; opaque signature<0..2^16-1>``."""

    algorithm: SignatureScheme
    signature: bytes

    def write_body(self, w: Writer) -> None:
        w.u16(self.algorithm).vec(2, self.signature)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(SignatureScheme(r.u16("algorithm")), r.vec(2, "signature", 0, U16_MAX))


@dataclass(frozen=True)
class Finished(HandshakeMessage):
    """RFC 8446 section 4.4.4: ``opaque verify_data[Hash.length]`` (RFC 5246 section 7.4.9: 12 bytes).

    The body is all verify_data; :func:`decode_handshake` checks its length when given ``hash_len``.
    """

    verify_data: bytes

    def write_body(self, w: Writer) -> None:
        w.raw(self.verify_data)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(r.rest())


# --------------------------------------------------------------------------------------------------------
# Post-handshake messages (RFC 8446 section 4.6)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSessionTicket(HandshakeMessage):
    """RFC 8446 section 4.6.1 (TLS 1.3)::

        uint32 ticket_lifetime;  uint32 ticket_age_add;  opaque ticket_nonce<0..255>;
        opaque ticket<1..2^16-1>;  Extension extensions<0..2^16-2>;
    """

    ticket_lifetime: int
    ticket_age_add: int
    ticket_nonce: bytes
    ticket: bytes
    extensions: tuple[Extension, ...] = ()

    def write_body(self, w: Writer) -> None:
        w.u32(self.ticket_lifetime).u32(self.ticket_age_add)
        w.vec(1, self.ticket_nonce).vec(2, self.ticket)
        write_extensions(w, self.extensions)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        lifetime = r.u32("ticket_lifetime")
        age_add = r.u32("ticket_age_add")
        nonce = r.vec(1, "ticket_nonce", 0, 255)
        ticket = r.vec(2, "ticket", 1, U16_MAX)
        return cls(lifetime, age_add, nonce, ticket, decode_extensions(r, HandshakeType.NEW_SESSION_TICKET))


@dataclass(frozen=True)
class KeyUpdate(HandshakeMessage):
    """RFC 8446 section 4.6.3: ``KeyUpdateRequest request_update``.

    The value is an open enum: a value other than 0 or 1 decodes (as ``UNKNOWN_0x..``) and the state answers
    with illegal_parameter, as RFC 8446 section 4.6.3 requires ("If an implementation receives a KeyUpdate
    with request_update set to any other value, it MUST terminate the connection with an illegal_parameter
    alert" -- a meaning check, not a structure check).
    """

    request_update: KeyUpdateRequest

    def write_body(self, w: Writer) -> None:
        w.u8(self.request_update)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(KeyUpdateRequest(r.u8("request_update")))


@dataclass(frozen=True)
class MessageHash(HandshakeMessage):
    """RFC 8446 section 4.4.1: the synthetic ``message_hash`` message that replaces ClientHello1 in the
    transcript after a HelloRetryRequest: ``message_hash(254) || 00 00 Hash.length || Hash(ClientHello1)``.
    Never on the wire (``decode_handshake`` refuses type 254)."""

    digest: bytes

    def write_body(self, w: Writer) -> None:
        w.raw(self.digest)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(r.rest())



# --------------------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------------------

_V13 = ProtocolVersion.TLS13
_V12 = ProtocolVersion.TLS12

#: Each message class, its msg_type, and the negotiated versions in which it decodes that type: the one place
#: that gives a class its ``msg_type`` and fills :data:`MESSAGE_DECODERS`. ClientHello, ServerHello,
#: CertificateVerify and Finished have one format for both versions; Certificate, CertificateRequest and
#: NewSessionTicket have a TLS 1.2 class of their own (RFC 5246 section 7.4.2, 7.4.4; RFC 5077 section 3.3).
#: MessageHash is never on the wire (RFC 8446 section 4.4.1). The key exchange messages are in
#: :data:`KEY_EXCHANGE_CLASSES`.
MESSAGE_CLASSES: tuple[tuple[type[HandshakeMessage], HandshakeType, tuple[ProtocolVersion, ...]], ...] = (
    (ClientHello, HandshakeType.CLIENT_HELLO, (_V13, _V12)),
    (ServerHello, HandshakeType.SERVER_HELLO, (_V13, _V12)),
    (Finished, HandshakeType.FINISHED, (_V13, _V12)),
    (CertificateVerify, HandshakeType.CERTIFICATE_VERIFY, (_V13, _V12)),
    (NewSessionTicket, HandshakeType.NEW_SESSION_TICKET, (_V13,)),
    (EndOfEarlyData, HandshakeType.END_OF_EARLY_DATA, (_V13,)),
    (EncryptedExtensions, HandshakeType.ENCRYPTED_EXTENSIONS, (_V13,)),
    (Certificate, HandshakeType.CERTIFICATE, (_V13,)),
    (CertificateRequest, HandshakeType.CERTIFICATE_REQUEST, (_V13,)),
    (KeyUpdate, HandshakeType.KEY_UPDATE, (_V13,)),
    (MessageHash, HandshakeType.MESSAGE_HASH, ()),
    # TLS 1.2 (RFC 5246 section 7.4, RFC 5077 section 3.3, RFC 6066 section 8)
    (HelloRequest, HandshakeType.HELLO_REQUEST, (_V12,)),
    (Certificate12, HandshakeType.CERTIFICATE, (_V12,)),
    (CertificateRequest12, HandshakeType.CERTIFICATE_REQUEST, (_V12,)),
    (ServerHelloDone, HandshakeType.SERVER_HELLO_DONE, (_V12,)),
    (NewSessionTicket12, HandshakeType.NEW_SESSION_TICKET, (_V12,)),
    (CertificateStatus, HandshakeType.CERTIFICATE_STATUS, (_V12,)),
)

#: Which class decodes ``(msg_type, negotiated version)`` (from :data:`MESSAGE_CLASSES`). A pair not listed is an
#: unexpected_message (RFC 8446 section 5: "If a TLS implementation receives an unexpected record type ... it MUST
#: terminate the connection with an unexpected_message alert"; likewise section 4 for message types it does not
#: expect).
MESSAGE_DECODERS: dict[tuple[HandshakeType, ProtocolVersion], type[HandshakeMessage]] = dispatch_table(
    MESSAGE_CLASSES, "msg_type"
)

#: TLS 1.2 key exchange messages, by ``(msg_type, key exchange method)``: their format depends on the
#: negotiated cipher suite's key exchange (RFC 5246 section 7.4.3, 7.4.7; RFC 8422 section 5.4, 5.7).
#: RSA key exchange has no ServerKeyExchange (RFC 5246 section 7.4.3: "It is not legal to send the server
#: key exchange message for the following key exchange methods: RSA, ..."), so that pair is not listed.
#: wire/messages_dhe.py adds the DHE pair.
KEY_EXCHANGE_DECODERS: dict[tuple[HandshakeType, KeyExchangeMethod], type[HandshakeMessage]] = dispatch_table(
    (
        (ServerKeyExchangeEcdhe, HandshakeType.SERVER_KEY_EXCHANGE, ("ECDHE",)),
        (ClientKeyExchangeEcdhe, HandshakeType.CLIENT_KEY_EXCHANGE, ("ECDHE",)),
        (ClientKeyExchangeRsa, HandshakeType.CLIENT_KEY_EXCHANGE, ("RSA",)),
    ),
    "msg_type",
)

_KEY_EXCHANGE_TYPES = (HandshakeType.SERVER_KEY_EXCHANGE, HandshakeType.CLIENT_KEY_EXCHANGE)


def decode_handshake(
    msg_type: int,
    body: bytes,
    *,
    version: ProtocolVersion = ProtocolVersion.TLS13,
    hash_len: int | None = None,
    key_exchange: KeyExchangeMethod | None = None,
) -> HandshakeMessage:
    """Decode one handshake message body (no 4-byte header) of type ``msg_type``.

    ``version``: the negotiated version, for the messages whose format differs between TLS 1.2 and 1.3.
    ``hash_len``: when given, a Finished body must be exactly that long (RFC 8446 section 4.4.4:
    ``verify_data[Hash.length]``; TLS 1.2 passes 12, RFC 5246 section 7.4.9), else decode_error.
    ``key_exchange``: the TLS 1.2 key exchange method of the negotiated suite (``"ECDHE"`` or ``"RSA"``),
    which decides how ServerKeyExchange and ClientKeyExchange decode; ``None`` (not negotiated yet) makes
    them unexpected. Ignored for the other messages and for TLS 1.3.
    Unknown or unsupported message types raise :class:`~glasstls.errors.UnexpectedMessage`.
    """
    if key_exchange is not None and key_exchange not in ("ECDHE", "RSA", "DHE"):
        raise ValueError(f"key_exchange must be 'ECDHE', 'RSA', 'DHE' or None, not {key_exchange!r}")  # a bug
    if not 0 <= msg_type <= 0xFF:
        raise UnexpectedMessage(f"handshake message type {msg_type} is out of range")
    kind = _handshake_type(msg_type)
    negotiated = _protocol_version(version)
    cls: type[HandshakeMessage] | None
    if negotiated == _V12 and kind in _KEY_EXCHANGE_TYPES:
        if key_exchange is None:
            raise UnexpectedMessage(f"unexpected {kind}: no key exchange method has been negotiated")
        cls = KEY_EXCHANGE_DECODERS.get((kind, key_exchange))
        if cls is None:
            raise UnexpectedMessage(
                f"unexpected {kind}: {key_exchange} key exchange has no ServerKeyExchange (RFC 5246 7.4.3)"
            )
    else:
        cls = MESSAGE_DECODERS.get((kind, negotiated))
    if cls is None:
        raise UnexpectedMessage(f"unexpected handshake message {kind} (type {msg_type}) for {negotiated}")
    if cls is Finished and hash_len is not None and len(body) != hash_len:
        raise DecodeError(
            f"Finished: verify_data is {len(body)} bytes, expected {hash_len} (RFC 8446 4.4.4, RFC 5246 7.4.9)"
        )
    return cls.decode_body(bytes(body))


# --------------------------------------------------------------------------------------------------------
# Alert (RFC 8446 section 6)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """RFC 8446 section 6: ``struct { AlertLevel level; AlertDescription description; } Alert``."""

    level: AlertLevel
    description: AlertDescription

    def encode(self) -> bytes:
        return bytes((self.level, self.description))

    @classmethod
    def decode(cls, data: bytes) -> Alert:
        """Exactly two bytes (RFC 8446 section 6); anything else is a decode_error."""
        r = Reader(data, "Alert")
        level = AlertLevel(r.u8("level"))
        description = AlertDescription(r.u8("description"))
        r.finish()
        return cls(level, description)

