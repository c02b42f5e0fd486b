"""TLS 1.2 cipher suites, key derivation and the RSA key exchange.

Suites (RFC 5246 appendix A.5, RFC 5288, RFC 5289, RFC 7905, RFC 8422): a TLS 1.2 suite names the key
exchange, the record cipher and the PRF hash together. The RSA key exchange has no forward secrecy and the
CBC suites are legacy: both are opt-in (``allow_rsa_key_exchange``, ``allow_legacy_cbc`` in the configs). So is
finite-field DHE (``allow_dhe``: RFC 7919 groups only, RFC 5288 / RFC 7905 suites).

Key derivation, each step with its section of RFC 5246 (or the RFC named)::

    master_secret = PRF(pre_master_secret, "master secret",
                        ClientHello.random + ServerHello.random)[0..47]            (section 8.1)
      or, with the extended master secret (RFC 7627 section 4):
    master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]

    key_block = PRF(master_secret, "key expansion",
                    server_random + client_random)                                  (section 6.3)
      = client_write_MAC_key | server_write_MAC_key | client_write_key | server_write_key
        | client_write_IV | server_write_IV

    verify_data = PRF(master_secret, "client finished" | "server finished",
                      Hash(handshake_messages))[0..11]                              (section 7.4.9)

    exporter = PRF(master_secret, label, client_random + server_random
                   [+ context_value_length + context_value])                        (RFC 5705 section 4)

PRF(secret, label, seed) is the TLS 1.2 PRF of RFC 5246 section 5 with the suite's hash
(:func:`glasstls.crypto.key_schedule.tls12_prf`).

The record ciphers are handed to :mod:`glasstls.record.protection12` as small objects (``Aead``,
:class:`CbcCipher`, :class:`RecordMac`) so that the record layer never imports ``cryptography``.
"""

from __future__ import annotations

import hmac as _stdlib_hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from glasstls import errors
from glasstls.crypto.key_schedule import tls12_prf
from glasstls.crypto.keys import PrivateKey, PublicKey
from glasstls.crypto.suites import Aead, _CryptographyAead, hash_algorithm
from glasstls.wire.enums import CipherSuite

KeyExchangeKind = Literal["ECDHE_ECDSA", "ECDHE_RSA", "DHE_RSA", "RSA"]

_HASH_LEN = {"sha256": 32, "sha384": 48}
_SHA1 = hashes.SHA1()
#: RFC 5246 section 8.1: the master secret is always exactly 48 bytes.
MASTER_SECRET_LEN = 48
#: RFC 5246 section 7.4.9: verify_data_length is 12 for every cipher suite glasstls knows.
VERIFY_DATA_LEN = 12
#: RFC 5246 sections 7.4.1.2 and 7.4.1.3: ClientHello.random and ServerHello.random are 32 bytes.
RANDOM_LEN = 32
#: RFC 5246 section 7.4.7.1: the RSA-encrypted PreMasterSecret is 48 bytes (version + 46 random bytes).
PREMASTER_LEN = 48
#: The AES block size, which is also the explicit CBC IV length (RFC 5246 section 6.2.3.2).
AES_BLOCK = 16
_MASK_46 = (1 << (8 * 46)) - 1


class CbcCipher(Protocol):
    """Raw AES-CBC for one direction, no padding (the record layer pads, RFC 5246 section 6.2.3.2)."""

    def encrypt(self, iv: bytes, data: bytes) -> bytes: ...

    def decrypt(self, iv: bytes, data: bytes) -> bytes: ...


class RecordMac(Protocol):
    """HMAC keyed for one direction (RFC 5246 section 6.2.3.1), plus what the Lucky13 countermeasure needs.

    ``compression_blocks(n)``: how many hash compression-function calls HMAC spends on an ``n``-byte message
    (inner and outer hash, key blocks included); ``dummy_compressions(k, filler)`` performs ``k`` calls on
    throw-away data (plus a constant number: it finalises like ``compute``, so that its blocks cost what real
    ones do). With both, the record layer can make the total work depend on the record length only.
    """

    mac_len: int

    def compute(self, data: bytes | memoryview) -> bytes: ...

    def compression_blocks(self, length: int) -> int: ...

    def dummy_compressions(self, count: int, filler: memoryview | None = None) -> None: ...


class _AesCbc:
    """AES-CBC with one key; a fresh cryptography context per record (the IV changes every record)."""

    __slots__ = ("_algorithm", "_name")

    def __init__(self, name: str, key: bytes) -> None:
        self._name = name
        self._algorithm = algorithms.AES(key)

    def encrypt(self, iv: bytes, data: bytes) -> bytes:
        try:
            encryptor = Cipher(self._algorithm, modes.CBC(iv)).encryptor()
            return encryptor.update(data) + encryptor.finalize()
        except ValueError as exc:  # not whole blocks, or a wrong IV length: a bug in the caller
            raise errors.InternalError(f"{self._name}: {exc}", step="record layer") from None

    def decrypt(self, iv: bytes, data: bytes) -> bytes:
        try:
            decryptor = Cipher(self._algorithm, modes.CBC(iv)).decryptor()
            return decryptor.update(data) + decryptor.finalize()
        except ValueError as exc:  # the record layer checks the lengths before it decrypts
            raise errors.InternalError(f"{self._name}: {exc}", step="record layer") from None

    def __repr__(self) -> str:
        return f"<CbcCipher {self._name}>"


class _Hmac:
    """HMAC with one key (keyed once, copied per record) and the compression-call arithmetic of its hash.

    A Merkle-Damgard hash with block size ``b`` and a length field of ``l`` bytes spends
    ``ceil((n + 1 + l) / b)`` compression calls on ``n`` bytes; HMAC hashes ``b`` key bytes + message (inner)
    and ``b`` key bytes + the inner digest (outer) (RFC 2104 section 2).
    """

    __slots__ = ("_algorithm", "_base", "_block", "_length_field", "_lengths", "_zeros", "mac_len")

    def __init__(self, algorithm: hashes.HashAlgorithm, key: bytes) -> None:
        self._algorithm = algorithm
        self._base = hmac.HMAC(key, algorithm)
        self.mac_len = algorithm.digest_size
        self._block = algorithm.block_size or 64
        self._length_field = 16 if self._block == 128 else 8
        # Throw-away input for dummy_compressions (enough for any record's padding difference).
        self._zeros = memoryview(bytes(self._block * 8))
        self._lengths = tuple(self._block * k for k in range(16))

    def compute(self, data: bytes | memoryview) -> bytes:
        h = self._base.copy()
        h.update(data)
        return h.finalize()

    def compression_blocks(self, length: int) -> int:
        b = self._block
        extra = 1 + self._length_field
        inner = (b + length + extra + b - 1) // b
        outer = (b + self.mac_len + extra + b - 1) // b
        return inner + outer

    def dummy_compressions(self, count: int, filler: memoryview | None = None) -> None:
        # The same steps as ``compute`` (a copy of the keyed HMAC, one update, finalize), whatever the count, so
        # that a dummy block costs what a real one does: on ``count`` whole blocks the copy, which has absorbed
        # its key block, makes ``count`` compression calls, plus a constant number to finalise (length block and
        # outer hash). ``filler``: the bytes to feed (at least count * block of them), so that the dummy work
        # reads the same memory as the real MAC (the caller's record buffer).
        # The byte count from a table: a product computed here would be a fresh integer above 256 and a cached
        # one below (CPython's small integers), a difference the caller's countermeasure must not show.
        lengths = self._lengths
        n = lengths[count] if 0 <= count < len(lengths) else self._block * max(count, 0)
        if filler is None or len(filler) < n:
            filler = self._zeros if n <= len(self._zeros) else memoryview(bytes(n))
        h = self._base.copy()
        h.update(filler[:n])
        h.finalize()

    def __repr__(self) -> str:
        return f"<RecordMac HMAC-{self._algorithm.name}>"


@dataclass(frozen=True)
class Tls12CipherSuite:
    """One TLS 1.2 cipher suite: key exchange, record protection and PRF hash.

    ``fixed_iv_len``: the implicit IV from the key block (GCM 4, RFC 5288 section 3; ChaCha20 12, RFC 7905
    section 2; CBC 0). ``record_iv_len``: the explicit per-record IV or nonce (GCM 8, ChaCha20 0, CBC 16).
    """

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

    @property
    def tag_len(self) -> int:
        """The AEAD tag length (16 for AES-GCM and ChaCha20-Poly1305); 0 for CBC suites."""
        return 16 if self.is_aead else 0

    @property
    def mac_len(self) -> int:
        """The record MAC length (20 for HMAC-SHA1); 0 for AEAD suites."""
        return self.mac_key_len

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        return hash_algorithm(self.hash_name)

    def hash(self, data: bytes) -> bytes:
        h = hashes.Hash(self.hash_algorithm())
        h.update(data)
        return h.finalize()

    def _check_key(self, what: str, key: bytes, expected: int) -> None:
        if len(key) != expected:
            raise errors.InternalError(f"{self.suite}: {what} of {len(key)} bytes, expected {expected}")

    def aead(self, key: bytes) -> Aead:
        """The record AEAD for one direction (decrypt failures raise ``BadRecordMac``)."""
        if not self.is_aead:
            raise errors.InternalError(f"{self.suite} is not an AEAD suite")
        self._check_key("key", key, self.key_len)
        impl = ChaCha20Poly1305(key) if self.cipher_name == "ChaCha20-Poly1305" else AESGCM(key)
        return _CryptographyAead(self.cipher_name, impl)

    def cbc(self, key: bytes) -> CbcCipher:
        """Raw AES-CBC for one direction (RFC 5246 section 6.2.3.2)."""
        if self.is_aead:
            raise errors.InternalError(f"{self.suite} is not a CBC suite")
        self._check_key("key", key, self.key_len)
        return _AesCbc(self.cipher_name, key)

    def mac(self, mac_key: bytes) -> RecordMac:
        """HMAC for one direction (RFC 5246 section 6.2.3.1; the CBC suites use HMAC-SHA1)."""
        if self.mac_name != "sha1":
            raise errors.InternalError(f"{self.suite} has no record MAC")
        self._check_key("MAC key", mac_key, self.mac_key_len)
        return _Hmac(_SHA1, mac_key)

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
        _gcm(_S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "DHE_RSA", 128),
        _gcm(_S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "DHE_RSA", 256),
        _chacha(_S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "DHE_RSA"),
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

#: Finite-field DHE with RSA signatures and an AEAD (RFC 5288, RFC 7905), over the RFC 7919 groups: forward
#: secret, but large shares and slow exchanges for nothing ECDHE lacks; for peers that have nothing else (opt-in:
#: ``allow_dhe``).
DHE_SUITES: tuple[CipherSuite, ...] = (
    _S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
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


# -- key derivation -------------------------------------------------------------------------------


def _check_len(what: str, value: bytes, expected: int) -> None:
    if len(value) != expected:
        raise errors.InternalError(f"{what} of {len(value)} bytes, expected {expected}")


def master_secret(suite: Tls12CipherSuite, premaster: bytes, client_random: bytes, server_random: bytes) -> bytes:
    """master_secret = PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]
    (RFC 5246 section 8.1)."""
    _check_len("client random", client_random, RANDOM_LEN)
    _check_len("server random", server_random, RANDOM_LEN)
    return tls12_prf(suite.hash_name, premaster, b"master secret", client_random + server_random, MASTER_SECRET_LEN)


def extended_master_secret(suite: Tls12CipherSuite, premaster: bytes, session_hash: bytes) -> bytes:
    """master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627 section 4).

    ``session_hash`` is the hash of the handshake messages up to and including the ClientKeyExchange
    (RFC 7627 section 3), with the suite's PRF hash.
    """
    return tls12_prf(suite.hash_name, premaster, b"extended master secret", session_hash, MASTER_SECRET_LEN)


@dataclass(frozen=True)
class DirectionKeys:
    """One direction's record keys from the key block (RFC 5246 section 6.3). Never in a repr."""

    mac_key: bytes = field(repr=False)
    key: bytes = field(repr=False)
    iv: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyBlock:
    """The key block split per direction: the client writes with ``client``, the server with ``server``."""

    client: DirectionKeys
    server: DirectionKeys


def key_block(suite: Tls12CipherSuite, master: bytes, client_random: bytes, server_random: bytes) -> KeyBlock:
    """RFC 5246 section 6.3::

        key_block = PRF(SecurityParameters.master_secret, "key expansion",
                        SecurityParameters.server_random + SecurityParameters.client_random);

    partitioned as client_write_MAC_key, server_write_MAC_key, client_write_key, server_write_key,
    client_write_IV, server_write_IV (the IVs are the implicit ones: RFC 5288 section 3, RFC 7905 section 2).
    """
    _check_len("master secret", master, MASTER_SECRET_LEN)
    _check_len("client random", client_random, RANDOM_LEN)
    _check_len("server random", server_random, RANDOM_LEN)
    m, k, i = suite.mac_key_len, suite.key_len, suite.fixed_iv_len
    block = tls12_prf(suite.hash_name, master, b"key expansion", server_random + client_random, 2 * (m + k + i))
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        pos += n
        return block[pos - n : pos]

    client_mac, server_mac = take(m), take(m)
    client_key, server_key = take(k), take(k)
    client_iv, server_iv = take(i), take(i)
    return KeyBlock(DirectionKeys(client_mac, client_key, client_iv), DirectionKeys(server_mac, server_key, server_iv))


def finished_verify_data(
    suite: Tls12CipherSuite, master: bytes, *, sender: Literal["client", "server"], handshake_hash: bytes
) -> bytes:
    """verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..verify_data_length-1]
    (RFC 5246 section 7.4.9); finished_label is "client finished" or "server finished". Compare the
    received value with :func:`glasstls.crypto.key_schedule.constant_time_equal`."""
    _check_len("master secret", master, MASTER_SECRET_LEN)
    if sender not in ("client", "server"):
        raise errors.InternalError(f"Finished sender must be 'client' or 'server', not {sender!r}")
    label = b"client finished" if sender == "client" else b"server finished"
    return tls12_prf(suite.hash_name, master, label, handshake_hash, VERIFY_DATA_LEN)


def export_keying_material(
    suite: Tls12CipherSuite,
    master: bytes,
    client_random: bytes,
    server_random: bytes,
    label: bytes,
    context: bytes | None,
    length: int,
) -> bytes:
    """Keying material exporter (RFC 5705 section 4)::

        PRF(SecurityParameters.master_secret, label,
            SecurityParameters.client_random + SecurityParameters.server_random
            [+ context_value_length (uint16) + context_value])[length]

    Unlike TLS 1.3, no context (``None``) and an empty context give different outputs (RFC 5705 section 4).
    """
    if context is not None and len(context) > 0xFFFF:
        raise errors.UsageError(
            f"exporter context of {len(context)} bytes is longer than 2^16 - 1 (RFC 5705 section 4)"
        )
    if length < 0:
        raise errors.UsageError(f"exporter length {length} is negative")
    _check_len("master secret", master, MASTER_SECRET_LEN)
    seed = client_random + server_random
    if context is not None:
        seed += len(context).to_bytes(2, "big") + context
    return tls12_prf(suite.hash_name, master, label, seed, length) if length else b""


def server_key_exchange_signed_content(client_random: bytes, server_random: bytes, params: bytes) -> bytes:
    """What the ServerKeyExchange signature covers (RFC 5246 section 7.4.3, RFC 8422 section 5.4)::

        ClientHello.random + ServerHello.random + ServerECDHParams
    """
    _check_len("client random", client_random, RANDOM_LEN)
    _check_len("server random", server_random, RANDOM_LEN)
    return client_random + server_random + params


# -- RSA key exchange (RFC 5246 section 7.4.7.1) ------------------------------------------------------


def rsa_encrypt_premaster(
    public_key: PublicKey, client_version: int, random: Callable[[int], bytes]
) -> tuple[bytes, bytes]:
    """The client's side of the RSA key exchange (RFC 5246 section 7.4.7.1)::

        struct { ProtocolVersion client_version; opaque random[46]; } PreMasterSecret;

    ``client_version`` is ClientHello.client_version (the version offered, not the one negotiated). Returns
    ``(pre_master_secret, EncryptedPreMasterSecret)``, the latter PKCS#1 v1.5 encrypted to ``public_key``.
    """
    if not isinstance(public_key, rsa.RSAPublicKey):
        # RFC 5246 section 7.4.2: for the RSA key exchange the certificate MUST carry an RSA public key.
        raise errors.UnsupportedCertificate(
            "the server certificate does not hold an RSA key, which the RSA key exchange needs "
            "(RFC 5246 section 7.4.2)",
            check="key type",
            step="ClientKeyExchange",
        )
    tail = random(PREMASTER_LEN - 2)
    _check_len("random output", tail, PREMASTER_LEN - 2)
    premaster = client_version.to_bytes(2, "big") + tail
    try:
        encrypted = public_key.encrypt(premaster, padding.PKCS1v15())
    except ValueError as exc:  # a key too small to hold 48 bytes with PKCS#1 v1.5 padding
        raise errors.UnsupportedCertificate(
            f"the server's RSA key ({public_key.key_size} bits) cannot carry a premaster secret: {exc}",
            check="key size",
            step="ClientKeyExchange",
        ) from None
    return premaster, encrypted


def rsa_decrypt_premaster(
    private_key: PrivateKey, encrypted: bytes, client_version: int, random: Callable[[int], bytes]
) -> bytes:
    """The server's side of the RSA key exchange, with the Bleichenbacher / Klima-Pokorny-Rosa countermeasure
    of RFC 5246 section 7.4.7.1 (its RECOMMENDED first construction)::

        1. Generate a string R of 46 random bytes
        2. Decrypt the message to recover the plaintext M
        3. If the PKCS#1 padding is not correct, or the length of message M is not exactly 48 bytes:
              pre_master_secret = ClientHello.client_version || R
           else:
              pre_master_secret = ClientHello.client_version || M[2..47]

    so a wrong version inside M gives a wrong master secret, exactly like bad padding: the failure shows
    only as a Finished that does not verify, never as an alert or an exception here ("a TLS server MUST NOT
    generate an alert if processing an RSA-encrypted premaster secret message fails, or the version number
    is not as expected"). R is drawn before decrypting and the choice between R and M is made without a
    branch on the outcome. cryptography's PKCS#1 v1.5 decryption uses implicit rejection where OpenSSL has it
    (a deterministic pseudo-random message instead of an error) and raises ``ValueError`` otherwise (and for
    a ciphertext of the wrong size): both end up as R or as unpredictable bytes.

    Never raises for any ``encrypted``; only a non-RSA ``private_key`` (our configuration, not the peer's
    input) is an ``InternalError``.
    """
    r = random(PREMASTER_LEN - 2)  # step 1, before anything depends on the ciphertext
    _check_len("random output", r, PREMASTER_LEN - 2)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise errors.InternalError("the RSA key exchange needs an RSA private key", step="ClientKeyExchange")
    try:
        message = private_key.decrypt(bytes(encrypted), padding.PKCS1v15())  # step 2
    except Exception:  # any failure is treated as bad padding and never reported (step 3)
        message = b""
    # Step 3 as a mask: all ones when len(M) == 48, else zero; M[2..47] or R without an early exit.
    ok = _stdlib_hmac.compare_digest(len(message).to_bytes(4, "big"), PREMASTER_LEN.to_bytes(4, "big"))
    mask = -int(ok) & _MASK_46
    candidate = int.from_bytes((message + bytes(PREMASTER_LEN))[2:PREMASTER_LEN], "big")
    chosen = (candidate & mask) | (int.from_bytes(r, "big") & ~mask & _MASK_46)
    return client_version.to_bytes(2, "big") + chosen.to_bytes(PREMASTER_LEN - 2, "big")
