"""The failure catalogue's texts: every way a TLS connection can fail, in plain words, with what to try.

:data:`CATALOGUE` holds one :class:`Entry` per kind of failure (the keys are the ``kind`` of an
:class:`Explanation` and of errors.CertificateKind); :data:`ALERTS` what each alert received from the peer means,
seen from the side that receives it (RFC 8446 section 6.2). glasstls.explain chooses the entry and builds the
:class:`Explanation`; glasstls.advice refines it with what the connection knew (errors.FailureContext). The
layers: explain imports advice, both import this module, which imports neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from glasstls.wire.enums import AlertDescription

__all__ = ["ALERTS", "CATALOGUE", "AlertMeaning", "Entry", "Explanation", "without_verifier_note"]


@dataclass(frozen=True)
class Entry:
    """A catalogue entry: a short ``title``, the usual ``step``, the ``cause`` in plain words, the ``fix``."""

    title: str
    step: str
    cause: str
    fix: str


@dataclass(frozen=True)
class Explanation:
    """Why a connection failed. ``kind``: the catalogue key; ``detail``: the core's own, specific reason."""

    kind: str
    step: str
    cause: str
    fix: str
    detail: str | None = None
    alert: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "step": self.step,
            "cause": self.cause,
            "fix": self.fix,
            "detail": self.detail,
            "alert": self.alert,
        }

    def rows(self, *, verbose: bool = False) -> list[tuple[str, str]]:
        """(label, text) rows for display. The detail is shown when it says more than the cause (verbose:
        also when it only adds the certificate verifier's own wording)."""
        rows = [("failed at", self.step), ("cause", self.cause)]
        if self.detail and (verbose or without_verifier_note(self.detail) not in self.cause):
            rows.append(("detail", self.detail))
        rows.append(("what to try", self.fix))
        return rows

    def __str__(self) -> str:
        return "\n".join(f"{label}: {text}" for label, text in self.rows())


# The pki layer appends cryptography's own verdict to its explanation; that is for experts (kept in detail).
_VERIFIER_NOTE = re.compile(r"\s*\(cryptography's verifier says:.*\)\s*$", re.DOTALL)


def without_verifier_note(reason: str) -> str:
    """``reason`` without the verifier's own wording the pki layer appends (kept in an explanation's detail)."""
    return _VERIFIER_NOTE.sub("", reason)


_CERT = "certificate verification"

CATALOGUE: dict[str, Entry] = {
    # -- certificates (RFC 5280 path validation, RFC 6125 names) --------------------------------------------
    "wrong-host-name": Entry(
        "wrong host name",
        _CERT,
        "the certificate was issued for other names than the one we connected to (RFC 6125 section 6.4: the "
        "name must be in its subjectAltName)",
        "connect using a name the certificate lists (glasstls connect --servername NAME), or reissue the "
        "certificate with this name in its subjectAltName",
    ),
    "expired": Entry(
        "certificate expired",
        _CERT,
        "a certificate in the chain is past its notAfter date (RFC 5280 section 4.1.2.5)",
        "renew the certificate of {peer}; if it should still be valid, check this machine's clock",
    ),
    "not-yet-valid": Entry(
        "certificate not yet valid",
        _CERT,
        "a certificate in the chain is not valid yet: its notBefore date is in the future (RFC 5280 section 4.1.2.5)",
        "check the clock on this machine (and {peer}'s); or wait until the certificate becomes valid",
    ),
    "unknown-ca": Entry(
        "unknown certificate authority",
        _CERT,
        "the chain does not lead to a certificate authority we trust, so anyone could have made it",
        "if you trust that CA, give its certificate with --cafile (for a glasstls test PKI: root.pem); "
        "otherwise {peer} needs a certificate from a CA in the trust store",
    ),
    "missing-intermediate": Entry(
        "certificate issuer not found",
        _CERT,
        "the chain {peer} sent stops at a certificate whose issuer we cannot find (RFC 8446 section 4.4.2: the "
        "sender sends the chain; RFC 5280 section 6.1: it must end at a trusted root)",
        "find the issuer by the certificate's authorityKeyIdentifier (or its authorityInfoAccess caIssuers URL): "
        "a self-signed issuer is a root CA, to add with --cafile if you trust it; an intermediate must be sent by "
        "{peer} (its full chain file)",
    ),
    "self-signed": Entry(
        "self-signed certificate",
        _CERT,
        "the certificate signed itself: no certificate authority vouches for it",
        "use a certificate issued by a CA (glasstls certs DIR makes a test CA) and trust that CA with "
        "--cafile; or, in a lab only, connect with --insecure",
    ),
    "bad-signature": Entry(
        "bad certificate signature",
        _CERT,
        "a certificate's signature does not verify with the key of the CA it names: the chain is mixed up "
        "or forged (RFC 5280 section 6.1.3)",
        "reissue the certificate, or send the intermediate that really signed it",
    ),
    "wrong-usage": Entry(
        "certificate not meant for this use",
        _CERT,
        "the certificate's keyUsage or extendedKeyUsage does not allow this use (RFC 5280 sections 4.2.1.3, "
        "4.2.1.12): e.g. a client certificate presented by a server",
        "use a certificate issued for TLS server (or client) authentication",
    ),
    "basic-constraints": Entry(
        "issuer is not a CA",
        _CERT,
        "a certificate in the chain was issued by a certificate that is not allowed to issue certificates "
        "(basicConstraints, RFC 5280 section 4.2.1.9)",
        "reissue the certificate from a real CA certificate (cA=TRUE, within its path length)",
    ),
    "bad-certificate": Entry(
        "bad certificate",
        _CERT,
        "a certificate could not be parsed or failed verification",
        "check that the certificate file is a valid X.509 certificate (PEM or DER)",
    ),
    "unsupported-certificate": Entry(
        "unsupported certificate",
        _CERT,
        "the certificate uses a key type or algorithm that cannot be used here",
        "use an ECDSA (P-256/P-384), RSA (2048 bits or more) or Ed25519 certificate",
    ),
    "certificate-revoked": Entry(
        "certificate revoked",
        _CERT,
        "the certificate was revoked by its CA",
        "{peer} needs a new certificate (its CA revoked this one)",
    ),
    "revocation-unknown": Entry(
        "no revocation status",
        _CERT,
        "the revocation policy is hard-fail and there is no usable revocation status for the certificate: no "
        "current CRL from its issuer and no valid stapled OCSP response (RFC 5280 section 6.3, RFC 6960)",
        "give a current CRL from the certificate's issuer, have {peer} staple an OCSP response, or use the "
        "soft-fail revocation policy",
    ),
    "bad-ocsp-response": Entry(
        "unusable OCSP staple",
        _CERT,
        "{peer} stapled an OCSP response that cannot be used: not signed by the issuer or its responder, for "
        "another certificate, or out of date (RFC 6960, RFC 6066 section 8)",
        "{peer} needs a current OCSP response for this certificate (or should stop stapling)",
    ),
    "profile-violation": Entry(
        "certificate breaks the certificate profile",
        _CERT,
        "the chain is valid by RFC 5280 path validation, but a certificate breaks a rule of the certificate "
        "profile (the CA/Browser Forum Baseline Requirements, or RFC 5280 section 4)",
        "reissue the certificate as the rule named in the detail requires; for a private PKI, verify with the "
        "rfc5280 profile (--profile rfc5280, for connect and verify)",
    ),
    "unusable-crl": Entry(
        "configured CRL unusable",
        _CERT,
        "a CRL you configured from the certificate's issuer cannot be used (RFC 5280 section 6.3.3), so the "
        "revocation status you asked for is broken; soft-fail covers a missing status, not a broken one",
        "replace the CRL named in the detail with a current one signed by the issuer (or drop it from --crl)",
    ),
    "wrong-client-identity": Entry(
        "client identity not accepted",
        _CERT,
        "the client certificate is valid but not for an identity this server accepts",
        "present a certificate for an accepted identity, or add the client's name with --client-identity",
    ),
    "certificate-unknown": Entry(
        "certificate not accepted",
        _CERT,
        "the certificate was not accepted for a reason not covered by the other checks",
        "look at the detail below; check the certificate with `openssl x509 -text`",
    ),
    # -- negotiation (RFC 8446 section 4.1.1) -------------------------------------------------------------
    "no-common-cipher": Entry(
        "no cipher suite in common",
        "ClientHello",
        "client and server have no cipher suite in common for the TLS version they agreed on (RFC 8446 section "
        "4.1.1, RFC 5246 section 7.4.1.3)",
        "enable a suite both sides accept, e.g. --cipher TLS_AES_128_GCM_SHA256 (the one every TLS 1.3 "
        "implementation must support); an old TLS 1.2-only peer may need --allow-cbc or "
        "--allow-rsa-key-exchange (both legacy, off by default)",
    ),
    "no-common-group": Entry(
        "no key exchange group in common",
        "ClientHello",
        "client and server have no key exchange group in common (RFC 8446 section 4.2.7)",
        "enable a group both sides support, e.g. --group x25519 or --group secp256r1",
    ),
    "no-common-signature": Entry(
        "no signature scheme in common",
        "ClientHello",
        "the server has no certificate that can sign with a signature scheme the client accepts "
        "(RFC 8446 section 4.2.3)",
        "give the server a certificate with another key type (--cert/--key, e.g. ECDSA and RSA at once)",
    ),
    "no-common-version": Entry(
        "no TLS version in common",
        "ClientHello",
        "the two sides support no common TLS version (glasstls speaks TLS 1.3 and TLS 1.2; RFC 8446 section 4.2.1)",
        "check --min-version/--max-version on both sides; a peer that only speaks TLS 1.1 or older must be upgraded",
    ),
    "no-common-alpn": Entry(
        "no application protocol in common",
        "ClientHello",
        "the client asked for application protocols (ALPN) that the server does not speak (RFC 7301 section 3.2)",
        "offer a protocol the server accepts (--alpn), or connect without --alpn",
    ),
    "handshake-failure": Entry(
        "handshake failure",
        "handshake",
        "what was offered and what this side accepts do not fit together (alert handshake_failure)",
        "compare what each side offers (--trace shows the hellos); try the defaults",
    ),
    "no-usable-certificate": Entry(
        "no usable certificate",
        "ClientHello",
        "client and server share cipher suites, but none can be used with the server's certificates and what "
        "the client offers: key type, curve or signature scheme (RFC 8422 section 5.1, RFC 5246 section 7.4.2)",
        "give the server a certificate the client can use (e.g. RSA and ECDSA at once: two --cert/--key pairs)",
    ),
    "sni-mismatch": Entry(
        "no certificate for the name asked for",
        "server Certificate",
        "the client asked for a name (SNI) that none of the server's certificates covers (RFC 6066 section 3)",
        "give the server a certificate for that name, or connect with a name it has a certificate for",
    ),
    # -- client certificates (RFC 8446 section 4.4.2.4) ------------------------------------------------
    "client-cert-required": Entry(
        "client certificate required",
        "client Certificate",
        "the server requires a client certificate (mutual TLS), and none was sent",
        "give a client certificate and key: glasstls connect --cert client.pem --key client.key",
    ),
    # -- the record layer and message syntax -------------------------------------------------------------
    "connection-lost": Entry(
        "connection cut",
        "handshake",
        "the connection was closed before the handshake completed, without a TLS alert to say why",
        "the peer may not speak TLS on this port, or it rejected our parameters silently: check the port "
        "and the peer's logs; try --trace",
    ),
    "limit-exceeded": Entry(
        "a server limit",
        "handshake",
        "the client went past a limit this server sets on every client, and was disconnected",
        "nothing to fix for an abusive client; for a legitimate one, raise the limit (glasstls serve "
        "--max-handshake-bytes, --max-handshakes)",
    ),
    "truncated-record": Entry(
        "connection cut inside a record",
        "record layer",
        "the connection ended in the middle of a TLS record, without an alert",
        "the peer or a middlebox cut the connection: look at the peer's log and at any proxy in between",
    ),
    "bad-record-mac": Entry(
        "bad record MAC",
        "record layer",
        "an encrypted record failed its integrity check (RFC 8446 section 5.2): the data was altered in "
        "transit, or the two sides derived different keys",
        "look for a middlebox that rewrites traffic; if it is reproducible, report it with a --trace",
    ),
    "not-tls": Entry(
        "not TLS",
        "record layer",
        "{peer} is not speaking TLS: its first bytes are not a TLS record (RFC 8446 section 5.1)",
        "check the port: this one speaks another protocol (plain HTTP?); HTTPS is usually on port 443",
    ),
    "decode-error": Entry(
        "malformed message",
        "record layer",
        "a message from the peer could not be parsed (RFC 8446 section 6.2: decode_error)",
        "the peer may not speak TLS on this port (e.g. plain HTTP), or it has a bug; check the port",
    ),
    "unexpected-message": Entry(
        "unexpected message",
        "handshake",
        "a message arrived that is not allowed at this point of the handshake (RFC 8446 section 6.2)",
        "the peer has a bug, or does not follow the TLS version it agreed to; report it with a --trace",
    ),
    "illegal-parameter": Entry(
        "illegal parameter",
        "handshake",
        "the peer sent a value that is syntactically fine but not allowed here (RFC 8446 section 6.2)",
        "the peer may have a bug; the detail says which field; report it with a --trace",
    ),
    "decrypt-error": Entry(
        "signature or Finished check failed",
        "handshake",
        "a handshake signature or Finished value did not verify (RFC 8446 sections 4.4.3, 4.4.4): the key "
        "does not match the certificate, or the messages were altered",
        "check that the certificate and key belong together; look for a middlebox altering the handshake",
    ),
    "missing-extension": Entry(
        "missing extension",
        "handshake",
        "a required TLS 1.3 extension is missing (RFC 8446 section 9.2)",
        "the peer may not really support TLS 1.3; check its version and configuration",
    ),
    "unsupported-extension": Entry(
        "unsupported extension",
        "handshake",
        "the peer sent an extension we did not offer or that is not allowed in that message (RFC 8446 section 4.2)",
        "the peer has a bug; report it with a --trace",
    ),
    "record-overflow": Entry(
        "record too large",
        "record layer",
        "a record exceeded the maximum size (RFC 8446 section 5.1: 2^14 bytes of plaintext)",
        "the peer has a bug, or the connection is not TLS",
    ),
    "insufficient-security": Entry(
        "insufficient security",
        "handshake",
        "the peer requires stronger parameters than we offered",
        "enable stronger cipher suites or groups",
    ),
    "inappropriate-fallback": Entry(
        "inappropriate fallback",
        "handshake",
        "the peer detected a version fallback that should not happen (RFC 7507)",
        "connect without restricting the version",
    ),
    "unrecognized-name": Entry(
        "unknown server name",
        "ClientHello",
        "the server does not serve the host name we asked for (SNI, RFC 6066 section 3)",
        "check the host name, or use --servername with a name the server serves",
    ),
    "unknown-psk": Entry(
        "unknown PSK identity",
        "ClientHello",
        "the server does not know the pre-shared key or session ticket offered",
        "connect again without resumption",
    ),
    "no-renegotiation": Entry(
        "renegotiation refused",
        "handshake",
        "the peer refused to renegotiate",
        "glasstls does not renegotiate (TLS 1.3 has no renegotiation); reconnect instead",
    ),
    "internal-error": Entry(
        "internal error",
        "handshake",
        "an internal error occurred that is not related to the peer (a bug)",
        "please report it, with the command line and --trace output",
    ),
    "certificate-rejected": Entry(
        "our certificate rejected",
        "Certificate (alert received)",
        "{peer} rejected the certificate we sent (the alert says why: RFC 8446 section 6.2)",
        "check the certificate we send against the peer's trust store, names and clock; its log names the check",
    ),
    "peer-alert": Entry(
        "alert from the peer",
        "handshake",
        "the peer sent a fatal alert and closed the connection",
        "see what the alert means below; the peer's logs may say more",
    ),
    "tls-error": Entry(
        "TLS failure",
        "handshake",
        "the connection failed",
        "try --trace to see each step",
    ),
    # -- network (not TLS) ----------------------------------------------------------------------------------
    "starttls-refused": Entry(
        "STARTTLS refused",
        "STARTTLS",
        "the server refused to upgrade the connection to TLS: it answered the STARTTLS command (or its protocol's "
        "equivalent) with a refusal, so TLS never began and nothing was sent encrypted",
        "check that the server has TLS configured for this port (for mail: a certificate in its configuration, "
        "e.g. Postfix smtpd_tls_cert_file); or use the protocol's implicit-TLS port (SMTP 465, IMAP 993, POP3 995) "
        "without --starttls",
    ),
    "starttls-failed": Entry(
        "STARTTLS exchange failed",
        "STARTTLS",
        "the plain-text exchange before TLS did not go as the protocol says",
        "check the port and the --starttls protocol (is this really an SMTP / IMAP / POP3 ... server?)",
    ),
    "connection-refused": Entry(
        "connection refused",
        "TCP connect",
        "nothing is listening on that port (the host answered with a TCP reset)",
        "check the host and port, and that the server is running",
    ),
    "name-resolution": Entry(
        "unknown host",
        "TCP connect",
        "the host name could not be resolved to an address (DNS)",
        "check the spelling of the host name, and the network's DNS",
    ),
    "timeout": Entry(
        "timed out",
        "network",
        "the peer did not answer in time",
        "check the host, port and any firewall; a TLS server answers a ClientHello at once",
    ),
    "connection-reset": Entry(
        "connection reset",
        "network",
        "the peer reset the TCP connection",
        "the peer may have crashed or rejected the connection; check its logs",
    ),
    "network-error": Entry(
        "network error",
        "network",
        "the network connection failed",
        "check the host, port and network",
    ),
}


# -- alerts: what the peer is telling us (RFC 8446 section 6.2) ---------------------------------------------


@dataclass(frozen=True)
class AlertMeaning:
    """What an alert says, seen from the side that receives it. ``kind``: a catalogue entry, if one fits."""

    meaning: str
    fix: str
    kind: str = "peer-alert"


ALERTS: dict[AlertDescription, AlertMeaning] = {
    AlertDescription.CLOSE_NOTIFY: AlertMeaning("{peer} closed the connection before the handshake finished", ""),
    AlertDescription.UNEXPECTED_MESSAGE: AlertMeaning(
        "{peer} received a message it did not expect at that point",
        "one side has a bug; compare with --trace",
        "unexpected-message",
    ),
    AlertDescription.BAD_RECORD_MAC: AlertMeaning(
        "{peer} could not decrypt a record from us: altered in transit, or the two sides have different keys",
        "look for a middlebox that alters traffic",
        "bad-record-mac",
    ),
    AlertDescription.DECRYPTION_FAILED: AlertMeaning(
        "{peer} could not decrypt a record (a TLS 1.0-era alert)", "check the peer's version support"
    ),
    AlertDescription.RECORD_OVERFLOW: AlertMeaning(
        "{peer} received a record that is too large", "report it with a --trace", "record-overflow"
    ),
    AlertDescription.DECOMPRESSION_FAILURE: AlertMeaning(
        "{peer} failed to decompress (TLS compression no longer exists)", "the peer is very old"
    ),
    AlertDescription.HANDSHAKE_FAILURE: AlertMeaning(
        "{peer} refused the handshake without saying why: no cipher suite, key exchange group or signature "
        "scheme in common, or a policy refused us",
        "compare what each side supports (--trace shows what we sent; the peer's log names what it refused); if "
        "you narrowed --cipher, --group or the versions, try the defaults",
        "handshake-failure",
    ),
    AlertDescription.NO_CERTIFICATE: AlertMeaning(
        "{peer} wanted a certificate and got none (an SSL 3.0 alert)", "send a certificate"
    ),
    AlertDescription.BAD_CERTIFICATE: AlertMeaning(
        "{peer} rejected {our_cert}: it is corrupt, or its name or signature did not verify",
        "check the certificate (names, chain file); run the peer with verbose logging",
        "certificate-rejected",
    ),
    AlertDescription.UNSUPPORTED_CERTIFICATE: AlertMeaning(
        "{peer} does not support the type of {our_cert} (key type or usage)",
        "use an ECDSA or RSA certificate with the right extendedKeyUsage",
        "certificate-rejected",
    ),
    AlertDescription.CERTIFICATE_REVOKED: AlertMeaning(
        "{peer} says {our_cert} was revoked by its CA",
        "get a new certificate",
        "certificate-rejected",
    ),
    AlertDescription.CERTIFICATE_EXPIRED: AlertMeaning(
        "{peer} says {our_cert} (or one in its chain) has expired, or is not yet valid, by its clock",
        "renew the certificate; check both clocks",
        "certificate-rejected",
    ),
    AlertDescription.CERTIFICATE_UNKNOWN: AlertMeaning(
        "{peer} did not accept {our_cert}, for a reason it does not name",
        "check the peer's logs for the reason",
        "certificate-rejected",
    ),
    AlertDescription.ILLEGAL_PARAMETER: AlertMeaning(
        "{peer} says a field we sent has a value that is not allowed",
        "one side has a bug; compare with --trace and report it",
        "illegal-parameter",
    ),
    AlertDescription.UNKNOWN_CA: AlertMeaning(
        "{peer} does not trust the certificate authority that issued {our_cert}",
        "add our CA (e.g. root.pem of a glasstls test PKI) to the peer's trust store (its --cafile / CAfile)",
        "certificate-rejected",
    ),
    AlertDescription.ACCESS_DENIED: AlertMeaning(
        "{peer} verified us but its access policy refuses the connection", "ask the peer's administrator"
    ),
    AlertDescription.DECODE_ERROR: AlertMeaning(
        "{peer} could not parse a message we sent", "one side has a bug; report it with a --trace", "decode-error"
    ),
    AlertDescription.DECRYPT_ERROR: AlertMeaning(
        "{peer} could not verify a signature or Finished value from us",
        "check that our certificate and private key belong together",
        "decrypt-error",
    ),
    AlertDescription.EXPORT_RESTRICTION: AlertMeaning("{peer} refused an export-grade setting", "use modern settings"),
    AlertDescription.PROTOCOL_VERSION: AlertMeaning(
        "{peer} does not support any TLS version we offered (or refused the version we chose)",
        "check --min-version/--max-version: glasstls offers TLS 1.3 and TLS 1.2 by default",
        "no-common-version",
    ),
    AlertDescription.INSUFFICIENT_SECURITY: AlertMeaning(
        "{peer} requires stronger parameters than we offered",
        "enable stronger suites or groups",
        "insufficient-security",
    ),
    AlertDescription.INTERNAL_ERROR: AlertMeaning(
        "{peer} had an internal error unrelated to us", "check the peer's logs", "internal-error"
    ),
    AlertDescription.INAPPROPRIATE_FALLBACK: AlertMeaning(
        "{peer} detected a version fallback (RFC 7507)",
        "connect without restricting the version",
        "inappropriate-fallback",
    ),
    AlertDescription.USER_CANCELED: AlertMeaning("{peer} cancelled the handshake", "check the peer's logs"),
    AlertDescription.NO_RENEGOTIATION: AlertMeaning(
        "{peer} refused to renegotiate", "reconnect instead", "no-renegotiation"
    ),
    AlertDescription.MISSING_EXTENSION: AlertMeaning(
        "{peer} needs an extension we did not send", "report it with a --trace", "missing-extension"
    ),
    AlertDescription.UNSUPPORTED_EXTENSION: AlertMeaning(
        "{peer} received an extension it did not offer or does not allow there",
        "report it with a --trace",
        "unsupported-extension",
    ),
    AlertDescription.CERTIFICATE_UNOBTAINABLE: AlertMeaning(
        "{peer} could not fetch a certificate from a URL", "send the certificate itself"
    ),
    AlertDescription.UNRECOGNIZED_NAME: AlertMeaning(
        "{peer} does not serve the host name we asked for (SNI)",
        "check the host name, or use --servername with a name it serves",
        "unrecognized-name",
    ),
    AlertDescription.BAD_CERTIFICATE_STATUS_RESPONSE: AlertMeaning(
        "{peer} rejected our OCSP status response", "refresh the OCSP staple"
    ),
    AlertDescription.BAD_CERTIFICATE_HASH_VALUE: AlertMeaning(
        "{peer} found a certificate hash mismatch", "send the certificate itself"
    ),
    AlertDescription.UNKNOWN_PSK_IDENTITY: AlertMeaning(
        "{peer} does not know the pre-shared key we offered", "connect without resumption", "unknown-psk"
    ),
    AlertDescription.CERTIFICATE_REQUIRED: AlertMeaning(
        "{peer} requires a client certificate (mutual TLS) and we sent none",
        "give a client certificate and key: --cert client.pem --key client.key",
        "client-cert-required",
    ),
    AlertDescription.NO_APPLICATION_PROTOCOL: AlertMeaning(
        "{peer} speaks none of the application protocols (ALPN) we offered",
        "offer a protocol it accepts (--alpn), or connect without --alpn",
        "no-common-alpn",
    ),
}
