"""Live conformance checks of issue 12 with real peers on 127.0.0.1.

* Rejected 0-RTT (RFC 8446 section 4.2.10): ``openssl s_client -early_data`` with a session whose ticket allows
  early data (taken from ``openssl s_server -early_data``) against a glasstls server, which never accepts 0-RTT:
  the handshake completes, s_client reports the early data rejected, and the server receives only the 1-RTT data.
  Once with a 1-RTT answer (records skipped under the handshake keys), once through a HelloRetryRequest
  (application_data records skipped before the second ClientHello).
* TLS 1.2 without signature_algorithms (RFC 9155): ``openssl s_client -tls1_2 -sigalgs`` cannot leave the
  extension out, so Python's ``ssl`` cannot either; the refusal is covered in memory (test_conformance_hello.py).

Each peer operation has a timeout (tests/peers.py), each test a hard pytest-timeout.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.wire.enums import NamedGroup
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
