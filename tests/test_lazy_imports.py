"""What a client program imports (issue 17: ``import glasstls.io.sync`` in at most 60 ms, see ``make bench``).

The modules a plain connection does not need stay unloaded until their path is taken: the certificate
verifier, the chain report, revocation and the certificate profile rules load with the first Certificate
message; the server's states with the first server connection; the explanations only when something fails.
Each check runs in a fresh interpreter (this process has long since imported everything). No timing here:
speed belongs to ``make bench``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Seconds a child interpreter may take (an import and one in-memory handshake).
CHILD_TIMEOUT = 120

#: Not loaded by ``import glasstls.io.sync``, and where each loads instead.
NOT_IMPORTED = (
    # cryptography's X.509 (with email.utils and the verification bindings): the first certificate.
    "cryptography.x509",
    "cryptography.x509.ocsp",
    "cryptography.x509.verification",
    # Chain verification and its report: the first Certificate message to verify.
    "glasstls.pki.verify",
    "glasstls.pki.report",
    "glasstls.pki.analysis",
    "glasstls.pki.facts",
    "glasstls.pki.names",
    "glasstls.pki.certificate_profile",
    "glasstls.pki.revocation",
    "glasstls.pki.trust",
    "ssl",
    # The server's states: the first ServerConnection.
    "glasstls.handshake.server_negotiation",
    "glasstls.handshake.server13",
    "glasstls.handshake.server12",
    # The explanations of a failure, and the public suffix list they consult.
    "glasstls.explain",
    "glasstls.advice",
    "glasstls.catalogue",
    "publicsuffixlist",
    # The key log file and session files: only when configured.
    "glasstls.trace.keylog",
    "glasstls.session_file",
)

#: Not loaded even by a whole successful handshake (client and server, chain verified).
NOT_IMPORTED_BY_A_HANDSHAKE = ("glasstls.explain", "glasstls.advice", "glasstls.catalogue", "publicsuffixlist")

_CHILD = textwrap.dedent(
    """
    import json, sys
    import glasstls.io.sync

    after_import = sorted(m for m in {names} if m in sys.modules)

    from glasstls.config import CertificateChain, ClientConfig, ServerConfig
    from glasstls.connection import ClientConnection, ServerConnection
    from glasstls.events import HandshakeComplete
    from glasstls.pki.testpki import make_test_pki

    pki = make_test_pki(("localhost",))
    leaf = pki.server_ecdsa
    client = ClientConnection(ClientConfig(trust=pki.trust_store()), server_name="localhost")
    server = ServerConnection(ServerConfig(certificates=(CertificateChain((leaf.certificate, *leaf.chain), leaf.key),)))
    client.start()
    for _ in range(10):
        server.receive_data(client.data_to_send())
        client.receive_data(server.data_to_send())
    done = [e for e in client.events() if isinstance(e, HandshakeComplete)]
    print(json.dumps({{
        "after_import": after_import,
        "after_handshake": sorted(m for m in {names} if m in sys.modules),
        "verified": bool(done) and done[0].negotiated.verified_chain is not None,
        "server_done": any(isinstance(e, HandshakeComplete) for e in server.events()),
    }}))
    """
)


def _run_child() -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(names=repr(NOT_IMPORTED))],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_a_client_program_imports_no_more_than_a_plain_connection_needs() -> None:
    result = _run_child()
    assert result["after_import"] == [], "imported by `import glasstls.io.sync` but not needed there"
    # ...and what was left out loads where it is needed: a full verified handshake still works after that import.
    assert result["verified"] is True
    assert result["server_done"] is True
    loaded = result["after_handshake"]
    assert isinstance(loaded, list)
    for name in ("glasstls.pki.verify", "glasstls.handshake.server_negotiation", "cryptography.x509"):
        assert name in loaded
    for name in NOT_IMPORTED_BY_A_HANDSHAKE:
        assert name not in loaded, f"{name} loaded by a handshake that succeeded"


# -- what the compiled build needs at run time ------------------------------------------------------------


def _compiled_sources() -> list[Path]:
    """The modules ``make compiled`` compiles (tools/build_compiled.py decides), as paths under src/."""
    spec = importlib.util.spec_from_file_location("build_compiled", ROOT / "tools" / "build_compiled.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return [ROOT / "src" / rel for rel in tool.sources(ROOT / "src")]


def _type_checking_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for stmt in node.body:
                if isinstance(stmt, ast.Import | ast.ImportFrom):
                    names.update((alias.asname or alias.name).split(".")[0] for alias in stmt.names)
    return names


def _annotation_head(annotation: ast.expr) -> str | None:
    """The name an annotation starts with (``x509`` for ``x509.Certificate``, ``Sequence`` for ``Sequence[T]``)."""
    while isinstance(annotation, ast.Subscript | ast.Attribute):
        annotation = annotation.value
    return annotation.id if isinstance(annotation, ast.Name) else None


def test_compiled_dataclasses_do_not_name_classes_imported_only_for_type_checking() -> None:
    """mypyc builds a compiled dataclass's ``__annotations__`` when the module is imported, loading each field's
    class (unions, tuples and builtins excepted): a class imported only under TYPE_CHECKING is then a KeyError,
    or a crash for a compiled class whose module is not loaded yet (a NULL type object). Lazy imports must not
    reach those fields: such a field's class is imported at run time, or the record is a plain class."""
    found = []
    for path in _compiled_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_checking_only = _type_checking_names(tree)
        if not type_checking_only:
            continue
        for cls in ast.walk(tree):
            if not isinstance(cls, ast.ClassDef) or not any("dataclass" in ast.unparse(d) for d in cls.decorator_list):
                continue
            for stmt in cls.body:
                if (
                    isinstance(stmt, ast.AnnAssign)
                    and not isinstance(stmt.annotation, ast.BinOp)  # a union: mypyc records no class for it
                    and _annotation_head(stmt.annotation) in type_checking_only
                ):
                    found.append(f"{path.relative_to(ROOT)}:{stmt.lineno} {cls.name}: {ast.unparse(stmt)}")
    assert not found, "\n".join(found)
