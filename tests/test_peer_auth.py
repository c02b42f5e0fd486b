"""Authentication holds on every path (issue 9, items 1-3): the server verifies a client certificate the same
way in TLS 1.2 and TLS 1.3 (trust, time, revocation), and a resumed session satisfies the resuming side's
current policy (client auth, server name, how the peer was verified).

In memory with ``handshake_pair``; one live test with ``openssl s_client -tls1_2`` on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509

from glasstls.errors import CertificateError, CertificateRevoked
from glasstls.pki.testpki import CLIENT_AUTH, IssuedCertificate, issue_certificate, make_crl
from glasstls.pki.trust import TrustStore
from glasstls.sessions import ClientSessionStore, ServerSessionCache, TicketKeys
from glasstls.wire.enums import AlertDescription, ProtocolVersion
from handshake_pair import Pair, chain_of, client_config, pki, server_config
from interop_helpers import TEST_TIMEOUT, glasstls_server
from interop_helpers import server_config as live_server_config
from peers import run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13
VERSIONS = [pytest.param(TLS12, id="tls12"), pytest.param(TLS13, id="tls13")]


def _revoked_client(of: TestPKI) -> tuple[IssuedCertificate, x509.CertificateRevocationList]:
    """A client certificate under ``of``'s intermediate, and the intermediate's CRL that lists it."""
    revoked = issue_certificate(
        of.intermediate,
        hosts=("revoked-client@glasstls.test",),
        common_name="glasstls revoked test client",
        key_name="revoked-client",
        now=of.now,
        eku=(CLIENT_AUTH,),
    )
    return revoked, make_crl(of.intermediate, revoked=[revoked.certificate], now=of.now)


@functools.cache
def revoked_client() -> tuple[IssuedCertificate, x509.CertificateRevocationList]:
    return _revoked_client(pki())


def only(version: ProtocolVersion) -> dict[str, Any]:
    return {"min_version": version, "max_version": version}


def mtls_server(**overrides: Any) -> Any:
    options: dict[str, Any] = {"client_auth": "required", "client_trust": pki().trust_store()}
    options.update(overrides)
    return server_config(**options)


# -- item 1: one client verification for both versions ----------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("policy", ["soft-fail", "hard-fail"])
def test_revoked_client_certificate_is_refused_in_both_versions(version: ProtocolVersion, policy: str) -> None:
    cert, crl = revoked_client()
    server = mtls_server(client_revocation=policy, client_crls=(crl,))
    client = client_config(client_certificate=chain_of(cert), **only(version))
    pair = Pair(client, server)
    pair.pump()
    assert isinstance(pair.server_error, CertificateRevoked), pair.server_error
    assert pair.server_error.alert == AlertDescription.CERTIFICATE_REVOKED
    assert not pair.server.handshake_complete


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("policy", ["soft-fail", "hard-fail"])
def test_unrevoked_client_certificate_passes_the_same_checks(version: ProtocolVersion, policy: str) -> None:
    """The control: the same server and CRL accept the client certificate the CRL does not list."""
    _, crl = revoked_client()
    server = mtls_server(client_revocation=policy, client_crls=(crl,))
    client = client_config(client_certificate=chain_of(pki().client), **only(version))
    _c, s = Pair(client, server).handshake()
    assert s.version == version and s.verified_chain is not None
    assert any(check.name == "revocation" and check.ok for check in s.verified_chain.checks)


@pytest.mark.interop
@pytest.mark.timeout(TEST_TIMEOUT)
def test_openssl_client_with_revoked_certificate_is_refused_over_tls12(pki: TestPKI, tmp_path: Path) -> None:
    """``openssl s_client -tls1_2`` presents a certificate the server's CRL lists: certificate_revoked."""
    assert pki.files is not None
    cert, crl = _revoked_client(pki)
    cert_file, key_file = tmp_path / "revoked-client.pem", tmp_path / "revoked-client.key"
    cert_file.write_bytes(cert.cert_pem())
    key_file.write_bytes(cert.key_pem())
    key_file.chmod(0o600)
    config = live_server_config(
        pki,
        client_auth="required",
        client_trust=TrustStore.from_file(pki.files.root),
        client_revocation="soft-fail",
        client_crls=(crl,),
    )
    with glasstls_server(config) as server:
        result = run_openssl_client(
            server.port,
            cafile=pki.files.root,
            tls13_only=False,
            certfile=cert_file,
            keyfile=key_file,
            extra_args=["-tls1_2", "-state"],
        )
        session = server.session(0)
    assert result.returncode != 0
    assert isinstance(session.error, CertificateRevoked), session.error
    assert "alert read:fatal:certificate revoked" in result.output, result.output


# -- item 2: a resumed session satisfies the resuming server's current policy -----------------------------


def connect(client: Any, server: Any, **kwargs: Any) -> tuple[Pair, Any, Any]:
    """A handshake, then data both ways (which also delivers TLS 1.3 tickets to the client)."""
    pair = Pair(client, server, **kwargs)
    c, s = pair.handshake()
    assert pair.transfer("client", b"ping") == b"ping"
    assert pair.transfer("server", b"pong") == b"pong"
    return pair, c, s


def summaries(pair: Pair, side: str) -> str:
    return "\n".join(e.summary for e in pair.conn(side).trace)  # type: ignore[arg-type]


#: How a TLS 1.2 or 1.3 session travels between two servers: the ticket keys they share, or (TLS 1.2 session
#: IDs) the session cache they share.
SHARING = [
    pytest.param(TLS12, "ticket", id="tls12-ticket"),
    pytest.param(TLS12, "session-id", id="tls12-session-id"),
    pytest.param(TLS13, "ticket", id="tls13-ticket"),
]


def sharing_servers(how: str, **strict: Any) -> tuple[Any, Any]:
    """An open server (no client certificates) and a strict one (``client_auth="required"`` and ``strict``)
    that share their ticket keys (``how="ticket"``) or their session cache (``"session-id"``)."""
    if how == "ticket":
        shared: dict[str, Any] = {"ticket_keys": TicketKeys.generate()}
        open_server = server_config(session_cache=ServerSessionCache(), **shared)
        strict_server = mtls_server(session_cache=ServerSessionCache(), **shared, **strict)
    else:
        shared = {"session_cache": ServerSessionCache(), "ticket_keys": None, "single_use_tickets": False}
        open_server = server_config(**shared)
        strict_server = mtls_server(**shared, **strict)
    return open_server, strict_server


@pytest.mark.parametrize(("version", "how"), SHARING)
def test_session_without_client_certificate_is_not_resumed_where_one_is_required(
    version: ProtocolVersion, how: str
) -> None:
    """The open server makes a session with no client certificate; the strict one (same ticket keys or
    session cache) must not resume it: a full handshake, in which the client authenticates."""
    open_server, strict_server = sharing_servers(how)
    client = client_config(client_certificate=chain_of(pki().client), **only(version))
    _, _, s1 = connect(client, open_server)
    assert s1.peer_certificates == () and not s1.client_certificate_requested
    pair, c2, s2 = connect(client, strict_server)
    assert not c2.resumed and not s2.resumed
    assert s2.verified_chain is not None and s2.peer_certificates[0] == pki().client.certificate
    assert "this server requires one" in summaries(pair, "server")


@pytest.mark.parametrize(("version", "how"), SHARING)
def test_client_without_certificate_cannot_resume_into_a_server_that_requires_one(
    version: ProtocolVersion, how: str
) -> None:
    """Today's bug seen from the attacker's side: no certificate at all, a session from the open server."""
    open_server, strict_server = sharing_servers(how)
    client = client_config(**only(version))
    connect(client, open_server)
    pair = Pair(client, strict_server)
    pair.pump()
    assert not pair.server.handshake_complete and pair.server_error is not None
    assert type(pair.server_error).__name__ in ("HandshakeFailure", "CertificateRequired"), pair.server_error


@pytest.mark.parametrize(("version", "how"), SHARING)
def test_session_with_a_verified_client_certificate_resumes(version: ProtocolVersion, how: str) -> None:
    _, strict_server = sharing_servers(how)
    client = client_config(client_certificate=chain_of(pki().client), **only(version))
    _, _, s1 = connect(client, strict_server)
    _, c2, s2 = connect(client, strict_server)
    assert c2.resumed and s2.resumed
    assert s2.peer_certificates[0] == pki().client.certificate
    assert s2.verified_chain is None  # not verified on this connection ...
    assert s2.peer_verified_at == s1.peer_verified_at is not None  # ... but in the session's full handshake
    assert s2.peer_verified_with == s1.peer_verified_with is not None


@functools.cache
def other_root() -> x509.Certificate:
    from glasstls.pki.testpki import make_ca

    return make_ca("glasstls other test root CA", now=pki().now).certificate


@pytest.mark.parametrize(("version", "how"), SHARING)
@pytest.mark.parametrize("change", ["trust", "revocation", "identities", "profile"])
def test_client_certificate_verified_under_other_settings_is_verified_again(
    version: ProtocolVersion, how: str, change: str
) -> None:
    """Two strict servers share keys; the second trusts another set of anchors (which still includes the
    client's root) or checks revocation differently: the session's verification does not vouch for it."""
    first_trust = pki().trust_store()
    _, one = sharing_servers(how)
    if change == "trust":
        other = TrustStore.from_certificates([pki().root.certificate, other_root()], source="two roots")
        two = dataclasses.replace(one, client_trust=other)
    elif change == "revocation":
        two = dataclasses.replace(one, client_revocation="off")
    elif change == "identities":  # accepts only this client by name (issue 13): a session verified for any
        two = dataclasses.replace(one, client_identities=(pki().client.subject.removeprefix("CN="),))  # client
    else:  # holds client chains to the web profile's rules too (issue 13): rfc5280 does not vouch for them
        two = dataclasses.replace(one, client_certificate_profile="web")
    assert one.client_trust == first_trust
    client = client_config(client_certificate=chain_of(pki().client), **only(version))
    connect(client, one)
    pair, c2, s2 = connect(client, two)
    assert not c2.resumed and not s2.resumed and s2.verified_chain is not None
    assert "its client certificate was verified under" in summaries(pair, "server")


# -- item 3: a client offers a session only to a configuration that would have accepted it ----------------


@functools.cache
def untrusted_server_chain() -> Any:
    """A self-signed certificate for localhost: no verifying client accepts it."""
    return chain_of(issue_certificate(None, hosts=("localhost",), key_name="untrusted-localhost", now=pki().now))


@pytest.mark.parametrize("version", VERSIONS)
def test_insecure_session_is_not_offered_by_a_verifying_configuration(version: ProtocolVersion) -> None:
    """``dataclasses.replace(cfg, dangerous_skip_verification=True)`` shares ``cfg``'s session store. Its
    session with a server under an untrusted CA must not let ``cfg`` in without verification."""
    cfg = client_config(**only(version))
    insecure = dataclasses.replace(cfg, dangerous_skip_verification=True)
    assert insecure.session_store is cfg.session_store
    server = server_config(certificates=(untrusted_server_chain(),))
    _, c1, _ = connect(insecure, server)
    assert c1.peer_verified_at is None and c1.peer_verified_with is None and c1.verified_chain is None
    pair = Pair(cfg, server)
    pair.pump()
    assert not pair.client.handshake_complete
    assert isinstance(pair.client_error, CertificateError), pair.client_error
    assert "never verified" in summaries(pair, "client")


@pytest.mark.parametrize("version", VERSIONS)
def test_session_verified_against_other_trust_is_not_offered(version: ProtocolVersion) -> None:
    cfg = client_config(**only(version))
    other = dataclasses.replace(
        cfg, trust=TrustStore.from_certificates([pki().root.certificate, other_root()], source="two roots")
    )
    server = server_config()
    connect(cfg, server)
    # The same anchors loaded again (another TrustStore object, another source) are the same trust: resumed.
    again = dataclasses.replace(cfg, trust=TrustStore.from_certificates([pki().root.certificate], source="again"))
    _, c2, _ = connect(again, server)
    assert c2.resumed
    pair, c3, _ = connect(other, server)
    assert not c3.resumed and c3.verified_chain is not None
    assert "its server was verified under" in summaries(pair, "client")


@pytest.mark.parametrize("version", VERSIONS)
def test_negotiated_says_whether_and_when_the_peer_was_verified(version: ProtocolVersion) -> None:
    clock = Clock(pki().now + timedelta(hours=1))
    cfg = client_config(clock=clock, **only(version))
    server = server_config(clock=clock)
    _, c1, _ = connect(cfg, server)
    assert c1.verified_chain is not None and c1.peer_verified_at == clock.now
    assert c1.peer_verified_with is not None and c1.peer_verified_with.startswith("trust sha256:")
    verified_at = clock.now
    clock.advance(60)
    _, c2, _ = connect(cfg, server)
    assert c2.resumed and c2.verified_chain is None  # existing meaning: not verified on this connection
    assert c2.peer_verified_at == verified_at and c2.peer_verified_with == c1.peer_verified_with
    # A session of a resumed connection (TLS 1.3 hands out new tickets) keeps the original verification.
    clock.advance(60)
    _, c3, _ = connect(cfg, server)
    assert c3.resumed and c3.peer_verified_at == verified_at
    # An insecure configuration reports that nothing was verified, resumed or not.
    insecure = dataclasses.replace(cfg, dangerous_skip_verification=True, session_store=ClientSessionStore())
    _, i1, _ = connect(insecure, server)
    _, i2, _ = connect(insecure, server)
    assert i2.resumed and (i1.peer_verified_at, i2.peer_verified_at, i2.peer_verified_with) == (None, None, None)


class Clock:
    """A settable clock (injected through the configs)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
