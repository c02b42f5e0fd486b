"""The finite-field Diffie-Hellman groups of RFC 7919 (ffdhe2048 ... ffdhe8192) and the checks on a peer's value.

RFC 7919 section 5.1 and appendix A: each group is a safe prime p = 2q + 1 with generator g = 2, defined as
``p = 2^b - 2^(b-64) + {[2^(b-130) e] + X} * 2^64 - 1`` (``e`` the base of the natural logarithm, ``X`` the
smallest integer that makes p a safe prime). The constants below are the RFC's values; the tests recompute each
from that definition and its ``X`` (RFC 7919 appendix A), and OpenSSL's built-in groups give the same primes.

Used by TLS 1.3 (key_share, RFC 8446 section 4.2.8.1) and by the TLS 1.2 DHE key exchange (ServerKeyExchange,
RFC 5246 section 7.4.3, with RFC 7919 group negotiation). The arithmetic is OpenSSL's, through pyca
``cryptography``'s ``dh`` module; glasstls only checks values and pads or strips bytes.
"""

from __future__ import annotations

import functools
import warnings

from cryptography.hazmat.primitives.asymmetric import dh
from cryptography.utils import CryptographyDeprecationWarning

from glasstls import errors
from glasstls.wire.enums import NamedGroup

# cryptography deprecates finite-field DH; glasstls offers it only when asked (RFC 7919 interop): not a
# warning for the user of the command line each time a group is used.
warnings.filterwarnings("ignore", "Diffie-Hellman over finite fields", CryptographyDeprecationWarning)


#: RFC 7919 appendix A: the ffdhe8192 prime, in hex. Every smaller group's prime begins with the same digits
#: (they come from e, in the definition at the top of this module) and differs only in its last 22 to 24
#: digits, where its own X stands.
_FFDHE8192_HEX = (
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9"
    "7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB"
    "B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA"
    "886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C"
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D"
    "ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB"
    "7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A7135C886EFB4318AED6A1E012D9E6832"
    "A907600A918130C46DC778F971AD0038092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF"
    "8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E0DD9020BFD64B645036C7A4E677D2C38532A3A23BA4442CAF53EA6"
    "3BB454329B7624C8917BDD64B1C0FD4CB38E8C334C701C3ACDAD0657FCCFEC719B1F5C3E4E46041F388147FB4CFDB477"
    "A52471F7A9A96910B855322EDB6340D8A00EF092350511E30ABEC1FFF9E3A26E7FB29F8C183023C3587E38DA0077D9B4"
    "763E4E4B94B2BBC194C6651E77CAF992EEAAC0232A281BF6B3A739C1226116820AE8DB5847A67CBEF9C9091B462D538C"
    "D72B03746AE77F5E62292C311562A846505DC82DB854338AE49F5235C95B91178CCF2DD5CACEF403EC9D1810C6272B04"
    "5B3B71F9DC6B80D63FDD4A8E9ADB1E6962A69526D43161C1A41D570D7938DAD4A40E329CCFF46AAA36AD004CF600C838"
    "1E425A31D951AE64FDB23FCEC9509D43687FEB69EDD1CC5E0B8CC3BDF64B10EF86B63142A3AB8829555B2F747C932665"
    "CB2C0F1CC01BD70229388839D2AF05E454504AC78B7582822846C0BA35C35F5C59160CC046FD8251541FC68C9C86B022"
    "BB7099876A460E7451A8A93109703FEE1C217E6C3826E52C51AA691E0E423CFC99E9E31650C1217B624816CDAD9A95F9"
    "D5B8019488D9C0A0A1FE3075A577E23183F81D4A3F2FA4571EFC8CE0BA8A4FE8B6855DFE72B0A66EDED2FBABFBE58A30"
    "FAFABE1C5D71A87E2F741EF8C1FE86FEA6BBFDE530677F0D97D11D49F7A8443D0822E506A9F4614E011E2A94838FF88C"
    "D68C8BB7C5C6424CFFFFFFFFFFFFFFFF"
)


def _prime(bits: int, tail: str) -> int:
    """The RFC 7919 prime of ``bits`` bits: the leading digits it shares with ffdhe8192, then its own ``tail``."""
    return int(_FFDHE8192_HEX[: bits // 4 - len(tail)] + tail, 16)


#: RFC 7919 appendix A: the primes (generator 2 for all).
FFDHE_PRIMES: dict[NamedGroup, int] = {
    NamedGroup.FFDHE2048: _prime(2048, "285C97FFFFFFFFFFFFFFFF"),
    NamedGroup.FFDHE3072: _prime(3072, "C62E37FFFFFFFFFFFFFFFF"),
    NamedGroup.FFDHE4096: _prime(4096, "655F6AFFFFFFFFFFFFFFFF"),
    NamedGroup.FFDHE6144: _prime(6144, "D0E40E65FFFFFFFFFFFFFFFF"),
    NamedGroup.FFDHE8192: int(_FFDHE8192_HEX, 16),
}

#: RFC 7919 appendix A: every group's generator.
GENERATOR = 2

#: The FFDHE groups glasstls implements, smallest first.
FFDHE_GROUPS: tuple[NamedGroup, ...] = tuple(FFDHE_PRIMES)

#: RFC 7919 section 2: code points 256..511 are FFDHE groups (0x01FC..0x01FF private use), known to us or not.
FFDHE_RANGE = range(0x0100, 0x0200)


def is_ffdhe(group: int) -> bool:
    """Whether ``group`` is in the FFDHE code point range (RFC 7919 section 2), known to us or not.

    Compared with the range's bounds, not ``group in FFDHE_RANGE``: for an int subclass (a ``NamedGroup``)
    ``range.__contains__`` walks the range element by element (about 10 us per call on the bench machine).
    """
    return FFDHE_RANGE.start <= group < FFDHE_RANGE.stop


def prime_length(group: NamedGroup) -> int:
    """The size of p in bytes: every public value and shared secret is padded to it (RFC 8446 4.2.8.1)."""
    return (FFDHE_PRIMES[group].bit_length() + 7) // 8


def group_of(p: int, g: int) -> NamedGroup | None:
    """The RFC 7919 group with this prime and generator (a TLS 1.2 ServerKeyExchange names no group)."""
    if g != GENERATOR:
        return None
    return next((group for group, prime in FFDHE_PRIMES.items() if prime == p), None)


@functools.cache
def _parameter_numbers(group: NamedGroup) -> dh.DHParameterNumbers:
    p = FFDHE_PRIMES[group]
    # q = (p - 1) / 2 (a safe prime): OpenSSL then knows the group and checks public values against it.
    return dh.DHParameterNumbers(p, GENERATOR, (p - 1) // 2)


@functools.cache
def _parameters(group: NamedGroup) -> dh.DHParameters:
    return _parameter_numbers(group).parameters()


def peer_value(group: NamedGroup, value: bytes, *, exact_length: bool, step: str | None, who: str) -> int:
    """The peer's public value as an integer, after the checks peers MUST make.

    ``exact_length``: TLS 1.3 (RFC 8446 section 4.2.8.1) pads the value to the size of p; TLS 1.2 carries it
    as ``opaque dh_Y<1..2^16-1>`` (RFC 5246 section 7.4.3), whatever its length up to that size.
    RFC 7919 section 5.1 / RFC 8446 section 4.2.8.1: "Peers MUST validate each other's public key Y by
    ensuring that 1 < Y < p-1" (0, 1 and p-1 would give a shared secret of a handful of known values).
    The failures are illegal_parameter (RFC 8446 section 4.2.8; RFC 7919 section 5.1 leaves the alert open).
    The optional check that Y is in the prime-order subgroup (Y^q = 1 mod p) is not made: our keys are
    ephemeral, so a Y of order 2q can learn at most the low bit of a private exponent used once.
    """
    size = prime_length(group)
    if (len(value) != size) if exact_length else not 1 <= len(value) <= size:
        raise errors.IllegalParameter(
            f"{group} {who} public value: {len(value)} bytes, expected "
            + (f"{size} (the size of p, RFC 8446 section 4.2.8.1)" if exact_length else f"1 to {size}"),
            step=step,
        )
    y = int.from_bytes(value, "big")
    if not 1 < y < FFDHE_PRIMES[group] - 1:
        raise errors.IllegalParameter(
            f"{group} {who} public value is {'0' if y == 0 else '1' if y == 1 else 'p-1 or more'}: it must be "
            "greater than 1 and less than p-1 (RFC 7919 section 5.1)",
            step=step,
        )
    return y


class FfdhePrivateKey:
    """Our ephemeral key for one exchange. The private exponent comes from OpenSSL's random source (the
    ``dh`` module takes no randomness): like ML-KEM encapsulation, an FFDHE share is valid but not reproducible
    from an injected source. OpenSSL recognises the RFC 7919 group and uses its short exponent (RFC 7919
    section 5.2)."""

    def __init__(self, group: NamedGroup) -> None:
        self.group = group
        self._private = _parameters(group).generate_private_key()

    def public_value(self) -> bytes:
        """Y = g^x mod p, left-padded with zeros to the size of p (RFC 8446 section 4.2.8.1; also fine in
        TLS 1.2, where leading zeros are allowed in dh_Ys / dh_Yc)."""
        y = self._private.public_key().public_numbers().y
        return y.to_bytes(prime_length(self.group), "big")

    def shared_secret(self, y: int, *, step: str | None) -> bytes:
        """Z = Y^x mod p, left-padded to the size of p (RFC 8446 section 7.4.1; TLS 1.2 strips the zeros
        itself, RFC 5246 section 8.1.2). ``y`` has passed :func:`peer_value`."""
        try:
            peer = dh.DHPublicNumbers(y, _parameter_numbers(self.group)).public_key()
            secret = self._private.exchange(peer)
        except ValueError:
            # OpenSSL's own checks of Y refused it.
            raise errors.IllegalParameter(
                f"{self.group} peer public value refused by OpenSSL's key check (RFC 7919 section 5.1)", step=step
            ) from None
        return secret.rjust(prime_length(self.group), b"\x00")

    def __repr__(self) -> str:
        return f"<FfdhePrivateKey {self.group}>"
