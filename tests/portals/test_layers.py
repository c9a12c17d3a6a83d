"""Portals stand below applications, payments and the conversation engine (../shared/DESIGN.md): nothing in
apps/portals imports them, not even inside a function, or the three apps that use portals would form a
circle through it."""

import ast
from pathlib import Path

PORTALS = Path(__file__).resolve().parents[2] / "apps" / "portals"
ABOVE = ("apps.applications", "apps.payments", "apps.conversations.engine", "apps.dashboard", "apps.grievances")


def imported(path: Path) -> set[str]:
    package = "apps.portals" + "".join(f".{part}" for part in path.relative_to(PORTALS).parent.parts)
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.update([module] + [f"{module}.{alias.name}" for alias in node.names])
    return names


def test_portals_import_nothing_that_stands_above_them():
    found = {
        f"{path.relative_to(PORTALS)}: {name}"
        for path in PORTALS.rglob("*.py")
        for name in imported(path)
        if name.startswith(ABOVE)
    }

    assert list(PORTALS.rglob("*.py")) and not found
