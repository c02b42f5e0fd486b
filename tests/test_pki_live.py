"""Certificate verification against real peers (issue 13; issue 10 item 1), through the command line.

* A client certificate without subjectAltName (the identity in the subject CN, as in most enterprise mutual
  TLS) presented by openssl, gnutls, curl and Python ``ssl`` to ``glasstls serve --require-client-cert``:
  accepted; ``--client-identity`` accepts or refuses it by name, explained.
* ``openssl s_server -cert leaf.pem`` where the leaf was issued directly by a root that is not in ``--cafile``:
  glasstls says what it knows (the issuer's name and key identifier were found neither among the certificates
  sent nor in the trust store) and both possibilities, never one as fact. The same on the server side for a
  client certificate sent without its intermediate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from glasstls.pki import testpki as tp
from peers import (
    PEER_TIMEOUT,
    ProcessServer,
    openssl_server,
    run_curl,
    run_gnutls_client,
    run_openssl_client,
    run_python_ssl_client,
    server_process,
)

GLASSTLS = [sys.executable, "-m", "glasstls"]
ENV = {**os.environ, "NO_COLOR": "1"}
ENV.pop("SSLKEYLOGFILE", None)
NOW = datetime.now(UTC)
GET = b"GET / HTTP/1.0\r\n\r\n"


@dataclass(frozen=True)
class Files:
    root: Path
    server: tp.CredentialFiles
    san_less: Path  # client certificate (CN only) + intermediate; key beside it (.key)
    client_leaf_only: Path  # a client certificate sent without its intermediate
    leaf_of_untrusted_root: Path  # a server leaf issued directly by a root nobody here trusts
    untrusted_root_aki: str  # that root's key identifier as the report prints it
    no_eku: Path  # a good server chain whose leaf has no extendedKeyUsage (refused by the web profile)
    odd_modulus_client: Path  # a client certificate with a 2052-bit RSA key: rfc5280 accepts it, web refuses it


def _write(directory: Path, name: str, cred: tp.IssuedCertificate, *, with_chain: bool = True) -> Path:
    path = directory / f"{name}.pem"
    path.write_bytes(cred.cert_pem(with_chain=with_chain))
    path.with_suffix(".key").write_bytes(cred.key_pem())
    return path


def key_of(cert: Path) -> Path:
    return cert.with_suffix(".key")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    directory = tmp_path_factory.mktemp("pki-live")
    pki = tp.make_test_pki(("localhost", "127.0.0.1"), directory=directory / "good", now=NOW)
    assert pki.files is not None
    san_less = tp.issue_certificate(
        pki.intermediate, hosts=(), common_name="enterprise-user-42", now=NOW, eku=(tp.CLIENT_AUTH,)
    )
    assert san_less.certificate.extensions.get_extension_for_class  # the leaf has no subjectAltName:
    assert not any(e.oid.dotted_string == "2.5.29.17" for e in san_less.certificate.extensions)
    untrusted = tp.make_ca("pki live untrusted root", now=NOW)
    leaf = tp.issue_certificate(untrusted, hosts=("localhost",), now=NOW, key_name="leaf of untrusted root")
    assert leaf.chain == ()  # issued directly by the root: nothing to send after the leaf
    ski = untrusted.certificate.extensions.get_extension_for_class(tp.x509.SubjectKeyIdentifier).value.digest
    return Files(
        root=pki.files.root,
        server=pki.files.server_ecdsa,
        san_less=_write(directory, "san-less-client", san_less),
        client_leaf_only=_write(directory, "client-leaf-only", pki.client, with_chain=False),
        leaf_of_untrusted_root=_write(directory, "leaf-of-untrusted-root", leaf),
        untrusted_root_aki=":".join(f"{b:02x}" for b in ski),
        no_eku=_write(
            directory, "no-eku", tp.issue_certificate(pki.intermediate, hosts=("localhost",), eku=None, now=NOW)
        ),
        odd_modulus_client=_write(
            directory,
            "odd-modulus-client",
            tp.issue_certificate(
                pki.intermediate,
                hosts=(),
                common_name="odd-modulus-client",
                key=rsa.generate_private_key(65537, 2052),
                eku=(tp.CLIENT_AUTH,),
                now=NOW,
            ),
        ),
    )


@pytest.fixture
def serve(files: Files) -> Iterator[ProcessServer]:
    yield from _serve(files)


def _serve(files: Files, *extra: str) -> Iterator[ProcessServer]:
    argv = [*GLASSTLS, "serve", "--port", "0", "--cert", str(files.server.cert), "--key", str(files.server.key)]
    argv += ["--require-client-cert", "--cafile", str(files.root), "--www", *extra]
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        yield server


ACCEPTED = r"client certificate CN=enterprise-user-42"


# -- client certificates without subjectAltName -------------------------------------------------------------


def test_openssl_client_without_subject_alt_name(files: Files, serve: ProcessServer) -> None:
    for tls13_only, extra in ((True, []), (False, ["-tls1_2"])):
        result = run_openssl_client(
            serve.port,
            cafile=files.root,
            certfile=files.san_less,
            keyfile=key_of(files.san_less),
            stdin=GET,
            tls13_only=tls13_only,
            extra_args=extra,
        )
        assert b"HTTP/1.0 200 OK" in result.stdout, result.output
        serve.wait_for_output(ACCEPTED)


def test_gnutls_client_without_subject_alt_name(files: Files, serve: ProcessServer) -> None:
    result = run_gnutls_client(
        serve.port, cafile=files.root, certfile=files.san_less, keyfile=key_of(files.san_less), stdin=GET
    )
    assert b"HTTP/1.0 200 OK" in result.stdout, result.output
    serve.wait_for_output(ACCEPTED)


def test_curl_without_subject_alt_name(files: Files, serve: ProcessServer) -> None:
    result = run_curl(
        f"https://localhost:{serve.port}/",
        cafile=files.root,
        extra_args=["--cert", str(files.san_less), "--key", str(key_of(files.san_less))],
    ).check()
    assert b"enterprise-user-42" in result.stdout, result.output
    serve.wait_for_output(ACCEPTED)


def test_python_ssl_client_without_subject_alt_name(files: Files, serve: ProcessServer) -> None:
    result = run_python_ssl_client(
        serve.port, cafile=files.root, certfile=files.san_less, keyfile=key_of(files.san_less), send=GET
    )
    assert result.received.startswith(b"HTTP/1.0 200 OK")
    serve.wait_for_output(ACCEPTED)


def test_expected_client_identity(files: Files) -> None:
    client = {"certfile": files.san_less, "keyfile": key_of(files.san_less)}
    for server in _serve(files, "--client-identity", "someone-else", "--client-identity", "enterprise-user-42"):
        result = run_python_ssl_client(server.port, cafile=files.root, send=GET, **client)  # type: ignore[arg-type]
        assert result.received.startswith(b"HTTP/1.0 200 OK")
        server.wait_for_output(ACCEPTED)
    for server in _serve(files, "--client-identity", "someone-else"):
        refused = run_openssl_client(server.port, cafile=files.root, stdin=GET, **client)  # type: ignore[arg-type]
        assert b"HTTP/1.0 200 OK" not in refused.stdout
        server.wait_for_output(r"not for an identity this server accepts")
        server.wait_for_output(r"not one of the identities this server accepts \(someone-else\)")
        server.wait_for_output(r"CN:enterprise-user-42")
    bad = subprocess.run(
        [*GLASSTLS, "serve", "--port", "0", "--client-identity", "x"],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
        env=ENV,
    )
    assert bad.returncode == 2 and "--client-identity needs --require-client-cert" in bad.stderr


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
def test_serve_client_profile_option(files: Files, tls12: bool) -> None:
    """``glasstls serve --client-profile``: ``openssl s_client`` presents a client certificate whose RSA key has
    2052 bits (not a whole number of bytes, BR 6.1.5): accepted by default (rfc5280, as before), refused under
    web with the rule, the profile that decided and the option that chooses it."""
    cert = files.odd_modulus_client
    client = {"certfile": cert, "keyfile": key_of(cert), "tls13_only": not tls12}
    client["extra_args"] = ["-tls1_2"] if tls12 else []
    for server in _serve(files):
        result = run_openssl_client(server.port, cafile=files.root, stdin=GET, **client)  # type: ignore[arg-type]
        assert b"HTTP/1.0 200 OK" in result.stdout, result.output
        server.wait_for_output(r"client certificate CN=odd-modulus-client")
    for server in _serve(files, "--client-profile", "web"):
        refused = run_openssl_client(server.port, cafile=files.root, stdin=GET, **client)  # type: ignore[arg-type]
        assert b"HTTP/1.0 200 OK" not in refused.stdout
        server.wait_for_output(r"breaks the web certificate profile")
        server.wait_for_output(r"its RSA modulus has 2052 bits, not a multiple of 8")
        server.wait_for_output(r"--client-profile rfc5280")
    bad = subprocess.run(
        [*GLASSTLS, "serve", "--port", "0", "--client-profile", "web"],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
        env=ENV,
    )
    assert bad.returncode == 2 and "--client-profile needs --require-client-cert" in bad.stderr


# -- the issuer found neither among the certificates sent nor in the trust store ----------------------------


def test_leaf_issued_by_an_untrusted_root_without_intermediate(files: Files) -> None:
    """``openssl s_server -cert leaf.pem``: the leaf's issuer is a root that is not in --cafile. The client
    cannot tell that from a missing intermediate, and must not state either as fact."""
    leaf = files.leaf_of_untrusted_root
    with openssl_server(leaf, key_of(leaf)) as server:
        argv = [*GLASSTLS, "connect", f"127.0.0.1:{server.port}", "--servername", "localhost"]
        argv += ["--cafile", str(files.root), "--idle-timeout", "0.5"]
        proc = subprocess.run(argv, input="", capture_output=True, text=True, timeout=PEER_TIMEOUT, env=ENV)
    assert proc.returncode == 1, proc.stderr
    err = " ".join(proc.stderr.split())
    # What is known: the issuer's name and key identifier, found neither among the certificates sent nor trusted.
    assert "found neither among the 1 certificate the server sent nor in the trust store" in err, err
    assert "issuer name CN=pki live untrusted root" in err
    assert f"authority key identifier {files.untrusted_root_aki}" in err
    # Both possibilities, and how to tell them apart.
    assert "Either the server did not send the intermediate CA certificate" in err
    assert "issued directly by a root CA that is not in the trust store" in err
    assert f"subjectKeyIdentifier is {files.untrusted_root_aki}" in err and "self-signed" in err
    assert "glasstls verify" in err
    # Never the old claim as fact.
    assert "the server did not send the intermediate certificate that issued its leaf" not in err
    assert "sent its own certificate but not the intermediate" not in err


def test_client_certificate_sent_without_its_intermediate(files: Files, serve: ProcessServer) -> None:
    """The server side: a client certificate whose issuer the client did not send and the server does not trust
    directly (its --cafile holds only the root)."""
    leaf_only = files.client_leaf_only
    result = run_openssl_client(serve.port, cafile=files.root, certfile=leaf_only, keyfile=key_of(leaf_only), stdin=GET)
    assert b"HTTP/1.0 200 OK" not in result.stdout
    serve.wait_for_output(r"stops at a certificate whose issuer we cannot find")
    serve.wait_for_output(r"found neither among the 1 certificate the client sent nor in the trust store")
    serve.wait_for_output(r"Either the client did not send the intermediate CA certificate")


# -- the client's certificate profile --------------------------------------------------------------------------


def test_connect_profile_option(files: Files) -> None:
    """``openssl s_server`` with a leaf without extendedKeyUsage: ``glasstls connect`` refuses it under the web
    profile (BR 7.1.2.7.6) and says which rule; ``--profile rfc5280`` accepts it (RFC 5280 allows it)."""
    with openssl_server(files.no_eku, key_of(files.no_eku), mode="www") as server:
        base = [*GLASSTLS, "connect", f"127.0.0.1:{server.port}", "--servername", "localhost"]
        base += ["--cafile", str(files.root), "--idle-timeout", "2"]
        refused = subprocess.run(base, input="", capture_output=True, text=True, timeout=PEER_TIMEOUT, env=ENV)
        assert refused.returncode == 1, refused.stderr
        err = " ".join(refused.stderr.split())
        assert "webpki.ee-without-eku" in err and "BR 7.1.2.7.6" in err and "--profile rfc5280" in err
        accepted = subprocess.run(
            [*base, "--profile", "rfc5280"],
            input="GET / HTTP/1.0\r\n\r\n",
            capture_output=True,
            text=True,
            timeout=PEER_TIMEOUT,
            env=ENV,
        )
    assert accepted.returncode == 0, accepted.stderr
    assert "HTTP/1.0 200 ok" in accepted.stdout
