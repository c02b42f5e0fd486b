"""TLS 1.3 0-RTT early data, client side (RFC 8446 sections 2.3, 4.2.10, 4.5, D.4).

The caller hands data to ``ClientConnection.start(early_data=...)``. It is sent in the first flight only when a
stored ticket allows it (its max_early_data_size, RFC 8446 section 4.6.1) and fits; it goes out under the
``client_early_traffic_secret`` of the ticket's PSK (section 7.1): no forward secrecy, and an attacker who
records it can replay it (section 8). The server's EncryptedExtensions tells whether it was accepted:

* accepted: :class:`glasstls.events.EarlyDataAccepted`; after the server's Finished the client sends
  EndOfEarlyData under the early keys, then switches to its handshake keys (section 4.5);
* rejected (no early_data in EncryptedExtensions, a HelloRetryRequest, the ticket refused):
  :class:`glasstls.events.EarlyDataRejected` with the data, which is NOT sent again automatically (the caller
  decides: resending a non-idempotent request may be wrong, section 4.2.10 "automatically re-send ... not
  required").

The parameters are bound as section 4.2.10 requires: a server that accepts early data must have selected the
first (our only) PSK, the ticket's cipher suite and the ticket's ALPN protocol; anything else is
illegal_parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import IllegalParameter
from glasstls.events import EarlyDataAccepted, EarlyDataRejected
from glasstls.handshake.base import Actions
from glasstls.handshake.early_data import NOT_FORWARD_SECRET
from glasstls.sessions import ClientSession
from glasstls.trace.times import seconds_text
from glasstls.wire import extensions as ext
from glasstls.wire.enums import CipherSuite, ExtensionType
from glasstls.wire.messages import EncryptedExtensions, EndOfEarlyData

if TYPE_CHECKING:
    from glasstls.config import ClientConfig
    from glasstls.handshake.client_psk13 import PskOffer


@dataclass
class EarlyOffer:
    """0-RTT data this handshake sends: ``accepted`` None until the server answers; ``c_hs``: the client
    handshake secret, installed for writing only after EndOfEarlyData (or at once if rejected)."""

    data: bytes = field(repr=False)
    session: ClientSession
    accepted: bool | None = None
    c_hs: bytes = field(default=b"", repr=False)

    @property
    def pending(self) -> bool:
        return self.accepted is None


def offer(config: ClientConfig, psk: PskOffer | None, data: bytes | None, actions: Actions) -> EarlyOffer | None:
    """Whether ``data`` can go as 0-RTT under the offered ticket; if not, the caller hears why (EarlyDataRejected
    at once) and the data is not sent."""
    if not data:
        return None
    why = None
    if psk is None:
        why = "there is no stored TLS 1.3 session ticket for this server to send it under"
    elif psk.session.max_early_data == 0:
        why = "the server's ticket does not allow early data (no max_early_data_size in it)"
    elif len(data) > psk.session.max_early_data:
        why = f"{len(data)} bytes are more than the ticket allows ({psk.session.max_early_data})"
    elif psk.session.cipher_suite not in config.cipher_suites:
        why = f"the ticket's cipher suite {psk.session.cipher_suite} is not offered (RFC 8446 section 4.2.10)"
    elif psk.session.alpn is not None and psk.session.alpn not in config.alpn_protocols:
        why = f"the ticket's ALPN protocol {psk.session.alpn!r} is not offered (RFC 8446 section 4.2.10)"
    if why is not None:
        actions.trace("info", "ClientHello", f"not sending 0-RTT early data: {why}", ok=False)
        actions.emit(EarlyDataRejected(data, f"not sent: {why}"))
        return None
    assert psk is not None
    return EarlyOffer(data, psk.session)


def hello_extension(early: EarlyOffer | None) -> list[ext.Extension]:
    """The early_data extension of the first ClientHello (RFC 8446 section 4.2.10); never after a
    HelloRetryRequest ("A client MUST NOT include the early_data extension in its followup ClientHello")."""
    return [ext.EarlyData()] if early is not None and early.pending else []


def send(early: EarlyOffer, psk: PskOffer, hello_raw: bytes, middlebox: bool, actions: Actions) -> bool:
    """After the first ClientHello: [change_cipher_spec], then the data under the early traffic keys. Returns
    whether the compatibility change_cipher_spec was sent (RFC 8446 appendix D.4: with early data it goes
    "immediately after the first ClientHello")."""
    if middlebox:
        actions.send_ccs()
    suite = psk.suite
    # RFC 8446 section 7.1: client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).
    secret = psk.early.client_early_traffic_secret(suite.hash(hello_raw))
    actions.install("write", suite, secret, "client early traffic (0-RTT)", "CLIENT_EARLY_TRAFFIC_SECRET")
    actions.early_data_write(early.data)
    actions.trace(
        "choice",
        "early data",
        f"sent {len(early.data)} bytes of 0-RTT early data before the handshake finished, under the ticket of "
        f"{seconds_text(early.session.created_at)} UTC (it allows {early.session.max_early_data}). "
        + NOT_FORWARD_SECRET,
        {"early_data": len(early.data)},
    )
    return middlebox


def hello_retry(early: EarlyOffer | None, actions: Actions) -> None:
    """RFC 8446 section 4.1.4: a HelloRetryRequest rejects early data; the second ClientHello is plaintext."""
    if early is not None and early.pending:
        actions.early_data_write(None)
        _rejected(early, "the server asked for another ClientHello (HelloRetryRequest)", actions)


def handshake_write_keys(
    early: EarlyOffer | None, suite: Tls13CipherSuite, c_hs: bytes, actions: Actions
) -> None:
    """After ServerHello: our handshake write keys now, or, with early data in flight, after the server says
    whether it took it (RFC 8446 section 4.5: EndOfEarlyData still goes under the early keys)."""
    if early is None or not early.pending:
        actions.install("write", suite, c_hs, "client handshake traffic", "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
        return
    early.c_hs = c_hs
    actions.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", c_hs)


def encrypted_extensions(
    early: EarlyOffer | None,
    ee: EncryptedExtensions,
    suite: Tls13CipherSuite,
    selected: CipherSuite,
    resumed: bool,
    alpn: str | None,
    actions: Actions,
) -> None:
    """The server's answer (RFC 8446 section 4.2.10): early_data in EncryptedExtensions means accepted."""
    step = "EncryptedExtensions"
    present = ext.find_extension(ee.extensions, ExtensionType.EARLY_DATA) is not None
    if early is None or not early.pending:
        if present:
            raise IllegalParameter("server accepted early data that this ClientHello did not offer", step=step)
        return
    if not present:
        why = "the server declined it" if resumed else "the server did not accept the ticket (a full handshake)"
        _rejected(early, why, actions)
        actions.install("write", suite, early.c_hs, "client handshake traffic", None)
        return
    # RFC 8446 section 4.2.10: accepting early data binds the server to the ticket's PSK, suite and ALPN.
    session = early.session
    if not resumed:
        raise IllegalParameter("server accepted early data but not the ticket it was sent under", step=step)
    if selected != session.cipher_suite:
        raise IllegalParameter(
            f"server accepted early data with {selected}, not the ticket's {session.cipher_suite}", step=step
        )
    if alpn != session.alpn:
        raise IllegalParameter(
            f"server accepted early data with ALPN {alpn!r}, not the ticket's {session.alpn!r}", step=step
        )
    early.accepted = True
    actions.check(step, f"server accepted our {len(early.data)} bytes of 0-RTT early data (same suite, ALPN, ticket)")
    actions.emit(EarlyDataAccepted(len(early.data)))


def end_of_early_data(
    early: EarlyOffer | None, transcript: Transcript, suite: Tls13CipherSuite, actions: Actions
) -> None:
    """After the server's Finished, when early data was accepted: EndOfEarlyData under the early keys, then the
    client handshake keys for the rest of our flight (RFC 8446 section 4.5)."""
    if early is None or not early.accepted:
        return
    transcript.add(actions.send(EndOfEarlyData()))
    actions.install("write", suite, early.c_hs, "client handshake traffic", None)


def _rejected(early: EarlyOffer, why: str, actions: Actions) -> None:
    early.accepted = False
    actions.trace(
        "info",
        "early data",
        f"the server did not accept our {len(early.data)} bytes of 0-RTT early data: {why}; they were not "
        "processed, and are not sent again unless the application does so (RFC 8446 section 4.2.10)",
        {"early_data": "rejected", "reason": why},
        ok=False,
    )
    actions.emit(EarlyDataRejected(early.data, why))
