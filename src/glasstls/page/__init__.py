"""The page of one connection: an illustrated, byte-by-byte, self-contained HTML file (issue 16).

``capture = watch(conn)`` before the handshake starts (it keeps the connection's records, bounded), then
``write_page(path, conn, capture, ...)`` when it is over, whether it succeeded or failed. Secret values appear on
the page only when the caller passes them (``secrets``: the demo's throwaway keys, or a key log the user gave).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from glasstls.connection import ClientConnection, ServerConnection
from glasstls.explain import Explanation
from glasstls.page.html import PageInput, render_page
from glasstls.page.keys import key_schedule, parse_keylog, read_secrets
from glasstls.page.model import Picture, build_picture, version_words
from glasstls.record.capture import CapturingRecordLayer, RecordCapture

__all__ = [
    "NO_SECRETS",
    "Picture",
    "build_picture",
    "client_random",
    "page_html",
    "parse_keylog",
    "read_secrets",
    "version_words",
    "watch",
    "write_page",
]

NO_SECRETS = (
    "Secret values are not on this page: it shows the stages and their labels only. They appear only in the "
    "demo (whose keys are throwaway) or when you pass a key log yourself (--keylog FILE)."
)


def watch(conn: ClientConnection | ServerConnection) -> RecordCapture:
    """Keep the records of ``conn`` from now on (call before ``start()`` / the first bytes): its record layer,
    still untouched, is replaced by one that notes each record (a new object, not a class swapped in place,
    which a compiled connection would not see)."""
    capture = RecordCapture()
    conn._records = CapturingRecordLayer(capture)
    return capture


def client_random(capture: RecordCapture) -> bytes | None:
    """ClientHello.random of the connection (the key log's key), from its first captured record."""
    for record in capture.records:
        content = record.content or b""
        if record.content_type == 22 and content[:1] == b"\x01" and len(content) >= 38:
            return content[6:38]
    return None


def page_html(
    conn: ClientConnection | ServerConnection,
    capture: RecordCapture,
    *,
    title: str,
    explanation: Explanation | None = None,
    secrets: Mapping[str, bytes] | None = None,
    secrets_note: str = NO_SECRETS,
) -> str:
    picture = build_picture(capture.records, conn.side, capture.dropped)
    negotiated = conn.negotiated
    version = picture.version or (str(negotiated.version) if negotiated is not None else "TLS13")
    if explanation is None and conn.error is not None:
        from glasstls.explain import explain

        explanation = explain(conn.error, side=conn.side)
    if explanation is not None:
        outcome = f"The handshake failed at {explanation.step}."
    elif negotiated is not None:
        outcome = (
            f"Connected: {version_words(str(negotiated.version))}, {negotiated.cipher_suite}"
            f"{', ' + str(negotiated.group) if negotiated.group is not None else ''}"
            f"{', resumed' if negotiated.resumed else ''}."
        )
    else:
        outcome = "The handshake did not finish."
    stages = key_schedule(version, conn.trace, dict(secrets) if secrets else None)
    return render_page(PageInput(title, picture, conn.trace, stages, secrets_note, outcome, explanation))


def write_page(
    path: str | os.PathLike[str],
    conn: ClientConnection | ServerConnection,
    capture: RecordCapture,
    **options: object,
) -> Path:
    """Write the page of ``conn`` to ``path`` (see :func:`page_html` for the options)."""
    out = Path(path)
    out.write_text(page_html(conn, capture, **options), encoding="utf-8")  # type: ignore[arg-type]
    return out
