"""``make bench``: glasstls against Python's ``ssl`` and against the raw ``cryptography`` floor.

A benchmark, never a test: nothing here asserts a time. One run measures, interleaved (every round runs each
contender once, in a rotating order, so that machine noise hits all of them alike), and reports the median
and the interquartile spread of the rounds:

1. Full TLS 1.3 handshakes, client and server in one process, in memory, x25519 and TLS_AES_128_GCM_SHA256,
   with an ECDSA P-256 and with an RSA-2048 server certificate (leaf + intermediate, under one root);
   the client verifies the chain and the host name ``localhost`` in every contender.

   * glasstls: ``ClientConnection``/``ServerConnection`` pairs (configs built once, like an ``SSLContext``).
   * ssl: ``SSLContext.wrap_bio`` pairs over ``ssl.MemoryBIO``, TLS 1.3 only, the same certificate files,
     the client verifying with the same root; the server sends no session tickets (``num_tickets = 0``)
     because glasstls does not either. Python cannot choose TLS 1.3 suites or groups, so the bench pins
     both contexts to TLS_AES_128_GCM_SHA256 and X25519 through OpenSSL itself (ctypes, see
     :func:`_pin_openssl`); each handshake's ``cipher()`` is checked.
   * floor: the cryptographic work both endpoints of such a handshake cannot avoid, done directly with
     ``cryptography`` (see :class:`FloorHandshake` for the exact list). No message is encoded, parsed,
     hashed into a transcript or record-protected: it is a lower bound, not a TLS implementation.

2. Bulk throughput, one direction after the handshake, with TLS_AES_128_GCM_SHA256 and
   TLS_CHACHA20_POLY1305_SHA256: the application writes 64 KiB at a time (16 KiB records on the wire) and
   the bytes of each write are handed to the receiver at once. glasstls ``send_data`` -> ``data_to_send``
   -> ``receive_data`` -> ``events``; ssl ``SSLObject.write`` -> MemoryBIO -> ``SSLObject.read``; the floor
   seals and opens each 16 KiB record (inner content type, header as AAD, per-record nonce ``iv XOR seq``)
   with cryptography's ``AESGCM``/``ChaCha20Poly1305``. MB/s is 10^6 bytes of application data a second.

3. Memory per established connection pair (client + server, after the handshake, events and output
   drained), each contender in fresh subprocesses (alternating): the RSS delta (``/proc/self/statm``) of N
   pairs, then, with tracemalloc on, the traced delta of N more. ssl keeps almost everything in OpenSSL's
   own allocations, which tracemalloc cannot see: for ssl only the RSS figure is meaningful. RSS moves in
   pages and with the allocator's arenas, so it is only a rough per-pair figure (steadier for large N).

Options: ``--quick`` (a few iterations, for the smoke test), ``--profile`` (cProfile of glasstls ECDSA
handshakes: top 25 by cumulative and by own time; nothing else is run), ``--json`` (machine-readable).

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
from glasstls.wire.enums import CipherSuite, NamedGroup

HOST = "localhost"
CertKind = Literal["ecdsa", "rsa"]
Contender = Literal["glasstls", "ssl", "floor"]
CONTENDERS: tuple[Contender, ...] = ("glasstls", "ssl", "floor")

CERT_KINDS: dict[CertKind, str] = {"ecdsa": "ECDSA P-256", "rsa": "RSA-2048"}
BULK_SUITES: dict[str, CipherSuite] = {
    "AES-128-GCM": CipherSuite.TLS_AES_128_GCM_SHA256,
    "ChaCha20-Poly1305": CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
}
HANDSHAKE_SUITE = CipherSuite.TLS_AES_128_GCM_SHA256
RECORD = 16 * 1024
WRITE = 64 * 1024

#: The issue's targets (issue 3, "make bench").
HANDSHAKE_TARGET = 1.5  # glasstls handshake time at most 1.5x ssl's
BULK_TARGET = 1.0  # glasstls throughput at least ssl's


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
DEFAULT = Plan(100, 20, 40, 16 << 20, 1000, 3, 300)


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
    groups = (NamedGroup.X25519,)
    client = ClientConfig(trust=trust, groups=groups, key_share_groups=groups, cipher_suites=(suite,))
    server = ServerConfig(certificates=(chain,), groups=groups, cipher_suites=(suite,))
    return client, server


def glasstls_handshake(
    client_config: ClientConfig, server_config: ServerConfig
) -> tuple[ClientConnection, ServerConnection]:
    """One full handshake in memory; returns the (client, server) connections, established and drained."""
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
            raise RuntimeError("glasstls handshake stalled")
    client.events()
    server.events()
    return client, server


def _check_glasstls_negotiated(client: ClientConnection, suite: CipherSuite) -> None:
    n = client.negotiated
    if n is None or n.group != NamedGroup.X25519 or n.cipher_suite != suite:
        raise RuntimeError(f"glasstls negotiated {n!r}, not X25519 with {suite}")


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


# -- Python's ssl ----------------------------------------------------------------------------------------

_OPENSSL_NAMES = {
    CipherSuite.TLS_AES_128_GCM_SHA256: "TLS_AES_128_GCM_SHA256",
    CipherSuite.TLS_AES_256_GCM_SHA384: "TLS_AES_256_GCM_SHA384",
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256: "TLS_CHACHA20_POLY1305_SHA256",
}
_SSL_CTRL_SET_GROUPS_LIST = 92  # OpenSSL ssl.h: SSL_CTX_set1_groups_list is SSL_CTX_ctrl with this command


def _pin_openssl(ctx: ssl.SSLContext, suite: CipherSuite) -> bool:
    """Restrict ``ctx`` to one TLS 1.3 suite and to X25519, which Python's ``ssl`` cannot express.

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
    ok_suites = set_suites(pointer, _OPENSSL_NAMES[suite].encode()) == 1
    ok_groups = ctrl(pointer, _SSL_CTRL_SET_GROUPS_LIST, 0, b"X25519") == 1
    return bool(ok_suites and ok_groups)


@dataclass
class SslContexts:
    client: ssl.SSLContext
    server: ssl.SSLContext
    suite: CipherSuite
    pinned: bool


def ssl_contexts(material: Material, kind: CertKind, suite: CipherSuite) -> SslContexts:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname by default
    client.load_verify_locations(cafile=str(material.files.root))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert, key = material.cert_files(kind)
    server.load_cert_chain(str(cert), str(key))
    server.num_tickets = 0
    for ctx in (client, server):
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    pinned = _pin_openssl(client, suite) and _pin_openssl(server, suite)
    return SslContexts(client, server, suite, pinned)


@dataclass
class SslPair:
    client: ssl.SSLObject
    server: ssl.SSLObject
    bios: tuple[ssl.MemoryBIO, ssl.MemoryBIO, ssl.MemoryBIO, ssl.MemoryBIO]


def ssl_handshake(contexts: SslContexts) -> SslPair:
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = contexts.client.wrap_bio(c_in, c_out, server_hostname=HOST)
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
            raise RuntimeError("ssl handshake stalled")
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


def _per_op_ms(fn: Callable[[], object], n: int) -> Callable[[], float]:
    """A task that runs ``fn`` ``n`` times and returns milliseconds per call."""

    def task() -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) / n * 1000

    return task


def _mb_per_s(fn: Callable[[], float], megabytes: float) -> Callable[[], float]:
    """A task that turns the seconds ``fn`` took to move ``megabytes`` into MB/s."""
    return lambda: megabytes / fn()


def interleave(tasks: dict[str, Callable[[], float]], rounds: int) -> dict[str, Stat]:
    """Run every task once per round, rotating the order each round; each task returns one sample."""
    names = list(tasks)
    stats = {name: Stat() for name in names}
    for name in names:  # warm-up, not recorded
        tasks[name]()
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            stats[name].samples.append(tasks[name]())
    return stats


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


def run(plan: Plan, directory: Path) -> dict[str, Any]:
    material = make_material(directory)
    _check_verification_is_on(material)
    rows: list[Row] = []
    notes: list[str] = []

    # 1. Handshakes.
    _log(f"handshakes: {plan.handshake_rounds} rounds x {plan.handshake_batch} per contender and certificate")
    tasks: dict[str, Callable[[], float]] = {}
    ssl_ok: dict[str, bool] = {}
    for kind in CERT_KINDS:
        cc, sc = glasstls_configs(material.trust, material.chain(kind), HANDSHAKE_SUITE)
        contexts = ssl_contexts(material, kind, HANDSHAKE_SUITE)
        first = ssl_handshake(contexts)
        used = first.client.cipher()
        ssl_ok[kind] = contexts.pinned and used is not None and used[0] == _OPENSSL_NAMES[HANDSHAKE_SUITE]
        if not ssl_ok[kind]:
            notes.append(f"ssl could not be pinned to AES-128-GCM/X25519; it used {used} ({kind} handshakes)")
        _check_glasstls_negotiated(glasstls_handshake(cc, sc)[0], HANDSHAKE_SUITE)
        batch = plan.handshake_batch
        tasks[f"{kind}/glasstls"] = _per_op_ms(functools.partial(glasstls_handshake, cc, sc), batch)
        tasks[f"{kind}/ssl"] = _per_op_ms(functools.partial(ssl_handshake, contexts), batch)
        tasks[f"{kind}/floor"] = _per_op_ms(FloorHandshake(material, kind).run, batch)
    stats = interleave(tasks, plan.handshake_rounds)
    for kind, label in CERT_KINDS.items():
        rows.append(
            Row(
                f"handshake_{kind}",
                f"handshake x25519 + {label}",
                "ms",
                False,
                {c: stats[f"{kind}/{c}"] for c in CONTENDERS},
                target=f"<= {HANDSHAKE_TARGET}x ssl",
                target_ratio=HANDSHAKE_TARGET,
            )
        )

    # 2. Bulk.
    mb = plan.bulk_bytes / 1e6
    _log(f"bulk: {plan.bulk_rounds} rounds x {plan.bulk_bytes >> 20} MiB per contender and suite")
    payload = os.urandom(WRITE)
    tasks = {}
    for name, suite in BULK_SUITES.items():
        cc, sc = glasstls_configs(material.trust, material.chain("ecdsa"), suite)
        g_pair = glasstls_handshake(cc, sc)
        _check_glasstls_negotiated(g_pair[0], suite)
        contexts = ssl_contexts(material, "ecdsa", suite)
        s_pair = ssl_handshake(contexts)
        used = s_pair.client.cipher()
        if not (contexts.pinned and used is not None and used[0] == _OPENSSL_NAMES[suite]):
            notes.append(f"ssl could not be pinned to {name}; it used {used}: its bulk figure is left out")
            ssl_ok[name] = False
            s_pair_or_none: SslPair | None = None
        else:
            s_pair_or_none = s_pair
        tasks[f"{name}/glasstls"] = _mb_per_s(functools.partial(glasstls_bulk, g_pair, plan.bulk_bytes, payload), mb)
        if s_pair_or_none is not None:
            tasks[f"{name}/ssl"] = _mb_per_s(functools.partial(ssl_bulk, s_pair_or_none, plan.bulk_bytes, payload), mb)
        tasks[f"{name}/floor"] = _mb_per_s(functools.partial(floor_bulk, suite, plan.bulk_bytes, payload), mb)
    stats = interleave(tasks, plan.bulk_rounds)
    for name in BULK_SUITES:
        rows.append(
            Row(
                f"bulk_{name.lower().replace('-', '_')}",
                f"bulk {name}, 16 KiB records",
                "MB/s",
                True,
                {c: stats.get(f"{name}/{c}") for c in CONTENDERS},
                target=">= ssl",
                target_ratio=BULK_TARGET,
            )
        )

    # 3. Memory.
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
    return {
        "meta": {
            "python": sys.version.split()[0],
            "openssl_ssl": ssl.OPENSSL_VERSION,
            "cryptography": cryptography.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "plan": plan.__dict__,
            "ssl_pinned": all(ssl_ok.values()),
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


def render(result: dict[str, Any]) -> str:
    header = ("metric", "glasstls", "ssl", "floor", "glasstls/ssl", "glasstls/floor", "target")
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
        "floor: handshake = both endpoints' x25519 keygen + exchange (x2), 1 CertificateVerify sign + verify, "
        "parse + verify the chain and name (x509.verification), 34 HKDF-Expand-Label + 6 HKDF-Extract, "
        "4 Finished HMACs; bulk = AEAD seal + open of each 16 KiB record"
    )
    for note in result["notes"]:
        lines.append(f"note: {note}")
    if result["glasstls_memory_top"]:
        lines.append("glasstls tracemalloc per pair, by allocating file:")
        for t in result["glasstls_memory_top"]:
            lines.append(f"  {t['bytes_per_pair'] / 1024:8.1f} KiB  {t['where']}")
    return "\n".join(lines)


def profile(plan: Plan, directory: Path) -> str:
    material = make_material(directory)
    cc, sc = glasstls_configs(material.trust, material.chain("ecdsa"), HANDSHAKE_SUITE)
    for _ in range(5):
        glasstls_handshake(cc, sc)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(plan.profile_handshakes):
        glasstls_handshake(cc, sc)
    profiler.disable()
    elapsed = time.perf_counter() - start
    out = io.StringIO()
    out.write(
        f"cProfile of {plan.profile_handshakes} glasstls handshakes (x25519 + ECDSA P-256, client and server): "
        f"{elapsed / plan.profile_handshakes * 1000:.3f} ms each under the profiler\n"
    )
    for order in ("cumulative", "tottime"):
        out.write(f"\n=== top 25 by {order} ===\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(25)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glasstls.bench",
        description="glasstls vs Python's ssl vs the raw cryptography floor (handshakes, bulk, memory)",
    )
    parser.add_argument("--quick", action="store_true", help="a few iterations only (smoke test)")
    parser.add_argument("--profile", action="store_true", help="cProfile glasstls ECDSA handshakes instead")
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
            print(profile(plan, Path(tmp)))
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
