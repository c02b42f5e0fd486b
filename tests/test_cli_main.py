"""The CLI in-process: ``main(argv)``, option parsing, ``certs``, the renderer and both output modes."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from glasstls.cli import (
    CliError,
    legacy_flags,
    legacy_warnings,
    parse_alpn,
    parse_cipher_suites,
    parse_groups,
    parse_versions,
)
from glasstls.cli import connect as connect_cmd
from glasstls.cli import serve as serve_cmd
from glasstls.cli.connect import parse_target
from glasstls.cli.main import build_parser, main
from glasstls.cli.output import Output
from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import TLSError
from glasstls.events import Negotiated
from glasstls.explain import explain
from glasstls.pki.testpki import make_test_pki
from glasstls.trace.keylog import MemoryKeyLog
from glasstls.trace.render import SECTIONS, build_story, render_plain
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion

PKI = make_test_pki(("localhost", "127.0.0.1"))


def test_certs_writes_the_test_pki(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["certs", str(tmp_path / "pki"), "--host", "example.test", "--host", "10.0.0.1"]) == 0
    names = {p.name for p in (tmp_path / "pki").iterdir()}
    assert {"root.pem", "intermediate.pem", "server-ecdsa.pem", "server-ecdsa.key", "server-rsa.pem"} <= names
    assert {"server-rsa.key", "client.pem", "client.key"} <= names
    out = capsys.readouterr().out
    assert "example.test, 10.0.0.1" in out and "root.pem" in out and "--cafile" in out
    assert (tmp_path / "pki" / "server-ecdsa.key").stat().st_mode & 0o077 == 0  # keys are private


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["connect", "localhost", "--cipher", "TLS_BOGUS"], "unknown cipher suite 'TLS_BOGUS'"),
        (["connect", "localhost", "--cipher", "TLS_AES_128_CCM_SHA256"], "is not supported"),
        (["connect", "localhost", "--cipher", "TLS_RSA_WITH_AES_128_GCM_SHA256"], "add --allow-rsa-key-exchange"),
        (["serve", "--cipher", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"], "add --allow-cbc"),
        (["connect", "localhost", "--group", "ffdhe1024"], "unknown group 'ffdhe1024'"),
        (["connect", "localhost", "--min-version", "1.3", "--max-version", "1.2"], "1.3 is above --max-version 1.2"),
        (["connect", "localhost", "--cert", "client.pem"], "--cert and --key together"),
        (["connect", "localhost:99999"], "bad port"),
        (["connect", "localhost", "--cafile", "/nonexistent/ca.pem"], "cannot read the trust store file"),
        (["serve", "--port", "0", "--cert", "a.pem"], "in pairs"),
        (["serve", "--port", "0", "--min-version", "1.3", "--max-version", "1.2"], "is above"),
    ],
)
def test_bad_options_are_explained(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_readme_documents_every_command_and_option() -> None:
    """The README's CLI reference names each option of every command."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"demo", "connect", "serve", "certs"} <= set(commands.choices)
    for name, sub in commands.choices.items():
        assert f"### `glasstls {name}" in readme, name
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help", "-q"):
                    assert f"`{option}" in readme, f"glasstls {name} {option} is not in the README"
    for field_name in (*connect_cmd.JSON_KEYS, "forward_secrecy", "legacy_cbc"):
        assert f"`{field_name}`" in readme, f"JSON field {field_name} is not in the README"


def test_option_parsing() -> None:
    assert parse_cipher_suites(["tls_aes_128_gcm_sha256", "TLS_CHACHA20_POLY1305_SHA256"]) == (
        CipherSuite.TLS_AES_128_GCM_SHA256,
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    )
    assert parse_cipher_suites(None) is None
    assert parse_groups(["x25519,P-256", "X25519MLKEM768"]) == (
        NamedGroup.X25519,
        NamedGroup.SECP256R1,
        NamedGroup.X25519MLKEM768,
    )
    assert parse_alpn(["h2,http/1.1", "h2"]) == ("h2", "http/1.1")
    assert parse_versions("1.3", None) == (ProtocolVersion.TLS13, ProtocolVersion.TLS13)
    assert parse_versions(None, None) == (ProtocolVersion.TLS12, ProtocolVersion.TLS13)  # the config defaults
    assert parse_versions(None, "1.2") == (ProtocolVersion.TLS12, ProtocolVersion.TLS12)
    with pytest.raises(CliError, match="above"):
        parse_versions("1.3", "1.2")
    with pytest.raises(CliError, match="unknown TLS version"):
        parse_versions("1.1", None)
    assert parse_target("example.com") == ("example.com", 443)
    assert parse_target("example.com:8443") == ("example.com", 8443)
    assert parse_target("[::1]:4433") == ("::1", 4433)
    assert parse_target("::1") == ("::1", 443)
    with pytest.raises(CliError):
        parse_target(":443")


def test_serve_without_a_certificate_uses_a_throwaway_one() -> None:
    args = build_parser().parse_args(["serve", "--port", "0", "--require-client-cert"])
    stream = io.StringIO()
    config = serve_cmd.build_config(args, Output(stream, rich_output=False))
    assert len(config.certificates) == 2 and config.client_auth == "required"
    assert "root.pem" in stream.getvalue() and "throwaway" in stream.getvalue()


def test_serve_client_auth_needs_a_ca(tmp_path: Path) -> None:
    files = make_test_pki(("localhost",), directory=tmp_path).files
    assert files is not None
    args = build_parser().parse_args(
        ["serve", "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), "--require-client-cert"]
    )
    with pytest.raises(CliError, match="--cafile"):
        serve_cmd.build_config(args, Output(io.StringIO(), rich_output=False))


# -- TLS 1.2 options and the legacy flags ------------------------------------------------------------------------

RSA_CBC = CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA
RSA_GCM = CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256
ECDHE_CBC = CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
ECDHE_GCM = CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256


def test_legacy_suites_need_their_flag() -> None:
    assert parse_cipher_suites(["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]) == (ECDHE_GCM,)
    with pytest.raises(CliError, match="no forward secrecy: add --allow-rsa-key-exchange"):
        parse_cipher_suites([str(RSA_GCM)])
    with pytest.raises(CliError, match="legacy CBC suite: add --allow-cbc"):
        parse_cipher_suites([str(ECDHE_CBC)])
    with pytest.raises(CliError, match="--allow-cbc"):
        parse_cipher_suites([str(RSA_CBC)], allow_rsa_key_exchange=True)
    with pytest.raises(CliError, match="--allow-rsa-key-exchange"):
        parse_cipher_suites([str(RSA_CBC)], allow_cbc=True)
    assert parse_cipher_suites([str(RSA_CBC)], allow_rsa_key_exchange=True, allow_cbc=True) == (RSA_CBC,)


def test_connect_maps_tls12_options_to_the_config() -> None:
    plain = connect_cmd.build_config(build_parser().parse_args(["connect", "localhost"]))
    assert (plain.min_version, plain.max_version) == (ProtocolVersion.TLS12, ProtocolVersion.TLS13)
    assert not plain.allow_rsa_key_exchange and not plain.allow_legacy_cbc
    assert RSA_GCM not in plain.cipher_suites and ECDHE_CBC not in plain.cipher_suites

    argv = ["connect", "localhost", "--max-version", "1.2", "--allow-rsa-key-exchange", "--allow-cbc"]
    config = connect_cmd.build_config(build_parser().parse_args(argv))
    assert (config.min_version, config.max_version) == (ProtocolVersion.TLS12, ProtocolVersion.TLS12)
    assert config.allow_rsa_key_exchange and config.allow_legacy_cbc
    assert {RSA_GCM, RSA_CBC, ECDHE_CBC} <= set(config.cipher_suites)  # added to the defaults by the config

    argv = ["connect", "localhost", "--min-version", "1.2", "--cipher", str(ECDHE_CBC), "--allow-cbc"]
    config = connect_cmd.build_config(build_parser().parse_args(argv))
    assert config.cipher_suites == (ECDHE_CBC,) and config.allow_legacy_cbc and not config.allow_rsa_key_exchange


def test_serve_maps_tls12_options_to_the_config(tmp_path: Path) -> None:
    files = make_test_pki(("localhost",), directory=tmp_path).files
    assert files is not None
    cert = ["--cert", str(files.server_rsa.cert), "--key", str(files.server_rsa.key)]
    argv = ["serve", *cert, "--min-version", "1.2", "--max-version", "1.2", "--allow-rsa-key-exchange"]
    config = serve_cmd.build_config(build_parser().parse_args(argv), Output(io.StringIO(), rich_output=False))
    assert (config.min_version, config.max_version) == (ProtocolVersion.TLS12, ProtocolVersion.TLS12)
    assert config.allow_rsa_key_exchange and not config.allow_legacy_cbc
    assert RSA_GCM in config.cipher_suites and RSA_CBC not in config.cipher_suites
    config = serve_cmd.build_config(build_parser().parse_args(["serve", *cert]), Output(io.StringIO()))
    assert (config.min_version, config.max_version) == (ProtocolVersion.TLS12, ProtocolVersion.TLS13)
    assert not config.allow_rsa_key_exchange and not config.allow_legacy_cbc


def test_connect_and_serve_read_the_protocol_options_alike(tmp_path: Path) -> None:
    """One reading of the shared protocol options (cli.protocol_settings) for both commands."""
    files = make_test_pki(("localhost",), directory=tmp_path).files
    assert files is not None
    shared = ["--alpn", "h2,http/1.1", "--max-version", "1.2", "--cipher", str(ECDHE_CBC), "--allow-cbc"]
    shared += ["--group", "secp384r1,x25519", "--allow-no-ems", "--record-size-limit", "1024", "--allow-dhe"]
    client = connect_cmd.build_config(build_parser().parse_args(["connect", "localhost", *shared]))
    cert = ["--cert", str(files.server_rsa.cert), "--key", str(files.server_rsa.key)]
    argv = ["serve", *cert, *shared]
    server = serve_cmd.build_config(build_parser().parse_args(argv), Output(io.StringIO(), rich_output=False))
    fields = (
        "alpn_protocols",
        "min_version",
        "max_version",
        "cipher_suites",
        "groups",
        "allow_rsa_key_exchange",
        "allow_legacy_cbc",
        "allow_dhe",
        "require_extended_master_secret",
        "record_size_limit",
    )
    assert [getattr(client, f) for f in fields] == [getattr(server, f) for f in fields]
    assert client.alpn_protocols == ("h2", "http/1.1") and client.groups == (NamedGroup.SECP384R1, NamedGroup.X25519)
    assert client.cipher_suites == (ECDHE_CBC,) and not client.require_extended_master_secret
    assert client.record_size_limit == 1024 and client.key_share_groups == (NamedGroup.SECP384R1,)
    with pytest.raises(CliError, match="--record-size-limit 10"):
        connect_cmd.build_config(build_parser().parse_args(["connect", "localhost", "--record-size-limit", "10"]))


def _negotiated(suite: CipherSuite, version: ProtocolVersion = ProtocolVersion.TLS12) -> Negotiated:
    return Negotiated(
        version=version,
        cipher_suite=suite,
        group=None if suite in (RSA_GCM, RSA_CBC) else NamedGroup.X25519,
        signature_scheme=None,
        alpn_protocol=None,
        server_name="localhost",
        peer_certificates=(),
        verified_chain=None,
        hello_retry_request=False,
    )


@pytest.mark.parametrize(
    ("suite", "forward_secrecy", "cbc"),
    [
        (CipherSuite.TLS_AES_128_GCM_SHA256, True, False),
        (ECDHE_GCM, True, False),
        (ECDHE_CBC, True, True),
        (RSA_GCM, False, False),
        (RSA_CBC, False, True),
    ],
)
def test_legacy_choices_are_named(suite: CipherSuite, forward_secrecy: bool, cbc: bool) -> None:
    version = ProtocolVersion.TLS13 if suite == CipherSuite.TLS_AES_128_GCM_SHA256 else ProtocolVersion.TLS12
    negotiated = _negotiated(suite, version)
    assert legacy_flags(negotiated) == {
        "forward_secrecy": forward_secrecy,
        "legacy_cbc": cbc,
        "encrypt_then_mac": False,
    }
    warnings = legacy_warnings(negotiated)
    assert any(w.startswith("no forward secrecy") for w in warnings) is not forward_secrecy
    assert any(w.startswith("legacy CBC") for w in warnings) is cbc

    # connect --json: the flags sit in "negotiated", the sentences in "warnings"
    result = connect_cmd._Result("127.0.0.1", 443, "localhost")
    result.negotiated = negotiated
    doc = result.document(include_data=False)
    assert set(doc) == set(connect_cmd.JSON_KEYS)
    assert doc["negotiated"]["forward_secrecy"] is forward_secrecy  # type: ignore[index]
    assert doc["negotiated"]["legacy_cbc"] is cbc  # type: ignore[index]
    assert doc["warnings"] == [*warnings, "the server was NOT authenticated (--insecure)"]

    # serve: the status line and the --www page
    chain = CertificateChain((PKI.server_rsa.certificate, *PKI.server_rsa.chain), PKI.server_rsa.key)
    report = serve_cmd.ConnectionReport(1, "127.0.0.1:1", ServerConnection(ServerConfig((chain,))), 0.0, 0.001)
    report.negotiated = negotiated
    line = serve_cmd.report_line(report)
    assert ("TLS 1.2" if version == ProtocolVersion.TLS12 else "TLS 1.3") in line
    assert ("no forward secrecy" in line) is not forward_secrecy and ("legacy CBC" in line) is cbc
    page = serve_cmd.www_page(negotiated, "GET / HTTP/1.0", report)
    assert ("no forward secrecy" in page) is not forward_secrecy and ("legacy CBC" in page) is cbc


# -- the renderer ---------------------------------------------------------------------------------------------


def _pair(client: ClientConfig, server_name: str = "localhost") -> tuple[ClientConnection, ServerConnection]:
    chain = CertificateChain((PKI.server_ecdsa.certificate, *PKI.server_ecdsa.chain), PKI.server_ecdsa.key)
    s = ServerConnection(ServerConfig((chain,), client_auth="optional", client_trust=PKI.trust_store()))
    c = ClientConnection(client, server_name=server_name)
    c.start()
    for _ in range(6):
        try:
            s.receive_data(c.data_to_send())
            c.receive_data(s.data_to_send())
        except TLSError:
            break
    return c, s


def test_story_of_one_side() -> None:
    keylog = MemoryKeyLog()
    chain = CertificateChain((PKI.client.certificate, *PKI.client.chain), PKI.client.key)
    c, s = _pair(ClientConfig(trust=PKI.trust_store(), client_certificate=chain, keylog=keylog))
    assert c.negotiated is not None and s.negotiated is not None
    keys = [section.key for section in build_story(c.trace, negotiated=c.negotiated)]
    order = [key for key, _, _ in SECTIONS]
    assert keys == sorted(keys, key=order.index)
    assert {"client_hello", "server_hello", "certificate_request", "verification", "client_finished"} <= set(keys)
    text = render_plain(build_story(c.trace, negotiated=c.negotiated))
    assert "[ok] name: the name localhost is covered" in text
    assert "\n    - client: " not in text and "[ok] client: " not in text  # one side: no side labels
    server_text = render_plain(build_story(s.trace, negotiated=s.negotiated, negotiated_side="server"))
    assert "CN=glasstls test client" in server_text and "client certificate verification" in server_text.lower()
    for line in keylog.lines:  # no secret in either story
        secret = line.split()[-1]
        assert secret not in text and secret not in server_text


def test_story_of_a_failure_and_both_output_modes() -> None:
    c, _ = _pair(ClientConfig(trust=PKI.trust_store()), server_name="wrong.example")
    assert c.error is not None
    sections = build_story(c.trace)
    assert sections[-1].key == "failure" and sections[-1].failed
    plain = io.StringIO()
    Output(plain, rich_output=False).story(sections)
    assert "[FAIL] sent fatal alert BAD_CERTIFICATE" in plain.getvalue()
    coloured = io.StringIO()
    out = Output(coloured, rich_output=True)
    out.story(sections)
    out.explanation(explain(c.error, side="client"))
    out.table([("version", "TLS 1.3")], title="t")
    text = coloured.getvalue()
    assert "✗" in text and "what to try" in text and "ClientHello" in text


def test_json_output_mode() -> None:
    stream = io.StringIO()
    Output(stream).json({"a": 1})
    assert stream.getvalue() == '{\n  "a": 1\n}\n'


def test_parser_has_every_documented_option() -> None:
    parser = build_parser()
    connect = parser.parse_args(
        [
            "connect",
            "h:1",
            "--servername",
            "n",
            "--capath",
            "/",
            "--alpn",
            "h2",
            "--min-version",
            "1.3",
            "--max-version",
            "1.3",
            "--cipher",
            "c",
            "--group",
            "g",
            "--cert",
            "c",
            "--key",
            "k",
            "--insecure",
            "--keylog",
            "f",
            "--trace",
            "--json",
            "--quiet",
            "--idle-timeout",
            "2",
        ]
    )
    assert isinstance(connect, argparse.Namespace) and connect.idle_timeout == 2.0
    served = parser.parse_args(
        ["serve", "--cert", "a", "--key", "b", "--cert", "c", "--key", "d", "--www", "--request-client-cert"]
    )
    assert served.cert == ["a", "c"] and served.mode == "www"
    assert parser.parse_args(["serve"]).mode == "echo"
