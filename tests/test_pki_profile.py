"""The certificate profile on top of cryptography's path validation (issue 13): each rule refuses a chain that
cryptography accepts, names the rule (stable identifier, citation) in the report and in ``--json``, and the
``rfc5280`` profile keeps the other reading. Also: path building with many extra certificates, client
certificates without subjectAltName, and the expected client identity."""

from __future__ import annotations

import functools
import ipaddress
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import utils, x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from glasstls.errors import BadCertificate, UnsupportedCertificate
from glasstls.explain import explain
from glasstls.pki.certificate_profile import RULES, profile_violations, rules_for
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import CHECK_NAMES, ChainReport, explain_chain, report_of, verify_client_chain
from peers import PEER_TIMEOUT, require_tool

NOW = datetime.now(UTC).replace(microsecond=0)  # openssl (serial zero) signs from the real clock


def at() -> datetime:
    """The time of a check: just after now, so after the notBefore openssl gives the certificates it signs (the
    moment it signs, possibly minutes after this module was imported) and well inside every validity period."""
    return datetime.now(UTC) + timedelta(minutes=1)


EC_KEY = ec.generate_private_key(ec.SECP256R1())
ROOT_KEY = ec.generate_private_key(ec.SECP256R1())
INTER_KEY = ec.generate_private_key(ec.SECP256R1())
Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | dsa.DSAPrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _build(
    subject: x509.Name,
    key: Key,
    issuer: x509.Certificate | None,
    issuer_key: Key,
    *,
    ca: bool,
    extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
    serial: int | None = None,
    ski: bool = True,
    aki: x509.AuthorityKeyIdentifier | bool | None = True,
    bc_critical: bool = True,
    ski_critical: bool = False,
    aki_critical: bool = False,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=bc_critical)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
    if ski:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=ski_critical
        )
    if aki is True:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),  # type: ignore[arg-type]
            critical=aki_critical,
        )
    elif isinstance(aki, x509.AuthorityKeyIdentifier):
        builder = builder.add_extension(aki, critical=False)
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]


def _leaf_exts(
    names: Sequence[str] = ("example.com",),
    eku: Sequence[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.SERVER_AUTH,),
    *,
    san_critical: bool = False,
) -> list[tuple[x509.ExtensionType, bool]]:
    general: list[x509.GeneralName] = []
    for n in names:
        if "@" in n:
            general.append(x509.RFC822Name(n))
            continue
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            general.append(x509.DNSName(n))
    # RFC 5280 section 4.2.1.6: critical when the subject is empty.
    out: list[tuple[x509.ExtensionType, bool]] = [(x509.SubjectAlternativeName(general), san_critical)] if names else []
    if eku is not None:
        out.append((x509.ExtendedKeyUsage(list(eku)), False))
    return out


@dataclass
class Case:
    chain: list[x509.Certificate]  # leaf first, as sent
    root: x509.Certificate
    host: str = "example.com"

    def der(self) -> list[bytes]:
        return [c.public_bytes(Encoding.DER) for c in self.chain]

    def trust(self) -> TrustStore:
        return TrustStore.from_certificates([self.root], source="profile test root")

    def cryptography_accepts(self) -> bool:
        builder = PolicyBuilder().store(Store([self.root])).time(at())
        try:
            subject: x509.DNSName | x509.IPAddress = x509.IPAddress(ipaddress.ip_address(self.host))
        except ValueError:
            subject = x509.DNSName(self.host)
        try:
            builder.build_server_verifier(subject).verify(self.chain[0], self.chain[1:])
        except VerificationError:
            return False
        return True

    def report(self, profile: str | None = None) -> ChainReport:
        return explain_chain(self.der(), server_name=self.host, trust=self.trust(), at=at(), profile=profile)  # type: ignore[arg-type]


def chain(
    *,
    leaf_key: Key = EC_KEY,
    cn: str | None = None,
    names: Sequence[str] = ("example.com",),
    eku: Sequence[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.SERVER_AUTH,),
    leaf_serial: int | None = None,
    root_extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
    root_ski: bool = True,
    root_aki: x509.AuthorityKeyIdentifier | bool | None = None,
    root_key: Key = ROOT_KEY,
    inter_extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
    inter_ski: bool = True,
    inter_aki: bool = True,
    host: str | None = None,
    root_bc_critical: bool = True,
    inter_ski_critical: bool = False,
    inter_aki_critical: bool = False,
    eku_critical: bool = False,
    san_critical: bool | None = None,
    leaf_aki: bool = True,
) -> Case:
    """root -> intermediate -> leaf, valid by cryptography unless a parameter breaks it."""
    root = _build(
        _name("profile root"),
        root_key,
        None,
        root_key,
        ca=True,
        extensions=root_extensions,
        ski=root_ski,
        aki=root_aki,
        bc_critical=root_bc_critical,
    )
    inter = _build(
        _name("profile intermediate"),
        INTER_KEY,
        root,
        root_key,
        ca=True,
        extensions=inter_extensions,
        ski=inter_ski,
        aki=inter_aki,
        ski_critical=inter_ski_critical,
        aki_critical=inter_aki_critical,
    )
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) if cn is not None else x509.Name([])
    exts = _leaf_exts(names, eku, san_critical=cn is None if san_critical is None else san_critical)
    if eku_critical:
        exts = [(e, True) if isinstance(e, x509.ExtendedKeyUsage) else (e, c) for e, c in exts]
    leaf = _build(subject, leaf_key, inter, INTER_KEY, ca=False, extensions=exts, aki=leaf_aki)
    if leaf_serial is not None:
        leaf = _resign_with_serial(leaf, inter, leaf_serial)
    return Case([leaf, inter], root, host or names[0])


def _resign_with_serial(cert: x509.Certificate, issuer: x509.Certificate, serial: int) -> x509.Certificate:
    """cryptography will not write a serial number of zero: openssl issues the same certificate with one."""
    openssl = require_tool("openssl")
    csr = x509.CertificateSigningRequestBuilder().subject_name(cert.subject)
    for ext in cert.extensions:
        if not isinstance(ext.value, x509.SubjectKeyIdentifier | x509.AuthorityKeyIdentifier):
            csr = csr.add_extension(ext.value, critical=ext.critical)
    request = csr.sign(EC_KEY, hashes.SHA256())
    with tempfile.TemporaryDirectory(prefix="glasstls-profile-") as tmp:
        d = Path(tmp)
        (d / "req.pem").write_bytes(request.public_bytes(Encoding.PEM))
        (d / "ca.pem").write_bytes(issuer.public_bytes(Encoding.PEM))
        (d / "ca.key").write_bytes(INTER_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        (d / "ext.cnf").write_text("subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        argv = [openssl, "x509", "-req", "-in", d / "req.pem", "-CA", d / "ca.pem", "-CAkey", d / "ca.key"]
        argv += ["-set_serial", str(serial), "-days", "2", "-sha256", "-copy_extensions", "copyall"]
        argv += ["-extfile", d / "ext.cnf", "-out", d / "out.pem"]
        subprocess.run(argv, check=True, capture_output=True, timeout=PEER_TIMEOUT)
        # A serial of zero is the point of some cases; cryptography warns when it parses one, and glasstls's own
        # loader (crypto.keys) silences that warning, so the test does too rather than leak it into the run.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", utils.CryptographyDeprecationWarning)
            return x509.load_pem_x509_certificate((d / "out.pem").read_bytes())


def _rsa(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, bits)


_SKI_ROOT = x509.SubjectKeyIdentifier.from_public_key(ROOT_KEY.public_key()).digest

# rule id -> a chain that breaks only that rule (and that cryptography accepts)
BROKEN: dict[str, object] = {
    "webpki.rsa-key-too-small": lambda: chain(leaf_key=_rsa(1024)),
    "webpki.rsa-modulus-not-multiple-of-8": lambda: chain(leaf_key=_rsa(2052)),
    "webpki.ec-curve-not-allowed": lambda: chain(leaf_key=ec.generate_private_key(ec.SECP256K1())),
    "webpki.cn-not-in-san": lambda: chain(cn="other.example.com"),
    "webpki.cn-ip-not-canonical": lambda: chain(cn="192.168.001.001", names=("192.168.1.1",)),
    "webpki.wildcard-on-public-suffix": lambda: chain(names=("example.co.uk", "*.co.uk"), host="example.co.uk"),
    "webpki.ee-without-eku": lambda: chain(eku=None),
    "webpki.ee-any-eku": lambda: chain(
        eku=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE)
    ),
    "webpki.root-with-eku": lambda: chain(
        root_extensions=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)]
    ),
    "webpki.root-aki-issuer-serial": lambda: chain(
        root_aki=x509.AuthorityKeyIdentifier(_SKI_ROOT, [x509.DirectoryName(_name("profile root"))], 1234)
    ),
    "webpki.root-aki-mismatch": lambda: chain(root_aki=x509.AuthorityKeyIdentifier(b"\x01" * 20, None, None)),
    "rfc5280.ca-without-aki": lambda: chain(inter_aki=False),
    "rfc5280.ca-without-ski": lambda: chain(root_ski=False),
    "rfc5280.serial-not-positive": lambda: chain(leaf_serial=0),
    "rfc5280.policy-constraints-not-critical": lambda: chain(
        inter_extensions=[(x509.PolicyConstraints(require_explicit_policy=None, inhibit_policy_mapping=1), False)]
    ),
    "rfc5280.name-constraints-not-critical": lambda: chain(
        inter_extensions=[
            (x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None), False)
        ]
    ),
}


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    out: dict[str, Case] = {}
    for rule, make in BROKEN.items():
        try:
            out[rule] = make()  # type: ignore[operator]
        except (ValueError, TypeError) as exc:  # e.g. a serial number this cryptography refuses to write
            pytest.skip(f"cannot build the case for {rule}: {exc}")
    return out


def test_every_rule_has_a_case() -> None:
    # DSA is listed but cryptography cannot sign a leaf chain we then verify without DSA support everywhere:
    # it gets its own test below.
    assert {name.split()[0] for name in BROKEN} | {"webpki.dsa-key"} == set(RULES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_profile_refuses_what_cryptography_accepts(cases: dict[str, Case], name: str) -> None:
    case, rule = cases[name], name.split()[0]
    assert case.cryptography_accepts(), rule  # the gap this rule closes
    report = case.report()
    assert report.ok is False and report.failed_check == "profile" and report.profile == "web"
    error = report.error
    assert error is not None and error.kind == "profile-violation" and error.check == "profile"
    failed = [c for c in report.checks if c.name == "profile" and not c.ok]
    assert [c.rule for c in failed] == [rule], [c.detail for c in failed]  # exactly the rule the case breaks
    entry = failed[0]
    assert entry.citation == RULES[rule].citation and entry.hint and entry.detail == error.reason
    assert RULES[rule].citation in error.reason and error.hint
    expected = UnsupportedCertificate if RULES[rule].kind in ("key", "usage") else BadCertificate
    assert type(error) is expected
    assert report.decided_by == f"the web certificate profile, rule {rule}"
    # The verdict and the explanation agree: every check once per name, in order, each failure with a fix.
    assert list(dict.fromkeys(c.name for c in report.checks)) == list(CHECK_NAMES)
    assert all(c.hint for c in report.checks if not c.ok)
    document = report.as_dict()
    assert document["decided_by"] == report.decided_by and document["profile"] == "web"
    outcomes = {r["id"]: r["outcome"] for r in document["profile_rules"]}  # type: ignore[union-attr,index]
    assert outcomes[rule] == "failed" and set(outcomes) == {r.id for r in rules_for("web", "server")}
    assert any(c["rule"] == rule for c in document["checks"])  # type: ignore[union-attr,index]
    text = report.to_text()
    assert f"[{rule}, {RULES[rule].citation}]" in text and "decided by: the web certificate profile" in text
    # The explanation a person reads names the rule's cause and the fix.
    e = explain(error, side="client")
    assert e.kind == "profile-violation" and RULES[rule].citation in e.cause


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_rfc5280_profile_keeps_the_other_reading(cases: dict[str, Case], name: str) -> None:
    report, rule = cases[name].report("rfc5280"), name.split()[0]
    assert report.profile == "rfc5280"
    if "rfc5280" in RULES[rule].profiles:
        assert report.failed_check == "profile" and report.error is not None
        assert report.decided_by == f"the rfc5280 certificate profile, rule {rule}"
    else:
        assert report.ok, report.to_text()
        assert rule not in {r for r, _, _ in report.profile_rules}


def test_dsa_leaf() -> None:
    key = dsa.generate_private_key(2048)
    case = chain(leaf_key=key)
    report = case.report()
    if case.cryptography_accepts():
        assert report.failed_check == "profile"
        assert [c.rule for c in report.checks if not c.ok] == ["webpki.dsa-key"]
    else:
        assert not report.ok  # cryptography refuses it itself


def test_a_valid_chain_passes_every_rule() -> None:
    case = chain(cn="example.com", names=("example.com", "*.example.co.uk"))
    report = case.report()
    assert report.ok, report.to_text()
    entry = report.check("profile")
    assert entry.ok and "rules hold" in entry.detail and entry.rule is None
    assert all(outcome == "passed" for _, _, outcome in report.profile_rules)
    ip = chain(cn="2001:db8::1", names=("2001:db8::1",))
    assert ip.report().ok


@pytest.mark.parametrize(
    ("cn", "names", "rule", "words"),
    [
        ("Example.COM", ("example.com",), "webpki.cn-not-in-san", "differs from 'example.com' in case"),
        ("0xC0A80101", ("192.168.1.1",), "webpki.cn-ip-not-canonical", "192.168.1.1"),
        ("2001:DB8::8A2E:370:7334", ("2001:db8::8a2e:370:7334",), "webpki.cn-ip-not-canonical", "non-canonical"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", ("2001:db8::1",), "webpki.cn-ip-not-canonical", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", ("2001:db8::1:0:0:1",), "webpki.cn-ip-not-canonical", "2001:db8::1:0:0:1"),
        ("test-測試.com", ("xn--test--wg5h0h.com",), "webpki.cn-not-in-san", "written in Unicode (U-labels)"),
        ("xn--nxasmq6b.com", ("xn--n3h.com",), "webpki.cn-not-in-san", "not one of its subjectAltName entries"),
    ],
)
def test_common_name_forms(cn: str, names: tuple[str, ...], rule: str, words: str) -> None:
    """BR 7.1.4.3: the CN copies a SAN entry character for character; IP addresses in canonical text."""
    report = chain(cn=cn, names=names).report()
    failed = [c for c in report.checks if not c.ok]
    assert [c.rule for c in failed] == [rule] and words in failed[0].detail, failed


def test_private_namespace_wildcard() -> None:
    report = chain(names=("x.github.io", "*.github.io"), host="x.github.io").report()
    assert [c.rule for c in report.checks if not c.ok] == ["webpki.wildcard-on-public-suffix"]


def test_a_leaf_that_is_itself_the_anchor_is_not_profiled() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _build(_name("example.com"), key, None, key, ca=False, extensions=_leaf_exts(eku=None), aki=False)
    trust = TrustStore.from_certificates([leaf], source="the leaf itself")
    report = explain_chain([leaf.public_bytes(Encoding.DER)], server_name="example.com", trust=trust, at=at())
    if report.ok:
        assert report.check("profile").skipped


# -- path building with many certificates --------------------------------------------------------------------


def test_a_short_valid_path_among_many_certificates() -> None:
    """A server sends its leaf, 70 unrelated CA certificates and 8 decoys with its issuer's name (wrong key),
    then the real intermediate last: the path is found and verified; the extras are listed as unused."""
    case = chain()
    leaf, inter = case.chain
    root = case.root
    junk = [_build(_name(f"unrelated CA {i}"), EC_KEY, root, ROOT_KEY, ca=True) for i in range(70)]
    decoys = [
        _build(_name("profile intermediate"), ec.generate_private_key(ec.SECP256R1()), root, ROOT_KEY, ca=True)
        for _ in range(8)
    ]
    sent = [leaf, *junk, *decoys, inter]
    assert len(sent) > 64
    der = [c.public_bytes(Encoding.DER) for c in sent]
    report = explain_chain(der, server_name="example.com", trust=case.trust(), at=at())
    assert report.ok, report.to_text()
    assert len(report.certificates) == 3 and len(report.unused) == 78


def test_too_many_certificates_is_refused_with_the_bound() -> None:
    from glasstls.pki.verify import MAX_PEER_CERTIFICATES

    case = chain()
    der = case.der()
    report = explain_chain(
        [der[0]] + [der[1]] * MAX_PEER_CERTIFICATES, server_name="example.com", trust=case.trust(), at=at()
    )
    assert not report.ok and str(MAX_PEER_CERTIFICATES) in (report.error.reason if report.error else "")
    assert MAX_PEER_CERTIFICATES >= 64


# -- client certificates --------------------------------------------------------------------------------------


def client_case(*, names: Sequence[str] = (), cn: str = "alice") -> Case:
    root = _build(_name("client root"), ROOT_KEY, None, ROOT_KEY, ca=True, aki=None)
    inter = _build(_name("client intermediate"), INTER_KEY, root, ROOT_KEY, ca=True)
    exts = _leaf_exts(names, (ExtendedKeyUsageOID.CLIENT_AUTH,))
    if not names:
        exts = [e for e in exts if not isinstance(e[0], x509.SubjectAlternativeName)]
    leaf = _build(_name(cn), EC_KEY, inter, INTER_KEY, ca=False, extensions=exts)
    return Case([leaf, inter], root, "")


def test_client_certificate_without_subject_alt_name_is_accepted() -> None:
    case = client_case()
    verified = verify_client_chain(case.der(), trust=case.trust(), at=at())
    assert verified.leaf.subject.rfc4514_string() == "CN=alice"
    assert verified.check("name").skipped


def test_expected_client_identity() -> None:
    case = client_case(names=("alice@example.com", "device.example.com"))
    trust = case.trust()
    for accepted in (("alice",), ("ALICE@example.com",), ("bob", "device.example.com")):
        verified = verify_client_chain(case.der(), trust=trust, at=at(), identities=accepted)
        assert verified.check("name").ok and "accepted identity" in verified.check("name").detail
    with pytest.raises(BadCertificate) as info:
        verify_client_chain(case.der(), trust=trust, at=at(), identities=("bob", "carol.example.com"))
    error = info.value
    assert error.kind == "wrong-client-identity" and error.check == "name"
    assert "bob, carol.example.com" in error.reason and "CN:alice" in error.reason
    assert "email:alice@example.com" in error.reason and error.hint and "--client-identity" in error.hint
    report = report_of(error)
    assert report is not None and report.check("name").ok is False
    assert list(dict.fromkeys(c.name for c in report.checks)) == list(CHECK_NAMES)
    e = explain(error, side="server")
    assert e.kind == "wrong-client-identity" and "--client-identity" in e.fix
    # SAN-less: the CN is the identity.
    san_less = client_case(cn="enterprise-user-42")
    assert verify_client_chain(san_less.der(), trust=san_less.trust(), at=at(), identities=("enterprise-user-42",))


def test_a_trust_anchor_with_serial_zero_is_not_refused() -> None:
    """Six roots of Mozilla's store (e.g. Go Daddy Root Certificate Authority - G2) have serial number 0; the
    trust anchor stands for a name and a key (RFC 5280 section 6.1.1 (d)), so the serial rule skips it."""
    import warnings

    import certifi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns about the non-positive serial number
        roots = x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())
        zero = [r for r in roots if r.serial_number == 0]
        assert zero, "certifi no longer has a root with serial number 0"
        leaf = chain().chain[0]
        for root in zero:
            found = profile_violations([leaf, root], role="server", profile="rfc5280")
            assert "rfc5280.serial-not-positive" not in {v.rule.id for v in found}


# -- the client's profile, in a handshake --------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_certificate_profile_in_a_handshake(version: str) -> None:
    """A server leaf without extendedKeyUsage: the web profile (default) refuses it in both TLS versions through
    the one server-verification function; the rfc5280 profile accepts it; the sessions differ by profile."""
    from glasstls.errors import TLSError
    from glasstls.handshake.peer_auth import client_profile
    from glasstls.pki.testpki import issue_certificate
    from glasstls.wire.enums import ProtocolVersion
    from handshake_pair import Pair, chain_of, client_config, pki, server_config

    v = ProtocolVersion.TLS12 if version == "1.2" else ProtocolVersion.TLS13
    leaf = issue_certificate(pki().intermediate, hosts=("localhost",), eku=None, key_name="no-eku", now=pki().now)
    server = server_config(certificates=(chain_of(leaf),), min_version=v, max_version=v)
    refused = Pair(client_config(min_version=v, max_version=v), server)
    refused.pump()
    error = refused.client_error
    assert isinstance(refused.server_error, TLSError)  # the server got the client's alert
    assert isinstance(error, UnsupportedCertificate) and error.check == "profile"
    assert "BR 7.1.2.7.6" in error.reason and error.hint and "--profile rfc5280" in error.hint
    lenient = client_config(min_version=v, max_version=v, certificate_profile="rfc5280")
    client, _ = Pair(lenient, server).handshake()
    assert client.verified_chain is not None and client.verified_chain.check("profile").ok
    assert client_profile(lenient) != client_profile(client_config())
    assert (client_profile(lenient) or "").endswith("; profile rfc5280")


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_server_client_certificate_profile_in_a_handshake(version: str) -> None:
    """``ServerConfig.client_certificate_profile``: a client leaf whose RSA modulus has 2052 bits (not a whole
    number of bytes, BR 6.1.5; cryptography and RFC 5280 accept it) is accepted under the default rfc5280
    profile and refused under web, in both TLS versions through the one client-verification function; the
    report and the error name the profile that decided, the hint the option that chooses it."""
    from dataclasses import replace

    from glasstls.handshake.peer_auth import server_profile
    from glasstls.pki.testpki import CLIENT_AUTH, issue_certificate
    from glasstls.wire.enums import ProtocolVersion
    from handshake_pair import Pair, chain_of, client_config, pki, server_config

    v = ProtocolVersion.TLS12 if version == "1.2" else ProtocolVersion.TLS13
    leaf = issue_certificate(
        pki().intermediate, hosts=(), common_name="odd-modulus client", key=odd_rsa(), eku=(CLIENT_AUTH,), now=pki().now
    )
    client = client_config(min_version=v, max_version=v, client_certificate=chain_of(leaf))
    lenient = server_config(min_version=v, max_version=v, client_auth="required", client_trust=pki().trust_store())
    assert lenient.client_certificate_profile == "rfc5280"  # the default for client chains, as before
    _, server = Pair(client, lenient).handshake()
    assert server.peer_certificates[0] == leaf.certificate
    report = server.verified_chain.report
    assert report is not None and report.profile == "rfc5280" and server.verified_chain.check("profile").ok
    strict = replace(lenient, client_certificate_profile="web")
    refused = Pair(client, strict)
    refused.pump()
    error = refused.server_error
    assert isinstance(error, UnsupportedCertificate) and error.check == "profile", error
    assert "breaks the web certificate profile" in error.reason and "BR 6.1.5" in error.reason
    assert error.hint and "--client-profile rfc5280" in error.hint
    failed = report_of(error)
    assert failed is not None and failed.profile == "web"
    assert failed.decided_by == "the web certificate profile, rule webpki.rsa-modulus-not-multiple-of-8"
    assert not refused.server.handshake_complete and refused.client_error is not None  # told by an alert
    # Sessions are verified under a profile: the default's name is unchanged, web's differs.
    assert not (server_profile(lenient) or "").endswith("; profile rfc5280")
    assert (server_profile(strict) or "").endswith("; profile web")


@functools.cache
def odd_rsa() -> rsa.RSAPrivateKey:
    """An RSA key of 2052 bits: cryptography's verifier and OpenSSL (security level 2) accept it, the BRs not."""
    return _rsa(2052)


def test_web_profile_on_client_chains_leaves_out_the_server_leaf_rules() -> None:
    """Under web, a client chain gets the key and root rules but not the host-name and serverAuth rules: a
    client certificate names a person or machine (often only in its CN) and carries clientAuth."""
    from glasstls.pki.certificate_profile import SERVER_LEAF_RULES

    client_rules = {r.id for r in rules_for("web", "client")}
    assert client_rules == {r.id for r in rules_for("web", "server")} - SERVER_LEAF_RULES
    assert "webpki.rsa-key-too-small" in client_rules and "webpki.root-with-eku" in client_rules
    assert {r.id for r in rules_for("rfc5280", "client")} == {r.id for r in rules_for("rfc5280", "server")}
    san_less = client_case()  # CN only, EKU clientAuth: no server-leaf rule may refuse it
    verified = verify_client_chain(san_less.der(), trust=san_less.trust(), at=at(), profile="web")
    assert verified.check("profile").ok and "web profile" in verified.check("profile").detail


def test_issuer_not_found_names_the_ca_issuers_url() -> None:
    """issue 10 item 1: the leaf's issuer is neither sent nor trusted; the leaf's authorityInfoAccess caIssuers
    URL says where its issuer is published, so the explanation names it as the way to tell the two causes apart."""
    url = "http://ca.example.test/issuer.crt"
    aia = x509.AuthorityInformationAccess(
        [x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url))]
    )
    case = chain()
    inter = case.chain[1]
    leaf = _build(_name("example.com"), EC_KEY, inter, INTER_KEY, ca=False, extensions=[*_leaf_exts(), (aia, False)])
    other = TrustStore.from_certificates([_build(_name("other root"), EC_KEY, None, EC_KEY, ca=True)], source="other")
    report = explain_chain([leaf.public_bytes(Encoding.DER)], server_name="example.com", trust=other, at=at())
    assert report.error is not None and report.error.kind == "missing-intermediate"
    assert report.issuer_not_found is not None and report.issuer_not_found["ca_issuers_url"] == url
    assert report.issuer_not_found["issuer"] == "CN=profile intermediate"
    assert url in (report.error.hint or "") and "self-signed" in (report.error.hint or "")
    assert report.as_dict()["issuer_not_found"] == report.issuer_not_found


@pytest.mark.parametrize(
    ("key", "words"),
    [
        (lambda: _rsa(1024), "its RSA key has 1024 bits"),
        (lambda: ec.generate_private_key(ec.SECP192R1()), "on the curve secp192r1"),
    ],
)
def test_a_weak_root_key_is_named(key: object, words: str) -> None:
    """cryptography refuses a root whose key is too weak and says only that no chain could be built; the
    explanation names the certificate and its key."""
    case = chain(root_key=key())  # type: ignore[operator]
    assert not case.cryptography_accepts()
    report = case.report()
    assert report.error is not None and report.failed_check == "chain"
    assert isinstance(report.error, UnsupportedCertificate) and report.error.kind == "unsupported-certificate"
    assert "CN=profile root" in report.error.reason and words in report.error.reason
