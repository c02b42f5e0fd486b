"""Client sessions in a file, to resume across runs (``glasstls connect --sess-out FILE`` / ``--sess-in FILE``).

The file holds SECRETS: a TLS 1.3 ticket's resumption PSK or a TLS 1.2 master secret, with which anyone can
resume the session as this client and decrypt recorded resumed connections (TLS 1.2; TLS 1.3 psk_ke). It is
created owner-only (0600), and an existing file readable by others is refused for reading.

Format ``glasstls.sessions/1``: one JSON document (UTF-8): ``{"format", "server", "sessions": [...]}``, each
session the fields of :class:`~glasstls.sessions.ClientSession` with bytes in base64 and times in ISO 8601.
A file is input we did not make this run: it is bounded in size and every field is checked; a bad one is a
``ConfigError`` naming the problem.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from glasstls.errors import ConfigError
from glasstls.sessions import ClientSession, ClientSessionStore
from glasstls.wire.enums import CipherSuite, ProtocolVersion

__all__ = ["FORMAT", "MAX_FILE_BYTES", "load_sessions", "save_sessions", "take_sessions"]

FORMAT = "glasstls.sessions/1"
#: A session file is a few KiB (tickets and the server's chain); 1 MiB bounds what a bad file makes us read.
MAX_FILE_BYTES = 1024 * 1024
#: The most sessions one file holds (a client keeps a few tickets per server).
MAX_SESSIONS = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _as_dict(session: ClientSession) -> dict[str, Any]:
    return {
        "version": session.version.name,
        "cipher_suite": session.cipher_suite.name,
        "secret": _b64(session.secret),
        "ticket": _b64(session.ticket),
        "session_id": _b64(session.session_id),
        "extended_master_secret": session.extended_master_secret,
        "created_at": session.created_at.isoformat(),
        "lifetime": session.lifetime,
        "age_add": session.age_add,
        "alpn": session.alpn,
        "server_name": session.server_name,
        "peer_certificates": [_b64(der) for der in session.peer_certificates],
        "verified_at": session.verified_at.isoformat() if session.verified_at is not None else None,
        "verified_with": session.verified_with,
        "max_early_data": session.max_early_data,  # the ticket's 0-RTT allowance (RFC 8446 section 4.6.1)
    }


def take_sessions(store: ClientSessionStore, key: str, now: datetime) -> list[ClientSession]:
    """Every live session ``store`` keeps for ``key`` (taken out: a TLS 1.3 ticket is used once)."""
    out: list[ClientSession] = []
    for version in (ProtocolVersion.TLS13, ProtocolVersion.TLS12):
        while len(out) < MAX_SESSIONS and (session := store.take(key, version=version, now=now)) is not None:
            out.append(session)
    return out


def save_sessions(path: str | os.PathLike[str], server: str, sessions: Sequence[ClientSession]) -> None:
    """Write ``sessions`` for ``server`` to ``path``, created 0600 (an existing file is made 0600 first)."""
    document = {"format": FORMAT, "server": server, "sessions": [_as_dict(s) for s in sessions[:MAX_SESSIONS]]}
    data = json.dumps(document, indent=1).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode on O_CREAT: make it private before writing
        os.write(fd, data)
    finally:
        os.close(fd)


def _field(entry: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = entry.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"session file: field {name!r} is missing or not a {getattr(kind, '__name__', kind)}")
    return value


def _bytes(entry: dict[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(_field(entry, name, str), validate=True)
    except binascii.Error as e:
        raise ConfigError(f"session file: field {name!r} is not base64") from e


def _time(entry: dict[str, Any], name: str, *, optional: bool = False) -> datetime | None:
    value = entry.get(name)
    if value is None and optional:
        return None
    try:
        moment = datetime.fromisoformat(_field(entry, name, str))
    except ValueError as e:
        raise ConfigError(f"session file: field {name!r} is not an ISO 8601 time") from e
    if moment.tzinfo is None:
        raise ConfigError(f"session file: field {name!r} has no time zone")
    return moment


def _session(entry: Any) -> ClientSession:
    if not isinstance(entry, dict):
        raise ConfigError("session file: a session is not an object")
    version = ProtocolVersion.__members__.get(_field(entry, "version", str))
    suite = CipherSuite.__members__.get(_field(entry, "cipher_suite", str))
    if version not in (ProtocolVersion.TLS13, ProtocolVersion.TLS12) or suite is None:
        raise ConfigError("session file: unknown version or cipher suite")
    alpn, name, how = entry.get("alpn"), entry.get("server_name"), entry.get("verified_with")
    if any(v is not None and not isinstance(v, str) for v in (alpn, name, how)):
        raise ConfigError("session file: alpn, server_name and verified_with are strings or null")
    chain = entry.get("peer_certificates")
    if not isinstance(chain, list) or not all(isinstance(c, str) for c in chain):
        raise ConfigError("session file: peer_certificates is a list of base64 strings")
    created = _time(entry, "created_at")
    assert created is not None
    return ClientSession(
        version=version,
        cipher_suite=suite,
        secret=_bytes(entry, "secret"),
        ticket=_bytes(entry, "ticket"),
        session_id=_bytes(entry, "session_id"),
        extended_master_secret=bool(_field(entry, "extended_master_secret", bool)),
        created_at=created,
        lifetime=_field(entry, "lifetime", int),
        age_add=_field(entry, "age_add", int),
        alpn=alpn,
        server_name=name,
        peer_certificates=tuple(_bytes({"c": c}, "c") for c in chain),
        verified_at=_time(entry, "verified_at", optional=True),
        verified_with=how,
        max_early_data=_field(entry, "max_early_data", int) if "max_early_data" in entry else 0,
    )


def load_sessions(path: str | os.PathLike[str]) -> tuple[str, list[ClientSession]]:
    """The server identity and the sessions in ``path`` (``ConfigError`` for an unreadable, shared or bad file)."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{path}: a session file holds secrets and must be private (chmod 600 {path})")
        with file.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the session file: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes, not a glasstls session file")
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"{path}: not a glasstls session file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ConfigError(f"{path}: not a {FORMAT} file")
    sessions = document.get("sessions")
    if not isinstance(sessions, list) or len(sessions) > MAX_SESSIONS:
        raise ConfigError(f"{path}: 'sessions' is a list of at most {MAX_SESSIONS}")
    server = document.get("server")
    return (server if isinstance(server, str) else ""), [_session(s) for s in sessions]
