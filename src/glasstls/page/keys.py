"""The key schedule of a connection as stages for the page: TLS 1.3 HKDF stages (RFC 8446 section 7.1), TLS 1.2
premaster secret -> master secret -> key block (RFC 5246 sections 8.1 and 6.3, RFC 7627 section 4).

Labels and inputs only, plus, where the caller supplies them, the values of the secrets that an NSS key log
holds (the demo's throwaway keys, or a key log the user passed explicitly). Whether a stage was reached comes
from the connection's trace (the keys it installed).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from glasstls.trace.events import TraceEvent

__all__ = ["Stage", "key_schedule", "read_secrets"]

#: Key log lines read back from a file given by the user: a key log file grows with every connection; the page
#: needs the few lines of one (TLS 1.3: 5 or 6; TLS 1.2: 1). Read at most this many bytes from its end.
MAX_KEYLOG_READ = 1 << 20


@dataclass(frozen=True)
class Stage:
    """One box of the diagram: ``name`` made from ``inputs`` by ``how`` (``section``); ``keylog``: the NSS
    key log label of its value (if logged); ``reached``: the connection got this far; ``value``: hex or None."""

    name: str
    how: str
    inputs: str
    section: str
    keylog: str | None = None
    reached: bool = True
    value: str | None = None


def _installed(trace: Sequence[TraceEvent], words: str) -> bool:
    return any(e.kind == "keys_installed" and words in e.summary for e in trace)


def key_schedule(version: str, trace: Sequence[TraceEvent], secrets: dict[str, bytes] | None) -> list[Stage]:
    """The stages of ``version`` ("TLS13" or "TLS12"), marked reached from ``trace``, with ``secrets`` by key
    log label when given."""
    found = secrets or {}
    if version == "TLS12":
        kx = any(e.kind == "key_exchange" for e in trace) or _installed(trace, "keys")
        done = _installed(trace, "keys")
        stages = [
            Stage(
                "premaster secret",
                "ECDHE/DHE shared secret, or 48 bytes the client encrypted to the server's RSA key",
                "key exchange messages",
                "RFC 5246 section 8.1, RFC 8422 section 5.10",
                reached=kx,
            ),
            Stage(
                "master secret",
                'PRF(premaster, "extended master secret", session_hash) or PRF(premaster, '
                '"master secret", client_random + server_random)',
                "premaster secret",
                "RFC 5246 section 8.1, RFC 7627 section 4",
                "CLIENT_RANDOM",
                reached=done,
            ),
            Stage(
                "key block",
                'PRF(master secret, "key expansion", server_random + client_random)',
                "master secret",
                "RFC 5246 section 6.3",
                reached=done,
            ),
            Stage(
                "client/server write keys and IVs (and MAC keys for CBC)",
                "cut from the key block in order",
                "key block",
                "RFC 5246 section 6.3",
                reached=done,
            ),
        ]
    else:
        hs = _installed(trace, "handshake traffic")
        ap = _installed(trace, "application traffic")
        stages = [
            Stage(
                "Early Secret",
                "HKDF-Extract(salt 0, IKM PSK or 0)",
                "0 / PSK",
                "RFC 8446 section 7.1",
                reached=hs or ap,
            ),
            Stage(
                "Handshake Secret",
                'HKDF-Extract(salt Derive-Secret(Early Secret, "derived", ""), IKM (EC)DHE shared secret)',
                "Early Secret, (EC)DHE shared secret",
                "RFC 8446 section 7.1",
                reached=hs,
            ),
            Stage(
                "client_handshake_traffic_secret",
                'Derive-Secret(Handshake Secret, "c hs traffic", ClientHello...ServerHello)',
                "Handshake Secret",
                "RFC 8446 section 7.1",
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                reached=hs,
            ),
            Stage(
                "server_handshake_traffic_secret",
                'Derive-Secret(Handshake Secret, "s hs traffic", ClientHello...ServerHello)',
                "Handshake Secret",
                "RFC 8446 section 7.1",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                reached=hs,
            ),
            Stage(
                "Master Secret",
                'HKDF-Extract(salt Derive-Secret(Handshake Secret, "derived", ""), IKM 0)',
                'Handshake Secret, via Derive-Secret(., "derived", "")',
                "RFC 8446 section 7.1",
                reached=ap,
            ),
            Stage(
                "client_application_traffic_secret_0",
                'Derive-Secret(Master Secret, "c ap traffic", ClientHello...server Finished)',
                "Master Secret",
                "RFC 8446 section 7.1",
                "CLIENT_TRAFFIC_SECRET_0",
                reached=ap,
            ),
            Stage(
                "server_application_traffic_secret_0",
                'Derive-Secret(Master Secret, "s ap traffic", ClientHello...server Finished)',
                "Master Secret",
                "RFC 8446 section 7.1",
                "SERVER_TRAFFIC_SECRET_0",
                reached=ap,
            ),
            Stage(
                "exporter_master_secret",
                'Derive-Secret(Master Secret, "exp master", ClientHello...server Finished)',
                "Master Secret",
                "RFC 8446 section 7.1, 7.5",
                "EXPORTER_SECRET",
                reached=ap,
            ),
            Stage(
                "write key and IV of each traffic secret",
                'HKDF-Expand-Label(secret, "key" / "iv", "", length)',
                "each traffic secret",
                "RFC 8446 section 7.3",
                reached=hs,
            ),
        ]
    out = []
    for stage in stages:
        value = found.get(stage.keylog) if stage.keylog else None
        out.append(
            Stage(
                stage.name,
                stage.how,
                stage.inputs,
                stage.section,
                stage.keylog,
                stage.reached,
                value.hex() if value is not None else None,
            )
        )
    return out


def parse_keylog(lines: Sequence[str], client_random: bytes) -> dict[str, bytes]:
    """The secrets of the connection whose ClientHello.random is ``client_random``, by label."""
    wanted = client_random.hex()
    out: dict[str, bytes] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[1].lower() == wanted:
            try:
                out[parts[0]] = bytes.fromhex(parts[2])
            except ValueError:
                continue
    return out


def read_secrets(path: str | os.PathLike[str], client_random: bytes) -> dict[str, bytes]:
    """``parse_keylog`` over the end of the key log file at ``path`` (missing or unreadable: no secrets)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - MAX_KEYLOG_READ))
            text = f.read().decode("ascii", "replace")
    except OSError:
        return {}
    return parse_keylog(text.splitlines(), client_random)
