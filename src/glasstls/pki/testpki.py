"""Throwaway certificate authorities and certificates for tests, the demo and ``glasstls certs``.

NOT FOR PRODUCTION: every key here is unencrypted, and keys are cached per process (see
:func:`generate_key`), so two "different" certificates may share a key on purpose.

Two layers:

* :func:`make_test_pki` builds a complete, valid hierarchy in one call: a root CA, an intermediate CA, server
  leaves with ECDSA P-256, RSA-2048 and Ed25519 keys, and a client certificate; optionally written to a
  directory as PEM files.
* :func:`make_ca` and :func:`issue_certificate` build any single certificate, including the broken ones the
  verification tests need: expired, not yet valid, wrong names, self-signed leaf, an intermediate without the
  CA flag, a path length exceeded, the wrong extended key usage, an unknown root, a bad signature.
  glasstls.pki.testbroken builds on this module the broken chains, one per failure the report explains.

The certificates follow the profile that ``cryptography.x509.verification`` (the CA/Browser Forum profile on
top of RFC 5280) accepts: version 3, positive serial numbers, critical basicConstraints on CAs, keyUsage with
keyCertSign on CAs (RFC 5280 section 4.2.1.3), authority and subject key identifiers (sections 4.2.1.1-2),
subjectAltName on leaves (section 4.2.1.6; RFC 6125 section 6.4.4: the CN is not used for names).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from glasstls.pki.testnames import general_name as _general_name
from glasstls.pki.testnames import leaf_common_name
from glasstls.pki.testnames import subject_name as _name

if TYPE_CHECKING:
    from glasstls.pki.trust import TrustStore

__all__ = [
    "CLIENT_AUTH",
    "OCSP_SIGNING",
    "SERVER_AUTH",
    "CredentialFiles",
    "IssuedCertificate",
    "KeyKind",
    "RevocationPKI",
    "TestKey",
    "TestPKI",
    "TestPKIFiles",
    "generate_key",
    "issue_certificate",
    "make_ca",
    "make_crl",
    "make_ocsp_responder",
    "make_ocsp_response",
    "make_revocation_pki",
    "make_test_pki",
]

TestKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
KeyKind = Literal["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519", "ed448"]

SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
OCSP_SIGNING = ExtendedKeyUsageOID.OCSP_SIGNING

#: Leaf validity in :func:`make_test_pki`: from one hour before ``now`` to 30 days after.
LEAF_BACKDATE = timedelta(hours=1)
LEAF_LIFETIME = timedelta(days=30)
#: CA validity: from one day before ``now`` to ten years after.
CA_BACKDATE = timedelta(days=1)
CA_LIFETIME = timedelta(days=3650)

_KEY_CACHE: dict[tuple[str, str], TestKey] = {}
_KEY_LOCK = threading.Lock()


def _new_key(kind: KeyKind) -> TestKey:
    if kind == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ecdsa-p521":
        return ec.generate_private_key(ec.SECP521R1())
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "ed448":
        return ed448.Ed448PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}")


def generate_key(kind: KeyKind = "ecdsa-p256", *, name: str | None = None) -> TestKey:
    """A private key of ``kind``. With a ``name``, the key is made once per process and reused.

    Generating RSA keys takes tens of milliseconds to seconds; caching by ``(kind, name)`` keeps the test
    suite quick while each certificate stays fresh. ``name=None`` always makes a new key.
    """
    if name is None:
        return _new_key(kind)
    with _KEY_LOCK:
        key = _KEY_CACHE.get((kind, name))
        if key is None:
            key = _new_key(kind)
            _KEY_CACHE[(kind, name)] = key
        return key


def _signature_hash(key: TestKey) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    """The hash to sign with: none for EdDSA (RFC 8410), SHA-384/512 for the larger curves, else SHA-256."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size >= 521:
            return hashes.SHA512()
        if key.curve.key_size >= 384:
            return hashes.SHA384()
    return hashes.SHA256()


def _now(now: datetime | None) -> datetime:
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # X.509 times carry whole seconds; truncate so that what we ask for is what we get.
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate, its private key, and the intermediates its holder sends after it (not the root)."""

    certificate: x509.Certificate
    key: TestKey
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def chain_der(self) -> list[bytes]:
        """What a peer sends in its Certificate message: this certificate first, then the intermediates."""
        return [self.der, *(c.public_bytes(serialization.Encoding.DER) for c in self.chain)]

    def cert_pem(self, *, with_chain: bool = True) -> bytes:
        certs = (self.certificate, *self.chain) if with_chain else (self.certificate,)
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _is_self_issued(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def _build(
    *,
    subject: x509.Name,
    key: TestKey,
    issuer: IssuedCertificate | None,
    not_before: datetime,
    not_after: datetime,
    extensions: Sequence[tuple[x509.ExtensionType, bool]],
    sign_with: TestKey | None,
    authority_key_identifier: bool,
) -> IssuedCertificate:
    issuer_name = issuer.certificate.subject if issuer is not None else subject
    signer = sign_with if sign_with is not None else (issuer.key if issuer is not None else key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if authority_key_identifier:
        # The AKI names the issuer's key as the issuer certificate describes it (RFC 5280 section 4.2.1.1),
        # even when ``sign_with`` is another key: that is exactly the "bad signature" case.
        if issuer is not None:
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
        else:
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
        builder = builder.add_extension(aki, critical=False)
    certificate = builder.sign(signer, _signature_hash(signer))
    chain: tuple[x509.Certificate, ...] = ()
    if issuer is not None and not _is_self_issued(issuer.certificate):
        chain = (issuer.certificate, *issuer.chain)
    return IssuedCertificate(certificate=certificate, key=key, chain=chain)


def make_ca(
    common_name: str,
    *,
    issuer: IssuedCertificate | None = None,
    key: TestKey | None = None,
    key_kind: KeyKind = "ecdsa-p256",
    now: datetime | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    path_length: int | None = None,
    ca: bool = True,
    sign_with: TestKey | None = None,
    crl_sign: bool = True,
) -> IssuedCertificate:
    """A CA certificate: a self-signed root when ``issuer`` is None, else an intermediate under ``issuer``.

    The key is cached by ``(key_kind, common_name)`` unless ``key`` is given. ``path_length`` sets the
    basicConstraints pathLenConstraint (RFC 5280 section 4.2.1.9). ``ca=False`` makes the broken case of a
    certificate used as an issuer without the cA flag (keyUsage still has keyCertSign). ``sign_with`` signs
    with another key under the same issuer name (a bad signature). ``crl_sign=False`` leaves cRLSign out of
    keyUsage (a CA that may not sign CRLs).
    """
    moment = _now(now)
    the_key = key if key is not None else generate_key(key_kind, name=f"ca:{common_name}")
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), True),
        (_key_usage(key_cert_sign=True, crl_sign=crl_sign), True),
    ]
    return _build(
        subject=_name(common_name),
        key=the_key,
        issuer=issuer,
        not_before=not_before if not_before is not None else moment - CA_BACKDATE,
        not_after=not_after if not_after is not None else moment + CA_LIFETIME,
        extensions=extensions,
        sign_with=sign_with,
        authority_key_identifier=True,
    )


def _key_usage(*, key_encipherment: bool = False, key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    """keyUsage (RFC 5280 section 4.2.1.3) with digitalSignature and the bits named."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage(key: TestKey) -> x509.KeyUsage:
    # RSA keys may also be used for TLS 1.2 RSA key transport, which needs keyEncipherment (RFC 5246 7.4.2).
    return _key_usage(key_encipherment=isinstance(key, rsa.RSAPrivateKey))


_DEFAULT_EKU: tuple[x509.ObjectIdentifier, ...] = (SERVER_AUTH,)


def issue_certificate(
    issuer: IssuedCertificate | None,
    *,
    hosts: Sequence[str] = ("localhost",),
    common_name: str | None = None,
    key: TestKey | None = None,
    key_kind: KeyKind = "ecdsa-p256",
    key_name: str | None = None,
    now: datetime | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    eku: Sequence[x509.ObjectIdentifier] | None = _DEFAULT_EKU,
    key_usage: x509.KeyUsage | Literal["default"] | None = "default",
    basic_constraints: bool = True,
    sign_with: TestKey | None = None,
) -> IssuedCertificate:
    """An end-entity certificate signed by ``issuer``, or self-signed when ``issuer`` is None.

    ``hosts`` become subjectAltName entries (IP literals as iPAddress, names with ``@`` as rfc822Name, the
    rest as dNSName; an empty sequence omits the extension). The subject CN is ``common_name`` or the first
    host.
    Validity defaults to ``now - 1h .. now + 30d``. ``eku=None`` omits extendedKeyUsage; ``key_usage=None``
    omits keyUsage. ``basic_constraints`` adds a critical ``cA=FALSE``. The key is cached by
    ``(key_kind, key_name)`` (``key_name`` defaults to the subject CN) unless ``key`` is given.
    ``sign_with`` signs with another key while naming ``issuer`` (a bad signature).
    """
    moment = _now(now)
    cn = common_name if common_name is not None else (leaf_common_name(hosts) if hosts else "glasstls test leaf")
    the_key = key if key is not None else generate_key(key_kind, name=f"leaf:{key_name or cn}")
    extensions: list[tuple[x509.ExtensionType, bool]] = []
    if basic_constraints:
        extensions.append((x509.BasicConstraints(ca=False, path_length=None), True))
    ku = _leaf_key_usage(the_key) if key_usage == "default" else key_usage
    if ku is not None:
        extensions.append((ku, True))
    if eku is not None:
        extensions.append((x509.ExtendedKeyUsage(list(eku)), False))
    if hosts:
        # RFC 5280 section 4.2.1.6: critical only when the subject is empty; ours never is.
        extensions.append((x509.SubjectAlternativeName([_general_name(h) for h in hosts]), False))
    return _build(
        subject=_name(cn, organization=None),
        key=the_key,
        issuer=issuer,
        not_before=not_before if not_before is not None else moment - LEAF_BACKDATE,
        not_after=not_after if not_after is not None else moment + LEAF_LIFETIME,
        extensions=extensions,
        sign_with=sign_with,
        authority_key_identifier=True,
    )


@dataclass(frozen=True)
class CredentialFiles:
    """A certificate file (the leaf, then its intermediates, PEM) and its private key (PKCS#8 PEM)."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class TestPKIFiles:
    """Where :meth:`TestPKI.write` put each file."""

    __test__ = False  # not a pytest test class

    directory: Path
    root: Path
    intermediate: Path
    server_ecdsa: CredentialFiles
    server_rsa: CredentialFiles
    server_ed25519: CredentialFiles
    client: CredentialFiles


def _write(path: Path, data: bytes, *, private: bool = False) -> Path:
    if private:
        # Create with owner-only permissions from the start; the key is never world readable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600)
    else:
        path.write_bytes(data)
    return path


@dataclass(frozen=True)
class TestPKI:
    """A complete test hierarchy: root -> intermediate -> server leaves (ECDSA, RSA, Ed25519) and a client."""

    __test__ = False  # not a pytest test class

    now: datetime
    hosts: tuple[str, ...]
    root: IssuedCertificate
    intermediate: IssuedCertificate
    server_ecdsa: IssuedCertificate
    server_rsa: IssuedCertificate
    server_ed25519: IssuedCertificate
    client: IssuedCertificate
    files: TestPKIFiles | None = field(default=None)

    @property
    def servers(self) -> dict[str, IssuedCertificate]:
        """The server credentials by key type: ``"ecdsa"``, ``"rsa"``, ``"ed25519"``."""
        return {"ecdsa": self.server_ecdsa, "rsa": self.server_rsa, "ed25519": self.server_ed25519}

    def trust_store(self) -> TrustStore:
        """A trust store holding only this PKI's root."""
        from glasstls.pki.trust import TrustStore

        return TrustStore.from_certificates([self.root.certificate], source="glasstls test PKI root")

    def write(self, directory: Path) -> TestPKIFiles:
        """Write the PEM files into ``directory`` (created if needed) and return their paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)

        def pair(stem: str, cred: IssuedCertificate) -> CredentialFiles:
            return CredentialFiles(
                cert=_write(directory / f"{stem}.pem", cred.cert_pem()),
                key=_write(directory / f"{stem}.key", cred.key_pem(), private=True),
            )

        return TestPKIFiles(
            directory=directory,
            root=_write(directory / "root.pem", self.root.cert_pem()),
            intermediate=_write(directory / "intermediate.pem", self.intermediate.cert_pem(with_chain=False)),
            server_ecdsa=pair("server-ecdsa", self.server_ecdsa),
            server_rsa=pair("server-rsa", self.server_rsa),
            server_ed25519=pair("server-ed25519", self.server_ed25519),
            client=pair("client", self.client),
        )


def make_test_pki(
    hosts: Sequence[str] = ("localhost", "127.0.0.1"),
    *,
    now: datetime | None = None,
    directory: Path | None = None,
) -> TestPKI:
    """A valid root CA, intermediate CA, three server leaves and a client certificate for ``hosts``.

    All CAs are ECDSA P-256 (quick). Keys are cached per process; the certificates are new each call, valid
    from ``now - 1h`` to ``now + 30d`` (leaves). With ``directory``, the files are written there as
    root.pem, intermediate.pem, server-{ecdsa,rsa,ed25519}.pem/.key (leaf + intermediate) and client.pem/.key.
    """
    if isinstance(hosts, str):
        hosts = (hosts,)
    if not hosts:
        raise ValueError("make_test_pki needs at least one host name or IP address")
    moment = _now(now)
    root = make_ca("glasstls test root CA", now=moment)
    intermediate = make_ca("glasstls test intermediate CA", issuer=root, now=moment, path_length=0)

    def server(kind: KeyKind, name: str) -> IssuedCertificate:
        return issue_certificate(intermediate, hosts=hosts, now=moment, key_kind=kind, key_name=name)

    server_ecdsa = server("ecdsa-p256", "server-ecdsa")
    server_rsa = server("rsa-2048", "server-rsa")
    server_ed25519 = server("ed25519", "server-ed25519")
    client = issue_certificate(
        intermediate,
        hosts=("client@glasstls.test",),
        common_name="glasstls test client",
        key_kind="ecdsa-p256",
        key_name="client",
        now=moment,
        eku=(CLIENT_AUTH,),
    )
    pki = TestPKI(
        now=moment,
        hosts=tuple(hosts),
        root=root,
        intermediate=intermediate,
        server_ecdsa=server_ecdsa,
        server_rsa=server_rsa,
        server_ed25519=server_ed25519,
        client=client,
    )
    if directory is not None:
        pki = replace(pki, files=pki.write(directory))
    return pki


# -- revocation: CRLs and OCSP responses ------------------------------------------------------------------

#: CRL and OCSP validity in the helpers below: from one hour before ``now`` to seven days after.
STATUS_BACKDATE = timedelta(hours=1)
STATUS_LIFETIME = timedelta(days=7)


def make_crl(
    issuer: IssuedCertificate,
    *,
    revoked: Sequence[x509.Certificate] = (),
    now: datetime | None = None,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    number: int | None = 1,
    number_critical: bool = False,
    reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise,
    sign_with: TestKey | None = None,
) -> x509.CertificateRevocationList:
    """A CRL from ``issuer`` (RFC 5280 section 5) listing the serial numbers of ``revoked``.

    Valid from ``now - 1h`` to ``now + 7d`` unless given. ``number=None`` omits the cRLNumber;
    ``number_critical`` marks it critical (both forbidden by section 5.2.3: the broken cases). ``sign_with``
    signs with another key while naming ``issuer`` (a CRL signed by the wrong issuer).
    """
    moment = _now(now)
    signer = sign_with if sign_with is not None else issuer.key
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(this_update if this_update is not None else moment - STATUS_BACKDATE)
        .next_update(next_update if next_update is not None else moment + STATUS_LIFETIME)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    )
    if number is not None:
        builder = builder.add_extension(x509.CRLNumber(number), critical=number_critical)
    for cert in revoked:
        entry = (
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(moment - STATUS_BACKDATE)
        )
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(signer, _signature_hash(signer))


def make_ocsp_responder(
    issuer: IssuedCertificate,
    *,
    common_name: str = "glasstls test OCSP responder",
    now: datetime | None = None,
    eku: Sequence[x509.ObjectIdentifier] | None = (OCSP_SIGNING,),
) -> IssuedCertificate:
    """A delegated OCSP responder certificate issued by ``issuer`` (RFC 6960 section 4.2.2.2): EKU
    id-kp-OCSPSigning, no subjectAltName. ``eku`` other than that makes the unauthorised-responder case."""
    return issue_certificate(issuer, hosts=(), common_name=common_name, now=now, eku=eku)


OcspStatus = Literal["good", "revoked", "unknown"]


def make_ocsp_response(
    certificate: x509.Certificate,
    issuer: IssuedCertificate,
    *,
    status: OcspStatus = "good",
    now: datetime | None = None,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    responder: IssuedCertificate | None = None,
    revocation_reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise,
    sign_with: TestKey | None = None,
) -> bytes:
    """A DER OCSP response (RFC 6960 section 4.2.1) about ``certificate``, issued by ``issuer``.

    Signed by the issuer, or by a delegated ``responder`` (its certificate is included). The CertID uses
    SHA-1, as responders do. Valid from ``now - 1h`` to ``now + 7d`` unless given (a stale response: pass a
    ``next_update`` in the past). ``sign_with`` signs with another key (a bad signature).
    """
    moment = _now(now)
    signer_cert = responder if responder is not None else issuer
    cert_status = {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }[status]
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=certificate,
        issuer=issuer.certificate,
        algorithm=hashes.SHA1(),
        cert_status=cert_status,
        this_update=this_update if this_update is not None else moment - STATUS_BACKDATE,
        next_update=next_update if next_update is not None else moment + STATUS_LIFETIME,
        revocation_time=moment - STATUS_BACKDATE if status == "revoked" else None,
        revocation_reason=revocation_reason if status == "revoked" else None,
    )
    if sign_with is None:
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer_cert.certificate)
    else:
        # cryptography refuses to sign with a key that does not match the responder certificate: name the signer
        # through a stand-in certificate with the same subject and the other key (a forged response).
        stand_in = _build(
            subject=signer_cert.certificate.subject,
            key=sign_with,
            issuer=None,
            not_before=moment - STATUS_BACKDATE,
            not_after=moment + STATUS_LIFETIME,
            extensions=(),
            sign_with=None,
            authority_key_identifier=False,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.NAME, stand_in.certificate)
    if responder is not None:
        builder = builder.certificates([responder.certificate])
    key = sign_with if sign_with is not None else signer_cert.key
    response = builder.sign(key, _signature_hash(key))
    return response.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class RevocationPKI:
    """Revoked certificates, CRLs and OCSP responses on top of a :class:`TestPKI` (same root and intermediate).

    ``revoked_leaf``: a server leaf listed in ``intermediate_crl``. ``revoked_intermediate``: an intermediate
    CA listed in ``root_crl``, with ``leaf_under_revoked_intermediate`` below it. OCSP responses (DER) about
    ``pki.server_ecdsa``: ``ocsp_good`` (signed by the intermediate), ``ocsp_delegated`` (good, signed by
    ``responder``), ``ocsp_stale`` (nextUpdate 3 days before ``now``); ``ocsp_revoked`` is about
    ``revoked_leaf``; ``ocsp_other`` is a good response about ``pki.server_rsa`` (staple it with the ECDSA leaf
    for "a response for another certificate").
    """

    __test__ = False  # not a pytest test class

    pki: TestPKI
    revoked_leaf: IssuedCertificate
    revoked_intermediate: IssuedCertificate
    leaf_under_revoked_intermediate: IssuedCertificate
    intermediate_crl: x509.CertificateRevocationList
    root_crl: x509.CertificateRevocationList
    responder: IssuedCertificate
    ocsp_good: bytes
    ocsp_revoked: bytes
    ocsp_stale: bytes
    ocsp_other: bytes
    ocsp_delegated: bytes

    @property
    def crls(self) -> tuple[x509.CertificateRevocationList, ...]:
        return (self.intermediate_crl, self.root_crl)

    def write(self, directory: Path) -> dict[str, Path]:
        """Write the files into ``directory``; returns {description: path}."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)

        def crl_pem(crl: x509.CertificateRevocationList) -> bytes:
            return crl.public_bytes(serialization.Encoding.PEM)

        files: dict[str, Path] = {}

        def pair(stem: str, cred: IssuedCertificate, what: str) -> None:
            files[f"{what} (leaf + chain)"] = _write(directory / f"{stem}.pem", cred.cert_pem())
            files[f"its private key ({stem})"] = _write(directory / f"{stem}.key", cred.key_pem(), private=True)

        pair("revoked-server", self.revoked_leaf, "server certificate revoked by the intermediate's CRL")
        files["intermediate CA revoked by the root's CRL"] = _write(
            directory / "revoked-intermediate.pem", self.revoked_intermediate.cert_pem(with_chain=False)
        )
        pair("server-under-revoked-intermediate", self.leaf_under_revoked_intermediate, "server certificate under it")
        files["CRL of the intermediate CA (lists revoked-server)"] = _write(
            directory / "intermediate.crl.pem", crl_pem(self.intermediate_crl)
        )
        files["CRL of the root CA (lists revoked-intermediate)"] = _write(
            directory / "root.crl.pem", crl_pem(self.root_crl)
        )
        files["delegated OCSP responder certificate"] = _write(
            directory / "ocsp-responder.pem", self.responder.cert_pem(with_chain=False)
        )
        for stem, data, what in (
            ("ocsp-good", self.ocsp_good, "OCSP response: server-ecdsa good (for --ocsp-response)"),
            ("ocsp-delegated", self.ocsp_delegated, "OCSP response: server-ecdsa good, by the delegated responder"),
            ("ocsp-revoked", self.ocsp_revoked, "OCSP response: revoked-server revoked"),
            ("ocsp-stale", self.ocsp_stale, "OCSP response: server-ecdsa, stale (nextUpdate passed)"),
            ("ocsp-other", self.ocsp_other, "OCSP response: about server-rsa (wrong for server-ecdsa)"),
        ):
            files[what] = _write(directory / f"{stem}.der", data)
        return files


def make_revocation_pki(pki: TestPKI) -> RevocationPKI:
    """Revoked certificates, the CRLs that revoke them and OCSP responses, for ``pki`` at ``pki.now``."""
    now = pki.now
    cn = leaf_common_name(pki.hosts)
    revoked_leaf = issue_certificate(
        pki.intermediate, hosts=pki.hosts, now=now, key_name="revoked-server", common_name=cn
    )
    revoked_intermediate = make_ca("glasstls revoked intermediate CA", issuer=pki.root, now=now, path_length=0)
    leaf_under = issue_certificate(
        revoked_intermediate, hosts=pki.hosts, now=now, key_name="server-under-revoked", common_name=cn
    )
    responder = make_ocsp_responder(pki.intermediate, now=now)
    leaf = pki.server_ecdsa.certificate
    return RevocationPKI(
        pki=pki,
        revoked_leaf=revoked_leaf,
        revoked_intermediate=revoked_intermediate,
        leaf_under_revoked_intermediate=leaf_under,
        intermediate_crl=make_crl(pki.intermediate, revoked=[revoked_leaf.certificate], now=now),
        root_crl=make_crl(pki.root, revoked=[revoked_intermediate.certificate], now=now),
        responder=responder,
        ocsp_good=make_ocsp_response(leaf, pki.intermediate, now=now),
        ocsp_revoked=make_ocsp_response(revoked_leaf.certificate, pki.intermediate, status="revoked", now=now),
        ocsp_stale=make_ocsp_response(
            leaf,
            pki.intermediate,
            now=now,
            this_update=now - timedelta(days=10),
            next_update=now - timedelta(days=3),
        ),
        ocsp_other=make_ocsp_response(pki.server_rsa.certificate, pki.intermediate, now=now),
        ocsp_delegated=make_ocsp_response(leaf, pki.intermediate, now=now, responder=responder),
    )
