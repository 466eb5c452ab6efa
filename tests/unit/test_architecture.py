"""The dependency rules of the layout: the domain stays pure, nothing works at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DOMAIN = Path(__file__).parents[2] / "bratasena" / "domain"
ALLOWED_OUTSIDE_STDLIB = {"eventsourcing", "stdnum", "holidays", "bratasena"}
"""Pure libraries the domain may use: validation of NIKs (stdnum), public holidays (holidays)."""


def _imported_roots(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text())
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.module))
    return found


def test_the_domain_imports_only_the_stdlib_and_pure_libraries() -> None:
    for path in DOMAIN.glob("*.py"):
        for root, full in _imported_roots(path):
            if root in sys.stdlib_module_names:
                continue
            assert root in ALLOWED_OUTSIDE_STDLIB, f"{path.name} imports {full}"
            if root == "eventsourcing":
                assert full == "eventsourcing.domain", f"{path.name} imports {full}"
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
