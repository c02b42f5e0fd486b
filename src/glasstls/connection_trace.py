"""The connection's trace: how each step is recorded and timed (the base of ``glasstls.connection``).

:class:`ConnectionTrace` is the first base of the connection classes (``connection.py`` <- ``connection_actions.py``
<- this): the bounded list of steps (:data:`MAX_TRACE_EVENTS`), each kept as its fields until the ``trace`` property
is read (or made at once for a trace sink), a message step's details described only when read, and the timing: a
side's steps follow each other (``_step_time``), from the mark the connection moves when it is called after a wait.
The attributes are set by the connection's ``__init__``; they are declared here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import cast

from glasstls.config import Monotonic, TraceSink
from glasstls.handshake.base import Context
from glasstls.trace.events import NO_DETAILS, LazyDetails, TraceEvent, TraceKind
from glasstls.wire.describe import describe
from glasstls.wire.enums import HandshakeType
from glasstls.wire.messages import HandshakeMessage

# Trace events kept per connection: the handshake needs a few dozen; post-handshake steps (KeyUpdate,
# tickets) are bounded so that a long-lived connection does not grow without bound.
MAX_TRACE_EVENTS = 2000


class ConnectionTrace:
    """A connection's trace steps and their timing (see the module doc); internal to ``glasstls.connection``."""

    _ctx: Context
    # TraceEvents, or the fields of one not made yet (see _add_trace and the trace property); the details of
    # a message step are the message itself until read (see _trace_message).
    _trace: list[
        TraceEvent | tuple[float, float, TraceKind, str, str, Mapping[str, object] | HandshakeMessage, bool | None]
    ]
    _monotonic: Monotonic
    _trace_sink: TraceSink | None
    _t0: float
    _mark: float
    _action_time: float | None

    @property
    def trace(self) -> list[TraceEvent]:
        """The steps so far, each explained (labels and public values only; never a secret)."""
        trace = self._trace
        side = self._ctx.side
        for seq, item in enumerate(trace):
            if type(item) is tuple:  # recorded without a sink: made into its TraceEvent on first read
                time, duration, kind, step, summary, details, ok = item
                if isinstance(details, HandshakeMessage):  # a message step: described when its details are read
                    details = LazyDetails(functools.partial(describe_message, details))
                trace[seq] = TraceEvent(seq, time, side, kind, step, summary, details, ok, duration)
        return cast(list[TraceEvent], list(trace))

    def _trace_message(self, kind: TraceKind, name: str, summary: str, message: HandshakeMessage) -> None:
        """A message sent or received; its details (the message described) are made only when read."""
        trace = self._trace
        if len(trace) < MAX_TRACE_EVENTS and self._trace_sink is None:
            # Kept as the message itself: the trace property makes its LazyDetails on first read.
            start, duration = self._step_time()
            trace.append((start, duration, kind, name, summary, message, None))
            return
        self._add_trace(kind, name, summary, LazyDetails(functools.partial(describe_message, message)))

    def _step_time(self) -> tuple[float, float]:
        """(start, duration) of a step whose work ends now (or when its action was recorded): it began where
        the side's step before it ended, so a side's steps never overlap nor go backwards."""
        end = self._action_time
        if end is None:
            end = self._monotonic()
        mark = self._mark
        if end < mark:
            end = mark
        self._mark = end
        return mark - self._t0, end - mark

    def _add_trace(
        self,
        kind: TraceKind,
        step: str,
        summary: str,
        details: object = None,
        ok: bool | None = None,
    ) -> None:
        trace = self._trace
        if len(trace) >= MAX_TRACE_EVENTS:
            return
        info: Mapping[str, object]
        if details is None:
            info = NO_DETAILS
        elif type(details) is dict or type(details) is LazyDetails or isinstance(details, Mapping):
            info = details
        else:
            info = {"value": details}
        sink = self._trace_sink
        start, duration = self._step_time()
        if sink is None:
            # Most connections never read their trace: keep the fields, make the TraceEvent when read.
            trace.append((start, duration, kind, step, summary, info, ok))
            return
        event = TraceEvent(len(trace), start, self._ctx.side, kind, step, summary, info, ok, duration)
        trace.append(event)
        sink(event)


_MESSAGE_NAMES: dict[int, str] = {int(t): str(t) for t in HandshakeType}


def _message_name(msg_type: int) -> str:
    """``str(HandshakeType(msg_type))``, from a table for the named types."""
    name = _MESSAGE_NAMES.get(msg_type)
    return name if name is not None else str(HandshakeType(msg_type))


def describe_message(message: object) -> dict[str, object]:
    view = describe(message)
    return view if isinstance(view, dict) else {"value": view}


__all__ = ["MAX_TRACE_EVENTS", "ConnectionTrace", "describe_message"]
