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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from glasstls.cli.connect import build_config as client_config_from
from glasstls.cli.main import build_parser
from glasstls.cli.output import Output
from glasstls.cli.serve import ConnectionReport, Server
from glasstls.cli.serve import build_config as server_config_from
from glasstls.errors import TLSError
from glasstls.explain import Explanation, explain
from glasstls.io.sync import connect as tls_connect
from glasstls.pki import testpki as tp
from peers import PEER_TIMEOUT, openssl_server, run_openssl_client

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Pki:
    files: tp.TestPKIFiles
    sni_a: Path  # a.example, from the same intermediate (chain file)
    sni_b: Path  # b.example


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("explain-matrix")
    made = tp.make_test_pki(("localhost", "127.0.0.1"), directory=directory / "pki", now=NOW)
    assert made.files is not None

    def write(name: str, host: str) -> Path:
        cred = tp.issue_certificate(made.intermediate, hosts=(host,), now=NOW)
        path = directory / f"{name}.pem"
        path.write_bytes(cred.cert_pem(with_chain=True))
        path.with_suffix(".key").write_bytes(cred.key_pem())
        return path

    return Pki(made.files, write("a", "a.example"), write("b", "b.example"))


# -- the client side: glasstls connect's configuration against openssl s_server ------------------------------


def client_failure(port: int, *options: str, servername: str = "localhost") -> Explanation:
    """Connect as ``glasstls connect 127.0.0.1:PORT OPTIONS`` would; the explanation of its failure."""
    args = build_parser().parse_args(["connect", f"127.0.0.1:{port}", *options])
    config = client_config_from(args)
    try:
        with tls_connect("127.0.0.1", port, config, server_name=servername, timeout=PEER_TIMEOUT):
            pass
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

    server = Server(config, "127.0.0.1", 0, on_done=on_done)
    server.start()
    try:
        yield Served(server, reports, done)
    finally:
        server.shutdown(wait=1.0)


def with_cert(pki: Pki, *more: str) -> list[str]:
    cert = pki.files.server_ecdsa
    return ["--cert", str(cert.cert), "--key", str(cert.key), *more]


def s_client(port: int, pki: Pki, *extra: str, tls13_only: bool = False, servername: str = "localhost") -> None:
    run_openssl_client(
        port, cafile=pki.files.root, tls13_only=tls13_only, servername=servername, extra_args=list(extra)
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
