"""Structured trace events: one per step of the handshake (DESIGN: trace/).

A trace event carries labels and public values only: message fields, chosen parameters, the *labels* of
keys installed, the outcome of each check. Never a secret: secrets go only to the key log (keylog.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class TraceEvent:
    """One step. ``time`` is seconds since the connection object was created (injected clock)."""

    seq: int
    time: float
    side: Literal["client", "server"]
    kind: TraceKind
    step: str
    summary: str
    details: Mapping[str, object] = field(default_factory=dict)
    ok: bool | None = None  # for kind == "check": the outcome

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "time": round(self.time, 6),
            "side": self.side,
            "kind": self.kind,
            "step": self.step,
            "summary": self.summary,
            "details": dict(self.details),
            **({"ok": self.ok} if self.ok is not None else {}),
        }
