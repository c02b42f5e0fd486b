"""The human renderer: a trace told as the story of the handshake, in the order a person learns it.

A connection's trace (:attr:`glasstls.connection.ClientConnection.trace`) is a list of :class:`TraceEvent`,
one per step, in the order the code did them. People learn TLS 1.3 in another order: what the client offers,
what the server chooses, the shared secret, the keys, the certificate and its checks, the proofs (CertificateVerify,
Finished), then encrypted data. :func:`build_story` groups the events (of one side, or of both sides on one
clock) into those :class:`Section` s, each with what the step is for, what was said and checked, and the time
it took. :func:`render_plain` prints the story as plain text; ``glasstls.cli.output`` draws it with colour.

Nothing here re-derives a protocol fact: everything comes from the trace (``details`` are
``glasstls.wire.describe`` views of the messages) and from :class:`~glasstls.events.Negotiated`. Nothing here
prints a secret: the trace carries labels and public values only (DESIGN rule 9).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509

from glasstls.events import Negotiated
from glasstls.pki.verify import describe_certificate
from glasstls.trace.events import TraceEvent
from glasstls.wire.enums import ProtocolVersion

__all__ = [
    "SECTIONS",
    "Line",
    "Section",
    "build_story",
    "certificate_lines",
    "negotiated_as_dict",
    "negotiated_summary",
    "render_plain",
]

Status = Literal["ok", "fail", "warn"]


@dataclass
class Line:
    """One line of a section; ``status`` marks a check (passed, failed) or a warning; ``children`` nest."""

    text: str
    status: Status | None = None
    children: list[Line] = field(default_factory=list)


@dataclass
class Section:
    """One step of the story. ``start``: seconds from the first event to this step's first event;
    ``duration``: the time spent on this step (each event is charged the time since the event before it, on
    either side, network waits included, so the steps add up to the whole connection)."""

    key: str
    title: str
    about: str
    start: float
    duration: float
    lines: list[Line]

    @property
    def failed(self) -> bool:
        return any(_has_fail(line) for line in self.lines)


def _has_fail(line: Line) -> bool:
    return line.status == "fail" or any(_has_fail(c) for c in line.children)


#: The story's sections, in the order a person learns the handshake: (key, title, what it is for).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "client_hello",
        "ClientHello: what the client offers",
        "The client says which versions, cipher suites, key exchange groups and signature schemes it "
        "supports, and sends a key share so that one round trip can suffice (RFC 8446 4.1.2).",
    ),
    (
        "hello_retry",
        "HelloRetryRequest: the server asks for another key share",
        "None of the client's key shares suits the server; it names the group it wants and the client "
        "sends a second ClientHello (RFC 8446 4.1.4).",
    ),
    (
        "server_hello",
        "ServerHello: what the server chose",
        "The server picks one version, one cipher suite and one group, and sends its own key share "
        "(RFC 8446 4.1.3). Everything after this is encrypted.",
    ),
    (
        "key_exchange",
        "Key exchange",
        "Each side combines its private key share with the other's public share: both now hold the same "
        "secret, which never crossed the wire (RFC 8446 7.4).",
    ),
    (
        "handshake_keys",
        "Handshake keys derived",
        "HKDF turns the shared secret into one key per direction to encrypt the rest of the handshake "
        "(RFC 8446 7.1). Only labels are shown: secrets go to a key log, and only if you ask (--keylog).",
    ),
    (
        "encrypted_extensions",
        "EncryptedExtensions: the server's other answers",
        "Answers that need no key exchange, sent encrypted: the application protocol (ALPN), "
        "acknowledgement of the server name (RFC 8446 4.3.1).",
    ),
    (
        "certificate_request",
        "CertificateRequest: the server asks who the client is",
        "The server wants a client certificate (mutual TLS, RFC 8446 4.3.2).",
    ),
    (
        "server_certificate",
        "Certificate: the server's chain",
        "The server sends its certificate, then the intermediate CA certificates that lead towards a root "
        "the client trusts (RFC 8446 4.4.2).",
    ),
    (
        "verification",
        "Certificate verification: the client checks the chain",
        "Is the chain complete and trusted, is each signature good, is each certificate in date, is it "
        "for this host name, and for a TLS server? (RFC 5280 section 6, RFC 6125)",
    ),
    (
        "certificate_verify",
        "CertificateVerify: the server proves it holds the key",
        "A signature over the handshake so far, with the certificate's private key: the certificate was "
        "not just copied (RFC 8446 4.4.3).",
    ),
    (
        "server_finished",
        "Finished: server to client",
        "An HMAC over the whole handshake with a key from the shared secret: nothing was altered on the way "
        "(RFC 8446 4.4.4).",
    ),
    (
        "application_keys",
        "Application keys derived",
        "Fresh keys for the application data, one per direction, from the master secret and the complete "
        "handshake (RFC 8446 7.1).",
    ),
    (
        "client_certificate",
        "Certificate: the client's chain",
        "The client answers the CertificateRequest with its certificate (or an empty list) (RFC 8446 4.4.2).",
    ),
    (
        "client_verification",
        "Client certificate verification: the server checks the client",
        "The same chain checks, for a TLS client certificate (RFC 5280 section 6).",
    ),
    (
        "client_certificate_verify",
        "CertificateVerify: the client proves it holds the key",
        "The client signs the handshake with its certificate's key (RFC 8446 4.4.3).",
    ),
    (
        "client_finished",
        "Finished: client to server",
        "The client's HMAC over the handshake: the server now knows nothing was altered either (RFC 8446 4.4.4).",
    ),
    (
        "complete",
        "Handshake complete",
        "Both sides are authenticated (as configured) and share fresh keys.",
    ),
    (
        "tickets",
        "NewSessionTicket: a ticket to resume later",
        "The server may send tickets that let the client resume without a full handshake (RFC 8446 4.6.1).",
    ),
    (
        "application_data",
        "Encrypted application data",
        "Records of type application_data, encrypted and authenticated with the application keys (RFC 8446 5.2).",
    ),
    (
        "close",
        "Close",
        "Each side sends a close_notify alert: the data was not cut short (RFC 8446 6.1).",
    ),
    (
        "failure",
        "Failure",
        "The connection failed: the side that noticed sends a fatal alert and closes (RFC 8446 6.2).",
    ),
)

_ORDER = {key: i for i, (key, _, _) in enumerate(SECTIONS)}
_TITLES = {key: (title, about) for key, title, about in SECTIONS}

#: TLS 1.2 (RFC 5246 section 7.3) tells the story in another order, in the clear until ChangeCipherSpec: the
#: certificate and its checks come before the key exchange, which the ServerKeyExchange/ClientKeyExchange carry.
SECTIONS12_ORDER: tuple[str, ...] = (
    "client_hello",
    "server_hello",
    "server_certificate",
    "verification",
    "certificate_request",
    "key_exchange",
    "client_certificate",
    "client_verification",
    "client_certificate_verify",
    "application_keys",
    "client_finished",
    "tickets",
    "server_finished",
    "complete",
    "application_data",
    "close",
    "failure",
)
_ORDER12 = {key: i for i, key in enumerate(SECTIONS12_ORDER)}
_TITLES12: dict[str, tuple[str, str]] = {
    "server_hello": (
        "ServerHello: what the server chose",
        "The server picks TLS 1.2 and one cipher suite, which fixes the key exchange (ECDHE, or the legacy RSA "
        "key transport), the record cipher and the PRF hash (RFC 5246 7.4.1.3). The handshake stays in the clear "
        "until ChangeCipherSpec.",
    ),
    "server_certificate": (
        "Certificate: the server's chain",
        "The server sends its certificate and the intermediate CA certificates, in the clear (RFC 5246 7.4.2).",
    ),
    "key_exchange": (
        "Key exchange",
        "ECDHE: the server sends an ephemeral public key signed with its certificate key (ServerKeyExchange), the "
        "client answers with its own (ClientKeyExchange); both compute the premaster secret, and forward secrecy "
        "holds. RSA key transport: the client encrypts a random premaster secret to the server's RSA key; whoever "
        "later gets that key can decrypt the session (RFC 5246 7.4.3, 7.4.7; RFC 8422).",
    ),
    "application_keys": (
        "Master secret and keys",
        "The PRF turns the premaster secret into the master secret (with the extended master secret, bound to the "
        "whole handshake, RFC 7627), then into one key per direction; ChangeCipherSpec switches each direction to "
        "them (RFC 5246 6.3, 7.1, 8.1).",
    ),
    "client_finished": (
        "Finished: client to server",
        "The client's PRF over the whole handshake, the first message under the new keys (RFC 5246 7.4.9).",
    ),
    "server_finished": (
        "Finished: server to client",
        "The server's PRF over the whole handshake: both sides saw the same messages (RFC 5246 7.4.9).",
    ),
    "tickets": (
        "NewSessionTicket: a ticket to resume later",
        "Sent before the server's ChangeCipherSpec: the session state, encrypted with a key only the server knows "
        "(RFC 5077 3.3).",
    ),
    "application_data": (
        "Encrypted application data",
        "Records of type application_data, encrypted and authenticated with the keys from the master secret "
        "(RFC 5246 6.2.3).",
    ),
    "close": ("Close", "Each side sends a close_notify alert: the data was not cut short (RFC 5246 7.2.1)."),
}

_MESSAGE_SECTIONS = {
    "CLIENT_HELLO": "client_hello",
    "HELLO_RETRY_REQUEST": "hello_retry",
    "SERVER_HELLO": "server_hello",
    "ENCRYPTED_EXTENSIONS": "encrypted_extensions",
    "CERTIFICATE_REQUEST": "certificate_request",
    "NEW_SESSION_TICKET": "tickets",
    "KEY_UPDATE": "application_data",
    # TLS 1.2 (RFC 5246 section 7.3)
    "SERVER_KEY_EXCHANGE": "key_exchange",
    "CLIENT_KEY_EXCHANGE": "key_exchange",
    "SERVER_HELLO_DONE": "key_exchange",
    "CERTIFICATE_STATUS": "server_certificate",
}
_BY_SENDER = {
    "CERTIFICATE": ("server_certificate", "client_certificate"),
    "CERTIFICATE_VERIFY": ("certificate_verify", "client_certificate_verify"),
    "FINISHED": ("server_finished", "client_finished"),
}
_STEP_SECTIONS = {
    "EncryptedExtensions": "encrypted_extensions",
    "CertificateRequest": "certificate_request",
    "server Certificate": "server_certificate",
    "certificate verification": "verification",
    "server CertificateVerify": "certificate_verify",
    "server Finished": "server_finished",
    "client Certificate": "client_certificate",
    "client certificate verification": "client_verification",
    "client CertificateVerify": "client_certificate_verify",
    "client Finished": "client_finished",
    "handshake complete": "complete",
    "NewSessionTicket": "tickets",
    "KeyUpdate": "application_data",
    "ServerKeyExchange": "key_exchange",
    "ClientKeyExchange": "key_exchange",
    "ChangeCipherSpec": "application_keys",
    "CertificateStatus": "server_certificate",
    "application data": "application_data",
    "close": "close",
}


def _other(side: str) -> str:
    return "server" if side == "client" else "client"


def _message_type(event: TraceEvent) -> str:
    value = event.details.get("type")
    return value if isinstance(value, str) else event.step


def _section_of(event: TraceEvent) -> str | None:
    """The story section an event belongs to (None: the same as the event before it)."""
    kind = event.kind
    if kind in ("message_sent", "message_received"):
        msg = _message_type(event)
        sender = event.side if kind == "message_sent" else _other(event.side)
        if msg in _BY_SENDER:
            server_key, client_key = _BY_SENDER[msg]
            return server_key if sender == "server" else client_key
        return _MESSAGE_SECTIONS.get(msg)
    if kind == "alert_sent" and event.ok is False:
        return "failure"
    if kind == "alert_received":
        return "close" if "CLOSE_NOTIFY" in event.summary else "failure"
    if event.ok is False and kind == "info":
        return "failure"
    if kind == "key_exchange":
        return "key_exchange"
    if kind == "keys_installed":
        label = str(event.details.get("secret", ""))
        if event.step == "KeyUpdate":
            return "application_data"
        return "handshake_keys" if "handshake" in label else "application_keys"
    summary = event.summary.lower()
    if "another clienthello" in summary or "asking the client for one" in summary:
        return "hello_retry"
    if "asks for a client certificate" in summary:
        return "certificate_request"
    if event.step == "ClientHello":
        if event.side == "client" or kind == "check":
            return "client_hello"
        return "server_hello"
    if event.step == "ServerHello":
        return "server_hello"
    return _STEP_SECTIONS.get(event.step)


# -- reading describe() views -----------------------------------------------------------------------------


def _extensions(details: Mapping[str, object]) -> list[Mapping[str, object]]:
    exts = details.get("extensions")
    if not isinstance(exts, list):
        return []
    return [e for e in exts if isinstance(e, Mapping)]


def _find(details: Mapping[str, object], name: str) -> Mapping[str, object] | None:
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


def _version(name: str) -> str:
    return {"TLS13": "TLS 1.3", "TLS12": "TLS 1.2", "TLS11": "TLS 1.1", "TLS10": "TLS 1.0"}.get(name, name)


def _join(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "(none)"


def _client_hello_lines(d: Mapping[str, object]) -> list[Line]:
    lines: list[Line] = []
    sv = _find(d, "SUPPORTED_VERSIONS")
    versions = [_version(v) for v in _names(sv.get("versions"))] if sv else []
    lines.append(Line(f"versions: {_join(versions or [_version(str(d.get('legacy_version')))])}"))
    lines.append(Line(f"cipher suites: {_join(_names(d.get('cipher_suites')))}"))
    groups = _find(d, "SUPPORTED_GROUPS")
    lines.append(Line(f"key exchange groups: {_join(_names(groups.get('named_group_list')) if groups else [])}"))
    ks = _find(d, "KEY_SHARE")
    shares = []
    entries = ks.get("client_shares") if ks else None
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, Mapping):
                shares.append(f"{entry.get('group')} ({_hex_size(entry.get('key_exchange'))} public key)")
    lines.append(Line(f"key shares: {_join(shares)}"))
    sig = _find(d, "SIGNATURE_ALGORITHMS")
    lines.append(Line(f"signature schemes: {_join(_names(sig.get('supported_signature_algorithms')) if sig else [])}"))
    sni = _find(d, "SERVER_NAME")
    host = sni.get("host_name") if sni else None
    lines.append(Line(f"server name (SNI): {host}" if host else "server name (SNI): not sent"))
    alpn = _find(d, "APPLICATION_LAYER_PROTOCOL_NEGOTIATION")
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


def _server_hello_lines(d: Mapping[str, object]) -> list[Line]:
    lines: list[Line] = []
    sv = _find(d, "SUPPORTED_VERSIONS")
    if sv:
        lines.append(Line(f"version: {_version(str(sv.get('selected_version')))} (in supported_versions)"))
    lines.append(Line(f"cipher suite: {d.get('cipher_suite')}"))
    ks = _find(d, "KEY_SHARE")
    share = ks.get("server_share") if ks else None
    if isinstance(share, Mapping):
        lines.append(Line(f"key share: {share.get('group')} ({_hex_size(share.get('key_exchange'))} public key)"))
    return lines


def _hello_retry_lines(d: Mapping[str, object]) -> list[Line]:
    lines: list[Line] = [Line(f"cipher suite: {d.get('cipher_suite')}")]
    ks = _find(d, "KEY_SHARE")
    if ks and ks.get("selected_group"):
        lines.append(Line(f"wants a key share for: {ks.get('selected_group')}"))
    if _find(d, "COOKIE"):
        lines.append(Line("cookie: yes (the client must echo it)"))
    return lines


def _encrypted_extensions_lines(d: Mapping[str, object]) -> list[Line]:
    names = [str(e.get("extension")) for e in _extensions(d)]
    lines = [Line(f"extensions: {_join(names)}")]
    alpn = _find(d, "APPLICATION_LAYER_PROTOCOL_NEGOTIATION")
    if alpn:
        lines.append(Line(f"application protocol: {_join([_text(p) for p in _names(alpn.get('protocol_name_list'))])}"))
    return lines


def _certificate_request_lines(d: Mapping[str, object]) -> list[Line]:
    if "signature_algorithms" in d:  # TLS 1.2 (RFC 5246 section 7.4.4): a plain field, no extension
        return [Line(f"signature schemes accepted: {_join(_names(d.get('signature_algorithms')))}")]
    sig = _find(d, "SIGNATURE_ALGORITHMS")
    return [
        Line(f"signature schemes accepted: {_join(_names(sig.get('supported_signature_algorithms')) if sig else [])}")
    ]


def _server_key_exchange_lines(d: Mapping[str, object]) -> list[Line]:
    """TLS 1.2 ECDHE (RFC 8422 section 5.4): the server's ephemeral share, signed with its certificate key."""
    return [
        Line(f"ECDHE group: {d.get('named_group')}, server share {_hex_size(d.get('public'))}"),
        Line(f"signed with {d.get('signature_scheme')} over both randoms and the share (authenticates the share)"),
    ]


def _client_key_exchange_lines(d: Mapping[str, object]) -> list[Line]:
    if d.get("key_exchange") == "RSA":
        return [
            Line(
                f"premaster secret encrypted to the server's RSA key ({d.get('encrypted_premaster')}): "
                "no forward secrecy"
            )
        ]
    return [Line(f"client ECDHE share {_hex_size(d.get('public'))}: both sides now compute the premaster secret")]


def _new_session_ticket_lines(d: Mapping[str, object]) -> list[Line]:
    lifetime = d.get("ticket_lifetime", d.get("lifetime_hint"))
    return [Line(f"session ticket {_hex_size(d.get('ticket'))}, lifetime {lifetime} s (for resumption)")]


def _server_hello_done_lines(d: Mapping[str, object]) -> list[Line]:
    return [Line("the server's first flight is complete")]


def _hello_request_lines(d: Mapping[str, object]) -> list[Line]:
    return [Line("the server asks to renegotiate (refused: no_renegotiation)")]


def _certificate_status_lines(d: Mapping[str, object]) -> list[Line]:
    return [Line(f"stapled OCSP response {_hex_size(d.get('response'))}")]


def _certificate_message_lines(d: Mapping[str, object]) -> list[Line]:
    entries = d.get("certificate_list")
    count = len(entries) if isinstance(entries, list) else 0
    return [Line(f"{count} certificate(s) in the message" if count else "no certificate (an empty list)")]


def _certificate_verify_lines(d: Mapping[str, object]) -> list[Line]:
    return [Line(f"signature scheme: {d.get('algorithm')}, signature {_hex_size(d.get('signature'))}")]


def _finished_lines(d: Mapping[str, object]) -> list[Line]:
    return [Line(f"verify_data: {_hex_size(d.get('verify_data'))} (HMAC of the transcript hash)")]


_MESSAGE_LINES = {
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
}


# -- certificates ----------------------------------------------------------------------------------------


def certificate_lines(chain: Sequence[x509.Certificate], *, anchors: int = 0) -> list[Line]:
    """One line per certificate (subject) with its facts as children: issuer, validity, names, key.

    The last ``anchors`` certificates are labelled as coming from the trust store rather than the peer.
    """
    out: list[Line] = []
    for i, cert in enumerate(chain):
        facts = describe_certificate(cert)
        from_store = i >= len(chain) - anchors
        if i == 0:
            role = "leaf"
        elif from_store:
            role = "trust anchor, from the trust store"
        else:
            role = "intermediate CA" if facts["is_ca"] else "extra certificate"
        key = f"{facts['key_type']}" + (f" {facts['key_size']} bits" if facts["key_size"] else "")
        children = [
            Line(f"issuer: {facts['issuer']}"),
            Line(f"valid: {_day(facts['not_before'])} to {_day(facts['not_after'])}"),
        ]
        names = facts["subject_alt_names"]
        if isinstance(names, list) and names:
            children.append(Line(f"names: {', '.join(str(n) for n in names)}"))
        children.append(Line(f"key: {key}"))
        out.append(Line(f"[{i}] {facts['subject']} ({role})", children=children))
    return out


def _day(iso: object) -> str:
    text = str(iso)
    return text.replace("T", " ").replace("+00:00", " UTC")


# -- the story --------------------------------------------------------------------------------------------


def _status(ok: bool | None) -> Status | None:
    if ok is None:
        return None
    return "ok" if ok else "fail"


def _arrow(event: TraceEvent) -> str:
    sender = event.side if event.kind == "message_sent" else _other(event.side)
    return f"{sender} -> {_other(sender)}"


def build_story(
    events: Iterable[TraceEvent],
    *,
    negotiated: Negotiated | None = None,
    negotiated_side: Literal["client", "server"] = "client",
) -> list[Section]:
    """Group ``events`` (one side's trace, or both sides' on one clock) into the story's sections.

    ``negotiated`` (one side's view, ``negotiated_side``) adds the facts of the peer's certificates: the
    client's view gives the server's chain (with the trust anchor it was verified against), the server's view
    gives the client's certificate.
    """
    ordered = sorted(events, key=lambda e: (e.time, e.seq))
    if not ordered:
        return []
    # TLS 1.2 sends its whole handshake in the clear until ChangeCipherSpec (RFC 5246 section 7.1).
    tls12 = negotiated is not None and negotiated.version == ProtocolVersion.TLS12
    both = len({e.side for e in ordered}) > 1
    t0 = ordered[0].time
    grouped: dict[str, list[TraceEvent]] = {}
    spent: dict[str, float] = {}
    last_key = "client_hello"
    previous = t0
    for event in ordered:
        key = _section_of(event) or last_key
        grouped.setdefault(key, []).append(event)
        # The time since the previous event (on either side) is spent on this event's step: the steps'
        # durations add up to the whole handshake, network waits included.
        spent[key] = spent.get(key, 0.0) + max(event.time - previous, 0.0)
        previous = event.time
        last_key = key

    sections: list[Section] = []
    order = _ORDER12 if tls12 else _ORDER
    for key in sorted(grouped, key=lambda k: order.get(k, len(order))):
        group = grouped[key]
        title, about = _TITLES12.get(key, _TITLES[key]) if tls12 else _TITLES[key]
        lines = _section_lines(key, group, both=both, tls12=tls12)
        if negotiated is not None and negotiated.peer_certificates:
            if key == "server_certificate" and negotiated_side == "client":
                kept = [line for line in lines if "server sent" not in line.text]
                lines = kept + _chain_lines(negotiated)
            if key == "client_certificate" and negotiated_side == "server":
                lines = lines + certificate_lines(negotiated.peer_certificates)
        sections.append(
            Section(
                key=key,
                title=title,
                about=about,
                start=group[0].time - t0,
                duration=spent.get(key, 0.0),
                lines=lines,
            )
        )
    return sections


def _chain_lines(negotiated: Negotiated) -> list[Line]:
    verified = negotiated.verified_chain
    if verified is not None:
        sent = len(negotiated.peer_certificates)
        anchors = max(len(verified.chain) - sent, 0)
        return certificate_lines(verified.chain, anchors=anchors)
    return certificate_lines(negotiated.peer_certificates)


def _section_lines(key: str, group: Sequence[TraceEvent], *, both: bool, tls12: bool = False) -> list[Line]:
    lines: list[Line] = []
    messages_shown: set[str] = set()
    for event in group:
        who = f"{event.side}: " if both else ""
        if event.kind in ("message_sent", "message_received"):
            msg = _message_type(event)
            size = event.summary.rsplit("(", 1)[-1].rstrip(")") if "(" in event.summary else ""
            if msg in messages_shown:
                continue  # the same message, seen by the other side
            messages_shown.add(msg)
            clear = key in ("client_hello", "server_hello", "hello_retry") or (
                tls12 and msg not in ("FINISHED", "HELLO_REQUEST")
            )
            describe_lines = _MESSAGE_LINES.get(msg)
            facts = describe_lines(event.details) if describe_lines is not None else []
            where = ", in the clear" if clear else ", encrypted"
            lines.append(Line(f"{_arrow(event)}: {msg} ({size}{where})", children=facts))
            continue
        if event.kind == "keys_installed":
            lines.append(Line(f"{who}{event.summary}"))
            continue
        if key == "server_certificate" and event.kind == "info":
            chain = event.details.get("chain")
            if isinstance(chain, list):
                lines.append(Line(f"{who}{event.summary}"))
                continue
        if event.kind == "check":
            check = event.details.get("check")
            label = f"{check}: " if isinstance(check, str) else ""
            status: Status | None = _status(event.ok)
            if event.ok is False and "SKIPPED" in event.summary:
                status = "warn"
            lines.append(Line(f"{who}{label}{event.summary}", status))
            continue
        status = _status(event.ok) if event.kind in ("alert_sent", "info") and event.ok is False else None
        lines.append(Line(f"{who}{event.summary}", status))
    return lines


# -- negotiated parameters ---------------------------------------------------------------------------------


def _key_exchange(negotiated: Negotiated) -> str:
    if negotiated.group is not None:
        return f"ECDHE {negotiated.group}" if negotiated.version == ProtocolVersion.TLS12 else str(negotiated.group)
    if negotiated.version == ProtocolVersion.TLS12:
        if negotiated.resumed:
            return "none (resumed TLS 1.2 session)"
        return "RSA key transport (no forward secrecy)"
    return "none (PSK only)"


def negotiated_summary(negotiated: Negotiated) -> list[tuple[str, str]]:
    """The negotiated parameters as (label, value) rows, for a status line, a table or a web page."""
    rows = [
        ("version", _version(str(negotiated.version))),
        ("cipher suite", str(negotiated.cipher_suite)),
        ("key exchange", _key_exchange(negotiated)),
        ("signature", str(negotiated.signature_scheme) if negotiated.signature_scheme is not None else "-"),
        ("ALPN", negotiated.alpn_protocol or "none"),
        ("server name", negotiated.server_name or "none"),
        ("HelloRetryRequest", "yes" if negotiated.hello_retry_request else "no"),
        ("resumed", "yes" if negotiated.resumed else "no"),
    ]
    if negotiated.peer_certificates:
        rows.append(("peer certificate", negotiated.peer_certificates[0].subject.rfc4514_string()))
    if negotiated.verified_chain is not None:
        rows.append(("verified against", negotiated.verified_chain.trust_source))
    return rows


def negotiated_as_dict(negotiated: Negotiated) -> dict[str, object]:
    """A JSON-friendly view of ``negotiated`` (public facts only)."""
    verified = negotiated.verified_chain
    return {
        "version": str(negotiated.version),
        "cipher_suite": str(negotiated.cipher_suite),
        "group": str(negotiated.group) if negotiated.group is not None else None,
        "signature_scheme": str(negotiated.signature_scheme) if negotiated.signature_scheme is not None else None,
        "alpn_protocol": negotiated.alpn_protocol,
        "server_name": negotiated.server_name,
        "hello_retry_request": negotiated.hello_retry_request,
        "resumed": negotiated.resumed,
        "client_certificate_requested": negotiated.client_certificate_requested,
        "peer_certificates": [describe_certificate(c) for c in negotiated.peer_certificates],
        "verification": None
        if verified is None
        else {
            "trust_source": verified.trust_source,
            "server_name": verified.server_name,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in verified.checks],
        },
    }


# -- plain text ------------------------------------------------------------------------------------------

_MARK = {"ok": "[ok] ", "fail": "[FAIL] ", "warn": "[WARNING] "}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _plain_lines(lines: Sequence[Line], indent: str) -> list[str]:
    out: list[str] = []
    for line in lines:
        mark = _MARK.get(line.status or "", "- ")
        out.append(f"{indent}{mark}{line.text}")
        out.extend(_plain_lines(line.children, indent + "    "))
    return out


def render_plain(sections: Sequence[Section], *, about: bool = True) -> str:
    """The story as plain text (what the CLI prints when its output is not a terminal)."""
    out: list[str] = []
    for number, section in enumerate(sections, 1):
        timing = f"+{_ms(section.start)}, took {_ms(section.duration)}"
        out.append(f"{number:2}. {section.title}  ({timing})")
        if about:
            out.append(f"    {section.about}")
        out.extend(_plain_lines(section.lines, "    "))
        out.append("")
    return "\n".join(out)
