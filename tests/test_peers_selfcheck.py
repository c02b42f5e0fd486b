"""The interop harness checks itself, without glasstls: each real peer against another real peer.

If one of these fails, the interop tests that use the same peer cannot be trusted either.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from peers import (
    PeerError,
    PeerPki,
    gnutls_server,
    in_background,
    openssl_server,
    python_ssl_server,
    require_tool,
    run_curl,
    run_gnutls_client,
    run_openssl_client,
    run_python_ssl_client,
    server_process,
)

interop = pytest.mark.interop


# ------------------------------------------------------------------------- openssl <-> openssl


@interop
def test_openssl_client_and_rev_server(peer_pki: PeerPki) -> None:
    with openssl_server(peer_pki.server_ecdsa, peer_pki.server_ecdsa_key, mode="rev") as server:
        result = run_openssl_client(server.port, cafile=peer_pki.root, stdin=b"hello peers\nCLOSE\n").check()
        server.wait_for_output("CONNECTION CLOSED")
        assert b"sreep olleh\n" in result.stdout
        assert "Protocol version: TLSv1.3" in result.output
        assert "Verification: OK" in result.output
        assert "Protocol version: TLSv1.3" in server.output()
    assert server.process.returncode is not None, "the server process must be gone after the with block"


@interop
def test_openssl_interactive_server_sees_data_and_sends(peer_pki: PeerPki) -> None:
    with openssl_server(peer_pki.server_rsa, peer_pki.server_rsa_key) as server:
        client = in_background(
            run_openssl_client, server.port, cafile=peer_pki.root, stdin=b"ping from client\n", until="pong"
        )
        server.wait_for_output("ping from client")
        server.send(b"pong from server\n")
        result = client.result()
        assert b"pong from server" in result.stdout
        assert "Protocol version: TLSv1.3" in result.output
        assert "CIPHER is TLS_AES_256_GCM_SHA384" in server.output()


@interop
def test_openssl_client_with_certificate_and_alpn(peer_pki: PeerPki) -> None:
    with openssl_server(
        peer_pki.server_ecdsa, peer_pki.server_ecdsa_key, mode="rev", client_ca=peer_pki.root, alpn=["h2"]
    ) as server:
        result = run_openssl_client(
            server.port,
            cafile=peer_pki.root,
            certfile=peer_pki.client,
            keyfile=peer_pki.client_key,
            alpn=["h2", "http/1.1"],
            stdin=b"abc\nCLOSE\n",
        ).check()
        assert b"cba\n" in result.stdout
        server.wait_for_output("CONNECTION CLOSED")
        assert "glasstls test client" in server.output()


# --------------------------------------------------------------------------- gnutls <-> gnutls


@interop
def test_gnutls_client_and_echo_server(peer_pki: PeerPki) -> None:
    with gnutls_server(peer_pki.server_ecdsa, peer_pki.server_ecdsa_key) as server:
        result = run_gnutls_client(server.port, cafile=peer_pki.root, stdin=b"echo me\n").check()
        assert b"echo me\n" in result.stdout
        assert "(TLS1.3-X.509)" in result.output
        server.wait_for_output("Version: TLS1.3")
        assert "Given server name[1]: localhost" in server.output()


# ------------------------------------------------------------------------- python ssl <-> each


@interop
def test_python_client_and_openssl_server(peer_pki: PeerPki) -> None:
    with openssl_server(peer_pki.server_ecdsa, peer_pki.server_ecdsa_key, mode="rev") as server:
        result = run_python_ssl_client(server.port, cafile=peer_pki.root, send=b"python\n", read=7)
    assert result.version == "TLSv1.3"
    assert result.received == b"nohtyp\n"


@interop
def test_python_client_and_gnutls_server(peer_pki: PeerPki) -> None:
    with gnutls_server(peer_pki.server_rsa, peer_pki.server_rsa_key, alpn=["h2"]) as server:
        result = run_python_ssl_client(
            server.port, cafile=peer_pki.root, alpn=["h2"], send=b"python\n", read=7
        )
    assert result.version == "TLSv1.3"
    assert result.alpn == "h2"
    assert result.received == b"python\n"


@interop
def test_python_client_and_python_server(peer_pki: PeerPki) -> None:
    with python_ssl_server(
        peer_pki.server_ecdsa, peer_pki.server_ecdsa_key, alpn=["h2", "http/1.1"], client_ca=peer_pki.root
    ) as server:
        result = run_python_ssl_client(
            server.port,
            cafile=peer_pki.root,
            alpn=["http/1.1"],
            certfile=peer_pki.client,
            keyfile=peer_pki.client_key,
            send=b"round trip",
            read=10,  # the echo server never closes first: read the echo, then send close_notify
        )
        (session,) = server.wait_for_sessions(1)
    assert result.received == b"round trip"
    assert (result.version, result.alpn) == ("TLSv1.3", "http/1.1")
    assert session.error is None, session.error
    assert (session.version, session.alpn, session.server_name) == ("TLSv1.3", "http/1.1", "localhost")
    assert session.peer_certificate is not None
    assert session.received == b"round trip"
    assert "negotiated version=TLSv1.3" in server.output()


@interop
def test_openssl_and_gnutls_clients_against_python_server(peer_pki: PeerPki) -> None:
    with python_ssl_server(peer_pki.server_rsa, peer_pki.server_rsa_key) as server:
        openssl = run_openssl_client(server.port, cafile=peer_pki.root, stdin=b"from openssl\n", until="openssl")
        gnutls = run_gnutls_client(server.port, cafile=peer_pki.root, stdin=b"from gnutls\n").check()
        sessions = server.wait_for_sessions(2)
    assert b"from openssl" in openssl.stdout
    assert b"from gnutls\n" in gnutls.stdout
    assert all(s.version == "TLSv1.3" for s in sessions)
    assert {s.received for s in sessions} == {b"from openssl\n", b"from gnutls\n"}


# ------------------------------------------------------------------------------------- curl


@interop
def test_curl_and_openssl_www_server(peer_pki: PeerPki) -> None:
    with openssl_server(peer_pki.server_ecdsa, peer_pki.server_ecdsa_key, mode="www") as server:
        result = run_curl(f"https://localhost:{server.port}/", cafile=peer_pki.root).check()
    assert b"TLSv1.3" in result.stdout  # the -www page describes the session
    assert "SSL connection using TLSv1.3" in result.output


# ----------------------------------------------------------------------- failures are quick


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP server that accepts connections and never says anything: a hung peer."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    listener.close()
    for conn in accepted:
        conn.close()


def test_server_that_never_listens_fails_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(PeerError, match=r"did not start listening within 1s") as info, server_process(
        [sys.executable, "-c", "import time; print('booting', flush=True); time.sleep(60)"],
        ready=r"ACCEPT (\d+)",
        startup_timeout=1,
        name="sleeper",
    ):
        pass
    assert time.monotonic() - started < 5
    assert "booting" in str(info.value)  # what the peer printed is in the message


def test_server_that_exits_fails_with_its_output() -> None:
    with pytest.raises(PeerError, match="exited before it was listening") as info, server_process(
        [sys.executable, "-c", "import sys; sys.exit('bad option: --nope')"], ready=r"ACCEPT (\d+)"
    ):
        pass
    assert "bad option: --nope" in str(info.value)


@interop
def test_hung_server_fails_the_clients_quickly(silent_listener: int) -> None:
    started = time.monotonic()
    with pytest.raises(PeerError, match=r"openssl s_client did not finish within 1s"):
        run_openssl_client(silent_listener, cafile=None, timeout=1)
    with pytest.raises(PeerError, match=r"gnutls-cli did not finish within 1s"):
        run_gnutls_client(silent_listener, cafile=None, timeout=1)
    with pytest.raises(PeerError, match=r"no progress within 1s"):
        run_python_ssl_client(silent_listener, cafile=None, timeout=1)
    assert time.monotonic() - started < 10


def test_background_result_times_out() -> None:
    task = in_background(time.sleep, 5)
    with pytest.raises(PeerError, match=r"sleep did not finish within 0\.1s"):
        task.result(timeout=0.1)


def test_missing_tool_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require_tool("glasstls-no-such-peer")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires every interop test to run"):
        require_tool("glasstls-no-such-peer")
