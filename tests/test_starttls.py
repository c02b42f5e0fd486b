"""STARTTLS (glasstls.starttls; connect --starttls, serve --starttls), against real peers on 127.0.0.1.

* ``glasstls serve --starttls smtp|imap|pop3`` against Python's smtplib, imaplib and poplib (Python ssl) and
  ``openssl s_client -starttls``; the trace shows the plain text and where TLS begins.
* ``glasstls connect --starttls smtp`` against aiosmtpd (a real SMTP server, STARTTLS by Python ssl), and a
  server that refuses STARTTLS explained as such; ``--starttls imap|pop3`` against Dovecot from Debian, started
  from a temporary configuration on a loopback port.
* The library: blocking ``starttls_connect`` and asyncio ``open_starttls_connection``; the ftp, xmpp and
  postgres preludes against small servers that speak just that much and then TLS by Python ssl; plain text
  pipelined after the upgrade refused on both sides (CVE-2011-0411).
"""

from __future__ import annotations

import asyncio
import imaplib
import json
import os
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from glasstls.config import ClientConfig
from glasstls.errors import StartTLSFailed, StartTLSRefused
from glasstls.explain import explain
from glasstls.pki.testpki import TestPKIFiles, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.starttls import (
    MAX_MESSAGE,
    Transcript,
    open_starttls_connection,
    run_prelude,
    server_prelude,
    starttls_connect,
)
from peers import PEER_TIMEOUT, ProcessServer, free_port, in_ci, run_openssl_client, server_process

interop = pytest.mark.interop
TIMEOUT = 15.0


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("starttls-pki"))
    assert pki.files is not None
    return pki.files


def py_server_context(files: TestPKIFiles) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(files.server_ecdsa.cert, files.server_ecdsa.key)
    return ctx


def py_client_context(files: TestPKIFiles) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(files.root))


@contextmanager
def glasstls_serve(files: TestPKIFiles, protocol: str, *extra: str) -> Iterator[ProcessServer]:
    argv = [
        sys.executable, "-m", "glasstls", "serve", "--port", "0", "--starttls", protocol,
        "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *extra,
    ]  # fmt: skip
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        yield server


def glasstls_connect(
    port: int, files: TestPKIFiles, *args: str, data: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    argv = [
        sys.executable, "-m", "glasstls", "connect", f"127.0.0.1:{port}", "--servername", "localhost",
        "--cafile", str(files.root), "--idle-timeout", "1", *args,
    ]  # fmt: skip
    return subprocess.run(argv, input=data, capture_output=True, timeout=PEER_TIMEOUT * 2, check=False)


# ---------------------------------------------------------------- glasstls serve --starttls, real clients


@interop
def test_smtplib_against_serve_starttls_smtp(files: TestPKIFiles) -> None:
    with glasstls_serve(files, "smtp", "--trace") as server:
        with smtplib.SMTP("127.0.0.1", server.port, local_hostname="client.test", timeout=TIMEOUT) as smtp:
            code, features = smtp.ehlo()
            assert code == 250 and b"STARTTLS" in features
            assert smtp.starttls(context=py_client_context(files))[0] == 220
            assert smtp.sock is not None and isinstance(smtp.sock, ssl.SSLSocket)
            assert smtp.sock.version() == "TLSv1.3"
            assert smtp.sendmail("a@example.com", ["b@example.com"], "Subject: hi\r\n\r\nover TLS\r\n") == {}
        server.wait_for_output(r"TLS begins here")
        out = server.wait_for_output(r"#1 closed")
        text = server.output()
        # The plain text, in order, then where TLS begins, then the handshake.
        order = [text.index(s) for s in ("S: 220 ", "C: ehlo client.test", "C: STARTTLS", "TLS begins here")]
        assert order == sorted(order), text
        assert text.index("TLS begins here") < text.index("ClientHello")
        assert out is not None


@interop
def test_imaplib_against_serve_starttls_imap(files: TestPKIFiles) -> None:
    with glasstls_serve(files, "imap") as server:
        imap = imaplib.IMAP4("127.0.0.1", server.port, timeout=TIMEOUT)
        try:
            assert "STARTTLS" in imap.capabilities
            assert imap.starttls(ssl_context=py_client_context(files))[0] == "OK"
            assert isinstance(imap.sock, ssl.SSLSocket) and imap.sock.version() == "TLSv1.3"
            assert imap.login("user", "password")[0] == "OK"
            assert imap.noop()[0] == "OK"
        finally:
            imap.logout()
        server.wait_for_output(r"#1 closed")


@interop
def test_poplib_against_serve_starttls_pop3(files: TestPKIFiles) -> None:
    with glasstls_serve(files, "pop3") as server:
        pop = poplib.POP3("127.0.0.1", server.port, timeout=TIMEOUT)
        try:
            assert "STLS" in pop.capa()
            assert pop.stls(context=py_client_context(files)).startswith(b"+OK")
            assert isinstance(pop.sock, ssl.SSLSocket) and pop.sock.version() == "TLSv1.3"
            pop.user("user")
            pop.pass_("password")
            assert pop.stat() == (0, 0)
        finally:
            pop.quit()
        server.wait_for_output(r"#1 closed")


@interop
@pytest.mark.parametrize(
    ("protocol", "session", "expect"),
    [
        ("smtp", b"EHLO openssl.test\r\nQUIT\r\n", b"221 2.0.0 Bye"),
        ("imap", b"a1 CAPABILITY\r\na2 LOGOUT\r\n", b"a2 OK LOGOUT completed"),
        ("pop3", b"STAT\r\nQUIT\r\n", b"says bye"),
    ],
)
def test_openssl_s_client_starttls_against_serve(
    files: TestPKIFiles, protocol: str, session: bytes, expect: bytes
) -> None:
    with glasstls_serve(files, protocol) as server:
        result = run_openssl_client(server.port, cafile=files.root, extra_args=["-starttls", protocol], stdin=session)
        assert expect in result.stdout, result.output
        assert "Verification: OK" in result.output
        server.wait_for_output(r"#1 .*handshake ok")


@interop
def test_glasstls_connect_starttls_against_serve_json(files: TestPKIFiles) -> None:
    """Our client and server both ways round: the JSON document carries the transcript."""
    with glasstls_serve(files, "smtp") as server:
        result = glasstls_connect(server.port, files, "--starttls", "smtp", "--json", data=b"EHLO me\r\nQUIT\r\n")
    doc = json.loads(result.stdout)
    assert result.returncode == 0 and doc["ok"], doc["error"]
    starttls = doc["starttls"]
    assert starttls["protocol"] == "smtp" and starttls["tls_began"]
    said = [(step["sender"], step["text"]) for step in starttls["transcript"]]
    assert ("client", "STARTTLS") in said and said[-1] == ("server", "220 2.0.0 Ready to start TLS")
    assert "221 2.0.0 Bye" in doc["received"]


# ------------------------------------------------------------------ connect --starttls against aiosmtpd


@contextmanager
def aiosmtpd_server(files: TestPKIFiles, *, tls: bool) -> Iterator[int]:
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink
    except ImportError:
        if in_ci():
            pytest.fail("aiosmtpd is not installed (pyproject's test extra installs it)")
        pytest.skip("aiosmtpd is not installed (pip install -e '.[test]')")
    port = free_port()
    context = py_server_context(files) if tls else None
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=tls)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@interop
def test_connect_starttls_smtp_against_aiosmtpd(files: TestPKIFiles) -> None:
    with aiosmtpd_server(files, tls=True) as port:
        result = glasstls_connect(port, files, "--starttls", "smtp", "--trace", data=b"EHLO me\r\nQUIT\r\n")
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert b"221 Bye" in result.stdout
    assert "S: 250-STARTTLS" in err and "C: STARTTLS" in err and "S: 220 Ready to start TLS" in err
    assert err.index("TLS begins here") < err.index("ClientHello")


@interop
def test_connect_starttls_refused_is_explained(files: TestPKIFiles) -> None:
    """aiosmtpd without a TLS context answers STARTTLS with 454: the failure says the server refused."""
    with aiosmtpd_server(files, tls=False) as port:
        result = glasstls_connect(port, files, "--starttls", "smtp")
        as_json = glasstls_connect(port, files, "--starttls", "smtp", "--json")
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "refused to upgrade the connection to TLS" in err and "454" in err, err
    assert "did not list STARTTLS" in err
    assert "C: STARTTLS" in err  # the plain text is shown with the failure
    doc = json.loads(as_json.stdout)
    assert doc["error"]["kind"] == "starttls-refused" and doc["error"]["alert"] is None
    assert doc["starttls"]["tls_began"] is False


# ---------------------------------------------------------------- Dovecot (Debian), imap and pop3


DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = static
  args = password=secret
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
mail_location = maildir:{base}/home/%u/Maildir
default_internal_user = {user}
default_login_user = {user}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""


@contextmanager
def dovecot(files: TestPKIFiles) -> Iterator[tuple[int, int]]:
    """Dovecot in the foreground from a temporary configuration, listening on 127.0.0.1 only."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if binary is None:
        if in_ci():
            pytest.fail("dovecot is not installed (make peers installs dovecot-imapd and dovecot-pop3d)")
        pytest.skip("dovecot is not installed: run `make peers`")
    import pwd

    user = "dovenull" if _has_user("dovenull") else pwd.getpwuid(os.getuid()).pw_name
    imap, pop3 = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="glasstls-dovecot-") as base:
        os.chmod(base, 0o755)
        conf = Path(base) / "dovecot.conf"
        conf.write_text(
            DOVECOT_CONF.format(
                base=base,
                cert=files.server_ecdsa.cert,
                key=files.server_ecdsa.key,
                imap=imap,
                pop3=pop3,
                uid=os.getuid(),
                gid=os.getgid(),
                user=user,
            )
        )
        process = subprocess.Popen([binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for port in (imap, pop3):
                _wait_listening(port, process, Path(base) / "dovecot.log")
            yield imap, pop3
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            logged = log.read_text() if log.exists() else ""
            raise AssertionError(f"dovecot exited: {output}\n{logged}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"dovecot did not listen on {port}")


@interop
@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_connect_starttls_against_dovecot(files: TestPKIFiles, protocol: str) -> None:
    session = b"a1 LOGOUT\r\n" if protocol == "imap" else b"QUIT\r\n"
    with dovecot(files) as (imap, pop3):
        port = imap if protocol == "imap" else pop3
        result = glasstls_connect(port, files, "--starttls", protocol, "--json", data=session)
    doc = json.loads(result.stdout)
    assert doc["ok"], doc["error"]
    assert doc["starttls"]["tls_began"] and doc["negotiated"]["version"] == "TLS13"
    assert ("BYE" if protocol == "imap" else "+OK") in doc["received"]


# ------------------------------------------------------------------------------------------- the library


def serve_plain(files: TestPKIFiles, script: Callable[[socket.socket], bool]) -> tuple[int, threading.Thread]:
    """A one-connection server: ``script`` speaks the plain text; when it returns True, TLS by Python ssl and
    one echo."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run() -> None:
        with listener:
            listener.settimeout(TIMEOUT)
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            with conn:
                if not script(conn):
                    return
                with py_server_context(files).wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(tls.recv(100))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return port, thread


def readline(sock: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        line += chunk
    return line


def ftp_script(sock: socket.socket) -> bool:
    sock.sendall(b"220-Welcome\r\n220 ftp ready\r\n")
    assert readline(sock) == b"AUTH TLS\r\n"
    sock.sendall(b"234 AUTH TLS successful\r\n")
    return True


def xmpp_script(sock: socket.socket) -> bool:
    header = b""
    while not header.endswith(b">") or b"<stream:stream" not in header:
        header += sock.recv(1)
    sock.sendall(
        b"<?xml version='1.0'?><stream:stream from='localhost' id='1' version='1.0' xmlns='jabber:client' "
        b"xmlns:stream='http://etherx.jabber.org/streams'><stream:features><starttls "
        b"xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
    )
    request = b""
    while not request.endswith(b"/>"):
        request += sock.recv(1)
    assert b"urn:ietf:params:xml:ns:xmpp-tls" in request
    sock.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    return True


def postgres_script(answer: bytes) -> Callable[[socket.socket], bool]:
    def script(sock: socket.socket) -> bool:
        assert sock.recv(8) == b"\x00\x00\x00\x08\x04\xd2\x16\x2f"  # SSLRequest: length 8, code 80877103
        sock.sendall(answer)
        return answer == b"S"

    return script


@interop
@pytest.mark.parametrize(
    ("protocol", "script"),
    [("ftp", ftp_script), ("xmpp", xmpp_script), ("postgres", postgres_script(b"S"))],
)
def test_client_preludes_then_python_ssl(
    files: TestPKIFiles, protocol: str, script: Callable[[socket.socket], bool]
) -> None:
    port, thread = serve_plain(files, script)
    config = ClientConfig(trust=TrustStore.from_file(files.root))
    tls, transcript = starttls_connect("127.0.0.1", port, protocol, config, server_name="localhost", timeout=TIMEOUT)
    with tls:
        tls.sendall(b"ping")
        assert tls.recv(100) == b"ping"
    thread.join(TIMEOUT)
    assert transcript.tls_began and transcript.steps


def test_postgres_refusal_is_starttls_refused(files: TestPKIFiles) -> None:
    port, thread = serve_plain(files, postgres_script(b"N"))
    with pytest.raises(StartTLSRefused) as info:
        starttls_connect("127.0.0.1", port, "postgres", ClientConfig(), server_name="localhost", timeout=TIMEOUT)
    thread.join(TIMEOUT)
    assert explain(info.value).kind == "starttls-refused"


def test_client_refuses_plaintext_after_the_go_ahead(files: TestPKIFiles) -> None:
    """A reply injected after '220 ready' (the response injection of the NO STARTTLS study) is refused."""

    def injecting(sock: socket.socket) -> bool:
        sock.sendall(b"220 hi\r\n")
        readline(sock)
        sock.sendall(b"250-x\r\n250 STARTTLS\r\n")
        readline(sock)
        sock.sendall(b"220 go ahead\r\n250 injected\r\n")
        return False

    port, thread = serve_plain(files, injecting)
    with pytest.raises(StartTLSFailed, match="CVE-2011-0411"):
        starttls_connect("127.0.0.1", port, "smtp", ClientConfig(), server_name="localhost", timeout=TIMEOUT)
    thread.join(TIMEOUT)


def test_server_refuses_commands_pipelined_after_starttls() -> None:
    a, b = socket.socketpair()
    with a, b:
        b.sendall(b"EHLO x\r\nSTARTTLS\r\nRCPT TO:<injected@example.com>\r\n")
        transcript = Transcript("smtp")
        with pytest.raises(StartTLSFailed, match="CVE-2011-0411"):
            run_prelude(a, server_prelude("smtp"), transcript, me="server")
        assert not transcript.tls_began


@interop
def test_asyncio_starttls_against_aiosmtpd(files: TestPKIFiles) -> None:
    config = ClientConfig(trust=TrustStore.from_file(files.root))

    async def main() -> None:
        reader, writer, transcript = await open_starttls_connection(
            "127.0.0.1", port, "smtp", config, server_name="localhost", timeout=TIMEOUT
        )
        writer.write(b"EHLO me\r\n")
        assert (await reader.readline()).startswith(b"250")
        assert writer.get_extra_info("negotiated").server_name == "localhost"
        assert transcript.tls_began
        writer.write(b"QUIT\r\n")
        while not (line := await reader.readline()).startswith(b"221"):
            assert line
        writer.close()
        await writer.wait_closed()

    with aiosmtpd_server(files, tls=True) as port:
        asyncio.run(main())


def test_a_refused_tcp_connect_reads_the_same_on_every_path() -> None:
    """io.sync.connect, io.aio.open_connection and both STARTTLS connects word it alike (io.address.connect_failed)."""
    from glasstls.errors import ConnectionLost
    from glasstls.io import aio
    from glasstls.io.sync import connect

    port = free_port()
    config = ClientConfig(dangerous_skip_verification=True)
    failures: list[ConnectionLost] = []
    for attempt in (
        lambda: connect("127.0.0.1", port, config, timeout=PEER_TIMEOUT),
        lambda: starttls_connect("127.0.0.1", port, "smtp", config, timeout=PEER_TIMEOUT),
        lambda: asyncio.run(aio.open_connection("127.0.0.1", port, config, timeout=PEER_TIMEOUT)),
        lambda: asyncio.run(open_starttls_connection("127.0.0.1", port, "smtp", config, timeout=PEER_TIMEOUT)),
    ):
        with pytest.raises(ConnectionLost) as info:
            attempt()
        failures.append(info.value)
    for error in failures:  # the detail is the OS's words (asyncio words its own)
        assert str(error).startswith(f"TCP connect: connecting to 127.0.0.1:{port} failed: ")
        assert error.step == "TCP connect" and isinstance(error.__cause__, ConnectionRefusedError)


def _session_replies(protocol: str, commands: bytes) -> bytes:
    """What ``serve --starttls``'s minimal session after TLS answers ``commands`` (sent at once, then EOF)."""
    from glasstls.starttls import server_session

    ours, theirs = socket.socketpair()
    ours.settimeout(PEER_TIMEOUT)
    theirs.settimeout(PEER_TIMEOUT)
    replies = bytearray()

    def client() -> None:
        try:
            theirs.sendall(commands)
            theirs.shutdown(socket.SHUT_WR)
        except OSError:  # the session ended before all was sent
            pass
        while data := theirs.recv(65536):
            replies.extend(data)

    reader = threading.Thread(target=client, daemon=True)
    with ours, theirs:
        reader.start()
        run_prelude(ours, server_session(protocol), Transcript(protocol), me="server", after_tls=True)
        ours.close()
        reader.join(PEER_TIMEOUT)
    return bytes(replies)


def test_minimal_sessions_answer_each_command_and_end_on_goodbye() -> None:
    smtp = _session_replies("smtp", b"EHLO me\r\nMAIL FROM:<a@b>\r\nDATA\r\nhello\r\n.\r\nVRFY x\r\nQUIT\r\nNOOP\r\n")
    assert smtp == (
        b"250-localhost greets you over TLS\r\n250-8BITMIME\r\n250 SIZE " + str(MAX_MESSAGE).encode() + b"\r\n"
        b"250 2.0.0 OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 OK: 7 bytes received and discarded\r\n"
        b"502 5.5.2 Command not implemented\r\n221 2.0.0 Bye\r\n"  # nothing after QUIT
    )
    imap = _session_replies("imap", b"a1 CAPABILITY\r\na2 LOGIN u p\r\na3 FETCH 1\r\na4 LOGOUT\r\na5 NOOP\r\n")
    assert imap == (
        b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK CAPABILITY completed\r\na2 OK LOGIN completed\r\n"
        b"a3 BAD command not implemented by glasstls serve\r\n* BYE localhost logging out\r\na4 OK LOGOUT completed\r\n"
    )
    pop3 = _session_replies("pop3", b"CAPA\r\nSTAT\r\nLIST\r\nRETR 1\r\nQUIT\r\nNOOP\r\n")
    assert pop3 == (
        b"+OK capability list follows\r\nUSER\r\n.\r\n+OK 0 0\r\n+OK 0 messages\r\n.\r\n"
        b"-ERR command not implemented by glasstls serve\r\n+OK localhost says bye\r\n"
    )


def test_a_session_ends_when_the_client_closes_or_a_message_is_too_big() -> None:
    assert _session_replies("smtp", b"NOOP\r\n") == b"250 2.0.0 OK\r\n"  # then EOF: the session just ends
    line = b"x" * 1000 + b"\r\n"
    big = b"DATA\r\n" + line * (MAX_MESSAGE // len(line) + 1) + b".\r\nNOOP\r\n"
    assert _session_replies("smtp", big) == b"354 End data with <CR><LF>.<CR><LF>\r\n552 5.3.4 Message too big\r\n"
