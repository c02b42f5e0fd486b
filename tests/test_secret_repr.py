"""No object that holds a secret prints it (issue 9 item 4): tracebacks with locals, debuggers and logs show
``repr()``. The test drives connections of every kind (client and server, TLS 1.2 and 1.3, full and resumed,
with and without a client certificate) one flight at a time, and after every flight walks every object
reachable from both connections, calling ``repr()`` on each glasstls object and container, and looks for
every secret of the connection in it.

The secrets come from the outside: the key log (traffic secrets, exporter secret, TLS 1.2 master secret), the
keys and IVs derived from them (RFC 8446 section 7.3; RFC 5246 section 6.3), the key schedule stages found on
the way (early, handshake and master secrets), the PSKs of the tickets (events and session stores), the
ticket keys, and every field a class itself declares secret (``field(repr=False)`` bytes).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509

from glasstls.config import ClientConfig, ServerConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto import tls12
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.events import NewSessionTicketReceived
from glasstls.handshake.traffic12 import Session12
from glasstls.sessions import ClientSessionStore, ServerSessionCache, TicketKeys
from glasstls.trace.keylog import MemoryKeyLog
from glasstls.wire.enums import ProtocolVersion
from handshake_pair import Pair, chain_of, client_config, pki, server_config

#: A named bound on the walk (a runaway graph is a failure, not a hang).
MAX_OBJECTS = 200_000
#: Secrets shorter than this are not searched for (an IV of 4 bytes could match by chance).
MIN_SECRET_LEN = 8

_ATOMS = (str, int, float, bool, type(None), enum.Enum, bytes, bytearray, memoryview, type, types.ModuleType)


def _children(obj: Any) -> Iterator[Any]:
    if isinstance(obj, dict):
        yield from obj.keys()
        yield from obj.values()
    elif isinstance(obj, (list, tuple, set, frozenset, deque)):
        yield from obj
    elif isinstance(obj, types.MethodType):
        yield obj.__self__
    elif isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        for cell in getattr(obj, "__closure__", None) or ():
            try:
                yield cell.cell_contents
            except ValueError:  # an empty cell
                continue
        bound = getattr(obj, "__self__", None)
        if bound is not None and not isinstance(bound, types.ModuleType):
            yield bound
    elif isinstance(obj, functools.partial):
        yield obj.func
        yield from obj.args
        yield from obj.keywords.values()
    else:
        if hasattr(obj, "__dict__"):
            yield from vars(obj).values()
        for klass in type(obj).__mro__:
            # A compiled class (make compiled) has no __dict__ and no __slots__: mypyc lists its attributes.
            for name in (*getattr(klass, "__slots__", ()), *getattr(klass, "__mypyc_attrs__", ())):
                if hasattr(obj, name):
                    yield getattr(obj, name)


def _ours(obj: Any) -> bool:
    return type(obj).__module__.startswith("glasstls") or isinstance(obj, (dict, list, tuple, set, frozenset, deque))


def reachable(*roots: Any) -> list[Any]:
    """Every object reachable from ``roots`` through glasstls objects, containers and closures (not into
    cryptography's or the standard library's objects, whose reprs hold no key material)."""
    seen: dict[int, Any] = {}
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (*_ATOMS, x509.Certificate)):
            continue
        seen[id(obj)] = obj
        assert len(seen) < MAX_OBJECTS, "the object graph is larger than the walk's bound"
        if isinstance(obj, MemoryKeyLog):
            continue  # the key log is where secrets are meant to go (its repr is checked, not its lines)
        if _ours(obj) or isinstance(obj, (types.FunctionType, types.MethodType)):
            todo.extend(_children(obj))
    return list(seen.values())


def declared_secrets(obj: Any) -> Iterator[bytes]:
    """Bytes in the fields a class declares secret (``field(repr=False)``), and key schedule stages."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name, None)
            if not f.repr and isinstance(value, bytes):
                yield value
    if isinstance(obj, ks._Stage):
        yield obj._secret


def connection_secrets(pair: Pair, objects: list[Any]) -> set[bytes]:
    found: set[bytes] = set()
    for keylog in (pair.client_keylog, pair.server_keylog):
        for line in keylog.lines:
            found.add(bytes.fromhex(line.split()[2]))
    for secret in list(found):
        for suite in TLS13_SUITES.values():  # RFC 8446 section 7.3: the record keys of each traffic secret
            if len(secret) == suite.hash_len:
                found.update(ks.traffic_keys(suite, secret))
    for obj in objects:
        found.update(declared_secrets(obj))
        if isinstance(obj, TicketKeys):  # key_name (16, public) | HMAC key (32) | AES key (32), per key
            material = obj.export()
            for at in range(0, len(material), 80):
                found.update((material[at + 16 : at + 48], material[at + 48 : at + 80]))
        if isinstance(obj, Session12) and obj.master_secret:  # RFC 5246 section 6.3: the key block
            block = tls12.key_block(obj.suite, obj.master_secret, obj.client_random, obj.server_random)
            for keys in (block.client, block.server):
                found.update((keys.mac_key, keys.key, keys.iv))
    for event in pair.client_events:
        if isinstance(event, NewSessionTicketReceived):
            found.add(event.ticket.psk)
    return {s for s in found if len(s) >= MIN_SECRET_LEN}


def leaks(pair: Pair, *, some_secrets: bool = True) -> list[str]:
    """Each repr that shows a secret: ``"<type>: <secret hex prefix>"``. ``some_secrets``: there must be
    secrets to look for (else the test would prove nothing)."""
    objects = reachable(pair.client, pair.server)
    secrets = connection_secrets(pair, objects)
    assert secrets or not some_secrets, "no secret collected: the test would prove nothing"
    forms = {s: (s.hex(), repr(s)[2:-1], s.hex().upper()) for s in secrets}
    out = []
    for obj in objects:
        if not _ours(obj):
            continue
        text = repr(obj)
        for secret, patterns in forms.items():
            if any(p in text for p in patterns):
                out.append(f"{type(obj).__qualname__}: {secret.hex()[:16]}...")
    return sorted(set(out))


def walk_flights(pair: Pair) -> list[str]:
    """Drive the pair one delivery at a time, looking for leaks after each (mid-handshake and after)."""
    found: list[str] = []
    pair.start()
    found += leaks(pair, some_secrets=False)
    for _ in range(40):  # a bound: a handshake plus data is a few flights
        moved = False
        for src, dst in (("client", "server"), ("server", "client")):
            data = pair.conn(src).data_to_send()  # type: ignore[arg-type]
            if data:
                pair.deliver(dst, data)  # type: ignore[arg-type]
                moved = True
                found += leaks(pair, some_secrets=False)
        if not moved:
            break
    assert pair.client_error is None and pair.server_error is None, (pair.client_error, pair.server_error)
    assert pair.client.handshake_complete and pair.server.handshake_complete
    assert pair.transfer("client", b"ping") == b"ping" and pair.transfer("server", b"pong") == b"pong"
    found += leaks(pair)
    return sorted(set(found))


def kinds() -> list[Any]:
    out = []
    for version in (ProtocolVersion.TLS12, ProtocolVersion.TLS13):
        for mutual in (False, True):
            name = f"tls{'12' if version == ProtocolVersion.TLS12 else '13'}{'-mtls' if mutual else ''}"
            out.append(pytest.param(version, mutual, id=name))
    return out


@pytest.mark.parametrize(("version", "mutual"), kinds())
def test_no_repr_of_a_reachable_object_shows_a_secret(version: ProtocolVersion, mutual: bool) -> None:
    """A full handshake, then a resumed one with the same stores, walked flight by flight."""
    client_options: dict[str, Any] = {"min_version": version, "max_version": version}
    server_options: dict[str, Any] = {"session_cache": ServerSessionCache()}
    if mutual:
        client_options["client_certificate"] = chain_of(pki().client)
        server_options.update(client_auth="required", client_trust=pki().trust_store())
    client: ClientConfig = client_config(session_store=ClientSessionStore(), **client_options)
    server: ServerConfig = server_config(**server_options)
    full = Pair(client, server, keylog=True)
    assert walk_flights(full) == []
    resumed = Pair(client, server, keylog=True)
    assert walk_flights(resumed) == []
    assert resumed.client.negotiated is not None and resumed.client.negotiated.resumed


def test_the_walk_finds_a_secret_in_a_repr() -> None:
    """The detector itself: an object that prints a secret it holds is reported."""

    @dataclasses.dataclass
    class Leaky:
        secret: bytes

    pair = Pair(client_config(), server_config(), keylog=True)
    pair.handshake()
    leaked = bytes.fromhex(pair.client_keylog.lines[0].split()[2])
    pair.client._events.append(Leaky(leaked))  # type: ignore[arg-type]  # reachable in either build
    Leaky.__module__ = "glasstls.test_only"
    assert any(x.startswith("test_the_walk_finds_a_secret_in_a_repr.<locals>.Leaky") for x in leaks(pair))


def test_memory_keylog_is_the_only_place_secrets_are_kept_in_text() -> None:
    log = MemoryKeyLog()
    log.log("CLIENT_TRAFFIC_SECRET_0", bytes(32), b"\xab" * 32)
    assert "ab" * 32 in log.lines[0] and "abab" not in repr(log)
