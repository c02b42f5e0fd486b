"""The contenders of the handshake and bulk rows: glasstls pairs and Python's ``ssl`` over memory BIOs."""

from __future__ import annotations

import ctypes
import ssl
import sys
import time
from dataclasses import dataclass
from typing import Any

from glasstls.bench.cases import GROUPS12, GROUPS13, HOST, TLS13, WRITE, BenchError, Case, CertKind, Material
from glasstls.bench.floor import FloorHandshake, FloorHandshake12
from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.events import DataReceived
from glasstls.pki.trust import TrustStore
from glasstls.sessions import ClientSessionStore
from glasstls.wire.enums import CipherSuite, NamedGroup

# -- glasstls ------------------------------------------------------------------------------------------


def glasstls_configs(
    trust: TrustStore, chain: CertificateChain, suite: CipherSuite
) -> tuple[ClientConfig, ServerConfig]:
    """TLS 1.3 full handshakes only: x25519, one suite, no session tickets and no client session store."""
    groups = GROUPS13
    client = ClientConfig(
        trust=trust, groups=groups, key_share_groups=groups, cipher_suites=(suite,), session_store=None
    )
    server = ServerConfig(certificates=(chain,), groups=groups, cipher_suites=(suite,), session_tickets=0)
    return client, server


def glasstls_case_configs(
    material: Material, case: Case
) -> tuple[ClientConfig, ServerConfig, ClientSessionStore | None]:
    """The configs of one case, and the client's session store (None for a full handshake)."""
    groups = GROUPS13 if case.version == TLS13 else GROUPS12
    store = ClientSessionStore() if case.resume is not None else None
    client = ClientConfig(
        trust=material.trust,
        groups=groups,
        key_share_groups=GROUPS13,
        cipher_suites=(case.suite,),
        max_version=case.version,
        allow_rsa_key_exchange=case.rsa_key_exchange,
        session_store=store,
    )
    server_options: dict[str, Any] = {}
    if case.resume == "session ID":
        server_options["ticket_keys"] = None  # no tickets: the session ID is all there is
    server = ServerConfig(
        certificates=(material.chain(case.cert),),
        groups=groups,
        cipher_suites=(case.suite,),
        max_version=case.version,
        allow_rsa_key_exchange=case.rsa_key_exchange,
        session_tickets=1 if case.resume == "psk_dhe_ke" else 0,
        **server_options,
    )
    return client, server, store


def glasstls_handshake(
    client_config: ClientConfig, server_config: ServerConfig
) -> tuple[ClientConnection, ServerConnection]:
    """One handshake in memory; returns the (client, server) connections, established and drained (whatever
    the server sent after its side completed, a TLS 1.3 NewSessionTicket, has reached the client)."""
    client = ClientConnection(client_config, server_name=HOST)
    server = ServerConnection(server_config)
    client.start()
    while not (client.handshake_complete and server.handshake_complete):
        to_server = client.data_to_send()
        if to_server:
            server.receive_data(to_server)
        to_client = server.data_to_send()
        if to_client:
            client.receive_data(to_client)
        if not to_server and not to_client:
            raise BenchError("glasstls handshake stalled")
    rest = server.data_to_send()
    if rest:
        client.receive_data(rest)
    client.events()
    server.events()
    return client, server


def _check_glasstls_negotiated(client: ClientConnection, suite: CipherSuite) -> None:
    n = client.negotiated
    if n is None or n.group != NamedGroup.X25519 or n.cipher_suite != suite or n.resumed:
        raise BenchError(f"glasstls negotiated {n!r}, not a full handshake with X25519 and {suite}")


def glasstls_bulk(pair: tuple[ClientConnection, ServerConnection], total: int, payload: bytes) -> float:
    """Seconds to move ``total`` bytes client -> server; checks that every byte arrived."""
    client, server = pair
    received = 0
    start = time.perf_counter()
    for _ in range(total // len(payload)):
        client.send_data(payload)
        server.receive_data(client.data_to_send())
        for event in server.events():
            if isinstance(event, DataReceived):
                received += len(event.data)
    elapsed = time.perf_counter() - start
    if received != total:
        raise RuntimeError(f"glasstls bulk: {received} bytes arrived of {total}")
    return elapsed


class Runner:
    """One contender's handshakes for one case: ``prepare`` (untimed), ``run`` (timed, one handshake),
    ``check`` (untimed: raises :class:`BenchError` when the handshake did not do what the case measures)."""

    def prepare(self) -> None:
        return None

    def run(self) -> object:
        raise NotImplementedError

    def check(self, result: object) -> None:
        return None


class GlasstlsRunner(Runner):
    def __init__(self, material: Material, case: Case) -> None:
        self.case = case
        self.client_config, self.server_config, self.store = glasstls_case_configs(material, case)
        first = self._prime()
        n = first.negotiated
        assert n is not None
        self.signature_scheme = n.signature_scheme  # of the full handshake (the floor signs the same way)

    def _prime(self) -> ClientConnection:
        """A full handshake, untimed (for a resumption case it fills the session store)."""
        client, server = glasstls_handshake(self.client_config, self.server_config)
        full = Case(self.case.key, self.case.metric, self.case.version, self.case.cert, self.case.suite)
        self._check_pair(full, client, server)
        if self.store is not None and len(self.store) == 0:
            raise BenchError(f"glasstls {self.case.key}: the full handshake left no session to resume")
        return client

    def prepare(self) -> None:
        if self.store is not None and len(self.store) == 0:
            self._prime()  # only after a failed resumption consumed the last ticket

    def run(self) -> object:
        return glasstls_handshake(self.client_config, self.server_config)

    def check(self, result: object) -> None:
        assert isinstance(result, tuple)
        client, server = result
        assert isinstance(client, ClientConnection) and isinstance(server, ServerConnection)
        self._check_pair(self.case, client, server)

    @staticmethod
    def _check_pair(case: Case, client: ClientConnection, server: ServerConnection) -> None:
        c, s = client.negotiated, server.negotiated
        if c is None or s is None:
            raise BenchError("glasstls: handshake not complete")
        resumed = case.resume is not None
        if c.resumed != resumed or s.resumed != resumed:
            raise BenchError(f"glasstls {case.key}: resumed client={c.resumed} server={s.resumed}, expected {resumed}")
        if (c.version, c.cipher_suite) != (case.version, case.suite) or c.group != case.group:
            raise BenchError(f"glasstls negotiated {c.version} {c.cipher_suite} {c.group}: not what {case.key} needs")
        if case.resume in ("ticket", "session ID") and not any(
            f"session by {case.resume}" in e.summary for e in server.trace
        ):
            raise BenchError(f"glasstls {case.key}: the server did not resume by {case.resume}")


# -- Python's ssl ----------------------------------------------------------------------------------------

_OPENSSL_NAMES = {
    CipherSuite.TLS_AES_128_GCM_SHA256: "TLS_AES_128_GCM_SHA256",
    CipherSuite.TLS_AES_256_GCM_SHA384: "TLS_AES_256_GCM_SHA384",
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256: "TLS_CHACHA20_POLY1305_SHA256",
    CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
    CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
    CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
}
_OPENSSL_GROUPS = {GROUPS13: b"X25519", GROUPS12: b"X25519:P-256"}
_SSL_CTRL_SET_GROUPS_LIST = 92  # OpenSSL ssl.h: SSL_CTX_set1_groups_list is SSL_CTX_ctrl with this command


def _pin_openssl(ctx: ssl.SSLContext, suite: CipherSuite | None, groups: tuple[NamedGroup, ...] = GROUPS13) -> bool:
    """Restrict ``ctx`` to one TLS 1.3 suite (unless ``suite`` is None) and to ``groups``, which Python's
    ``ssl`` cannot express.

    Calls ``SSL_CTX_set_ciphersuites`` and ``SSL_CTX_set1_groups_list`` of the libssl ``_ssl`` is linked
    with, on the ``SSL_CTX *`` that CPython keeps right after the object header of an ``SSLContext``. The
    pointer is first checked (``SSL_CTX_get_options`` must equal ``ctx.options``); False when anything does
    not fit, and the caller then reports which suite ssl really used.
    """
    if sys.implementation.name != "cpython":
        return False
    try:
        import _ssl

        lib = ctypes.CDLL(_ssl.__file__)
        get_options = lib.SSL_CTX_get_options
        set_suites = lib.SSL_CTX_set_ciphersuites
        ctrl = lib.SSL_CTX_ctrl
    except (OSError, AttributeError, ImportError):
        return False
    get_options.argtypes = [ctypes.c_void_p]
    get_options.restype = ctypes.c_uint64
    set_suites.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    set_suites.restype = ctypes.c_int
    ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_char_p]
    ctrl.restype = ctypes.c_long
    pointer = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not pointer or get_options(pointer) != int(ctx.options):
        return False
    ok_suites = suite is None or set_suites(pointer, _OPENSSL_NAMES[suite].encode()) == 1
    ok_groups = ctrl(pointer, _SSL_CTRL_SET_GROUPS_LIST, 0, _OPENSSL_GROUPS[groups]) == 1
    return bool(ok_suites and ok_groups)


@dataclass
class SslContexts:
    client: ssl.SSLContext
    server: ssl.SSLContext
    suite: CipherSuite
    pinned: bool


def ssl_contexts(material: Material, kind: CertKind, suite: CipherSuite) -> SslContexts:
    """TLS 1.3 full handshakes only (no session tickets), as :func:`glasstls_configs`."""
    return ssl_case_contexts(material, Case("", "", TLS13, kind, suite))


def ssl_case_contexts(material: Material, case: Case) -> SslContexts:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname by default
    client.load_verify_locations(cafile=str(material.files.root))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert, key = material.cert_files(case.cert)
    server.load_cert_chain(str(cert), str(key))
    version = ssl.TLSVersion.TLSv1_3 if case.version == TLS13 else ssl.TLSVersion.TLSv1_2
    for ctx in (client, server):
        ctx.minimum_version = version
        ctx.maximum_version = version
    if case.version == TLS13:
        server.num_tickets = 1 if case.resume == "psk_dhe_ke" else 0
        pinned = _pin_openssl(client, case.suite) and _pin_openssl(server, case.suite)
    else:
        for ctx in (client, server):
            ctx.set_ciphers(_OPENSSL_NAMES[case.suite])
        if case.resume != "ticket":
            server.options |= ssl.OP_NO_TICKET
        pinned = _pin_openssl(client, None, GROUPS12) and _pin_openssl(server, None, GROUPS12)
    return SslContexts(client, server, case.suite, pinned)


@dataclass
class SslPair:
    client: ssl.SSLObject
    server: ssl.SSLObject
    bios: tuple[ssl.MemoryBIO, ssl.MemoryBIO, ssl.MemoryBIO, ssl.MemoryBIO]


def ssl_handshake(contexts: SslContexts, session: ssl.SSLSession | None = None) -> SslPair:
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = contexts.client.wrap_bio(c_in, c_out, server_hostname=HOST, session=session)
    server = contexts.server.wrap_bio(s_in, s_out, server_side=True)
    client_done = server_done = False
    while not (client_done and server_done):
        moved = False
        if not client_done:
            try:
                client.do_handshake()
                client_done = True
            except ssl.SSLWantReadError:
                pass
        if c_out.pending:
            s_in.write(c_out.read())
            moved = True
        if not server_done:
            try:
                server.do_handshake()
                server_done = True
            except ssl.SSLWantReadError:
                pass
        if s_out.pending:
            c_in.write(s_out.read())
            moved = True
        if not moved and not (client_done and server_done):
            raise BenchError("ssl handshake stalled")
    return SslPair(client, server, (c_in, c_out, s_in, s_out))


def ssl_bulk(pair: SslPair, total: int, payload: bytes) -> float:
    _c_in, c_out, s_in, _s_out = pair.bios
    client, server = pair.client, pair.server
    received = 0
    start = time.perf_counter()
    for _ in range(total // len(payload)):
        client.write(payload)
        s_in.write(c_out.read())
        while True:
            try:
                received += len(server.read(WRITE))
            except ssl.SSLWantReadError:
                break
    elapsed = time.perf_counter() - start
    if received != total:
        raise RuntimeError(f"ssl bulk: {received} bytes arrived of {total}")
    return elapsed


def _ssl_read_once(pair: SslPair) -> None:
    """The client reads once: OpenSSL processes the TLS 1.3 NewSessionTicket that followed the handshake."""
    c_in, _c_out, _s_in, s_out = pair.bios
    if s_out.pending:
        c_in.write(s_out.read())
    try:
        pair.client.read(1)
    except ssl.SSLWantReadError:
        pass


def _ssl_shutdown(pair: SslPair) -> None:
    """Each side sends close_notify; without it OpenSSL removes the session when the object is freed."""
    for obj in (pair.client, pair.server):
        try:
            obj.unwrap()
        except ssl.SSLError:
            pass


class SslRunner(Runner):
    def __init__(self, material: Material, case: Case) -> None:
        self.case = case
        self.contexts = ssl_case_contexts(material, case)
        self.session: ssl.SSLSession | None = None
        first = ssl_handshake(self.contexts)
        used = first.client.cipher()
        self.used = used
        self.pinned = self.contexts.pinned and used is not None and used[0] == _OPENSSL_NAMES[case.suite]
        if case.resume is not None:
            self._keep_session(first)
            if self.session is None:
                raise BenchError(f"ssl {case.key}: the full handshake left no session to resume")

    def _keep_session(self, pair: SslPair) -> None:
        """Untimed: take the client's newest session (a TLS 1.3 ticket is read first), then close both sides."""
        if self.case.version == TLS13:
            _ssl_read_once(pair)  # a no-op when run() already read
        session = pair.client.session
        if session is not None and (session.has_ticket or session.id):
            self.session = session
        _ssl_shutdown(pair)

    def prepare(self) -> None:
        if self.case.resume is not None and self.session is None:
            self._keep_session(ssl_handshake(self.contexts))

    def run(self) -> object:
        pair = ssl_handshake(self.contexts, self.session)
        if self.case.resume == "psk_dhe_ke":
            _ssl_read_once(pair)  # part of the timed work, as glasstls delivers its ticket in the handshake
        return pair

    def check(self, result: object) -> None:
        assert isinstance(result, SslPair)
        case = self.case
        version = "TLSv1.3" if case.version == TLS13 else "TLSv1.2"
        used = result.client.cipher()
        resumed = case.resume is not None
        try:
            if used is None or used[1] != version or (self.pinned and used[0] != _OPENSSL_NAMES[case.suite]):
                raise BenchError(f"ssl {case.key}: negotiated {used}")
            if result.client.session_reused != resumed or result.server.session_reused != resumed:
                raise BenchError(
                    f"ssl {case.key}: session_reused client={result.client.session_reused} "
                    f"server={result.server.session_reused}, expected {resumed}"
                )
            session = result.client.session
            if (
                case.resume in ("ticket", "session ID")
                and session is not None
                and session.has_ticket != (case.resume == "ticket")
            ):
                raise BenchError(f"ssl {case.key}: has_ticket={session.has_ticket}")
        finally:
            if resumed:
                self._keep_session(result)


class FloorRunner(Runner):
    def __init__(self, floor: FloorHandshake | FloorHandshake12) -> None:
        self.floor = floor

    def run(self) -> object:
        self.floor.run()
        return None
