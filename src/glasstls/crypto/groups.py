"""Key exchange for the named groups (RFC 8446 sections 4.2.7, 4.2.8, 7.4; RFC 7919; draft-ietf-tls-ecdhe-mlkem).

Two roles:

- :func:`start_key_exchange`: the side that sends its share first (TLS 1.3 client in its ClientHello,
  TLS 1.2 server in its ServerKeyExchange). It keeps the :class:`KeyExchange` and later calls
  ``exchange(peer_share)``.
- :func:`respond_key_exchange`: the side that answers a share it received (TLS 1.3 server). For the ECDH
  groups this is generate + exchange; for the ML-KEM hybrids it encapsulates to the client's key.

Randomness is injected (``Random``, like ``os.urandom``): private keys are made from the bytes it returns,
so a fixed source gives a fixed key share (the RFC 8448 tests rely on it). One exception: ML-KEM
*encapsulation* (the responder of a hybrid group) draws its randomness inside OpenSSL, because
cryptography offers no way to pass it in; the result is still a valid share, just not reproducible.

Every invalid peer share raises :class:`~glasstls.errors.IllegalParameter` naming the group and the
problem (RFC 8446 section 4.2.8: "Peers MUST validate each other's share").
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x448, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from glasstls import errors
from glasstls.crypto import ffdhe
from glasstls.wire.enums import NamedGroup

#: A source of random bytes: ``random(n)`` returns ``n`` bytes (``os.urandom`` is one).
Random = Callable[[int], bytes]

_STEP: str | None = None  # the connection names the step (the message being processed)

# FIPS 203 ML-KEM-768 sizes (encapsulation key, ciphertext, shared secret) and the seed (d || z).
_MLKEM768_EK_LEN = 1184
_MLKEM768_CT_LEN = 1088
_MLKEM768_SEED_LEN = 64


def _illegal(group: NamedGroup, problem: str) -> errors.IllegalParameter:
    return errors.IllegalParameter(f"{group} key share: {problem}", step=_STEP)


class KeyExchange(abc.ABC):
    """Our half of one key exchange: a private key and the share we send."""

    group: NamedGroup

    @abc.abstractmethod
    def public_bytes(self) -> bytes:
        """Our key share, as it goes in KeyShareEntry.key_exchange (RFC 8446 section 4.2.8)."""

    @abc.abstractmethod
    def exchange(self, peer_share: bytes) -> bytes:
        """The shared secret from the peer's share; raises ``IllegalParameter`` for an invalid share."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.group}>"


# --- X25519 / X448 (RFC 7748; RFC 8446 section 4.2.8.2 and 7.4.2) ---------------------------------------


class _XdhKeyExchange(KeyExchange):
    def __init__(self, group: NamedGroup, random: Random) -> None:
        self.group = group
        if group == NamedGroup.X25519:
            self._length = 32
            self._private: x25519.X25519PrivateKey | x448.X448PrivateKey = x25519.X25519PrivateKey.from_private_bytes(
                random(32)
            )
        else:
            self._length = 56
            self._private = x448.X448PrivateKey.from_private_bytes(random(56))

    def public_bytes(self) -> bytes:
        return self._private.public_key().public_bytes_raw()

    def exchange(self, peer_share: bytes) -> bytes:
        # RFC 8446 section 4.2.8.2: the share is the raw u-coordinate, 32 (X25519) or 56 (X448) bytes.
        if len(peer_share) != self._length:
            raise _illegal(self.group, f"{len(peer_share)} bytes, expected {self._length}")
        try:
            if isinstance(self._private, x25519.X25519PrivateKey):
                secret = self._private.exchange(x25519.X25519PublicKey.from_public_bytes(peer_share))
            else:
                secret = self._private.exchange(x448.X448PublicKey.from_public_bytes(peer_share))
        except ValueError:
            # OpenSSL refuses a low-order point (the shared secret would be all zeros).
            secret = bytes(self._length)
        # RFC 8446 section 7.4.2: "implementations MUST check whether the computed Diffie-Hellman shared
        # secret is the all-zero value and abort if so".
        if secret == bytes(self._length):
            raise _illegal(self.group, "low-order point (the shared secret would be all zeros)")
        return secret


# --- NIST curves (RFC 8446 section 4.2.8.2 and 7.4.2) ---------------------------------------------------

# Curve, coordinate length in bytes, group order n (FIPS 186-4 / SEC 2).
_EC_CURVES: dict[NamedGroup, tuple[ec.EllipticCurve, int, int]] = {
    NamedGroup.SECP256R1: (
        ec.SECP256R1(),
        32,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    ),
    NamedGroup.SECP384R1: (
        ec.SECP384R1(),
        48,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    ),
    NamedGroup.SECP521R1: (
        ec.SECP521R1(),
        66,
        int(
            "01" + "FF" * 32 + "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
            16,
        ),
    ),
}

_MAX_SCALAR_TRIES = 64


def _ec_private_key(group: NamedGroup, random: Random) -> ec.EllipticCurvePrivateKey:
    """A private scalar in [1, n-1] from ``random``, by rejection sampling (no modular bias).

    ``random(coord_len)`` bytes, high bits beyond the order's bit length masked off, are taken as the
    scalar when in range; otherwise we draw again. So a fixed source whose bytes are a valid scalar (as
    RFC 8448 gives them) yields exactly that key.
    """
    curve, coord_len, order = _EC_CURVES[group]
    mask = (1 << order.bit_length()) - 1
    for _ in range(_MAX_SCALAR_TRIES):
        scalar = int.from_bytes(random(coord_len), "big") & mask
        if 1 <= scalar < order:
            return ec.derive_private_key(scalar, curve)
    raise errors.InternalError(f"{group}: the random source gave no valid private key", step=_STEP)


def _ec_public_key(group: NamedGroup, share: bytes) -> ec.EllipticCurvePublicKey:
    """Validate and decode an EC share (RFC 8446 section 4.2.8.2: UncompressedPointRepresentation)."""
    curve, coord_len, _ = _EC_CURVES[group]
    expected = 1 + 2 * coord_len
    if len(share) != expected:
        raise _illegal(group, f"{len(share)} bytes, expected {expected} (an uncompressed point)")
    if share[0] != 0x04:
        # RFC 8446 section 4.2.8.2: "legacy_form" must be 4; compressed points are not allowed in TLS 1.3.
        raise _illegal(group, f"point format byte 0x{share[0]:02x}, expected 0x04 (uncompressed)")
    try:
        # Checks the point is on the curve (RFC 8446 section 4.2.8.2 / NIST SP 800-56A section 5.6.2.3).
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, share)
    except ValueError:
        raise _illegal(group, "the point is not on the curve") from None


class _EcdhKeyExchange(KeyExchange):
    def __init__(self, group: NamedGroup, random: Random) -> None:
        self.group = group
        self._private = _ec_private_key(group, random)

    def public_bytes(self) -> bytes:
        return self._private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def exchange(self, peer_share: bytes) -> bytes:
        peer = _ec_public_key(self.group, peer_share)
        try:
            # RFC 8446 section 7.4.2: the shared secret is the x-coordinate, zero-padded to the field size.
            return self._private.exchange(ec.ECDH(), peer)
        except ValueError:
            raise _illegal(self.group, "the ECDH computation failed") from None


# --- Hybrids (draft-ietf-tls-ecdhe-mlkem) ---------------------------------------------------------------

# group -> (ECDH component group, ECDH share length, ML-KEM first?)
# draft-ietf-tls-ecdhe-mlkem section 4: X25519MLKEM768 puts ML-KEM first (share and secret);
# SecP256r1MLKEM768 puts the ECDH part first.
_HYBRIDS: dict[NamedGroup, tuple[NamedGroup, int, bool]] = {
    NamedGroup.X25519MLKEM768: (NamedGroup.X25519, 32, True),
    NamedGroup.SECP256R1MLKEM768: (NamedGroup.SECP256R1, 65, False),
}


def _split(group: NamedGroup, share: bytes, kem_len: int) -> tuple[bytes, bytes]:
    """(ML-KEM part, ECDH part) of a hybrid share, with exact-length checks."""
    _, ecdh_len, mlkem_first = _HYBRIDS[group]
    if len(share) != kem_len + ecdh_len:
        raise _illegal(group, f"{len(share)} bytes, expected {kem_len + ecdh_len}")
    if mlkem_first:
        return share[:kem_len], share[kem_len:]
    return share[ecdh_len:], share[:ecdh_len]


def _join(group: NamedGroup, kem_part: bytes, ecdh_part: bytes) -> bytes:
    return kem_part + ecdh_part if _HYBRIDS[group][2] else ecdh_part + kem_part


class _HybridKeyExchange(KeyExchange):
    """Client side of an ML-KEM-768 hybrid: share = encapsulation key (1184) and ECDH share."""

    def __init__(self, group: NamedGroup, random: Random) -> None:
        self.group = group
        self._ecdh = _make_ecdh(_HYBRIDS[group][0], random)
        self._kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(random(_MLKEM768_SEED_LEN))

    def public_bytes(self) -> bytes:
        return _join(self.group, self._kem.public_key().public_bytes_raw(), self._ecdh.public_bytes())

    def exchange(self, peer_share: bytes) -> bytes:
        ciphertext, ecdh_share = _split(self.group, peer_share, _MLKEM768_CT_LEN)
        try:
            # FIPS 203 ML-KEM.Decaps: a wrong (but well-sized) ciphertext gives an unrelated secret
            # (implicit rejection); the handshake then fails at Finished.
            kem_secret = self._kem.decapsulate(ciphertext)
        except ValueError:
            raise _illegal(self.group, "invalid ML-KEM ciphertext") from None
        ecdh_secret = _reraise_as(self.group, self._ecdh.exchange, ecdh_share)
        return _join(self.group, kem_secret, ecdh_secret)


def _reraise_as(group: NamedGroup, exchange: Callable[[bytes], bytes], share: bytes) -> bytes:
    """Run a component exchange, naming the hybrid group in its error."""
    try:
        return exchange(share)
    except errors.IllegalParameter as exc:
        raise _illegal(group, f"ECDH part: {exc.reason}") from None


def _respond_hybrid(group: NamedGroup, peer_share: bytes, random: Random) -> tuple[bytes, bytes]:
    encapsulation_key, ecdh_share = _split(group, peer_share, _MLKEM768_EK_LEN)
    try:
        # FIPS 203 section 7.2: the encapsulation key must pass the modulus check; cryptography does it.
        peer_kem = mlkem.MLKEM768PublicKey.from_public_bytes(encapsulation_key)
        kem_secret, ciphertext = peer_kem.encapsulate()
    except ValueError:
        raise _illegal(group, "invalid ML-KEM-768 encapsulation key") from None
    ecdh = _make_ecdh(_HYBRIDS[group][0], random)
    ecdh_secret = _reraise_as(group, ecdh.exchange, ecdh_share)
    return _join(group, ciphertext, ecdh.public_bytes()), _join(group, kem_secret, ecdh_secret)


# --- FFDHE (RFC 7919; RFC 8446 sections 4.2.8.1 and 7.4.1) ------------------------------------------------


class _FfdheKeyExchange(KeyExchange):
    """A TLS 1.3 FFDHE share: Y padded to the size of p; the secret Z padded the same way (RFC 8446 7.4.1)."""

    def __init__(self, group: NamedGroup) -> None:
        self.group = group
        self._private = ffdhe.FfdhePrivateKey(group)

    def public_bytes(self) -> bytes:
        return self._private.public_value()

    def exchange(self, peer_share: bytes) -> bytes:
        y = ffdhe.peer_value(self.group, peer_share, exact_length=True, step=_STEP, who="key share")
        return self._private.shared_secret(y, step=_STEP)


# --- Entry points ---------------------------------------------------------------------------------------


def _make_ecdh(group: NamedGroup, random: Random) -> KeyExchange:
    if group in (NamedGroup.X25519, NamedGroup.X448):
        return _XdhKeyExchange(group, random)
    return _EcdhKeyExchange(group, random)


SUPPORTED_GROUPS: tuple[NamedGroup, ...] = (
    NamedGroup.X25519MLKEM768,
    NamedGroup.SECP256R1MLKEM768,
    NamedGroup.X25519,
    NamedGroup.SECP256R1,
    NamedGroup.X448,
    NamedGroup.SECP384R1,
    NamedGroup.SECP521R1,
    *ffdhe.FFDHE_GROUPS,
)

#: Our preference order (supported_groups): the post-quantum hybrid first, as current browsers, OpenSSL
#: 3.5 and rustls do, then X25519 (fast, hard to misuse), then the NIST curves and X448.
#: SecP256r1MLKEM768 is supported but not offered by default (few peers have it). The RFC 7919 FFDHE groups are
#: opt-in (name them in ``groups``): shares of 256 to 1024 bytes and a slower exchange for no gain over ECDHE;
#: they exist for peers that have nothing else.
DEFAULT_GROUPS: tuple[NamedGroup, ...] = (
    NamedGroup.X25519MLKEM768,
    NamedGroup.X25519,
    NamedGroup.SECP256R1,
    NamedGroup.X448,
    NamedGroup.SECP384R1,
    NamedGroup.SECP521R1,
)

#: The key shares a client sends in its first ClientHello: one X25519 share is small and almost always
#: accepted; a server that wants another group answers with a HelloRetryRequest (RFC 8446 section 4.1.4).
DEFAULT_KEY_SHARES: tuple[NamedGroup, ...] = (NamedGroup.X25519,)


def _check_supported(group: NamedGroup) -> None:
    if group not in SUPPORTED_GROUPS:
        raise errors.IllegalParameter(f"unsupported group {group}", step=_STEP)


def start_key_exchange(group: NamedGroup, random: Random) -> KeyExchange:
    """Make our key pair for ``group`` (the side that sends its share first)."""
    _check_supported(group)
    if group in _HYBRIDS:
        return _HybridKeyExchange(group, random)
    if group in ffdhe.FFDHE_PRIMES:
        return _FfdheKeyExchange(group)
    return _make_ecdh(group, random)


def respond_key_exchange(group: NamedGroup, peer_share: bytes, random: Random) -> tuple[bytes, bytes]:
    """Answer the peer's share: returns (our share, shared secret). Invalid share: ``IllegalParameter``."""
    _check_supported(group)
    if group in _HYBRIDS:
        return _respond_hybrid(group, peer_share, random)
    ours = _FfdheKeyExchange(group) if group in ffdhe.FFDHE_PRIMES else _make_ecdh(group, random)
    secret = ours.exchange(peer_share)
    return ours.public_bytes(), secret


def share_length(group: NamedGroup, *, responder: bool) -> int | None:
    """The exact length of a key share for ``group`` (the responder's for hybrids), or None if unknown."""
    if group in _HYBRIDS:
        _, ecdh_len, _ = _HYBRIDS[group]
        return ecdh_len + (_MLKEM768_CT_LEN if responder else _MLKEM768_EK_LEN)
    if group == NamedGroup.X25519:
        return 32
    if group == NamedGroup.X448:
        return 56
    if group in _EC_CURVES:
        return 1 + 2 * _EC_CURVES[group][1]
    if group in ffdhe.FFDHE_PRIMES:
        return ffdhe.prime_length(group)
    return None


def exchange_name(group: NamedGroup) -> str:
    """How traces name the key exchange over ``group``: DHE for the RFC 7919 groups, ECDHE otherwise."""
    return "DHE" if ffdhe.is_ffdhe(group) else "ECDHE"
