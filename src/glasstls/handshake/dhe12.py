"""TLS 1.2 finite-field DHE (DHE_RSA suites) with the group negotiation of RFC 7919: the parts client12 and
server12 call, so that the ECDHE paths stay as they are.

* :func:`wire_method`: how a suite's ServerKeyExchange / ClientKeyExchange decode ("ECDHE", "DHE", "RSA").
* :func:`server_dhe_group`: the RFC 7919 group a server uses with this client, or why none (section 4).
* :class:`Dhe12KeyExchange`: our DH key; the peer's value checked (RFC 7919 section 5.1) and the premaster secret
  with its leading zero bytes stripped (RFC 5246 section 8.1.2; TLS 1.3 keeps them, RFC 8446 section 7.4.1).
* :func:`server_key_exchange` / :func:`client_key_exchange`: the message for our share, ECDHE or DHE.
* :func:`client_dhe_group`: which RFC 7919 group the server's ServerDHParams are, and whether we accept it
  (RFC 7919 section 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from glasstls.crypto import ffdhe
from glasstls.crypto.groups import KeyExchange, Random, start_key_exchange
from glasstls.crypto.tls12 import Tls12CipherSuite
from glasstls.errors import InsufficientSecurity
from glasstls.wire.enums import NamedGroup, SignatureScheme
from glasstls.wire.messages import ClientKeyExchangeEcdhe, HandshakeMessage, ServerKeyExchangeEcdhe
from glasstls.wire.messages_dhe import ClientKeyExchangeDhe, ServerKeyExchangeDhe

#: RFC 7919 section 4: a server that gets no FFDHE group from the client picks one itself; the smallest is the
#: one every DHE client can do (and the one OpenSSL and GnuTLS pick for a 2048-bit RSA certificate).
_DEFAULT_SERVER_GROUPS: tuple[NamedGroup, ...] = ffdhe.FFDHE_GROUPS


def wire_method(suite: Tls12CipherSuite) -> Literal["ECDHE", "RSA", "DHE"]:
    """The key exchange method that decides how the TLS 1.2 key exchange messages decode."""
    if suite.key_exchange == "RSA":
        return "RSA"
    return "DHE" if suite.key_exchange == "DHE_RSA" else "ECDHE"


def server_dhe_group(configured: Sequence[NamedGroup], client_groups: Sequence[int]) -> NamedGroup | None:
    """RFC 7919 section 4: when the client's supported_groups lists FFDHE groups (any code point 256..511, known
    to us or not), the server uses one of them that it accepts, else it MUST NOT choose a DHE suite (``None``).
    A client that lists none gets the server's first (configured FFDHE groups, else ffdhe2048)."""
    ours = [g for g in configured if g in ffdhe.FFDHE_PRIMES] or list(_DEFAULT_SERVER_GROUPS)
    offered = [g for g in client_groups if ffdhe.is_ffdhe(g)]
    if not offered:
        return ours[0]
    return next((g for g in ours if g in offered), None)


def no_common_dhe_group(client_groups: Sequence[int]) -> InsufficientSecurity:
    """RFC 7919 section 4: FFDHE groups offered, none acceptable, and no other suite: insufficient_security."""
    offered = ", ".join(str(NamedGroup(g)) for g in client_groups if ffdhe.is_ffdhe(g))
    return InsufficientSecurity(
        f"no cipher suite can be used: the only one left is DHE, and none of the FFDHE groups the client offers "
        f"({offered}) is acceptable to this server (RFC 7919 section 4)",
        step="ClientHello",
        hint="configure one of those groups on the server (groups=...), or an ECDHE suite on the client",
    )


class Dhe12KeyExchange(KeyExchange):
    """Our side of a TLS 1.2 FFDHE exchange. dh_Ys / dh_Yc are ``opaque<1..2^16-1>`` big-endian integers: the
    peer's may be shorter than p (leading zeros dropped), ours is sent padded to the size of p."""

    def __init__(self, group: NamedGroup, *, step: str | None = None) -> None:
        self.group = group
        self._step = step
        self._private = ffdhe.FfdhePrivateKey(group)

    def public_bytes(self) -> bytes:
        return self._private.public_value()

    def exchange(self, peer_share: bytes) -> bytes:
        y = ffdhe.peer_value(self.group, peer_share, exact_length=False, step=self._step, who="peer's DH")
        z = self._private.shared_secret(y, step=self._step)
        # RFC 5246 section 8.1.2: "Leading bytes of Z that contain all zero bits are stripped before it is used
        # as the pre_master_secret" (Z is never 0: 1 < Y < p-1 and x < q).
        return z.lstrip(b"\x00")


def start(group: NamedGroup, random: Random, step: str | None = None) -> KeyExchange:
    """Our key for a TLS 1.2 key exchange over ``group`` (an RFC 7919 group, or an RFC 8422 curve)."""
    if group in ffdhe.FFDHE_PRIMES:
        return Dhe12KeyExchange(group, step=step)
    return start_key_exchange(group, random)


def server_key_exchange(
    exchange: KeyExchange, scheme: SignatureScheme, signature: bytes
) -> ServerKeyExchangeEcdhe | ServerKeyExchangeDhe:
    """ServerKeyExchange with our share: ServerDHParams (RFC 5246 section 7.4.3) or ServerECDHParams (RFC 8422
    section 5.4). ``params_bytes()`` of the result is what the signature covers."""
    if isinstance(exchange, Dhe12KeyExchange):
        p = ffdhe.FFDHE_PRIMES[exchange.group]
        g = ffdhe.GENERATOR.to_bytes(1, "big")
        p_bytes = p.to_bytes(ffdhe.prime_length(exchange.group), "big")
        return ServerKeyExchangeDhe(p_bytes, g, exchange.public_bytes(), scheme, signature)
    return ServerKeyExchangeEcdhe(exchange.group, exchange.public_bytes(), scheme, signature)


def client_key_exchange(exchange: KeyExchange) -> HandshakeMessage:
    """ClientKeyExchange with our share: dh_Yc (RFC 5246 section 7.4.7.2) or the ECDH point (RFC 8422 5.7)."""
    if isinstance(exchange, Dhe12KeyExchange):
        return ClientKeyExchangeDhe(exchange.public_bytes())
    return ClientKeyExchangeEcdhe(exchange.public_bytes())


def client_dhe_group(offered: Sequence[NamedGroup], ske: ServerKeyExchangeDhe, step: str) -> NamedGroup:
    """RFC 7919 section 3: the group of the server's ServerDHParams. glasstls accepts only the RFC 7919 groups
    (a custom p cannot be checked cheaply: it might not be a safe prime, or be too small), and when it offered
    FFDHE groups, only one of those; anything else is insufficient_security (RFC 7919 section 3 lets a client
    refuse a group it does not like)."""
    p, g = int.from_bytes(ske.p, "big"), int.from_bytes(ske.g, "big")
    group = ffdhe.group_of(p, g)
    if group is None:
        shown_g = g if g.bit_length() <= 64 else "..."
        raise InsufficientSecurity(
            f"server's DHE parameters are not an RFC 7919 group ({p.bit_length()}-bit p, g = {shown_g}); "
            "glasstls accepts only ffdhe2048 to ffdhe8192 (RFC 7919 section 3)",
            step=step,
            hint="configure the server with an RFC 7919 group (e.g. ffdhe2048), or use an ECDHE suite",
        )
    ours = [g for g in offered if g in ffdhe.FFDHE_PRIMES]
    if ours and group not in ours:
        raise InsufficientSecurity(
            f"server chose {group}, which is not among the FFDHE groups we offered ({', '.join(map(str, ours))}) "
            "(RFC 7919 section 3)",
            step=step,
        )
    return group
