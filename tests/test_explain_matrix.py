"""The failure matrix of issue 10: each failure, live against a real peer, on the client and on the server side.

Client side: ``glasstls connect``'s own configuration (its command line, parsed by the CLI) against ``openssl
s_server``; server side: ``glasstls serve``'s Server (configured from its command line) against ``openssl
s_client``. Each case asserts the failing step, the machine-readable cause kind (``Explanation.kind``), and that
the advice is an action that differs from what was already tried (never the option value that just failed).
test_cli_failures.py checks the same families through the CLI's text output; this file checks the facts.

One PKI for the module; every peer runs with a timeout (tests/peers.py).
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from glasstls.cli.connect import build_config as client_config_from
from glasstls.cli.main import build_parser
from glasstls.cli.output import Output
from glasstls.cli.serve import ConnectionReport, Server, build_limits
from glasstls.cli.serve import build_config as server_config_from
from glasstls.errors import TLSError
from glasstls.explain import Explanation, explain
from glasstls.io.sync import connect as tls_connect
from glasstls.pki import testpki as tp
from peers import PEER_TIMEOUT, ProcessServer, gnutls_server, openssl_server, run_gnutls_client, run_openssl_client

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Pki:
    files: tp.TestPKIFiles
    sni_a: Path  # a.example, from the same intermediate (chain file)
    sni_b: Path  # b.example
    other_root: Path  # a CA nobody here trusts
    expired: Path  # leaf + intermediate, key beside it (.key)
    not_yet_valid: Path
    leaf_only: Path  # a good leaf without its intermediate
    self_signed: Path
    stranger_client: Path  # a client certificate from a CA the servers do not trust
    expired_client: Path  # a client certificate of the good intermediate, expired
    revocation: Path  # the directory of make_revocation_pki's files (revoked-server.pem, *.crl.pem, ocsp-*.der)


def key_of(cert: Path) -> Path:
    return cert.with_suffix(".key")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("explain-matrix")
    made = tp.make_test_pki(("localhost", "127.0.0.1"), directory=directory / "pki", now=NOW)
    assert made.files is not None

    def write(name: str, cred: tp.IssuedCertificate, *, with_chain: bool = True) -> Path:
        path = directory / f"{name}.pem"
        path.write_bytes(cred.cert_pem(with_chain=with_chain))
        path.with_suffix(".key").write_bytes(cred.key_pem())
        return path

    def leaf(*hosts: str, **kwargs: object) -> tp.IssuedCertificate:
        return tp.issue_certificate(made.intermediate, hosts=hosts, now=NOW, **kwargs)  # type: ignore[arg-type]

    other = tp.make_ca("explain matrix untrusted root", now=NOW)
    other_root = directory / "other-root.pem"
    other_root.write_bytes(other.cert_pem())
    stranger_ca = tp.make_ca("explain matrix stranger client CA", now=NOW)
    stranger = tp.issue_certificate(
        stranger_ca, hosts=("stranger@glasstls.test",), common_name="stranger", now=NOW, eku=(tp.CLIENT_AUTH,)
    )
    revocation = directory / "revocation"
    tp.make_revocation_pki(made).write(revocation)
    return Pki(
        files=made.files,
        sni_a=write("a", leaf("a.example")),
        sni_b=write("b", leaf("b.example")),
        other_root=other_root,
        expired=write(
            "expired", leaf("localhost", not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=2))
        ),
        not_yet_valid=write(
            "not-yet-valid", leaf("localhost", not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=60))
        ),
        leaf_only=write("leaf-only", made.server_ecdsa, with_chain=False),
        self_signed=write("self-signed", tp.issue_certificate(None, hosts=("localhost",), now=NOW)),
        stranger_client=write("stranger-client", stranger),
        expired_client=write(
            "expired-client",
            tp.issue_certificate(
                made.intermediate,
                hosts=("client@glasstls.test",),
                common_name="expired client",
                now=NOW,
                eku=(tp.CLIENT_AUTH,),
                not_before=NOW - timedelta(days=60),
                not_after=NOW - timedelta(days=2),
            ),
        ),
        revocation=revocation,
    )


# -- the client side: glasstls connect's configuration against openssl s_server ------------------------------


def client_failure(port: int, *options: str, servername: str = "localhost") -> Explanation:
    """Connect as ``glasstls connect 127.0.0.1:PORT OPTIONS`` would; the explanation of its failure."""
    args = build_parser().parse_args(["connect", f"127.0.0.1:{port}", *options])
    config = client_config_from(args)
    try:
        with tls_connect("127.0.0.1", port, config, server_name=servername, timeout=PEER_TIMEOUT) as tls:
            # A TLS 1.3 client is done before the server has checked its last flight: the alert comes next.
            tls.sendall(b"hello\n")
            tls.recv(1024, timeout=PEER_TIMEOUT)
    except TLSError as e:
        return explain(e, side="client")
    raise AssertionError("the connection did not fail")


def untried(exp: Explanation, *tried: str) -> None:
    """The advice is an action, and none of the settings already tried is advised again."""
    assert exp.fix and exp.fix[0].isalpha(), exp
    for option in tried:
        assert option not in exp.fix, (option, exp.fix)


def test_client_tls12_client_certificate_required(pki: Pki) -> None:
    """Issue 10 item 2: the server asked for a certificate, we sent an empty one, it answered handshake_failure."""
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, tls13_only=False, client_ca=pki.files.root, extra_args=["-tls1_2"]) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root))
    assert exp.kind == "client-cert-required", exp
    assert exp.step == "client Certificate (alert received)"  # not "NewSessionTicket"
    assert "we sent an empty Certificate" in exp.cause and "handshake_failure" in exp.cause
    assert "--cert" in exp.fix and "--key" in exp.fix
    untried(exp, "--cipher", "--group")


def test_client_no_common_suite_advises_what_was_not_tried(pki: Pki) -> None:
    """Issue 10 item 3: never --cipher X after --cipher X failed."""
    cert = pki.files.server_ecdsa
    only = ["-ciphersuites", "TLS_AES_128_GCM_SHA256"]
    with openssl_server(cert.cert, cert.key, extra_args=only) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root), "--cipher", "TLS_CHACHA20_POLY1305_SHA256")
    assert exp.kind == "handshake-failure" and exp.step == "ClientHello (alert received)", exp
    assert "TLS_CHACHA20_POLY1305_SHA256" in exp.cause  # what we offered
    assert "drop --cipher" in exp.fix
    untried(exp, "--cipher TLS_CHACHA20_POLY1305_SHA256")


def test_client_no_common_group_advises_what_was_not_tried(pki: Pki) -> None:
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, extra_args=["-groups", "P-384"]) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root), "--group", "x25519")
    assert exp.kind == "handshake-failure" and exp.step == "ClientHello (alert received)", exp
    assert "drop --group" in exp.fix and "SECP384R1" in exp.fix  # the defaults add it
    untried(exp, "--group x25519")


def test_client_limited_to_tls12_is_never_advised_a_tls13_suite(pki: Pki) -> None:
    cert = pki.files.server_ecdsa
    only = ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]
    with openssl_server(cert.cert, cert.key, tls13_only=False, extra_args=only) as s:
        exp = client_failure(
            s.port,
            "--cafile",
            str(pki.files.root),
            "--max-version",
            "1.2",
            "--cipher",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        )
    assert exp.kind == "handshake-failure", exp
    assert "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in exp.fix  # a TLS 1.2 suite the defaults add
    untried(exp, "TLS_AES_", "TLS_CHACHA20_POLY1305_SHA256", "--cipher TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")


def test_client_no_common_version(pki: Pki) -> None:
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, tls13_only=True) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root), "--max-version", "1.2")
    assert exp.kind == "no-common-version" and exp.step == "ClientHello (alert received)", exp
    assert "only TLS 1.2" in exp.cause and "drop --max-version 1.2" in exp.fix


def test_client_no_common_alpn(pki: Pki) -> None:
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, alpn=["h2"]) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root), "--alpn", "http/1.1")
    assert exp.kind == "no-common-alpn", exp
    assert "http/1.1" in exp.cause
    untried(exp, "--alpn http/1.1")


# -- the client side: certificates ----------------------------------------------------------------------------


def server_of(cert: Path, **kwargs: object) -> contextlib.AbstractContextManager[ProcessServer]:
    return openssl_server(cert, key_of(cert), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "kind", "cause", "fix"),
    [
        ("expired", "expired", "past its notAfter date", "renew the certificate of the server"),
        ("not_yet_valid", "not-yet-valid", "not valid yet", "clock"),
        ("leaf_only", "missing-intermediate", "issuer", "full chain"),
        ("self_signed", "self-signed", "signed itself", "issued by a CA"),
    ],
)
def test_client_certificate_failures(pki: Pki, case: str, kind: str, cause: str, fix: str) -> None:
    with server_of(getattr(pki, case)) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root))
    assert exp.kind == kind and exp.step == "certificate verification", exp
    assert cause in exp.cause and fix in exp.fix, exp
    untried(exp, f"--cafile {pki.files.root}")


def test_client_wrong_host_name(pki: Pki) -> None:
    with server_of(pki.files.server_ecdsa.cert) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root), servername="wrong.example")
    assert exp.kind == "wrong-host-name" and exp.step == "certificate verification", exp
    assert "wrong.example" in exp.cause and "localhost" in exp.cause
    untried(exp, "--servername wrong.example")


def test_client_unknown_ca(pki: Pki) -> None:
    with server_of(pki.files.server_ecdsa.cert) as s:
        exp = client_failure(s.port, "--cafile", str(pki.other_root))
    assert exp.kind == "unknown-ca" and exp.step == "certificate verification", exp
    untried(exp, f"--cafile {pki.other_root}")


def test_client_revoked_by_crl(pki: Pki) -> None:
    with server_of(pki.revocation / "revoked-server.pem") as s:
        crl = str(pki.revocation / "intermediate.crl.pem")
        exp = client_failure(s.port, "--cafile", str(pki.files.root), "--crl", crl)
    assert exp.kind == "certificate-revoked" and exp.step == "certificate verification", exp
    assert "the server needs a new certificate" in exp.fix


def test_client_revoked_by_ocsp_staple(pki: Pki) -> None:
    staple = ["-status_file", str(pki.revocation / "ocsp-revoked.der")]
    with server_of(pki.revocation / "revoked-server.pem", extra_args=staple) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root))
    assert exp.kind == "certificate-revoked" and "OCSP" in exp.cause, exp


def test_client_certificate_refused_by_the_server(pki: Pki) -> None:
    """Our client certificate's CA is not trusted by openssl s_server: the alert answers our Certificate."""
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, client_ca=pki.files.root) as s:
        client = ["--cert", str(pki.stranger_client), "--key", str(key_of(pki.stranger_client))]
        exp = client_failure(s.port, "--cafile", str(pki.files.root), *client)
    assert exp.kind == "certificate-rejected" and exp.step == "client Certificate (alert received)", exp
    assert exp.alert == "unknown_ca" and "does not trust the certificate authority" in exp.cause


def test_client_tls12_client_certificate_required_by_gnutls(pki: Pki) -> None:
    """Item 2 against GnuTLS (TLS 1.2, --require-client-cert)."""
    cert = pki.files.server_ecdsa
    tls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
    with gnutls_server(cert.cert, cert.key, priority=tls12, client_ca=pki.files.root) as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root))
    assert exp.kind == "client-cert-required" and exp.step == "client Certificate (alert received)", exp
    assert "--cert" in exp.fix


def test_client_no_common_group_with_gnutls(pki: Pki) -> None:
    cert = pki.files.server_ecdsa
    with gnutls_server(cert.cert, cert.key, priority="NORMAL:-GROUP-ALL:+GROUP-SECP384R1") as s:
        exp = client_failure(s.port, "--cafile", str(pki.files.root), "--group", "x25519")
    assert exp.kind == "handshake-failure" and exp.step == "ClientHello (alert received)", exp
    assert "drop --group" in exp.fix
    untried(exp, "--group x25519")


# -- the client side: the transport and the record layer -------------------------------------------------------


class Peer:
    """A small TCP peer on 127.0.0.1 that runs ``act(connection)`` for one connection, with timeouts."""

    def __init__(self, act: Callable[[socket.socket], None]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(PEER_TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, args=(act,), daemon=True)
        self.thread.start()

    def _run(self, act: Callable[[socket.socket], None]) -> None:
        with self.listener:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
        with conn:
            conn.settimeout(PEER_TIMEOUT)
            with contextlib.suppress(OSError):
                act(conn)

    def join(self) -> None:
        self.thread.join(PEER_TIMEOUT)


def records(sock: socket.socket) -> Iterator[bytes]:
    """The TLS records read from ``sock`` (whole records, header included) until it closes."""
    buffer = b""
    while data := sock.recv(65536):
        buffer += data
        while len(buffer) >= 5 and len(buffer) >= 5 + int.from_bytes(buffer[3:5], "big"):
            size = 5 + int.from_bytes(buffer[3:5], "big")
            record, buffer = buffer[:size], buffer[size:]
            yield record


class TamperProxy:
    """A TCP proxy to ``port`` that alters the first protected record going one way (``to_client``: from the
    server): the first application_data record or the first record after a change_cipher_spec, which covers
    TLS 1.3 and the TLS 1.2 Finished. ``mode`` "flip": one bit of its last byte (the AEAD tag) is flipped;
    "cut": half of it is sent, then the connection is closed (a record cut short); "close": the connection is
    closed before it (at a record boundary)."""

    def __init__(self, port: int, *, to_client: bool = True, mode: str = "flip") -> None:
        self.target, self.to_client, self.mode = port, to_client, mode
        self.done = threading.Event()
        self.peer = Peer(self._run)
        self.port = self.peer.port

    def _run(self, client: socket.socket) -> None:
        with socket.create_connection(("127.0.0.1", self.target), timeout=PEER_TIMEOUT) as server:
            src, dst = (server, client) if self.to_client else (client, server)
            threading.Thread(target=self._pipe, args=(dst, src), daemon=True).start()
            after_ccs = False
            for record in records(src):
                if not self.done.is_set() and (record[0] == 23 or after_ccs):
                    self.done.set()
                    if self.mode in ("cut", "close"):  # half of the record, or none of it
                        dst.sendall(record[: len(record) // 2] if self.mode == "cut" else b"")
                        dst.shutdown(socket.SHUT_RDWR)  # the FIN now (another thread is reading it)
                        return
                    record = record[:-1] + bytes([record[-1] ^ 1])
                after_ccs = record[0] == 20
                dst.sendall(record)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)


def test_client_plain_http_port(pki: Pki) -> None:
    peer = Peer(lambda conn: (conn.recv(65536), conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")))
    exp = client_failure(peer.port, "--cafile", str(pki.files.root))
    peer.join()
    assert exp.kind == "not-tls" and exp.step == "record layer", exp
    assert "not speaking TLS" in exp.cause and "check the port" in exp.fix


def test_client_peer_closes_before_answering(pki: Pki) -> None:
    peer = Peer(lambda conn: conn.recv(65536))
    exp = client_failure(peer.port, "--cafile", str(pki.files.root))
    peer.join()
    assert exp.kind == "connection-lost" and exp.step == "ServerHello", exp
    assert "may not speak TLS on this port" in exp.fix  # nothing came back: that is possible here


def test_client_record_cut_short_after_the_server_spoke_tls(pki: Pki) -> None:
    """Item 5: the connection ends inside an encrypted record: say so (n of m bytes), not "may not speak TLS"."""
    with server_of(pki.files.server_ecdsa.cert) as s:
        proxy = TamperProxy(s.port, mode="cut")
        exp = client_failure(proxy.port, "--cafile", str(pki.files.root))
    assert proxy.done.is_set()
    assert exp.kind == "truncated-record", exp
    assert exp.step.startswith("record layer")
    assert "the connection ended inside a record" in exp.cause and " of its " in exp.cause
    assert "may not speak TLS" not in exp.fix


def test_client_server_hangs_up_after_its_hello(pki: Pki) -> None:
    """The server spoke TLS, then closed without an alert: say that, not "may not speak TLS on this port"."""
    with server_of(pki.files.server_ecdsa.cert) as s:
        proxy = TamperProxy(s.port, mode="close")
        exp = client_failure(proxy.port, "--cafile", str(pki.files.root))
    assert proxy.done.is_set()
    assert exp.kind == "connection-lost", exp
    assert "closed the connection without an alert after its ServerHello" in exp.cause
    assert "may not speak TLS" not in exp.fix and "log" in exp.fix


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
def test_client_bad_record_mac_from_the_server(pki: Pki, tls12: bool) -> None:
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, tls13_only=not tls12, extra_args=["-tls1_2"] if tls12 else []) as s:
        proxy = TamperProxy(s.port)
        exp = client_failure(proxy.port, "--cafile", str(pki.files.root))
    assert proxy.done.is_set()
    assert exp.kind == "bad-record-mac" and exp.step == "record layer", exp
    assert ("RFC 5246 section 6.2.3" if tls12 else "RFC 8446 section 5.2") in exp.cause  # item 8
    assert "middlebox" in exp.fix


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
def test_client_bad_record_mac_seen_by_the_server(pki: Pki, tls12: bool) -> None:
    """Item 4: the server's alert answers our last flight; it is named, not the state we waited in."""
    cert = pki.files.server_ecdsa
    with openssl_server(cert.cert, cert.key, tls13_only=not tls12, extra_args=["-tls1_2"] if tls12 else []) as s:
        proxy = TamperProxy(s.port, to_client=False)
        exp = client_failure(proxy.port, "--cafile", str(pki.files.root))
    assert proxy.done.is_set()
    assert exp.kind == "bad-record-mac" and exp.alert == "bad_record_mac", exp
    assert exp.step == ("our ClientKeyExchange, Finished (alert received)" if tls12 else "Finished (alert received)")
    assert "NewSessionTicket" not in exp.step and "Expect" not in exp.step


# -- the server side: glasstls serve's Server against openssl s_client ----------------------------------------


@dataclass
class Served:
    server: Server
    reports: list[ConnectionReport]
    done: threading.Event

    @property
    def port(self) -> int:
        return int(self.server.port)

    def failure(self) -> Explanation:
        assert self.done.wait(PEER_TIMEOUT), "the server reported no connection"
        failed = [r.explanation for r in self.reports if r.explanation is not None]
        assert failed, [r.negotiated for r in self.reports]
        return failed[0]


@contextlib.contextmanager
def serving(*options: str) -> Iterator[Served]:
    """``glasstls serve --port 0 OPTIONS``'s Server, in this process (its explanations as objects)."""
    args = build_parser().parse_args(["serve", "--port", "0", *options])
    config = server_config_from(args, Output(io.StringIO(), rich_output=False))
    reports: list[ConnectionReport] = []
    done = threading.Event()

    def on_done(report: ConnectionReport) -> None:
        reports.append(report)
        done.set()

    server = Server(
        config,
        "127.0.0.1",
        0,
        on_done=on_done,
        limits=build_limits(args),
        handshake_timeout=args.handshake_timeout,
    )
    server.start()
    try:
        yield Served(server, reports, done)
    finally:
        server.shutdown(wait=1.0)


def with_cert(pki: Pki, *more: str) -> list[str]:
    cert = pki.files.server_ecdsa
    return ["--cert", str(cert.cert), "--key", str(cert.key), *more]


def s_client(
    port: int, pki: Pki, *extra: str, tls13_only: bool = False, servername: str = "localhost", ign_eof: bool = True
) -> None:
    run_openssl_client(
        port,
        cafile=pki.files.root,
        tls13_only=tls13_only,
        servername=servername,
        ign_eof=ign_eof,
        extra_args=list(extra),
    )


def test_server_tls12_client_sent_no_certificate(pki: Pki) -> None:
    """Issue 10 item 2, the server's side: the cause is the missing certificate, advice for the operator."""
    with serving(
        *with_cert(pki, "--max-version", "1.2", "--require-client-cert", "--cafile", str(pki.files.root))
    ) as s:
        s_client(s.port, pki, "-tls1_2")
        exp = s.failure()
    assert exp.kind == "client-cert-required" and exp.step == "client Certificate", exp
    assert "the client sent no certificate" in exp.cause and "RFC 5246 section 7.4.6" in exp.cause
    assert "--request-client-cert" in exp.fix  # the operator's choice, not the client's flags only
    assert exp.alert == "handshake_failure"  # TLS 1.2 has no certificate_required alert


def test_server_tls12_ecdsa_only_client_offers_only_x25519(pki: Pki) -> None:
    """Issue 10 item 3: the server names the missing piece (RFC 8422 section 5.1)."""
    with serving(*with_cert(pki, "--max-version", "1.2")) as s:
        s_client(s.port, pki, "-tls1_2", "-groups", "X25519")
        exp = s.failure()
    assert exp.kind == "no-usable-certificate", exp
    assert "the client's supported_groups (X25519) lacks P-256" in exp.cause
    assert "RFC 8422 section 5.1" in exp.cause
    assert exp.detail is not None and "curve SECP256R1 is not in the client's supported_groups" in exp.detail
    assert "RSA certificate" in exp.fix or "secp256r1" in exp.fix


def test_server_no_common_suite_names_both_sides(pki: Pki) -> None:
    with serving(*with_cert(pki, "--cipher", "TLS_AES_128_GCM_SHA256")) as s:
        s_client(s.port, pki, "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", tls13_only=True)
        exp = s.failure()
    assert exp.kind == "no-common-cipher" and exp.step == "ClientHello", exp
    assert "TLS_CHACHA20_POLY1305_SHA256" in exp.cause and "TLS_AES_128_GCM_SHA256" in exp.cause
    assert "--cipher TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256" in exp.fix
    untried(exp, "--allow-cbc")


def test_server_no_common_group(pki: Pki) -> None:
    with serving(*with_cert(pki, "--group", "secp384r1")) as s:
        s_client(s.port, pki, "-groups", "X25519", tls13_only=True)
        exp = s.failure()
    assert exp.kind == "no-common-group", exp
    assert "--group secp384r1,x25519" in exp.fix


def test_server_no_common_version(pki: Pki) -> None:
    with serving(*with_cert(pki, "--min-version", "1.3")) as s:
        s_client(s.port, pki, "-tls1_2")
        exp = s.failure()
    assert exp.kind == "no-common-version", exp
    assert "the client offers TLS 1.2" in exp.cause and "drop --min-version" in exp.fix


def test_server_no_common_alpn(pki: Pki) -> None:
    with serving(*with_cert(pki, "--alpn", "h2")) as s:
        s_client(s.port, pki, "-alpn", "http/1.1", tls13_only=True)
        exp = s.failure()
    assert exp.kind == "no-common-alpn", exp
    assert "the client asked for http/1.1" in exp.cause and "add it to --alpn" in exp.fix


def test_server_sni_matches_none_of_several_certificates(pki: Pki) -> None:
    """Issue 10 item 6: which name was asked for, that no certificate covers it, and which one was sent."""
    pairs = ["--cert", str(pki.sni_a), "--key", str(pki.sni_a.with_suffix(".key"))]
    pairs += ["--cert", str(pki.sni_b), "--key", str(pki.sni_b.with_suffix(".key"))]
    with serving(*pairs) as s:
        s_client(s.port, pki, tls13_only=True, servername="c.example")
        exp = s.failure()
    assert exp.kind == "sni-mismatch", exp
    assert exp.step == "server Certificate (alert received)"
    assert "the client asked for c.example" in exp.cause and "none of our certificates covers it" in exp.cause
    assert "a.example" in exp.cause and "b.example" in exp.cause and "we sent the one for a.example" in exp.cause
    assert "add a certificate for c.example" in exp.fix


def test_server_client_hangs_up_before_its_hello(pki: Pki) -> None:
    with serving(*with_cert(pki)) as s:
        socket.create_connection(("127.0.0.1", s.port), timeout=PEER_TIMEOUT).close()
        exp = s.failure()
    assert exp.kind == "connection-lost" and exp.step == "ClientHello", exp
    assert "without sending a ClientHello" in exp.cause


# -- the server side: certificates, transport, record layer ----------------------------------------------------


def test_server_bad_client_certificate(pki: Pki) -> None:
    with serving(*with_cert(pki, "--require-client-cert", "--cafile", str(pki.files.root))) as s:
        run_openssl_client(
            s.port,
            cafile=pki.files.root,
            certfile=pki.stranger_client,
            keyfile=key_of(pki.stranger_client),
        )
        exp = s.failure()
    assert exp.kind == "missing-intermediate" and exp.step == "certificate verification", exp
    assert "the chain the client sent" in exp.cause


def test_server_expired_client_certificate(pki: Pki) -> None:
    with serving(*with_cert(pki, "--require-client-cert", "--cafile", str(pki.files.root))) as s:
        run_openssl_client(
            s.port, cafile=pki.files.root, certfile=pki.expired_client, keyfile=key_of(pki.expired_client)
        )
        exp = s.failure()
    assert exp.kind == "expired" and exp.step == "certificate verification", exp
    assert "renew the certificate of the client" in exp.fix  # the client's, not "the server's"


def test_server_client_does_not_trust_our_ca(pki: Pki) -> None:
    with serving(*with_cert(pki)) as s:
        run_openssl_client(s.port, cafile=pki.other_root)
        exp = s.failure()
    assert exp.kind == "certificate-rejected" and exp.step == "server Certificate (alert received)", exp
    assert exp.alert == "unknown_ca" and "does not trust the certificate authority" in exp.cause


def test_server_client_wants_another_name(pki: Pki) -> None:
    """A single certificate that does not cover the client's SNI name: the same explanation as item 6."""
    with serving(*with_cert(pki)) as s:
        s_client(s.port, pki, tls13_only=True, servername="wrong.example")
        exp = s.failure()
    assert exp.kind == "sni-mismatch" and "the client asked for wrong.example" in exp.cause, exp
    assert "our only certificate (CN=localhost) covers localhost, 127.0.0.1, not that name" in exp.cause


def test_server_plain_http_client(pki: Pki) -> None:
    with serving(*with_cert(pki)) as s:
        with socket.create_connection(("127.0.0.1", s.port), timeout=PEER_TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            with contextlib.suppress(OSError):
                sock.recv(100)
        exp = s.failure()
    assert exp.kind == "not-tls" and exp.step == "record layer", exp
    assert "HTTP request" in exp.cause and "nothing to fix on this server" in exp.fix


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
def test_server_bad_record_mac_from_the_client(pki: Pki, tls12: bool) -> None:
    with serving(*with_cert(pki)) as s:
        proxy = TamperProxy(s.port, to_client=False)
        s_client(proxy.port, pki, *(["-tls1_2"] if tls12 else []), tls13_only=not tls12)
        exp = s.failure()
    assert proxy.done.is_set()
    assert exp.kind == "bad-record-mac" and exp.step == "record layer", exp
    assert ("RFC 5246 section 6.2.3" if tls12 else "RFC 8446 section 5.2") in exp.cause


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
def test_server_bad_record_mac_seen_by_the_client(pki: Pki, tls12: bool) -> None:
    with serving(*with_cert(pki)) as s:
        proxy = TamperProxy(s.port)
        s_client(proxy.port, pki, *(["-tls1_2"] if tls12 else []), tls13_only=not tls12)
        exp = s.failure()
    assert proxy.done.is_set()
    assert exp.kind == "bad-record-mac" and exp.alert == "bad_record_mac", exp
    assert "Expect" not in exp.step and exp.step.endswith("(alert received)")
    assert "Finished" in exp.step  # our flight that the client could not decrypt


def test_server_handshake_timeout_advice_is_for_the_server(pki: Pki) -> None:
    """Item 8: a client that connects and says nothing; the advice is not "check the host, port and firewall"."""
    with (
        serving(*with_cert(pki, "--handshake-timeout", "0.5")) as s,
        socket.create_connection(("127.0.0.1", s.port), timeout=PEER_TIMEOUT),
    ):
        exp = s.failure()
    assert exp.kind == "timeout" and exp.step.startswith("ClientHello"), exp
    assert "sent no ClientHello" in exp.cause and "nothing to fix on this server" in exp.fix
    assert "firewall" not in exp.fix and "check the host" not in exp.fix


def test_server_status_line_of_a_resumed_tls12_session(pki: Pki, tmp_path: Path) -> None:
    """Item 7: a resumed TLS 1.2 ECDHE session is "resumed", not "RSA key exchange"."""
    from glasstls.cli.serve import report_line

    session = tmp_path / "session.pem"
    with serving(*with_cert(pki)) as s:
        s_client(s.port, pki, "-tls1_2", "-sess_out", str(session), ign_eof=False)
        s_client(s.port, pki, "-tls1_2", "-sess_in", str(session), ign_eof=False)
        assert s.done.wait(PEER_TIMEOUT)
        deadline = threading.Event()
        for _ in range(50):
            if len(s.reports) >= 2:
                break
            deadline.wait(0.1)
    lines = [report_line(r) for r in s.reports if r.negotiated is not None]
    assert len(lines) == 2, lines
    assert s.reports[1].negotiated is not None and s.reports[1].negotiated.resumed, lines
    assert "resumed TLS 1.2 session" in lines[1] and "RSA key exchange" not in lines[1]


def test_server_client_offers_only_dhe(pki: Pki) -> None:
    """The advice is computed: the opt-in flag the client's suites need, and the RSA certificate they need too."""
    with serving(*with_cert(pki, "--max-version", "1.2")) as s:
        s_client(s.port, pki, "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256")
        exp = s.failure()
    assert exp.kind == "no-common-cipher", exp
    assert "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" in exp.cause
    assert "--allow-dhe" in exp.fix and "RSA certificate" in exp.fix
    untried(exp, "--allow-cbc", "--allow-rsa-key-exchange", "TLS_AES_")


def test_server_client_without_extended_master_secret(pki: Pki) -> None:
    """GnuTLS without EMS (%NO_SESSION_HASH): the server's own reason and its hint, not a generic text."""
    with serving(*with_cert(pki)) as s:
        run_gnutls_client(s.port, cafile=pki.files.root, priority="NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH")
        exp = s.failure()
    assert exp.kind == "handshake-failure" and exp.step == "ClientHello", exp
    assert "does not offer the extended master secret" in exp.cause and "RFC 7627" in exp.cause
    assert "cipher suite, key exchange group or signature scheme" not in exp.cause
    assert "--allow-no-ems" in exp.fix


def test_server_no_common_group_with_gnutls_client(pki: Pki) -> None:
    with serving(*with_cert(pki, "--group", "secp384r1")) as s:
        run_gnutls_client(
            s.port, cafile=pki.files.root, priority="NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519"
        )
        exp = s.failure()
    assert exp.kind == "no-common-group" and exp.step == "ClientHello", exp
    assert "the client offers X25519" in exp.cause and "--group secp384r1,x25519" in exp.fix
