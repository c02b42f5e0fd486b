"""``glasstls verify``: the report for valid and failing chains, revocation inputs, --json, exit statuses;
and ``glasstls certs --revocation`` which writes the inputs."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from glasstls.cli import CliError
from glasstls.cli.main import main
from glasstls.cli.verify import parse_time, read_chain


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("verify-pki")
    assert main(["certs", str(directory), "--revocation"]) == 0
    return directory


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_certs_revocation_writes_the_files(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in (
        "revoked-server.pem",
        "revoked-server.key",
        "revoked-intermediate.pem",
        "server-under-revoked-intermediate.pem",
        "intermediate.crl.pem",
        "root.crl.pem",
        "ocsp-good.der",
        "ocsp-revoked.der",
        "ocsp-stale.der",
        "ocsp-other.der",
        "ocsp-delegated.der",
        "ocsp-responder.pem",
    ):
        assert (pki_dir / name).is_file(), name
    status, out, _ = run(["certs", str(pki_dir / "again"), "--revocation"], capsys)
    assert status == 0 and "intermediate.crl.pem" in out and "glasstls verify" in out


def test_valid_chain(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        ["verify", str(pki_dir / "server-ecdsa.pem"), "--host", "localhost", "--cafile", str(pki_dir / "root.pem")],
        capsys,
    )
    assert status == 0
    assert "verdict: VALID" in out
    assert "[0] CN=localhost (leaf, given (the chain file))" in out  # offline: given, not sent (issue 10 item 8)
    assert "(trust anchor, from the trust store (file " in out
    assert "extended key usage: serverAuth" in out
    assert "[ok]   revocation:" in out and "accepted under soft-fail" in out


def test_wrong_name_explains_what_it_covers(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        [
            "verify",
            str(pki_dir / "server-ecdsa.pem"),
            "--host",
            "api.example.com",
            "--cafile",
            str(pki_dir / "root.pem"),
        ],
        capsys,
    )
    assert status == 1
    assert "[FAIL] name: the certificate for CN=localhost covers localhost, 127.0.0.1 but not api.example.com" in out
    assert "verdict: INVALID (BadCertificate, alert" in out
    assert "fix: connect using a name the certificate covers" in out


def test_expired_at_a_given_time(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    later = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, out, _ = run(
        [
            "verify",
            str(pki_dir / "server-rsa.pem"),
            "--host",
            "127.0.0.1",
            "--cafile",
            str(pki_dir / "root.pem"),
            "--at",
            later,
            "--revocation",
            "off",
        ],
        capsys,
    )
    assert status == 1
    assert "CertificateExpired" in out and "expired on" in out and "days before the time of the check" in out


def test_missing_intermediate_and_unknown_ca(pki_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    leaf_only = tmp_path / "leaf.pem"
    text = (pki_dir / "server-ecdsa.pem").read_text()
    leaf_only.write_text(text[: text.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")] + "\n")
    status, out, _ = run(
        ["verify", str(leaf_only), "--host", "localhost", "--cafile", str(pki_dir / "root.pem")], capsys
    )
    assert status == 1 and "found neither among the 1 certificate given nor" in out and "did not send the" in out
    assert "glasstls verify CHAIN.pem" not in out  # not the command that is running (issue 10 item 8)
    status, out, _ = run(
        ["verify", str(pki_dir / "server-ecdsa.pem"), "--host", "localhost", "--capath", str(pki_dir)], capsys
    )
    assert status == 0  # the directory holds this PKI's root
    stranger = pki_dir / "revoked-intermediate.pem"  # a CA that did not issue this chain
    status, out, _ = run(
        ["verify", str(pki_dir / "server-ecdsa.pem"), "--host", "localhost", "--cafile", str(stranger)], capsys
    )
    assert status == 1 and "UnknownCA" in out and f"not in the trust store (file {stranger} (1 certificate))" in out


def test_revoked_by_crl(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--host", "localhost", "--cafile", str(pki_dir / "root.pem")]
    status, out, _ = run(
        ["verify", str(pki_dir / "revoked-server.pem"), *base, "--crl", str(pki_dir / "intermediate.crl.pem")], capsys
    )
    assert status == 1
    assert "CertificateRevoked, alert CERTIFICATE_REVOKED" in out
    assert "is revoked since" in out and "the CRL from CN=glasstls test intermediate CA" in out
    # A directory of CRLs; the intermediate revoked by the root's CRL.
    status, out, _ = run(
        ["verify", str(pki_dir / "server-under-revoked-intermediate.pem"), *base, "--crl", str(pki_dir)], capsys
    )
    assert status == 1 and "intermediate CA certificate CN=glasstls revoked intermediate CA" in out


def test_ocsp_responses(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(pki_dir / "server-ecdsa.pem"), "--host", "localhost", "--cafile", str(pki_dir / "root.pem")]
    status, out, _ = run(
        ["verify", *base, "--ocsp-response", str(pki_dir / "ocsp-good.der"), "--revocation", "hard-fail"], capsys
    )
    assert status == 0 and "is not revoked, says the stapled OCSP response" in out
    status, out, _ = run(["verify", *base, "--revocation", "hard-fail"], capsys)
    assert status == 1 and "CertificateUnknown" in out and "hard-fail" in out
    for name, words in (("ocsp-stale.der", "stale"), ("ocsp-other.der", "for another certificate")):
        status, out, _ = run(["verify", *base, "--ocsp-response", str(pki_dir / name)], capsys)
        assert status == 1 and "BadCertificateStatusResponse" in out and words in out


def test_json(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        [
            "verify",
            str(pki_dir / "revoked-server.pem"),
            "--host",
            "localhost",
            "--cafile",
            str(pki_dir / "root.pem"),
            "--ocsp-response",
            str(pki_dir / "ocsp-revoked.der"),
            "--json",
        ],
        capsys,
    )
    assert status == 1
    document = json.loads(out)
    assert document["schema"] == "glasstls.verify/1"
    assert document["ok"] is False
    assert document["error"]["type"] == "CertificateRevoked" and document["error"]["check"] == "revocation"
    assert [c["role"] for c in document["chain"]] == ["leaf", "intermediate CA", "trust anchor"]
    assert document["chain"][0]["extended_key_usage"] == ["serverAuth"]
    outcomes = {(c["name"], c["outcome"]) for c in document["checks"]}
    assert ("revocation", "failed") in outcomes and ("chain", "passed") in outcomes
    status, out, _ = run(
        ["verify", str(pki_dir / "server-ecdsa.pem"), "--cafile", str(pki_dir / "root.pem"), "--json"], capsys
    )
    document = json.loads(out)
    assert status == 0 and document["ok"] is True and document["error"] is None
    assert document["server_name"] is None
    assert next(c for c in document["checks"] if c["name"] == "name")["outcome"] == "skipped"


def test_client_certificate(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["verify", "--cafile", str(pki_dir / "root.pem")]
    status, out, _ = run([*base, str(pki_dir / "client.pem"), "--client"], capsys)
    assert status == 0 and "client certificate chain" in out
    status, out, _ = run([*base, str(pki_dir / "server-ecdsa.pem"), "--client"], capsys)
    assert status == 1 and "clientAuth" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--at", "yesterday"], "not an ISO 8601 time"),
        (["--capath", "/nonexistent"], "give one trust store"),
        (["--crl", "/nonexistent.crl"], "cannot read the CRL file"),
        (["--ocsp-response", "/nonexistent.der"], "cannot read the OCSP response file"),
        (["--host", "not a host!"], "neither a valid DNS name"),
        (["--client", "--host", "localhost"], "drop --host"),
    ],
)
def test_usage_errors(pki_dir: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    status, _, err = run(
        ["verify", str(pki_dir / "server-ecdsa.pem"), "--cafile", str(pki_dir / "root.pem"), *extra], capsys
    )
    assert status == 2
    assert message in err


def test_unreadable_chain_file(tmp_path: Path, pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["verify", str(tmp_path / "none.pem"), "--cafile", str(pki_dir / "root.pem")], capsys)
    assert status == 2 and "cannot read the chain file" in err
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    status, out, _ = run(["verify", str(garbage), "--cafile", str(pki_dir / "root.pem")], capsys)
    assert status == 1 and "[FAIL] parse:" in out


def test_helpers() -> None:
    assert parse_time("2026-01-15") == datetime(2026, 1, 15, tzinfo=UTC)
    assert parse_time("2026-01-15T12:00:00Z") == datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert parse_time("2026-01-15T13:00:00+01:00") == datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert read_chain(b"") == [] and read_chain(b"\x30\x00") == [b"\x30\x00"]


def test_exit_status_in_a_real_process(pki_dir: Path) -> None:
    base = [sys.executable, "-m", "glasstls", "verify", "--cafile", str(pki_dir / "root.pem"), "--host", "localhost"]
    good = subprocess.run([*base, str(pki_dir / "server-ecdsa.pem")], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run(
        [*base, str(pki_dir / "revoked-server.pem"), "--crl", str(pki_dir / "intermediate.crl.pem")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "certificate_revoked" in bad.stdout.lower()


# -- serve --ocsp-response, connect --crl / --revocation ----------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    from glasstls.cli.main import build_parser

    return build_parser().parse_args(argv)


def test_serve_ocsp_response_applies_to_the_cert_in_the_same_position(pki_dir: Path) -> None:
    from glasstls.cli import serve
    from glasstls.cli.output import Output

    out = Output(io.StringIO())
    pairs = ["--cert", str(pki_dir / "server-ecdsa.pem"), "--key", str(pki_dir / "server-ecdsa.key")]
    pairs += ["--cert", str(pki_dir / "server-rsa.pem"), "--key", str(pki_dir / "server-rsa.key")]
    config = serve.build_config(_parse(["serve", *pairs, "--ocsp-response", str(pki_dir / "ocsp-good.der")]), out)
    assert config.certificates[0].ocsp_response == (pki_dir / "ocsp-good.der").read_bytes()
    assert config.certificates[1].ocsp_response is None
    with pytest.raises(CliError, match="at most one --ocsp-response per --cert"):
        serve.build_config(_parse(["serve", "--ocsp-response", str(pki_dir / "ocsp-good.der")]), out)


def test_connect_revocation_options(pki_dir: Path) -> None:
    from glasstls.cli import connect

    base = ["connect", "localhost:4433", "--cafile", str(pki_dir / "root.pem")]
    default = connect.build_config(_parse(base))
    assert default.revocation == "soft-fail" and default.crls == ()
    config = connect.build_config(_parse([*base, "--crl", str(pki_dir), "--revocation", "hard-fail"]))
    assert config.revocation == "hard-fail" and len(config.crls) == 2
    with pytest.raises(SystemExit):
        _parse([*base, "--revocation", "maybe"])


@pytest.mark.timeout(60)
def test_connect_shows_revocation_checks_live(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from peers import openssl_server

    good = ["-status_file", str(pki_dir / "ocsp-good.der")]
    with openssl_server(pki_dir / "server-ecdsa.pem", pki_dir / "server-ecdsa.key", mode="www", extra_args=good) as s:
        argv = ["connect", f"127.0.0.1:{s.port}", "--servername", "localhost", "--cafile", str(pki_dir / "root.pem")]
        status, _, err = run([*argv, "--revocation", "hard-fail", "--trace", "--idle-timeout", "0.5"], capsys)
    assert status == 0, err
    assert "is not revoked, says the stapled OCSP response" in err
    revoked = ["-status_file", str(pki_dir / "ocsp-revoked.der")]
    with openssl_server(
        pki_dir / "revoked-server.pem", pki_dir / "revoked-server.key", mode="www", extra_args=revoked
    ) as s:
        argv = ["connect", f"127.0.0.1:{s.port}", "--servername", "localhost", "--cafile", str(pki_dir / "root.pem")]
        status, _, err = run([*argv, "--idle-timeout", "0.5"], capsys)
    assert status == 1
    assert "is revoked since" in err and "stapled OCSP response" in err


def test_certifi_store_is_named(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("certifi")
    status, out, _ = run(["verify", str(pki_dir / "server-ecdsa.pem"), "--host", "localhost", "--certifi"], capsys)
    assert status == 1 and "UnknownCA" in out and "not in the trust store (certifi " in out


def test_profile_option_and_json_rule_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 13: a chain path validation accepts but the web profile refuses (a leaf without extendedKeyUsage):
    exit 1 with the rule's stable id and citation in --json and the text; --profile rfc5280 accepts it."""
    from glasstls.pki import testpki as tp
    from glasstls.pki.trust import TrustStore

    root = tp.make_ca("verify profile root")
    intermediate = tp.make_ca("verify profile intermediate", issuer=root)
    root_pem = root.cert_pem(with_chain=False)
    leaf = tp.issue_certificate(intermediate, hosts=("localhost",), eku=None, key_name="verify-no-eku")
    chain = tmp_path / "no-eku.pem"
    chain.write_bytes(leaf.cert_pem())
    roots = tmp_path / "roots.pem"
    roots.write_bytes(root_pem)
    assert TrustStore.from_file(roots)
    base = ["verify", str(chain), "--host", "localhost", "--cafile", str(roots)]
    status, out, _ = run([*base, "--json"], capsys)
    assert status == 1
    document = json.loads(out)
    assert (
        document["profile"] == "web"
        and document["decided_by"] == "the web certificate profile, rule webpki.ee-without-eku"
    )
    failed = [c for c in document["checks"] if c["outcome"] == "failed"]
    assert [(c["name"], c["rule"], c["citation"]) for c in failed] == [
        ("profile", "webpki.ee-without-eku", "BR 7.1.2.7.6, 7.1.2.7.10")
    ]
    outcomes = {r["id"]: r["outcome"] for r in document["profile_rules"]}
    assert outcomes["webpki.ee-without-eku"] == "failed" and outcomes["rfc5280.ca-without-ski"] == "passed"
    status, out, _ = run(base, capsys)
    assert status == 1 and "[webpki.ee-without-eku, BR 7.1.2.7.6, 7.1.2.7.10]" in out
    assert "decided by: the web certificate profile" in out
    status, out, _ = run([*base, "--profile", "rfc5280"], capsys)
    assert status == 0 and "profile: rfc5280" in out and "verdict: VALID" in out
    status, _, err = run([*base, "--client-identity", "x"], capsys)
    assert status == 2 and "--client-identity checks a client certificate" in err


def test_max_depth_is_named_as_typed(pki_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify", str(pki_dir / "server-ecdsa.pem"), "--host", "localhost", "--cafile", str(pki_dir / "root.pem")]
    status, out, _ = run([*argv, "--max-depth", "0"], capsys)
    assert status == 1 and "more than the limit of 0" in out and "--max-depth" in out


def test_a_certificate_without_host_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A subjectAltName with only an email address: "lists no DNS name or IP address", not the garbled "covers no
    DNS names or IP addresses but not localhost" (issue 10 item 8)."""
    from glasstls.pki import testpki as tp

    made = tp.make_test_pki(("localhost",), now=datetime.now(UTC))
    mail_only = tp.issue_certificate(made.intermediate, hosts=("someone@glasstls.test",), now=datetime.now(UTC))
    chain = tmp_path / "mail-only.pem"
    chain.write_bytes(mail_only.cert_pem())
    root = tmp_path / "root.pem"
    root.write_bytes(made.root.cert_pem())
    status, out, _ = run(["verify", str(chain), "--host", "localhost", "--cafile", str(root)], capsys)
    assert status == 1
    assert "lists no DNS name or IP address in its subjectAltName, so it covers no host; localhost was wanted" in out
    assert "but not localhost" not in out
