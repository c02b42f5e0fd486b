"""Memory per connection pair, each measurement in a fresh subprocess."""

from __future__ import annotations

import gc
import json
import os
import ssl
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glasstls.bench.cases import HANDSHAKE_SUITE
from glasstls.bench.contenders import SslContexts, _pin_openssl, glasstls_configs, glasstls_handshake, ssl_handshake
from glasstls.config import CertificateChain
from glasstls.pki.trust import TrustStore

# -- memory (each measurement in a fresh subprocess) -----------------------------------------------------


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB (peak)


def memory_child(contender: str, pairs: int, directory: Path) -> dict[str, Any]:
    """Per-pair memory of ``pairs`` established connection pairs (run in a subprocess of its own)."""
    files = directory
    make: Callable[[], object]
    if contender == "glasstls":
        chain = CertificateChain.from_files(files / "server-ecdsa.pem", files / "server-ecdsa.key")
        client_config, server_config = glasstls_configs(
            TrustStore.from_file(files / "root.pem"), chain, HANDSHAKE_SUITE
        )

        def make() -> object:
            return glasstls_handshake(client_config, server_config)

    else:
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(cafile=str(files / "root.pem"))
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(str(files / "server-ecdsa.pem"), str(files / "server-ecdsa.key"))
        server.num_tickets = 0
        for ctx in (client, server):
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        pinned = _pin_openssl(client, HANDSHAKE_SUITE) and _pin_openssl(server, HANDSHAKE_SUITE)
        contexts = SslContexts(client, server, HANDSHAKE_SUITE, pinned)

        def make() -> object:
            return ssl_handshake(contexts)

    warm = [make() for _ in range(3)]
    del warm
    gc.collect()
    rss0 = _rss_bytes()
    kept = [make() for _ in range(pairs)]
    gc.collect()
    rss = (_rss_bytes() - rss0) / pairs
    tracemalloc.start()
    gc.collect()
    before = tracemalloc.take_snapshot()
    traced0 = tracemalloc.get_traced_memory()[0]
    kept2 = [make() for _ in range(pairs)]
    gc.collect()
    traced = (tracemalloc.get_traced_memory()[0] - traced0) / pairs
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    top = [
        {"where": _short_path(s.traceback[0].filename), "bytes_per_pair": s.size_diff / pairs}
        for s in after.compare_to(before, "filename")[:8]
    ]
    del kept, kept2
    return {"rss": rss, "tracemalloc": traced, "top": top}


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "src/"):
        if marker in filename:
            return filename.rsplit(marker, 1)[1]
    return filename


def run_memory(contender: str, pairs: int, directory: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "glasstls.bench", "--memory-child", contender, str(pairs), str(directory)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child {contender} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result
