"""The human renderer: a trace told as the story of the handshake, step by step, in the order it happened.

A connection's trace (:attr:`glasstls.connection.ClientConnection.trace`) is a list of :class:`TraceEvent`,
one per step, each with when its work began and how long it took. :func:`build_story` groups the events (of
one side, or of both sides on one clock) into :class:`Section` s, one per step as a person learns it
(glasstls.trace.sections: what the client offers, what the server chose, the key exchange, the certificate and
its checks, the proofs, the keys), each with what the step is for, what was said and checked, and its time.
Sections are shown in the order their work began, so a step never comes before a step it depends on, and
TLS 1.2 steps come in wire order. Every message on the wire appears once: a message both sides traced is
shown once, as its sender sent it. :func:`render_plain` prints the story as plain text;
``glasstls.cli.output`` draws it with colour.

Nothing here re-derives a protocol fact: everything comes from the trace (``details`` are
``glasstls.wire.describe`` views of the messages) and from :class:`~glasstls.events.Negotiated`. Nothing here
prints a secret: the trace carries labels and public values only (DESIGN rule 9).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509

from glasstls.events import Negotiated
from glasstls.pki.verify import describe_certificate
from glasstls.trace.events import TraceEvent
from glasstls.trace.message_lines import Line, Status, message_lines, version_name
from glasstls.trace.sections import SECTIONS, Router, is_tls12_trace, message_type, order_of, other_side, title_of
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


@dataclass
class Section:
    """One step of the story. ``start``: seconds from the first event to the moment this step's work began
    (its first event, on either side); ``duration``: the step's own work, the sum of its events' durations (a
    wait for the network or the peer belongs to no step)."""

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
    sender = event.side if event.kind == "message_sent" else other_side(event.side)
    return f"{sender} -> {other_side(sender)}"


def build_story(
    events: Iterable[TraceEvent],
    *,
    negotiated: Negotiated | None = None,
    negotiated_side: Literal["client", "server"] = "client",
) -> list[Section]:
    """Group ``events`` (one side's trace, or both sides' on one clock) into the story's sections.

    ``negotiated`` (one side's view, ``negotiated_side``) adds the facts of the peer's certificates: the
    client's view gives the server's chain (with the trust anchor it was verified against), the server's view
    gives the client's certificate. Without it (a failed handshake), the version is read from the trace.
    """
    ordered = sorted(events, key=lambda e: (e.time, e.side, e.seq))
    if not ordered:
        return []
    tls12 = negotiated.version == ProtocolVersion.TLS12 if negotiated is not None else is_tls12_trace(ordered)
    sides: set[str] = {e.side for e in ordered}
    t0 = ordered[0].time
    router = Router(tls12=tls12)
    grouped: dict[str, list[TraceEvent]] = {}
    for event, key in zip(ordered, router.route(ordered), strict=True):
        grouped.setdefault(key, []).append(event)

    sections: list[Section] = []
    for key, group in grouped.items():
        title, about = title_of(key, tls12=tls12)
        lines = _section_lines(key, group, sides=sides, tls12=tls12)
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
                duration=sum(e.duration for e in group),
                lines=lines,
            )
        )
    # In the order the steps' work began: a step never before one it depends on (ties: the protocol's order).
    sections.sort(key=lambda s: (s.start, order_of(s.key, tls12=tls12)))
    return sections


def _chain_lines(negotiated: Negotiated) -> list[Line]:
    verified = negotiated.verified_chain
    if verified is not None:
        sent = len(negotiated.peer_certificates)
        anchors = max(len(verified.chain) - sent, 0)
        return certificate_lines(verified.chain, anchors=anchors)
    return certificate_lines(negotiated.peer_certificates)


#: TLS 1.2 messages sent after the sender's ChangeCipherSpec (RFC 5246 7.1); all others before it.
_ENCRYPTED12 = frozenset({"FINISHED", "HELLO_REQUEST", "KEY_UPDATE"})
_CLEAR13 = frozenset({"CLIENT_HELLO", "SERVER_HELLO", "HELLO_RETRY_REQUEST"})


def _section_lines(key: str, group: Sequence[TraceEvent], *, sides: set[str], tls12: bool) -> list[Line]:
    lines: list[Line] = []
    both = len(sides) > 1
    for event in group:
        who = f"{event.side}: " if both else ""
        if both and (
            event.kind == "alert_received" or (event.kind == "record" and event.summary.startswith("received"))
        ):
            continue  # an alert or change_cipher_spec both sides traced: shown once, as its sender sent it
        if event.kind in ("message_sent", "message_received"):
            msg = message_type(event)
            sender = event.side if event.kind == "message_sent" else other_side(event.side)
            if event.kind == "message_received" and sender in sides:
                continue  # the same message, shown once: as its sender sent it
            size = event.summary.rsplit("(", 1)[-1].rstrip(")") if "(" in event.summary else ""
            clear = msg not in _ENCRYPTED12 if tls12 else msg in _CLEAR13
            if tls12 and key in ("application_data", "close"):
                clear = False  # after the handshake, everything is under the keys
            where = ", in the clear" if clear else ", encrypted"
            facts = message_lines(msg, event.details, tls12=tls12)
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
        ("version", version_name(str(negotiated.version))),
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
