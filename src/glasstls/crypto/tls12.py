"""TLS 1.2 cipher suites (RFC 5246 appendix A.5, RFC 5288, RFC 5289, RFC 7905, RFC 8422).

A TLS 1.2 suite names the key exchange, the record cipher and the PRF hash together (RFC 5246 appendix
A.5). The RSA key exchange has no forward secrecy and the CBC suites are legacy: both are opt-in
(``allow_rsa_key_exchange``, ``allow_legacy_cbc`` in the configs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import hashes

from glasstls.crypto.suites import hash_algorithm
from glasstls.wire.enums import CipherSuite

KeyExchangeKind = Literal["ECDHE_ECDSA", "ECDHE_RSA", "RSA"]

_HASH_LEN = {"sha256": 32, "sha384": 48}


@dataclass(frozen=True)
class Tls12CipherSuite:
    """One TLS 1.2 cipher suite: key exchange, record protection and PRF hash."""

    suite: CipherSuite
    key_exchange: KeyExchangeKind
    cipher_name: str
    hash_name: str
    key_len: int
    fixed_iv_len: int
    record_iv_len: int
    mac_name: str | None = None
    mac_key_len: int = 0
    legacy: bool = False

    @property
    def forward_secret(self) -> bool:
        return self.key_exchange != "RSA"

    @property
    def is_aead(self) -> bool:
        return self.mac_name is None

    @property
    def hash_len(self) -> int:
        return _HASH_LEN[self.hash_name]

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        return hash_algorithm(self.hash_name)

    def hash(self, data: bytes) -> bytes:
        h = hashes.Hash(self.hash_algorithm())
        h.update(data)
        return h.finalize()

    def __str__(self) -> str:
        return str(self.suite)


_S = CipherSuite


def _gcm(suite: CipherSuite, kx: KeyExchangeKind, bits: int) -> Tls12CipherSuite:
    # RFC 5288 section 3 / RFC 5289 section 3.2: 4-byte salt, 8-byte explicit nonce; AES-256-GCM uses SHA-384.
    return Tls12CipherSuite(suite, kx, f"AES-{bits}-GCM", "sha384" if bits == 256 else "sha256", bits // 8, 4, 8)


def _chacha(suite: CipherSuite, kx: KeyExchangeKind) -> Tls12CipherSuite:
    # RFC 7905 section 2: 12-byte fixed IV XORed with the sequence number; no explicit nonce.
    return Tls12CipherSuite(suite, kx, "ChaCha20-Poly1305", "sha256", 32, 12, 0)


def _cbc(suite: CipherSuite, kx: KeyExchangeKind, bits: int) -> Tls12CipherSuite:
    # RFC 5246 section 6.2.3.2: explicit 16-byte IV per record; HMAC-SHA1; the TLS 1.2 PRF with SHA-256.
    return Tls12CipherSuite(suite, kx, f"AES-{bits}-CBC", "sha256", bits // 8, 0, 16, "sha1", 20, True)


TLS12_SUITES: dict[CipherSuite, Tls12CipherSuite] = {
    s.suite: s
    for s in (
        _gcm(_S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE_ECDSA", 128),
        _gcm(_S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE_ECDSA", 256),
        _chacha(_S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE_ECDSA"),
        _gcm(_S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE_RSA", 128),
        _gcm(_S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE_RSA", 256),
        _chacha(_S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE_RSA"),
        _gcm(_S.TLS_RSA_WITH_AES_128_GCM_SHA256, "RSA", 128),
        _gcm(_S.TLS_RSA_WITH_AES_256_GCM_SHA384, "RSA", 256),
        _cbc(_S.TLS_RSA_WITH_AES_128_CBC_SHA, "RSA", 128),
        _cbc(_S.TLS_RSA_WITH_AES_256_CBC_SHA, "RSA", 256),
        _cbc(_S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE_ECDSA", 128),
        _cbc(_S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE_ECDSA", 256),
        _cbc(_S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE_RSA", 128),
        _cbc(_S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE_RSA", 256),
    )
}

#: The TLS 1.2 suites offered and accepted by default: forward-secret ECDHE with an AEAD, in the same
#: order of preference as the TLS 1.3 suites (AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM), ECDSA first.
DEFAULT_TLS12_SUITES: tuple[CipherSuite, ...] = (
    _S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
)

#: RSA key exchange with an AEAD: no forward secrecy (opt-in: ``allow_rsa_key_exchange``).
RSA_KEY_EXCHANGE_SUITES: tuple[CipherSuite, ...] = (
    _S.TLS_RSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_RSA_WITH_AES_128_GCM_SHA256,
)

#: CBC with HMAC-SHA1 (opt-in: ``allow_legacy_cbc``; the RSA ones also need ``allow_rsa_key_exchange``).
#: TLS_RSA_WITH_AES_128_CBC_SHA is the suite RFC 5246 section 9 makes mandatory to implement.
LEGACY_CBC_SUITES: tuple[CipherSuite, ...] = (
    _S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    _S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    _S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    _S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    _S.TLS_RSA_WITH_AES_256_CBC_SHA,
    _S.TLS_RSA_WITH_AES_128_CBC_SHA,
)
