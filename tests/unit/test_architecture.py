"""The dependency rules of the layout: imports point one way, and nothing works at import time.

domain ← application ← {projections, integration} ← shared edge (access, limits, metrics) ←
{api, web} ← bootstrap ← cli. Settings may be imported anywhere. Peers never import each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "bratasena"

UNITS: dict[str, tuple[int, tuple[str, ...]]] = {
    "domain": (0, ("bratasena.domain",)),
    "application": (
        1,
        (
            "bratasena.application",
            "bratasena.deployment",
            "bratasena.leadership",
            "bratasena.letter_facts",
            "bratasena.persistence",
            "bratasena.registry_digests",
            "bratasena.blobs",
            "bratasena.media",
            "bratasena.transcoder",
        ),
    ),
    "projections": (2, ("bratasena.projections",)),
    "integration": (2, ("bratasena.integration",)),
    "edge": (
        3,
        (
            "bratasena.access",
            "bratasena.canonical",
            "bratasena.gate",
            "bratasena.headers",
            "bratasena.limits",
            "bratasena.limit_store",
            "bratasena.metrics",
        ),
    ),
    "api": (4, ("bratasena.api",)),
    "web": (4, ("bratasena.web",)),
    "bootstrap": (5, ("bratasena.bootstrap", "bratasena.demo", "bratasena.workers")),
    "cli": (6, ("bratasena.cli",)),
}
"""Each unit's layer and modules; a module imports only from lower layers and its own unit."""

LAYERS = {module: unit for unit, (_, modules) in UNITS.items() for module in modules}

ANYWHERE = {"bratasena.settings", "bratasena"}
"""Modules every layer may import."""

ALLOWED_OUTSIDE_STDLIB = {"eventsourcing", "stdnum", "holidays", "bratasena"}
"""Pure libraries the domain may use: validation of NIKs (stdnum), public holidays (holidays)."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str | None:
    """The unit a module belongs to (by its longest matching prefix), if any."""
    matches = [name for name in LAYERS if module == name or module.startswith(name + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from bratasena import access` imports the module bratasena.access.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_every_import_points_down_the_layers() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module in ANYWHERE:
            continue
        unit = _unit(module)
        assert unit is not None, f"{module} belongs to no layer: add it to UNITS"
        for name in sorted(_imports(path)):
            target = _unit(name)
            if name in ANYWHERE or target is None or target == unit:
                continue
            if UNITS[target][0] >= UNITS[unit][0]:
                offences.append(f"{module} imports {name} ({target} is not below {unit})")
    assert offences == []


def test_the_domain_imports_only_the_stdlib_and_pure_libraries() -> None:
    for path in (PACKAGE / "domain").glob("*.py"):
        for full in _imports(path):
            root = full.split(".")[0]
            if root in sys.stdlib_module_names:
                continue
            assert root in ALLOWED_OUTSIDE_STDLIB, f"{path.name} imports {full}"
            if root == "eventsourcing":
                assert full == "eventsourcing.domain" or full.startswith("eventsourcing.domain."), (
                    f"{path.name} imports {full}"
                )
            if root == "bratasena":
                assert full.startswith("bratasena.domain"), f"{path.name} imports {full}"


def test_importing_the_package_opens_no_database() -> None:
    code = (
        "import sys, bratasena.application, bratasena.cli, bratasena.settings;"
        "print('sqlite3' in sys.modules and any(m.startswith('eventsourcing.sqlite') "
        "for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
