"""TLS 1.3 0-RTT early data, server side (RFC 8446 sections 2.3, 4.2.10, 4.5, 8).

Early data is application data the client sends in its first flight, encrypted under a key derived from a
resumption PSK (``client_early_traffic_secret``, RFC 8446 section 7.1) before any fresh key exchange. So:

* it has no forward secrecy: whoever later learns the ticket's PSK (or the ticket-encryption key that protects
  the ticket) can decrypt it (RFC 8446 section 2.3);
* it can be replayed: an attacker who records the ClientHello and its 0-RTT records can send them again, to this
  server or another one holding the same ticket keys (RFC 8446 section 8). The application receives it as
  :class:`glasstls.events.EarlyDataReceived`, marked replayable, and should act on it only if doing so twice is
  harmless (a GET without side effects, not a payment).

This server accepts early data only when all of these hold (:func:`server_decision`; each refusal is traced
with its reason, and the 0-RTT records are then skipped, RFC 8446 section 4.2.10):

1. it is enabled (``ServerConfig.max_early_data_size`` > 0, ``glasstls serve --early-data``), and the ClientHello
   is the first one (after a HelloRetryRequest, early data is always rejected, section 4.1.2);
2. a ticket was accepted, it is the FIRST identity offered (section 4.2.10), and it was issued with a
   max_early_data_size (its early_data extension, section 4.6.1);
3. the parameters are those of the ticket's session: same version, cipher suite, ALPN protocol and server name
   (section 4.2.10);
4. the ticket is fresh: the client's stated age of the ticket is within
   :data:`EARLY_DATA_AGE_TOLERANCE_MS` of the age the server computes from the ticket's issue time (section 8.3);
5. it is the first time: tickets are single use (section 8.1) and the ClientHello is recorded (section 8.2: by
   its first binder, for the freshness window); a second copy finds the record and its early data is skipped.

The amount is bounded by the ticket's max_early_data_size: more is unexpected_message (section 4.2.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from glasstls.config import ServerConfig
from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import UnexpectedMessage
from glasstls.events import EarlyDataReceived
from glasstls.handshake.base import Actions, Context, State
from glasstls.handshake.hello_checks import MAX_SKIPPED_EARLY_DATA
from glasstls.handshake.resumption13 import Resumption
from glasstls.session_store import StoreUnavailable
from glasstls.wire import extensions as ext
from glasstls.wire.enums import ExtensionType, HandshakeType
from glasstls.wire.messages import ClientHello, HandshakeMessage

#: RFC 8446 section 8.3: how far the client's stated ticket age may be from the server's own (from the ticket's
#: issue time) for its early data to count as fresh. A ClientHello replayed later than this is refused even if
#: no record of it was kept. 10 s: one slow round trip plus clock-rate drift over a ticket's lifetime; the
#: ClientHello record (section 8.2) is kept for twice this long, so every ClientHello fresh enough to be
#: accepted is still in the record.
EARLY_DATA_AGE_TOLERANCE_MS = 10_000
_RECORD_KEEP = timedelta(milliseconds=2 * EARLY_DATA_AGE_TOLERANCE_MS)

#: The trace's one-line reminder of what early data is, said wherever it is accepted or sent.
NOT_FORWARD_SECRET = (
    "0-RTT data is encrypted under a key derived from the ticket's PSK only: no forward secrecy, and it can be "
    "replayed (RFC 8446 sections 2.3, 8)"
)


def offered(ch: ClientHello) -> bool:
    """The ClientHello carries the early_data extension (RFC 8446 section 4.2.10)."""
    return ext.find_extension(ch.extensions, ExtensionType.EARLY_DATA) is not None


def refuse(config: ServerConfig, ch: ClientHello, why: str, step: str, actions: Actions) -> None:
    """Reject offered 0-RTT: answer 1-RTT and skip the client's early records (RFC 8446 section 4.2.10: "skip
    past early data ... up to the configured max_early_data_size"), at most :data:`MAX_SKIPPED_EARLY_DATA` bytes
    beyond this server's own max_early_data_size."""
    if not offered(ch):
        return
    limit = MAX_SKIPPED_EARLY_DATA + config.max_early_data_size
    actions.skip_early_data(limit)
    actions.trace(
        "info",
        "early data",
        f"client sent 0-RTT early data: refused, {why}; its records are skipped (at most {limit} bytes) and the "
        "client must send that data again after the handshake (RFC 8446 section 4.2.10)",
        {"early_data": "rejected", "reason": why},
        ok=False,
    )


@dataclass
class EarlyAcceptance:
    """0-RTT accepted: how much may come, and the key it comes under (RFC 8446 section 7.1)."""

    limit: int
    secret: bytes = field(repr=False)


def server_decision(
    config: ServerConfig,
    ch: ClientHello,
    raw: bytes,
    suite: Tls13CipherSuite,
    resumption: Resumption | None,
    alpn: str | None,
    server_name: str | None,
    step: str,
    actions: Actions,
) -> EarlyAcceptance | None:
    """Accept the client's 0-RTT data or refuse it (see the module docstring for the rules); called for the
    first ClientHello only, after the ticket was judged and its single use recorded."""
    if not offered(ch):
        return None
    why = _refusal(config, ch, raw, suite, resumption, alpn, server_name)
    if why is not None or resumption is None:
        refuse(config, ch, why or "no ticket", step, actions)
        return None
    limit = resumption.state.max_early_data
    # RFC 8446 section 7.1: client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).
    secret = resumption.early.client_early_traffic_secret(suite.hash(raw))
    actions.trace(
        "choice",
        "early data",
        f"0-RTT early data accepted (up to {limit} bytes): the ticket allowed it, it is fresh (client's age "
        f"{resumption.client_age_ms} ms, ours {resumption.our_age_ms} ms), its suite, ALPN and server name are "
        "the session's, and this ClientHello was not seen before. " + NOT_FORWARD_SECRET,
        {"early_data": "accepted", "max_early_data_size": limit},
    )
    return EarlyAcceptance(limit, secret)


def install_client_read_keys(
    actions: Actions, suite: Tls13CipherSuite, c_hs: bytes, acceptance: EarlyAcceptance | None
) -> None:
    """After the server's flight the client's next records are under its handshake key, or, when 0-RTT was
    accepted, first under its early traffic key until EndOfEarlyData (RFC 8446 section 4.5, figure 4)."""
    if acceptance is None:
        actions.install("read", suite, c_hs, "client handshake traffic", "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
        return
    actions.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", c_hs)
    actions.install("read", suite, acceptance.secret, "client early traffic (0-RTT)", "CLIENT_EARLY_TRAFFIC_SECRET")


def _refusal(
    config: ServerConfig,
    ch: ClientHello,
    raw: bytes,
    suite: Tls13CipherSuite,
    resumption: Resumption | None,
    alpn: str | None,
    server_name: str | None,
) -> str | None:
    if config.max_early_data_size == 0:
        return "this server does not accept early data (glasstls serve --early-data enables it)"
    if resumption is None:
        return "no session ticket was accepted (early data needs a resumed session)"
    state = resumption.state
    if resumption.index != 0:
        # RFC 8446 section 4.2.10: early data is encrypted under the FIRST offered PSK.
        return f"the ticket accepted is identity #{resumption.index}, not the first one offered"
    if state.max_early_data == 0:
        return "the ticket was issued without early data (no max_early_data_size in it)"
    # RFC 8446 section 4.2.10: the same version (TLS 1.3: checked with the ticket), cipher suite and ALPN.
    if state.cipher_suite != suite.suite:
        return f"the ticket's session used {state.cipher_suite}, this handshake {suite.suite}"
    if state.alpn != alpn:
        return f"the ticket's session used ALPN {state.alpn!r}, this handshake {alpn!r}"
    if state.server_name != server_name:
        return f"the ticket was made for server name {state.server_name!r}, not {server_name!r}"
    # RFC 8446 section 8.3: freshness, the client's view of the ticket's age against ours.
    gap = abs(resumption.client_age_ms - resumption.our_age_ms)
    if gap > EARLY_DATA_AGE_TOLERANCE_MS:
        return (
            f"it is not fresh: the client's ticket age ({resumption.client_age_ms} ms) is {gap} ms from ours "
            f"({resumption.our_age_ms} ms), beyond {EARLY_DATA_AGE_TOLERANCE_MS} ms (RFC 8446 section 8.3)"
        )
    if not config.single_use_tickets:
        pass  # the ClientHello record below is then the only replay defence
    store = config.session_cache
    if store is None:
        return "there is no session store to record ClientHellos in (RFC 8446 section 8.2)"
    offer = ext.get_extension(ch.extensions, ext.PreSharedKeyClientHello)
    if offer is None or not offer.binders:
        return "the ClientHello has no binder to record it by"
    now = config.clock()
    # RFC 8446 section 8.2: the first binder identifies this ClientHello (it is a MAC over it under the PSK).
    try:
        first = store.record_client_hello(suite.hash(offer.binders[0]), expires=now + _RECORD_KEEP, now=now)
    except StoreUnavailable as e:
        return f"the ClientHello record is unavailable ({e}): a replay could not be told apart"
    if not first:
        return "this ClientHello was seen before (a replay, RFC 8446 section 8.2), or the record is full"
    return None


class ExpectEndOfEarlyData(State):
    """Server: reading the client's 0-RTT records until its EndOfEarlyData (RFC 8446 section 4.5), then the rest
    of the handshake under the client handshake key."""

    expects = frozenset({HandshakeType.END_OF_EARLY_DATA})
    step = "EndOfEarlyData"

    def __init__(
        self,
        ctx: Context,
        acceptance: EarlyAcceptance,
        transcript: Transcript,
        suite: Tls13CipherSuite,
        client_handshake_secret: bytes,
        then: State,
    ) -> None:
        self.ctx = ctx
        self.limit = acceptance.limit
        self.received = 0
        self.transcript = transcript
        self.suite = suite
        self._c_hs = client_handshake_secret
        self.then = then

    def early_data_received(self, data: bytes) -> EarlyDataReceived:
        """One 0-RTT record's content: counted against the ticket's max_early_data_size."""
        self.received += len(data)
        if self.received > self.limit:
            # RFC 8446 section 4.2.10: more than max_early_data_size SHOULD be unexpected_message.
            raise UnexpectedMessage(
                f"the client sent {self.received} bytes of 0-RTT data, more than the {self.limit} its ticket "
                "allows (RFC 8446 section 4.2.10)",
                step=self.step,
            )
        return EarlyDataReceived(data)

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        self.transcript.add(raw)  # RFC 8446 section 4.4.1: EndOfEarlyData is part of the transcript
        actions.check(
            self.step,
            f"client ended its 0-RTT data ({self.received} bytes, handed to the application as replayable)",
        )
        actions.install("read", self.suite, self._c_hs, "client handshake traffic", None)
        return self.then
