"""TLS 1.3 cipher suites (RFC 8446 section B.4) and the AEAD wrapper used by the record layer.

A TLS 1.3 suite names an AEAD and a hash, nothing more (RFC 8446 section 4.1.1): the key exchange and the
signature are negotiated separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from glasstls import errors
from glasstls.wire.enums import CipherSuite

# One HashAlgorithm instance per name, shared by everything in crypto/ (they are stateless).
_HASH_ALGORITHMS: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """The (shared) cryptography ``HashAlgorithm`` for ``"sha256"``, ``"sha384"`` or ``"sha512"``."""
    try:
        return _HASH_ALGORITHMS[name]
    except KeyError:
        raise errors.InternalError(f"unknown hash {name!r}") from None


class Aead(Protocol):
    """An AEAD keyed for one direction; the record layer builds the nonce (RFC 8446 section 5.3). The text may
    be a memoryview (a record still in the receive buffer, a slice of the application's data): no copy."""

    def encrypt(self, nonce: bytes, plaintext: bytes | memoryview, aad: bytes) -> bytes: ...

    def decrypt(self, nonce: bytes, ciphertext: bytes | memoryview, aad: bytes) -> bytes: ...


class _CryptographyAead:
    """Wraps a cryptography AEAD object; decrypt failures become ``BadRecordMac`` (RFC 8446 section 5.2)."""

    __slots__ = ("_decrypt", "_name", "encrypt")

    def __init__(self, name: str, impl: AESGCM | ChaCha20Poly1305) -> None:
        self._name = name
        # Bound methods, looked up once: this is called once per record.
        self.encrypt = impl.encrypt
        self._decrypt = impl.decrypt

    def decrypt(self, nonce: bytes, ciphertext: bytes | memoryview, aad: bytes) -> bytes:
        try:
            return self._decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            # RFC 8446 section 5.2: "If the decryption fails, the receiver MUST terminate the connection
            # with a bad_record_mac alert."
            raise errors.BadRecordMac("record authentication failed", step="record layer") from None

    def __repr__(self) -> str:
        return f"<Aead {self._name}>"


@dataclass(frozen=True)
class Tls13CipherSuite:
    """One TLS 1.3 cipher suite: its AEAD parameters and its hash (RFC 8446 sections 5.2, 7.1, B.4).

    ``confidentiality_limit`` is the number of records that may be protected under one key before a key
    update is required (RFC 8446 section 5.5).
    """

    suite: CipherSuite
    aead_name: str
    hash_name: str
    hash_len: int
    key_len: int
    confidentiality_limit: int
    iv_len: int = 12
    tag_len: int = 16

    def aead(self, key: bytes) -> Aead:
        if len(key) != self.key_len:
            raise errors.InternalError(f"{self.suite}: key of {len(key)} bytes, expected {self.key_len}")
        impl = ChaCha20Poly1305(key) if self.aead_name == "ChaCha20-Poly1305" else AESGCM(key)
        return _CryptographyAead(self.aead_name, impl)

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        return _HASH_ALGORITHMS[self.hash_name]

    def hash(self, data: bytes) -> bytes:
        h = hashes.Hash(_HASH_ALGORITHMS[self.hash_name])
        h.update(data)
        return h.finalize()

    def __str__(self) -> str:
        return str(self.suite)


# RFC 8446 section 5.5: "For AES-GCM, up to 2^24.5 full-size records (about 24 million) may be encrypted
# on a given connection while keeping a safety margin of approximately 2^-57 for Authenticated
# Encryption (AE) security." We round down to 2^24.
_AES_GCM_LIMIT = 2**24
# RFC 8446 section 5.5: "For ChaCha20/Poly1305, the record sequence number would wrap before the safety
# limit is reached." The sequence number is 64 bits; 2^62 stands for "no practical limit" while staying
# below the wrap, so the record layer's single limit check covers both AEADs.
_CHACHA20_LIMIT = 2**62

TLS13_SUITES: dict[CipherSuite, Tls13CipherSuite] = {
    s.suite: s
    for s in (
        Tls13CipherSuite(CipherSuite.TLS_AES_128_GCM_SHA256, "AES-128-GCM", "sha256", 32, 16, _AES_GCM_LIMIT),
        Tls13CipherSuite(CipherSuite.TLS_AES_256_GCM_SHA384, "AES-256-GCM", "sha384", 48, 32, _AES_GCM_LIMIT),
        Tls13CipherSuite(
            CipherSuite.TLS_CHACHA20_POLY1305_SHA256, "ChaCha20-Poly1305", "sha256", 32, 32, _CHACHA20_LIMIT
        ),
    )
}

# Our preference order. AES-256-GCM first (the larger key, and AES-NI makes it as fast as AES-128 on
# common hardware), then ChaCha20-Poly1305 (fast in software, constant-time without AES-NI), then
# AES-128-GCM (mandatory to implement, RFC 8446 section 9.1, so every peer has it). This is the order
# Go's crypto/tls uses on hardware with AES support; rustls puts AES-256 first too.
DEFAULT_TLS13_SUITES: tuple[CipherSuite, ...] = (
    CipherSuite.TLS_AES_256_GCM_SHA384,
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite.TLS_AES_128_GCM_SHA256,
)
