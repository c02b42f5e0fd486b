"""httpx with glasstls doing the TLS (glasstls.httpx), against hypercorn (Python ssl; HTTP/1.1 and h2) and
against ``glasstls serve --www`` (``GET /bytes/N``, ``--root DIR``); curl against ``serve --www`` too.

What is checked: verification is glasstls's (a server it does not trust fails with the TLSError behind
httpx.ConnectError), ALPN picks h2 when asked and HTTP/2 is spoken, connections are reused, and each
response's TLS connection (negotiated parameters, trace) is reachable with ``tls_info``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from glasstls.config import ClientConfig
from glasstls.errors import UnknownCA
from glasstls.httpx import AsyncGlasstlsTransport, GlasstlsTransport, tls_error, tls_info
from glasstls.pki.testpki import TestPKIFiles, make_ca, make_test_pki
from glasstls.pki.trust import TrustStore
from peers import ProcessServer, free_port, run_curl, server_process

interop = pytest.mark.interop
TESTS = Path(__file__).resolve().parent
TIMEOUT = 20.0


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("httpx-pki"))
    assert pki.files is not None
    return pki.files


def config(files: TestPKIFiles) -> ClientConfig:
    return ClientConfig(trust=TrustStore.from_file(files.root))


@contextmanager
def hypercorn(files: TestPKIFiles) -> Iterator[ProcessServer]:
    """hypercorn (Python ssl; ALPN h2 and http/1.1) serving tests/asgi_app.py on 127.0.0.1."""
    port = free_port()
    start = f"import sys; sys.path.insert(0, {str(TESTS)!r}); from hypercorn.__main__ import main; main(sys.argv[1:])"
    argv = [
        sys.executable, "-c", start, "--certfile", str(files.server_ecdsa.cert),
        "--keyfile", str(files.server_ecdsa.key), "--bind", f"127.0.0.1:{port}", "asgi_app:app",
    ]  # fmt: skip
    with server_process(argv, ready=r"Running on https://127\.0\.0\.1:(\d+)", name="hypercorn") as server:
        yield server


@interop
@pytest.mark.parametrize("http2", [False, True], ids=["http1.1", "h2"])
def test_client_against_hypercorn(files: TestPKIFiles, http2: bool) -> None:
    with hypercorn(files) as server, httpx.Client(transport=GlasstlsTransport(config(files), http2=http2)) as client:
        base = f"https://localhost:{server.port}"
        first = client.get(f"{base}/", timeout=TIMEOUT)
        second = client.get(f"{base}/bytes/3000000", timeout=TIMEOUT)
        version = "HTTP/2" if http2 else "HTTP/1.1"
        assert first.http_version == second.http_version == version
        assert first.text == f"hello over {version}\n"
        assert second.content == (bytes(range(256)) * 256 * 46)[:3000000]
        info = tls_info(first)
        assert info.negotiated.alpn_protocol == ("h2" if http2 else "http/1.1")
        assert info.negotiated.server_name == "localhost" and info.negotiated.verified_chain is not None
        assert any(step.step == "ServerHello" for step in info.trace)
        # Reused: both responses came over the same TLS connection (one handshake).
        assert first.extensions["network_stream"] is second.extensions["network_stream"]


@interop
def test_async_client_against_hypercorn_h2(files: TestPKIFiles) -> None:
    async def main(port: int) -> None:
        transport = AsyncGlasstlsTransport(config(files), http2=True)
        async with httpx.AsyncClient(transport=transport) as client:
            responses = await asyncio.gather(
                *(client.get(f"https://localhost:{port}/bytes/{n}", timeout=TIMEOUT) for n in (10, 100_000, 1_000_000))
            )
        assert [len(r.content) for r in responses] == [10, 100_000, 1_000_000]
        assert {r.http_version for r in responses} == {"HTTP/2"}
        streams = {id(r.extensions["network_stream"]) for r in responses}
        assert len(streams) == 1  # one h2 connection carried all three
        assert tls_info(responses[0]).negotiated.alpn_protocol == "h2"

    with hypercorn(files) as server:
        asyncio.run(main(server.port))


@interop
def test_untrusted_server_fails_with_the_tls_error(files: TestPKIFiles, tmp_path: Path) -> None:
    other = tmp_path / "other-root.pem"
    other.write_bytes(make_ca("httpx test other root").cert_pem())
    untrusting = GlasstlsTransport(ClientConfig(trust=TrustStore.from_file(other)))
    with (
        hypercorn(files) as server,
        httpx.Client(transport=untrusting) as client,
        pytest.raises(httpx.ConnectError) as info,
    ):
        client.get(f"https://localhost:{server.port}/", timeout=TIMEOUT)
    assert isinstance(tls_error(info.value), UnknownCA)


@contextmanager
def serve_www(files: TestPKIFiles, *extra: str) -> Iterator[ProcessServer]:
    argv = [
        sys.executable, "-m", "glasstls", "serve", "--www", "--port", "0",
        "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *extra,
    ]  # fmt: skip
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        yield server


@interop
def test_httpx_against_glasstls_serve_www(files: TestPKIFiles, tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>root index</p>\n")
    (tmp_path / "site" / "data.txt").write_text("a file under --root\n")
    (tmp_path / "secret.txt").write_text("outside the root\n")
    with serve_www(files, "--root", str(tmp_path / "site"), "--alpn", "h2,http/1.1") as server:
        base = f"https://localhost:{server.port}"
        with httpx.Client(transport=GlasstlsTransport(config(files), http2=True)) as client:
            big = client.get(f"{base}/bytes/5000000", timeout=TIMEOUT)
            assert big.status_code == 200 and len(big.content) == 5_000_000
            assert big.http_version == "HTTP/1.0"  # serve --www drops h2 from --alpn and answers in HTTP/1.0
            assert tls_info(big).negotiated.alpn_protocol == "http/1.1"
            assert client.get(f"{base}/data.txt", timeout=TIMEOUT).text == "a file under --root\n"
            assert client.get(f"{base}/index.html", timeout=TIMEOUT).text == "<p>root index</p>\n"
            assert client.get(f"{base}/../secret.txt", timeout=TIMEOUT).status_code == 404
            assert client.get(f"{base}/%2e%2e/secret.txt", timeout=TIMEOUT).status_code == 404
            assert client.get(f"{base}/bytes/{2**31}", timeout=TIMEOUT).status_code == 400
        curl = run_curl(f"https://localhost:{server.port}/bytes/2000000", cafile=files.root, extra_args=["-o", "-"])
        assert len(curl.stdout) == 2_000_000, curl.output


@interop
def test_serve_www_page_still_answers_slash(files: TestPKIFiles) -> None:
    with serve_www(files) as server, httpx.Client(transport=GlasstlsTransport(config(files))) as client:
        page = client.get(f"https://localhost:{server.port}/", timeout=TIMEOUT)
    assert page.status_code == 200 and "your TLS connection" in page.text
