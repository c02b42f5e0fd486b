"""Every handshake state against every handshake message type (DESIGN "Tests").

Each state is reached through a real handshake, stopped at the right moment. The message is then given to
the connection the public way: as a record, plaintext before keys exist, otherwise sealed with the peer's
traffic keys (taken from the NSS key log) at the next sequence number. To stop between two messages that
the peer sent in one record, the peer's encrypted flight is opened with the logged secret and re-sealed
one message per record.

Outcome: the type the state accepts gives the valid transition; every other type is unexpected_message, the
alert is on the wire, and the connection is failed for good (each later call raises the same error object).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import BadRecordMac, TLSError, UnexpectedMessage
from glasstls.events import HandshakeComplete, KeyUpdated, NewSessionTicketReceived
from glasstls.record.protection import Tls13Protection
from glasstls.trace.keylog import MemoryKeyLog
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    CipherSuite,
    ContentType,
    HandshakeType,
    KeyUpdateRequest,
    SignatureScheme,
)
from glasstls.wire.messages import (
    Alert,
    Certificate,
    CertificateEntry,
    CertificateRequest,
    CertificateVerify,
    EncryptedExtensions,
    EndOfEarlyData,
    Finished,
    KeyUpdate,
    NewSessionTicket,
)
from handshake_pair import (
    HOST,
    chain_of,
    client_config,
    keylog_secret,
    open_record,
    pki,
    plaintext_record,
    protection,
    server_config,
    split_handshake,
    split_records,
)

SUITE = CipherSuite.TLS_AES_128_GCM_SHA256  # SHA-256: a 32-byte Finished
HT = HandshakeType
UNKNOWN_TYPE = 0x63  # not a TLS 1.3 handshake type

# What each state must accept (written out here, not read from the code under test).
CLIENT_ACCEPTS: dict[str, frozenset[int]] = {
    "ExpectServerHello": frozenset({HT.SERVER_HELLO}),
    "ExpectEncryptedExtensions": frozenset({HT.ENCRYPTED_EXTENSIONS}),
    "ExpectCertificateOrCertificateRequest": frozenset({HT.CERTIFICATE, HT.CERTIFICATE_REQUEST}),
    "ExpectCertificate": frozenset({HT.CERTIFICATE}),
    "ExpectCertificateVerify": frozenset({HT.CERTIFICATE_VERIFY}),
    "ExpectFinished": frozenset({HT.FINISHED}),
    "TrafficState": frozenset({HT.KEY_UPDATE, HT.NEW_SESSION_TICKET}),
}
SERVER_ACCEPTS: dict[str, frozenset[int]] = {
    "ExpectClientHello": frozenset({HT.CLIENT_HELLO}),
    "ExpectClientCertificate": frozenset({HT.CERTIFICATE}),
    "ExpectClientCertificateVerify": frozenset({HT.CERTIFICATE_VERIFY}),
    "ExpectClientFinished": frozenset({HT.FINISHED}),
    "TrafficState": frozenset({HT.KEY_UPDATE}),
}
# The state each valid message leads to.
CLIENT_NEXT: dict[tuple[str, int], str] = {
    ("ExpectServerHello", HT.SERVER_HELLO): "ExpectEncryptedExtensions",
    ("ExpectEncryptedExtensions", HT.ENCRYPTED_EXTENSIONS): "ExpectCertificateOrCertificateRequest",
    ("ExpectCertificateOrCertificateRequest", HT.CERTIFICATE_REQUEST): "ExpectCertificate",
    ("ExpectCertificateOrCertificateRequest", HT.CERTIFICATE): "ExpectCertificateVerify",
    ("ExpectCertificate", HT.CERTIFICATE): "ExpectCertificateVerify",
    ("ExpectCertificateVerify", HT.CERTIFICATE_VERIFY): "ExpectFinished",
    ("ExpectFinished", HT.FINISHED): "TrafficState",
    ("TrafficState", HT.KEY_UPDATE): "TrafficState",
    ("TrafficState", HT.NEW_SESSION_TICKET): "TrafficState",
}
SERVER_NEXT: dict[tuple[str, int], str] = {
    ("ExpectClientHello", HT.CLIENT_HELLO): "ExpectClientCertificate",
    ("ExpectClientCertificate", HT.CERTIFICATE): "ExpectClientCertificateVerify",
    ("ExpectClientCertificateVerify", HT.CERTIFICATE_VERIFY): "ExpectClientFinished",
    ("ExpectClientFinished", HT.FINISHED): "TrafficState",
    ("TrafficState", HT.KEY_UPDATE): "TrafficState",
}
MESSAGE_TYPES = [
    HT.CLIENT_HELLO,
    HT.SERVER_HELLO,
    HT.ENCRYPTED_EXTENSIONS,
    HT.CERTIFICATE,
    HT.CERTIFICATE_REQUEST,
    HT.CERTIFICATE_VERIFY,
    HT.FINISHED,
    HT.NEW_SESSION_TICKET,
    HT.KEY_UPDATE,
    HT.END_OF_EARLY_DATA,
    UNKNOWN_TYPE,
]


def _type_id(t: int) -> str:
    return str(HT(t)) if t != UNKNOWN_TYPE else "unknown_0x63"


@dataclass
class Handshake:
    """A mutual-TLS client and server (fixed suite, no CCS) with key logs."""

    client_keylog: MemoryKeyLog = field(default_factory=MemoryKeyLog)
    server_keylog: MemoryKeyLog = field(default_factory=MemoryKeyLog)
    client: ClientConnection = field(init=False)
    server: ServerConnection = field(init=False)

    def __post_init__(self) -> None:
        self.client = ClientConnection(_client_cfg(self.client_keylog), server_name=HOST)
        self.server = ServerConnection(_server_cfg(self.server_keylog))


def _client_cfg(keylog: MemoryKeyLog) -> ClientConfig:
    return client_config(
        cipher_suites=(SUITE,),
        middlebox_compatibility=False,
        client_certificate=chain_of(pki().client),
        keylog=keylog,
    )


def _server_cfg(keylog: MemoryKeyLog) -> ServerConfig:
    return server_config(
        cipher_suites=(SUITE,),
        middlebox_compatibility=False,
        client_auth="required",
        client_trust=pki().trust_store(),
        session_tickets=0,  # the post-handshake state is tested alone, without tickets in flight
        keylog=keylog,
    )


def _open_flight(records: list[bytes], secret: bytes) -> list[bytes]:
    prot = protection(SUITE, secret)
    data = b""
    for record in records:
        ctype, content = open_record(prot, record)
        assert ctype == ContentType.HANDSHAKE
        data += content
    return split_handshake(data)


@dataclass
class Stage:
    """A connection in a given state, and how its peer would send the next handshake message."""

    conn: ClientConnection | ServerConnection
    seal: Callable[[ContentType, bytes], bytes]  # content -> the record the peer would send now
    alert_secrets: list[bytes]  # candidate write secrets of ``conn`` (to read its alert)
    real: dict[int, bytes]  # the genuine next messages, by type

    def send(self, message: bytes) -> bytes:
        return self.seal(ContentType.HANDSHAKE, message)


def _sealer(secret: bytes) -> Callable[[ContentType, bytes], bytes]:
    return protection(SUITE, secret).seal


def _plain(ctype: ContentType, data: bytes) -> bytes:
    return plaintext_record(ctype, data)


def client_stage(state: str) -> Stage:
    """A fresh client driven into ``state`` with a recorded server's messages (same keys: fixed random)."""
    # The recorded server flight is only valid for the client that produced the ClientHello; so replay the
    # whole exchange with a new pair and stop the client where we want it.
    hs = Handshake()
    hs.client.start()
    hs.server.receive_data(hs.client.data_to_send())
    records = split_records(hs.server.data_to_send())
    s_hs = keylog_secret(hs.server_keylog, "SERVER_HANDSHAKE_TRAFFIC_SECRET")
    flight = _open_flight(records[1:], s_hs)
    by_type = {m[0]: m for m in flight}
    seal = _sealer(s_hs)
    client = hs.client
    order = list(CLIENT_ACCEPTS)
    steps = order.index(state)
    real: dict[int, bytes] = {}
    if steps == 0:
        send = _plain
        real[HT.SERVER_HELLO] = split_handshake(records[0][5:])[0]
    else:
        client.receive_data(records[0])  # ServerHello
        # Deliver EE, CR, Certificate, CertificateVerify, Finished one per record, up to the state.
        plan = {
            "ExpectEncryptedExtensions": [],
            "ExpectCertificateOrCertificateRequest": [HT.ENCRYPTED_EXTENSIONS],
            "ExpectCertificate": [HT.ENCRYPTED_EXTENSIONS, HT.CERTIFICATE_REQUEST],
            "ExpectCertificateVerify": [HT.ENCRYPTED_EXTENSIONS, HT.CERTIFICATE_REQUEST, HT.CERTIFICATE],
            "ExpectFinished": [HT.ENCRYPTED_EXTENSIONS, HT.CERTIFICATE_REQUEST, HT.CERTIFICATE, HT.CERTIFICATE_VERIFY],
            "TrafficState": [t for t in by_type],
        }[state]
        for t in plan:
            client.receive_data(seal(ContentType.HANDSHAKE, by_type[t]))
        send = seal
        real = {t: m for t, m in by_type.items() if t not in plan}
        if state == "ExpectCertificateOrCertificateRequest":
            # Certificate without CertificateRequest is also valid here (server not asking for one).
            real[HT.CERTIFICATE] = by_type[HT.CERTIFICATE]
        if state == "TrafficState":
            send = _sealer(keylog_secret(hs.server_keylog, "SERVER_TRAFFIC_SECRET_0"))
            real = {
                HT.KEY_UPDATE: KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED).encode(),
                HT.NEW_SESSION_TICKET: NewSessionTicket(7200, 12345, b"\x01", b"opaque ticket").encode(),
            }
    assert client.error is None, client.error
    assert client.state_name == state
    client.data_to_send()  # drain: the next record out of the client is its answer to the injection
    secrets = [
        keylog_secret(hs.client_keylog, label)
        for label in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0")
        if any(line.startswith(label + " ") for line in hs.client_keylog.lines)
    ]
    return Stage(client, send, secrets, real)


def server_stage(state: str) -> Stage:
    hs = Handshake()
    server = hs.server
    real: dict[int, bytes] = {}
    if state == "ExpectClientHello":
        hs.client.start()
        real[HT.CLIENT_HELLO] = split_handshake(hs.client.data_to_send()[5:])[0]
        assert server.state_name == state
        return Stage(server, _plain, [], real)
    hs.client.start()
    server.receive_data(hs.client.data_to_send())
    hs.client.receive_data(server.data_to_send())
    c_hs = keylog_secret(hs.client_keylog, "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
    flight = _open_flight(split_records(hs.client.data_to_send()), c_hs)
    by_type = {m[0]: m for m in flight}
    seal = _sealer(c_hs)
    plan = {
        "ExpectClientCertificate": [],
        "ExpectClientCertificateVerify": [HT.CERTIFICATE],
        "ExpectClientFinished": [HT.CERTIFICATE, HT.CERTIFICATE_VERIFY],
        "TrafficState": [HT.CERTIFICATE, HT.CERTIFICATE_VERIFY, HT.FINISHED],
    }[state]
    for t in plan:
        server.receive_data(seal(ContentType.HANDSHAKE, by_type[t]))
    send = seal
    real = {t: m for t, m in by_type.items() if t not in plan}
    if state == "TrafficState":
        send = _sealer(keylog_secret(hs.client_keylog, "CLIENT_TRAFFIC_SECRET_0"))
        real = {HT.KEY_UPDATE: KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED).encode()}
    assert server.error is None, server.error
    assert server.state_name == state
    server.data_to_send()
    return Stage(server, send, [keylog_secret(hs.server_keylog, "SERVER_TRAFFIC_SECRET_0")], real)


# -- generic, well-formed encodings of each type (for the types a state must refuse) ----------------------------------


def generic_message(msg_type: int) -> bytes:
    if msg_type == UNKNOWN_TYPE:
        return bytes([UNKNOWN_TYPE, 0, 0, 1, 0])
    if msg_type == HT.CLIENT_HELLO:
        hs = Handshake()
        hs.client.start()
        return split_handshake(hs.client.data_to_send()[5:])[0]
    if msg_type == HT.SERVER_HELLO:
        hs = Handshake()
        hs.client.start()
        hs.server.receive_data(hs.client.data_to_send())
        return split_handshake(split_records(hs.server.data_to_send())[0][5:])[0]
    sig_algs = ext.SignatureAlgorithms((SignatureScheme.ECDSA_SECP256R1_SHA256,))
    cert = CertificateEntry(pki().server_ecdsa.der)
    return {
        HT.ENCRYPTED_EXTENSIONS: EncryptedExtensions(()),
        HT.CERTIFICATE: Certificate(b"", (cert,)),
        HT.CERTIFICATE_REQUEST: CertificateRequest(b"", (sig_algs,)),
        HT.CERTIFICATE_VERIFY: CertificateVerify(SignatureScheme.ECDSA_SECP256R1_SHA256, b"\x30" * 70),
        HT.FINISHED: Finished(bytes(32)),
        HT.NEW_SESSION_TICKET: NewSessionTicket(3600, 1, b"\x00", b"ticket"),
        HT.KEY_UPDATE: KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED),
        HT.END_OF_EARLY_DATA: EndOfEarlyData(),
    }[HT(msg_type)].encode()


def read_alert(record: bytes, secrets: list[bytes]) -> Alert:
    """The alert in ``record``: plaintext, or sealed under one of the sender's write secrets (sequence 0)."""
    if record[0] == ContentType.ALERT:
        return Alert.decode(record[5:])
    for secret in secrets:
        prot: Tls13Protection = protection(SUITE, secret)
        try:
            ctype, content = open_record(prot, record)
        except BadRecordMac:
            continue
        assert ctype == ContentType.ALERT
        return Alert.decode(content)
    raise AssertionError(f"record {record[:5].hex()} is no alert we can read")


# -- the matrix -------------------------------------------------------------------------------------------------------


def _check(
    stage: Stage, state: str, msg_type: int, accepts: frozenset[int], next_state: dict[tuple[str, int], str]
) -> None:
    conn = stage.conn
    if msg_type in accepts:
        before = len(conn.trace)
        conn.receive_data(stage.send(stage.real[msg_type]))
        assert conn.error is None
        assert conn.state_name == next_state[(state, msg_type)]
        received = [e for e in conn.trace[before:] if e.kind == "message_received"]
        assert [e.step for e in received] == [str(HT(msg_type))]
        events = conn.events()
        if next_state[(state, msg_type)] == "TrafficState" and state != "TrafficState":
            assert any(isinstance(e, HandshakeComplete) for e in events)
        if msg_type == HT.KEY_UPDATE:
            assert KeyUpdated("read") in events
        if msg_type == HT.NEW_SESSION_TICKET:
            assert any(isinstance(e, NewSessionTicketReceived) for e in events)
        return
    with pytest.raises(UnexpectedMessage) as caught:
        conn.receive_data(stage.send(generic_message(msg_type)))
    err = caught.value
    assert err.alert == AlertDescription.UNEXPECTED_MESSAGE
    assert err.step and str(err).startswith(err.step)
    assert conn.error is err and conn.closed and conn.state_name == "Closed"
    out = split_records(conn.data_to_send())
    assert out, "no alert was sent"
    alert = read_alert(out[-1], stage.alert_secrets)
    assert alert == Alert(2, AlertDescription.UNEXPECTED_MESSAGE)  # type: ignore[arg-type]
    # Failed for good: every later call raises the same error object, and nothing more is sent.
    with pytest.raises(TLSError) as again:
        conn.receive_data(stage.send(stage.real.get(msg_type, generic_message(msg_type))))
    assert again.value is err
    with pytest.raises(TLSError) as again_eof:
        conn.receive_eof()
    assert again_eof.value is err
    assert conn.data_to_send() == b""


@pytest.mark.parametrize("msg_type", MESSAGE_TYPES, ids=_type_id)
@pytest.mark.parametrize("state", list(CLIENT_ACCEPTS))
def test_client_state_against_message(state: str, msg_type: int) -> None:
    _check(client_stage(state), state, msg_type, CLIENT_ACCEPTS[state], CLIENT_NEXT)


@pytest.mark.parametrize("msg_type", MESSAGE_TYPES, ids=_type_id)
@pytest.mark.parametrize("state", list(SERVER_ACCEPTS))
def test_server_state_against_message(state: str, msg_type: int) -> None:
    _check(server_stage(state), state, msg_type, SERVER_ACCEPTS[state], SERVER_NEXT)


def test_states_are_reached_in_order() -> None:
    """Driving the client one message at a time visits every client state in the documented order."""
    names = [client_stage(state).conn.state_name for state in CLIENT_ACCEPTS]
    assert names == list(CLIENT_ACCEPTS)
    names = [server_stage(state).conn.state_name for state in SERVER_ACCEPTS]
    assert names == list(SERVER_ACCEPTS)


@pytest.mark.parametrize("state", ["ExpectEncryptedExtensions", "ExpectCertificateVerify", "ExpectFinished"])
def test_client_refuses_application_data_before_the_handshake_completes(state: str) -> None:
    stage = client_stage(state)
    with pytest.raises(UnexpectedMessage) as caught:
        stage.conn.receive_data(stage.seal(ContentType.APPLICATION_DATA, b"too early"))
    assert caught.value.step and caught.value.step in str(caught.value)
    assert stage.conn.error is caught.value


@pytest.mark.parametrize("state", ["ExpectClientCertificate", "ExpectClientFinished"])
def test_server_refuses_application_data_before_the_handshake_completes(state: str) -> None:
    stage = server_stage(state)
    with pytest.raises(UnexpectedMessage):
        stage.conn.receive_data(stage.seal(ContentType.APPLICATION_DATA, b"too early"))
    alert = read_alert(split_records(stage.conn.data_to_send())[-1], stage.alert_secrets)
    assert alert.description == AlertDescription.UNEXPECTED_MESSAGE
