"""The ladder diagram of a connection for the terminal: the page's ladder in plain ASCII lines.

One line per record (its number, content type, size, plaintext or encrypted, when), then one arrow per message it
carries (several messages in one record; a message over several records shows each part), client on the left,
server on the right. Each line comes with a style for rich (the CLI's Output prints it plain when piped).
"""

from __future__ import annotations

from glasstls.page.model import Picture

__all__ = ["WIDTH", "ladder_lines"]

#: Characters per line: fits an 80-column terminal.
WIDTH = 78
_INDENT = "  "

#: Styles (rich markup names) by kind of line.
STYLES = {"header": "bold", "record": "dim", "client": "blue", "server": "magenta", "fatal": "bold red"}


def _arrow(label: str, from_client: bool, inner: int) -> str:
    text = f" {label} "
    room = inner - 6  # the arrow's ends: "|--" and "->|" (or "|<-" and "--|")
    if len(text) > room:
        text = text[: room - 4] + "... "
    fill = "-" * (room - len(text))
    if from_client:
        return f"|--{text}{fill}->|"
    return f"|<-{fill}{text}--|"


def ladder_lines(picture: Picture, width: int = WIDTH) -> list[tuple[str, str]]:
    """``(line, style)`` pairs: the header, then each record and the arrows of its messages."""
    inner = width - 2 * len(_INDENT)
    side = inner - len("client") - len("server")
    out = [(f"{_INDENT}client{' ' * side}server", STYLES["header"])]
    for record in picture.records:
        state = "encrypted" if record.encrypted else "plaintext"
        kind = record.content_type.lower()
        about = f"record #{record.index}: {kind}, {len(record.raw)} bytes, {state}, at {record.time * 1000:.1f} ms"
        if len(about) > inner - 4:
            about = about[: inner - 7] + "..."
        out.append((f"{_INDENT}| {about}{' ' * (inner - 3 - len(about))}|", STYLES["record"]))
        for index in record.messages:
            message = picture.messages[index]
            label = message.name
            if len(message.records) > 1:
                label += f" (part {message.records.index(record.index) + 1} of {len(message.records)})"
            label += f", {message.size} bytes"
            from_client = message.sender == "client"
            style = STYLES["client" if from_client else "server"]
            if message.error or message.name.startswith("alert fatal"):
                style = STYLES["fatal"]
            out.append((_INDENT + _arrow(label, from_client, inner), style))
    if picture.dropped_records:
        out.append((f"{_INDENT}({picture.dropped_records} later records not kept)", STYLES["record"]))
    return out
