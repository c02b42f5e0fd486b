"""CPU cost of one hostile, maximal ClientHello, run by hand (not collected by pytest: no timed assertion
belongs in the suite; the work bound itself is tested in tests/test_hello_bounds.py).

    .venv/bin/python tests/manual_hello_cost.py [--runs 5]

Each shape is a TLS 1.3 ClientHello that a real server can answer (TLS_AES_128_GCM_SHA256, x25519, a key share,
ecdsa_secp256r1_sha256) padded to the limits of RFC 8446 section 4.1.2 with values the server does not know, all
distinct: 32,766 unknown cipher suites (cipher_suites<2..2^16-2>) and an extensions block (<8..2^16-1>) filled
with one of: unknown supported_groups, unknown signature_algorithms, empty extensions of unknown types, key
shares of unknown groups, or PSK identities. It prints the CPU time (process time, median of ``--runs``) for a
fresh ServerConnection to take the ClientHello, without a trace and with the trace rendered as ``glasstls serve
--trace`` does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(__file__))

from glasstls.cli.output import Output
from glasstls.connection import ServerConnection
from glasstls.errors import TLSError
from glasstls.trace.render import build_story
from glasstls.wire.enums import CipherSuite, ExtensionType, NamedGroup, SignatureScheme
from handshake_pair import server_config

U16_MAX = 0xFFFF


def u16(n: int) -> bytes:
    return n.to_bytes(2, "big")


def vec16(data: bytes) -> bytes:
    return u16(len(data)) + data


def ext(code: int, body: bytes) -> bytes:
    return u16(code) + vec16(body)


def unknown(known: type, count: int, start: int = 0x0100) -> list[int]:
    """``count`` distinct 16-bit values that are not members of ``known`` (GREASE excluded too)."""
    members = {int(m) for m in known}
    out = []
    for v in range(start, U16_MAX):
        if v not in members and not ((v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)):
            out.append(v)
            if len(out) == count:
                return out
    raise ValueError("not enough values")


def core_extensions() -> list[bytes]:
    return [
        ext(ExtensionType.SUPPORTED_VERSIONS, b"\x02\x03\x04"),
        ext(ExtensionType.SUPPORTED_GROUPS, vec16(u16(NamedGroup.X25519))),
        ext(ExtensionType.SIGNATURE_ALGORITHMS, vec16(u16(SignatureScheme.ECDSA_SECP256R1_SHA256))),
        ext(ExtensionType.KEY_SHARE, vec16(u16(NamedGroup.X25519) + vec16(os.urandom(32)))),
    ]


def fill(kind: str, count: int | None) -> list[bytes]:
    """The extensions for ``kind``: ``count`` items of it, or (None) as many as fill the 64 KiB block."""
    core = core_extensions()
    room = U16_MAX - sum(map(len, core))
    if kind == "supported_groups":
        groups = [NamedGroup.X25519, *unknown(NamedGroup, count or (room - 6) // 2)]
        core[1] = ext(ExtensionType.SUPPORTED_GROUPS, vec16(b"".join(map(u16, groups))))
    elif kind == "signature_algorithms":
        schemes = [SignatureScheme.ECDSA_SECP256R1_SHA256, *unknown(SignatureScheme, count or (room - 6) // 2)]
        core[2] = ext(ExtensionType.SIGNATURE_ALGORITHMS, vec16(b"".join(map(u16, schemes))))
    elif kind == "unknown extensions":
        codes = unknown(ExtensionType, count or room // 4, start=0x1000)
        core += [ext(code, b"") for code in codes]
    elif kind == "key shares":
        entries = b"".join(u16(g) + vec16(b"\x01") for g in unknown(NamedGroup, count or (room - 4) // 5))
        core[3] = ext(ExtensionType.KEY_SHARE, vec16(u16(NamedGroup.X25519) + vec16(os.urandom(32)) + entries))
    elif kind == "psk identities":
        modes = ext(ExtensionType.PSK_KEY_EXCHANGE_MODES, b"\x01\x01")
        n = count or (room - len(modes) - 8) // (9 + 33)  # identity: ticket (3 bytes here) + age; binder: 33
        identities = b"".join(vec16(i.to_bytes(2, "big") + b"t") + b"\x00\x00\x00\x00" for i in range(n))
        binders = b"".join(b"\x20" + bytes(32) for _ in range(n))
        core += [modes, ext(ExtensionType.PRE_SHARED_KEY, vec16(identities) + vec16(binders))]
    elif kind == "alpn names":
        names = b"".join(b"\x01" + bytes((i % 256,)) for i in range(count or (room - 6) // 2))
        core.append(ext(ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, vec16(names)))
    return core


def client_hello(kind: str, suites_count: int, count: int | None) -> bytes:
    suites = [CipherSuite.TLS_AES_128_GCM_SHA256, *unknown(CipherSuite, suites_count - 1)]
    if kind == "all at their bounds":
        parts = [fill(k, n) for k, n in ALL_AT_BOUNDS.items()]
        merged = core_extensions()
        merged[1], merged[2], merged[3] = parts[0][1], parts[1][2], parts[3][3]
        psk = parts[4][-2:]
        exts = b"".join(merged + parts[2][4:] + parts[5][-1:] + psk)
    else:
        exts = b"".join(fill(kind, count))
    assert len(exts) <= U16_MAX, (kind, len(exts))
    body = b"".join(
        (b"\x03\x03", os.urandom(32), b"\x20" + os.urandom(32), vec16(b"".join(map(u16, suites))), b"\x01\x00")
    ) + vec16(exts)
    message = b"\x01" + len(body).to_bytes(3, "big") + body
    records = []
    for i in range(0, len(message), 2**14):
        chunk = message[i : i + 2**14]
        records.append(b"\x16\x03\x01" + u16(len(chunk)) + chunk)
    return b"".join(records)


def cost(hello: bytes, traced: bool, runs: int) -> tuple[float, str]:
    times = []
    outcome = ""
    for _ in range(runs):
        conn = ServerConnection(server_config())
        start = time.process_time()
        try:
            conn.receive_data(hello)
            outcome = f"answered ({len(conn.data_to_send())} bytes)"
        except TLSError as e:
            outcome = f"refused: {e.alert}: {e}"
        if traced:
            out = Output(open(os.devnull, "w"), rich_output=False)  # noqa: SIM115
            out.story(build_story(conn.trace, negotiated=None, negotiated_side="server"), about=False)
        times.append(time.process_time() - start)
    return statistics.median(times), outcome


KINDS = ["supported_groups", "signature_algorithms", "unknown extensions", "key shares", "psk identities", "alpn names"]
#: The largest hello glasstls still examines: every list one item below its bound (wire/limits.py); 249 unknown
#: extensions beside the 7 known ones.
ALL_AT_BOUNDS = {
    "supported_groups": 254,
    "signature_algorithms": 254,
    "unknown extensions": 249,
    "key shares": 62,
    "psk identities": 63,
    "alpn names": 255,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kinds", nargs="*", default=KINDS, choices=KINDS)
    args = parser.parse_args()
    show: Callable[[str], None] = print
    show(f"CPU time per ClientHello of unknown values (median of {args.runs}):")
    shapes = [(f"32766 suites + maximal {kind}", kind, 32767, None) for kind in args.kinds]
    shapes += [(f"1023 suites + maximal {kind}", kind, 1024, None) for kind in args.kinds]
    shapes.append(("1023 suites + every list at its bound", "all at their bounds", 1023, None))
    for label, kind, suites, count in shapes:
        hello = client_hello(kind, suites, count)
        plain, outcome = cost(hello, False, args.runs)
        traced, _ = cost(hello, True, args.runs)
        show(f"  {label:45} {len(hello):6} bytes: {plain * 1000:7.1f} ms, traced {traced * 1000:7.1f} ms")
        show(f"      {outcome[:112]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
