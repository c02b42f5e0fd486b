"""``make bench``: glasstls against Python's ``ssl`` and against the raw ``cryptography`` floor.

A benchmark, never a test: nothing here asserts a time. One run measures, interleaved (every round runs each
contender once, in a rotating order, so that machine noise hits all of them alike), and reports the median
and the interquartile spread of the rounds:

1. Handshakes, client and server in one process, in memory, AES-128-GCM, the server's certificate a leaf +
   intermediate under one root; in a full handshake the client verifies the chain and the host name
   ``localhost`` in every contender. Each handshake is timed on its own; the checks that it negotiated what
   it should (version, suite, and for resumption that BOTH sides really resumed) run untimed after it, and a
   handshake that fails or does not resume is counted as an error, never as a sample. Cases (``CASES``):

   * TLS 1.3 full: x25519 + TLS_AES_128_GCM_SHA256, ECDSA P-256 or RSA-2048 certificate. No session
     tickets on either side (glasstls ``session_tickets=0`` and no client session store; ssl ``num_tickets =
     0``): a full handshake only.
   * TLS 1.2 full, with the extended master secret (both sides' default): ECDHE x25519 with
     ECDHE_ECDSA (P-256) and ECDHE_RSA (RSA-2048, the ServerKeyExchange signed with RSA-PSS), and the RSA key
     exchange (TLS_RSA_WITH_AES_128_GCM_SHA256, premaster encrypted to the RSA-2048 key; glasstls
     ``allow_rsa_key_exchange=True``). Both sides offer x25519 and P-256 (RFC 8422 section 5.1: the client's
     supported_groups also admit the ECDSA certificate's curve); x25519 is checked to be the group used. No
     tickets: the client offers no session (glasstls: no session store; ssl: ``OP_NO_TICKET`` on the server).
   * Resumed: TLS 1.2 by RFC 5077 session ticket and by session ID (a session of
     TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), and TLS 1.3 by PSK ticket with psk_dhe_ke (x25519; one
     NewSessionTicket per connection on both servers). The first, full handshake of each contender is made
     outside the timing. A TLS 1.3 handshake is timed up to the client having processed the server's new
     ticket (glasstls: the server's last bytes delivered; ssl: one ``read`` after the handshake, as the
     ticket arrives after it), and the next handshake resumes with that newest ticket: glasstls tickets are
     single use (its default), ssl's client uses its newest session as well. TLS 1.2 sessions are reused as
     they are (no new ticket on resumption in either). Checked every time: glasstls ``negotiated.resumed`` on
     both sides (and the server's trace names the ticket or the session ID; TLS 1.3 used x25519); ssl
     ``session_reused`` on both sides (and ``SSLSession.has_ticket`` tells ticket from session ID). OpenSSL
     drops the session of a connection freed without a shutdown, so after each ssl resumption both
     ``SSLObject``\\ s send close_notify (``unwrap``), untimed.

   Contenders:

   * glasstls: ``ClientConnection``/``ServerConnection`` pairs (configs built once, like an ``SSLContext``).
   * ssl: ``SSLContext.wrap_bio`` pairs over ``ssl.MemoryBIO`` (``session=`` to resume), the same
     certificate files, the client verifying with the same root. Python cannot choose TLS 1.3 suites or
     any groups, so the bench pins them through OpenSSL itself (ctypes, see :func:`_pin_openssl`); TLS 1.2
     suites are set with ``set_ciphers``; each handshake's ``cipher()`` is checked.
   * floor (full handshakes only): the cryptographic work both endpoints of such a handshake cannot avoid,
     done directly with ``cryptography`` (see :class:`FloorHandshake` and :class:`FloorHandshake12` for the
     exact list). No message is encoded, parsed, hashed into a transcript or record-protected: it is a lower
     bound, not a TLS implementation.

2. Bulk throughput, one direction after the handshake, with TLS_AES_128_GCM_SHA256 and
   TLS_CHACHA20_POLY1305_SHA256: the application writes 64 KiB at a time (16 KiB records on the wire) and
   the bytes of each write are handed to the receiver at once. glasstls ``send_data`` -> ``data_to_send``
   -> ``receive_data`` -> ``events``; ssl ``SSLObject.write`` -> MemoryBIO -> ``SSLObject.read``; the floor
   seals and opens each 16 KiB record (inner content type, header as AAD, per-record nonce ``iv XOR seq``)
   with cryptography's ``AESGCM``/``ChaCha20Poly1305``. MB/s is 10^6 bytes of application data a second.

3. Memory per established connection pair (client + server, TLS 1.3 full handshake, after the handshake,
   events and output drained), each contender in fresh subprocesses (alternating): the RSS delta
   (``/proc/self/statm``) of N pairs, then, with tracemalloc on, the traced delta of N more. ssl keeps almost
   everything in OpenSSL's own allocations, which tracemalloc cannot see: for ssl only the RSS figure is
   meaningful. RSS moves in pages and with the allocator's arenas, so it is only a rough per-pair figure
   (steadier for large N).

Options: ``--quick`` (a few iterations, for the smoke test), ``--profile [CASE]`` (cProfile of glasstls
handshakes of one case, ``handshake_ecdsa`` by default; ``--top N`` lines by cumulative and by own time;
nothing else is run), ``--json`` (machine-readable).

This module is a tool, not part of the protocol core: it imports ``cryptography`` directly for the floor
(DESIGN reserves ``cryptography.hazmat`` to ``glasstls.crypto`` for the protocol itself).
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import functools
import gc
import io
import json
import os
import platform
import pstats
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import PolicyBuilder, Store

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import TLSError
from glasstls.events import DataReceived
from glasstls.pki.testpki import TestPKI, TestPKIFiles, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.sessions import ClientSessionStore
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme

HOST = "localhost"
CertKind = Literal["ecdsa", "rsa"]
Contender = Literal["glasstls", "ssl", "floor"]
CONTENDERS: tuple[Contender, ...] = ("glasstls", "ssl", "floor")
Resume = Literal["ticket", "session ID", "psk_dhe_ke"]

CERT_KINDS: dict[CertKind, str] = {"ecdsa": "ECDSA P-256", "rsa": "RSA-2048"}
BULK_SUITES: dict[str, CipherSuite] = {
    "AES-128-GCM": CipherSuite.TLS_AES_128_GCM_SHA256,
    "ChaCha20-Poly1305": CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
}
HANDSHAKE_SUITE = CipherSuite.TLS_AES_128_GCM_SHA256
TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12
#: The groups offered: TLS 1.3 offers (and sends a key share for) x25519 only; TLS 1.2 offers x25519 and
#: P-256, which the ECDSA P-256 certificate needs in supported_groups (RFC 8422 section 5.1).
GROUPS13: tuple[NamedGroup, ...] = (NamedGroup.X25519,)
GROUPS12: tuple[NamedGroup, ...] = (NamedGroup.X25519, NamedGroup.SECP256R1)
RECORD = 16 * 1024
WRITE = 64 * 1024

#: The issue's targets (issue 3, "make bench"); the handshake target is applied to every handshake row.
HANDSHAKE_TARGET = 1.5  # glasstls handshake time at most 1.5x ssl's
BULK_TARGET = 1.0  # glasstls throughput at least ssl's


@dataclass(frozen=True)
class Case:
    """One kind of handshake measured: ``resume`` None for a full handshake."""

    key: str
    metric: str
    version: ProtocolVersion
    cert: CertKind
    suite: CipherSuite
    resume: Resume | None = None

    @property
    def rsa_key_exchange(self) -> bool:
        return self.suite == CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256

    @property
    def group(self) -> NamedGroup | None:
        """The group the handshake must use (None: the RSA key exchange, or a TLS 1.2 resumption)."""
        if self.rsa_key_exchange or (self.version == TLS12 and self.resume is not None):
            return None
        return NamedGroup.X25519


CASES: tuple[Case, ...] = (
    Case("handshake_ecdsa", "TLS 1.3 full, x25519 + ECDSA P-256", TLS13, "ecdsa", HANDSHAKE_SUITE),
    Case("handshake_rsa", "TLS 1.3 full, x25519 + RSA-2048", TLS13, "rsa", HANDSHAKE_SUITE),
    Case(
        "handshake12_ecdhe_ecdsa",
        "TLS 1.2 full, ECDHE x25519 + ECDSA P-256",
        TLS12,
        "ecdsa",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    Case(
        "handshake12_ecdhe_rsa",
        "TLS 1.2 full, ECDHE x25519 + RSA-2048",
        TLS12,
        "rsa",
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    Case(
        "handshake12_rsa_kx",
        "TLS 1.2 full, RSA key exchange, RSA-2048",
        TLS12,
        "rsa",
        CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
    ),
    Case(
        "resume12_ticket",
        "TLS 1.2 resumed, session ticket",
        TLS12,
        "ecdsa",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ticket",
    ),
    Case(
        "resume12_session_id",
        "TLS 1.2 resumed, session ID",
        TLS12,
        "ecdsa",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "session ID",
    ),
    Case("resume13_psk_dhe", "TLS 1.3 resumed, PSK ticket + x25519", TLS13, "ecdsa", HANDSHAKE_SUITE, "psk_dhe_ke"),
)
CASES_BY_KEY = {case.key: case for case in CASES}


@dataclass(frozen=True)
class Plan:
    handshake_rounds: int
    handshake_batch: int
    bulk_rounds: int
    bulk_bytes: int
    memory_pairs: int
    memory_repeats: int
    profile_handshakes: int


QUICK = Plan(3, 2, 3, 1 << 20, 50, 1, 20)
DEFAULT = Plan(70, 15, 30, 16 << 20, 600, 2, 300)


class BenchError(RuntimeError):
    """A handshake that did not do what the case measures (wrong suite, not resumed, stalled...)."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the certificates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """The test PKI, its files (for ssl), and the glasstls objects built from them."""

    pki: TestPKI
    files: TestPKIFiles
    trust: TrustStore

    def chain(self, kind: CertKind) -> CertificateChain:
        ic = self.pki.server_ecdsa if kind == "ecdsa" else self.pki.server_rsa
        return CertificateChain((ic.certificate, *ic.chain), ic.key)

    def cert_files(self, kind: CertKind) -> tuple[Path, Path]:
        cred = self.files.server_ecdsa if kind == "ecdsa" else self.files.server_rsa
        return cred.cert, cred.key


def make_material(directory: Path) -> Material:
    pki = make_test_pki((HOST,), directory=directory)
    assert pki.files is not None
    return Material(pki, pki.files, pki.trust_store())


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


# -- the cryptography floor ------------------------------------------------------------------------------

_SHA256 = hashes.SHA256()
_ZEROS = bytes(32)
_EMPTY_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")  # SHA-256("")
# Stand-ins for the transcript hashes (the floor hashes no messages; see FloorHandshake).
_TH_HELLO = bytes(range(32))
_TH_SERVER_FINISHED = bytes(range(32, 64))


def _expand_label(secret: bytes, label: bytes, context: bytes, length: int = 32) -> bytes:
    """HKDF-Expand-Label (RFC 8446 section 7.1) with cryptography's HKDFExpand."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    return HKDFExpand(_SHA256, length, info).derive(secret)


def _hmac(key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, _SHA256)
    h.update(data)
    return h.finalize()


def _one_side_key_schedule(shared_secret: bytes) -> tuple[bytes, bytes]:
    """One endpoint's TLS 1.3 key schedule without PSK (RFC 8446 section 7.1, 7.3, 4.4.4).

    3 HKDF-Extract (HMAC) and 17 HKDF-Expand-Label: 2 "derived", 5 secrets (c/s hs traffic, c/s ap
    traffic, exp master), key + iv for the 4 traffic secrets (8), and the 2 finished keys.
    Returns (client finished key, server finished key).
    """
    early = _hmac(_ZEROS, _ZEROS)
    handshake = _hmac(_expand_label(early, b"derived", _EMPTY_HASH), shared_secret)
    c_hs = _expand_label(handshake, b"c hs traffic", _TH_HELLO)
    s_hs = _expand_label(handshake, b"s hs traffic", _TH_HELLO)
    master = _hmac(_expand_label(handshake, b"derived", _EMPTY_HASH), _ZEROS)
    c_ap = _expand_label(master, b"c ap traffic", _TH_SERVER_FINISHED)
    s_ap = _expand_label(master, b"s ap traffic", _TH_SERVER_FINISHED)
    _expand_label(master, b"exp master", _TH_SERVER_FINISHED)
    for secret in (c_hs, s_hs, c_ap, s_ap):
        _expand_label(secret, b"key", b"", 16)
        _expand_label(secret, b"iv", b"", 12)
    return _expand_label(c_hs, b"finished", b""), _expand_label(s_hs, b"finished", b"")


class FloorHandshake:
    """The primitive work of one TLS 1.3 handshake (x25519, one server certificate), both endpoints.

    Exactly, per handshake:

    * X25519: 2 key generations (client, server) and 2 exchanges (each side computes the shared secret).
    * Client: parse the 2 received DER certificates (leaf, intermediate) and verify the chain and the name
      ``localhost`` with ``cryptography.x509.verification`` (verifier built per handshake, at the current
      time; the ``Store`` of the root is built once, as a trust store would be).
    * CertificateVerify: 1 signature by the server's key over the RFC 8446 section 4.4.3 content
      (ECDSA P-256 with SHA-256, or RSA-PSS-RSAE-SHA256) and 1 verification by the client.
    * Key schedule on each side: 3 HKDF-Extract and 17 HKDF-Expand-Label (34 Expand-Label and 6 Extract
      in all; see :func:`_one_side_key_schedule`).
    * Finished: 2 HMACs (client and server Finished) computed by their senders and recomputed by their
      receivers: 4 HMACs.

    Left out (small, and not "primitive"): transcript hashing, message encoding/parsing, the AEAD
    protection of the handshake records, random bytes for the hellos.
    """

    def __init__(self, material: Material, kind: CertKind) -> None:
        ic = material.pki.server_ecdsa if kind == "ecdsa" else material.pki.server_rsa
        self.ders = [c.public_bytes(Encoding.DER) for c in (ic.certificate, *ic.chain)]
        self.store = Store([material.pki.root.certificate])
        key = ic.key
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise TypeError("the floor handles ECDSA and RSA certificates")
        self.key = key
        self.content = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00" + _TH_HELLO

    def run(self) -> None:
        # Key exchange (RFC 8446 section 7.4.2).
        client_key = X25519PrivateKey.generate()
        server_key = X25519PrivateKey.generate()
        client_share = client_key.public_key().public_bytes_raw()
        server_share = server_key.public_key().public_bytes_raw()
        server_secret = server_key.exchange(X25519PublicKey.from_public_bytes(client_share))
        client_secret = client_key.exchange(X25519PublicKey.from_public_bytes(server_share))
        # Key schedules (server first, as in the handshake).
        s_cfin, s_sfin = _one_side_key_schedule(server_secret)
        # Server CertificateVerify signature (RFC 8446 section 4.4.3).
        key = self.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            signature = key.sign(self.content, ec.ECDSA(_SHA256))
        else:
            signature = key.sign(self.content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
        server_finished = _hmac(s_sfin, _TH_HELLO)
        c_cfin, c_sfin = _one_side_key_schedule(client_secret)
        # Client: certificate path and name (RFC 8446 section 4.4.2.4), then the signature.
        certs = [x509.load_der_x509_certificate(der) for der in self.ders]
        verifier = PolicyBuilder().store(self.store).time(datetime.now(UTC)).build_server_verifier(x509.DNSName(HOST))
        verifier.verify(certs[0], certs[1:])
        public = certs[0].public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, self.content, ec.ECDSA(_SHA256))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, self.content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
        if _hmac(c_sfin, _TH_HELLO) != server_finished:
            raise RuntimeError("floor: server Finished mismatch")
        client_finished = _hmac(c_cfin, _TH_SERVER_FINISHED)
        if _hmac(s_cfin, _TH_SERVER_FINISHED) != client_finished:
            raise RuntimeError("floor: client Finished mismatch")


def floor_bulk(suite: CipherSuite, total: int, payload: bytes) -> float:
    """Seal and open ``total`` bytes as 16 KiB TLS 1.3 records (RFC 8446 section 5.2, 5.3)."""
    key = bytes(range(16)) if suite == CipherSuite.TLS_AES_128_GCM_SHA256 else bytes(range(32))
    aead: AESGCM | ChaCha20Poly1305 = AESGCM(key) if len(key) == 16 else ChaCha20Poly1305(key)
    iv = int.from_bytes(bytes(range(100, 112)), "big")
    seal, unseal = aead.encrypt, aead.decrypt
    header = b"\x17\x03\x03" + (RECORD + 1 + 16).to_bytes(2, "big")
    records = [payload[i : i + RECORD] + b"\x17" for i in range(0, len(payload), RECORD)]
    received = 0
    seq = 0
    start = time.perf_counter()
    for _ in range(total // len(payload)):
        for inner in records:
            nonce = (iv ^ seq).to_bytes(12, "big")
            seq += 1
            received += len(unseal(nonce, seal(nonce, inner, header), header)) - 1
    elapsed = time.perf_counter() - start
    if received != total:
        raise RuntimeError(f"floor bulk: {received} bytes of {total}")
    return elapsed


def _prf(secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """The TLS 1.2 PRF with SHA-256 (RFC 5246 section 5): P_SHA256(secret, label + seed), HMAC by HMAC."""
    seed = label + seed
    out = b""
    a = seed
    while len(out) < length:
        a = _hmac(secret, a)
        out += _hmac(secret, a + seed)
    return out[:length]


# Stand-ins for the randoms and the session/transcript hashes (the floor hashes no messages).
_RANDOMS = bytes(range(64))
_TH12_KEYS = bytes(range(64, 96))
_TH12_CLIENT_FINISHED = bytes(range(96, 128))


def _one_side_tls12_keys(premaster: bytes) -> bytes:
    """One endpoint's TLS 1.2 secrets with the extended master secret (RFC 7627 section 4, RFC 5246 section
    6.3) for AES-128-GCM: master secret (48 bytes) and key block (2 x 16-byte key + 2 x 4-byte salt): 2 PRF
    calls, 8 HMACs. Returns the master secret."""
    master = _prf(premaster, b"extended master secret", _TH12_KEYS, 48)
    _prf(master, b"key expansion", _RANDOMS, 40)
    return master


class FloorHandshake12:
    """The primitive work of one TLS 1.2 full handshake (one server certificate), both endpoints.

    Exactly, per handshake:

    * ECDHE (x25519): 2 key generations and 2 exchanges; the ServerKeyExchange parameters (RFC 5246 section
      7.4.3: both randoms and the 36-byte ECParameters + point) signed once by the server (ECDSA P-256 with
      SHA-256, or RSA-PSS-RSAE-SHA256 as glasstls negotiates with an RSA key) and verified once by the client.
    * RSA key exchange: the client encrypts a 48-byte premaster secret to the certificate's key (PKCS#1 v1.5)
      and the server decrypts it (RFC 5246 section 7.4.7.1).
    * Client: parse the 2 received DER certificates and verify the chain and the name ``localhost`` with
      ``cryptography.x509.verification`` (as :class:`FloorHandshake`).
    * On each side: the extended master secret and the key block (TLS 1.2 PRF with SHA-256, 8 HMACs);
      the client and server Finished verify_data computed by their senders and recomputed by their receivers
      (4 PRF calls of 12 bytes, 8 HMACs). 24 HMAC-SHA-256 in all.

    Left out: transcript and session hashing, message encoding/parsing, the AEAD protection of the Finished
    records, random bytes for the hellos.
    """

    def __init__(self, material: Material, kind: CertKind, rsa_key_exchange: bool) -> None:
        ic = material.pki.server_ecdsa if kind == "ecdsa" else material.pki.server_rsa
        self.ders = [c.public_bytes(Encoding.DER) for c in (ic.certificate, *ic.chain)]
        self.store = Store([material.pki.root.certificate])
        key = ic.key
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise TypeError("the floor handles ECDSA and RSA certificates")
        if rsa_key_exchange and not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the RSA key exchange needs an RSA certificate")
        self.key = key
        self.rsa_key_exchange = rsa_key_exchange

    def _verify_chain(self) -> x509.Certificate:
        certs = [x509.load_der_x509_certificate(der) for der in self.ders]
        verifier = PolicyBuilder().store(self.store).time(datetime.now(UTC)).build_server_verifier(x509.DNSName(HOST))
        verifier.verify(certs[0], certs[1:])
        return certs[0]

    def run(self) -> None:
        key = self.key
        if self.rsa_key_exchange:
            assert isinstance(key, rsa.RSAPrivateKey)
            leaf = self._verify_chain()
            public = leaf.public_key()
            assert isinstance(public, rsa.RSAPublicKey)
            client_premaster = b"\x03\x03" + os.urandom(46)
            encrypted = public.encrypt(client_premaster, padding.PKCS1v15())
            server_premaster = key.decrypt(encrypted, padding.PKCS1v15())
        else:
            # ServerKeyExchange: the server's share, signed with the randoms (RFC 8422 section 5.4).
            server_key = X25519PrivateKey.generate()
            params = b"\x03\x00\x1d\x20" + server_key.public_key().public_bytes_raw()
            content = _RANDOMS + params
            if isinstance(key, ec.EllipticCurvePrivateKey):
                signature = key.sign(content, ec.ECDSA(_SHA256))
            else:
                signature = key.sign(content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
            leaf = self._verify_chain()
            public_key = leaf.public_key()
            if isinstance(public_key, ec.EllipticCurvePublicKey):
                public_key.verify(signature, content, ec.ECDSA(_SHA256))
            elif isinstance(public_key, rsa.RSAPublicKey):
                public_key.verify(signature, content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
            # ClientKeyExchange: the client's share; both compute the shared secret (RFC 8422 section 5.10).
            client_key = X25519PrivateKey.generate()
            client_share = client_key.public_key().public_bytes_raw()
            client_premaster = client_key.exchange(X25519PublicKey.from_public_bytes(params[4:]))
            server_premaster = server_key.exchange(X25519PublicKey.from_public_bytes(client_share))
        c_master = _one_side_tls12_keys(client_premaster)
        client_finished = _prf(c_master, b"client finished", _TH12_KEYS, 12)
        s_master = _one_side_tls12_keys(server_premaster)
        if _prf(s_master, b"client finished", _TH12_KEYS, 12) != client_finished:
            raise RuntimeError("floor: client Finished mismatch")
        server_finished = _prf(s_master, b"server finished", _TH12_CLIENT_FINISHED, 12)
        if _prf(c_master, b"server finished", _TH12_CLIENT_FINISHED, 12) != server_finished:
            raise RuntimeError("floor: server Finished mismatch")


# -- statistics and interleaving -------------------------------------------------------------------------


@dataclass
class Stat:
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]

    def as_json(self) -> dict[str, float | int]:
        p25, p75 = self.quartiles()
        return {
            "median": self.median,
            "p25": p25,
            "p75": p75,
            "min": min(self.samples),
            "max": max(self.samples),
            "rounds": len(self.samples),
        }


@dataclass
class Tally:
    """Handshakes run and failed by one task (warm-up included)."""

    runs: int = 0
    errors: int = 0
    first_error: str | None = None

    def fail(self, error: BaseException) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = f"{type(error).__name__}: {error}"

    def as_json(self) -> dict[str, Any]:
        return {"runs": self.runs, "errors": self.errors, "first_error": self.first_error}


def _handshake_ms(runner: Runner, n: int, tally: Tally) -> Callable[[], float | None]:
    """A task that runs ``n`` handshakes, each timed on its own, and returns the mean milliseconds of those
    that succeeded (None if none did). A handshake that raises or fails its check is an error, not a sample."""

    def task() -> float | None:
        total = 0.0
        ok = 0
        for _ in range(n):
            tally.runs += 1
            try:
                runner.prepare()
                start = time.perf_counter()
                result = runner.run()
                elapsed = time.perf_counter() - start
                runner.check(result)
            except Exception as error:  # every failure is counted and reported, none is timed
                tally.fail(error)
                continue
            total += elapsed
            ok += 1
        return total / ok * 1000 if ok else None

    return task


def _mb_per_s(fn: Callable[[], float], megabytes: float) -> Callable[[], float]:
    """A task that turns the seconds ``fn`` took to move ``megabytes`` into MB/s."""
    return lambda: megabytes / fn()


def interleave(tasks: dict[str, Callable[[], float | None]], rounds: int) -> dict[str, Stat]:
    """Run every task once per round, rotating the order each round; each task returns one sample (None: no
    sample this round)."""
    names = list(tasks)
    stats = {name: Stat() for name in names}
    for name in names:  # warm-up, not recorded
        tasks[name]()
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            sample = tasks[name]()
            if sample is not None:
                stats[name].samples.append(sample)
    return stats


def _stat(stats: dict[str, Stat], name: str) -> Stat | None:
    s = stats.get(name)
    return s if s is not None and s.samples else None


# -- memory (each measurement in a fresh subprocess) -----------------------------------------------------


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB (peak)


def memory_child(contender: str, pairs: int, directory: Path) -> dict[str, Any]:
    """Per-pair memory of ``pairs`` established connection pairs (run in a subprocess of its own)."""
    files = directory
    make: Callable[[], object]
    if contender == "glasstls":
        chain = CertificateChain.from_files(files / "server-ecdsa.pem", files / "server-ecdsa.key")
        client_config, server_config = glasstls_configs(
            TrustStore.from_file(files / "root.pem"), chain, HANDSHAKE_SUITE
        )

        def make() -> object:
            return glasstls_handshake(client_config, server_config)

    else:
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(cafile=str(files / "root.pem"))
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(str(files / "server-ecdsa.pem"), str(files / "server-ecdsa.key"))
        server.num_tickets = 0
        for ctx in (client, server):
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        pinned = _pin_openssl(client, HANDSHAKE_SUITE) and _pin_openssl(server, HANDSHAKE_SUITE)
        contexts = SslContexts(client, server, HANDSHAKE_SUITE, pinned)

        def make() -> object:
            return ssl_handshake(contexts)

    warm = [make() for _ in range(3)]
    del warm
    gc.collect()
    rss0 = _rss_bytes()
    kept = [make() for _ in range(pairs)]
    gc.collect()
    rss = (_rss_bytes() - rss0) / pairs
    tracemalloc.start()
    gc.collect()
    before = tracemalloc.take_snapshot()
    traced0 = tracemalloc.get_traced_memory()[0]
    kept2 = [make() for _ in range(pairs)]
    gc.collect()
    traced = (tracemalloc.get_traced_memory()[0] - traced0) / pairs
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    top = [
        {"where": _short_path(s.traceback[0].filename), "bytes_per_pair": s.size_diff / pairs}
        for s in after.compare_to(before, "filename")[:8]
    ]
    del kept, kept2
    return {"rss": rss, "tracemalloc": traced, "top": top}


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "src/"):
        if marker in filename:
            return filename.rsplit(marker, 1)[1]
    return filename


def run_memory(contender: str, pairs: int, directory: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "glasstls.bench", "--memory-child", contender, str(pairs), str(directory)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child {contender} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


# -- the run ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    metric: str
    unit: str
    higher_is_better: bool
    values: dict[str, Stat | None]
    target: str | None = None
    target_ratio: float | None = None
    note: str | None = None
    errors: dict[str, Tally] | None = None

    def ratio(self, other: str) -> float | None:
        mine, theirs = self.values.get("glasstls"), self.values.get(other)
        if mine is None or theirs is None or theirs.median == 0:
            return None
        return mine.median / theirs.median

    def verdict(self) -> str | None:
        r = self.ratio("ssl")
        if self.target_ratio is None or r is None:
            return None
        ok = r >= self.target_ratio if self.higher_is_better else r <= self.target_ratio
        return "PASS" if ok else "MISS"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "metric": self.metric,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            **{name: (s.as_json() if s is not None else None) for name, s in self.values.items()},
            "ratio_glasstls_ssl": self.ratio("ssl"),
            "ratio_glasstls_floor": self.ratio("floor"),
            "target": self.target,
            "verdict": self.verdict(),
            "note": self.note,
            "errors": {name: t.as_json() for name, t in self.errors.items()} if self.errors is not None else None,
        }


def _check_verification_is_on(material: Material) -> None:
    """Both contenders must refuse a certificate for another name: verification really is on."""
    client_config, server_config = glasstls_configs(material.trust, material.chain("ecdsa"), HANDSHAKE_SUITE)
    client = ClientConnection(client_config, server_name="wrong.example")
    server = ServerConnection(server_config)
    client.start()
    try:
        server.receive_data(client.data_to_send())
        client.receive_data(server.data_to_send())
    except TLSError:
        pass
    else:
        raise RuntimeError("glasstls accepted a certificate for the wrong name: verification is off")
    contexts = ssl_contexts(material, "ecdsa", HANDSHAKE_SUITE)
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    ssl_client = contexts.client.wrap_bio(c_in, c_out, server_hostname="wrong.example")
    ssl_server = contexts.server.wrap_bio(s_in, s_out, server_side=True)
    try:
        for _ in range(4):
            for obj, src, dst in ((ssl_client, c_out, s_in), (ssl_server, s_out, c_in)):
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                dst.write(src.read())
    except ssl.SSLCertVerificationError:
        return
    raise RuntimeError("ssl accepted a certificate for the wrong name: verification is off")


def make_floor(material: Material, case: Case) -> FloorHandshake | FloorHandshake12 | None:
    """The floor of a full handshake (None for a resumption: no floor is given for those)."""
    if case.resume is not None:
        return None
    if case.version == TLS13:
        return FloorHandshake(material, case.cert)
    return FloorHandshake12(material, case.cert, case.rsa_key_exchange)


def run(plan: Plan, directory: Path, cases: Sequence[Case] = CASES) -> dict[str, Any]:
    material = make_material(directory)
    _check_verification_is_on(material)
    rows: list[Row] = []
    notes: list[str] = []
    ssl_ok: dict[str, bool] = {}
    seconds: dict[str, float] = {}

    # 1. Handshakes.
    started = time.perf_counter()
    _log(
        f"handshakes: {len(cases)} cases, {plan.handshake_rounds} rounds x {plan.handshake_batch} "
        "per contender and case"
    )
    tasks: dict[str, Callable[[], float | None]] = {}
    tallies: dict[str, Tally] = {}
    for case in cases:
        runners: dict[str, Runner] = {}
        g = GlasstlsRunner(material, case)
        runners["glasstls"] = g
        s = SslRunner(material, case)
        runners["ssl"] = s
        ssl_ok[case.key] = s.pinned
        if not s.pinned:
            notes.append(f"ssl could not be pinned to {case.suite}/{case.group}; it used {s.used} ({case.key})")
        floor = make_floor(material, case)
        if floor is not None:
            if case.cert == "rsa" and not case.rsa_key_exchange:
                wanted = SignatureScheme.RSA_PSS_RSAE_SHA256
                if g.signature_scheme != wanted:
                    notes.append(f"glasstls signed with {g.signature_scheme}, the floor with {wanted} ({case.key})")
            runners["floor"] = FloorRunner(floor)
        for contender, runner in runners.items():
            name = f"{case.key}/{contender}"
            tallies[name] = Tally()
            tasks[name] = _handshake_ms(runner, plan.handshake_batch, tallies[name])
    stats = interleave(tasks, plan.handshake_rounds)
    for case in cases:
        errors: dict[str, Tally] = {c: tallies[f"{case.key}/{c}"] for c in CONTENDERS if f"{case.key}/{c}" in tallies}
        for contender, tally in errors.items():
            if tally.errors:
                notes.append(
                    f"{case.key}: {contender} failed {tally.errors} of {tally.runs} handshakes "
                    f"(not counted as samples); first: {tally.first_error}"
                )
        rows.append(
            Row(
                case.key,
                f"handshake {case.metric}",
                "ms",
                False,
                {c: _stat(stats, f"{case.key}/{c}") for c in CONTENDERS},
                target=f"<= {HANDSHAKE_TARGET}x ssl",
                target_ratio=HANDSHAKE_TARGET,
                errors=errors,
            )
        )
    seconds["handshakes"] = time.perf_counter() - started

    # 2. Bulk.
    started = time.perf_counter()
    mb = plan.bulk_bytes / 1e6
    _log(f"bulk: {plan.bulk_rounds} rounds x {plan.bulk_bytes >> 20} MiB per contender and suite")
    payload = os.urandom(WRITE)
    bulk_tasks: dict[str, Callable[[], float | None]] = {}
    for name, suite in BULK_SUITES.items():
        cc, sc = glasstls_configs(material.trust, material.chain("ecdsa"), suite)
        g_pair = glasstls_handshake(cc, sc)
        _check_glasstls_negotiated(g_pair[0], suite)
        contexts = ssl_contexts(material, "ecdsa", suite)
        s_pair = ssl_handshake(contexts)
        used = s_pair.client.cipher()
        s_pair_or_none: SslPair | None = None
        if not (contexts.pinned and used is not None and used[0] == _OPENSSL_NAMES[suite]):
            notes.append(f"ssl could not be pinned to {name}; it used {used}: its bulk figure is left out")
            ssl_ok[name] = False
        else:
            s_pair_or_none = s_pair
        size = plan.bulk_bytes
        bulk_tasks[f"{name}/glasstls"] = _mb_per_s(functools.partial(glasstls_bulk, g_pair, size, payload), mb)
        if s_pair_or_none is not None:
            bulk_tasks[f"{name}/ssl"] = _mb_per_s(functools.partial(ssl_bulk, s_pair_or_none, size, payload), mb)
        bulk_tasks[f"{name}/floor"] = _mb_per_s(functools.partial(floor_bulk, suite, size, payload), mb)
    stats = interleave(bulk_tasks, plan.bulk_rounds)
    for name in BULK_SUITES:
        rows.append(
            Row(
                f"bulk_{name.lower().replace('-', '_')}",
                f"bulk {name}, 16 KiB records",
                "MB/s",
                True,
                {c: _stat(stats, f"{name}/{c}") for c in CONTENDERS},
                target=">= ssl",
                target_ratio=BULK_TARGET,
            )
        )
    seconds["bulk"] = time.perf_counter() - started

    # 3. Memory.
    started = time.perf_counter()
    _log(f"memory: {plan.memory_pairs} pairs per subprocess, {plan.memory_repeats} subprocess(es) per contender")
    mem: dict[str, dict[str, Stat]] = {c: {"rss": Stat(), "tracemalloc": Stat()} for c in ("glasstls", "ssl")}
    top: list[dict[str, Any]] = []
    for r in range(plan.memory_repeats):
        for contender in ("glasstls", "ssl") if r % 2 == 0 else ("ssl", "glasstls"):
            result = run_memory(contender, plan.memory_pairs, directory)
            mem[contender]["rss"].samples.append(result["rss"] / 1024)
            mem[contender]["tracemalloc"].samples.append(result["tracemalloc"] / 1024)
            if contender == "glasstls":
                top = result["top"]
    rows.append(
        Row(
            "memory_tracemalloc",
            "memory per pair, tracemalloc",
            "KiB",
            False,
            {"glasstls": mem["glasstls"]["tracemalloc"], "ssl": mem["ssl"]["tracemalloc"], "floor": None},
            note="ssl's memory is mostly OpenSSL's, which tracemalloc does not see",
        )
    )
    rows.append(
        Row(
            "memory_rss",
            "memory per pair, RSS delta",
            "KiB",
            False,
            {"glasstls": mem["glasstls"]["rss"], "ssl": mem["ssl"]["rss"], "floor": None},
        )
    )
    seconds["memory"] = time.perf_counter() - started
    return {
        "meta": {
            "python": sys.version.split()[0],
            "openssl_ssl": ssl.OPENSSL_VERSION,
            "cryptography": cryptography.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "plan": plan.__dict__,
            "ssl_pinned": all(ssl_ok.values()),
            "phase_seconds": seconds,
        },
        "rows": [row.as_json() for row in rows],
        "notes": notes,
        "glasstls_memory_top": top,
    }


# -- output ----------------------------------------------------------------------------------------------


def _fmt(stat: dict[str, Any] | None, unit: str) -> str:
    if stat is None:
        return "n/a"
    median = stat["median"]
    spread = (stat["p75"] - stat["p25"]) / 2 / median * 100 if median else 0.0
    digits = 3 if unit == "ms" else (1 if unit == "KiB" else 0)
    return f"{median:.{digits}f} ±{spread:.0f}%"


def _fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def _fmt_errors(errors: dict[str, Any] | None) -> str:
    if errors is None:
        return ""
    failed = [f"{name} {e['errors']}/{e['runs']}" for name, e in errors.items() if e["errors"]]
    return ", ".join(failed) if failed else "0"


def render(result: dict[str, Any]) -> str:
    header = ("metric", "glasstls", "ssl", "floor", "glasstls/ssl", "glasstls/floor", "target", "errors")
    lines = []
    table = []
    for row in result["rows"]:
        unit = row["unit"]
        target = ""
        if row["target"]:
            target = f"{row['target']}: {row['verdict'] or 'n/a'}"
        table.append(
            (
                f"{row['metric']} ({unit}, {'higher' if row['higher_is_better'] else 'lower'} is better)",
                _fmt(row["glasstls"], unit),
                _fmt(row["ssl"], unit),
                _fmt(row["floor"], unit),
                _fmt_ratio(row["ratio_glasstls_ssl"]),
                _fmt_ratio(row["ratio_glasstls_floor"]),
                target,
                _fmt_errors(row.get("errors")),
            )
        )
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths), *table]:
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    meta = result["meta"]
    lines.append("")
    lines.append(
        f"median ±half-IQR over interleaved rounds; Python {meta['python']}, {meta['openssl_ssl']} (ssl), "
        f"cryptography {meta['cryptography']}, {meta['cpus']} CPUs"
    )
    lines.append(
        "ratios compare medians (time for handshakes, MB/s for bulk, KiB for memory); "
        "memory is per client+server pair; ssl's memory lives mostly in OpenSSL, outside tracemalloc: "
        "compare RSS"
    )
    lines.append(
        "handshakes: AES-128-GCM; full ones verify chain + name, no tickets; resumed ones must resume on both "
        "sides (errors column: failed/run, never timed); TLS 1.3 resumption includes the new ticket's delivery"
    )
    lines.append(
        "floor: TLS 1.3 handshake = both endpoints' x25519 keygen + exchange (x2), 1 CertificateVerify sign + "
        "verify, parse + verify the chain and name (x509.verification), 34 HKDF-Expand-Label + 6 HKDF-Extract, "
        "4 Finished HMACs; TLS 1.2 = x25519 (x2) + 1 ServerKeyExchange sign + verify, or RSA premaster "
        "encrypt + decrypt, the chain, EMS + key block + 4 Finished PRFs (24 HMACs); "
        "no floor for resumption; bulk = AEAD seal + open of each 16 KiB record"
    )
    for note in result["notes"]:
        lines.append(f"note: {note}")
    if result["glasstls_memory_top"]:
        lines.append("glasstls tracemalloc per pair, by allocating file:")
        for t in result["glasstls_memory_top"]:
            lines.append(f"  {t['bytes_per_pair'] / 1024:8.1f} KiB  {t['where']}")
    return "\n".join(lines)


def profile(plan: Plan, directory: Path, case: Case, top: int = 25) -> str:
    """cProfile of glasstls handshakes of ``case``: only the timed part (``Runner.run``) is profiled."""
    material = make_material(directory)
    runner = GlasstlsRunner(material, case)
    for _ in range(5):
        runner.prepare()
        runner.check(runner.run())
    profiler = cProfile.Profile()
    elapsed = 0.0
    for _ in range(plan.profile_handshakes):
        runner.prepare()
        start = time.perf_counter()
        profiler.enable()
        result = runner.run()
        profiler.disable()
        elapsed += time.perf_counter() - start
        runner.check(result)
    out = io.StringIO()
    out.write(
        f"cProfile of {plan.profile_handshakes} glasstls handshakes, {case.key} ({case.metric}, "
        f"{case.suite}; client and server): {elapsed / plan.profile_handshakes * 1000:.3f} ms each under the "
        "profiler\n"
    )
    for order in ("cumulative", "tottime"):
        out.write(f"\n=== top {top} by {order} ===\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glasstls.bench",
        description="glasstls vs Python's ssl vs the raw cryptography floor (handshakes, bulk, memory)",
    )
    parser.add_argument("--quick", action="store_true", help="a few iterations only (smoke test)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="handshake_ecdsa",
        choices=sorted(CASES_BY_KEY),
        metavar="CASE",
        help="cProfile glasstls handshakes of CASE (default handshake_ecdsa) instead; cases: "
        + ", ".join(CASES_BY_KEY),
    )
    parser.add_argument("--top", type=int, default=25, help="lines of the profile (default 25)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--memory-child", nargs=3, metavar=("WHO", "N", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        who, n, directory = args.memory_child
        print(json.dumps(memory_child(who, int(n), Path(directory))))
        return 0
    plan = QUICK if args.quick else DEFAULT
    with tempfile.TemporaryDirectory(prefix="glasstls-bench-") as tmp:
        if args.profile:
            print(profile(plan, Path(tmp), CASES_BY_KEY[args.profile], args.top))
            return 0
        start = time.perf_counter()
        result = run(plan, Path(tmp))
        result["meta"]["seconds"] = time.perf_counter() - start
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(result))
        print(f"(run took {result['meta']['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
