"""TLS 1.2: every handshake state against every message type (DESIGN "Tests"), both sides, full and resumed.

Each state is reached through a real handshake between a glasstls client and server, stopped at the right
moment (the approach of tests/test_handshake_states.py). The peer's flights are cut into delivery units: each
plaintext handshake message in a record of its own, every other record as it is. The units are delivered one
by one until the connection under test has received ``k`` of them; then a message is injected the public way,
as a record: plaintext before the peer's ChangeCipherSpec, afterwards sealed with the peer's TLS 1.2 write keys
(derived from the master secret in the NSS key log, never read from internals) at the next sequence number.

Outcome: the types the state accepts give the valid transition; every other type, a change_cipher_spec record
where none is expected, and application data before the handshake completed are unexpected_message, the alert
is on the wire, and the connection is failed for good (each later call raises the same error object). A client
ignores HelloRequest while it negotiates (RFC 5246 section 7.4.1.1), and refuses renegotiation afterwards.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.crypto import tls12
from glasstls.crypto.tls12 import TLS12_SUITES
from glasstls.errors import TLSError, UnexpectedMessage
from glasstls.events import DataReceived, HandshakeComplete
from glasstls.pki.testpki import make_ocsp_response
from glasstls.record.protection import RecordProtection
from glasstls.record.protection12 import tls12_protection
from glasstls.sessions import ClientSessionStore
from glasstls.trace.keylog import MemoryKeyLog
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    ClientCertificateType,
    ContentType,
    HandshakeType,
    KeyUpdateRequest,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    Alert,
    Certificate12,
    CertificateRequest12,
    CertificateStatus,
    CertificateVerify,
    ClientKeyExchangeEcdhe,
    EncryptedExtensions,
    EndOfEarlyData,
    Finished,
    HelloRequest,
    KeyUpdate,
    NewSessionTicket12,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchangeEcdhe,
)
from handshake_pair import (
    HOST,
    chain_of,
    client_config,
    pki,
    plaintext_record,
    server_config,
    server_credential,
    split_handshake,
    split_records,
)

V12 = ProtocolVersion.TLS12
HT = HandshakeType
SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
RSA_SUITE = CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256
UNKNOWN_TYPE = 0x63  # no handshake type in any version
CCS = "change_cipher_spec"  # a change_cipher_spec record
APP = "application_data"  # an application_data record
Kind = int | str

MESSAGE_TYPES: list[Kind] = [
    HT.HELLO_REQUEST,
    HT.CLIENT_HELLO,
    HT.SERVER_HELLO,
    HT.NEW_SESSION_TICKET,
    HT.END_OF_EARLY_DATA,
    HT.ENCRYPTED_EXTENSIONS,
    HT.CERTIFICATE,
    HT.SERVER_KEY_EXCHANGE,
    HT.CERTIFICATE_REQUEST,
    HT.SERVER_HELLO_DONE,
    HT.CERTIFICATE_VERIFY,
    HT.CLIENT_KEY_EXCHANGE,
    HT.FINISHED,
    HT.CERTIFICATE_STATUS,
    HT.KEY_UPDATE,
    UNKNOWN_TYPE,
    CCS,
    APP,
]


def kind_id(kind: Kind) -> str:
    if isinstance(kind, str):
        return kind
    return str(HT(kind)) if kind != UNKNOWN_TYPE else "unknown_0x63"


# -- the scenarios: configurations whose handshakes visit the states ------------------------------------------------


@functools.cache
def stapled_chain() -> CertificateChain:
    """The ECDSA server chain with a good OCSP response to staple (RFC 6066 section 8)."""
    staple = make_ocsp_response(pki().server_ecdsa.certificate, pki().intermediate, now=pki().now)
    return dataclasses.replace(chain_of(pki().server_ecdsa), ocsp_response=staple)


def scenario_configs(scenario: str, keylog: MemoryKeyLog) -> tuple[ClientConfig, ServerConfig]:
    """``full``: ECDHE_ECDSA, stapled OCSP, client certificate, session ticket (every client and server state).
    ``rsa``: the RSA key exchange (no ServerKeyExchange), no client certificate, no ticket, no session ID.
    ``resumed``: a session-ID resumption of an earlier full handshake (the abbreviated flow)."""
    if scenario == "full":
        return (
            client_config(
                max_version=V12, cipher_suites=(SUITE,), client_certificate=chain_of(pki().client), keylog=keylog
            ),
            server_config(
                certificates=(stapled_chain(),),
                client_auth="required",
                client_trust=pki().trust_store(),
                keylog=keylog,
            ),
        )
    if scenario == "rsa":
        return (
            client_config(max_version=V12, cipher_suites=(RSA_SUITE,), allow_rsa_key_exchange=True, keylog=keylog),
            server_config(
                certificates=(chain_of(server_credential("rsa-2048")),),
                allow_rsa_key_exchange=True,
                ticket_keys=None,
                session_cache=None,
                keylog=keylog,
            ),
        )
    assert scenario == "resumed"
    store = ClientSessionStore()
    client = client_config(max_version=V12, cipher_suites=(SUITE,), session_store=store, keylog=keylog)
    server = server_config(ticket_keys=None, keylog=keylog)
    first = Exchange(client, server)
    first.run()
    assert not first.client.negotiated.resumed  # type: ignore[union-attr]
    return client, server


# -- driving a real exchange unit by unit -----------------------------------------------------------------------------


def delivery_units(data: bytes, protected: bool) -> tuple[list[bytes], bool]:
    """``data`` (one flight) as delivery units; ``protected``: the sender's ChangeCipherSpec already went."""
    units: list[bytes] = []
    for record in split_records(data):
        if record[0] == ContentType.HANDSHAKE and not protected:
            units.extend(plaintext_record(ContentType.HANDSHAKE, m) for m in split_handshake(record[5:]))
        else:
            units.append(record)
        if record[0] == ContentType.CHANGE_CIPHER_SPEC:
            protected = True
    return units, protected


@dataclass
class Exchange:
    """A glasstls client and server, and every unit each side sent so far (after ``edit``)."""

    client_config: ClientConfig
    server_config: ServerConfig
    edit: Callable[[str, int, bytes], bytes] | None = None  # (sender, index, unit) -> the unit delivered
    client: ClientConnection = field(init=False)
    server: ServerConnection = field(init=False)
    sent: dict[str, list[bytes]] = field(init=False)

    def __post_init__(self) -> None:
        self.client = ClientConnection(self.client_config, server_name=HOST)
        self.server = ServerConnection(self.server_config)
        self.sent = {"client": [], "server": []}

    def conn(self, side: str) -> ClientConnection | ServerConnection:
        return self.client if side == "client" else self.server

    def run(self, target: str | None = None, k: int = 0) -> list[bytes]:
        """Deliver units until ``target`` has received ``k`` of them (``None``: to the end); returns the units
        its peer sent that it has not received (the real next messages)."""
        protected = {"client": False, "server": False}
        self.client.start()
        src = "client"
        for _ in range(20):  # a handshake has a handful of flights: a loop that does not end is a failure
            dst = "server" if src == "client" else "client"
            units, protected[src] = delivery_units(self.conn(src).data_to_send(), protected[src])
            if not units:
                peer = "server" if target == "client" else "client"
                if target is None or len(self.sent[peer]) == k:
                    return []
                raise AssertionError(f"the exchange ended before the {target} received {k} units")
            for i, unit in enumerate(units):
                if dst == target and len(self.sent[src]) == k:
                    return units[i:]
                if self.edit is not None:
                    unit = self.edit(src, len(self.sent[src]), unit)
                self.sent[src].append(unit)
                self.conn(dst).receive_data(unit)
            src = dst
        raise AssertionError("the exchange did not end")


def master_secret(keylog: MemoryKeyLog, client_random: bytes) -> bytes:
    """The master secret logged for the connection with ``client_random`` (NSS key log CLIENT_RANDOM line)."""
    for line in reversed(keylog.lines):
        label, random, secret = line.split()
        if label == "CLIENT_RANDOM" and bytes.fromhex(random) == client_random:
            return bytes.fromhex(secret)
    raise KeyError("no CLIENT_RANDOM line for this connection")


@dataclass
class Keys:
    """The TLS 1.2 record protection of one connection, rebuilt from its logged master secret (RFC 5246 6.3)."""

    suite: CipherSuite
    keylog: MemoryKeyLog
    client_random: bytes
    server_random: bytes
    encrypt_then_mac: bool = False

    def protection(self, writer: str, seq: int) -> RecordProtection:
        """``writer``'s protection at sequence number ``seq``."""
        suite = TLS12_SUITES[self.suite]
        master = master_secret(self.keylog, self.client_random)
        block = tls12.key_block(suite, master, self.client_random, self.server_random)
        keys = block.client if writer == "client" else block.server
        prot = tls12_protection(suite, keys, encrypt_then_mac=self.encrypt_then_mac, random=os.urandom)
        prot.records_protected = seq  # type: ignore[attr-defined]
        return prot

    def open(self, writer: str, seq: int, record: bytes) -> tuple[ContentType, bytes]:
        version = int.from_bytes(record[1:3], "big")
        return self.protection(writer, seq).open(record[0], version, record[5:], record[:5])

    def read_alert(self, record: bytes, writer: str) -> Alert:
        """The alert in ``record``: plaintext, or sealed with ``writer``'s keys (sequence numbers 0-15 tried)."""
        assert record[0] == ContentType.ALERT, record[:5].hex()
        if len(record) == 7:
            return Alert.decode(record[5:])
        for seq in range(16):
            try:
                ctype, content = self.open(writer, seq, record)
            except TLSError:
                continue
            assert ctype == ContentType.ALERT
            return Alert.decode(content)
        raise AssertionError(f"cannot open the alert record {record[:5].hex()}")


def hello_random(unit: bytes) -> bytes:
    """The random of a ClientHello or ServerHello alone in a plaintext record (RFC 5246 section 7.4.1.2)."""
    return unit[5 + 4 + 2 : 5 + 4 + 2 + 32]


def exchange_keys(exchange: Exchange, suite: CipherSuite, keylog: MemoryKeyLog) -> Keys:
    return Keys(suite, keylog, hello_random(exchange.sent["client"][0]), hello_random(exchange.sent["server"][0]))


# -- generic, well-formed encodings of each type (for the types a state must refuse) ----------------------------------


@functools.cache
def real_hellos() -> tuple[bytes, bytes]:
    """A real TLS 1.2 ClientHello and ServerHello (handshake messages, header included)."""
    exchange = Exchange(*scenario_configs("rsa", MemoryKeyLog()))
    exchange.run("client", 1)  # up to the ServerHello
    return exchange.sent["client"][0][5:], exchange.sent["server"][0][5:]


def generic_message(msg_type: int) -> bytes:
    if msg_type == UNKNOWN_TYPE:
        return bytes([UNKNOWN_TYPE, 0, 0, 1, 0])
    if msg_type == HT.CLIENT_HELLO:
        return real_hellos()[0]
    if msg_type == HT.SERVER_HELLO:
        return real_hellos()[1]
    scheme = SignatureScheme.ECDSA_SECP256R1_SHA256
    point = b"\x04" + bytes(range(64))
    return {
        HT.HELLO_REQUEST: HelloRequest(),
        HT.NEW_SESSION_TICKET: NewSessionTicket12(3600, b"opaque ticket"),
        HT.END_OF_EARLY_DATA: EndOfEarlyData(),
        HT.ENCRYPTED_EXTENSIONS: EncryptedExtensions(()),
        HT.CERTIFICATE: Certificate12((pki().server_ecdsa.der,)),
        HT.SERVER_KEY_EXCHANGE: ServerKeyExchangeEcdhe(NamedGroup.SECP256R1, point, scheme, b"\x30" * 70),
        HT.CERTIFICATE_REQUEST: CertificateRequest12((ClientCertificateType.ECDSA_SIGN,), (scheme,)),
        HT.SERVER_HELLO_DONE: ServerHelloDone(),
        HT.CERTIFICATE_VERIFY: CertificateVerify(scheme, b"\x30" * 70),
        HT.CLIENT_KEY_EXCHANGE: ClientKeyExchangeEcdhe(point),
        HT.FINISHED: Finished(bytes(12)),
        HT.CERTIFICATE_STATUS: CertificateStatus(b"\x30\x03\x0a\x01\x00"),
        HT.KEY_UPDATE: KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED),
    }[HT(msg_type)].encode()


# -- a connection in a given state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSpec:
    """Where a stage is: ``side`` has received ``k`` units of ``scenario`` and is in ``state``; ``accepts``: each
    kind the state takes, and the state it leads to."""

    name: str
    scenario: str
    side: str
    k: int
    state: str
    accepts: dict[Kind, str]


@dataclass
class Stage:
    """A connection in a given state, how its peer would send the next record, and the real next messages."""

    spec: StageSpec
    conn: ClientConnection | ServerConnection
    keys: Keys
    peer_seq: int | None  # None: the peer's records are still plaintext; else its next sequence number
    real: dict[Kind, bytes]  # the genuine next handshake messages (header included) by type

    @property
    def peer(self) -> str:
        return "server" if self.spec.side == "client" else "client"

    def seal(self, ctype: ContentType, content: bytes) -> bytes:
        """The record the peer would send now with ``content`` (sealed once its ChangeCipherSpec went)."""
        if self.peer_seq is None:
            return plaintext_record(ctype, content)
        return self.keys.protection(self.peer, self.peer_seq).seal(ctype, content)

    def record_for(self, kind: Kind) -> bytes:
        """A record carrying ``kind``: the real message when the exchange has one, else a generic one."""
        if kind == CCS:
            return self.seal(ContentType.CHANGE_CIPHER_SPEC, b"\x01")
        if kind == APP:
            return self.seal(ContentType.APPLICATION_DATA, b"application data")
        assert isinstance(kind, int)
        return self.seal(ContentType.HANDSHAKE, self.real.get(kind) or generic_message(kind))

    def alert(self, record: bytes) -> Alert:
        return self.keys.read_alert(record, self.spec.side)


def resumed_ticket_edit(sender: str, index: int, unit: bytes) -> bytes:
    """The resuming server acknowledges session_ticket (RFC 5077 section 3.1): a NewSessionTicket is due."""
    if sender != "server" or index != 0:
        return unit
    sh = ServerHello.decode_body(unit[9:])
    sh = dataclasses.replace(sh, extensions=(*sh.extensions, ext.SessionTicket(b"")))
    return plaintext_record(ContentType.HANDSHAKE, sh.encode())


def reach(spec: StageSpec) -> Stage:
    """A fresh connection driven into ``spec``'s state by a real exchange."""
    keylog = MemoryKeyLog()
    scenario = "resumed" if spec.scenario == "resumed-ticket" else spec.scenario
    exchange = Exchange(*scenario_configs(scenario, keylog))
    if spec.scenario == "resumed-ticket":
        exchange.edit = resumed_ticket_edit
    rest = exchange.run(spec.side, spec.k)
    conn = exchange.conn(spec.side)
    assert conn.error is None, conn.error
    assert conn.state_name == spec.state, (conn.state_name, spec)
    conn.data_to_send()  # drained: what comes out next answers the injection
    conn.events()
    keys = exchange_keys(exchange, RSA_SUITE if spec.scenario == "rsa" else SUITE, keylog)
    peer = "server" if spec.side == "client" else "client"
    received = exchange.sent[peer]
    ccs = [i for i, u in enumerate(received) if u[0] == ContentType.CHANGE_CIPHER_SPEC]
    peer_seq = len(received) - ccs[0] - 1 if ccs else None
    real: dict[Kind, bytes] = {}
    seq = peer_seq
    for unit in rest:
        if unit[0] == ContentType.CHANGE_CIPHER_SPEC:
            real.setdefault(CCS, b"\x01")
            seq = 0
        elif unit[0] == ContentType.HANDSHAKE:
            content = unit[5:] if seq is None else keys.open(peer, seq, unit)[1]
            real.setdefault(content[0], content)
            seq = None if seq is None else seq + 1
    return Stage(spec, conn, keys, peer_seq, real)


R = "ExpectCertificateRequestOrDone12"
CLIENT_STAGES = [
    # full: ServerHello Certificate CertificateStatus ServerKeyExchange CertificateRequest ServerHelloDone
    #       NewSessionTicket ChangeCipherSpec Finished
    StageSpec("Certificate", "full", "client", 1, "ExpectCertificate12", {HT.CERTIFICATE: "ExpectCertificateStatus12"}),
    StageSpec(
        "CertificateStatus",
        "full",
        "client",
        2,
        "ExpectCertificateStatus12",
        # RFC 6066 section 8: the server may acknowledge status_request and still staple nothing.
        {HT.CERTIFICATE_STATUS: "ExpectServerKeyExchange12", HT.SERVER_KEY_EXCHANGE: R},
    ),
    StageSpec("ServerKeyExchange", "full", "client", 3, "ExpectServerKeyExchange12", {HT.SERVER_KEY_EXCHANGE: R}),
    StageSpec(
        "CertificateRequestOrDone",
        "full",
        "client",
        4,
        R,
        {HT.CERTIFICATE_REQUEST: R, HT.SERVER_HELLO_DONE: "ExpectNewSessionTicket12"},
    ),
    StageSpec("ServerHelloDone", "full", "client", 5, R, {HT.SERVER_HELLO_DONE: "ExpectNewSessionTicket12"}),
    StageSpec(
        "NewSessionTicket",
        "full",
        "client",
        6,
        "ExpectNewSessionTicket12",
        {HT.NEW_SESSION_TICKET: "ExpectChangeCipherSpec12"},
    ),
    StageSpec("ChangeCipherSpec", "full", "client", 7, "ExpectChangeCipherSpec12", {CCS: "ExpectServerFinished12"}),
    StageSpec("Finished", "full", "client", 8, "ExpectServerFinished12", {HT.FINISHED: "Traffic12"}),
    StageSpec("Traffic", "full", "client", 9, "Traffic12", {HT.HELLO_REQUEST: "Traffic12", APP: "Traffic12"}),
    # rsa: ServerHello Certificate ServerHelloDone ChangeCipherSpec Finished (no ServerKeyExchange, no ticket)
    StageSpec(
        "rsa-CertificateRequestOrDone",
        "rsa",
        "client",
        2,
        R,
        {HT.CERTIFICATE_REQUEST: R, HT.SERVER_HELLO_DONE: "ExpectChangeCipherSpec12"},
    ),
    StageSpec("rsa-ChangeCipherSpec", "rsa", "client", 3, "ExpectChangeCipherSpec12", {CCS: "ExpectServerFinished12"}),
    # resumed: ServerHello ChangeCipherSpec Finished
    StageSpec(
        "resumed-ChangeCipherSpec", "resumed", "client", 1, "ExpectChangeCipherSpec12", {CCS: "ExpectServerFinished12"}
    ),
    StageSpec("resumed-Finished", "resumed", "client", 2, "ExpectServerFinished12", {HT.FINISHED: "Traffic12"}),
    StageSpec(
        "resumed-Traffic", "resumed", "client", 3, "Traffic12", {HT.HELLO_REQUEST: "Traffic12", APP: "Traffic12"}
    ),
    # resumed, the ServerHello acknowledging session_ticket: ServerHello NewSessionTicket ...
    StageSpec(
        "resumed-NewSessionTicket",
        "resumed-ticket",
        "client",
        1,
        "ExpectNewSessionTicket12",
        {HT.NEW_SESSION_TICKET: "ExpectChangeCipherSpec12"},
    ),
]
SERVER_STAGES = [
    # full: ClientHello Certificate ClientKeyExchange CertificateVerify ChangeCipherSpec Finished
    StageSpec(
        "ClientCertificate",
        "full",
        "server",
        1,
        "ExpectClientCertificate12",
        {HT.CERTIFICATE: "ExpectClientKeyExchange12"},
    ),
    StageSpec(
        "ClientKeyExchange",
        "full",
        "server",
        2,
        "ExpectClientKeyExchange12",
        {HT.CLIENT_KEY_EXCHANGE: "ExpectClientCertificateVerify12"},
    ),
    StageSpec(
        "CertificateVerify",
        "full",
        "server",
        3,
        "ExpectClientCertificateVerify12",
        {HT.CERTIFICATE_VERIFY: "ExpectClientChangeCipherSpec12"},
    ),
    StageSpec(
        "ChangeCipherSpec", "full", "server", 4, "ExpectClientChangeCipherSpec12", {CCS: "ExpectClientFinished12"}
    ),
    StageSpec("Finished", "full", "server", 5, "ExpectClientFinished12", {HT.FINISHED: "Traffic12"}),
    StageSpec("Traffic", "full", "server", 6, "Traffic12", {HT.CLIENT_HELLO: "Traffic12", APP: "Traffic12"}),
    # rsa: ClientHello ClientKeyExchange ChangeCipherSpec Finished
    StageSpec(
        "rsa-ClientKeyExchange",
        "rsa",
        "server",
        1,
        "ExpectClientKeyExchange12",
        {HT.CLIENT_KEY_EXCHANGE: "ExpectClientChangeCipherSpec12"},
    ),
    # resumed: ClientHello ChangeCipherSpec Finished
    StageSpec(
        "resumed-ChangeCipherSpec",
        "resumed",
        "server",
        1,
        "ExpectClientChangeCipherSpec12",
        {CCS: "ExpectClientFinished12"},
    ),
    StageSpec("resumed-Finished", "resumed", "server", 2, "ExpectClientFinished12", {HT.FINISHED: "Traffic12"}),
    StageSpec("resumed-Traffic", "resumed", "server", 3, "Traffic12", {HT.CLIENT_HELLO: "Traffic12", APP: "Traffic12"}),
]


# -- the matrix -------------------------------------------------------------------------------------------------------


def check_accepted(stage: Stage, kind: Kind) -> None:
    conn = stage.conn
    spec = stage.spec
    before = len(conn.trace)
    conn.receive_data(stage.record_for(kind))
    assert conn.error is None
    assert conn.state_name == spec.accepts[kind]
    events = conn.events()
    out = split_records(conn.data_to_send())
    if isinstance(kind, int):
        received = [e.step for e in conn.trace[before:] if e.kind == "message_received"]
        assert received == [str(HT(kind))]
    if kind == APP:
        assert events == [DataReceived(b"application data")]
    if spec.state != "Traffic12" and spec.accepts[kind] == "Traffic12":
        assert any(isinstance(e, HandshakeComplete) for e in events)
        assert conn.handshake_complete
    if spec.state == "Traffic12" and kind in (HT.HELLO_REQUEST, HT.CLIENT_HELLO):
        # RFC 5746 section 4.2 / 4.4: renegotiation refused with a no_renegotiation warning; the connection lives.
        assert [stage.alert(r) for r in out] == [Alert(AlertLevel.WARNING, AlertDescription.NO_RENEGOTIATION)]
        assert not conn.closed


def check_ignored_hello_request(stage: Stage) -> None:
    """RFC 5246 section 7.4.1.1: a client negotiating a session ignores HelloRequest (and does not hash it)."""
    conn = stage.conn
    conn.receive_data(stage.record_for(HT.HELLO_REQUEST))
    assert conn.error is None
    assert conn.state_name == stage.spec.state
    assert conn.data_to_send() == b""
    assert any("ignored HelloRequest" in e.summary for e in conn.trace)


def check_refused(stage: Stage, kind: Kind) -> None:
    conn = stage.conn
    with pytest.raises(UnexpectedMessage) as caught:
        conn.receive_data(stage.record_for(kind))
    err = caught.value
    assert err.alert == AlertDescription.UNEXPECTED_MESSAGE
    assert err.step and str(err).startswith(f"{err.step}: ")
    assert conn.error is err and conn.closed and conn.state_name == "Closed"
    out = split_records(conn.data_to_send())
    assert out, "no alert was sent"
    assert stage.alert(out[-1]) == Alert(AlertLevel.FATAL, AlertDescription.UNEXPECTED_MESSAGE)
    # Failed for good: every later call raises the same error object, and nothing more is sent.
    later_calls: list[Callable[[], None]] = [
        lambda: conn.receive_data(stage.record_for(kind)),
        lambda: conn.receive_data(b"\x16\x03\x03\x00\x04\x0e\x00\x00\x00"),
        conn.receive_eof,
        lambda: conn.send_data(b"x"),
    ]
    for again in later_calls:
        with pytest.raises(TLSError) as later:
            again()
        assert later.value is err
    assert conn.data_to_send() == b""


def check(spec: StageSpec, kind: Kind) -> None:
    stage = reach(spec)
    if kind in spec.accepts:
        check_accepted(stage, kind)
    elif kind == HT.HELLO_REQUEST and spec.side == "client":
        check_ignored_hello_request(stage)
    else:
        check_refused(stage, kind)


@pytest.mark.parametrize("kind", MESSAGE_TYPES, ids=kind_id)
@pytest.mark.parametrize("spec", CLIENT_STAGES, ids=lambda s: s.name)
def test_client_state_against_message(spec: StageSpec, kind: Kind) -> None:
    check(spec, kind)


@pytest.mark.parametrize("kind", MESSAGE_TYPES, ids=kind_id)
@pytest.mark.parametrize("spec", SERVER_STAGES, ids=lambda s: s.name)
def test_server_state_against_message(spec: StageSpec, kind: Kind) -> None:
    check(spec, kind)
