"""The sans-I/O facade: ``ClientConnection`` and ``ServerConnection``.

Bytes in (``receive_data``), bytes out (``data_to_send``), events (``events``), never a socket::

    conn = ClientConnection(config, server_name="example.com")
    conn.start()                              # queues the ClientHello
    sock.sendall(conn.data_to_send())
    conn.receive_data(sock.recv(65536))       # may raise TLSError: the alert is then in data_to_send()
    for event in conn.events(): ...           # HandshakeComplete, DataReceived, AlertReceived, ConnectionClosed
    conn.send_data(b"hello"); conn.close()

Error handling (DESIGN rule 7): every failure inside is a ``TLSError`` that carries its alert. The connection
catches it at this boundary, fills in the step that failed, queues the fatal alert once, and raises it; every
later call raises the same error. A bug (any other exception) becomes ``InternalError`` the same way.

Layers of the connection classes: ``connection_trace.ConnectionTrace`` (trace steps and their timing) <-
``connection_actions.ConnectionActions`` (applying the actions a state recorded) <- ``_Connection`` here (the public
API, the error boundary, records and messages in) <- ``ClientConnection`` / ``ServerConnection``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection_actions import ConnectionActions
from glasstls.connection_trace import _MESSAGE_NAMES, _message_name
from glasstls.connection_trace import MAX_TRACE_EVENTS as MAX_TRACE_EVENTS  # re-exported (moved there)
from glasstls.connection_trace import describe_message as describe_message  # re-exported (moved there)
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.keys import certificate_der
from glasstls.errors import (
    AlertReceived,
    ConnectionLost,
    DecodeError,
    FailureContext,
    InternalError,
    TLSError,
    UnexpectedMessage,
    UsageError,
)
from glasstls.events import (
    AlertReceived as AlertReceivedEvent,
)
from glasstls.events import (
    ConnectionClosed,
    DataReceived,
    Event,
    Negotiated,
    NewSessionTicketReceived,
)
from glasstls.handshake import client_negotiation
from glasstls.handshake.base import (
    Actions,
    Closed,
    Context,
    Exporter,
    RememberSession,
    State,
)
from glasstls.handshake.early_data import ExpectEndOfEarlyData
from glasstls.handshake.failure import Progress, failure_context
from glasstls.handshake.traffic import TrafficState
from glasstls.handshake.traffic12 import Traffic12
from glasstls.pki.server_name import parse_server_name
from glasstls.record.layer import OutgoingBytes, RecordLayer
from glasstls.record.protection import Tls13Protection
from glasstls.record.reassembly import HandshakeReassembler
from glasstls.sessions import ClientSession
from glasstls.trace.events import TraceEvent, TraceKind
from glasstls.wire.enums import AlertDescription, AlertLevel, ContentType, ProtocolVersion
from glasstls.wire.messages import Alert, HandshakeMessage

#: Non-fatal alerts (TLS 1.2 warnings, user_canceled) accepted in a row, with no data or handshake message between,
#: before unexpected_message: each costs a record's work and carries nothing, so unbounded they let one peer keep
#: a connection busy for free (CVE-2016-8610). A genuine peer sends one or two (unrecognized_name,
#: no_renegotiation); OpenSSL refuses the fifth (MAX_WARN_ALERT_COUNT 5), and so do we.
MAX_WARNING_ALERTS_IN_A_ROW = 4

#: parse_server_name for the constructor's early check, remembered (a name that fails is not remembered).
_check_server_name = functools.lru_cache(maxsize=256)(parse_server_name)
_APPLICATION_DATA = ContentType.APPLICATION_DATA
_HANDSHAKE = ContentType.HANDSHAKE


class _ErrorBoundary:
    """The error boundary of a connection's public methods (DESIGN rule 7): a TLSError fails the connection,
    any other exception becomes internal_error."""

    def __init__(self, conn: _Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, TLSError):
            self.conn._fail(exc)
        elif isinstance(exc, Exception):
            err = InternalError(f"internal error: {type(exc).__name__}: {exc}")
            self.conn._fail(err)
            raise err from exc


class _Connection(ConnectionActions):
    def __init__(self, config: ClientConfig | ServerConfig, side: Literal["client", "server"]) -> None:
        self._config = config
        self._ctx = Context(side, config)
        self._records = RecordLayer()
        self._reassembler = HandshakeReassembler(config.max_handshake_message_size)
        self._progress = Progress()  # what an explanation of a failure needs (handshake/failure.py)
        self._out = OutgoingBytes()
        self._pending_handshake = bytearray()
        self._events: list[Event] = []
        # TraceEvents, or the fields of one not made yet (see _add_trace and the trace property); the details of
        # a message step are the message itself until read (see _trace_message).
        self._trace: list[
            TraceEvent | tuple[float, float, TraceKind, str, str, Mapping[str, object] | HandshakeMessage, bool | None]
        ] = []
        # The config is frozen: its clock and trace sink are read once, not for every trace step.
        self._monotonic = config.monotonic
        self._trace_sink = config.trace
        self._t0 = self._monotonic()
        # Trace timing: where the next step's work begins (the end of the step before it, or the moment the
        # connection was called after a wait), and the time an action was recorded while it is applied.
        self._mark = self._t0
        self._action_time: float | None = None
        self._error: TLSError | None = None
        self._state: State = Closed()
        self._negotiated: Negotiated | None = None
        self._exporter_master_secret: bytes | None = None
        self._exporter: Exporter | None = None
        self._sent_close = False
        self._peer_closed = False
        self._started = False
        self._warnings_in_a_row = 0

    # -- public API ----------------------------------------------------------------------------------

    @property
    def side(self) -> Literal["client", "server"]:
        return self._ctx.side

    @property
    def handshake_complete(self) -> bool:
        return self._negotiated is not None

    @property
    def negotiated(self) -> Negotiated | None:
        return self._negotiated

    @property
    def closed(self) -> bool:
        """True once we sent close_notify, the peer closed, or the connection failed."""
        return self._sent_close or self._peer_closed or self._error is not None

    @property
    def error(self) -> TLSError | None:
        return self._error

    @property
    def state_name(self) -> str:
        return self._state.name

    @property
    def step(self) -> str:
        """The step in progress, in words (the message the state waits for): what a person is shown."""
        return self._state.step

    def failure_context(self) -> FailureContext:
        """What was configured and what the peer offered so far (glasstls.explain reads it from a failure)."""
        negotiated = self._negotiated
        return failure_context(
            self._ctx.side,
            self._config,
            self._progress,
            step=self._state.step,
            wire_version=self._state.wire_version,
            negotiated_version=negotiated.version if negotiated is not None else None,
            record_progress=self._records.partial_record,
        )

    def data_to_send(self) -> bytes:
        if self._pending_handshake:
            self._flush_handshake()
        return self._out.take()

    def events(self) -> list[Event]:
        out = self._events
        self._events = []
        return out

    def receive_data(self, data: bytes) -> None:
        """Process bytes from the peer. Raises ``TLSError`` on failure (the fatal alert is then queued)."""
        if self._error is not None:
            raise self._error
        if self._peer_closed or not data:
            return  # RFC 8446 section 6.1: data after a closure alert is ignored
        # The error boundary (see _ErrorBoundary), written out: this runs for every chunk the transport delivers.
        self._mark = self._monotonic()  # the wait for these bytes belongs to no step
        try:
            records = self._records
            records.feed(data)
            while not self._peer_closed:
                ccs_seen = records.middlebox_ccs_received
                record = records.next_record()
                if records.middlebox_ccs_received != ccs_seen:
                    self._add_trace(
                        "record",
                        "ChangeCipherSpec",
                        "received change_cipher_spec (middlebox compatibility, RFC 8446 D.4): ignored",
                    )
                if record is None:
                    break
                self._handle_record(record[0], record[1])
        except TLSError as exc:
            self._fail(exc)
            raise
        except Exception as bug:
            err = InternalError(f"internal error: {type(bug).__name__}: {bug}")
            self._fail(err)
            raise err from bug

    def receive_eof(self) -> None:
        """The transport reached end of stream."""
        self._raise_if_failed()
        if self._peer_closed:
            return
        self._peer_closed = True
        self._mark = self._monotonic()
        if not self.handshake_complete:
            with self._boundary():
                raise ConnectionLost(
                    "the peer closed the connection during the handshake",
                    hint="the peer may have rejected our parameters without sending an alert; see its logs",
                )
        self._add_trace("info", "close", "the peer closed the transport without close_notify (truncation possible)")
        self._events.append(ConnectionClosed(clean=False))

    def send_data(self, data: bytes) -> None:
        self._raise_if_failed()
        if not self.handshake_complete:
            raise UsageError("send_data before the handshake completed")
        if self._sent_close:
            raise UsageError("send_data after close()")
        view = memoryview(bytes(data))
        self._mark = self._monotonic()
        with self._boundary():
            while True:
                protection = self._records.write_protection
                if not isinstance(protection, Tls13Protection):
                    # TLS 1.2: no KeyUpdate; the record layer fragments.
                    self._out += self._records.seal(ContentType.APPLICATION_DATA, bytes(view))
                    break
                if protection.limit is not None:
                    room = max(protection.limit - protection.records_protected, 0) * self._records.max_fragment_out
                    chunk, view = view[:room], view[room:]
                else:
                    chunk, view = view, view[len(view) :]
                if chunk:
                    self._out += self._records.seal(ContentType.APPLICATION_DATA, chunk)
                if protection.needs_key_update:
                    self._key_update(request_peer=False, reason="the AEAD usage limit was reached (RFC 8446 5.5)")
                if not view:
                    break

    def key_update(self, request_peer: bool = True) -> None:
        """Send KeyUpdate and switch to new write keys (RFC 8446 section 4.6.3)."""
        self._raise_if_failed()
        if not self.handshake_complete or self._sent_close:
            raise UsageError("key_update needs an established, open connection")
        if not isinstance(self._state, TrafficState):
            raise UsageError("key_update exists only in TLS 1.3 (RFC 8446 section 4.6.3)")
        self._mark = self._monotonic()
        with self._boundary():
            self._key_update(request_peer=request_peer, reason="requested by the application")

    def close(self) -> None:
        """Queue close_notify (RFC 8446 section 6.1). Idempotent."""
        if self._sent_close or self._error is not None:
            return
        self._sent_close = True
        self._mark = self._monotonic()
        self._flush_handshake()
        self._out += self._records.seal(
            ContentType.ALERT, Alert(AlertLevel.WARNING, AlertDescription.CLOSE_NOTIFY).encode()
        )
        self._add_trace("alert_sent", "close", "sent close_notify: no more data from this side")

    def export_keying_material(self, label: bytes, context: bytes | None, length: int) -> bytes:
        """RFC 8446 section 7.5 for TLS 1.3; RFC 5705 for TLS 1.2.

        ``context``: ``None`` for no context, ``b""`` for a present, empty one (RFC 5705 section 4 tells them
        apart in TLS 1.2, e.g. RFC 9266 tls-exporter uses an empty context; in TLS 1.3 both are the empty
        context, RFC 8446 section 7.5).
        """
        if self._exporter is not None:
            return self._exporter(label, context, length)
        if self._exporter_master_secret is None or not isinstance(self._state, TrafficState):
            raise UsageError("keying material can be exported only after the handshake")
        return ks.export_keying_material(
            self._state.suite, self._exporter_master_secret, label, context or b"", length
        )

    # -- internals: the error boundary -------------------------------------------------------------------

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _boundary(self) -> _ErrorBoundary:
        return _ErrorBoundary(self)

    def _fail(self, err: TLSError) -> None:
        """Record the failure, queue the fatal alert once, and close (DESIGN rule 7)."""
        if self._error is not None:
            return
        self._action_time = None  # a failure while applying actions is timed now
        err.with_step(self._state.step)
        if err.context is None:
            err.context = self.failure_context()
        self._error = err
        self._flush_handshake()
        if err.alert is not None:
            try:
                self._out += self._records.seal(ContentType.ALERT, Alert(AlertLevel.FATAL, err.alert).encode())
            except TLSError:
                pass
            self._add_trace("alert_sent", err.step or "error", f"sent fatal alert {err.alert}: {err.reason}", ok=False)
        else:
            self._add_trace("info", err.step or "error", f"connection failed: {err.reason}", ok=False)
        self._state = Closed()

    # -- internals: records and messages -----------------------------------------------------------------

    def _handle_record(self, content_type: ContentType, data: bytes) -> None:
        if content_type is _APPLICATION_DATA:
            # The bulk path: application data in an established connection. Anything unusual falls through
            # to the checks below, in their order.
            state = self._state
            if (
                state.accepts_application_data
                and isinstance(state, TrafficState | Traffic12)
                and not self._reassembler.in_progress
            ):
                if data:  # an empty record is no progress (the record layer bounds them in a row)
                    state.application_data_received()
                    self._warnings_in_a_row = 0
                    self._events.append(DataReceived(data))
                return
        if content_type is _HANDSHAKE or content_type == _HANDSHAKE:
            self._warnings_in_a_row = 0  # progress: each handshake message is bounded by its state
            reassembler = self._reassembler
            reassembler.feed(data)
            while not self._peer_closed:
                message = reassembler.next_message()
                if message is None:
                    break
                self._handle_message(*message)
            return
        if self._reassembler.in_progress:
            # RFC 8446 section 5.1: a fragmented handshake message must not be interleaved with other records.
            raise UnexpectedMessage(
                f"{content_type} record arrived in the middle of a fragmented handshake message",
                step="record layer",
            )
        if content_type == ContentType.CHANGE_CIPHER_SPEC:
            # TLS 1.2 (RFC 5246 section 7.1): the record layer delivers it only while the state accepts it.
            state = self._state
            if not state.accepts_ccs:
                raise UnexpectedMessage("unexpected change_cipher_spec", step=state.step)
            self._add_trace(
                "record", "ChangeCipherSpec", "received change_cipher_spec: the peer's next records are encrypted"
            )
            actions = Actions(self._monotonic)
            try:
                next_state = state.handle_ccs(actions)
            except TLSError as e:
                raise e.with_step(state.step) from None
            self._state = next_state
            self._apply(actions)
        elif content_type == ContentType.ALERT:
            self._handle_alert(data)
        elif content_type == ContentType.APPLICATION_DATA:
            state = self._state
            if isinstance(state, ExpectEndOfEarlyData):  # accepted 0-RTT data (RFC 8446 section 4.2.10)
                self._events.append(state.early_data_received(data))  # EndOfEarlyData's trace counts them
                return
            if not state.accepts_application_data or not isinstance(state, TrafficState | Traffic12):
                raise UnexpectedMessage("application data before the handshake completed", step=state.step)
            if data:
                state.application_data_received()
                self._warnings_in_a_row = 0
                self._events.append(DataReceived(data))
        else:
            raise UnexpectedMessage(f"unexpected {content_type} record", step="record layer")

    def _handle_message(self, msg_type: int, body: bytes, raw: bytes) -> None:
        state = self._state
        state.check_accepts(msg_type)
        try:
            message = state.decode(msg_type, body)
        except TLSError as e:
            raise e.with_step(state.step) from None
        name = _MESSAGE_NAMES.get(msg_type) or _message_name(msg_type)
        self._trace_message("message_received", name, f"received {name} ({len(raw)} bytes)", message)
        self._progress.on_received(msg_type, message)
        actions = Actions(self._monotonic)
        try:
            next_state = state.handle(message, raw, actions)
        except TLSError as e:
            raise e.with_step(state.step) from None
        self._state = next_state
        self._apply(actions)

    def _handle_alert(self, data: bytes) -> None:
        try:
            alert = Alert.decode(data)
        except TLSError as e:
            raise e.with_step("alert") from None
        self._events.append(AlertReceivedEvent(alert.level, alert.description))
        self._add_trace("alert_received", "alert", f"received {alert.level} alert {alert.description}")
        if alert.description == AlertDescription.CLOSE_NOTIFY:
            self._peer_closed = True
            if not self.handshake_complete:
                raise ConnectionLost("the peer sent close_notify before the handshake completed")
            self._events.append(ConnectionClosed(clean=True))
            return
        if alert.description == AlertDescription.USER_CANCELED or (
            # RFC 5246 section 7.2.2: TLS 1.2 warning alerts do not end the connection (e.g. no_renegotiation).
            alert.level == AlertLevel.WARNING and self._state.wire_version == ProtocolVersion.TLS12
        ):
            # RFC 8446 section 6.1: user_canceled is a warning; a close_notify should follow.
            self._warnings_in_a_row += 1
            if self._warnings_in_a_row > MAX_WARNING_ALERTS_IN_A_ROW:
                # CVE-2016-8610 ("SSL Death Alert"): bounded, then unexpected_message ("an inappropriate message",
                # RFC 8446 section 6.2, RFC 5246 section 7.2.2), as OpenSSL answers (SSL_R_TOO_MANY_WARN_ALERTS).
                raise UnexpectedMessage(
                    f"more than {MAX_WARNING_ALERTS_IN_A_ROW} warning alerts in a row without data",
                    step="alert",
                    hint="the peer floods non-fatal alerts (CVE-2016-8610 pattern)",
                )
            return
        # RFC 8446 section 6.2: in TLS 1.3 every other alert is fatal, whatever its level.
        self._peer_closed = True
        raise AlertReceived(alert.description)

    def _key_update(self, *, request_peer: bool, reason: str) -> None:
        state = self._state
        if not isinstance(state, TrafficState):
            raise UsageError("key update outside the connected state")
        actions = Actions(self._monotonic)
        state.update_write_keys(actions, request_peer=request_peer, reason=reason)
        self._apply(actions)


class ClientConnection(_Connection):
    """A TLS client, sans I/O. ``server_name`` is used for SNI and checked against the certificate.

    ``session_key``: the server identity under which sessions are stored in ``config.session_store`` and
    looked up for resumption (default: ``server_name``; a socket adapter passes ``"host:port"``). With neither,
    the connection does not resume.
    """

    def __init__(
        self, config: ClientConfig | None = None, server_name: str | None = None, session_key: str | None = None
    ) -> None:
        config = config or ClientConfig()
        if not isinstance(config, ClientConfig):
            raise UsageError("ClientConnection needs a ClientConfig")
        if server_name is None and not config.dangerous_skip_verification:
            raise UsageError(
                "server_name is required to verify the server's certificate "
                "(or set dangerous_skip_verification in a test lab)"
            )
        if server_name is not None:
            _check_server_name(server_name)  # ConfigError now, not mid-handshake
        super().__init__(config, "client")
        self._client_config = config
        self.server_name = server_name
        self.session_key = session_key if session_key is not None else server_name

    def start(self, early_data: bytes | None = None) -> None:
        """Queue the ClientHello; with ``early_data``, also that data as TLS 1.3 0-RTT when the stored ticket
        allows it (see ``handshake/early_data_client.py``: EarlyDataAccepted or EarlyDataRejected tells)."""
        if self._started:
            raise UsageError("start() was already called")
        self._started = True
        self._mark = self._monotonic()
        actions = Actions(self._monotonic)
        with self._boundary():
            config = self._client_config
            session = None
            store, key = config.session_store, self.session_key
            session12 = None
            if store is not None and key is not None and config.max_version >= ProtocolVersion.TLS13:
                # RFC 8446 appendix C.4: a TLS 1.3 ticket is taken out of the store (used once).
                session = store.take(key, version=ProtocolVersion.TLS13, now=config.clock())
            if store is not None and key is not None and config.min_version <= ProtocolVersion.TLS12:
                session12 = store.take(key, version=ProtocolVersion.TLS12, now=config.clock())
            self._state = client_negotiation.start_handshake(
                self._ctx, config, self.server_name, actions, session, session12=session12, early_data=early_data
            )
            self._apply(actions)

    def _remember(self, action: RememberSession) -> None:
        store = self._client_config.session_store
        if store is not None and self.session_key is not None:
            store.store(self.session_key, action.session)
            self._add_trace("info", "session", f"TLS 1.2 session stored for resumption under {self.session_key!r}")

    def _event_emitted(self, event: Event) -> None:
        """Keep each TLS 1.3 ticket in the session store, with what a resumed connection must report."""
        store = self._client_config.session_store
        negotiated = self._negotiated
        if not isinstance(event, NewSessionTicketReceived) or store is None or self.session_key is None:
            return
        ticket = event.ticket
        if negotiated is None or ticket.lifetime == 0:  # RFC 8446 section 4.6.1: 0 means discard at once
            return
        store.store(
            self.session_key,
            ClientSession(
                version=ProtocolVersion.TLS13,
                cipher_suite=ticket.cipher_suite,
                secret=ticket.psk,
                ticket=ticket.ticket,
                session_id=b"",
                extended_master_secret=False,
                created_at=datetime.fromtimestamp(ticket.received_at, UTC),
                lifetime=ticket.lifetime,
                age_add=ticket.age_add,
                alpn=negotiated.alpn_protocol,
                server_name=self.server_name,
                peer_certificates=tuple(certificate_der(c) for c in negotiated.peer_certificates),
                verified_at=negotiated.peer_verified_at,
                verified_with=negotiated.peer_verified_with,
                max_early_data=ticket.max_early_data_size or 0,
            ),
        )
        self._add_trace("info", "NewSessionTicket", f"session ticket stored for resumption under {self.session_key!r}")


class ServerConnection(_Connection):
    """A TLS server, sans I/O: waits for the ClientHello."""

    def __init__(self, config: ServerConfig) -> None:
        if not isinstance(config, ServerConfig):
            raise UsageError("ServerConnection needs a ServerConfig")
        super().__init__(config, "server")
        from glasstls.handshake import server_negotiation  # a client program never loads the server's states (issue 17)

        self._state = server_negotiation.ExpectClientHello(self._ctx, config)
        self._started = True


__all__ = ["ClientConnection", "DecodeError", "ServerConnection"]
