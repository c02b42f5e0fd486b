"""Name matching explanations (RFC 6125 section 6.4) and server name parsing."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from glasstls.errors import ConfigError
from glasstls.pki.names import dns_name_matches, explain_name_mismatch, parse_server_name
from glasstls.pki.testpki import issue_certificate, make_ca

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("example.org", "example.org", True),
        ("Example.ORG", "example.org.", True),
        ("example.org", "www.example.org", False),
        ("*.example.org", "a.example.org", True),
        ("*.example.org", "A.Example.Org", True),
        ("*.example.org", "example.org", False),  # not the bare parent
        ("*.example.org", "a.b.example.org", False),  # exactly one label
        ("*.org", "example.org", False),  # no wildcard directly under a single label
        ("a*.example.org", "ab.example.org", False),  # partial-label wildcards are not honoured
        ("*.*.example.org", "a.b.example.org", False),
        ("", "example.org", False),
    ],
)
def test_dns_name_matches(pattern: str, host: str, expected: bool) -> None:
    assert dns_name_matches(pattern, host) is expected


def test_parse_server_name() -> None:
    assert parse_server_name("Example.COM.").text == "example.com"
    assert not parse_server_name("example.com").is_ip
    ip = parse_server_name("[::1]")
    assert ip.ip == ipaddress.ip_address("::1") and ip.text == "::1"
    assert parse_server_name("127.0.0.1").is_ip
    with pytest.raises(ConfigError):
        parse_server_name("not a host name!")


def test_explain_mismatch() -> None:
    ca = make_ca("names CA", now=NOW)
    cert = issue_certificate(ca, hosts=["*.example.org", "example.org", "10.1.2.3"], now=NOW).certificate
    assert explain_name_mismatch(cert, parse_server_name("a.example.org"), "X") is None
    assert explain_name_mismatch(cert, parse_server_name("10.1.2.3"), "X") is None
    why = explain_name_mismatch(cert, parse_server_name("api.example.com"), "CN=x")
    assert why == "the certificate for CN=x covers *.example.org, example.org, 10.1.2.3 but not api.example.com"
    ip_why = explain_name_mismatch(cert, parse_server_name("10.9.9.9"), "CN=x")
    assert ip_why is not None and "IP address 10.9.9.9" in ip_why
    no_san = issue_certificate(ca, hosts=[], common_name="example.org", now=NOW).certificate
    none_why = explain_name_mismatch(no_san, parse_server_name("example.org"), "CN=example.org")
    assert none_why is not None and "no subjectAltName" in none_why and "6.4.4" in none_why


def test_parse_server_name_remembered_and_ip_literals() -> None:
    first = parse_server_name("Host.Example.")
    assert parse_server_name("Host.Example.") is first and first.text == "host.example"
    assert parse_server_name("10.0.0.1").ip == ipaddress.ip_address("10.0.0.1")
    assert parse_server_name("fe80::1").ip == ipaddress.ip_address("fe80::1")
    assert not parse_server_name("10.0.0").is_ip  # digits and dots, but no IPv4 address: a DNS name
    assert not parse_server_name("1.2.3.4.5").is_ip
    for bad in ("::g", "[1.2.3.999]", "1.2.3.999:"):
        with pytest.raises(ConfigError):
            parse_server_name(bad)
    with pytest.raises(ConfigError):  # a failure is not remembered: it fails again
        parse_server_name("not a host name!")


def test_certificate_names_and_covers_remembered() -> None:
    from glasstls.pki.names import certificate_covers, certificate_names

    ca = make_ca("names root", now=NOW)
    cert = issue_certificate(ca, hosts=["a.example", "*.w.example", "192.0.2.7"], now=NOW).certificate
    names = certificate_names(cert)
    assert names is not None
    names[0].append("mutated.example")  # the caller's lists are its own
    assert certificate_names(cert) == (["a.example", "*.w.example"], [ipaddress.ip_address("192.0.2.7")])
    assert certificate_covers(cert, "a.example") and certificate_covers(cert, "a.example")
    assert certificate_covers(cert, "x.w.example") and not certificate_covers(cert, "w.example")
    assert certificate_covers(cert, "192.0.2.7") and not certificate_covers(cert, "192.0.2.8")
    assert not certificate_covers(cert, "mutated.example")
    assert not certificate_covers(cert, "not a name!")
