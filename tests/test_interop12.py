"""Live TLS 1.2 interop on 127.0.0.1, in both directions: OpenSSL (``s_server -tls1_2`` / ``s_client -tls1_2``)
for every TLS 1.2 suite glasstls has, GnuTLS (``gnutls-serv`` / ``gnutls-cli``) and Python's ``ssl`` for a
representative set, then OCSP stapling in TLS 1.2 and renegotiation refused.

The legacy suites (RSA key exchange, CBC) are turned on with ``allow_rsa_key_exchange`` / ``allow_legacy_cbc``
on the glasstls side; the peer is restricted to the one suite under test, so the glasstls side offers (or
accepts) its whole enabled list and must pick or follow the peer's choice. The RSA key exchange and CBC suites
run with an RSA certificate, ECDHE_ECDSA with an ECDSA one; the glasstls server holds both and picks by suite.
OpenSSL 3.0 needs no ``@SECLEVEL`` change for any of them.

What the peers print, and what we look for:

* ``s_server -rev`` and ``s_client -brief``: ``Protocol version: TLSv1.2`` and ``Ciphersuite: <OpenSSL name>``.
* ``-trace`` (both tools): each handshake message with its extensions, ``extension_type=encrypt_then_mac(22)``
  under ``ServerHello``; ``s_client`` without ``-brief``: ``Extended master secret: yes``.
* GnuTLS: ``- Description: (TLS1.2)-(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-128-GCM)`` (the RSA key exchange:
  ``(TLS1.2)-(RSA)-(AES-128-CBC)-(SHA1)``).

Every peer operation has a timeout (``tests/peers.py``), every test a hard ``pytest-timeout``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.crypto.tls12 import TLS12_SUITES, Tls12CipherSuite
from glasstls.errors import (
    AlertReceived,
    BadRecordMac,
    CertificateRequired,
    CertificateRevoked,
    HandshakeFailure,
    InappropriateFallback,
    NoRenegotiation,
    TLSError,
)
from glasstls.handshake.traffic12 import Traffic12
from glasstls.io.sync import TLSSocket, connect
from glasstls.pki.testpki import CLIENT_AUTH, issue_certificate, make_revocation_pki
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, CipherSuite, ProtocolVersion, SignatureScheme
from interop_helpers import (
    TEST_TIMEOUT,
    ServerSession,
    chain,
    client_config,
    creds,
    echo_exchange,
    echo_handler,
    echo_n_handler,
    glasstls_connect,
    glasstls_server,
    line_payload,
    recv_to_eof,
    reversed_lines,
    server_config,
    wait_output,
)
from peers import (
    PEER_TIMEOUT,
    PeerPki,
    PeerProcess,
    PeerResult,
    ProcessServer,
    StrPath,
    gnutls_server,
    in_background,
    openssl_server,
    python_ssl_server,
    require_tool,
    run_gnutls_client,
    run_openssl_client,
    run_python_ssl_client,
)

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

V12 = ProtocolVersion.TLS12
#: Enough data for several full records each way (16 KiB of plaintext at most per record).
PAYLOAD_SIZE = 40 * 1024

# ------------------------------------------------------------------------------------ the suites


@dataclass(frozen=True)
class Suite12:
    """A TLS 1.2 cipher suite and its names in each peer."""

    suite: CipherSuite
    openssl: str  # OpenSSL's (and Python ssl's) name: -cipher, "Ciphersuite:" lines, SSLSocket.cipher()
    gnutls_cipher: str  # the cipher keyword of a GnuTLS priority string and its "Description:" line

    @property
    def info(self) -> Tls12CipherSuite:
        return TLS12_SUITES[self.suite]

    @property
    def kind(self) -> str:
        """The server certificate the suite needs."""
        return "ecdsa" if self.info.key_exchange == "ECDHE_ECDSA" else "rsa"

    @property
    def flags(self) -> dict[str, bool]:
        """The legacy opt-ins this suite needs on the glasstls side."""
        return {"allow_rsa_key_exchange": self.info.key_exchange == "RSA", "allow_legacy_cbc": self.info.legacy}

    @property
    def gnutls_kx(self) -> str:
        return self.info.key_exchange.replace("_", "-")

    @property
    def gnutls_priority(self) -> str:
        """Only TLS 1.2, only this key exchange and cipher (and HMAC-SHA1 for CBC)."""
        text = f"NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+{self.gnutls_kx}:-CIPHER-ALL:+{self.gnutls_cipher}"
        if self.info.legacy:
            text += ":-MAC-ALL:+SHA1"
        return text

    def __str__(self) -> str:
        return self.suite.name


_S = CipherSuite
SUITES12 = (
    Suite12(_S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "AES-128-GCM"),
    Suite12(_S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "AES-256-GCM"),
    Suite12(_S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "CHACHA20-POLY1305"),
    Suite12(_S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "AES-128-GCM"),
    Suite12(_S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "AES-256-GCM"),
    Suite12(_S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "CHACHA20-POLY1305"),
    Suite12(_S.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", "AES-128-GCM"),
    Suite12(_S.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", "AES-256-GCM"),
    Suite12(_S.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "AES-128-CBC"),
    Suite12(_S.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", "AES-256-CBC"),
    Suite12(_S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "AES-128-CBC"),
    Suite12(_S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "AES-256-CBC"),
    Suite12(_S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "AES-128-CBC"),
    Suite12(_S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "AES-256-CBC"),
)
BY_SUITE = {s.suite: s for s in SUITES12}


def test_the_table_covers_every_tls12_suite() -> None:
    # The DHE_RSA suites need RFC 7919 groups that OpenSSL 3.0 does not negotiate: tests/test_interop_dhe12.py.
    assert set(BY_SUITE) == {s for s, v in TLS12_SUITES.items() if v.key_exchange != "DHE_RSA"}


def suite12_params(*suites: CipherSuite) -> list[object]:
    chosen = [BY_SUITE[s] for s in suites] if suites else list(SUITES12)
    return [pytest.param(s, id=s.openssl.lower()) for s in chosen]


# -------------------------------------------------------------------------- glasstls-side configs


def client12(pki: TestPKI, suite: Suite12 | None = None, **kwargs: object) -> ClientConfig:
    """A glasstls client offering TLS 1.3 and 1.2 with its default suites, plus the legacy ones ``suite`` needs."""
    options: dict[str, object] = dict(suite.flags) if suite is not None else {}
    options.update(kwargs)
    return client_config(pki, **options)


def server12(pki: TestPKI, suite: Suite12 | None = None, **kwargs: object) -> ServerConfig:
    """A glasstls server with ECDSA and RSA certificates and the legacy opt-ins ``suite`` needs."""
    options: dict[str, object] = dict(suite.flags) if suite is not None else {}
    options.update(kwargs)
    return server_config(pki, ("ecdsa", "rsa"), **options)


def summaries(tls: TLSSocket) -> str:
    """The connection's trace summaries, one a line."""
    return "\n".join(e.summary for e in tls.connection.trace)


def check_negotiated12(tls: TLSSocket, suite: Suite12) -> None:
    negotiated = tls.negotiated
    assert (negotiated.version, negotiated.cipher_suite) == (V12, suite.suite)
    trace = summaries(tls)
    assert "derived the extended master secret (RFC 7627)" in trace, trace
    key_exchange = "RSA key" if suite.info.key_exchange == "RSA" else "ECDHE"
    assert key_exchange in trace, trace


# ------------------------------------------------------------------------------------ peer output


def brief_protocol(output: str) -> tuple[str, str]:
    """(protocol, cipher) from OpenSSL's brief output (``Protocol version:`` / ``Ciphersuite:``)."""
    version = re.search(r"Protocol version: (\S+)", output)
    cipher = re.search(r"Ciphersuite: (\S+)", output)
    assert version is not None and cipher is not None, output
    return version.group(1), cipher.group(1)


def server_hello_extensions(trace_output: str) -> list[str]:
    """The extensions of the ServerHello in OpenSSL's ``-trace`` output, by name."""
    match = re.search(r"ServerHello, Length=\d+\n(.*?)\n\s*\n", trace_output, re.S)
    assert match is not None, f"no ServerHello in the -trace output:\n{trace_output[:3000]}"
    return re.findall(r"extension_type=(\w+)\(", match.group(1))


# ================================================================== glasstls client -> s_server


def s_server12(
    pki: TestPKI, kind: str, *, cipher: str | None = None, extra_args: Sequence[str] = (), **kwargs: object
) -> contextlib.AbstractContextManager[ProcessServer]:
    """``openssl s_server -tls1_2 -rev`` with the test PKI's ``kind`` certificate (and only ``cipher``)."""
    files = creds(pki, kind)
    args = ["-tls1_2", *(["-cipher", cipher] if cipher else []), *extra_args]
    return openssl_server(files.cert, files.key, mode="rev", tls13_only=False, extra_args=args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", suite12_params())
def test_glasstls_client_to_openssl_server(pki: TestPKI, suite: Suite12) -> None:
    """The glasstls client offers TLS 1.3 and 1.2 with everything it has enabled; s_server speaks only TLS 1.2
    and this one suite."""
    payload = line_payload(PAYLOAD_SIZE)
    with s_server12(pki, suite.kind, cipher=suite.openssl) as server:
        with glasstls_connect(server.port, client12(pki, suite)) as tls:
            check_negotiated12(tls, suite)
            assert tls.negotiated.peer_certificates[0] == chain(pki, suite.kind).leaf
            echo_exchange(tls, payload, reversed_lines(payload))
        server.wait_for_output(r"Ciphersuite: \S+")
        assert brief_protocol(server.output()) == ("TLSv1.2", suite.openssl)


# ================================================================== s_client -> glasstls server


def s_client12(
    pki: TestPKI, port: int, *, cipher: str | None = None, extra_args: Sequence[str] = (), **kwargs: object
) -> PeerResult:
    """``openssl s_client -tls1_2`` (verifying the test PKI's root and localhost), optionally one ``cipher``."""
    assert pki.files is not None
    args = ["-tls1_2", *(["-cipher", cipher] if cipher else []), *extra_args]
    return run_openssl_client(port, cafile=pki.files.root, tls13_only=False, extra_args=args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", suite12_params())
def test_openssl_client_to_glasstls_server(pki: TestPKI, suite: Suite12) -> None:
    """s_client offers only TLS 1.2 and this suite; the glasstls server (TLS 1.3-capable, both certificate kinds,
    every suite it has enabled) must pick it and the matching certificate."""
    payload = line_payload(PAYLOAD_SIZE)
    with glasstls_server(server12(pki, suite), echo_n_handler(len(payload))) as server:
        result = s_client12(pki, server.port, cipher=suite.openssl, stdin=payload).check()
        session = server.session(0).check()
    assert brief_protocol(result.output) == ("TLSv1.2", suite.openssl)
    assert payload in result.stdout
    assert session.received == payload
    assert session.negotiated is not None
    assert (session.negotiated.version, session.negotiated.cipher_suite) == (V12, suite.suite)


# -------------------------------------------------------- encrypt_then_mac and the extended master secret

CBC = BY_SUITE[CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]
ETM_CASES = [pytest.param(True, id="encrypt-then-mac"), pytest.param(False, id="mac-then-encrypt-no_etm")]


@pytest.mark.parametrize("etm", ETM_CASES)
def test_glasstls_client_cbc_record_protection_with_openssl(pki: TestPKI, etm: bool) -> None:
    """OpenSSL offers and answers encrypt_then_mac by default (RFC 7366); with ``-no_etm`` the records are
    MAC-then-encrypt, checked by glasstls with its Lucky13 countermeasure. Both carry several records each way."""
    payload = line_payload(PAYLOAD_SIZE)
    extra = ("-trace", *(() if etm else ("-no_etm",)))
    with s_server12(pki, CBC.kind, cipher=CBC.openssl, extra_args=extra) as server:
        with glasstls_connect(server.port, client12(pki, CBC)) as tls:
            check_negotiated12(tls, CBC)
            assert ("encrypt-then-MAC" in summaries(tls)) == etm
            echo_exchange(tls, payload, reversed_lines(payload))
        server.wait_for_output(r"ServerHello, Length")
        extensions = server_hello_extensions(server.output())
    assert ("encrypt_then_mac" in extensions) == etm, extensions
    assert "extended_master_secret" in extensions, extensions


@pytest.mark.parametrize("etm", ETM_CASES)
def test_openssl_client_cbc_record_protection_with_glasstls_server(pki: TestPKI, etm: bool) -> None:
    payload = line_payload(PAYLOAD_SIZE)
    traces: list[str] = []

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        traces.append(summaries(tls))
        echo_n_handler(len(payload))(tls, session)

    extra = ("-trace", *(() if etm else ("-no_etm",)))
    with glasstls_server(server12(pki, CBC), handler) as server:
        result = s_client12(pki, server.port, cipher=CBC.openssl, brief=False, extra_args=extra, stdin=payload)
        session = server.session(0).check()
    result.check()
    assert payload in result.stdout
    assert session.received == payload
    extensions = server_hello_extensions(result.output)
    assert ("encrypt_then_mac" in extensions) == etm, extensions
    assert "extended_master_secret" in extensions, extensions
    assert "Extended master secret: yes" in result.output
    assert ("encrypt-then-MAC" in traces[0]) == etm, traces[0]


# ------------------------------------------------------------------------------------- ALPN, mutual TLS


def test_glasstls_client_alpn_with_openssl_server(pki: TestPKI) -> None:
    with s_server12(pki, "ecdsa", alpn=["h2", "http/1.1"]) as server:
        config = client12(pki, alpn_protocols=("http/1.1", "h2"))
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.version == V12
            assert tls.negotiated.alpn_protocol == "h2"
            echo_exchange(tls, b"alpn\n", b"npla\n")


def test_openssl_client_alpn_with_glasstls_server(pki: TestPKI) -> None:
    with glasstls_server(server12(pki, alpn_protocols=("h2", "http/1.1")), echo_n_handler(5)) as server:
        result = s_client12(pki, server.port, brief=False, alpn=["http/1.1", "h2"], stdin=b"alpn\n").check()
        session = server.session(0).check()
    assert "ALPN protocol: h2" in result.output, result.output
    assert "Protocol  : TLSv1.2" in result.output
    assert session.negotiated is not None and session.negotiated.alpn_protocol == "h2"


MTLS_SUITES = suite12_params(
    CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA
)


@pytest.mark.parametrize("suite", MTLS_SUITES)
def test_glasstls_client_mutual_tls_with_openssl_server(pki: TestPKI, suite: Suite12) -> None:
    """s_server requires and verifies a client certificate (CertificateRequest, Certificate, CertificateVerify
    signed over the TLS 1.2 handshake messages); the RSA key exchange case has no ServerKeyExchange."""
    assert pki.files is not None
    config = client12(pki, suite, client_certificate=chain(pki, "client"))
    with s_server12(pki, suite.kind, cipher=suite.openssl, client_ca=pki.files.root) as server:
        with glasstls_connect(server.port, config) as tls:
            check_negotiated12(tls, suite)
            assert tls.negotiated.client_certificate_requested
            echo_exchange(tls, b"mutual\n", b"lautum\n")
        server.wait_for_output("Peer certificate: CN = glasstls test client")
        assert brief_protocol(server.output()) == ("TLSv1.2", suite.openssl)


@pytest.mark.parametrize("suite", MTLS_SUITES)
def test_openssl_client_mutual_tls_with_glasstls_server(pki: TestPKI, suite: Suite12) -> None:
    assert pki.files is not None
    config = server12(pki, suite, client_auth="required", client_trust=TrustStore.from_file(pki.files.root))
    client = creds(pki, "client")
    with glasstls_server(config, echo_n_handler(7)) as server:
        result = s_client12(
            pki, server.port, cipher=suite.openssl, certfile=client.cert, keyfile=client.key, stdin=b"mutual\n"
        ).check()
        session = server.session(0).check()
    assert brief_protocol(result.output) == ("TLSv1.2", suite.openssl)
    assert session.negotiated is not None and session.negotiated.verified_chain is not None
    assert session.negotiated.peer_certificates[0] == chain(pki, "client").leaf


def test_openssl_client_without_certificate_is_refused(pki: TestPKI) -> None:
    assert pki.files is not None
    config = server12(pki, client_auth="required", client_trust=TrustStore.from_file(pki.files.root))
    with glasstls_server(config, echo_n_handler(7)) as server:
        result = s_client12(pki, server.port, extra_args=["-state"])  # no stdin: it may exit before reading it
        session = server.session(0)
    assert result.returncode != 0
    # RFC 5246 section 7.4.6: handshake_failure on the wire; the error names the failure (no certificate).
    assert isinstance(session.error, CertificateRequired), session.error
    assert session.error.alert == AlertDescription.HANDSHAKE_FAILURE
    assert "SSL3 alert read:fatal:handshake failure" in result.output, result.output


def test_openssl_client_optional_client_auth_without_certificate(pki: TestPKI) -> None:
    """client_auth="optional": s_client answers the CertificateRequest with an empty Certificate (RFC 5246
    section 7.4.6) and the connection goes on unauthenticated."""
    assert pki.files is not None
    config = server12(pki, client_auth="optional", client_trust=TrustStore.from_file(pki.files.root))
    with glasstls_server(config, echo_n_handler(9)) as server:
        result = s_client12(pki, server.port, stdin=b"optional\n").check()
        session = server.session(0).check()
    assert b"optional\n" in result.stdout
    assert session.negotiated is not None and session.negotiated.client_certificate_requested
    assert session.negotiated.peer_certificates == ()


# ------------------------------------------------------------------------- fragmented handshake messages


def test_glasstls_client_reassembles_small_records_from_openssl(pki: TestPKI) -> None:
    """``-max_send_frag 512``: s_server's Certificate and every other message arrive split over 512-byte
    records (CBC, so the encrypted Finished and data are MAC-checked record by record)."""
    payload = line_payload(8 * 1024)
    extra = ("-max_send_frag", "512")
    with (
        s_server12(pki, CBC.kind, cipher=CBC.openssl, extra_args=extra) as server,
        glasstls_connect(server.port, client12(pki, CBC)) as tls,
    ):
        check_negotiated12(tls, CBC)
        echo_exchange(tls, payload, reversed_lines(payload))


def test_glasstls_server_reassembles_small_records_from_openssl(pki: TestPKI) -> None:
    assert pki.files is not None
    payload = line_payload(8 * 1024)
    client = creds(pki, "client")
    config = server12(pki, CBC, client_auth="required", client_trust=TrustStore.from_file(pki.files.root))
    with glasstls_server(config, echo_n_handler(len(payload))) as server:
        extra = ["-max_send_frag", "512"]
        result = s_client12(
            pki,
            server.port,
            cipher=CBC.openssl,
            certfile=client.cert,
            keyfile=client.key,
            extra_args=extra,
            stdin=payload,
        ).check()
        session = server.session(0).check()
    assert brief_protocol(result.output) == ("TLSv1.2", CBC.openssl)
    assert session.received == payload and payload in result.stdout


# ----------------------------------------------------------------------------- version fallback (RFC 7507)


@pytest.mark.parametrize("server_max", [ProtocolVersion.TLS13, ProtocolVersion.TLS12], ids=["tls13", "tls12"])
def test_openssl_client_fallback_scsv(pki: TestPKI, server_max: ProtocolVersion) -> None:
    """``s_client -tls1_2 -fallback_scsv`` says it is a fallback: a server that could do TLS 1.3 refuses with
    inappropriate_fallback (RFC 7507 section 3); one whose best is TLS 1.2 goes on."""
    with glasstls_server(server12(pki, max_version=server_max), echo_n_handler(9)) as server:
        if server_max == ProtocolVersion.TLS13:
            result = s_client12(pki, server.port, extra_args=["-fallback_scsv"])
            session = server.session(0)
            assert result.returncode != 0
            assert isinstance(session.error, InappropriateFallback), session.error
            assert "alert inappropriate fallback" in result.output, result.output
        else:
            result = s_client12(pki, server.port, extra_args=["-fallback_scsv"], stdin=b"fallback\n").check()
            session = server.session(0).check()
            assert brief_protocol(result.output)[0] == "TLSv1.2" and b"fallback\n" in result.stdout


@pytest.fixture(scope="module")
def rsa_client(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> tuple[Path, Path]:
    """An RSA-2048 client certificate (leaf + intermediate) and key under the test PKI, as files."""
    issued = issue_certificate(
        pki.intermediate,
        hosts=("rsa-client@glasstls.test",),
        common_name="glasstls rsa test client",
        key_kind="rsa-2048",
        key_name="rsa-client",
        now=pki.now,
        eku=(CLIENT_AUTH,),
    )
    directory = tmp_path_factory.mktemp("rsa-client")
    cert, key = directory / "rsa-client.pem", directory / "rsa-client.key"
    cert.write_bytes(issued.cert_pem())
    key.write_bytes(issued.key_pem())
    return cert, key


RSA_CLIENT_SIGALGS = [
    pytest.param(None, "RSA-PSS", "SHA256", id="default"),
    pytest.param("RSA+SHA256", "RSA", "SHA256", id="pkcs1-sha256"),
    pytest.param("RSA-PSS+SHA384", "RSA-PSS", "SHA384", id="pss-sha384"),
]


@pytest.mark.parametrize(("sigalgs", "signature_type", "hash_used"), RSA_CLIENT_SIGALGS)
def test_glasstls_client_rsa_certificate_with_openssl_server(
    pki: TestPKI, rsa_client: tuple[Path, Path], sigalgs: str | None, signature_type: str, hash_used: str
) -> None:
    """An RSA client key signs CertificateVerify over the TLS 1.2 handshake messages (PSS by default, PKCS#1
    v1.5 when that is all the server asks for, RFC 5246 section 7.4.8)."""
    assert pki.files is not None
    config = client12(pki, client_certificate=CertificateChain.from_files(*rsa_client))
    extra = ("-client_sigalgs", sigalgs) if sigalgs else ()
    with s_server12(pki, "ecdsa", client_ca=pki.files.root, extra_args=extra) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.version == V12 and tls.negotiated.client_certificate_requested
            echo_exchange(tls, b"rsa client\n", b"tneilc asr\n")
        server.wait_for_output("Peer certificate: CN = glasstls rsa test client")
        server.wait_for_output(f"Hash used: {hash_used}")
        assert f"Signature type: {signature_type}\n" in server.output()


@pytest.mark.parametrize(("sigalgs", "signature_type", "hash_used"), RSA_CLIENT_SIGALGS)
def test_openssl_client_rsa_certificate_with_glasstls_server(
    pki: TestPKI, rsa_client: tuple[Path, Path], sigalgs: str | None, signature_type: str, hash_used: str
) -> None:
    assert pki.files is not None
    config = server12(pki, client_auth="required", client_trust=TrustStore.from_file(pki.files.root))
    extra = ["-client_sigalgs", sigalgs] if sigalgs else []
    cert, key = rsa_client
    with glasstls_server(config, echo_n_handler(11)) as server:
        s_client12(pki, server.port, certfile=cert, keyfile=key, extra_args=extra, stdin=b"rsa client\n").check()
        session = server.session(0).check()
    assert session.negotiated is not None and session.negotiated.verified_chain is not None
    assert session.negotiated.peer_certificates[0].subject.rfc4514_string() == "CN=glasstls rsa test client"


# ------------------------------------------------------------------ certificates refused (plaintext alerts)


def test_glasstls_client_refuses_unknown_ca_from_openssl_server(pki: TestPKI, peer_pki: PeerPki) -> None:
    """A chain under another root: the glasstls client sends unknown_ca before any keys exist (a plaintext
    TLS 1.2 alert) and s_server reads it."""
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root), max_version=V12)
    with s_server12(pki, "ecdsa", extra_args=("-state",)) as server:
        with pytest.raises(TLSError) as info:
            glasstls_connect(server.port, config)
        assert info.value.alert == AlertDescription.UNKNOWN_CA, info.value
        server.wait_for_output("SSL3 alert read:fatal:unknown CA")


def test_openssl_client_refuses_glasstls_server_under_unknown_ca(pki: TestPKI, peer_pki: PeerPki) -> None:
    with glasstls_server(server12(pki), echo_n_handler(1)) as server:
        result = run_openssl_client(
            server.port, cafile=peer_pki.root, tls13_only=False, extra_args=["-tls1_2", "-state"]
        )
        session = server.session(0)
    assert result.returncode != 0
    assert "SSL3 alert write:fatal:unknown CA" in result.output, result.output
    assert isinstance(session.error, AlertReceived) and session.error.description == AlertDescription.UNKNOWN_CA


def test_gnutls_mutual_tls_both_ways(pki: TestPKI) -> None:
    """gnutls-serv requires and verifies the glasstls client's certificate; gnutls-cli presents one to the
    glasstls server."""
    assert pki.files is not None
    prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
    files = creds(pki, "ecdsa")
    client = creds(pki, "client")
    config = client12(pki, client_certificate=chain(pki, "client"))
    with gnutls_server(files.cert, files.key, priority=prio, client_ca=pki.files.root) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.version == V12 and tls.negotiated.client_certificate_requested
            echo_exchange(tls, b"gnutls mutual\n")
        server.wait_for_output("glasstls test client")
    mtls = server12(pki, client_auth="required", client_trust=TrustStore.from_file(pki.files.root))
    with glasstls_server(mtls, echo_n_handler(14)) as glass:
        result = run_gnutls_client(
            glass.port,
            cafile=pki.files.root,
            priority=prio,
            certfile=client.cert,
            keyfile=client.key,
            stdin=b"gnutls mutual\n",
        ).check()
        session = glass.session(0).check()
    assert gnutls_session_line(result.output)[0][0] == "TLS1.2-X.509"
    assert session.negotiated is not None and session.negotiated.peer_certificates[0] == chain(pki, "client").leaf


# ------------------------------------------------------------------- signature schemes and certificate kinds

#: (certificate kind, OpenSSL -sigalgs, the scheme glasstls must sign or accept, s_client's "Hash used").
#: In TLS 1.2 an ECDSA code point names only the hash (RFC 8446 section 4.2.3): P-256 with SHA-384 is fine.
SIGALG_CASES = [
    pytest.param("ecdsa", "ECDSA+SHA256", SignatureScheme.ECDSA_SECP256R1_SHA256, "SHA256", id="p256-sha256"),
    pytest.param("ecdsa", "ECDSA+SHA384", SignatureScheme.ECDSA_SECP384R1_SHA384, "SHA384", id="p256-sha384"),
    pytest.param("ecdsa", "ECDSA+SHA512", SignatureScheme.ECDSA_SECP521R1_SHA512, "SHA512", id="p256-sha512"),
    pytest.param("rsa", "RSA+SHA256", SignatureScheme.RSA_PKCS1_SHA256, "SHA256", id="rsa-pkcs1-sha256"),
    pytest.param("rsa", "RSA+SHA512", SignatureScheme.RSA_PKCS1_SHA512, "SHA512", id="rsa-pkcs1-sha512"),
    pytest.param("rsa", "RSA-PSS+SHA384", SignatureScheme.RSA_PSS_RSAE_SHA384, "SHA384", id="rsa-pss-sha384"),
    pytest.param("ed25519", "ed25519", SignatureScheme.ED25519, None, id="ed25519"),
]


@pytest.mark.parametrize(("kind", "sigalgs", "scheme", "hash_used"), SIGALG_CASES)
def test_glasstls_client_verifies_openssl_server_key_exchange_signature(
    pki: TestPKI, kind: str, sigalgs: str, scheme: SignatureScheme, hash_used: str | None
) -> None:
    """s_server signs its ServerKeyExchange with the one scheme it is allowed."""
    with (
        s_server12(pki, kind, extra_args=("-sigalgs", sigalgs)) as server,
        glasstls_connect(server.port, client12(pki)) as tls,
    ):
        assert tls.negotiated.version == V12
        assert tls.negotiated.signature_scheme == scheme
        assert tls.negotiated.peer_certificates[0] == chain(pki, kind).leaf
        echo_exchange(tls, b"signed\n", b"dengis\n")


@pytest.mark.parametrize(("kind", "sigalgs", "scheme", "hash_used"), SIGALG_CASES)
def test_glasstls_server_signs_what_openssl_client_accepts(
    pki: TestPKI, kind: str, sigalgs: str, scheme: SignatureScheme, hash_used: str | None
) -> None:
    """s_client accepts one scheme; the glasstls server (with only the ``kind`` certificate) must sign with it."""
    with glasstls_server(server_config(pki, (kind,)), echo_n_handler(7)) as server:
        result = s_client12(pki, server.port, extra_args=["-sigalgs", sigalgs], stdin=b"signed\n").check()
        session = server.session(0).check()
    assert session.negotiated is not None
    assert (session.negotiated.version, session.negotiated.signature_scheme) == (V12, scheme)
    assert "Protocol version: TLSv1.2" in result.output
    if hash_used is not None:
        assert f"Hash used: {hash_used}" in result.output, result.output
    assert b"signed\n" in result.stdout


def test_glasstls_client_certificate_signs_the_hash_openssl_server_asks_for(pki: TestPKI) -> None:
    """s_server's CertificateRequest allows only ecdsa+sha384: the P-256 client key signs CertificateVerify
    with SHA-384 (TLS 1.2 semantics) instead of sending no certificate."""
    assert pki.files is not None
    config = client12(pki, client_certificate=chain(pki, "client"))
    extra = ("-client_sigalgs", "ECDSA+SHA384")
    with s_server12(pki, "ecdsa", client_ca=pki.files.root, extra_args=extra) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.client_certificate_requested
            echo_exchange(tls, b"client sha384\n", b"483ahs tneilc\n")
        server.wait_for_output("Peer certificate: CN = glasstls test client")
        server.wait_for_output("Hash used: SHA384")


# ======================================================================================= GnuTLS, both ways

GNUTLS_CASES = [
    *suite12_params(
        _S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        _S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        _S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        _S.TLS_RSA_WITH_AES_128_GCM_SHA256,
        _S.TLS_RSA_WITH_AES_128_CBC_SHA,
        _S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    ),
]
#: GnuTLS offers and answers encrypt_then_mac by default; "%NO_ETM" turns it off (MAC-then-encrypt records).
NO_ETM = ":%NO_ETM"
#: "%NO_SESSION_HASH": no extended master secret (RFC 7627), which glasstls requires by default.
NO_EMS = ":%NO_SESSION_HASH"


def gnutls_session_line(output: str) -> tuple[list[str], str]:
    """The parenthesised parts of GnuTLS's ``- Description:`` line, and its ``- Options:`` line."""
    description = re.search(r"- Description: (.*)", output)
    options = re.search(r"- Options: (.*)", output)
    assert description is not None and options is not None, output
    return re.findall(r"\(([^)]+)\)", description.group(1)), options.group(1)


def check_gnutls_view(output: str, suite: Suite12, *, etm: bool | None = None, ems: bool = True) -> None:
    """GnuTLS saw TLS 1.2 with this suite's key exchange, signature kind and cipher (and the options)."""
    parts, options = gnutls_session_line(output)
    assert parts[0] == "TLS1.2-X.509", parts
    kx = suite.info.key_exchange
    if kx == "RSA":
        assert parts[1] == "RSA", parts
    else:
        assert parts[1].startswith("ECDHE-"), parts
        assert parts[2].startswith("ECDSA" if kx == "ECDHE_ECDSA" else "RSA"), parts
    assert suite.gnutls_cipher in parts, parts
    assert ("extended master secret" in options) == ems, options
    if etm is not None:
        assert ("EtM" in options) == etm, options


def gnutls_serv12(pki: TestPKI, kind: str, prio: str) -> contextlib.AbstractContextManager[ProcessServer]:
    files = creds(pki, kind)
    return gnutls_server(files.cert, files.key, priority=prio)


@pytest.mark.parametrize("suite", GNUTLS_CASES)
def test_glasstls_client_to_gnutls_server(pki: TestPKI, suite: Suite12) -> None:
    payload = line_payload(PAYLOAD_SIZE)
    with gnutls_serv12(pki, suite.kind, suite.gnutls_priority) as server:
        with glasstls_connect(server.port, client12(pki, suite)) as tls:
            check_negotiated12(tls, suite)
            assert ("encrypt-then-MAC" in summaries(tls)) == suite.info.legacy
            echo_exchange(tls, payload)
        check_gnutls_view(
            server.wait_for_output(r"(?s)- Description:.*- Options: .*").string, suite, etm=suite.info.legacy
        )


@pytest.mark.parametrize("suite", GNUTLS_CASES)
def test_gnutls_client_to_glasstls_server(pki: TestPKI, suite: Suite12) -> None:
    assert pki.files is not None
    payload = line_payload(PAYLOAD_SIZE)
    with glasstls_server(server12(pki, suite), echo_n_handler(len(payload))) as server:
        result = run_gnutls_client(server.port, cafile=pki.files.root, priority=suite.gnutls_priority, stdin=payload)
        session = server.session(0).check()
    result.check()
    check_gnutls_view(result.output, suite, etm=suite.info.legacy)
    assert payload in result.stdout
    assert session.negotiated is not None
    assert (session.negotiated.version, session.negotiated.cipher_suite) == (V12, suite.suite)


GNUTLS_CBC = BY_SUITE[_S.TLS_RSA_WITH_AES_128_CBC_SHA]


def test_glasstls_client_mac_then_encrypt_with_gnutls(pki: TestPKI) -> None:
    payload = line_payload(PAYLOAD_SIZE)
    with gnutls_serv12(pki, "rsa", GNUTLS_CBC.gnutls_priority + NO_ETM) as server:
        with glasstls_connect(server.port, client12(pki, GNUTLS_CBC)) as tls:
            check_negotiated12(tls, GNUTLS_CBC)
            assert "encrypt-then-MAC" not in summaries(tls)
            echo_exchange(tls, payload)
        check_gnutls_view(server.wait_for_output(r"(?s)- Description:.*- Options: .*").string, GNUTLS_CBC, etm=False)


def test_gnutls_client_mac_then_encrypt_with_glasstls_server(pki: TestPKI) -> None:
    assert pki.files is not None
    payload = line_payload(PAYLOAD_SIZE)
    with glasstls_server(server12(pki, GNUTLS_CBC), echo_n_handler(len(payload))) as server:
        prio = GNUTLS_CBC.gnutls_priority + NO_ETM
        result = run_gnutls_client(server.port, cafile=pki.files.root, priority=prio, stdin=payload).check()
        server.session(0).check()
    check_gnutls_view(result.output, GNUTLS_CBC, etm=False)
    assert payload in result.stdout


def test_glasstls_server_requires_extended_master_secret_from_gnutls(pki: TestPKI) -> None:
    """RFC 7627: glasstls requires the extended master secret by default; a client without it gets
    handshake_failure, unless the server is configured to accept it."""
    assert pki.files is not None
    prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2" + NO_EMS
    with glasstls_server(server12(pki), echo_n_handler(4)) as server:
        # No stdin: gnutls-cli exits as soon as the handshake fails, and writing to it would race that exit.
        refused = run_gnutls_client(server.port, cafile=pki.files.root, priority=prio)
        session = server.session(0)
    assert refused.returncode != 0
    assert isinstance(session.error, HandshakeFailure) and "extended master secret" in str(session.error)
    assert "Received alert [40]" in refused.output, refused.output
    lenient = server12(pki, require_extended_master_secret=False)
    with glasstls_server(lenient, echo_n_handler(4)) as server:
        accepted = run_gnutls_client(server.port, cafile=pki.files.root, priority=prio, stdin=b"ems\n").check()
        server.session(0).check()
    parts, options = gnutls_session_line(accepted.output)
    assert parts[0] == "TLS1.2-X.509" and "extended master secret" not in options, options


def test_glasstls_client_requires_extended_master_secret_from_gnutls(pki: TestPKI) -> None:
    with gnutls_serv12(pki, "ecdsa", "NORMAL:-VERS-ALL:+VERS-TLS1.2" + NO_EMS) as server:
        with pytest.raises(HandshakeFailure) as info:
            glasstls_connect(server.port, client12(pki))
        assert "extended master secret" in str(info.value)
        with glasstls_connect(server.port, client12(pki, require_extended_master_secret=False)) as tls:
            assert tls.negotiated.version == V12
            assert "derived the master secret from the premaster secret" in summaries(tls)
            assert "derived the extended master secret" not in summaries(tls)
            echo_exchange(tls, b"no ems\n")


# ================================================================================ Python ssl, both ways

PYTHON_CASES = suite12_params(
    _S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    _S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    _S.TLS_RSA_WITH_AES_128_GCM_SHA256,
    _S.TLS_RSA_WITH_AES_256_CBC_SHA,
)


def python_context(pki: TestPKI, suite: Suite12, *, server_side: bool) -> ssl.SSLContext:
    """An ``ssl`` context limited to TLS 1.2 and ``suite``."""
    assert pki.files is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(suite.openssl)
    if server_side:
        files = creds(pki, suite.kind)
        context.load_cert_chain(os.fspath(files.cert), os.fspath(files.key))
    else:
        context.load_verify_locations(os.fspath(pki.files.root))
    return context


@pytest.mark.parametrize("suite", PYTHON_CASES)
def test_python_client_to_glasstls_server(pki: TestPKI, suite: Suite12) -> None:
    payload = line_payload(PAYLOAD_SIZE)
    context = python_context(pki, suite, server_side=False)
    with glasstls_server(server12(pki, suite), echo_n_handler(len(payload))) as server:
        result = run_python_ssl_client(server.port, cafile=None, context=context, send=payload)
        session = server.session(0).check()
    assert (result.version, result.cipher) == ("TLSv1.2", suite.openssl)
    assert result.received == payload and result.closed_by_peer
    assert session.negotiated is not None
    assert (session.negotiated.version, session.negotiated.cipher_suite) == (V12, suite.suite)


@pytest.mark.parametrize("suite", PYTHON_CASES)
def test_glasstls_client_to_python_server(pki: TestPKI, suite: Suite12) -> None:
    payload = line_payload(PAYLOAD_SIZE)
    context = python_context(pki, suite, server_side=True)
    with python_ssl_server("-", "-", context=context) as server:
        with glasstls_connect(server.port, client12(pki, suite)) as tls:
            check_negotiated12(tls, suite)
            echo_exchange(tls, payload)
        (session,) = server.wait_for_sessions(1)
    assert session.error is None, session.error
    assert (session.version, session.cipher) == ("TLSv1.2", suite.openssl)
    assert session.received == payload


# ===================================================== OpenSSL 4 (the library bundled with cryptography), both ways


def _pyopenssl() -> Any:
    """pyOpenSSL (test extra) drives the OpenSSL bundled in the cryptography wheel: a second, newer OpenSSL."""
    return pytest.importorskip("OpenSSL.SSL", reason="pyOpenSSL (test extra) drives the bundled OpenSSL")


def _bundled_context(ssl_mod: Any, suite: Suite12, *, server: bool) -> Any:
    from handshake_pair import server_credential

    context = ssl_mod.Context(ssl_mod.TLS_METHOD)
    context.set_max_proto_version(ssl_mod.TLS1_2_VERSION)
    context.set_cipher_list(suite.openssl.encode())
    if server:
        issued = server_credential("ecdsa-p256" if suite.kind == "ecdsa" else "rsa-2048")
        context.use_certificate(issued.certificate)
        for cert in issued.chain:
            context.add_extra_chain_cert(cert)
        context.use_privatekey(issued.key)
    return context


@pytest.mark.parametrize("suite", suite12_params())
def test_glasstls_client_to_bundled_openssl_server(suite: Suite12) -> None:
    ssl_mod = _pyopenssl()
    from handshake_pair import client_config as memory_client_config

    seen: dict[str, str] = {}
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(PEER_TIMEOUT)

    def serve() -> None:
        try:
            raw, _ = listener.accept()
            raw.settimeout(None)  # pyOpenSSL wants a blocking socket
            conn = ssl_mod.Connection(_bundled_context(ssl_mod, suite, server=True), raw)
            conn.set_accept_state()
            conn.do_handshake()
            seen["version"], seen["cipher"] = conn.get_protocol_version_name(), conn.get_cipher_name()
            conn.sendall(conn.recv(1024).upper())
            conn.shutdown()
            raw.close()
        except Exception as exc:  # reported through `seen`
            seen["error"] = repr(exc)

    thread = in_background(serve)
    try:
        config = memory_client_config(**suite.flags)
        with connect("127.0.0.1", listener.getsockname()[1], config, server_name="localhost", timeout=10) as tls:
            check_negotiated12(tls, suite)
            tls.sendall(b"bundled")
            assert recv_to_eof(tls) == b"BUNDLED"
        thread.result(PEER_TIMEOUT)
    finally:
        listener.close()
    assert seen == {"version": "TLSv1.2", "cipher": suite.openssl}, seen


@pytest.mark.parametrize("suite", suite12_params())
def test_bundled_openssl_client_to_glasstls_server(pki: TestPKI, suite: Suite12) -> None:
    ssl_mod = _pyopenssl()
    with glasstls_server(server12(pki, suite), echo_n_handler(7)) as server:
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=PEER_TIMEOUT)
        raw.settimeout(None)
        try:
            conn = ssl_mod.Connection(_bundled_context(ssl_mod, suite, server=False), raw)
            conn.set_connect_state()
            conn.set_tlsext_host_name(b"localhost")
            conn.do_handshake()
            conn.sendall(b"bundled")
            assert conn.recv(64) == b"bundled"
            assert (conn.get_protocol_version_name(), conn.get_cipher_name()) == ("TLSv1.2", suite.openssl)
        finally:
            raw.close()
        session = server.session(0)
    assert session.negotiated is not None and session.negotiated.cipher_suite == suite.suite


# ================================================================================== closing (close_notify)


def test_openssl_server_closes_with_close_notify(pki: TestPKI) -> None:
    """``CLOSE`` makes s_server -rev send close_notify: the glasstls client reads the end of the stream as a
    clean close (RFC 5246 section 7.2.1), not a truncation."""
    with s_server12(pki, "ecdsa", extra_args=("-state",)) as server:
        with glasstls_connect(server.port, client12(pki)) as tls:
            echo_exchange(tls, b"last line\n", b"enil tsal\n")
            tls.sendall(b"CLOSE\n")
            assert recv_to_eof(tls) == b""
            assert tls.close_notify_received
        server.wait_for_output("SSL3 alert write:warning:close notify")


def test_openssl_client_closes_with_close_notify(pki: TestPKI) -> None:
    """Without ``-ign_eof``, s_client ends its input with close_notify: the glasstls server sees a clean close
    and answers with its own."""

    def read_to_eof(tls: TLSSocket, session: ServerSession) -> None:  # no echo: s_client may be gone by then
        session.received = recv_to_eof(tls)

    with glasstls_server(server12(pki), read_to_eof) as server:
        result = s_client12(pki, server.port, ign_eof=False, extra_args=["-state"], stdin=b"bye\n").check()
        session = server.session(0).check()
    assert session.received == b"bye\n"
    assert session.clean_close, (session.close_notify, session.events)
    assert "SSL3 alert write:warning:close notify" in result.output, result.output


# ======================================================== a tampered record: bad_record_mac, encrypted, both ways


class FlipProxy:
    """A TCP proxy to ``port`` that flips one bit of the first application_data record going one way: in its
    last byte (the AEAD tag, the encrypt-then-MAC tag, or with MAC-then-encrypt the padding length inside the
    last CBC block) or in a middle byte (the ciphertext itself). Records are forwarded whole."""

    def __init__(self, port: int, *, direction: str, where: str) -> None:
        self.target = port
        self.direction = direction
        self.where = where
        self.flipped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(PEER_TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self._thread = in_background(self._run)

    def _run(self) -> None:
        with self.listener:
            client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.target), timeout=PEER_TIMEOUT)
        c2s = in_background(self._forward, client, server, self.direction == "c2s")
        self._forward(server, client, self.direction == "s2c")
        c2s.result(PEER_TIMEOUT)

    def _forward(self, src: socket.socket, dst: socket.socket, tamper: bool) -> None:
        buffer = b""
        try:
            while data := src.recv(65536):
                buffer += data
                while len(buffer) >= 5 and len(buffer) >= 5 + int.from_bytes(buffer[3:5], "big"):
                    size = 5 + int.from_bytes(buffer[3:5], "big")
                    record, buffer = bytearray(buffer[:size]), buffer[size:]
                    if tamper and record[0] == 23 and not self.flipped.is_set():
                        record[-1 if self.where == "last" else 5 + (size - 5) // 2] ^= 0x01
                        self.flipped.set()
                    dst.sendall(record)
            dst.sendall(buffer)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


TAMPER_CASES = [
    pytest.param(_S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, (), "last", id="gcm-tag"),
    pytest.param(_S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, (), "middle", id="chacha-ciphertext"),
    pytest.param(_S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, (), "last", id="cbc-etm-mac"),
    pytest.param(_S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, ("-no_etm",), "last", id="cbc-mte-padding"),
    pytest.param(_S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, ("-no_etm",), "middle", id="cbc-mte-mac"),
]


@pytest.mark.parametrize(("suite_id", "extra", "where"), TAMPER_CASES)
def test_glasstls_server_answers_a_tampered_record_with_bad_record_mac(
    pki: TestPKI, suite_id: CipherSuite, extra: tuple[str, ...], where: str
) -> None:
    """s_client's first data record has one bit flipped on the way: the glasstls server sends a fatal
    bad_record_mac under the connection's keys (RFC 5246 section 7.2.2; with MAC-then-encrypt the same alert
    for bad padding and bad MAC) and s_client, decrypting it, reports it."""
    suite = BY_SUITE[suite_id]
    with glasstls_server(server12(pki, suite), echo_handler) as server:
        proxy = FlipProxy(server.port, direction="c2s", where=where)
        result = s_client12(pki, proxy.port, cipher=suite.openssl, extra_args=["-state", *extra], stdin=b"tampered\n")
        session = server.session(0)
    assert proxy.flipped.is_set()
    assert isinstance(session.error, BadRecordMac), session.error
    assert "SSL3 alert read:fatal:bad record mac" in result.output, result.output


@pytest.mark.parametrize(("suite_id", "extra", "where"), TAMPER_CASES)
def test_glasstls_client_answers_a_tampered_record_with_bad_record_mac(
    pki: TestPKI, suite_id: CipherSuite, extra: tuple[str, ...], where: str
) -> None:
    suite = BY_SUITE[suite_id]
    with s_server12(pki, suite.kind, cipher=suite.openssl, extra_args=("-state", *extra)) as server:
        proxy = FlipProxy(server.port, direction="s2c", where=where)
        with glasstls_connect(proxy.port, client12(pki, suite)) as tls:
            assert ("encrypt-then-MAC" in summaries(tls)) == (suite.info.legacy and not extra)
            tls.sendall(b"tampered\n")
            with pytest.raises(BadRecordMac):
                tls.recv(timeout=PEER_TIMEOUT)
        assert proxy.flipped.is_set()
        server.wait_for_output("SSL3 alert read:fatal:bad record mac")


# ================================================================================ renegotiation refused


def test_openssl_client_renegotiation_is_refused(pki: TestPKI) -> None:
    """s_client's ``R`` command renegotiates: a new ClientHello under the current keys. The glasstls server
    answers with a no_renegotiation warning (RFC 5746 section 4.4); OpenSSL treats a refused renegotiation as
    fatal and ends the connection with handshake_failure. The server survives and serves the next client."""
    assert pki.files is not None
    traces: list[str] = []

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        try:
            echo_handler(tls, session)
        finally:
            traces.append(summaries(tls))

    openssl = require_tool("openssl")
    argv: list[StrPath] = [openssl, "s_client", "-connect", "", "-servername", "localhost", "-CAfile", pki.files.root]
    argv += ["-verify_return_error", "-tls1_2", "-state"]
    with glasstls_server(server12(pki), handler) as server:
        argv[3] = f"127.0.0.1:{server.port}"
        client = PeerProcess(argv, name="openssl s_client")
        try:
            client.send(b"before\n")
            wait_output(client, "(?m)^before$")
            client.send(b"R\n")
            wait_output(client, "RENEGOTIATING")
            wait_output(client, "SSL3 alert read:warning:no renegotiation")
            wait_output(client, "SSL3 alert write:fatal:handshake failure")
            assert client.wait(PEER_TIMEOUT) is not None, client.describe()
        finally:
            client.stop()
        session = server.session(0)
        # The next client is served as usual.
        again = s_client12(pki, server.port, stdin=b"again\n", until="(?m)^again$")
        assert server.session(1).received == b"again\n", again.output
    assert session.received == b"before\n"
    assert isinstance(session.error, AlertReceived), session.error
    assert session.error.description == AlertDescription.HANDSHAKE_FAILURE
    assert "refused renegotiation: received a new ClientHello, answered no_renegotiation" in traces[0], traces[0]


def test_glasstls_client_refuses_openssl_server_hello_request(pki: TestPKI) -> None:
    """s_server's ``r`` command sends HelloRequest; the glasstls client answers no_renegotiation (a warning,
    RFC 5246 section 7.4.1.1), and OpenSSL, whose renegotiation was refused, ends with handshake_failure."""
    files = creds(pki, "ecdsa")
    extra = ["-tls1_2", "-state"]
    with openssl_server(files.cert, files.key, mode="interactive", tls13_only=False, extra_args=extra) as server:
        with glasstls_connect(server.port, client12(pki)) as tls:
            assert tls.negotiated.version == V12
            tls.sendall(b"before renegotiation\n")
            server.wait_for_output("before renegotiation")
            server.send(b"r\n")
            server.wait_for_output("write hello request")
            with pytest.raises(AlertReceived) as info:
                tls.recv(timeout=PEER_TIMEOUT)
            assert info.value.description == AlertDescription.HANDSHAKE_FAILURE
            assert "refused renegotiation: received HelloRequest, answered no_renegotiation" in summaries(tls)
        server.wait_for_output("SSL3 alert read:warning:no renegotiation")


def test_gnutls_client_rehandshake_is_refused_with_bounded_work(pki: TestPKI) -> None:
    """``gnutls-cli --rehandshake`` treats each no_renegotiation warning as non-fatal and sends another
    ClientHello; the glasstls server refuses each (a warning), and after Traffic12.MAX_REFUSALS in a row ends the
    connection with a fatal no_renegotiation. Bounded work per byte, and the server survives."""
    assert pki.files is not None
    traces: list[str] = []

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        try:
            echo_handler(tls, session)
        finally:
            traces.append(summaries(tls))

    prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
    with glasstls_server(server12(pki), handler) as server:
        result = run_gnutls_client(server.port, cafile=pki.files.root, priority=prio, extra_args=["--rehandshake"])
        session = server.session(0)
        again = run_gnutls_client(server.port, cafile=pki.files.root, priority=prio, stdin=b"again\n")
        assert server.session(1).received == b"again\n", again.output
    assert isinstance(session.error, NoRenegotiation), session.error
    refusals = traces[0].count("refused renegotiation: received a new ClientHello")
    assert refusals == Traffic12.MAX_REFUSALS, traces[0]
    assert result.output.count("Received alert [100]: No renegotiation is allowed") >= refusals, result.output
    assert "ReHandshake has failed" in result.output


# ================================================================================ OCSP stapling in TLS 1.2


@pytest.fixture(scope="module")
def ocsp_dir(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Path:
    """The session test PKI's revocation material (revoked leaf, OCSP responses) as files."""
    directory = tmp_path_factory.mktemp("ocsp12")
    make_revocation_pki(pki).write(directory)
    return directory


def test_openssl_server_staples_good_to_glasstls_client(pki: TestPKI, ocsp_dir: Path) -> None:
    """TLS 1.2 carries the staple in its own CertificateStatus message (RFC 6066 section 8)."""
    extra = ("-status_file", str(ocsp_dir / "ocsp-good.der"))
    with (
        s_server12(pki, "ecdsa", extra_args=extra) as server,
        glasstls_connect(server.port, client12(pki, revocation="hard-fail")) as tls,
    ):
        assert tls.negotiated.version == V12
        verified = tls.negotiated.verified_chain
        assert verified is not None
        revocation = verified.check("revocation")
        assert revocation.ok and "says the stapled OCSP response" in revocation.detail, revocation
        assert "server stapled an OCSP response" in summaries(tls)
        echo_exchange(tls, b"stapled\n", b"delpats\n")


def test_openssl_server_staples_revoked_to_glasstls_client(pki: TestPKI, ocsp_dir: Path) -> None:
    extra = ["-tls1_2", "-state", "-status_file", str(ocsp_dir / "ocsp-revoked.der")]
    cert, key = ocsp_dir / "revoked-server.pem", ocsp_dir / "revoked-server.key"
    with openssl_server(cert, key, mode="rev", tls13_only=False, extra_args=extra) as server:
        with pytest.raises(CertificateRevoked) as info:
            glasstls_connect(server.port, client12(pki))
        assert "says the stapled OCSP response" in info.value.reason
        server.wait_for_output("SSL3 alert read:fatal:certificate revoked")


@pytest.mark.parametrize(
    ("kind", "staple", "suite"),
    [
        pytest.param("ecdsa", "ocsp-good.der", BY_SUITE[_S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], id="ecdhe"),
        pytest.param("rsa", "ocsp-other.der", BY_SUITE[_S.TLS_RSA_WITH_AES_128_CBC_SHA], id="rsa-key-exchange"),
    ],
)
def test_glasstls_server_staples_to_openssl_client(
    pki: TestPKI, ocsp_dir: Path, kind: str, staple: str, suite: Suite12
) -> None:
    files = creds(pki, kind)
    stapled = CertificateChain.from_files(files.cert, files.key, ocsp_response_path=ocsp_dir / staple)
    config = ServerConfig(
        certificates=(stapled,),
        allow_rsa_key_exchange=suite.flags["allow_rsa_key_exchange"],
        allow_legacy_cbc=suite.flags["allow_legacy_cbc"],
    )
    with glasstls_server(config, echo_n_handler(8)) as server:
        result = s_client12(
            pki, server.port, cipher=suite.openssl, brief=False, extra_args=["-status"], stdin=b"stapled\n"
        )
        server.session(0).check()
    result.check()
    assert "Protocol  : TLSv1.2" in result.output and f"Cipher    : {suite.openssl}" in result.output
    assert "OCSP Response Status: successful" in result.output, result.output
    assert "Cert Status: good" in result.output, result.output
    assert "Verify return code: 0 (ok)" in result.output
