"""After the handshake: application data, KeyUpdate and NewSessionTicket (RFC 8446 section 4.6)."""

from __future__ import annotations

from typing import cast

from glasstls.crypto import key_schedule as ks
from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.errors import IllegalParameter, UnexpectedMessage
from glasstls.events import KeyUpdated, NewSessionTicketReceived, SessionTicket
from glasstls.handshake.base import Actions, Context, Secrets, State
from glasstls.wire import extensions as ext
from glasstls.wire.enums import HandshakeType, KeyUpdateRequest
from glasstls.wire.messages import HandshakeMessage, KeyUpdate, NewSessionTicket

# RFC 8446 section 4.6.1: servers MUST NOT use any value greater than 604800 seconds (7 days).
MAX_TICKET_LIFETIME = 604800


_SERVER_EXPECTS = frozenset({HandshakeType.KEY_UPDATE})
_CLIENT_EXPECTS = frozenset({HandshakeType.KEY_UPDATE, HandshakeType.NEW_SESSION_TICKET})


class TrafficState(State):
    """Connected. Accepts KeyUpdate from either peer and NewSessionTicket from a server."""

    step = "post-handshake"
    accepts_application_data = True

    def __init__(
        self,
        ctx: Context,
        suite: Tls13CipherSuite,
        client_secret: bytes,
        server_secret: bytes,
        resumption_master_secret: bytes,
        max_key_updates_in_a_row: int,
    ) -> None:
        self.ctx = ctx
        self.suite = suite
        self._secrets = Secrets(client=client_secret, server=server_secret)
        self._generations = {"client": 0, "server": 0}
        self._resumption_master_secret = resumption_master_secret
        self.max_key_updates_in_a_row = max_key_updates_in_a_row
        self.key_updates_in_a_row = 0
        # Per-side instance value: a client also accepts NewSessionTicket.
        self.expects = _CLIENT_EXPECTS if ctx.side == "client" else _SERVER_EXPECTS

    def application_data_received(self) -> None:
        self.key_updates_in_a_row = 0

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        if isinstance(msg, KeyUpdate):
            self._key_update_received(msg, actions)
        else:
            self._ticket_received(cast(NewSessionTicket, msg), actions)
        return self

    def update_write_keys(
        self, actions: Actions, *, request_peer: bool, reason: str, requested_by_peer: bool = False
    ) -> None:
        """Send KeyUpdate and switch our write keys (RFC 8446 section 4.6.3). ``requested_by_peer``: this update
        answers the peer's update_requested (reported in the KeyUpdated event)."""
        request = KeyUpdateRequest.UPDATE_REQUESTED if request_peer else KeyUpdateRequest.UPDATE_NOT_REQUESTED
        actions.send(KeyUpdate(request))
        side = self.ctx.side
        self._advance(side, "write", actions, reason, requested=requested_by_peer)

    def _advance(self, side: str, direction: str, actions: Actions, reason: str, *, requested: bool = False) -> None:
        # RFC 8446 section 7.2: secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
        secret = ks.next_traffic_secret(self.suite, self._secrets[side])
        self._secrets[side] = secret
        self._generations[side] += 1
        n = self._generations[side]
        label = "CLIENT_TRAFFIC_SECRET" if side == "client" else "SERVER_TRAFFIC_SECRET"
        actions.install(
            "read" if direction == "read" else "write",
            self.suite,
            secret,
            f"{side} application traffic (generation {n})",
            f"{label}_{n}",
        )
        actions.trace("keys_installed", "KeyUpdate", f"{side} traffic keys updated to generation {n}: {reason}")
        actions.emit(KeyUpdated(direction, requested=requested))

    def _key_update_received(self, msg: KeyUpdate, actions: Actions) -> None:
        step = "KeyUpdate"
        if msg.request_update not in (
            KeyUpdateRequest.UPDATE_NOT_REQUESTED,
            KeyUpdateRequest.UPDATE_REQUESTED,
        ):
            # RFC 8446 section 4.6.3: any other value is illegal_parameter.
            raise IllegalParameter(f"KeyUpdate request_update {msg.request_update} is not 0 or 1", step=step)
        self.key_updates_in_a_row += 1
        if self.key_updates_in_a_row > self.max_key_updates_in_a_row:
            raise UnexpectedMessage(
                f"peer sent more than {self.max_key_updates_in_a_row} KeyUpdate messages without any data",
                step=step,
                hint="the peer is flooding key updates; this limit is max_key_updates_in_a_row",
            )
        self._advance(self.ctx.peer, "read", actions, "the peer updated its keys")
        if msg.request_update == KeyUpdateRequest.UPDATE_REQUESTED:
            self.update_write_keys(
                actions,
                request_peer=False,
                reason="answering the peer's update_requested",
                requested_by_peer=True,
            )

    def _ticket_received(self, nst: NewSessionTicket, actions: Actions) -> None:
        step = "NewSessionTicket"
        ext.check_extensions_allowed(nst.extensions, HandshakeType.NEW_SESSION_TICKET)
        if nst.ticket_lifetime > MAX_TICKET_LIFETIME:
            raise IllegalParameter(
                f"ticket_lifetime {nst.ticket_lifetime} exceeds 7 days (RFC 8446 section 4.6.1)", step=step
            )
        early = ext.get_extension(nst.extensions, ext.EarlyDataNewSessionTicket)
        psk = ks.resumption_psk(self.suite, self._resumption_master_secret, nst.ticket_nonce)
        ticket = SessionTicket(
            ticket=nst.ticket,
            lifetime=nst.ticket_lifetime,
            age_add=nst.ticket_age_add,
            nonce=nst.ticket_nonce,
            cipher_suite=self.suite.suite,
            received_at=self.ctx.config.clock().timestamp(),
            max_early_data_size=early.max_early_data_size if early else None,
            psk=psk,
        )
        actions.trace("info", step, f"server sent a session ticket valid for {nst.ticket_lifetime} s")
        actions.emit(NewSessionTicketReceived(ticket))
