"""Trust stores: the set of trust anchors a chain must end at (RFC 5280 section 6.1.1 (d)).

A :class:`TrustStore` is a frozen tuple of root certificates plus ``source``, a plain description of where
they came from, so that an "unknown CA" error can say *which* store did not contain the root.

Loading a store is the caller's configuration, not peer input: problems raise
:class:`~glasstls.errors.ConfigError` when the store is built, never mid-handshake. Within a bundle or
directory, blocks that are not readable certificates are skipped (system bundles can hold certificates that
a strict parser refuses) and counted in ``source``.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import ssl
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import Store

from glasstls.crypto.keys import certificate_der
from glasstls.errors import ConfigError

__all__ = ["SYSTEM_BUNDLE_PATHS", "TrustStore", "load_certificates_from_bytes"]

#: Where operating systems keep their CA bundle, most common first.
SYSTEM_BUNDLE_PATHS: tuple[str, ...] = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine (ca-certificates), Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # RHEL 7+ extracted bundle
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
    "/etc/ssl/cert.pem",  # macOS, Alpine, OpenBSD, FreeBSD
    "/usr/local/etc/openssl/cert.pem",  # Homebrew OpenSSL on macOS
    "/usr/local/share/certs/ca-root-nss.crt",  # FreeBSD ca_root_nss
)

_PEM_BLOCK = re.compile(
    rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----.+?-----END (?:X509 |TRUSTED )?CERTIFICATE-----",
    re.DOTALL,
)
# OpenSSL c_rehash names: 8 hex digits, a dot, a counter (e.g. 002c0b4f.0); ".r0" files are CRLs.
_HASHED_NAME = re.compile(r"^[0-9a-f]{8}\.[0-9]+$")
_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def load_certificates_from_bytes(data: bytes) -> tuple[list[x509.Certificate], int]:
    """Certificates in ``data`` (PEM, any number of blocks, or one DER certificate) and the count skipped.

    A block that does not parse is skipped, not fatal. OpenSSL "TRUSTED CERTIFICATE" blocks carry trust
    settings after the certificate; the certificate itself is read and the settings ignored.
    """
    certs: list[x509.Certificate] = []
    skipped = 0
    if b"-----BEGIN" in data:
        for match in _PEM_BLOCK.finditer(data):
            block = match.group(0)
            if b"TRUSTED CERTIFICATE" in block.split(b"\n", 1)[0]:
                block = re.sub(rb"(BEGIN|END) TRUSTED CERTIFICATE", rb"\1 CERTIFICATE", block)
            elif b"X509 CERTIFICATE" in block.split(b"\n", 1)[0]:
                block = re.sub(rb"(BEGIN|END) X509 CERTIFICATE", rb"\1 CERTIFICATE", block)
            cert = _parse(x509.load_pem_x509_certificate, block)
            if cert is None:
                skipped += 1
            else:
                certs.append(cert)
        return certs, skipped
    cert = _parse(x509.load_der_x509_certificate, data)
    if cert is None:
        return certs, 1
    return [cert], 0


def _parse(loader: Callable[[bytes], x509.Certificate], data: bytes) -> x509.Certificate | None:
    # Old roots in system bundles can have non-positive serial numbers; cryptography still reads them with a
    # deprecation warning, which is noise to our users: the chain verifier decides whether they are usable.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        try:
            return loader(data)
        except ValueError:
            return None


def _dedupe(certs: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    seen: set[bytes] = set()
    out: list[x509.Certificate] = []
    for cert in certs:
        der = cert.public_bytes(Encoding.DER)
        if der not in seen:
            seen.add(der)
            out.append(cert)
    return tuple(out)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _describe(kind: str, where: object, count: int, skipped: int) -> str:
    text = f"{kind} {where} ({_plural(count, 'certificate')}"
    if skipped:
        text += f", {skipped} unreadable skipped"
    return text + ")"


@dataclass(frozen=True)
class TrustStore:
    """Trust anchors and a plain description of their origin.

    ``certificates``: the anchors, duplicates removed, never empty.
    ``source``: e.g. ``"file /etc/ssl/certs/ca.pem (3 certificates)"``, shown in "unknown CA" errors.
    """

    certificates: tuple[x509.Certificate, ...]
    source: str
    _der: frozenset[bytes] = field(init=False, repr=False, compare=False)
    #: The identities of the anchor objects (the store holds them, so the ids stay theirs): the same objects
    #: come back from path building, and are found without encoding them.
    _ids: frozenset[int] = field(init=False, repr=False, compare=False)
    # Made on first use and kept (fingerprint, to_store): fields set once, not cached_property, which needs an
    # instance __dict__ (a compiled class has none: it would build the Store again on every verification).
    _fingerprint: str | None = field(init=False, repr=False, compare=False)
    _store: Store | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.certificates:
            raise ConfigError(f"the trust store from {self.source} holds no certificates")
        object.__setattr__(self, "_der", frozenset(certificate_der(c) for c in self.certificates))
        object.__setattr__(self, "_ids", frozenset(id(c) for c in self.certificates))
        object.__setattr__(self, "_fingerprint", None)
        object.__setattr__(self, "_store", None)

    # -- constructors ------------------------------------------------------------------------------------

    @classmethod
    def from_certificates(cls, certs: Iterable[x509.Certificate], source: str = "in-memory") -> TrustStore:
        return cls(certificates=_dedupe(certs), source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, kind: str = "file") -> TrustStore:
        """All certificates in a PEM bundle, or the one certificate in a DER file."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the trust store file {p}: {exc.strerror or exc}") from exc
        certs, skipped = load_certificates_from_bytes(data)
        if not certs:
            raise ConfigError(f"the trust store file {p} holds no readable certificates")
        unique = _dedupe(certs)
        return cls(certificates=unique, source=_describe(kind, p, len(unique), skipped))

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str]) -> TrustStore:
        """Every certificate file in a directory: ``*.pem``, ``*.crt``, ``*.cer``, ``*.der`` and OpenSSL
        hashed names (``002c0b4f.0``). Unreadable files and non-certificates are skipped."""
        p = Path(path)
        if not p.is_dir():
            raise ConfigError(f"the trust store directory {p} does not exist or is not a directory")
        certs: list[x509.Certificate] = []
        skipped = 0
        for entry in sorted(p.iterdir()):
            name = entry.name
            if not (name.lower().endswith(_CERT_SUFFIXES) or _HASHED_NAME.match(name)):
                continue
            try:
                if not entry.is_file():
                    continue
                data = entry.read_bytes()
            except OSError:
                skipped += 1
                continue
            found, bad = load_certificates_from_bytes(data)
            certs.extend(found)
            skipped += bad
        unique = _dedupe(certs)
        if not unique:
            raise ConfigError(f"the trust store directory {p} holds no readable certificates")
        return cls(certificates=unique, source=_describe("directory", p, len(unique), skipped))

    @classmethod
    def system(cls) -> TrustStore:
        """The operating system's CA bundle: ``SSL_CERT_FILE`` / OpenSSL's default, then the usual paths,
        then OpenSSL's default directory."""
        defaults = ssl.get_default_verify_paths()
        files: list[str] = []
        for candidate in (defaults.cafile, defaults.openssl_cafile, *SYSTEM_BUNDLE_PATHS):
            if candidate and candidate not in files:
                files.append(candidate)
        for candidate in files:
            if os.path.isfile(candidate):
                try:
                    return cls.from_file(candidate, kind="system store")
                except ConfigError:
                    continue
        for directory in (defaults.capath, defaults.openssl_capath):
            if directory and os.path.isdir(directory):
                try:
                    store = cls.from_directory(directory)
                except ConfigError:
                    continue
                return cls(certificates=store.certificates, source="system store " + store.source)
        raise ConfigError(
            "no system trust store found (looked for "
            + ", ".join(files)
            + "); install the ca-certificates package, or pass a CA file with --cafile"
        )

    @classmethod
    def certifi(cls) -> TrustStore:
        """Mozilla's CA bundle as packaged by ``certifi`` (imported only when asked for)."""
        try:
            # Looked up in sys.modules each time (a compiled ``import`` statement keeps the module it found once).
            certifi = importlib.import_module("certifi")
        except ImportError as exc:
            raise ConfigError("the certifi package is not installed (pip install certifi)") from exc
        path = str(certifi.where())
        version = str(getattr(certifi, "__version__", "unknown version"))
        store = cls.from_file(path)
        return cls(
            certificates=store.certificates,
            source=f"certifi {version} ({path}, {_plural(len(store.certificates), 'certificate')})",
        )

    # -- use ---------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.certificates)

    def __contains__(self, cert: object) -> bool:
        """Whether ``cert`` is one of the anchors: the same object, or a certificate with the same DER."""
        if id(cert) in self._ids:
            return True
        return isinstance(cert, x509.Certificate) and certificate_der(cert) in self._der

    def with_subject(self, name: x509.Name) -> tuple[x509.Certificate, ...]:
        """The anchors whose subject is ``name`` (candidate issuers of a certificate issued by ``name``)."""
        return tuple(c for c in self.certificates if c.subject == name)

    @property
    def fingerprint(self) -> str:
        """SHA-256 over the anchors' DER, sorted: two stores with the same anchors have the same fingerprint,
        whatever their ``source`` (what a resumed session records as "verified against", issue 9)."""
        fingerprint = self._fingerprint
        if fingerprint is None:
            fingerprint = hashlib.sha256(b"".join(sorted(self._der))).hexdigest()
            object.__setattr__(self, "_fingerprint", fingerprint)
        return fingerprint

    def to_store(self) -> Store:
        """The anchors as a ``cryptography.x509.verification.Store`` (built once, then kept)."""
        store = self._store
        if store is None:
            store = Store(list(self.certificates))
            object.__setattr__(self, "_store", store)
        return store
