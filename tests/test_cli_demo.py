"""``glasstls demo``: runs, exits 0, tells every step, explains the two failures, never prints a secret."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path


def test_demo(tmp_path: Path) -> None:
    keylog = tmp_path / "keys.log"
    env = {**os.environ, "SSLKEYLOGFILE": str(keylog), "NO_COLOR": "1"}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "demo"], capture_output=True, text=True, timeout=30, env=env
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 10, f"demo took {elapsed:.1f} s"
    out = proc.stdout

    # The steps, in the order their work began on the one clock (issue 10): the server's whole first flight,
    # then the client's checks of it, its Finished, the data, the close.
    steps = [
        "ClientHello: what the client offers",
        "ServerHello: what the server chose",
        "Key exchange",
        "Handshake keys derived",
        "EncryptedExtensions",
        "Certificate: the server's chain",
        "CertificateVerify: the server proves it holds the key",
        "Finished: server to client",
        "Application keys derived",
        "Certificate verification",
        "Finished: client to server",
        "Client application keys in use",
        "Encrypted application data",
        "Close",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    story = out[out.index("3. The handshake") : out.index("Negotiated:")]
    starts = [float(m) for m in re.findall(r"\(\+([0-9.]+) ms, took", story)]
    assert len(starts) >= len(steps) and starts == sorted(starts)  # never a step before one it depends on
    # What the ClientHello offered and the ServerHello chose, the chain and each check.
    for fact in (
        "cipher suites: TLS_AES_256_GCM_SHA384",
        "key shares: X25519",
        "server name (SNI): localhost",
        "application protocols (ALPN): http/1.1",
        "version: TLS 1.3",
        "(leaf)",
        "(intermediate CA)",
        "(trust anchor, from the trust store)",
        "names: DNS:localhost, IP:127.0.0.1",
        "[ok] client: name:",
        "[ok] client: chain:",
        "[ok] client: validity:",
        "[ok] server: client Finished verify_data matches",
        "close_notify",
        " ms",
    ):
        assert fact in out, fact
    # The two failures, explained.
    assert "wrong.example" in out
    assert "cause: the certificate was issued for other names" in out
    assert "the chain does not lead to a certificate authority we trust" in out
    assert out.count("what to try:") >= 2
    assert "alert unknown_ca" in out

    # Secrets went to the key log, and only there.
    lines = keylog.read_text().splitlines()
    assert any(line.startswith("CLIENT_TRAFFIC_SECRET_0 ") for line in lines)
    for line in lines:
        label, _client_random, secret = line.split()
        assert secret not in out and secret not in proc.stderr, label


def test_demo_rsa_key_exchange_shows_the_seed_tls12_flow() -> None:
    """`glasstls demo --rsa-key-exchange`: the seed's TLS 1.2 flow, with the premaster secret encrypted to the
    server's RSA key, named for what it lacks (forward secrecy), in the order RFC 5246 sends it."""
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "demo", "--rsa-key-exchange"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "a TLS 1.2 connection with the RSA key exchange" in out
    assert "TLS_RSA_WITH_AES_128_GCM_SHA256" in out
    assert "premaster secret encrypted to the server's RSA key" in out
    assert "no forward secrecy" in out.lower()
    steps = [
        "ServerHello: what the server chose",
        "Certificate: the server's chain",
        "ServerHelloDone",
        "ClientKeyExchange",
        "Master secret and keys",
        "ChangeCipherSpec: the client switches",
        "Finished: client to server",
        "ChangeCipherSpec: the server switches",
        "Finished: server to client",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions), positions
    assert "8-byte explicit nonce" in out


def test_demo_tls12_ecdhe() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "demo", "--tls12"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "SERVER_KEY_EXCHANGE" in out and "forward secrecy" in out
    # TLS 1.2 in wire order (RFC 5246 7.3), the ticket before the server's ChangeCipherSpec (RFC 5077 3.3)
    steps = [
        "ServerHello: what the server chose",
        "Certificate: the server's chain",
        "ServerKeyExchange",
        "ServerHelloDone",
        "ClientKeyExchange",
        "ChangeCipherSpec: the client switches",
        "Finished: client to server",
        "NewSessionTicket",
        "ChangeCipherSpec: the server switches",
        "Finished: server to client",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions), positions
    story = out[out.index("3. The handshake") : out.index("Negotiated:")]
    assert "key shares" not in story and "HMAC" not in story  # TLS 1.3 texts (RFC 5246 7.4.1.2, 7.4.9)
    assert "verify_data: 12 bytes" in story
    assert "RSA key transport (no forward secrecy)" not in proc.stdout.split("Negotiated:")[1]
