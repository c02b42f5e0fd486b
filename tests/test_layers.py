"""The layers of glasstls (docs/internals.md, "Layers"): a package or top-level module imports, at module level,
only from layers below its own (issue 17: structure a reader can follow, no circles between layers).

Function-level imports (loaded lazily on one path) and ``if TYPE_CHECKING:`` imports are not module-level imports
and are not checked here; tests/test_handshake_modules.py checks the modules inside handshake/ at every level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import glasstls

SOURCE = Path(glasstls.__file__).parent

#: Bottom to top, as docs/internals.md shows them. A unit is a sub-package or a top-level module; wire's names
#: (enums, iana) sit below errors, the rest of wire above it (errors names alerts and groups by their enums).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("wire.names",),
    ("errors",),
    ("wire",),
    ("crypto", "record", "events", "catalogue"),
    ("pki", "sessions"),
    ("trace", "session_store", "session_file"),
    ("sessions_redis",),
    ("config",),
    ("handshake",),
    ("connection_trace",),
    ("connection_actions",),
    ("connection",),
    ("io",),
    ("starttls", "httpx", "advice"),
    ("explain", "bench_aio"),
    ("page", "bench"),
    ("bench_fleet",),
    ("cli",),
    ("__main__",),
)
_WIRE_NAMES = {"enums", "iana"}


def _layer_of() -> dict[str, int]:
    return {unit: index for index, units in enumerate(LAYERS) for unit in units}


def _unit(parts: tuple[str, ...]) -> str:
    """The unit of module ``glasstls.<parts>``."""
    if parts[0] == "wire" and len(parts) > 1 and parts[1] in _WIRE_NAMES:
        return "wire.names"
    return parts[0]


def _module_level_imports(path: Path) -> set[tuple[str, ...]]:
    """The glasstls modules ``path`` imports at module level, as dotted parts below ``glasstls``."""
    found: set[tuple[str, ...]] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            parts = tuple(node.module.split("."))
            if parts[0] != "glasstls":
                continue
            if len(parts) == 1:  # from glasstls import x
                found.update((alias.name,) for alias in node.names)
            else:
                found.add(parts[1:])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = tuple(alias.name.split("."))
                if parts[0] == "glasstls" and len(parts) > 1:
                    found.add(parts[1:])
    return found


def _sources() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if p.name != "__init__.py" or p.parent != SOURCE)


def test_every_unit_has_a_layer() -> None:
    layers = _layer_of()
    missing = sorted({_unit(p.relative_to(SOURCE).with_suffix("").parts) for p in _sources()} - set(layers))
    assert not missing, f"add these to LAYERS and to docs/internals.md: {missing}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_module_imports_only_from_lower_layers(path: Path) -> None:
    layers = _layer_of()
    own = _unit(path.relative_to(SOURCE).with_suffix("").parts)
    upward = sorted(
        ".".join(parts)
        for parts in _module_level_imports(path)
        if parts != ("__version__",) and (unit := _unit(parts)) != own and layers.get(unit, -1) >= layers[own]
    )
    assert not upward, f"{path.relative_to(SOURCE)} ({own}, layer {layers[own]}) imports upward or sideways: {upward}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The check can fail: wire importing the connection is an upward import."""
    module = tmp_path / "bad.py"
    module.write_text("from glasstls.connection import ClientConnection\n")
    imports = _module_level_imports(module)
    layers = _layer_of()
    assert any(layers[_unit(parts)] > layers["wire"] for parts in imports)
