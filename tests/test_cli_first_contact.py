"""Issue 11: the command line as a newcomer meets it, each case run as a person types it (``python -m glasstls
...`` as a process): the exit status, no Python traceback, the message; bad input refused before anything is
made or printed; pipes closed early; throwaway directories removed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography import x509

from glasstls.cli import legacy_warnings
from glasstls.events import Negotiated
from glasstls.pki.testpki import TestPKIFiles, make_test_pki
from glasstls.wire import extensions as ext
from glasstls.wire.enums import CipherSuite, ProtocolVersion
from glasstls.wire.messages import ClientHello, HandshakeMessage
from handshake_pair import Pair, client_config, server_config
from peers import require_tool

GLASSTLS = [sys.executable, "-m", "glasstls"]
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a person's shell, with TMPDIR pointing at ``tmp`` so that the test sees every
    throwaway directory the command makes."""
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmp), **extra}
    env.pop("SSLKEYLOGFILE", None)
    env.update(extra)
    return env


def run(
    argv: list[str], tmp: Path, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GLASSTLS, *argv],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env if env is not None else _env(tmp),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def throwaways(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("glasstls-"))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("first-contact-pki"))
    assert pki.files is not None
    return pki.files


# -- bad input: exit 2, one line, before anything else ------------------------------------------------------


def _bad_cases(tmp: Path, files: TestPKIFiles) -> list[tuple[list[str], dict[str, str], str]]:
    junk = tmp / "junk.der"
    junk.write_bytes(b"this is not an OCSP response\n")
    cert = ["--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key)]
    return [
        (["serve", "--port", "70000"], {}, "--port 70000: a port is a number from 0 to 65535"),
        (["serve", "--port", "-1"], {}, "--port -1: a port is a number from 0 to 65535"),
        (["serve", "--cipher", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"], {}, "add --allow-cbc"),
        (["serve", "--cipher", "TLS_RSA_WITH_AES_128_GCM_SHA256"], {}, "add --allow-rsa-key-exchange"),
        (["serve", "--alpn", ""], {}, "--alpn '': an empty protocol name"),
        (["serve", "--keylog", str(tmp / "missing" / "k.txt")], {}, "cannot write the key log there"),
        (["serve", "--keylog", str(tmp)], {}, "that is a directory"),
        (["serve"], {"SSLKEYLOGFILE": str(tmp)}, f"SSLKEYLOGFILE={tmp}: that is a directory"),
        ([*["serve", "--www", "--alpn", "h2"]], {}, "--www answers HTTP/1.x only"),
        (["serve", *cert, "--ocsp-response", str(junk)], {}, "not a DER OCSP response"),
        (["serve", *cert, "--ocsp-response", str(tmp / "missing.der")], {}, "cannot read the OCSP response file"),
        (["connect", "localhost:1", "--idle-timeout", "-1"], {}, "--idle-timeout -1: give a number of seconds"),
        (["connect", "localhost:1", "--alpn", "h2,"], {}, "--alpn 'h2,': an empty protocol name"),
        (["connect", "localhost:1", "--keylog", str(tmp / "missing" / "k.txt")], {}, "cannot write the key log"),
        (["demo", "--keylog", str(tmp)], {}, "--keylog"),
        (["demo"], {"SSLKEYLOGFILE": str(tmp / "missing" / "k.txt")}, "cannot write the key log there"),
    ]


def test_bad_input_is_one_line_and_exit_2_before_anything_happens(tmp_path: Path, files: TestPKIFiles) -> None:
    for argv, extra, message in _bad_cases(tmp_path, files):
        proc = run(argv, tmp_path, env=_env(tmp_path, **extra))
        typed = f"glasstls {shlex.join(argv)}"
        assert proc.returncode == 2, (typed, proc.stderr)
        assert proc.stdout == "", typed
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"glasstls {argv[0]}: error: "), (typed, proc.stderr)
        assert message in lines[0], (typed, lines[0])
        # Nothing was made: no throwaway PKI, no key log file.
        assert throwaways(tmp_path) == [], typed
        assert not (tmp_path / "missing").exists()


def test_port_out_of_range_no_longer_a_traceback(tmp_path: Path) -> None:
    """Before: OverflowError traceback, exit 1, after the throwaway PKI and its warning."""
    proc = run(["serve", "--port", "70000"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr


def test_unknown_option_shows_the_subcommand_usage_help_and_version(tmp_path: Path) -> None:
    proc = run(["serve", "--bogus"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: glasstls serve ") and "unrecognized arguments: --bogus" in proc.stderr
    proc = run(["--help"], tmp_path)
    assert proc.returncode == 0 and "TLS 1.3 and TLS 1.2" in proc.stdout
    proc = run(["--version"], tmp_path)
    assert proc.returncode == 0 and re.fullmatch(r"glasstls \d+\.\d+\.\d+\n", proc.stdout)


# -- keylog ------------------------------------------------------------------------------------------------


def test_demo_keylog_and_its_throwaway_pki(tmp_path: Path) -> None:
    keylog = tmp_path / "keys.txt"
    proc = run(["demo", "--keylog", str(keylog)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = keylog.read_text().splitlines()
    assert any(line.startswith("CLIENT_TRAFFIC_SECRET_0 ") for line in lines)
    assert keylog.stat().st_mode & 0o077 == 0  # secrets: created owner-only
    for line in lines:
        assert line.split()[-1] not in proc.stdout
    assert "removed when the demo ends" in proc.stdout
    assert throwaways(tmp_path) == []  # the PKI (private keys included) is gone

    kept = run(["demo", "--keep-pki"], tmp_path)
    assert kept.returncode == 0
    [name] = throwaways(tmp_path)
    assert f"kept in {tmp_path / name}" in kept.stdout and (tmp_path / name / "server-ecdsa.key").exists()


# -- pipes closed early --------------------------------------------------------------------------------------


def _closed_pipe_run(argv: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    """Standard output is a pipe whose reader is already gone: the first write fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [*GLASSTLS, *argv], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, env=_env(tmp)
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", [["demo"], ["serve", "--port", "0"]])
def test_a_closed_pipe_stops_the_command_quietly(argv: list[str], tmp_path: Path) -> None:
    proc = _closed_pipe_run(argv, tmp_path)
    assert proc.returncode == 141, proc.stderr  # 128 + SIGPIPE, as a Unix tool
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr
    assert throwaways(tmp_path) == []


def test_demo_piped_to_head(tmp_path: Path) -> None:
    command = f"{shlex.join(GLASSTLS)} demo | head -1"
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=TIMEOUT, env=_env(tmp_path))
    assert proc.stdout.startswith("== glasstls demo: a TLS 1.3 connection")
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr, proc.stderr


def _connect_once(port: int) -> None:
    """One whole connection (a handshake and a line of data): the server prints a report for it."""
    argv = [*GLASSTLS, "connect", f"127.0.0.1:{port}", "--insecure", "--idle-timeout", "0.2", "-q"]
    subprocess.run(argv, input=b"x", capture_output=True, timeout=TIMEOUT)


def test_serve_piped_to_head_stops_quietly(tmp_path: Path, files: TestPKIFiles) -> None:
    cert = f"--cert {files.server_ecdsa.cert} --key {files.server_ecdsa.key}"
    command = f"{shlex.join(GLASSTLS)} serve --port 0 {cert} | head -1"
    proc = subprocess.Popen(
        ["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path)
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", first)
        assert match, first
        port = int(match.group(1))
        for _ in range(10):  # once head has gone, the next connection report meets the closed pipe
            _connect_once(port)
            try:
                proc.wait(1)
                break
            except subprocess.TimeoutExpired:
                continue
        assert proc.wait(5) == 0  # the pipeline's status is head's
        err = proc.stderr.read()
        assert "Traceback" not in err and "BrokenPipeError" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- serve without --cert: the hint works when pasted, the throwaway PKI goes away -------------------------------


class _Serve:
    def __init__(self, argv: list[str], tmp: Path, cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            [*GLASSTLS, "serve", "--port", "0", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp),
            cwd=cwd,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.first = self.proc.stdout.readline()
        self.stderr_lines: list[str] = []
        self._got_line = threading.Event()
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", self.first)
        if not match:
            self.proc.kill()
            raise AssertionError(f"first line on standard output: {self.first!r}; stderr: {self.proc.stderr.read()}")
        self.port = int(match.group(1))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line)
            self._got_line.set()

    def stderr_line(self, prefix: str) -> str:
        """The first standard error line starting with ``prefix`` (printed before "listening on")."""
        for _ in range(100):
            found = next((line for line in self.stderr_lines if line.startswith(prefix)), None)
            if found is not None:
                return found
            self._got_line.wait(0.1)
            self._got_line.clear()
        raise AssertionError(f"no line {prefix!r} on standard error: {self.stderr_lines}")

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(10)
        finally:
            self._reader.join(5)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def test_serve_without_cert_prints_a_connect_command_that_works(tmp_path: Path) -> None:
    served = _Serve([], tmp_path)
    try:
        [directory] = throwaways(tmp_path)
        hint = served.stderr_line("try: ")
        assert f"--cafile {tmp_path / directory / 'root.pem'}" in hint and f":{served.port} " in hint
        pasted = subprocess.run(
            hint.removeprefix("try: ").strip() + " --idle-timeout 0.2",
            shell=True,
            input="hello\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert pasted.returncode == 0, pasted.stderr
        assert pasted.stdout == "hello\n"
        assert all(line.startswith(("WARNING:", "try:")) for line in served.stderr_lines[:2])
    finally:
        assert served.stop() == 0
    assert throwaways(tmp_path) == []  # removed on Ctrl-C


def test_serve_removes_its_throwaway_pki_on_sigterm_and_keeps_it_when_asked(tmp_path: Path) -> None:
    served = _Serve([], tmp_path)
    assert len(throwaways(tmp_path)) == 1
    assert served.stop(signal.SIGTERM) == 128 + signal.SIGTERM
    assert throwaways(tmp_path) == []

    kept = _Serve(["--keep-pki"], tmp_path)
    assert kept.stop() == 0
    [directory] = throwaways(tmp_path)
    assert any(f"kept in {tmp_path / directory}" in line for line in kept.stderr_lines), kept.stderr_lines


def test_www_offers_only_what_it_speaks(tmp_path: Path, files: TestPKIFiles) -> None:
    served = _Serve(
        [
            "--www",
            "--alpn",
            "h2,http/1.1",
            "--cert",
            str(files.server_ecdsa.cert),
            "--key",
            str(files.server_ecdsa.key),
        ],
        tmp_path,
    )
    try:
        proc = subprocess.run(
            [*GLASSTLS, "connect", f"localhost:{served.port}", "--cafile", str(files.root), "--alpn", "h2,http/1.1"],
            input="GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=_env(tmp_path),
        )
        assert proc.returncode == 0, proc.stderr
        assert re.search(r"ALPN\s+http/1\.1", proc.stderr), proc.stderr
        assert proc.stdout.startswith("HTTP/1.0 200 OK")
        assert "not offering h2" in served.stderr_line("WARNING: --www")
    finally:
        assert served.stop() == 0


@pytest.mark.interop
def test_www_with_h2_offered_works_with_curl(tmp_path: Path, files: TestPKIFiles) -> None:
    """Before: --www --alpn h2,http/1.1 selected h2 and answered HTTP/1.0, so curl got "Empty reply"."""
    curl = require_tool("curl")
    cert = ["--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key)]
    served = _Serve(["--www", "--alpn", "h2,http/1.1", *cert], tmp_path)
    try:
        proc = subprocess.run(
            [curl, "-sS", "--http2", "--cacert", str(files.root), f"https://localhost:{served.port}/"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert proc.returncode == 0, proc.stderr
        assert "glasstls: your TLS connection" in proc.stdout and "http/1.1" in proc.stdout
    finally:
        assert served.stop() == 0


def test_connect_to_a_closed_pipe_stops_quietly(tmp_path: Path, files: TestPKIFiles) -> None:
    cert = ["--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key)]
    served = _Serve(cert, tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        argv = [*GLASSTLS, "connect", f"localhost:{served.port}", "--cafile", str(files.root), "-q"]
        proc = subprocess.run(
            argv, input="echo me\n", stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT
        )
        assert proc.returncode == 141, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr == ""
    finally:
        os.close(write_end)
        assert served.stop() == 0


def test_the_demos_closing_hints_work_when_pasted(tmp_path: Path) -> None:
    proc = run(["demo"], tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    certs, serve, connect = (line.strip().split("  #")[0] for line in proc.stdout.splitlines()[-3:])
    assert " certs " in certs and " serve " in serve and " connect " in connect
    made = subprocess.run(certs, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert made.returncode == 0, made.stderr
    served = _Serve(shlex.split(serve)[2:], tmp_path, cwd=tmp_path)  # the same arguments, on a free port
    try:
        pasted = subprocess.run(
            connect.replace(":4433", f":{served.port}") + " --idle-timeout 0.2",
            shell=True,
            cwd=tmp_path,
            input="hi\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert pasted.returncode == 0, pasted.stderr
        assert pasted.stdout == "hi\n" and "ClientHello" in pasted.stderr  # --trace: the handshake explained
    finally:
        assert served.stop() == 0


# -- certs and verify -------------------------------------------------------------------------------------------


def test_certs_host_checks_long_names_and_force(tmp_path: Path) -> None:
    proc = run(["certs", str(tmp_path / "pki"), "--host", ""], tmp_path)
    assert proc.returncode == 2 and proc.stderr == "glasstls certs: error: --host '': a host name cannot be empty\n"
    assert not (tmp_path / "pki").exists()

    long_name = f"{'a' * 40}.{'b' * 40}.example"
    proc = run(["certs", str(tmp_path / "pki"), "--host", long_name, "--revocation"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "longer than 64 characters" in proc.stdout and "subjectAltName" in proc.stdout
    leaf = x509.load_pem_x509_certificates((tmp_path / "pki" / "server-ecdsa.pem").read_bytes())[0]
    assert leaf.subject.rfc4514_string() == "CN=glasstls test server"
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == [long_name]

    root = (tmp_path / "pki" / "root.pem").read_bytes()
    proc = run(["certs", str(tmp_path / "pki")], tmp_path)
    assert proc.returncode == 2 and "already holds a test PKI" in proc.stderr and "--force" in proc.stderr
    assert (tmp_path / "pki" / "root.pem").read_bytes() == root  # untouched
    proc = run(["certs", str(tmp_path / "pki"), "--force"], tmp_path)
    assert proc.returncode == 0 and (tmp_path / "pki" / "root.pem").read_bytes() != root


def test_certs_hint_for_another_host_name_passes_the_name_check(tmp_path: Path) -> None:
    proc = run(["certs", "pki", "--host", "example.test"], tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    serve_hint, connect_hint = (line.strip().removeprefix("try: ") for line in proc.stdout.splitlines()[-2:])
    assert " serve " in serve_hint and " connect " in connect_hint
    served = _Serve(shlex.split(serve_hint.replace("--port 4433", ""))[2:], tmp_path, cwd=tmp_path)
    try:
        pasted = subprocess.run(
            connect_hint.replace(":4433", f":{served.port}") + " --idle-timeout 0.2",
            shell=True,
            cwd=tmp_path,
            input="ping\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert pasted.returncode == 0, pasted.stderr
        assert pasted.stdout == "ping\n"
    finally:
        assert served.stop() == 0


def test_verify_a_file_that_is_no_certificate(tmp_path: Path, files: TestPKIFiles) -> None:
    """Before: /etc/passwd gave exit 1 ("not valid DER"), a key file exit 2: the same mistake, two answers."""
    text = tmp_path / "passwd"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n")
    der_key = tmp_path / "key.der"
    der_key.write_bytes(b"\x30\x81\x87" + bytes(0x87))
    for path in (text, files.server_ecdsa.key, der_key):
        proc = run(["verify", str(path)], tmp_path)
        assert proc.returncode == 2, path
        assert (
            proc.stderr == f"glasstls verify: error: the chain file {path} holds no certificate (expected PEM or DER)\n"
        )


# -- the CBC warning, the certificate loader, CI ------------------------------------------------------------------

CBC = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA


def _no_etm(m: HandshakeMessage) -> HandshakeMessage | None:
    if isinstance(m, ClientHello):
        return dataclasses.replace(
            m, extensions=tuple(e for e in m.extensions if not isinstance(e, ext.EncryptThenMac))
        )
    return None


@pytest.mark.parametrize("etm", [True, False])
def test_cbc_warning_says_whether_encrypt_then_mac_was_agreed(etm: bool) -> None:
    legacy = {"allow_legacy_cbc": True}
    pair = Pair(
        client_config(max_version=ProtocolVersion.TLS12, cipher_suites=(CBC,), **legacy), server_config(**legacy)
    )
    if etm:
        pair.handshake()
    else:
        with pair.mutate("client", _no_etm):
            pair.handshake()
    negotiated = pair.client.negotiated
    assert isinstance(negotiated, Negotiated) and negotiated.cipher_suite == CBC
    assert negotiated.encrypt_then_mac is etm
    assert pair.server.negotiated is not None and pair.server.negotiated.encrypt_then_mac is etm
    [warning] = legacy_warnings(negotiated)
    assert ("encrypt_then_mac was agreed" in warning) is etm
    assert ("did not agree to encrypt_then_mac" in warning) is not etm


def test_a_certificate_with_a_negative_serial_is_refused_without_a_warning(tmp_path: Path, files: TestPKIFiles) -> None:
    """cryptography only warns (CryptographyDeprecationWarning) for a serial that is not positive; RFC 5280
    section 4.1.2.2 forbids it. Under -W error the loader must raise its usual ValueError for a negative serial
    (what a random certificate input produced), not the warning."""
    leaf = x509.load_pem_x509_certificates(files.server_ecdsa.cert.read_bytes())[0]
    from cryptography.hazmat.primitives.serialization import Encoding

    der = bytearray(leaf.public_bytes(Encoding.DER))
    serial = leaf.serial_number.to_bytes((leaf.serial_number.bit_length() + 8) // 8, "big")
    at = bytes(der).index(b"\x02" + bytes([len(serial)]) + serial) + 2
    der[at] |= 0x80  # the serial's sign bit: now negative
    path = tmp_path / "negative.der"
    path.write_bytes(bytes(der))
    code = (
        "import sys\nfrom glasstls.crypto.keys import load_der_certificate\n"
        "from pathlib import Path\n"
        "try:\n    load_der_certificate(Path(sys.argv[1]).read_bytes())\n"
        "except ValueError as e:\n    print('refused:', e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code, str(path)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("refused: the certificate's serial number is negative"), proc.stdout
    assert proc.stderr == ""


def test_verify_a_root_with_serial_zero_leaks_no_warning(tmp_path: Path) -> None:
    """Some roots of Mozilla's store carry serial 0; cryptography warns whenever it is read. ``glasstls verify``
    shows it (and the profile judges it) without a warning reaching the user, even under -W error."""
    openssl = require_tool("openssl")
    root = tmp_path / "root0.pem"
    make = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"]
    make += ["-subj", "/CN=zero.example", "-addext", "subjectAltName=DNS:zero.example", "-set_serial", "0"]
    subprocess.run(
        [*make, "-keyout", str(tmp_path / "k.pem"), "-out", str(root)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    argv = [sys.executable, "-W", "error", "-m", "glasstls", "verify", str(root), "--cafile", str(root)]
    proc = subprocess.run([*argv, "--host", "zero.example"], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == "" and "serial: 0" in proc.stdout


def test_ci_script_sets_ci_itself() -> None:
    """So that a missing interop peer fails CI instead of skipping (tests/peers.py reads CI)."""
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^export CI=true$", script, re.MULTILINE)
    assert script.index("export CI=true") < script.index("\nmake test")
