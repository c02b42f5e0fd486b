"""What each handshake message says, as story lines (read from ``glasstls.wire.describe`` views).

One function per message type: the facts a person looks for (versions and suites offered, the key share, the
chain's length, the signature scheme, the size of verify_data). TLS 1.2 and TLS 1.3 share message names but
not meanings, so the functions take ``tls12``: a TLS 1.2 ClientHello has no key shares, its Finished is a PRF
output of 12 bytes, not an HMAC (RFC 5246 section 7.4.9, RFC 8446 section 4.4.4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["MESSAGE_LINES", "Line", "Status", "find_extension", "message_lines", "version_name"]

Status = Literal["ok", "fail", "warn"]


@dataclass
class Line:
    """One line of a section; ``status`` marks a check (passed, failed) or a warning; ``children`` nest."""

    text: str
    status: Status | None = None
    children: list[Line] = field(default_factory=list)


# -- reading describe() views -----------------------------------------------------------------------------


def _extensions(details: Mapping[str, object]) -> list[Mapping[str, object]]:
    exts = details.get("extensions")
    if not isinstance(exts, list):
        return []
    return [e for e in exts if isinstance(e, Mapping)]


def find_extension(details: Mapping[str, object], name: str) -> Mapping[str, object] | None:
    for e in _extensions(details):
        if e.get("extension") == name:
            return e
    return None


def _names(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _hex_size(value: object) -> str:
    """The size of a describe()d byte string: hex, or "<prefix>…(N bytes)" when cut."""
    if not isinstance(value, str):
        return "?"
    if value.endswith(" bytes)") and "…(" in value:
        return value.rsplit("…(", 1)[1].removesuffix(")")
    return f"{len(value) // 2} bytes"


def _text(hexvalue: object) -> str:
    """An ALPN protocol name (describe() shows bytes as hex)."""
    if not isinstance(hexvalue, str):
        return str(hexvalue)
    try:
        return bytes.fromhex(hexvalue).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return hexvalue


def version_name(name: str) -> str:
    return {"TLS13": "TLS 1.3", "TLS12": "TLS 1.2", "TLS11": "TLS 1.1", "TLS10": "TLS 1.0"}.get(name, name)


def _join(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "(none)"


def _client_hello_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    lines: list[Line] = []
    sv = find_extension(d, "SUPPORTED_VERSIONS")
    versions = [version_name(v) for v in _names(sv.get("versions"))] if sv else []
    lines.append(Line(f"versions: {_join(versions or [version_name(str(d.get('legacy_version')))])}"))
    lines.append(Line(f"cipher suites: {_join(_names(d.get('cipher_suites')))}"))
    groups = find_extension(d, "SUPPORTED_GROUPS")
    lines.append(Line(f"key exchange groups: {_join(_names(groups.get('named_group_list')) if groups else [])}"))
    if "TLS 1.3" in versions:  # key shares are TLS 1.3's (RFC 8446 4.2.8); a TLS 1.2 hello has none
        ks = find_extension(d, "KEY_SHARE")
        shares = []
        entries = ks.get("client_shares") if ks else None
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, Mapping):
                    shares.append(f"{entry.get('group')} ({_hex_size(entry.get('key_exchange'))} public key)")
        lines.append(Line(f"key shares: {_join(shares)}"))
    sig = find_extension(d, "SIGNATURE_ALGORITHMS")
    lines.append(Line(f"signature schemes: {_join(_names(sig.get('supported_signature_algorithms')) if sig else [])}"))
    sni = find_extension(d, "SERVER_NAME")
    host = sni.get("host_name") if sni else None
    lines.append(Line(f"server name (SNI): {host}" if host else "server name (SNI): not sent"))
    alpn = find_extension(d, "APPLICATION_LAYER_PROTOCOL_NEGOTIATION")
    protocols = [_text(p) for p in _names(alpn.get("protocol_name_list"))] if alpn else []
    lines.append(Line(f"application protocols (ALPN): {_join(protocols)}"))
    shown = {
        "SUPPORTED_VERSIONS",
        "SUPPORTED_GROUPS",
        "KEY_SHARE",
        "SIGNATURE_ALGORITHMS",
        "SERVER_NAME",
        "APPLICATION_LAYER_PROTOCOL_NEGOTIATION",
    }
    others = [str(e.get("extension")) for e in _extensions(d) if e.get("extension") not in shown]
    if others:
        lines.append(Line(f"other extensions: {_join(others)}"))
    return lines


def _server_hello_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    lines: list[Line] = []
    sv = find_extension(d, "SUPPORTED_VERSIONS")
    if sv:
        lines.append(Line(f"version: {version_name(str(sv.get('selected_version')))} (in supported_versions)"))
    else:  # TLS 1.2 and earlier: the version is legacy_version itself (RFC 5246 7.4.1.3)
        lines.append(Line(f"version: {version_name(str(d.get('legacy_version')))}"))
    lines.append(Line(f"cipher suite: {d.get('cipher_suite')}"))
    ks = find_extension(d, "KEY_SHARE")
    share = ks.get("server_share") if ks else None
    if isinstance(share, Mapping):
        lines.append(Line(f"key share: {share.get('group')} ({_hex_size(share.get('key_exchange'))} public key)"))
    return lines


def _hello_retry_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    lines: list[Line] = [Line(f"cipher suite: {d.get('cipher_suite')}")]
    ks = find_extension(d, "KEY_SHARE")
    if ks and ks.get("selected_group"):
        lines.append(Line(f"wants a key share for: {ks.get('selected_group')}"))
    if find_extension(d, "COOKIE"):
        lines.append(Line("cookie: yes (the client must echo it)"))
    return lines


def _encrypted_extensions_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    names = [str(e.get("extension")) for e in _extensions(d)]
    lines = [Line(f"extensions: {_join(names)}")]
    alpn = find_extension(d, "APPLICATION_LAYER_PROTOCOL_NEGOTIATION")
    if alpn:
        lines.append(Line(f"application protocol: {_join([_text(p) for p in _names(alpn.get('protocol_name_list'))])}"))
    return lines


def _certificate_request_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    if "signature_algorithms" in d:  # TLS 1.2 (RFC 5246 section 7.4.4): plain fields, no extensions
        return [
            Line(f"certificate types accepted: {_join(_names(d.get('certificate_types')))}"),
            Line(f"signature schemes accepted: {_join(_names(d.get('signature_algorithms')))}"),
        ]
    sig = find_extension(d, "SIGNATURE_ALGORITHMS")
    return [
        Line(f"signature schemes accepted: {_join(_names(sig.get('supported_signature_algorithms')) if sig else [])}")
    ]


def _server_key_exchange_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    """TLS 1.2 ECDHE (RFC 8422 section 5.4) or DHE (RFC 5246 section 7.4.3, RFC 7919): the server's ephemeral
    share, signed with its certificate key."""
    group = (
        f"ECDHE group: {d.get('named_group')}"
        if "named_group" in d
        else f"DHE parameters: {_hex_size(d.get('p'))} prime p, generator {_hex_size(d.get('g'))}"
    )
    return [
        Line(f"{group}, server share {_hex_size(d.get('public'))}"),
        Line(f"signed with {d.get('signature_scheme')} over both randoms and the share (authenticates the share)"),
    ]


def _client_key_exchange_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    if d.get("key_exchange") == "RSA":
        return [
            Line(
                f"premaster secret encrypted to the server's RSA key ({d.get('encrypted_premaster')}): "
                "no forward secrecy"
            )
        ]
    return [Line(f"client ECDHE share {_hex_size(d.get('public'))}: both sides now compute the premaster secret")]


def _new_session_ticket_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    lifetime = d.get("ticket_lifetime", d.get("lifetime_hint"))
    return [Line(f"session ticket {_hex_size(d.get('ticket'))}, lifetime {lifetime} s (for resumption)")]


def _server_hello_done_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    return [Line("the server's first flight is complete")]


def _hello_request_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    return [Line("the server asks to renegotiate (refused: no_renegotiation)")]


def _certificate_status_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    return [Line(f"stapled OCSP response {_hex_size(d.get('response'))}")]


def _certificate_message_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    entries = d.get("certificate_list")
    count = len(entries) if isinstance(entries, list) else 0
    return [Line(f"{count} certificate(s) in the message" if count else "no certificate (an empty list)")]


def _certificate_verify_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    return [Line(f"signature scheme: {d.get('algorithm')}, signature {_hex_size(d.get('signature'))}")]


def _finished_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    size = _hex_size(d.get("verify_data"))
    if tls12:  # RFC 5246 section 7.4.9
        return [Line(f"verify_data: {size} (the PRF of the master secret over the hash of the handshake messages)")]
    return [Line(f"verify_data: {size} (HMAC of the transcript hash, RFC 8446 4.4.4)")]


def _key_update_lines(d: Mapping[str, object], tls12: bool) -> list[Line]:
    request = d.get("request_update")
    asks = " (the peer must update its own sending keys too)" if request == "UPDATE_REQUESTED" else ""
    return [Line(f"request_update: {request}{asks}")]


#: The lines of each message type, by its name; each function takes the describe() view and ``tls12``.
MESSAGE_LINES: dict[str, Callable[[Mapping[str, object], bool], list[Line]]] = {
    "CLIENT_HELLO": _client_hello_lines,
    "SERVER_HELLO": _server_hello_lines,
    "HELLO_RETRY_REQUEST": _hello_retry_lines,
    "ENCRYPTED_EXTENSIONS": _encrypted_extensions_lines,
    "CERTIFICATE_REQUEST": _certificate_request_lines,
    "CERTIFICATE": _certificate_message_lines,
    "CERTIFICATE_VERIFY": _certificate_verify_lines,
    "FINISHED": _finished_lines,
    "SERVER_KEY_EXCHANGE": _server_key_exchange_lines,
    "CLIENT_KEY_EXCHANGE": _client_key_exchange_lines,
    "SERVER_HELLO_DONE": _server_hello_done_lines,
    "NEW_SESSION_TICKET": _new_session_ticket_lines,
    "CERTIFICATE_STATUS": _certificate_status_lines,
    "HELLO_REQUEST": _hello_request_lines,
    "KEY_UPDATE": _key_update_lines,
}


def message_lines(message_type: str, details: Mapping[str, object], *, tls12: bool) -> list[Line]:
    """The facts of one message (no lines for a type without a description)."""
    describe_lines = MESSAGE_LINES.get(message_type)
    return describe_lines(details, tls12) if describe_lines is not None else []
