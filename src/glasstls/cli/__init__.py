"""The ``glasstls`` command line: ``demo``, ``connect``, ``serve``, ``certs`` (entry point: cli/main.py).

This module holds what the commands share: the protocol options and their parsing. The commands move bytes with
``glasstls.io.sync`` (``TLSSocket``, ``TLSServer``); the CLI has no socket pump of its own.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from glasstls.crypto.groups import SUPPORTED_GROUPS
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.trace.keylog import KeyLogFile
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion

__all__ = [
    "CliError",
    "add_protocol_options",
    "open_keylog",
    "parse_alpn",
    "parse_cipher_suites",
    "parse_groups",
    "parse_versions",
]


class CliError(Exception):
    """A command line value that cannot be used: printed as ``error: ...``, exit status 2."""


# -- options shared by connect and serve -------------------------------------------------------------------

_GROUP_ALIASES = {
    "P-256": "SECP256R1",
    "P256": "SECP256R1",
    "PRIME256V1": "SECP256R1",
    "P-384": "SECP384R1",
    "P384": "SECP384R1",
    "P-521": "SECP521R1",
    "P521": "SECP521R1",
}


def _split(values: Sequence[str] | None) -> list[str]:
    """Repeatable options that also accept comma- or colon-separated lists (as OpenSSL does)."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.replace(":", ",").split(",") if part.strip())
    return out


def parse_cipher_suites(values: Sequence[str] | None) -> tuple[CipherSuite, ...] | None:
    """IANA names, case-insensitive (TLS_AES_128_GCM_SHA256); None when none were given."""
    names = _split(values)
    if not names:
        return None
    supported = ", ".join(str(s) for s in TLS13_SUITES)
    out: list[CipherSuite] = []
    for name in names:
        suite = CipherSuite.__members__.get(name.upper())
        if suite is None:
            raise CliError(f"unknown cipher suite {name!r} (TLS 1.3 suites glasstls supports: {supported})")
        if suite not in TLS13_SUITES:
            raise CliError(f"cipher suite {suite} is not supported (glasstls supports: {supported})")
        if suite not in out:
            out.append(suite)
    return tuple(out)


def parse_groups(values: Sequence[str] | None) -> tuple[NamedGroup, ...] | None:
    """IANA names, case-insensitive (x25519, secp256r1, X25519MLKEM768; also P-256); None when none given."""
    names = _split(values)
    if not names:
        return None
    supported = ", ".join(str(g) for g in SUPPORTED_GROUPS)
    out: list[NamedGroup] = []
    for name in names:
        upper = _GROUP_ALIASES.get(name.upper(), name.upper())
        group = NamedGroup.__members__.get(upper)
        if group is None:
            raise CliError(f"unknown group {name!r} (groups glasstls supports: {supported})")
        if group not in SUPPORTED_GROUPS:
            raise CliError(f"group {group} is not supported (glasstls supports: {supported})")
        if group not in out:
            out.append(group)
    return tuple(out)


_VERSIONS = {"1.3": ProtocolVersion.TLS13, "1.2": ProtocolVersion.TLS12}


def parse_versions(minimum: str | None, maximum: str | None) -> tuple[ProtocolVersion, ProtocolVersion]:
    """``--min-version`` / ``--max-version``: "1.3" (or "1.2", which is refused clearly: not supported yet)."""
    for option, value in (("--min-version", minimum), ("--max-version", maximum)):
        if value is None:
            continue
        if value not in _VERSIONS:
            raise CliError(f"{option} {value}: unknown TLS version (use 1.3)")
        if value == "1.2":
            raise CliError(
                f"{option} 1.2: TLS 1.2 is not supported yet; glasstls speaks TLS 1.3 only for now "
                "(leave the option out, or use 1.3)"
            )
    return ProtocolVersion.TLS13, ProtocolVersion.TLS13


def parse_alpn(values: Sequence[str] | None) -> tuple[str, ...]:
    names = [v for v in (part.strip() for value in values or () for part in value.split(",")) if v]
    for name in names:
        if not 1 <= len(name.encode()) <= 255:
            raise CliError(f"ALPN protocol name {name!r} must be 1 to 255 bytes")
    return tuple(dict.fromkeys(names))


def open_keylog(path: str | None) -> KeyLogFile | None:
    """``--keylog FILE``, else the SSLKEYLOGFILE environment variable, else no key log."""
    return KeyLogFile(path) if path else KeyLogFile.from_env()


def add_protocol_options(parser: argparse.ArgumentParser) -> None:
    """The protocol options that connect and serve share."""
    group = parser.add_argument_group("protocol")
    group.add_argument("--alpn", action="append", metavar="PROTO", help="application protocol (repeatable, or a,b)")
    group.add_argument("--min-version", choices=sorted(_VERSIONS), help="lowest TLS version (1.2: not yet)")
    group.add_argument("--max-version", choices=sorted(_VERSIONS), help="highest TLS version (1.2: not yet)")
    group.add_argument(
        "--cipher", action="append", metavar="SUITE", help="TLS 1.3 cipher suite, IANA name (repeatable)"
    )
    group.add_argument(
        "--group", action="append", metavar="GROUP", help="key exchange group: x25519, secp256r1, ... (repeatable)"
    )
    group.add_argument(
        "--keylog", metavar="FILE", help="append NSS key log lines (secrets!) to FILE; SSLKEYLOGFILE works too"
    )
    group.add_argument("--trace", action="store_true", help="show the explained handshake, step by step")
