"""``glasstls serve --aio``: the CLI server on one asyncio loop, with the threaded server's options, limits and
output. Real clients on 127.0.0.1 (openssl s_client, Python ssl, curl); 2,000 idle clients held at once by one
thread (bounded in count and time; no timed assertion)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from glasstls.pki.testpki import TestPKIFiles, make_ca, make_test_pki
from peers import PEER_TIMEOUT, PeerProcess, ProcessServer, require_tool, run_curl, run_openssl_client, server_process

interop = pytest.mark.interop


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("serve-aio-pki"))
    assert pki.files is not None
    return pki.files


@contextmanager
def serve_aio(files: TestPKIFiles, *extra: str) -> Iterator[ProcessServer]:
    argv = [
        sys.executable, "-m", "glasstls", "serve", "--aio", "--port", "0",
        "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *extra,
    ]  # fmt: skip
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve --aio") as server:
        yield server


def status(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+)", text, re.M)
    assert match is not None
    return int(match.group(1))


@interop
def test_echo_with_openssl_and_exit_on_ctrl_c(files: TestPKIFiles) -> None:
    with serve_aio(files) as server:
        for extra in ([], ["-tls1_2"]):
            result = run_openssl_client(
                server.port, cafile=files.root, tls13_only=not extra, extra_args=extra, stdin=b"ping\n",
                until="ping",
            )  # fmt: skip
            assert b"ping" in result.stdout, result.output
        server.wait_for_output(r"#2 .*handshake ok in .*TLS 1\.2")
        server.wait_for_output(r"#2 closed: 5 bytes received, 5 bytes sent")
        server.process.proc.send_signal(signal.SIGINT)
        assert server.process.wait(10) == 0, server.output()
        assert "stopping (Ctrl-C)" in server.output()


@interop
def test_failed_handshake_is_explained(files: TestPKIFiles, tmp_path: Path) -> None:
    """A client that does not trust our chain sends its alert: the server explains the failure, and goes on."""
    other = tmp_path / "other-root.pem"
    other.write_bytes(make_ca("serve --aio test other root").cert_pem())
    with serve_aio(files) as server:
        untrusting = run_openssl_client(server.port, cafile=other, stdin=b"x\n")
        assert untrusting.returncode != 0
        server.wait_for_output(r"#1 .*connection failed")
        assert "unknown_ca" in server.output().lower()
        after = run_openssl_client(server.port, cafile=files.root, stdin=b"still serving\n", until="still serving")
        assert b"still serving" in after.stdout


@interop
def test_www_bytes_with_curl(files: TestPKIFiles) -> None:
    with serve_aio(files, "--www") as server:
        result = run_curl(f"https://localhost:{server.port}/bytes/4000000", cafile=files.root, extra_args=["-o", "-"])
        assert len(result.stdout) == 4_000_000, result.output[-2000:]
        page = run_curl(f"https://localhost:{server.port}/", cafile=files.root)
        assert b"your TLS connection" in page.stdout


@interop
def test_limits_keep_their_meaning(files: TestPKIFiles) -> None:
    """--max-connections 1: the second client waits in the listen queue until the first closes; a silent
    client is dropped at --handshake-timeout; an idle one at --idle-timeout, said on its closing line."""
    openssl = require_tool("openssl")
    with serve_aio(files, "--max-connections", "1", "--handshake-timeout", "1", "--idle-timeout", "1") as server:
        first = PeerProcess(
            [openssl, "s_client", "-connect", f"127.0.0.1:{server.port}", "-CAfile", str(files.root),
             "-servername", "localhost", "-ign_eof"],
            name="first s_client",
        )  # fmt: skip
        try:
            assert first.wait_for(r"Verify return code: 0", PEER_TIMEOUT) is not None, first.describe()
            server.wait_for_output(r"#1 .*handshake ok")
            # The first goes idle: closed after its 1 s idle budget; then the second is served.
            server.wait_for_output(r"#1 closed: .*closed after 1 s without application data")
        finally:
            first.stop()
        second = run_openssl_client(server.port, cafile=files.root, stdin=b"hi\n", until="hi")
        assert b"hi" in second.stdout
        silent = socket_connect(server.port)
        try:
            server.wait_for_output(r"did not complete within 1s|timed out", timeout=PEER_TIMEOUT)
        finally:
            silent.close()


def socket_connect(port: int) -> object:
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT)


@interop
def test_sigusr1_key_update(files: TestPKIFiles) -> None:
    openssl = require_tool("openssl")
    with serve_aio(files) as server:
        client = PeerProcess(
            [openssl, "s_client", "-connect", f"127.0.0.1:{server.port}", "-CAfile", str(files.root),
             "-servername", "localhost", "-msg", "-tls1_3", "-ign_eof"],
            name="openssl s_client",
        )  # fmt: skip
        try:
            assert client.wait_for(r"Verify return code: 0", PEER_TIMEOUT) is not None, client.describe()
            server.wait_for_output(r"#1 .*handshake ok")
            os.kill(server.process.proc.pid, signal.SIGUSR1)
            server.wait_for_output(r"#1: sent KeyUpdate")
            assert client.wait_for(r"KeyUpdate", PEER_TIMEOUT) is not None, client.describe()
            client.send(b"after the update\n")
            assert client.wait_for(r"after the update", PEER_TIMEOUT) is not None
        finally:
            client.stop()


@interop
@pytest.mark.timeout(400)
def test_thousands_of_idle_clients_on_one_thread(files: TestPKIFiles) -> None:
    """2,000 Python ssl clients connect, stay idle all at once, then each still gets its echo; the server's
    thread count stays that of one loop (no thread per client)."""
    count = 2000
    with serve_aio(files, "--max-connections", str(count + 10), "--max-handshakes", "256") as server:
        pid = server.process.proc.pid
        ctx = ssl.create_default_context(cafile=str(files.root))
        threads_before = status(pid, "Threads")

        async def main() -> tuple[int, int]:
            all_up = asyncio.Event()
            up = 0
            peak: list[int] = []

            async def client(i: int) -> None:
                nonlocal up
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", server.port, ssl=ctx, server_hostname="localhost", ssl_handshake_timeout=300
                )
                up += 1
                if up == count:
                    peak.append(status(pid, "Threads"))
                    all_up.set()
                await all_up.wait()  # idle until every client is connected
                message = f"client {i}\n".encode()
                writer.write(message)
                assert await reader.readline() == message
                writer.close()
                await writer.wait_closed()

            async with asyncio.timeout(350):
                results = await asyncio.gather(*(client(i) for i in range(count)), return_exceptions=True)
            failures = [r for r in results if r is not None]
            assert not failures, failures[:3]
            return peak[0], up

        peak_threads, connected = asyncio.run(main())
    assert connected == count
    assert peak_threads <= threads_before + 2, (threads_before, peak_threads)
