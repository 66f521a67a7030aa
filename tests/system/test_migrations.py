"""A migration holds its own data: what an old revision installs never changes with the code."""

from __future__ import annotations

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "server" / "migrations" / "versions"


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_revision_imports_application_code():
    # A seed, a translation or a pattern edited later would otherwise change what an old
    # revision installs, and two databases at the same revision would hold different data.
    revisions = sorted(VERSIONS.glob("*.py"))
    assert revisions
    reaching_into_the_app = {
        path.name: sorted(module for module in imported_modules(path) if module.split(".")[0] == "server")
        for path in revisions
    }
    assert {name: modules for name, modules in reaching_into_the_app.items() if modules} == {}
