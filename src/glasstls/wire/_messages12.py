"""The TLS 1.2-only handshake messages (RFC 5246 section 7.4, RFC 8422 section 5, RFC 5077 section 3.3, RFC 6066
section 8). :mod:`glasstls.wire.messages` re-exports them and gives each its msg_type in its dispatch tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.errors import DecodeError
from glasstls.wire.codec import Reader, Writer, member_lookup
from glasstls.wire.enums import (
    CertificateStatusType,
    ClientCertificateType,
    ECCurveType,
    NamedGroup,
    SignatureScheme,
)
from glasstls.wire.extension_base import read_distinguished_names, read_ocsp_status_type
from glasstls.wire.limits import MAX_CERTIFICATES, at_most
from glasstls.wire.message_base import (
    U8_MAX,
    U16_MAX,
    U24_MAX,
    HandshakeMessage,
    _EmptyMessage,
    read_digitally_signed,
)

_signature_scheme = member_lookup(SignatureScheme)

__all__ = [
    "Certificate12",
    "CertificateRequest12",
    "CertificateStatus",
    "ClientKeyExchangeEcdhe",
    "ClientKeyExchangeRsa",
    "HelloRequest",
    "NewSessionTicket12",
    "ServerHelloDone",
    "ServerKeyExchangeEcdhe",
]


# --------------------------------------------------------------------------------------------------------
# TLS 1.2 messages (RFC 5246 section 7.4, RFC 8422 section 5, RFC 5077 section 3.3, RFC 6066 section 8)
# --------------------------------------------------------------------------------------------------------


class HelloRequest(_EmptyMessage):
    """RFC 5246 section 7.4.1.1: ``struct { } HelloRequest`` (TLS 1.2 only)."""


@dataclass(frozen=True)
class Certificate12(HandshakeMessage):
    """RFC 5246 section 7.4.2 (TLS 1.2): ``opaque ASN.1Cert<1..2^24-1>;
    ASN.1Cert certificate_list<0..2^24-1>`` (sender's certificate first). No context, no per-entry
    extensions (those are TLS 1.3's :class:`Certificate`)."""

    certificate_list: tuple[bytes, ...]

    def write_body(self, w: Writer) -> None:
        w.vec_list(3, 3, self.certificate_list)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        cert = at_most(MAX_CERTIFICATES, lambda s: s.vec(3, "ASN.1Cert", 1, U24_MAX))
        return cls(tuple(r.list_of(3, "certificate_list", cert, 0, U24_MAX)))


@dataclass(frozen=True)
class ServerKeyExchangeEcdhe(HandshakeMessage):
    """RFC 8422 section 5.4, the ECDHE ServerKeyExchange (TLS 1.2)::

        struct { ECCurveType curve_type = named_curve(3); NamedCurve namedcurve; } ECParameters;
        struct { ECParameters curve_params; opaque point<1..2^8-1>; } ServerECDHParams;
        struct { ServerECDHParams params; digitally-signed Signature signed_params; } ServerKeyExchange;

    ``digitally-signed`` in TLS 1.2 always carries its algorithm (RFC 5246 section 4.7):
    ``SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>``. The signature covers
    ``client_random + server_random + params_bytes()`` (RFC 8422 section 5.4), checked by the state.

    A curve_type other than named_curve is a decode_error: RFC 8422 section 5.4 deprecates the explicit
    curve types (1, 2) and defines the ECParameters body only for named_curve, so nothing else can be parsed.
    """

    named_group: NamedGroup
    public: bytes
    signature_scheme: SignatureScheme
    signature: bytes

    def params_bytes(self) -> bytes:
        """The ServerECDHParams encoding (what the signature covers, RFC 8422 section 5.4):
        ``03 || named_group (2) || len(public) (1) || public``."""
        return Writer().u8(ECCurveType.NAMED_CURVE).u16(self.named_group).vec(1, self.public).getvalue()

    def write_body(self, w: Writer) -> None:
        w.raw(self.params_bytes())
        w.u16(self.signature_scheme).vec(2, self.signature)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        curve_type = ECCurveType(r.u8("curve_type"))
        if curve_type != ECCurveType.NAMED_CURVE:
            # RFC 8422 section 5.4: only named_curve has a defined body; explicit curves are deprecated.
            raise DecodeError(
                f"{cls.__name__}: curve_type is {curve_type}, not NAMED_CURVE; explicit curves are not "
                "supported (RFC 8422 5.4)"
            )
        group = NamedGroup(r.u16("named_group"))
        public = r.vec(1, "public", 1, U8_MAX)  # RFC 8422 section 5.4: ECPoint point<1..2^8-1>
        return cls(group, public, *read_digitally_signed(r))


@dataclass(frozen=True)
class CertificateRequest12(HandshakeMessage):
    """RFC 5246 section 7.4.4 (TLS 1.2)::

        ClientCertificateType certificate_types<1..2^8-1>;
        SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
        DistinguishedName certificate_authorities<0..2^16-1>;   opaque DistinguishedName<1..2^16-1>;

    The DistinguishedNames are kept as DER bytes (parsing them is pki/'s business).
    """

    certificate_types: tuple[ClientCertificateType, ...]
    signature_algorithms: tuple[SignatureScheme, ...]
    certificate_authorities: tuple[bytes, ...] = ()

    def write_body(self, w: Writer) -> None:
        w.vec(1, bytes(self.certificate_types)).u16_list(2, self.signature_algorithms)
        w.vec_list(2, 2, self.certificate_authorities)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        types = tuple(ClientCertificateType(t) for t in r.vec(1, "certificate_types", 1, U8_MAX))
        schemes = r.u16_list(2, "supported_signature_algorithms", "signature_algorithm", 2, U16_MAX - 1)
        authorities = read_distinguished_names(r, "certificate_authorities", 0)
        return cls(types, tuple(map(_signature_scheme, schemes)), authorities)


class ServerHelloDone(_EmptyMessage):
    """RFC 5246 section 7.4.5: ``struct { } ServerHelloDone``."""


@dataclass(frozen=True)
class ClientKeyExchangeEcdhe(HandshakeMessage):
    """RFC 8422 section 5.7: ``ClientECDiffieHellmanPublic``, explicit form: ``ECPoint ecdh_Yc``
    (``opaque point<1..2^8-1>``). The implicit form (an empty body, for fixed-ECDH client certificates,
    deprecated by RFC 8422) fails with decode_error."""

    public: bytes

    def write_body(self, w: Writer) -> None:
        w.vec(1, self.public)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(r.vec(1, "public", 1, U8_MAX))


@dataclass(frozen=True, repr=False)
class ClientKeyExchangeRsa(HandshakeMessage):
    """RFC 5246 section 7.4.7.1: ``public-key-encrypted PreMasterSecret pre_master_secret``, which in
    TLS 1.0 and later is sent with a two-byte length: ``opaque encrypted_premaster<0..2^16-1>``.

    Ciphertext, but whoever holds the server's RSA key can read the premaster secret from it (RSA key
    exchange has no forward secrecy), so repr() and describe() show only its length.
    """

    encrypted_premaster: bytes

    def __repr__(self) -> str:
        return f"ClientKeyExchangeRsa(encrypted_premaster=<{len(self.encrypted_premaster)} bytes>)"

    def write_body(self, w: Writer) -> None:
        w.vec(2, self.encrypted_premaster)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(r.vec(2, "encrypted_premaster", 0, U16_MAX))


@dataclass(frozen=True)
class NewSessionTicket12(HandshakeMessage):
    """RFC 5077 section 3.3 (TLS 1.2): ``uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>``.

    ``lifetime_hint`` is the RFC's ``ticket_lifetime_hint`` (seconds; 0: unspecified). An empty ticket
    is how a server that announced session_ticket says it will not issue one after all.
    """

    lifetime_hint: int
    ticket: bytes

    @property
    def ticket_lifetime_hint(self) -> int:
        """The RFC 5077 name of :attr:`lifetime_hint`."""
        return self.lifetime_hint

    def write_body(self, w: Writer) -> None:
        w.u32(self.lifetime_hint).vec(2, self.ticket)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(r.u32("ticket_lifetime_hint"), r.vec(2, "ticket", 0, U16_MAX))


@dataclass(frozen=True)
class CertificateStatus(HandshakeMessage):
    """RFC 6066 section 8 (TLS 1.2 OCSP stapling)::

        struct { CertificateStatusType status_type;
                 select (status_type) { case ocsp: OCSPResponse; } response; } CertificateStatus;
        opaque OCSPResponse<1..2^24-1>;

    Only ``ocsp`` (1) has a defined body here; any other status_type is a decode_error. ``response`` is
    the DER OCSPResponse (checking it is pki/'s business). ``status_type`` comes last because it has a
    default, like the legacy fields of :class:`ServerHello`.
    """

    response: bytes
    status_type: CertificateStatusType = CertificateStatusType.OCSP

    def write_body(self, w: Writer) -> None:
        w.u8(self.status_type).vec(3, self.response)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        status_type = read_ocsp_status_type(r)
        return cls(r.vec(3, "response", 1, U24_MAX), status_type)

