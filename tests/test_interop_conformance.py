"""Live conformance checks of issue 12 with real peers on 127.0.0.1.

* Rejected 0-RTT (RFC 8446 section 4.2.10): ``openssl s_client -early_data`` with a session whose ticket allows
  early data (taken from ``openssl s_server -early_data``) against a glasstls server, which never accepts 0-RTT:
  the handshake completes, s_client reports the early data rejected, and the server receives only the 1-RTT data.
  Once with a 1-RTT answer (records skipped under the handshake keys), once through a HelloRetryRequest
  (application_data records skipped before the second ClientHello).
* server_name (RFC 6066 section 3): ``openssl s_client -servername`` with a trailing dot, a UTF-8 name and a
  control character: illegal_parameter each time.
* TLS_FALLBACK_SCSV (RFC 7507): ``openssl s_client -tls1_2 -fallback_scsv``: inappropriate_fallback.
* Resuming an extended-master-secret session without EMS (RFC 7627 section 5.3): Python's ``ssl`` saves a TLS 1.2
  session made with EMS, then turns EMS off (SSL_OP_NO_EXTENDED_MASTER_SECRET) and offers it: handshake_failure,
  from a server where EMS is optional.

No real peer can send these, so they are covered in memory only (test_conformance_hello.py): legacy_version
0x0300, ec_point_formats without uncompressed, the fallback SCSV with legacy_version 0x0304 and no
supported_versions, a changed second ClientHello, and TLS 1.2 without signature_algorithms (OpenSSL, GnuTLS and
Python always send it).

Each peer operation has a timeout (tests/peers.py), each test a hard pytest-timeout.
"""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.wire.enums import AlertDescription, NamedGroup, ProtocolVersion
from interop_helpers import TEST_TIMEOUT, creds, echo_n_handler, glasstls_server, server_config
from peers import PEER_TIMEOUT, PeerError, PeerProcess, openssl_server, run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

LATER = b"sent after the handshake\n"
EARLY = b"0-RTT data that the server must never deliver\n" * 20


def _early_data_session(pki: TestPKI, tmp_path: Path) -> Path:
    """A TLS 1.3 session from ``openssl s_server -early_data``: its ticket allows 16384 bytes of 0-RTT."""
    assert pki.files is not None
    files = creds(pki, "ecdsa")
    sess = tmp_path / "early.sess"
    with openssl_server(files.cert, files.key, naccept=1, extra_args=["-early_data"]) as server:
        # s_client saves the session (-sess_out) when it reads a NewSessionTicket, which it does only once it
        # reads from the socket: the server says something after the client's line, and the client is stopped
        # once it has printed the ticket.
        argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-servername", "localhost"]
        argv += ["-tls1_3", "-CAfile", str(pki.files.root), "-sess_out", str(sess), "-ign_eof"]
        client = PeerProcess(argv, name="openssl s_client")
        try:
            client.send(b"hi\n")
            server.wait_for_output(r"hi")
            server.send(b"ho\n")
            client.wait_for(r"\bho\b", PEER_TIMEOUT)  # the tickets came before it (s_client's own report is buffered)
            deadline = time.monotonic() + PEER_TIMEOUT
            while not (sess.exists() and "END SSL SESSION PARAMETERS" in sess.read_text()):
                if time.monotonic() > deadline:
                    raise PeerError(f"s_client saved no session\n{client.describe()}")
                time.sleep(0.05)
        finally:
            client.stop()
    return sess


@pytest.mark.parametrize("hrr", [False, True], ids=["1-RTT", "hello-retry"])
def test_openssl_early_data_is_skipped_by_glasstls_server(pki: TestPKI, tmp_path: Path, hrr: bool) -> None:
    assert pki.files is not None
    sess = _early_data_session(pki, tmp_path)
    early = tmp_path / "early.txt"
    early.write_bytes(EARLY)
    # s_client's key share is X25519; a server that takes only secp384r1 answers with a HelloRetryRequest.
    config = server_config(pki, groups=(NamedGroup.SECP384R1,)) if hrr else server_config(pki)
    with glasstls_server(config, echo_n_handler(len(LATER))) as server:
        result = run_openssl_client(
            server.port,
            cafile=pki.files.root,
            brief=False,
            extra_args=["-sess_in", str(sess), "-early_data", str(early)],
            stdin=LATER,
        )
        session = server.session(0).check()
    assert result.returncode == 0, result.output
    assert "Early data was rejected" in result.output, result.output
    assert session.received == LATER
    assert session.negotiated is not None and session.negotiated.hello_retry_request == hrr


@pytest.mark.parametrize("name", ["localhost.", "caf\u00e9.example", "local\x01host"], ids=["dot", "utf8", "control"])
def test_openssl_client_with_bad_server_name_gets_illegal_parameter(pki: TestPKI, name: str) -> None:
    with glasstls_server(server_config(pki)) as server:
        result = run_openssl_client(server.port, cafile=None, servername=name, brief=False)
        session = server.session(0)
    assert result.returncode != 0 and "alert illegal parameter" in result.output, result.output
    assert session.error is not None and "RFC 6066 section 3" in str(session.error)


def test_openssl_client_fallback_scsv_gets_inappropriate_fallback(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki)) as server:
        result = run_openssl_client(
            server.port, cafile=None, tls13_only=False, extra_args=["-tls1_2", "-fallback_scsv"]
        )
        session = server.session(0)
    assert result.returncode != 0 and "inappropriate fallback" in result.output, result.output
    assert session.error is not None


#: OpenSSL 3.0's SSL_OP_NO_EXTENDED_MASTER_SECRET (Python's ssl has no name for it).
_OP_NO_EXTENDED_MASTER_SECRET = 1


def test_python_client_resuming_an_ems_session_without_ems_gets_handshake_failure(pki: TestPKI) -> None:
    assert pki.files is not None
    config = server_config(pki, require_extended_master_secret=False, max_version=ProtocolVersion.TLS12)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(pki.files.root)
    with glasstls_server(config, echo_n_handler(2)) as server:
        with (
            socket.create_connection(("127.0.0.1", server.port), timeout=PEER_TIMEOUT) as sock,
            context.wrap_socket(sock, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"hi")
            assert tls.recv(2) == b"hi"
            saved = tls.session
        assert saved is not None
        context.options |= _OP_NO_EXTENDED_MASTER_SECRET  # type: ignore[assignment]
        with (
            pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE"),
            socket.create_connection(("127.0.0.1", server.port), timeout=PEER_TIMEOUT) as sock,
            context.wrap_socket(sock, server_hostname="localhost", session=saved),
        ):
            pass
        session = server.session(1)
    assert session.error is not None and "RFC 7627 section 5.3" in str(session.error)
    assert getattr(session.error, "alert", None) == AlertDescription.HANDSHAKE_FAILURE
