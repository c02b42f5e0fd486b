"""CRLs from files and directories (configuration, not peer input): what ``--crl`` and
``ClientConfig.crls`` / ``ServerConfig.client_crls`` are loaded from. Checking a chain against them is
:mod:`glasstls.pki.revocation`'s job."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509

from glasstls.errors import ConfigError

__all__ = ["MAX_CRLS", "load_crl_file", "load_crls"]

#: The most CRLs read from one directory or file (a named limit; real deployments have a handful).
MAX_CRLS = 4096

_PEM_CRL = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----", re.DOTALL)
# OpenSSL c_rehash names CRLs <hash>.r<n>.
_HASHED_CRL = re.compile(r"^[0-9a-f]{8}\.r[0-9]+$")
_CRL_SUFFIXES = (".crl", ".pem", ".der", ".crl.pem")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the CRL file {path}: {exc.strerror or exc}") from exc


def _crls_from_bytes(data: bytes, where: str) -> list[x509.CertificateRevocationList]:
    try:
        if b"-----BEGIN" in data:
            return [x509.load_pem_x509_crl(block.group(0)) for block in _PEM_CRL.finditer(data)]
        return [x509.load_der_x509_crl(data)]
    except ValueError as exc:
        raise ConfigError(f"{where} holds a CRL that cannot be read: {exc}") from exc


def load_crl_file(path: str | os.PathLike[str]) -> tuple[x509.CertificateRevocationList, ...]:
    """The CRLs in one file: PEM (any number of ``X509 CRL`` blocks) or one DER CRL. ConfigError if none."""
    p = Path(path)
    crls = _crls_from_bytes(_read(p), f"the CRL file {p}")
    if not crls:
        raise ConfigError(f"the file {p} holds no CRL (expected PEM 'X509 CRL' blocks or DER)")
    return tuple(crls)


def load_crls(paths: Iterable[str | os.PathLike[str]]) -> tuple[x509.CertificateRevocationList, ...]:
    """CRLs from files and directories. A named file must hold a CRL (ConfigError otherwise). In a directory,
    ``*.crl``, ``*.pem``, ``*.der`` and OpenSSL hashed names (``1a2b3c4d.r0``) are read, and files that hold no
    readable CRL are skipped (a CA directory may also hold certificates)."""
    out: list[x509.CertificateRevocationList] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for entry in sorted(p.iterdir()):
                name = entry.name.lower()
                if not (name.endswith(_CRL_SUFFIXES) or _HASHED_CRL.match(entry.name)) or not entry.is_file():
                    continue
                data = _read(entry)
                try:
                    out.extend(_crls_from_bytes(data, f"the CRL file {entry}"))
                except ConfigError:
                    continue  # a directory may also hold certificates, keys, OCSP responses: not CRLs, skipped
        else:
            out.extend(load_crl_file(p))
        if len(out) > MAX_CRLS:
            raise ConfigError(f"more than {MAX_CRLS} CRLs configured")
    return tuple(out)
