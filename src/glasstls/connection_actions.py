"""How the connection applies the actions a state recorded (DESIGN rule 2: states record, the connection applies).

:class:`ConnectionActions` sits between the trace (``connection_trace.py``) and the connection classes
(``connection.py``): ``_apply`` runs an ``Actions`` list through :data:`_ACTION_HANDLERS`, one method per action
type: queue and coalesce handshake messages, seal alerts and change_cipher_spec, install record protection
(TLS 1.3 and 1.2), write the key log, emit events, finish the handshake. The attributes are set by the connection's
``__init__``; they are declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection_trace import _MESSAGE_NAMES, ConnectionTrace, _message_name
from glasstls.crypto import key_schedule as ks
from glasstls.errors import UnexpectedMessage
from glasstls.events import Event, HandshakeComplete, Negotiated
from glasstls.handshake.base import (
    Actions,
    AllowChangeCipherSpec,
    EarlyDataWrite,
    EmitEvent,
    Exporter,
    HandshakeDone,
    InstallKeys,
    InstallTls12Keys,
    LogSecret,
    RememberSession,
    SendAlert,
    SendChangeCipherSpec,
    SendMessage,
    SetPeerRecordSizeLimit,
    SkipEarlyData,
    State,
    Trace,
)
from glasstls.handshake.failure import Progress
from glasstls.record.layer import OutgoingBytes, RecordLayer
from glasstls.record.protection import NullProtection, Tls13Protection
from glasstls.record.protection12 import tls12_protection
from glasstls.record.reassembly import HandshakeReassembler
from glasstls.wire.enums import ContentType, ProtocolVersion
from glasstls.wire.messages import Alert

_APPLICATION_DATA = ContentType.APPLICATION_DATA


class ConnectionActions(ConnectionTrace):
    """Applies recorded actions (see the module doc); internal to ``glasstls.connection``."""

    _config: ClientConfig | ServerConfig
    _records: RecordLayer
    _reassembler: HandshakeReassembler
    _progress: Progress
    _out: OutgoingBytes
    _pending_handshake: bytearray
    _events: list[Event]
    _state: State
    _negotiated: Negotiated | None
    _exporter_master_secret: bytes | None
    _exporter: Exporter | None

    def _apply(self, actions: Actions) -> None:
        handlers = _ACTION_HANDLERS
        times = actions.times
        timed = len(times) == len(actions.items)
        for index, action in enumerate(actions.items):
            # A step is timed when the state recorded it (its work done), not now.
            self._action_time = times[index] if timed else None
            if type(action) is Trace:  # the most frequent action
                self._add_trace(action.kind, action.step, action.summary, action.details, action.ok)
                continue
            handler = handlers.get(type(action))
            if handler is None:
                handler = _handler_for(action)
            handler(self, action)
        self._action_time = None
        if self._pending_handshake:
            self._flush_handshake()
        self._records.deliver_ccs(self._state.accepts_ccs)
        # Applying (sealing records, building record protection) is no step's work.
        self._mark = max(self._mark, self._monotonic())

    # One method per action type (dispatched on the type, see _ACTION_HANDLERS below).

    def _apply_trace(self, action: Trace) -> None:
        self._add_trace(action.kind, action.step, action.summary, action.details, action.ok)

    def _apply_send(self, action: SendMessage) -> None:
        # Coalesce consecutive handshake messages under the same keys into as few records as possible.
        self._pending_handshake += action.raw
        message = action.message
        name = _MESSAGE_NAMES.get(message.msg_type) or _message_name(message.msg_type)
        self._trace_message("message_sent", name, f"sent {name} ({len(action.raw)} bytes)", message)
        self._progress.on_sent(message)

    def _apply_send_ccs(self, action: SendChangeCipherSpec) -> None:
        self._flush_handshake()
        self._out += self._records.seal(ContentType.CHANGE_CIPHER_SPEC, b"\x01")
        if self._state.wire_version == ProtocolVersion.TLS12:
            self._add_trace(
                "record",
                "ChangeCipherSpec",
                "sent change_cipher_spec: our next records are encrypted (RFC 5246 section 7.1)",
            )
        else:
            self._add_trace(
                "record",
                "compatibility",
                "sent change_cipher_spec (middlebox compatibility, RFC 8446 D.4)",
            )

    def _apply_alert(self, action: SendAlert) -> None:
        self._flush_handshake()
        self._out += self._records.seal(ContentType.ALERT, Alert(action.level, action.description).encode())
        self._add_trace("alert_sent", "alert", f"sent {action.level} alert {action.description}")

    def _apply_log_secret(self, action: LogSecret) -> None:
        self._keylog(action.keylog_label, action.secret)

    def _apply_allow_ccs(self, action: AllowChangeCipherSpec) -> None:
        self._records.allow_ccs(action.allowed)

    def _apply_event(self, action: EmitEvent) -> None:
        self._events.append(action.event)
        self._event_emitted(action.event)

    def _apply_early_data_write(self, action: EarlyDataWrite) -> None:
        self._flush_handshake()
        if action.data is None:  # after a HelloRetryRequest: the second ClientHello goes in plaintext
            self._records.set_write_protection(NullProtection())
        else:
            self._out += self._records.seal(_APPLICATION_DATA, action.data)

    def _apply_skip_early_data(self, action: SkipEarlyData) -> None:
        self._records.skip_early_data(action.limit)

    def _apply_record_size_limit(self, action: SetPeerRecordSizeLimit) -> None:
        self._records.set_max_fragment_out(action.limit)
        if self._config.record_size_limit is not None:
            self._records.set_max_plaintext_in(self._config.record_size_limit)

    def _apply_done(self, action: HandshakeDone) -> None:
        self._negotiated = action.negotiated
        self._exporter_master_secret = action.exporter_master_secret
        self._exporter = action.exporter
        self._events.append(HandshakeComplete(action.negotiated))
        n = action.negotiated
        self._add_trace(
            "info",
            "handshake complete",
            f"handshake complete: {n.version}, {n.cipher_suite}, {n.group}"
            + (f", ALPN {n.alpn_protocol!r}" if n.alpn_protocol else "")
            + (", resumed session (no certificate)" if n.resumed else ""),
        )

    def _apply_remember(self, action: RememberSession) -> None:
        self._remember(action)

    def _remember(self, action: RememberSession) -> None:
        """Overridden by the client, which owns a session store."""

    def _install12(self, action: InstallTls12Keys) -> None:
        protection = tls12_protection(
            action.suite, action.keys, encrypt_then_mac=action.encrypt_then_mac, random=self._config.random
        )
        if action.direction == "write":
            self._flush_handshake()
            self._records.set_write_protection(protection)
        else:
            if self._reassembler.buffered:
                # RFC 5246 section 7.1: change_cipher_spec must not interrupt a handshake message.
                raise UnexpectedMessage(
                    "change_cipher_spec arrived in the middle of a handshake message", step="record layer"
                )
            self._records.set_read_protection(protection)
        mode = action.suite.cipher_name + (
            "" if action.suite.is_aead else (", encrypt-then-MAC" if action.encrypt_then_mac else ", MAC-then-encrypt")
        )
        self._add_trace(
            "keys_installed",
            "key schedule",
            f"{action.label} keys installed for {'sending' if action.direction == 'write' else 'receiving'} ({mode})",
            {"secret": action.label, "direction": action.direction, "cipher_suite": str(action.suite.suite)},
        )

    def _event_emitted(self, event: Event) -> None:
        """A hook for the sides (the client stores session tickets)."""

    def _install(self, action: InstallKeys) -> None:
        suite = action.suite
        key, iv = ks.traffic_keys(suite, action.secret)
        limit = self._config.key_update_after_records or suite.confidentiality_limit
        protection = Tls13Protection(suite.aead(key), iv, limit=limit, tag_len=suite.tag_len)
        if action.direction == "write":
            self._flush_handshake()
            self._records.set_write_protection(protection)
        else:
            if self._reassembler.buffered:
                # RFC 8446 section 5.1: handshake messages must not span a key change.
                raise UnexpectedMessage(
                    "handshake data followed a key-changing message in the same record", step="record layer"
                )
            self._records.set_read_protection(protection)
        if action.keylog_label is not None:
            self._keylog(action.keylog_label, action.secret)
        self._add_trace(
            "keys_installed",
            "key schedule",
            f"{action.label} keys installed for {'sending' if action.direction == 'write' else 'receiving'}"
            f" ({suite.aead_name})",
            {"secret": action.label, "direction": action.direction, "cipher_suite": str(suite.suite)},
        )

    def _flush_handshake(self) -> None:
        if self._pending_handshake:
            data = bytes(self._pending_handshake)
            self._pending_handshake.clear()
            self._out += self._records.seal(ContentType.HANDSHAKE, data)

    def _keylog(self, label: str, secret: bytes) -> None:
        keylog = self._config.keylog
        if keylog is not None and self._ctx.client_random:
            keylog.log(label, self._ctx.client_random, secret)


#: How the connection applies each action type (DESIGN rule 2: states record actions, the connection applies).
_ACTION_HANDLERS: dict[type, Callable[[ConnectionActions, Any], None]] = {
    Trace: ConnectionActions._apply_trace,
    SendMessage: ConnectionActions._apply_send,
    SendChangeCipherSpec: ConnectionActions._apply_send_ccs,
    InstallKeys: ConnectionActions._install,
    InstallTls12Keys: ConnectionActions._install12,
    RememberSession: ConnectionActions._apply_remember,
    SendAlert: ConnectionActions._apply_alert,
    LogSecret: ConnectionActions._apply_log_secret,
    AllowChangeCipherSpec: ConnectionActions._apply_allow_ccs,
    EmitEvent: ConnectionActions._apply_event,
    SetPeerRecordSizeLimit: ConnectionActions._apply_record_size_limit,
    SkipEarlyData: ConnectionActions._apply_skip_early_data,
    EarlyDataWrite: ConnectionActions._apply_early_data_write,
    HandshakeDone: ConnectionActions._apply_done,
}


def _handler_for(action: object) -> Callable[[ConnectionActions, Any], None]:
    """The handler of an action whose exact type is not in the table (a subclass of an action type); an
    object that is no action is ignored, as it always was."""
    for cls, handler in _ACTION_HANDLERS.items():
        if isinstance(action, cls):
            return handler
    return _ignore


def _ignore(conn: ConnectionActions, action: object) -> None:
    return None


__all__ = ["ConnectionActions"]
