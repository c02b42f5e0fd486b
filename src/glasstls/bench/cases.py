"""The cases measured, the plans (default and quick), and the certificates both contenders use."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from glasstls.config import CertificateChain
from glasstls.pki.testpki import TestPKI, TestPKIFiles, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion

HOST = "localhost"
CertKind = Literal["ecdsa", "rsa"]
Contender = Literal["glasstls", "ssl", "floor"]
CONTENDERS: tuple[Contender, ...] = ("glasstls", "ssl", "floor")
Resume = Literal["ticket", "session ID", "psk_dhe_ke"]

CERT_KINDS: dict[CertKind, str] = {"ecdsa": "ECDSA P-256", "rsa": "RSA-2048"}
BULK_SUITES: dict[str, CipherSuite] = {
    "AES-128-GCM": CipherSuite.TLS_AES_128_GCM_SHA256,
    "ChaCha20-Poly1305": CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
}
HANDSHAKE_SUITE = CipherSuite.TLS_AES_128_GCM_SHA256
TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12
#: The groups offered: TLS 1.3 offers (and sends a key share for) x25519 only; TLS 1.2 offers x25519 and
#: P-256, which the ECDSA P-256 certificate needs in supported_groups (RFC 8422 section 5.1).
GROUPS13: tuple[NamedGroup, ...] = (NamedGroup.X25519,)
GROUPS12: tuple[NamedGroup, ...] = (NamedGroup.X25519, NamedGroup.SECP256R1)
RECORD = 16 * 1024
WRITE = 64 * 1024

#: The issue's targets (issue 3, "make bench"); the handshake target is applied to every handshake row.
HANDSHAKE_TARGET = 1.5  # glasstls handshake time at most 1.5x ssl's
BULK_TARGET = 1.0  # glasstls throughput at least ssl's


@dataclass(frozen=True)
class Case:
    """One kind of handshake measured: ``resume`` None for a full handshake."""

    key: str
    metric: str
    version: ProtocolVersion
    cert: CertKind
    suite: CipherSuite
    resume: Resume | None = None

    @property
    def rsa_key_exchange(self) -> bool:
        return self.suite == CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256

    @property
    def group(self) -> NamedGroup | None:
        """The group the handshake must use (None: the RSA key exchange, or a TLS 1.2 resumption)."""
        if self.rsa_key_exchange or (self.version == TLS12 and self.resume is not None):
            return None
        return NamedGroup.X25519


CASES: tuple[Case, ...] = (
    Case("handshake_ecdsa", "TLS 1.3 full, x25519 + ECDSA P-256", TLS13, "ecdsa", HANDSHAKE_SUITE),
    Case("handshake_rsa", "TLS 1.3 full, x25519 + RSA-2048", TLS13, "rsa", HANDSHAKE_SUITE),
    Case(
        "handshake12_ecdhe_ecdsa",
        "TLS 1.2 full, ECDHE x25519 + ECDSA P-256",
        TLS12,
        "ecdsa",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    Case(
        "handshake12_ecdhe_rsa",
        "TLS 1.2 full, ECDHE x25519 + RSA-2048",
        TLS12,
        "rsa",
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    Case(
        "handshake12_rsa_kx",
        "TLS 1.2 full, RSA key exchange, RSA-2048",
        TLS12,
        "rsa",
        CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
    ),
    Case(
        "resume12_ticket",
        "TLS 1.2 resumed, session ticket",
        TLS12,
        "ecdsa",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ticket",
    ),
    Case(
        "resume12_session_id",
        "TLS 1.2 resumed, session ID",
        TLS12,
        "ecdsa",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "session ID",
    ),
    Case("resume13_psk_dhe", "TLS 1.3 resumed, PSK ticket + x25519", TLS13, "ecdsa", HANDSHAKE_SUITE, "psk_dhe_ke"),
)
CASES_BY_KEY = {case.key: case for case in CASES}


@dataclass(frozen=True)
class Plan:
    handshake_rounds: int
    handshake_batch: int
    bulk_rounds: int
    bulk_bytes: int
    memory_pairs: int
    memory_repeats: int
    profile_handshakes: int
    import_rounds: int


QUICK = Plan(3, 2, 3, 1 << 20, 50, 1, 20, 2)
DEFAULT = Plan(70, 15, 30, 16 << 20, 600, 2, 300, 15)


class BenchError(RuntimeError):
    """A handshake that did not do what the case measures (wrong suite, not resumed, stalled...)."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the certificates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """The test PKI, its files (for ssl), and the glasstls objects built from them."""

    pki: TestPKI
    files: TestPKIFiles
    trust: TrustStore

    def chain(self, kind: CertKind) -> CertificateChain:
        ic = self.pki.server_ecdsa if kind == "ecdsa" else self.pki.server_rsa
        return CertificateChain((ic.certificate, *ic.chain), ic.key)

    def cert_files(self, kind: CertKind) -> tuple[Path, Path]:
        cred = self.files.server_ecdsa if kind == "ecdsa" else self.files.server_rsa
        return cred.cert, cred.key


def make_material(directory: Path) -> Material:
    pki = make_test_pki((HOST,), directory=directory)
    assert pki.files is not None
    return Material(pki, pki.files, pki.trust_store())
