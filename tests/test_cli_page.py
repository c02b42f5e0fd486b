"""``--html`` (issue 16): ``connect --html FILE``, ``serve --html DIR`` (a page per connection) and ``demo --html
FILE`` write self-contained pages, for connections that succeed and fail, in TLS 1.3 and 1.2; secret values only
from the demo or an explicit --keylog; a bad --html is a usage error."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from glasstls.pki.testpki import TestPKIFiles, make_test_pki
from test_cli_connect_serve import ENV, GLASSTLS, Served, connect, serve, trusted


@pytest.fixture(scope="module")
def pki_files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("page-pki"))
    assert pki.files is not None
    return pki.files


@pytest.fixture
def served(pki_files: TestPKIFiles, tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    pages = tmp_path / "server-pages"
    for s in serve(pki_files, "--html", str(pages)):
        yield s, pages


def test_connect_and_serve_write_pages_of_good_and_failed_handshakes(
    served: tuple[Served, Path], pki_files: TestPKIFiles, tmp_path: Path
) -> None:
    server, pages = served
    results, stderr = {}, {}
    for name, args in (
        ("tls13", trusted(pki_files)),
        ("tls12", [*trusted(pki_files), "--max-version", "1.2"]),
        ("wrong-name", ["--cafile", str(pki_files.root), "--servername", "wrong.example"]),
        (
            "wrong-name12",
            ["--cafile", str(pki_files.root), "--servername", "wrong.example", "--max-version", "1.2", "--trace"],
        ),
    ):
        target = tmp_path / f"{name}.html"
        proc = connect(server.port, *args, "--html", str(target), data=b"hello\n")
        assert f"page of the connection written to {target}".encode() in proc.stderr, proc.stderr
        results[name] = target.read_text(encoding="utf-8")
        stderr[name] = proc.stderr.decode()
    assert "Connected: TLS 1.3" in results["tls13"]
    assert "Connected: TLS 1.2" in results["tls12"] and "ServerHelloDone" in results["tls12"]
    for failed in ("wrong-name", "wrong-name12"):
        assert "The handshake failed at certificate verification" in results[failed]
        assert "alert fatal bad_certificate" in results[failed]
    assert "ServerHelloDone" in results["wrong-name12"]
    # --trace draws the ladder on standard error, for a failed handshake too.
    assert "The records on the wire, as the client saw them" in stderr["wrong-name12"]
    assert "|-- alert fatal bad_certificate, 2 bytes" in stderr["wrong-name12"]
    for html in results.values():
        assert "Secret values are not on this page" in html
    server.wait_for("connection-4.html")
    written = sorted(p.name for p in pages.iterdir())
    assert written == [f"connection-{n}.html" for n in range(1, 5)]
    server_pages = [(pages / name).read_text(encoding="utf-8") for name in written]
    assert all("As the server saw it" in html for html in server_pages)
    assert sum("The handshake failed" in html for html in server_pages) == 2  # the client's bad_certificate


def test_connect_shows_secret_values_only_with_an_explicit_keylog(
    served: tuple[Served, Path], pki_files: TestPKIFiles, tmp_path: Path
) -> None:
    server, _ = served
    keylog = tmp_path / "keys.log"
    env_only = tmp_path / "env-only.html"
    env = {**ENV, "SSLKEYLOGFILE": str(keylog)}
    proc = subprocess.run(
        [
            *GLASSTLS,
            "connect",
            f"127.0.0.1:{server.port}",
            "--idle-timeout",
            "0.5",
            *trusted(pki_files),
            "--html",
            str(env_only),
        ],
        input=b"",
        capture_output=True,
        timeout=20,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    explicit = tmp_path / "explicit.html"
    proc = connect(server.port, *trusted(pki_files), "--keylog", str(keylog), "--html", str(explicit))
    assert proc.returncode == 0, proc.stderr
    lines = keylog.read_text().splitlines()
    assert len(lines) >= 10  # two connections, 5 TLS 1.3 secrets each
    html_env, html_explicit = env_only.read_text(), explicit.read_text()
    assert not any(line.split()[2] in html_env for line in lines)
    assert "Secret values are not on this page" in html_env
    shown = [line.split()[2] for line in lines if line.split()[2] in html_explicit]
    assert len(shown) == 5  # this connection's, not the other one's
    assert "because you passed a key log (--keylog" in html_explicit


@pytest.mark.parametrize("tls12", [False, True])
def test_demo_writes_the_page_of_its_connection_and_of_its_two_failures(tmp_path: Path, tls12: bool) -> None:
    target = tmp_path / "demo.html"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SSLKEYLOGFILE", None)
    args = [sys.executable, "-m", "glasstls", "demo", "--html", str(target), *(["--tls12"] if tls12 else [])]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    html = target.read_text(encoding="utf-8")
    assert f"Connected: {'TLS 1.2' if tls12 else 'TLS 1.3'}" in html
    assert "because this is the demo: its keys are throwaway" in html
    value = "CLIENT_RANDOM = " if tls12 else "CLIENT_TRAFFIC_SECRET_0 = "
    assert value in html
    for suffix in ("wrong-name", "untrusted"):
        failed = (tmp_path / f"demo-{suffix}.html").read_text(encoding="utf-8")
        assert "The handshake failed at certificate verification" in failed


@pytest.mark.parametrize(
    ("command", "html", "message"),
    [
        ("connect", "/nonexistent-dir/page.html", "not a file in an existing directory"),
        ("demo", "/nonexistent-dir/page.html", "not a file in an existing directory"),
        ("serve", "{a file}", "not a directory"),
    ],
)
def test_a_bad_html_target_is_a_usage_error(command: str, html: str, message: str, tmp_path: Path) -> None:
    if html == "{a file}":
        html = str(tmp_path / "a-file")
        Path(html).write_text("")
    target = ["127.0.0.1:1"] if command == "connect" else []
    proc = subprocess.run(
        [*GLASSTLS, *command.split(), *target, "--html", html], capture_output=True, text=True, timeout=30, env=ENV
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_serve_aio_writes_pages_and_draws_ladders(pki_files: TestPKIFiles, tmp_path: Path) -> None:
    pages = tmp_path / "aio-pages"
    for server in serve(pki_files, "--aio", "--html", str(pages), "--trace"):
        ok = connect(server.port, *trusted(pki_files), data=b"hi\n")
        assert ok.returncode == 0, ok.stderr
        failed = connect(server.port, "--cafile", str(pki_files.root), "--servername", "wrong.example")
        assert failed.returncode == 1
        output = server.wait_for("connection-2.html")
        first = (pages / "connection-1.html").read_text(encoding="utf-8")
        second = (pages / "connection-2.html").read_text(encoding="utf-8")
        assert "As the server saw it" in first and "Connected: TLS 1.3" in first
        assert "The handshake failed" in second
        assert output.count("The records on the wire, as the server saw them") == 2
