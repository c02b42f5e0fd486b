"""The one error tree, and the one error -> alert mapping (DESIGN rule 7).

Every failure caused by the peer, or by the network, is a :class:`TLSError`. Each subclass names the alert that
the connection sends when it raises (``default_alert``: the error's ``alert`` unless the raiser gave another); the
connection catches at its boundary, sends that fatal alert once, and every later call raises the same error again.

Errors made by the *caller* (calling ``send_data`` before the handshake, an invalid config) are a separate
tree, :class:`UsageError` and :class:`ConfigError`, because they are bugs in the program, not in the peer.

A ``TLSError`` says *which step failed* (``step``), *why* (``reason``) and, where we know one, *what would fix
it* (``hint``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

from glasstls.wire.enums import AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme


@dataclass(frozen=True)
class PeerOffer:
    """What the client's ClientHello offered (known to a server): the names a person would look for."""

    versions: tuple[ProtocolVersion, ...]
    cipher_suites: tuple[CipherSuite, ...]
    groups: tuple[NamedGroup, ...]
    signature_schemes: tuple[SignatureScheme, ...]
    alpn_protocols: tuple[str, ...]
    server_name: str | None


@dataclass(frozen=True)
class OurCertificate:
    """One of a server's certificates: ``key`` in words ("EC secp256r1", "RSA 2048 bits"), the curve of an EC key
    (RFC 8422 section 5.1: the client's supported_groups must list it in TLS 1.2), the names it covers."""

    key: str
    curve: NamedGroup | None
    names: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class FailureContext:
    """What was configured and what the peer offered when a connection failed, so that an explanation can say
    what is missing and advise an action that was not already tried (glasstls.explain).

    ``narrowed``: the settings our configuration narrowed from glasstls's defaults ("cipher", "group",
    "version"); ``received``/``sent``: the handshake messages so far, in order, as traced; ``last_flight``: our
    messages since the peer's last one (what an alert from the peer answers); ``record_progress``: a record cut
    short by the end of the connection, (bytes received, record size).
    """

    side: Literal["client", "server"]
    step: str
    version: ProtocolVersion | None
    min_version: ProtocolVersion
    max_version: ProtocolVersion
    cipher_suites: tuple[CipherSuite, ...]
    groups: tuple[NamedGroup, ...]
    alpn_protocols: tuple[str, ...]
    narrowed: frozenset[str]
    legacy_allowed: frozenset[str]  # "cbc", "rsa-key-exchange", "dhe": the opt-in legacy suites allowed
    client_certificate: bool  # a client: a client certificate is configured
    received: tuple[str, ...]
    sent: tuple[str, ...]
    last_flight: tuple[str, ...]
    offer: PeerOffer | None = None
    certificates: tuple[OurCertificate, ...] = ()
    sent_certificate: OurCertificate | None = None
    record_progress: tuple[int, int] | None = None

    @property
    def peer_spoke_tls(self) -> bool:
        """The peer sent at least one well-formed handshake message (so it does speak TLS on this port)."""
        return bool(self.received) or self.record_progress is not None


class TLSError(Exception):
    """A TLS failure: the handshake or the connection cannot go on.

    ``step``: the step that failed, e.g. ``"ServerHello"``, ``"certificate verification"``, ``"record layer"``.
    ``reason``: what was wrong, in plain words.
    ``hint``: what might fix it, when there is something to say.
    ``alert``: the alert sent to the peer (``None``: none is sent, e.g. the peer's own alert): the one given, else
    the class's ``default_alert``.
    """

    #: The alert each class of error stands for (set by each subclass).
    default_alert: ClassVar[AlertDescription | None] = AlertDescription.INTERNAL_ERROR

    def __init__(
        self,
        reason: str,
        *,
        step: str | None = None,
        hint: str | None = None,
        alert: AlertDescription | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.step = step
        self.hint = hint
        self.alert = alert if alert is not None else self.default_alert
        #: What was configured and offered when it failed: set by the connection that failed (see FailureContext).
        self.context: FailureContext | None = None

    def with_step(self, step: str) -> TLSError:
        """Fill in the step when the raiser did not know it (decoders do not); returns self."""
        if self.step is None:
            self.step = step
        return self

    def __str__(self) -> str:
        text = f"{self.step}: {self.reason}" if self.step else self.reason
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class DecodeError(TLSError):
    """A message or record could not be parsed (RFC 8446 section 6.2: decode_error)."""

    default_alert = AlertDescription.DECODE_ERROR


class NotTls(DecodeError):
    """The peer's bytes are not TLS records at all (RFC 8446 section 5.1: the record version's major byte is
    3): it speaks another protocol on this port, e.g. plain HTTP."""


class UnexpectedMessage(TLSError):
    default_alert = AlertDescription.UNEXPECTED_MESSAGE


class BadRecordMac(TLSError):
    default_alert = AlertDescription.BAD_RECORD_MAC


class RecordOverflow(TLSError):
    default_alert = AlertDescription.RECORD_OVERFLOW


class HandshakeFailure(TLSError):
    default_alert = AlertDescription.HANDSHAKE_FAILURE


class IllegalParameter(TLSError):
    default_alert = AlertDescription.ILLEGAL_PARAMETER


class DecryptError(TLSError):
    default_alert = AlertDescription.DECRYPT_ERROR


class ProtocolVersionError(TLSError):
    default_alert = AlertDescription.PROTOCOL_VERSION


class InsufficientSecurity(TLSError):
    default_alert = AlertDescription.INSUFFICIENT_SECURITY


class InappropriateFallback(TLSError):
    default_alert = AlertDescription.INAPPROPRIATE_FALLBACK


class InternalError(TLSError):
    default_alert = AlertDescription.INTERNAL_ERROR


class MissingExtension(TLSError):
    default_alert = AlertDescription.MISSING_EXTENSION


class UnsupportedExtension(TLSError):
    default_alert = AlertDescription.UNSUPPORTED_EXTENSION


class UnrecognizedName(TLSError):
    default_alert = AlertDescription.UNRECOGNIZED_NAME


class NoApplicationProtocol(TLSError):
    default_alert = AlertDescription.NO_APPLICATION_PROTOCOL


class NoRenegotiation(TLSError):
    default_alert = AlertDescription.NO_RENEGOTIATION


class UnknownPskIdentity(TLSError):
    default_alert = AlertDescription.UNKNOWN_PSK_IDENTITY


#: What went wrong with a certificate, for programs (``CertificateError.kind``). The values are the keys of the
#: failure catalogue (glasstls.explain.CATALOGUE), so an error and its explanation use one vocabulary.
CertificateKind = Literal[
    "bad-certificate",  # cannot be parsed, or a failure no other kind covers
    "wrong-host-name",  # RFC 6125 section 6.4: the name is not in subjectAltName
    "expired",  # RFC 5280 section 4.1.2.5: now > notAfter (any certificate on the path)
    "not-yet-valid",  # RFC 5280 section 4.1.2.5: now < notBefore
    "unknown-ca",  # the path does not reach a trust anchor (untrusted root, chain too long ...)
    "missing-intermediate",  # the leaf's issuer was neither sent nor trusted (RFC 8446 section 4.4.2)
    "self-signed",  # the leaf is its own issuer and not a trust anchor
    "bad-signature",  # RFC 5280 section 6.1.3 (a)(1)
    "wrong-usage",  # keyUsage / extendedKeyUsage (RFC 5280 sections 4.2.1.3, 4.2.1.12)
    "basic-constraints",  # issuer not a CA, or pathLenConstraint exceeded (RFC 5280 section 4.2.1.9)
    "unsupported-certificate",  # a key type or size this use cannot work with
    "certificate-revoked",  # a CRL or OCSP response says revoked (RFC 5280 section 6.3, RFC 6960)
    "revocation-unknown",  # hard-fail policy and no usable revocation status
    "bad-ocsp-response",  # an OCSP staple that cannot be used (RFC 6066 section 8, RFC 6960)
    "certificate-unknown",  # refused for another reason
    "profile-violation",  # the chain validates but breaks a certificate profile rule (pki/certificate_profile.py)
    "unusable-crl",  # a configured CRL from the certificate's issuer cannot be used (RFC 5280 section 6.3.3)
    "wrong-client-identity",  # a valid client certificate for none of the identities the server accepts
    "client-cert-required",  # RFC 8446 section 4.4.2.4: the server requires one, none was sent
]
CERTIFICATE_KINDS: tuple[str, ...] = get_args(CertificateKind)

# The kind a ``check`` implies when the raiser gives none; refined below by the error class where one check
# covers several kinds (validity: expired or not yet valid; revocation: revoked, unknown, bad staple).
_KIND_BY_CHECK: dict[str, CertificateKind] = {
    "parse": "bad-certificate",
    "name": "wrong-host-name",
    "chain": "unknown-ca",
    "signature": "bad-signature",
    "usage": "wrong-usage",
    "basic constraints": "basic-constraints",
    "key type": "unsupported-certificate",
    "key size": "unsupported-certificate",
}


class CertificateError(TLSError):
    """Base of the certificate failures; ``check`` names the verification check that failed, ``kind`` what
    went wrong, for programs (:data:`CertificateKind`; derived from ``check`` and the class when not given)."""

    default_alert = AlertDescription.BAD_CERTIFICATE

    def __init__(
        self,
        reason: str,
        *,
        check: str | None = None,
        step: str | None = None,
        hint: str | None = None,
        alert: AlertDescription | None = None,
        kind: CertificateKind | None = None,
    ) -> None:
        super().__init__(reason, step=step, hint=hint, alert=alert)
        self.check = check
        #: True when the raiser named the kind; False when it was derived from ``check`` and the class.
        self.kind_given = kind is not None
        self.kind: CertificateKind = kind if kind is not None else self._default_kind(check)
        #: The verification report (a ``pki.verify.ChainReport``) when pki attached one; read it with
        #: ``pki.verify.report_of(error)``.
        self.report: object | None = None

    def _default_kind(self, check: str | None) -> CertificateKind:
        if isinstance(self, CertificateRequired):
            return "client-cert-required"
        if check == "validity":
            return "expired" if isinstance(self, CertificateExpired) else "not-yet-valid"
        if check == "revocation":
            if isinstance(self, CertificateRevoked):
                return "certificate-revoked"
            return "revocation-unknown" if isinstance(self, CertificateUnknown) else "bad-ocsp-response"
        if check is not None and check in _KIND_BY_CHECK:
            return _KIND_BY_CHECK[check]
        for cls, kind in _KIND_BY_CLASS:
            if isinstance(self, cls):
                return kind
        return "bad-certificate"


class BadCertificate(CertificateError):
    default_alert = AlertDescription.BAD_CERTIFICATE


class UnsupportedCertificate(CertificateError):
    default_alert = AlertDescription.UNSUPPORTED_CERTIFICATE


class CertificateRevoked(CertificateError):
    default_alert = AlertDescription.CERTIFICATE_REVOKED


class CertificateExpired(CertificateError):
    default_alert = AlertDescription.CERTIFICATE_EXPIRED


class CertificateUnknown(CertificateError):
    default_alert = AlertDescription.CERTIFICATE_UNKNOWN


class UnknownCA(CertificateError):
    default_alert = AlertDescription.UNKNOWN_CA


class CertificateRequired(CertificateError):
    default_alert = AlertDescription.CERTIFICATE_REQUIRED


class BadCertificateStatusResponse(CertificateError):
    """The peer stapled an OCSP response that cannot be used (RFC 6066 section 8, RFC 8446 section 6.2)."""

    default_alert = AlertDescription.BAD_CERTIFICATE_STATUS_RESPONSE


_KIND_BY_CLASS: tuple[tuple[type[CertificateError], CertificateKind], ...] = (
    (CertificateExpired, "expired"),
    (CertificateRevoked, "certificate-revoked"),
    (UnknownCA, "unknown-ca"),
    (UnsupportedCertificate, "unsupported-certificate"),
    (CertificateUnknown, "certificate-unknown"),
)


class AlertReceived(TLSError):
    """The peer sent a fatal alert (or an unexpected warning). We send nothing back."""

    default_alert = None

    def __init__(self, description: AlertDescription, *, step: str | None = None) -> None:
        super().__init__(f"the peer sent a fatal alert: {description}", step=step)
        self.description = description


class ConnectionLost(TLSError):
    """The transport ended (EOF) where the protocol does not allow it (mid-handshake, no close_notify)."""

    default_alert = None


class LimitExceeded(ConnectionLost):
    """The peer went past a bound this side sets on every peer (glasstls.io.limits: bytes before the handshake
    completes, a handshake slot held with a stalled ClientHello); the connection is closed, without an alert."""


class StartTLSRefused(TLSError):
    """The peer refused the plain-text upgrade to TLS (SMTP 454, IMAP NO, POP3 -ERR, PostgreSQL 'N'...): TLS never
    began, so no alert (glasstls.starttls)."""

    default_alert = None


class StartTLSFailed(TLSError):
    """The plain-text part before TLS went wrong: the peer does not speak the protocol, sent too much, or sent
    bytes after the upgrade was agreed (glasstls.starttls). No alert: TLS never began."""

    default_alert = None


class UsageError(Exception):
    """The caller used the API wrongly (e.g. sent data before the handshake completed)."""


class ConfigError(ValueError):
    """A configuration value is invalid; raised when the config is built, never mid-handshake."""
