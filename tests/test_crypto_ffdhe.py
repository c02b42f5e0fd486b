"""RFC 7919 FFDHE: the primes are the RFC's, the peer value checks, and TLS 1.3 handshakes over each group.

The primes are recomputed from their definition (RFC 7919 appendix A): p = 2^b - 2^(b-64) + {[2^(b-130) e] + X}
* 2^64 - 1 with the X the RFC gives for each size, e computed to enough bits by its series; and each is a
probable safe prime (p and (p - 1) / 2 pass Miller-Rabin rounds; a few, the sizes make it slow).
"""

from __future__ import annotations

import dataclasses

import pytest

from glasstls import errors
from glasstls.crypto import ffdhe
from glasstls.crypto.groups import DEFAULT_GROUPS, SUPPORTED_GROUPS, respond_key_exchange, start_key_exchange
from glasstls.wire import extensions as ext
from glasstls.wire.enums import AlertDescription, NamedGroup
from glasstls.wire.messages import ClientHello, HandshakeMessage, ServerHello
from handshake_pair import Pair, client_config, server_config

#: RFC 7919 appendix A: the X of each group.
RFC7919_X = {2048: 560316, 3072: 2625351, 4096: 5736041, 6144: 15705020, 8192: 10965728}
GROUPS = [NamedGroup.FFDHE2048, NamedGroup.FFDHE3072, NamedGroup.FFDHE4096, NamedGroup.FFDHE6144, NamedGroup.FFDHE8192]


def _e_times_2_to(k: int) -> int:
    """floor(e * 2^k), from e = sum 1/n! in integers (64 guard bits)."""
    guard = 64
    term, total, n = 1 << (k + guard), 0, 0
    while term:
        total += term
        n += 1
        term //= n
    return total >> guard


def _probably_prime(n: int, bases: tuple[int, ...] = (2, 3, 5)) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


@pytest.mark.parametrize(("group", "bits"), list(zip(GROUPS, RFC7919_X, strict=True)))
def test_prime_is_the_rfc7919_definition(group: NamedGroup, bits: int) -> None:
    p = ffdhe.FFDHE_PRIMES[group]
    assert p.bit_length() == bits and ffdhe.prime_length(group) == bits // 8
    expected = 2**bits - 2 ** (bits - 64) + (_e_times_2_to(bits - 130) + RFC7919_X[bits]) * 2**64 - 1
    assert p == expected
    assert ffdhe.group_of(p, 2) == group and ffdhe.group_of(p, 5) is None and ffdhe.group_of(p - 2, 2) is None


@pytest.mark.parametrize("group", GROUPS[:2])
def test_prime_is_a_safe_prime(group: NamedGroup) -> None:
    p = ffdhe.FFDHE_PRIMES[group]
    assert _probably_prime(p) and _probably_prime((p - 1) // 2)


def test_ffdhe_is_supported_but_not_offered_by_default() -> None:
    assert all(g in SUPPORTED_GROUPS for g in GROUPS)
    assert not any(g in DEFAULT_GROUPS for g in GROUPS)


def test_is_ffdhe_is_the_rfc7919_range_for_named_groups_too() -> None:
    """RFC 7919 section 2: 256..511 are FFDHE code points. A NamedGroup (an int subclass) is compared with the
    range's bounds: ``group in range(...)`` would walk the range comparing each member (10 us a call, twice per
    handshake, when the trace names the key exchange)."""
    compared = 0

    class Counting(int):
        def __eq__(self, other: object) -> bool:
            nonlocal compared
            compared += 1
            return int(self) == other

        __hash__ = int.__hash__

    assert [ffdhe.is_ffdhe(Counting(g)) for g in (255, 256, 511, 512, 29)] == [False, True, True, False, False]
    assert compared == 0
    assert ffdhe.is_ffdhe(NamedGroup.FFDHE2048) and not ffdhe.is_ffdhe(NamedGroup.X25519)


@pytest.mark.parametrize("group", GROUPS)
def test_exchange_both_ways_padded_to_p(group: NamedGroup) -> None:
    client = start_key_exchange(group, lambda n: b"")
    share = client.public_bytes()
    assert len(share) == ffdhe.prime_length(group)
    server_share, secret = respond_key_exchange(group, share, lambda n: b"")
    assert len(server_share) == len(secret) == ffdhe.prime_length(group)
    assert client.exchange(server_share) == secret


def _values(group: NamedGroup) -> dict[str, bytes]:
    p = ffdhe.FFDHE_PRIMES[group]
    size = ffdhe.prime_length(group)
    return {
        "zero": bytes(size),
        "one": (1).to_bytes(size, "big"),
        "p-1": (p - 1).to_bytes(size, "big"),
        "p": p.to_bytes(size, "big"),
        "all-ones": b"\xff" * size,
        "short": (12345).to_bytes(size - 1, "big"),
        "long": (12345).to_bytes(size + 1, "big"),
    }


@pytest.mark.parametrize("bad", ["zero", "one", "p-1", "p", "all-ones", "short", "long"])
def test_bad_peer_values_are_illegal_parameter(bad: str) -> None:
    group = NamedGroup.FFDHE2048
    value = _values(group)[bad]
    with pytest.raises(errors.IllegalParameter, match=r"RFC (7919 section 5\.1|8446 section 4\.2\.8\.1)"):
        respond_key_exchange(group, value, lambda n: b"")
    with pytest.raises(errors.IllegalParameter):
        start_key_exchange(group, lambda n: b"").exchange(value)


# -- TLS 1.3 over FFDHE, in memory -----------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_tls13_handshake_over_ffdhe(group: NamedGroup) -> None:
    pair = Pair(client_config(groups=(group,), key_share_groups=(group,)), server_config(groups=(group,)))
    client, server = pair.handshake()
    assert client.group == server.group == group
    assert any(f"DHE over {group}" in e.summary for e in pair.server.trace)
    assert pair.transfer("client", b"over ffdhe") == b"over ffdhe"


def test_tls13_hello_retry_request_to_ffdhe() -> None:
    pair = Pair(
        client_config(groups=(NamedGroup.X25519, NamedGroup.FFDHE3072), key_share_groups=(NamedGroup.X25519,)),
        server_config(groups=(NamedGroup.FFDHE3072,)),
    )
    _client, server = pair.handshake()
    assert server.group == NamedGroup.FFDHE3072 and server.hello_retry_request


@pytest.mark.parametrize("bad", ["zero", "one", "p-1", "short"])
@pytest.mark.parametrize("side", ["client", "server"])
def test_tls13_bad_ffdhe_share_is_illegal_parameter(bad: str, side: str) -> None:
    group = NamedGroup.FFDHE2048
    pair = Pair(client_config(groups=(group,), key_share_groups=(group,)), server_config(groups=(group,)))
    value = _values(group)[bad]

    def corrupt(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello) and side == "client":
            shares = (ext.KeyShareEntry(group, value),)
            exts = tuple(
                dataclasses.replace(e, client_shares=shares) if isinstance(e, ext.KeyShareClientHello) else e
                for e in m.extensions
            )
            return dataclasses.replace(m, extensions=exts)
        if isinstance(m, ServerHello) and side == "server":
            exts = tuple(
                ext.KeyShareServerHello(ext.KeyShareEntry(group, value))
                if isinstance(e, ext.KeyShareServerHello)
                else e
                for e in m.extensions
            )
            return dataclasses.replace(m, extensions=exts)
        return None

    with pair.mutate(side, corrupt):  # type: ignore[arg-type]
        pair.pump()
    receiver = pair.server_error if side == "client" else pair.client_error
    assert receiver is not None and receiver.alert == AlertDescription.ILLEGAL_PARAMETER, receiver
