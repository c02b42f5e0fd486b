"""The story's sections, and which section each trace event belongs to.

A section is one step as a person learns it (ClientHello, the key exchange, the certificate and its checks,
...). TLS 1.3 and TLS 1.2 have their own steps (RFC 8446 section 2, RFC 5246 section 7.3). :class:`Router`
assigns each event of a trace to a section, following each side's progress (a ClientHello after a
HelloRetryRequest belongs to the retry; an event with no section of its own stays in its side's last one).
Sections are shown in the order their work began (render.build_story), which is the order of the wire and of
the dependencies between steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from glasstls.trace.events import TraceEvent
from glasstls.trace.message_lines import find_extension

__all__ = ["SECTIONS", "SECTIONS12", "Router", "is_tls12_trace", "message_type", "other_side", "title_of"]

#: The TLS 1.3 story's sections, in the order a person learns the handshake: (key, title, what it is for).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "client_hello",
        "ClientHello: what the client offers",
        "The client says which versions, cipher suites, key exchange groups and signature schemes it "
        "supports, and sends a key share so that one round trip can suffice (RFC 8446 4.1.2); a TLS 1.2-only "
        "client sends no key share (RFC 5246 7.4.1.2).",
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
        "(RFC 8446 4.1.3). In TLS 1.3 everything after this is encrypted.",
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
        "middlebox_ccs",
        "ChangeCipherSpec: middlebox compatibility",
        "A one-byte change_cipher_spec record that TLS 1.3 sends only so that middleboxes expecting TLS 1.2 let "
        "the connection through; the receiver drops it (RFC 8446 D.4).",
    ),
    (
        "early_data",
        "0-RTT early data: sent before the handshake finished",
        "With a resumption ticket that allows it, the client sends application data in its first flight, under "
        "a key from the ticket's PSK alone: no forward secrecy (whoever gets that PSK, or the server's ticket key, "
        "can decrypt it) and it can be replayed by anyone who recorded it, so a server accepts it once, fresh, "
        "on the ticket's own parameters, and the application must treat it as replayable (RFC 8446 2.3, "
        "4.2.10, 8). The server says in EncryptedExtensions whether it took it; the client ends it with "
        "EndOfEarlyData (4.5).",
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
        "client_application_keys",
        "Client application keys in use",
        "After its Finished the client sends under the client application traffic keys; the server reads with "
        "them once it has checked the client's Finished (RFC 8446 4.4.4, 7.1).",
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
        "key_update",
        "KeyUpdate: fresh traffic keys",
        "A side sends KeyUpdate and moves its sending keys to the next generation (secret_N+1 = "
        'HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)); the peer moves its receiving keys. '
        "update_requested asks the peer to do the same (RFC 8446 4.6.3, 7.2).",
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

#: The TLS 1.2 story (RFC 5246 section 7.3): in the clear until ChangeCipherSpec; the certificate comes before
#: the key exchange, which ServerKeyExchange and ClientKeyExchange carry. Titles that differ from TLS 1.3's.
SECTIONS12: dict[str, tuple[str, str]] = {
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
    "server_key_exchange": (
        "ServerKeyExchange: the server's signed (EC)DHE share",
        "The server sends an ephemeral public key, signed with its certificate's key over both randoms and the "
        "share, so that the client knows it comes from the certificate's holder (RFC 8422 5.4, RFC 5246 7.4.3).",
    ),
    "certificate_request": (
        "CertificateRequest: the server asks who the client is",
        "The server wants a client certificate, of the given types and signature schemes (RFC 5246 7.4.4).",
    ),
    "server_hello_done": (
        "ServerHelloDone: the server's first flight ends",
        "The server has sent everything for now and waits for the client (RFC 5246 7.4.5).",
    ),
    "client_certificate": (
        "Certificate: the client's chain",
        "The client answers the CertificateRequest with its certificate, or an empty list (RFC 5246 7.4.6).",
    ),
    "client_key_exchange": (
        "ClientKeyExchange: the client's part of the premaster secret",
        "ECDHE: the client sends its own ephemeral share; both sides compute the premaster secret, and forward "
        "secrecy holds. RSA key transport: the client encrypts a random premaster secret to the server's RSA key; "
        "whoever later gets that key can decrypt the session (RFC 5246 7.4.7, RFC 8422 5.7).",
    ),
    "client_certificate_verify": (
        "CertificateVerify: the client proves it holds the key",
        "The client signs all the handshake messages so far with its certificate's key (RFC 5246 7.4.8).",
    ),
    "client_change_cipher_spec": (
        "ChangeCipherSpec: the client switches to the new keys",
        "The client's next records are encrypted with the client write keys; the server reads with them from its "
        "change_cipher_spec on (RFC 5246 7.1).",
    ),
    "server_change_cipher_spec": (
        "ChangeCipherSpec: the server switches to the new keys",
        "The server's next records are encrypted with the server write keys (RFC 5246 7.1).",
    ),
    "master_secret": (
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
    "failure": (
        "Failure",
        "The connection failed: the side that noticed sends a fatal alert and closes (RFC 5246 7.2.2).",
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

_ORDER = {key: i for i, (key, _, _) in enumerate(SECTIONS)}
_TITLES = {key: (title, about) for key, title, about in SECTIONS}
#: The TLS 1.2 steps in wire order (ties between sections that begin at the same moment follow it).
_ORDER12 = {
    key: i
    for i, key in enumerate(
        (
            "client_hello",
            "server_hello",
            "server_certificate",
            "verification",
            "server_key_exchange",
            "certificate_request",
            "server_hello_done",
            "client_certificate",
            "client_verification",
            "client_key_exchange",
            "master_secret",
            "client_certificate_verify",
            "client_change_cipher_spec",
            "client_finished",
            "tickets",
            "server_change_cipher_spec",
            "server_finished",
            "complete",
            "application_data",
            "close",
            "failure",
        )
    )
}


def title_of(key: str, *, tls12: bool) -> tuple[str, str]:
    """(title, what it is for) of a section."""
    if tls12 and key in SECTIONS12:
        return SECTIONS12[key]
    return _TITLES[key]


def order_of(key: str, *, tls12: bool) -> int:
    order = _ORDER12 if tls12 else _ORDER
    return order.get(key, len(order))


def other_side(side: str) -> str:
    return "server" if side == "client" else "client"


def message_type(event: TraceEvent) -> str:
    value = event.details.get("type")
    return value if isinstance(value, str) else event.step


_TLS12_ONLY = frozenset({"SERVER_KEY_EXCHANGE", "SERVER_HELLO_DONE", "CLIENT_KEY_EXCHANGE", "HELLO_REQUEST"})


def is_tls12_trace(events: Iterable[TraceEvent]) -> bool:
    """Whether a trace (perhaps of a failed handshake, with no negotiated version) is of TLS 1.2: a TLS 1.2-only
    message, or a ServerHello without TLS 1.3 in supported_versions (RFC 8446 4.2.1)."""
    for event in events:
        if event.kind not in ("message_sent", "message_received"):
            continue
        msg = message_type(event)
        if msg in _TLS12_ONLY:
            return True
        if msg == "SERVER_HELLO":
            sv = find_extension(event.details, "SUPPORTED_VERSIONS")
            return sv is None or sv.get("selected_version") != "TLS13"
    return False


_MESSAGE_SECTIONS = {
    "HELLO_RETRY_REQUEST": "hello_retry",
    "SERVER_HELLO": "server_hello",
    "ENCRYPTED_EXTENSIONS": "encrypted_extensions",
    "END_OF_EARLY_DATA": "early_data",
    "CERTIFICATE_REQUEST": "certificate_request",
    "NEW_SESSION_TICKET": "tickets",
    "KEY_UPDATE": "key_update",
    "HELLO_REQUEST": "application_data",
    # TLS 1.2 (RFC 5246 section 7.3)
    "SERVER_KEY_EXCHANGE": "server_key_exchange",
    "CLIENT_KEY_EXCHANGE": "client_key_exchange",
    "SERVER_HELLO_DONE": "server_hello_done",
    "CERTIFICATE_STATUS": "server_certificate",
}
_BY_SENDER = {
    "CERTIFICATE": ("server_certificate", "client_certificate"),
    "CERTIFICATE_VERIFY": ("certificate_verify", "client_certificate_verify"),
    "FINISHED": ("server_finished", "client_finished"),
}
_STEP_SECTIONS = {
    "early data": "early_data",
    "EndOfEarlyData": "early_data",
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
    "KeyUpdate": "key_update",
    "ServerKeyExchange": "server_key_exchange",
    "ClientKeyExchange": "client_key_exchange",
    "ServerHelloDone": "server_hello_done",
    "CertificateStatus": "server_certificate",
    "application data": "application_data",
    "renegotiation": "application_data",
    "close": "close",
}


class Router:
    """Assigns the events of a trace, taken in the order they happened, to sections."""

    def __init__(self, *, tls12: bool) -> None:
        self.tls12 = tls12
        self._retried: set[str] = set()  # the sides that have seen a HelloRetryRequest
        self._last: dict[str, str] = {}

    def route(self, events: Sequence[TraceEvent]) -> list[str]:
        """The section of each event (taken in the order they happened). A server's choices made on a
        ClientHello that it then answers with a HelloRetryRequest belong to the retry, not to the ServerHello."""
        keys: list[str] = []
        pending: dict[str, list[int]] = {}  # per side: events put under ServerHello since its last message
        for index, event in enumerate(events):
            key = self.section_of(event)
            if event.kind in ("message_sent", "message_received"):
                if message_type(event) == "HELLO_RETRY_REQUEST":
                    for earlier in pending.get(event.side, ()):
                        keys[earlier] = "hello_retry"
                pending[event.side] = []
            elif key == "server_hello":
                pending.setdefault(event.side, []).append(index)
            keys.append(key)
        return keys

    def section_of(self, event: TraceEvent) -> str:
        key = self._section_of(event) or self._last.get(event.side, "client_hello")
        self._last[event.side] = key
        return key

    def _hello(self, side: str) -> str:
        return "hello_retry" if side in self._retried else "client_hello"

    def _section_of(self, event: TraceEvent) -> str | None:
        kind = event.kind
        side = event.side
        if kind in ("message_sent", "message_received"):
            msg = message_type(event)
            sender = side if kind == "message_sent" else other_side(side)
            if msg in _BY_SENDER:
                server_key, client_key = _BY_SENDER[msg]
                return server_key if sender == "server" else client_key
            if msg == "CLIENT_HELLO":
                return self._hello(side)  # the second ClientHello answers the HelloRetryRequest (RFC 8446 4.1.4)
            if msg == "HELLO_RETRY_REQUEST":
                self._retried.add(side)
            return _MESSAGE_SECTIONS.get(msg)
        if kind == "alert_sent" and event.ok is False:
            return "failure"
        if kind == "alert_received":
            return "close" if "CLOSE_NOTIFY" in event.summary else "failure"
        if kind == "info" and event.ok is False and event.summary.startswith("connection failed"):
            return "failure"
        if event.step == "ChangeCipherSpec" or event.step == "compatibility":
            return self._change_cipher_spec(event)
        if kind == "keys_installed":
            return self._keys(event)
        if kind == "key_exchange":
            return _STEP_SECTIONS.get(event.step, "key_exchange") if self.tls12 else "key_exchange"
        summary = event.summary.lower()
        if "another clienthello" in summary or "asking the client for one" in summary:
            self._retried.add(side)
            return "hello_retry"
        if "asks for a client certificate" in summary:
            return "certificate_request"
        if event.step in ("ClientHello", "second ClientHello"):
            if side == "client" or kind == "check":
                return self._hello(side)
            return "server_hello"
        if event.step == "ServerHello":
            return "server_hello"
        return _STEP_SECTIONS.get(event.step)

    def _change_cipher_spec(self, event: TraceEvent) -> str:
        sent = event.summary.startswith("sent")
        sender = event.side if sent else other_side(event.side)
        if self.tls12:  # RFC 5246 section 7.1: each side's switch to its new write keys
            return f"{sender}_change_cipher_spec"
        return "middlebox_ccs"  # TLS 1.3 (RFC 8446 D.4): no protocol step, shown on its own

    def _keys(self, event: TraceEvent) -> str:
        label = str(event.details.get("secret", ""))
        if event.step == "KeyUpdate" or "generation" in label:
            return "key_update"
        if self.tls12:
            if label == "master secret":
                return "master_secret"
            return "client_change_cipher_spec" if label.startswith("client") else "server_change_cipher_spec"
        if "handshake" in label:
            return "handshake_keys"
        if "early" in label:
            return "early_data"  # the client early traffic keys (0-RTT, RFC 8446 section 7.1)
        return "client_application_keys" if label.startswith("client") else "application_keys"
