"""The ladder in the terminal (issue 16): the page's ladder as ASCII lines, for --trace and the demo."""

from __future__ import annotations

import os
import subprocess
import sys

from glasstls import page
from glasstls.page.ladder import WIDTH, ladder_lines
from glasstls.wire.enums import NamedGroup
from handshake_pair import Pair, client_config, server_config


def test_the_ladder_has_one_arrow_per_message_and_record_both_ways() -> None:
    pair = Pair(
        client_config(key_share_groups=(NamedGroup.X25519,), record_size_limit=512),
        server_config(groups=(NamedGroup.SECP384R1,)),
    )
    capture = page.watch(pair.client)
    pair.handshake()
    picture = page.build_picture(capture.records, "client")
    lines = [text for text, _ in ladder_lines(picture)]
    assert all(len(line) == WIDTH - 2 and line.isascii() for line in lines)
    records = [line for line in lines if line.startswith("  | record #")]
    assert len(records) == len(picture.records)
    arrows = [line for line in lines if "->|" in line or "|<-" in line]
    assert len(arrows) == sum(len(m.records) for m in picture.messages)
    expected = [picture.messages[i] for record in picture.records for i in record.messages]
    for arrow, message in zip(arrows, expected, strict=True):  # wire order, each the right way
        assert f" {message.name}" in arrow
        assert ("->|" in arrow) == (message.sender == "client"), arrow
    assert {m.sender for m in expected} == {"client", "server"}
    # One message over several records (the client allows records of 512 bytes), several messages in one.
    assert any("(part 2 of" in a for a in arrows)
    assert lines.index(next(a for a in arrows if "HelloRetryRequest" in a)) < lines.index(
        next(a for a in arrows if "ServerHello," in a)
    )


def test_the_demo_draws_the_ladder_plain_when_piped() -> None:
    # Below its story; piped, the lines are plain ASCII without colour codes.
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SSLKEYLOGFILE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "demo", "--tls12"], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    ladder = out[out.index("The records on the wire, as the client saw them") : out.index("Negotiated:")]
    assert "\x1b[" not in ladder
    for name in (
        "ClientHello",
        "ServerHello",
        "Certificate",
        "ServerKeyExchange",
        "ServerHelloDone",
        "ClientKeyExchange",
        "ChangeCipherSpec",
        "Finished",
    ):
        assert f"-- {name}," in ladder or f" {name}, " in ladder, name
    assert "|-- ClientKeyExchange," in ladder and "|<-" in ladder
