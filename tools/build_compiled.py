"""``make compiled``: the optional accelerated build of glasstls, compiled with mypyc (as black and mypy ship).

The pure-Python package in ``src/`` stays the reference: it is what ``pip install`` gives, what ``make test``
tests first, and nothing here writes into ``src/``. This script copies ``src/glasstls`` to
``build/compiled/glasstls`` and compiles the protocol core there, in place, with mypyc (C extensions beside
the copied sources; the modules left out stay Python). ``--check`` runs mypyc's checks only (no C compiler;
the test suite runs it so that the core stays compilable). ``--verify`` (with the build first on the path) checks
that every compiled module is imported from its C extension. Use the build by putting it first on the path::

    PYTHONPATH=build/compiled .venv/bin/python -m glasstls ...     # or: make test-compiled, make bench

Compiled: :data:`PACKAGES` and :data:`MODULES`, less :data:`LEFT_PURE` (with the reason for each).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "glasstls"
BUILD = ROOT / "build" / "compiled"

#: Sub-packages compiled whole: the protocol core.
PACKAGES = ("wire", "record", "crypto", "handshake", "pki", "trace")
#: Top-level modules compiled.
MODULES = (
    "connection.py",
    "connection_actions.py",
    "connection_trace.py",
    "sessions.py",
    "config.py",
    "events.py",
    "errors.py",
    "explain.py",
    "advice.py",
)
#: Modules that stay Python, and why.
LEFT_PURE = {
    # The open IntEnums. mypyc refuses the one statement in OpenEnum's body (``if not TYPE_CHECKING: def
    # __getattr__``, the pseudo-members' names made on first use, hidden so that mypy does not accept any attribute
    # of any member: "Unsupported statement in class body"), and it could only make Enum classes non-native ones
    # (their metaclass is EnumType), while decoders look members up through codec.member_lookup (a dict): nothing
    # to gain.
    "wire/enums.py",
    # Data tables only (IANA names, looked up for printing): nothing to gain.
    "wire/iana.py",
    # The test PKI generator: tests and the demo only.
    "pki/testpki.py",
    "pki/testbroken.py",
}


def sources(build: Path) -> list[str]:
    """The modules compiled, as paths relative to ``build``."""
    paths = [f"glasstls/{name}" for name in MODULES if name not in LEFT_PURE]
    for package in PACKAGES:
        for path in sorted((build / "glasstls" / package).glob("*.py")):
            rel = path.relative_to(build / "glasstls").as_posix()
            if rel not in LEFT_PURE:
                paths.append(f"glasstls/{rel}")
    return paths


def prepare(build: Path) -> None:
    """A fresh copy of the package in ``build`` (never a compiled file in ``src/``), and the current directory."""
    shutil.rmtree(build / "glasstls", ignore_errors=True)
    build.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SOURCE, build / "glasstls", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    (build / "mypy.ini").write_text("[mypy]\npython_version = 3.11\nstrict = True\n")
    os.chdir(build)


def check(build: Path) -> int:
    """mypyc's checks and C generation, without the C compiler (seconds, not minutes): 0 when the core compiles.
    mypyc prints each construct it refuses (file:line: error: ...)."""
    from mypyc.build import mypyc_build
    from mypyc.options import CompilerOptions

    prepare(build)
    options = CompilerOptions(multi_file=True, target_dir=str(build / "c"))
    try:
        mypyc_build(["--config-file", "mypy.ini", *sources(build)], options)
    except SystemExit as e:
        return int(e.code or 0) or 1
    print(f"mypyc accepts the {len(sources(build))} modules of the compiled build")
    return 0


def verify() -> int:
    """0 when every module of the compiled build is imported from its C extension (run with the build first on
    the path, ``PYTHONPATH=build/compiled``): a test run against the build must not fall back on ``src/``."""
    import importlib

    pure = []
    for rel in sources(SOURCE.parent):
        name = rel.removesuffix(".py").replace("/", ".")
        path = importlib.import_module(name).__file__ or ""
        if not path.endswith(".so"):
            pure.append(f"{name} ({path})")
    if pure:
        print("not compiled:", *pure, sep="\n  ", file=sys.stderr)
        return 1
    print(f"the {len(sources(SOURCE.parent))} modules of the compiled build are imported compiled")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--verify"]:
        return verify()
    if argv == ["--check"]:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="glasstls-mypyc-") as tmp:
            return check(Path(tmp))
    if argv:
        print("usage: build_compiled.py [--check | --verify]", file=sys.stderr)
        return 2
    from mypyc.build import mypycify  # mypy ships mypyc (the test extra installs it)
    from setuptools import setup

    start = time.monotonic()
    prepare(BUILD)
    jobs = str(os.cpu_count() or 1)
    extensions = mypycify(["--config-file", "mypy.ini", *sources(BUILD)], opt_level="3", multi_file=True)
    setup(
        name="glasstls-compiled",
        ext_modules=extensions,
        script_args=["build_ext", "--inplace", "-j", jobs, "--build-temp", "temp"],
    )
    print(f"compiled build in {BUILD} ({time.monotonic() - start:.0f} s); use PYTHONPATH={BUILD}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
