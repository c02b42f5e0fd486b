"""The failure catalogue: every way a TLS connection can fail, in plain words, with what to try.

:func:`explain` maps a :class:`~glasstls.errors.TLSError` (raised by our side, or an alert the peer sent) to an
:class:`Explanation`: the *step* that failed, the *cause* in plain words, and the *fix* (what to try). The CLI
prints it for every failed connection; libraries can use it for their own messages.

How an error is classified, most specific first:

1. a certificate failure by its ``kind`` (``wrong-host-name``, ``expired``, ``missing-intermediate`` ...: the
   raiser names it, or errors.py derives it from the failed ``check`` and the class; RFC 5280 / RFC 6125);
2. an alert received from the peer by its description (RFC 8446 section 6.2): what the peer is telling us,
   phrased for our side of the connection;
3. a failure our side detected, by its error class (each class carries its alert, see errors.py), refined by
   what the core says in ``reason`` where one class covers several causes (``HandshakeFailure``: no common
   cipher suite, group or signature scheme);
4. anything else: the generic entry, with the core's own reason and hint.

Network failures that are not TLS failures (connection refused, unknown host, timeout) are explained by
:func:`explain_os_error`.
"""

from __future__ import annotations

import socket
from typing import Literal

from glasstls.advice import refine
from glasstls.catalogue import ALERTS, CATALOGUE, AlertMeaning, Entry, Explanation, without_verifier_note
from glasstls.errors import (
    AlertReceived,
    BadRecordMac,
    CertificateError,
    ConnectionLost,
    DecodeError,
    DecryptError,
    HandshakeFailure,
    IllegalParameter,
    InappropriateFallback,
    InsufficientSecurity,
    InternalError,
    LimitExceeded,
    MissingExtension,
    NoApplicationProtocol,
    NoRenegotiation,
    NotTls,
    ProtocolVersionError,
    RecordOverflow,
    StartTLSFailed,
    StartTLSRefused,
    TLSError,
    UnexpectedMessage,
    UnknownPskIdentity,
    UnrecognizedName,
    UnsupportedExtension,
)
from glasstls.io.address import format_address
from glasstls.wire.enums import AlertDescription

__all__ = [
    "ALERTS",
    "CATALOGUE",
    "AlertMeaning",
    "Entry",
    "Explanation",
    "classify",
    "explain",
    "explain_alert",
    "explain_os_error",
]

Side = Literal["client", "server"]


def _peer(side: Side | None) -> str:
    return {"client": "the server", "server": "the client"}.get(side or "", "the peer")


def _our_cert(side: Side | None) -> str:
    return {"client": "our client certificate", "server": "our server certificate"}.get(
        side or "", "the certificate we sent"
    )


def explain_alert(description: AlertDescription, *, side: Side | None = None, step: str | None = None) -> Explanation:
    """What an alert received from the peer means, seen from ``side`` (our side of the connection)."""
    meaning = ALERTS.get(description)
    name = str(description).lower()
    if meaning is None:
        text = f"{_peer(side)} sent alert {name}, which glasstls does not know"
        fix = "look the code up in the IANA TLS alert registry; check the peer's logs"
        kind = "peer-alert"
    else:
        text = meaning.meaning.format(peer=_peer(side), our_cert=_our_cert(side))
        fix = meaning.fix
        kind = meaning.kind
    if step == "post-handshake":
        where = "after the handshake (alert received)"
    else:
        where = f"{step} (alert received)" if step else "alert received"
    return Explanation(
        kind=kind,
        step=where,
        cause=f"{text} (alert {name})",
        fix=fix or CATALOGUE["peer-alert"].fix,
        detail=f"the peer sent a fatal alert: {name}",
        alert=name,
    )


# -- classification ------------------------------------------------------------------------------------------

# Certificate failures are classified by their kind (above); the other classes here.
_BY_CLASS: tuple[tuple[type[TLSError], str], ...] = (
    (LimitExceeded, "limit-exceeded"),
    (ConnectionLost, "connection-lost"),
    (StartTLSRefused, "starttls-refused"),
    (StartTLSFailed, "starttls-failed"),
    (BadRecordMac, "bad-record-mac"),
    (NotTls, "not-tls"),
    (DecodeError, "decode-error"),
    (UnexpectedMessage, "unexpected-message"),
    (IllegalParameter, "illegal-parameter"),
    (DecryptError, "decrypt-error"),
    (ProtocolVersionError, "no-common-version"),
    (NoApplicationProtocol, "no-common-alpn"),
    (MissingExtension, "missing-extension"),
    (UnsupportedExtension, "unsupported-extension"),
    (RecordOverflow, "record-overflow"),
    (InsufficientSecurity, "insufficient-security"),
    (InappropriateFallback, "inappropriate-fallback"),
    (UnrecognizedName, "unrecognized-name"),
    (UnknownPskIdentity, "unknown-psk"),
    (NoRenegotiation, "no-renegotiation"),
    (InternalError, "internal-error"),
    (HandshakeFailure, "handshake-failure"),
)


def _certificate_kind(error: CertificateError) -> str:
    """The catalogue key of a certificate failure: its ``kind`` (errors.CertificateKind uses the catalogue's
    keys), which the raiser names from the facts of the verification (pki/verify.py: e.g. the leaf's issuer was
    found neither among the certificates sent nor in the trust store), or errors.py derives from ``check``
    and the class. Never from the words of the reason."""
    kind: str = error.kind
    return kind if kind in CATALOGUE else "bad-certificate"


def classify(error: TLSError) -> str:
    """The catalogue key for ``error`` (see the module docstring for the order of the rules)."""
    if isinstance(error, AlertReceived):
        meaning = ALERTS.get(error.description)
        return meaning.kind if meaning is not None else "peer-alert"
    if isinstance(error, ConnectionLost) and isinstance(error.__cause__, OSError):
        return _os_kind(error.__cause__)  # the socket layer says what cut the connection (io/sync)
    if isinstance(error, CertificateError):
        return _certificate_kind(error)
    if isinstance(error, HandshakeFailure):
        reason = error.reason.lower()
        if "cipher suite" in reason:
            return "no-common-cipher"
        if "group" in reason:
            return "no-common-group"
        if "sign" in reason:
            return "no-common-signature"
    for cls, kind in _BY_CLASS:
        if isinstance(error, cls):
            return kind
    return "tls-error"


def explain(error: TLSError, *, side: Side | None = None) -> Explanation:
    """Explain ``error``: the step that failed, the cause in plain words, what to try.

    ``side`` is our side of the connection ("client" or "server"); it lets an alert received from the peer be
    phrased as what the peer is telling *us* (e.g. unknown_ca received by a client: the server does not trust
    our client certificate's CA).
    """
    return refine(_explain(error, side), error)


def _explain(error: TLSError, side: Side | None) -> Explanation:
    """The catalogue's explanation of ``error``, before it is refined with what the connection knew."""
    if isinstance(error, AlertReceived):
        return explain_alert(error.description, side=side, step=error.step)
    kind = classify(error)
    entry = CATALOGUE[kind]
    peer = _peer(side)
    general = entry.cause.format(peer=peer)
    specific = without_verifier_note(error.reason)
    cause = f"{general}: {specific}" if specific and specific != general else general
    fix = error.hint if error.hint and kind in _HINT_FIRST else entry.fix.format(peer=peer)
    alert = str(error.alert).lower() if error.alert is not None else None
    return Explanation(
        kind=kind,
        step=error.step or entry.step,
        cause=cause,
        fix=fix,
        detail=error.reason,
        alert=alert,
    )


# Entries whose specific hint from the core is better than the catalogue's general advice.
_HINT_FIRST = frozenset(
    {
        "unknown-ca",
        "missing-intermediate",
        "profile-violation",
        "unusable-crl",
        "wrong-client-identity",
        "bad-signature",
        "wrong-usage",
        "basic-constraints",
        "certificate-unknown",
        "bad-certificate",
        "revocation-unknown",
        "bad-ocsp-response",
        "tls-error",
        "illegal-parameter",
        "handshake-failure",  # the raiser knows which parameter (e.g. the extended master secret)
        "starttls-failed",
        "limit-exceeded",
    }
)


def _os_kind(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "name-resolution"
    if isinstance(error, ConnectionRefusedError):
        return "connection-refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(error, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "connection-reset"
    return "network-error"


def explain_os_error(error: OSError, *, host: str | None = None, port: int | None = None) -> Explanation:
    """Explain a network failure that happened outside TLS (connect, DNS, timeout, reset)."""
    target = format_address(host, port) if host is not None and port is not None else (host or "the peer")
    kind = _os_kind(error)
    entry = CATALOGUE[kind]
    message = error.strerror or str(error) or type(error).__name__
    return Explanation(
        kind=kind,
        step=f"{entry.step} to {target}" if entry.step == "TCP connect" else entry.step,
        cause=f"{entry.cause} ({message})",
        fix=entry.fix,
        detail=f"{type(error).__name__}: {message}",
    )
