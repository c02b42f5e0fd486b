"""The ``glasstls`` command line: ``demo``, ``connect``, ``serve``, ``certs`` (entry point: cli/main.py).

This module holds what the commands share: the protocol options and their parsing. The commands move bytes with
``glasstls.io.sync`` (``TLSSocket``) and ``glasstls.io.server`` (``TLSServer``); the CLI has no socket pump of its
own.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import NotRequired, TypedDict

from glasstls.crypto.groups import SUPPORTED_GROUPS
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.tls12 import TLS12_SUITES
from glasstls.events import Negotiated
from glasstls.trace.keylog import KeyLogFile
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion

__all__ = [
    "CliError",
    "add_protocol_options",
    "check_idle_timeout",
    "check_listen_address",
    "check_port",
    "command_name",
    "exit_on_sigterm",
    "legacy_flags",
    "legacy_warnings",
    "open_keylog",
    "parse_alpn",
    "parse_cipher_suites",
    "parse_groups",
    "parse_versions",
    "protocol_settings",
    "throwaway_directory",
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


def parse_cipher_suites(
    values: Sequence[str] | None,
    *,
    allow_rsa_key_exchange: bool = False,
    allow_cbc: bool = False,
    allow_dhe: bool = False,
) -> tuple[CipherSuite, ...] | None:
    """IANA names, case-insensitive (TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); None when
    none were given. A TLS 1.2 suite with the RSA key exchange needs ``--allow-rsa-key-exchange``, a CBC suite
    ``--allow-cbc`` (config.py refuses them otherwise; here the message names the option)."""
    names = _split(values)
    if not names:
        return None
    supported = ", ".join(str(s) for s in (*TLS13_SUITES, *TLS12_SUITES))
    out: list[CipherSuite] = []
    for name in names:
        suite = CipherSuite.__members__.get(name.upper())
        if suite is None:
            raise CliError(f"unknown cipher suite {name!r} (glasstls supports: {supported})")
        if suite not in TLS13_SUITES and suite not in TLS12_SUITES:
            raise CliError(f"cipher suite {suite} is not supported (glasstls supports: {supported})")
        t12 = TLS12_SUITES.get(suite)
        if t12 is not None and not t12.forward_secret and not allow_rsa_key_exchange:
            raise CliError(
                f"{suite} uses the RSA key exchange, which has no forward secrecy: add --allow-rsa-key-exchange "
                "if you really need it"
            )
        if t12 is not None and t12.legacy and not allow_cbc:
            raise CliError(f"{suite} is a legacy CBC suite: add --allow-cbc if you really need it")
        if t12 is not None and t12.key_exchange == "DHE_RSA" and not allow_dhe:
            raise CliError(f"{suite} uses finite-field DHE (RFC 7919): add --allow-dhe if you really need it")
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
    """``--min-version`` / ``--max-version``: "1.2" or "1.3"; by default both (TLS 1.3 preferred)."""
    for option, value in (("--min-version", minimum), ("--max-version", maximum)):
        if value is not None and value not in _VERSIONS:
            raise CliError(f"{option} {value}: unknown TLS version (use 1.2 or 1.3)")
    low = _VERSIONS[minimum] if minimum is not None else ProtocolVersion.TLS12
    high = _VERSIONS[maximum] if maximum is not None else ProtocolVersion.TLS13
    if low > high:
        raise CliError(f"--min-version {minimum or '1.2'} is above --max-version {maximum or '1.3'}")
    return low, high


def legacy_flags(negotiated: Negotiated) -> dict[str, bool]:
    """What the negotiated suite gives up, for JSON: ``forward_secrecy`` (False only for the TLS 1.2 RSA key
    exchange), ``legacy_cbc`` (a TLS 1.2 CBC suite) and ``encrypt_then_mac`` (RFC 7366, agreed for it)."""
    t12 = TLS12_SUITES.get(negotiated.cipher_suite)
    return {
        "forward_secrecy": t12.forward_secret if t12 is not None else True,
        "legacy_cbc": t12.legacy if t12 is not None else False,
        "encrypt_then_mac": negotiated.encrypt_then_mac,
    }


def legacy_warnings(negotiated: Negotiated) -> list[str]:
    """The legacy choices this connection made, in plain words (empty for the safe defaults)."""
    t12 = TLS12_SUITES.get(negotiated.cipher_suite)
    if t12 is None:
        return []
    out: list[str] = []
    if not t12.forward_secret:
        out.append(
            f"no forward secrecy: {negotiated.cipher_suite} uses the RSA key exchange; whoever obtains the "
            "server's private key later can decrypt a recording of this connection (--allow-rsa-key-exchange)"
        )
    if t12.legacy:
        how = (
            "encrypt_then_mac was agreed (RFC 7366), which closes the padding oracle, but CBC and HMAC-SHA1 stay "
            "legacy"
            if negotiated.encrypt_then_mac
            else "MAC-then-encrypt: the peer did not agree to encrypt_then_mac (RFC 7366); this is the design "
            "behind padding-oracle attacks such as Lucky13, which glasstls counters"
        )
        out.append(
            f"legacy CBC: {negotiated.cipher_suite} protects records with CBC and HMAC-SHA1; {how} (--allow-cbc)"
        )
    if t12.key_exchange == "DHE_RSA":
        out.append(
            f"legacy DHE: {negotiated.cipher_suite} uses finite-field Diffie-Hellman over {negotiated.group} "
            "(RFC 7919): forward secret, but slower and larger than ECDHE (--allow-dhe)"
        )
    return out


def parse_record_size_limit(limit: int | None) -> int | None:
    """``--record-size-limit N``: RFC 8449 section 4 allows 64..2^14 + 1."""
    if limit is not None and not 64 <= limit <= 2**14 + 1:
        raise CliError(f"--record-size-limit {limit}: must be 64..16385 (RFC 8449 section 4)")
    return limit


class ProtocolSettings(TypedDict):
    """The protocol options (:func:`add_protocol_options`) as ``ClientConfig`` and ``ServerConfig`` both name
    them: ``ClientConfig(**settings, ...)``. The suites and groups are there only when the options name some."""

    alpn_protocols: tuple[str, ...]
    min_version: ProtocolVersion
    max_version: ProtocolVersion
    allow_rsa_key_exchange: bool
    allow_legacy_cbc: bool
    allow_dhe: bool
    require_extended_master_secret: bool
    record_size_limit: int | None
    cipher_suites: NotRequired[tuple[CipherSuite, ...]]
    groups: NotRequired[tuple[NamedGroup, ...]]


def protocol_settings(args: argparse.Namespace) -> ProtocolSettings:
    """The protocol options that connect and serve share, checked (``CliError``) and turned into settings."""
    minimum, maximum = parse_versions(args.min_version, args.max_version)
    suites = parse_cipher_suites(
        args.cipher,
        allow_rsa_key_exchange=args.allow_rsa_key_exchange,
        allow_cbc=args.allow_cbc,
        allow_dhe=args.allow_dhe,
    )
    groups = parse_groups(args.group)
    settings = ProtocolSettings(
        alpn_protocols=parse_alpn(args.alpn),
        min_version=minimum,
        max_version=maximum,
        allow_rsa_key_exchange=bool(args.allow_rsa_key_exchange),
        allow_legacy_cbc=bool(args.allow_cbc),
        allow_dhe=bool(args.allow_dhe),  # --allow-dhe: legacy, named
        require_extended_master_secret=not args.allow_no_ems,  # --allow-no-ems: legacy, named
        record_size_limit=parse_record_size_limit(args.record_size_limit),
    )
    if suites:
        settings["cipher_suites"] = suites
    if groups:
        settings["groups"] = groups
    return settings


def no_ems_warning(args: argparse.Namespace) -> str | None:
    """What ``--allow-no-ems`` gives up, said once at start."""
    if not args.allow_no_ems:
        return None
    return (
        "--allow-no-ems: LEGACY: TLS 1.2 peers without the extended master secret (RFC 7627) are accepted; such "
        "a session is open to the triple-handshake attack, and the trace says so when it happens"
    )


def parse_alpn(values: Sequence[str] | None) -> tuple[str, ...]:
    """``--alpn`` values: repeatable or comma-separated, in order of preference. An empty name (``--alpn ''``,
    ``--alpn h2,``) is refused: RFC 7301 section 3.1 forbids empty protocol names."""
    names: list[str] = []
    for value in values or ():
        for part in value.split(","):
            name = part.strip()
            if not name:
                raise CliError(f"--alpn {value!r}: an empty protocol name (give names such as h2 or http/1.1)")
            if len(name.encode()) > 255:
                raise CliError(f"ALPN protocol name {name!r} must be 1 to 255 bytes (RFC 7301 section 3.1)")
            names.append(name)
    return tuple(dict.fromkeys(names))


def open_keylog(path: str | None) -> KeyLogFile | None:
    """``--keylog FILE``, else the SSLKEYLOGFILE environment variable, else no key log.

    The file is opened at start-up (created owner-only when new: it holds secrets), so that a directory, a
    missing directory or a file we may not write is a clear error before anything else happens, not a failed
    handshake later."""
    source = f"--keylog {path}"
    if not path:
        path = os.environ.get("SSLKEYLOGFILE") or None
        source = f"SSLKEYLOGFILE={path}"
    if path is None:
        return None
    target = Path(path)
    if target.is_dir():
        raise CliError(f"{source}: that is a directory; name a file to append the key log to")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as e:
        raise CliError(f"{source}: cannot write the key log there: {e.strerror or e}") from None
    os.close(fd)
    return KeyLogFile(target)


def check_port(port: int) -> None:
    """``serve --port``: a TCP port number (RFC 793: 16 bits; 0 asks the system for a free one)."""
    if not 0 <= port <= 65535:
        raise CliError(f"--port {port}: a port is a number from 0 to 65535 (0 picks a free one)")


def check_listen_address(host: str, port: int) -> None:
    """``serve --host``: an address this machine can listen on, checked before anything is made or printed."""
    try:
        socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise CliError(f"--host {host}: not an address to listen on ({reason})") from None


def check_idle_timeout(seconds: float) -> None:
    if not math.isfinite(seconds) or seconds < 0:
        raise CliError(f"--idle-timeout {seconds:g}: give a number of seconds, 0 or more")


def command_name() -> str:
    """How a person runs glasstls from here, for hints meant to be pasted: ``glasstls`` when that is on PATH
    and is this installation; else this installation's script (``.venv/bin/glasstls`` after ``make demo``);
    else ``python -m glasstls`` with this interpreter."""
    script = Path(sys.executable).parent / "glasstls"
    found = shutil.which("glasstls")
    if found is not None and script.exists() and Path(found).resolve() == script.resolve():
        return "glasstls"
    if script.exists():
        try:
            return str(script.relative_to(Path.cwd()))
        except ValueError:
            return str(script)
    return f"{sys.executable} -m glasstls"


def throwaway_directory(prefix: str, cleanup: ExitStack | None, *, keep: bool = False) -> Path:
    """A new private temporary directory (mode 0700) for a throwaway PKI, removed when ``cleanup`` closes (or
    when the process exits, without one) unless ``keep``: it holds private keys."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if not keep:
        if cleanup is not None:
            cleanup.callback(shutil.rmtree, directory, ignore_errors=True)
        else:
            import atexit

            atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def exit_on_sigterm() -> None:
    """Make SIGTERM (``kill PID``, a service manager) unwind the command as Ctrl-C does, so that ``finally``
    blocks run and throwaway files are removed; the exit status is 143, as for a process killed by SIGTERM."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


def add_protocol_options(parser: argparse.ArgumentParser) -> None:
    """The protocol options that connect and serve share."""
    group = parser.add_argument_group("protocol")
    group.add_argument("--alpn", action="append", metavar="PROTO", help="application protocol (repeatable, or a,b)")
    group.add_argument("--min-version", choices=sorted(_VERSIONS), help="lowest TLS version (default 1.2)")
    group.add_argument("--max-version", choices=sorted(_VERSIONS), help="highest TLS version (default 1.3)")
    group.add_argument(
        "--cipher", action="append", metavar="SUITE", help="cipher suite, IANA name (repeatable; TLS 1.3 and 1.2)"
    )
    group.add_argument(
        "--allow-rsa-key-exchange",
        action="store_true",
        help="LEGACY: also allow the TLS 1.2 RSA key exchange, which has no forward secrecy",
    )
    group.add_argument(
        "--allow-cbc",
        action="store_true",
        help="LEGACY: also allow the TLS 1.2 CBC suites (HMAC-SHA1, MAC-then-encrypt)",
    )
    group.add_argument(
        "--allow-dhe",
        action="store_true",
        help="LEGACY: also allow the TLS 1.2 DHE_RSA suites (finite-field DHE over the RFC 7919 groups; name "
        "ffdhe groups with --group to use them in TLS 1.3 too)",
    )
    group.add_argument(
        "--allow-no-ems",
        action="store_true",
        help="LEGACY: also accept a TLS 1.2 peer without the extended master secret (RFC 7627); its sessions are "
        "open to the triple-handshake attack",
    )
    group.add_argument(
        "--record-size-limit",
        type=int,
        metavar="N",
        help="RFC 8449 record_size_limit: the largest record plaintext we accept, 64..16385 (offered by a client; "
        "a server answers a client that offers one, by default with the protocol maximum)",
    )
    group.add_argument(
        "--group", action="append", metavar="GROUP", help="key exchange group: x25519, secp256r1, ... (repeatable)"
    )
    group.add_argument(
        "--keylog", metavar="FILE", help="append NSS key log lines (secrets!) to FILE; SSLKEYLOGFILE works too"
    )
    group.add_argument("--trace", action="store_true", help="show the explained handshake, step by step")
