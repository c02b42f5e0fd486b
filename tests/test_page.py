"""The page of a connection (issue 16): built from what was captured and parsed, for a successful and a failed
handshake of each version; peer-controlled strings escaped; secret values only when passed."""

from __future__ import annotations

import re

import pytest

from glasstls import page
from glasstls.pki.testpki import issue_certificate
from glasstls.wire.enums import NamedGroup, ProtocolVersion
from handshake_pair import Pair, chain_of, client_config, pki, server_config

HOSTILE = '<script>alert("cn")</script><img src=x onerror=alert(1)>'


def _pair(version: str, *, server_name: str = "localhost", **server: object) -> Pair:
    client = (
        client_config(max_version=ProtocolVersion.TLS12)
        if version == "TLS12"
        else client_config(key_share_groups=(NamedGroup.X25519,))
    )
    if version == "TLS13":
        server.setdefault("groups", (NamedGroup.SECP384R1,))  # a HelloRetryRequest too
    return Pair(client, server_config(**server), server_name=server_name)


def _page(pair: Pair, **options: object) -> str:
    capture = page.watch(pair.client)
    pair.pump()
    return page.page_html(pair.client, capture, title="test", **options)  # type: ignore[arg-type]


def _message_names(html: str) -> list[str]:
    return re.findall(r'data-m="\d+"><b>([^<]*)</b>', html)


@pytest.mark.parametrize("version", ["TLS13", "TLS12"])
def test_the_page_of_a_successful_handshake(version: str) -> None:
    pair = _pair(version)
    capture = page.watch(pair.client)
    pair.handshake()
    html = page.page_html(pair.client, capture, title="test")
    picture = page.build_picture(capture.records, "client")
    # Every message of the connection is on the ladder, in wire order, and every record's bytes are shown.
    names = _message_names(html)
    assert [n for n in dict.fromkeys(names)] == list(dict.fromkeys(m.name for m in picture.messages))
    for record in picture.records:
        assert f'id="rec-{record.index}"' in html
        assert record.raw[:16].hex(" ") in html.replace("</span> <span", "").replace("\n", "") or record.raw[:1].hex()
    assert f"Connected: {page.version_words(version)}," in html  # "TLS 1.3", as a person writes it
    assert "HelloRetryRequest" in names if version == "TLS13" else "ServerHelloDone" in names
    # Self-contained: nothing to fetch, and a policy that forbids fetching.
    assert "default-src 'none'" in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|url\(|@import", html.split("<script>")[0])
    # The key schedule of its version, reached, without values (none passed).
    assert ("Handshake Secret" in html) == (version == "TLS13")
    assert ("master secret" in html) == (version == "TLS12")
    assert "Secret values are not on this page" in html
    for line in pair.client_keylog.lines:
        assert line.split()[2] not in html


@pytest.mark.parametrize("version", ["TLS13", "TLS12"])
def test_the_page_of_a_failed_handshake_shows_the_failing_step_with_cause_and_advice(version: str) -> None:
    pair = _pair(version, server_name="wrong.example")
    html = _page(pair)
    assert pair.client_error is not None
    assert 'class="banner fail"' in html
    assert "The handshake failed at certificate verification" in html
    assert 'class="failstep"' in html and "what to try:" in html
    names = _message_names(html)
    assert "Certificate" in names and "alert fatal bad_certificate" in names
    assert 'class="lab msg bad"' in html  # the fatal alert stands out on the ladder
    assert "(not reached)" in html  # the key schedule stopped where the handshake did


def test_a_hostile_certificate_subject_does_not_inject_markup() -> None:
    hostile = issue_certificate(
        pki().intermediate, hosts=("localhost",), common_name=HOSTILE, key_name="page-hostile", now=pki().now
    )
    pair = Pair(client_config(), server_config(certificates=(chain_of(hostile),)), server_name="wrong.example")
    html = _page(pair)
    # The subject reaches the page's texts (the cause, the checks), as RFC 4514 writes it: "\\<img src=x ...\\>".
    assert pair.client_error is not None and "<img src=x onerror=alert(1)" in str(pair.client_error)
    assert "<img" not in html and "<script\\" not in html and "onerror=alert(1)\\>" not in html
    assert "&lt;img src=x onerror=alert(1)\\&gt;" in html
    assert html.count("<script") == 1  # the page's own


def test_secret_values_appear_only_when_passed() -> None:
    pair = _pair("TLS13")
    capture = page.watch(pair.client)
    pair.handshake()
    random = page.client_random(capture)
    assert random is not None
    secrets = page.parse_keylog(pair.client_keylog.lines, random)
    assert set(secrets) >= {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"}
    html = page.page_html(pair.client, capture, title="t", secrets=secrets, secrets_note="demo keys")
    for value in secrets.values():
        assert value.hex() in html
    assert "demo keys" in html
    # Another connection's lines (another client random) are not this connection's secrets.
    assert page.parse_keylog(pair.client_keylog.lines, bytes(32)) == {}


def test_the_server_side_page_of_a_tls12_handshake() -> None:
    pair = _pair("TLS12")
    capture = page.watch(pair.server)
    pair.handshake()
    html = page.page_html(pair.server, capture, title="server")
    assert "As the server saw it" in html
    assert "ClientKeyExchange" in _message_names(html)


def test_the_page_writes_versions_as_a_person_does() -> None:
    """The banner and the summary say "TLS 1.3" / "TLS 1.2", never the enum names TLS13 / TLS12."""
    from glasstls.page.model import version_words

    assert version_words("TLS13") == "TLS 1.3" and version_words("TLS12") == "TLS 1.2"
    for version, words in (("TLS13", "TLS 1.3"), ("TLS12", "TLS 1.2")):
        pair = _pair(version)
        capture = page.watch(pair.client)
        pair.handshake()
        html = page.page_html(pair.client, capture, title="t")
        assert f"Connected: {words}," in html and f"messages, {words}." in html, version
        assert "Connected: TLS1" not in html and f"messages, {version}." not in html
