r"""The TLS 1.3 key schedule (RFC 8446 section 7) and the TLS 1.2 PRF (RFC 5246 section 5).

RFC 8446 section 7.1, the whole schedule (``0`` is a string of Hash.length zero bytes; each
``Derive-Secret`` takes the transcript hash of the messages named beside it)::

                 0
                 |
                 v
       PSK ->  HKDF-Extract = Early Secret                      (EarlySecret)
                 |
                 +-----> Derive-Secret(., "ext binder" | "res binder", "")
                 |                     = binder_key
                 |
                 +-----> Derive-Secret(., "c e traffic", ClientHello)
                 |                     = client_early_traffic_secret
                 |
                 +-----> Derive-Secret(., "e exp master", ClientHello)
                 |                     = early_exporter_master_secret
                 v
           Derive-Secret(., "derived", "")
                 |
                 v
       (EC)DHE -> HKDF-Extract = Handshake Secret                (HandshakeSecret)
                 |
                 +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
                 |                     = client_handshake_traffic_secret
                 |
                 +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
                 |                     = server_handshake_traffic_secret
                 v
           Derive-Secret(., "derived", "")
                 |
                 v
       0 -> HKDF-Extract = Master Secret                         (MasterSecret)
                 |
                 +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
                 |                     = client_application_traffic_secret_0
                 |
                 +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
                 |                     = server_application_traffic_secret_0
                 |
                 +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
                 |                     = exporter_master_secret
                 |
                 +-----> Derive-Secret(., "res master", ClientHello...client Finished)
                                       = resumption_master_secret

Each stage is its own type and can only produce the next one, so a state machine cannot skip a step.
No stage shows its secret in ``repr``; ``.secret`` gives the raw bytes to the tests and the NSS key log.

Around the schedule: traffic keys (section 7.3), key updates (section 7.2), Finished (section 4.4.4),
resumption PSKs (section 4.6.1) and exporters (section 7.5).
"""

from __future__ import annotations

from typing import TypeAlias

from cryptography.hazmat.primitives import constant_time, hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from glasstls import errors
from glasstls.crypto.suites import Tls13CipherSuite, hash_algorithm

#: A suite (its hash is used) or a cryptography hash algorithm.
HashLike: TypeAlias = "Tls13CipherSuite | hashes.HashAlgorithm"

_LABEL_PREFIX = b"tls13 "
_EMPTY_HASHES: dict[str, bytes] = {}
#: The HkdfLabel bytes before the context (length and "tls13 " + label), by (label, length): the schedule
#: uses a dozen labels over and over. Bounded: exporters take labels from the application.
_INFO_HEADS: dict[tuple[bytes, int], bytes] = {}
_INFO_HEADS_MAX = 256
#: The one-byte length prefix of a context<0..255>.
_CONTEXT_LENGTHS: tuple[bytes, ...] = tuple(bytes((n,)) for n in range(256))


def _algorithm(suite_or_hash: HashLike) -> hashes.HashAlgorithm:
    if isinstance(suite_or_hash, Tls13CipherSuite):
        return suite_or_hash.hash_algorithm()
    return suite_or_hash


def _empty_hash(algorithm: hashes.HashAlgorithm) -> bytes:
    """Hash(""), the transcript hash of no messages (used by every "derived" and binder step)."""
    cached = _EMPTY_HASHES.get(algorithm.name)
    if cached is None:
        cached = hashes.Hash(algorithm).finalize()
        _EMPTY_HASHES[algorithm.name] = cached
    return cached


def _hmac(algorithm: hashes.HashAlgorithm, key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, algorithm)
    h.update(data)
    return h.finalize()


def hkdf_extract(suite_or_hash: HashLike, salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 section 2.2; RFC 8446 section 7.1)."""
    return _hmac(_algorithm(suite_or_hash), salt, ikm)


def hkdf_expand_label(suite_or_hash: HashLike, secret: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """HKDF-Expand-Label (RFC 8446 section 7.1); ``label`` without the ``"tls13 "`` prefix.

    ::

        struct {
            uint16 length = Length;
            opaque label<7..255> = "tls13 " + Label;
            opaque context<0..255> = Context;
        } HkdfLabel;
    """
    head = _INFO_HEADS.get((label, length)) if type(label) is bytes else None
    if head is None or len(context) > 255:
        full_label = _LABEL_PREFIX + label
        if len(full_label) > 255 or len(context) > 255 or not 0 < length <= 0xFFFF:
            raise errors.UsageError(
                f"HKDF-Expand-Label: label ({len(label)} bytes), context ({len(context)} bytes) or "
                f"length ({length}) out of range"
            )
        # uint16 length || opaque label<7..255>: the same for every call with this label and length.
        head = length.to_bytes(2, "big") + bytes((len(full_label),)) + full_label
        if type(label) is bytes and len(_INFO_HEADS) < _INFO_HEADS_MAX:
            _INFO_HEADS[(label, length)] = head
    info = b"".join((head, _CONTEXT_LENGTHS[len(context)], context))
    if isinstance(suite_or_hash, Tls13CipherSuite):
        return HKDFExpand(suite_or_hash.hash_algorithm(), length, info).derive(secret)
    return HKDFExpand(suite_or_hash, length, info).derive(secret)


def derive_secret(suite_or_hash: HashLike, secret: bytes, label: bytes, transcript_hash: bytes) -> bytes:
    """Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages),
    Hash.length) (RFC 8446 section 7.1). Takes the transcript hash, not the messages."""
    algorithm = _algorithm(suite_or_hash)
    return hkdf_expand_label(algorithm, secret, label, transcript_hash, algorithm.digest_size)


class _Stage:
    __slots__ = ("_algorithm", "_secret", "suite")

    def __init__(self, suite: Tls13CipherSuite, secret: bytes) -> None:
        self.suite = suite
        self._secret = secret
        self._algorithm = suite.hash_algorithm()

    @property
    def secret(self) -> bytes:
        """The raw secret: for known-answer tests and the NSS key log only."""
        return self._secret

    def _derive(self, label: bytes, transcript_hash: bytes) -> bytes:
        # derive_secret (RFC 8446 section 7.1), with the stage's hash looked up once.
        algorithm = self._algorithm
        return hkdf_expand_label(algorithm, self._secret, label, transcript_hash, algorithm.digest_size)

    def _next_salt(self) -> bytes:
        # RFC 8446 section 7.1: Derive-Secret(., "derived", "") feeds the next HKDF-Extract as its salt.
        return self._derive(b"derived", _empty_hash(self._algorithm))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.suite}>"


class EarlySecret(_Stage):
    """Early Secret = HKDF-Extract(0, PSK) (RFC 8446 section 7.1); PSK is 0 when there is none."""

    __slots__ = ()

    def __init__(self, suite: Tls13CipherSuite, psk: bytes | None = None) -> None:
        zeros = bytes(suite.hash_len)
        super().__init__(suite, hkdf_extract(suite, zeros, psk if psk is not None else zeros))

    def binder_key(self, external: bool) -> bytes:
        """Derive-Secret(., "ext binder" | "res binder", "") (RFC 8446 sections 7.1, 4.2.11.2)."""
        label = b"ext binder" if external else b"res binder"
        return self._derive(label, _empty_hash(self._algorithm))

    def client_early_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "c e traffic", ClientHello) (RFC 8446 section 7.1)."""
        return self._derive(b"c e traffic", transcript_hash)

    def early_exporter_master_secret(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "e exp master", ClientHello) (RFC 8446 section 7.1)."""
        return self._derive(b"e exp master", transcript_hash)

    def handshake_secret(self, shared_secret: bytes) -> HandshakeSecret:
        """Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE) (RFC 8446 section 7.1).

        For psk_ke (no key exchange) the (EC)DHE input is Hash.length zero bytes: pass ``bytes(hash_len)``.
        """
        return HandshakeSecret(self.suite, hkdf_extract(self.suite, self._next_salt(), shared_secret))


class HandshakeSecret(_Stage):
    """The handshake secret (RFC 8446 section 7.1); made by :meth:`EarlySecret.handshake_secret`."""

    __slots__ = ()

    def client_handshake_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "c hs traffic", ClientHello...ServerHello) (RFC 8446 section 7.1)."""
        return self._derive(b"c hs traffic", transcript_hash)

    def server_handshake_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "s hs traffic", ClientHello...ServerHello) (RFC 8446 section 7.1)."""
        return self._derive(b"s hs traffic", transcript_hash)

    def master_secret(self) -> MasterSecret:
        """Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0) (RFC 8446 section 7.1)."""
        zeros = bytes(self.suite.hash_len)
        return MasterSecret(self.suite, hkdf_extract(self.suite, self._next_salt(), zeros))


class MasterSecret(_Stage):
    """The master secret (RFC 8446 section 7.1); made by :meth:`HandshakeSecret.master_secret`."""

    __slots__ = ()

    def client_application_traffic_secret_0(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "c ap traffic", ClientHello...server Finished) (RFC 8446 section 7.1)."""
        return self._derive(b"c ap traffic", transcript_hash)

    def server_application_traffic_secret_0(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "s ap traffic", ClientHello...server Finished) (RFC 8446 section 7.1)."""
        return self._derive(b"s ap traffic", transcript_hash)

    def exporter_master_secret(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "exp master", ClientHello...server Finished) (RFC 8446 section 7.1)."""
        return self._derive(b"exp master", transcript_hash)

    def resumption_master_secret(self, transcript_hash: bytes) -> bytes:
        """Derive-Secret(., "res master", ClientHello...client Finished) (RFC 8446 section 7.1)."""
        return self._derive(b"res master", transcript_hash)


def traffic_keys(suite: Tls13CipherSuite, traffic_secret: bytes) -> tuple[bytes, bytes]:
    """(write_key, write_iv) from a traffic secret (RFC 8446 section 7.3)::

    [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
    [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
    """
    algorithm = suite.hash_algorithm()
    return (
        hkdf_expand_label(algorithm, traffic_secret, b"key", b"", suite.key_len),
        hkdf_expand_label(algorithm, traffic_secret, b"iv", b"", suite.iv_len),
    )


def next_traffic_secret(suite: Tls13CipherSuite, secret: bytes) -> bytes:
    """application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
    (RFC 8446 section 7.2, used by KeyUpdate)."""
    return hkdf_expand_label(suite, secret, b"traffic upd", b"", suite.hash_len)


def finished_key(suite: Tls13CipherSuite, base_key: bytes) -> bytes:
    """finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 section 4.4.4)."""
    return hkdf_expand_label(suite, base_key, b"finished", b"", suite.hash_len)


def finished_verify_data(suite: Tls13CipherSuite, base_key: bytes, transcript_hash: bytes) -> bytes:
    """verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))
    (RFC 8446 section 4.4.4). ``base_key`` is the sender's handshake traffic secret (or, for a PSK binder,
    the binder key, section 4.2.11.2). Compare with :func:`constant_time_equal`."""
    algorithm = suite.hash_algorithm()
    key = hkdf_expand_label(algorithm, base_key, b"finished", b"", suite.hash_len)  # finished_key, section 4.4.4
    return _hmac(algorithm, key, transcript_hash)


def resumption_psk(suite: Tls13CipherSuite, resumption_master_secret: bytes, ticket_nonce: bytes) -> bytes:
    """HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)
    (RFC 8446 section 4.6.1): the PSK of one NewSessionTicket."""
    return hkdf_expand_label(suite, resumption_master_secret, b"resumption", ticket_nonce, suite.hash_len)


def export_keying_material(
    suite: Tls13CipherSuite, exporter_master_secret: bytes, label: bytes, context: bytes | None, length: int
) -> bytes:
    """TLS-Exporter(label, context_value, key_length) (RFC 8446 section 7.5)::

    HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)

    In TLS 1.3 no context and an empty context are the same (section 7.5). Works with the early exporter
    master secret too.
    """
    algorithm = suite.hash_algorithm()
    secret = derive_secret(algorithm, exporter_master_secret, label, _empty_hash(algorithm))
    return hkdf_expand_label(algorithm, secret, b"exporter", suite.hash(context or b""), length)


def constant_time_equal(a: bytes, b: bytes) -> bool:
    """Compare MACs / verify_data without leaking where they differ (DESIGN rule 9)."""
    return constant_time.bytes_eq(a, b)


def tls12_prf(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """The TLS 1.2 PRF (RFC 5246 section 5): PRF(secret, label, seed) = P_<hash>(secret, label + seed)::

    P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + ...
    A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
    """
    base = hmac.HMAC(secret, hash_algorithm(hash_name))  # keyed once, copied per block
    full_seed = label + seed
    out = bytearray()
    a = full_seed
    while len(out) < length:
        h = base.copy()
        h.update(a)
        a = h.finalize()
        h = base.copy()
        h.update(a + full_seed)
        out += h.finalize()
    return bytes(out[:length])
