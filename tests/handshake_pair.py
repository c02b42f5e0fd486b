"""In-memory client/server pairs for the handshake tests, and hooks that alter a handshake in flight.

No fault flags in production code (DESIGN "Tests"): negative tests change what one side sends from the
outside, in two ways:

* ``Pair.mutate(side, fn)``: while active, every handshake message ``side`` queues through
  ``glasstls.handshake.base.Actions.send`` goes through ``fn(message)`` first (``set_send_hook``, which works
  in the compiled build too). ``fn`` returns a replacement message, ``None`` (unchanged) or ``DROP`` (not
  sent). The sender hashes what it actually sent, so the transcript stays the sender's own;
  the receiver sees the altered message.
* ``Pair(..., on_wire=fn)``: every record travelling between the two sides goes through
  ``fn(direction, index, record) -> bytes`` (``direction`` is ``"c2s"`` or ``"s2c"``, ``index`` counts the
  records of that direction from 0). Return the record, altered bytes, ``b""`` (drop) or several records.

Secrets for decrypting or forging records come from the key log (``MemoryKeyLog``), never from internals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.errors import TLSError
from glasstls.events import DataReceived, Event
from glasstls.handshake.base import set_send_hook
from glasstls.pki.testpki import IssuedCertificate, KeyKind, TestPKI, issue_certificate, make_test_pki
from glasstls.record.protection import Tls13Protection
from glasstls.trace.keylog import MemoryKeyLog
from glasstls.wire.enums import AlertDescription, AlertLevel, CipherSuite, ContentType
from glasstls.wire.messages import Alert, HandshakeMessage

Side = Literal["client", "server"]
Direction = Literal["c2s", "s2c"]
WireHook = Callable[[Direction, int, bytes], bytes]
Mutator = Callable[[HandshakeMessage], "HandshakeMessage | _Drop | None"]

HOST = "localhost"


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


DROP = _Drop()


# -- the test PKI, made once per process (RSA key generation is slow) ------------------------------------


@functools.cache
def pki() -> TestPKI:
    return make_test_pki((HOST, "127.0.0.1"))


@functools.cache
def server_credential(kind: KeyKind, hosts: tuple[str, ...] = (HOST, "127.0.0.1")) -> IssuedCertificate:
    """A server leaf of ``kind`` under the test PKI's intermediate (cached)."""
    return issue_certificate(
        pki().intermediate, hosts=hosts, key_kind=kind, key_name=f"handshake-tests-{kind}", now=pki().now
    )


def chain_of(ic: IssuedCertificate) -> CertificateChain:
    return CertificateChain((ic.certificate, *ic.chain), ic.key)


def client_config(**overrides: Any) -> ClientConfig:
    options: dict[str, Any] = {"trust": pki().trust_store()}
    options.update(overrides)
    return ClientConfig(**options)


def server_config(**overrides: Any) -> ServerConfig:
    options: dict[str, Any] = {"certificates": (chain_of(pki().server_ecdsa),)}
    options.update(overrides)
    return ServerConfig(**options)


# -- records on the wire ---------------------------------------------------------------------------------


def split_records(data: bytes) -> list[bytes]:
    """Whole records (header included); a trailing partial record is returned as the last element."""
    out = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 5:
            out.append(data[pos:])
            break
        end = pos + 5 + int.from_bytes(data[pos + 3 : pos + 5], "big")
        out.append(data[pos:end])
        pos = end
    return out


def plaintext_record(content_type: ContentType, payload: bytes, version: int = 0x0303) -> bytes:
    return bytes([content_type]) + version.to_bytes(2, "big") + len(payload).to_bytes(2, "big") + payload


def plaintext_alert(record: bytes) -> Alert:
    """Decode a plaintext alert record."""
    assert record[0] == ContentType.ALERT, f"not a plaintext alert record: {record[:8].hex()}"
    return Alert.decode(record[5:])


def keylog_secret(keylog: MemoryKeyLog, label: str) -> bytes:
    """The last secret logged under ``label``."""
    for line in reversed(keylog.lines):
        name, _random, secret = line.split()
        if name == label:
            return bytes.fromhex(secret)
    raise KeyError(f"no {label} in the key log: {[line.split()[0] for line in keylog.lines]}")


def protection(suite: CipherSuite | Tls13CipherSuite, secret: bytes) -> Tls13Protection:
    """Record protection for one direction from a traffic secret (RFC 8446 section 7.3), sequence 0."""
    s = suite if isinstance(suite, Tls13CipherSuite) else TLS13_SUITES[suite]
    key, iv = ks.traffic_keys(s, secret)
    return Tls13Protection(s.aead(key), iv, tag_len=s.tag_len)


def open_record(prot: Tls13Protection, record: bytes) -> tuple[ContentType, bytes]:
    return prot.open(record[0], int.from_bytes(record[1:3], "big"), record[5:], record[:5])


def split_handshake(data: bytes) -> list[bytes]:
    """Handshake messages (4-byte header included) concatenated in ``data``."""
    out = []
    pos = 0
    while pos < len(data):
        end = pos + 4 + int.from_bytes(data[pos + 1 : pos + 4], "big")
        out.append(data[pos:end])
        pos = end
    return out


def last_alert(records: list[bytes], prot: Tls13Protection | None = None) -> Alert:
    """The alert in the last record: plaintext, or opened with ``prot`` (after skipping earlier records)."""
    record = records[-1]
    if prot is None:
        return plaintext_alert(record)
    ctype, content = open_record(prot, record)
    assert ctype == ContentType.ALERT, ctype
    return Alert.decode(content)


FATAL = AlertLevel.FATAL


def fatal(description: AlertDescription) -> Alert:
    return Alert(AlertLevel.FATAL, description)


# -- the pair --------------------------------------------------------------------------------------------


@dataclass
class Wire:
    """Everything that went between the two sides, record by record, in each direction (after the hook)."""

    c2s: list[bytes] = field(default_factory=list)
    s2c: list[bytes] = field(default_factory=list)

    def records(self, direction: Direction) -> list[bytes]:
        return self.c2s if direction == "c2s" else self.s2c

    def content_types(self, direction: Direction) -> list[int]:
        return [r[0] for r in self.records(direction)]

    def bytes(self, direction: Direction) -> bytes:
        return b"".join(self.records(direction))


class Pair:
    """A client and a server joined in memory.

    ``pump()`` moves bytes both ways until neither side has anything to send. A ``TLSError`` raised by a
    side is kept (``client_error`` / ``server_error``) and pumping goes on, so that the fatal alert reaches
    the other side. Events of each side accumulate in ``client_events`` / ``server_events``.
    """

    def __init__(
        self,
        client: ClientConfig | None = None,
        server: ServerConfig | None = None,
        server_name: str | None = HOST,
        *,
        on_wire: WireHook | None = None,
        keylog: bool = True,
    ) -> None:
        self.client_keylog = MemoryKeyLog()
        self.server_keylog = MemoryKeyLog()
        client = client or client_config()
        server = server or server_config()
        if keylog:
            client = _with(client, keylog=self.client_keylog)
            server = _with(server, keylog=self.server_keylog)
        self.client = ClientConnection(client, server_name=server_name)
        self.server = ServerConnection(server)
        self.client_events: list[Event] = []
        self.server_events: list[Event] = []
        self.client_error: TLSError | None = None
        self.server_error: TLSError | None = None
        self.wire = Wire()
        self.on_wire = on_wire
        self._counts = {"c2s": 0, "s2c": 0}
        self._pending = {"c2s": b"", "s2c": b""}
        self._active: Side | None = None
        self._mutators: list[tuple[Side, Mutator]] = []
        self._started = False

    # -- driving ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._started = True
        with self._as("client"):
            self.client.start()

    def pump(self, max_rounds: int = 1000) -> None:
        """Exchange bytes until both sides are quiet (bounded: a loop that never ends is a failure)."""
        if not self._started:
            self.start()
        for _ in range(max_rounds):
            moved = self._move("client", "server") | self._move("server", "client")
            if not moved:
                return
        raise AssertionError(f"the pair did not go quiet within {max_rounds} rounds")

    def handshake(self) -> tuple[Any, Any]:
        """Run the handshake to completion; returns (client.negotiated, server.negotiated)."""
        self.pump()
        assert self.client_error is None, f"client failed: {self.client_error!r}"
        assert self.server_error is None, f"server failed: {self.server_error!r}"
        assert self.client.handshake_complete and self.server.handshake_complete
        return self.client.negotiated, self.server.negotiated

    def send(self, side: Side, data: bytes) -> None:
        self.call(side, lambda: self.conn(side).send_data(data))

    def transfer(self, side: Side, data: bytes) -> bytes:
        """Send ``data`` from ``side``, pump, and return what the other side received as DataReceived."""
        peer: Side = "server" if side == "client" else "client"
        before = len(self.events(peer))
        self.send(side, data)
        self.pump()
        return b"".join(e.data for e in self.events(peer)[before:] if isinstance(e, DataReceived))

    def conn(self, side: Side) -> ClientConnection | ServerConnection:
        return self.client if side == "client" else self.server

    def events(self, side: Side) -> list[Event]:
        return self.client_events if side == "client" else self.server_events

    def error(self, side: Side) -> TLSError | None:
        return self.client_error if side == "client" else self.server_error

    def call(self, side: Side, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` (a call into ``side``'s connection) with mutators for ``side`` active."""
        try:
            with self._as(side):
                return fn()
        finally:
            self._collect(side)

    # -- in-flight message mutation --------------------------------------------------------------------

    @contextmanager
    def mutate(self, side: Side, fn: Mutator) -> Iterator[None]:
        """Alter the handshake messages ``side`` sends (see the module docstring)."""
        entry = (side, fn)
        self._mutators.append(entry)
        pair = self

        def hook(message: HandshakeMessage) -> HandshakeMessage | None:
            for who, mutator in pair._mutators:
                if who == pair._active:
                    result = mutator(message)
                    if result is DROP:
                        return None
                    if result is not None:
                        assert isinstance(result, HandshakeMessage)
                        message = result
            return message

        set_send_hook(hook)
        try:
            yield
        finally:
            self._mutators.remove(entry)
            if not self._mutators:
                set_send_hook(None)

    # -- internals -------------------------------------------------------------------------------------

    @contextmanager
    def _as(self, side: Side) -> Iterator[None]:
        previous = self._active
        self._active = side
        try:
            yield
        finally:
            self._active = previous

    def _move(self, src: Side, dst: Side) -> bool:
        direction: Direction = "c2s" if src == "client" else "s2c"
        with self._as(src):
            data = self.conn(src).data_to_send()
        if not data:
            return False
        # Split into whole records for the hook and the wire log (bytes may end in a partial record).
        buf = self._pending[direction] + data
        records = split_records(buf)
        if records and (len(records[-1]) < 5 or len(records[-1]) < 5 + int.from_bytes(records[-1][3:5], "big")):
            self._pending[direction] = records.pop()
        else:
            self._pending[direction] = b""
        out = bytearray()
        for record in records:
            index = self._counts[direction]
            self._counts[direction] += 1
            altered = self.on_wire(direction, index, record) if self.on_wire else record
            self.wire.records(direction).extend(split_records(altered))
            out += altered
        self.deliver(dst, bytes(out))
        return True

    def deliver(self, dst: Side, data: bytes) -> None:
        """Give ``data`` to ``dst`` as if it came from the peer (errors are kept, events collected)."""
        conn = self.conn(dst)
        if not data or conn.error is not None:
            self._collect(dst)
            return
        try:
            with self._as(dst):
                conn.receive_data(data)
        except TLSError as e:
            if dst == "client":
                self.client_error = self.client_error or e
            else:
                self.server_error = self.server_error or e
        self._collect(dst)

    def _collect(self, side: Side) -> None:
        self.events(side).extend(self.conn(side).events())


def _with(config: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(config, **changes)


def fixed_random(seed: bytes) -> Callable[[int], bytes]:
    """A deterministic ``random`` (SHAKE-256 stream of ``seed``): same seed, same bytes, every run."""
    import hashlib

    state = {"counter": 0}

    def random(n: int) -> bytes:
        state["counter"] += 1
        return hashlib.shake_256(seed + state["counter"].to_bytes(8, "big")).digest(n)

    return random


def read_alert(record: bytes, keylog: MemoryKeyLog, labels: tuple[str, ...] | None = None) -> Alert:
    """The alert a peer gets from ``record``: plaintext, or sealed under one of the sender's logged write
    secrets at sequence 0 (every suite is tried: a failed handshake has no negotiated one to ask)."""
    if record[0] == ContentType.ALERT:
        return plaintext_alert(record)
    names = {line.split()[0] for line in keylog.lines}
    candidates = labels or tuple(names)
    for label in candidates:
        if label not in names:
            continue
        secret = keylog_secret(keylog, label)
        for suite in TLS13_SUITES.values():
            if len(secret) != suite.hash_len:
                continue
            try:
                ctype, content = open_record(protection(suite, secret), record)
            except TLSError:
                continue
            assert ctype == ContentType.ALERT, ctype
            return Alert.decode(content)
    raise AssertionError(f"record {record[:5].hex()} is not an alert readable with {sorted(candidates)}")
