"""Structured trace events: one per step of the handshake (DESIGN: trace/).

A trace event carries labels and public values only: message fields, chosen parameters, the *labels* of
keys installed, the outcome of each check. Never a secret: secrets go only to the key log (keylog.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

TraceKind = Literal[
    "message_sent",
    "message_received",
    "keys_installed",
    "key_exchange",
    "check",
    "choice",
    "alert_sent",
    "alert_received",
    "record",
    "info",
]


class LazyDetails(Mapping[str, object]):
    """Details computed on first access: describing every message costs ~20% of a handshake, and most
    connections never read their trace. Reading it (``details[...]``, ``dict(details)``) computes it once."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Mapping[str, object]]) -> None:
        self._make: Callable[[], Mapping[str, object]] | None = make
        self._value: Mapping[str, object] | None = None

    def _get(self) -> Mapping[str, object]:
        if self._value is None:
            assert self._make is not None
            self._value = self._make()
            self._make = None
        return self._value

    def __getitem__(self, key: str) -> object:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return repr(dict(self._get()))


#: "No details": one empty, read-only mapping that every step without details shares (no dict made per step).
NO_DETAILS: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True)
class TraceEvent:
    """One step. ``time``: when the step's work began, in seconds since the connection object was created
    (the injected clock, ``config.monotonic``); ``duration``: the step's own work, in seconds. A side's steps
    never overlap and never go backwards: each begins where the one before it ended, or, after a wait for the
    peer or the application, when the connection was called again (the wait belongs to no step)."""

    seq: int
    time: float
    side: Literal["client", "server"]
    kind: TraceKind
    step: str
    summary: str
    details: Mapping[str, object] = field(default_factory=dict)
    ok: bool | None = None  # for kind == "check": the outcome
    duration: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "time": round(self.time, 6),
            "duration": round(self.duration, 6),
            "side": self.side,
            "kind": self.kind,
            "step": self.step,
            "summary": self.summary,
            "details": dict(self.details),
            **({"ok": self.ok} if self.ok is not None else {}),
        }
