"""Imports run one way (DESIGN.md): nothing below imports what stands above it, not even inside a function,
no two apps import each other round a circle, and no app reaches into another app's private module.

Read with `ast` from the source, every import statement at any depth (module level, inside functions,
under TYPE_CHECKING), so a function-level import cannot hide a circle.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"

# Bottom first. A unit may import its own layer's units (without a circle) and any layer below.
LAYERS = [
    ["core"],
    ["departments"],
    ["services", "documents"],
    ["whatsapp"],
    ["conversations"],
    ["notifications"],
    ["portals"],
    ["applications", "payments", "grievances"],
    ["engine"],
    ["dashboard", "simulator"],
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
# Packages inside an app that stand in a layer of their own.
SUBUNITS = {("conversations", "engine"): "engine", ("conversations", "understanding"): "engine"}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "apps":
        return None
    if len(parts) >= 3 and (parts[1], parts[2]) in SUBUNITS:
        return SUBUNITS[(parts[1], parts[2])]
    return parts[1]


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int, list[str]]]:
    """(module imported, line, names imported from it) for every import in the file, at any depth."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            found.append((target, node.lineno, names))
            # `from apps.x import y` may name the module apps.x.y
            found += [(f"{target}.{name}", node.lineno, []) for name in names if (APPS.parent / (
                target.replace(".", "/") + f"/{name}.py")).exists()]  # fmt: skip
    return found


def _sources() -> list[Path]:
    return [path for path in APPS.rglob("*.py") if "migrations" not in path.parts]


def _edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _sources():
        source = _unit(_module_of(path))
        for target, line, _ in _imports(path):
            unit = _unit(target)
            if source and unit and unit != source:
                edges[(source, unit)].append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return edges


def test_every_unit_has_a_layer():
    units = {_unit(_module_of(path)) for path in _sources()} - {None}
    assert units - RANK.keys() == set(), "add the new app to LAYERS (DESIGN.md's diagram)"


def test_nothing_imports_what_stands_above_it():
    upward = [where for (source, target), wheres in _edges().items() if RANK[target] > RANK[source] for where in wheres]
    assert upward == []


def test_no_import_circle_between_apps():
    graph = defaultdict(set)
    for source, target in _edges():
        graph[source].add(target)
    circles = []
    for start in list(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(" -> ".join(path + [start]))
                elif nxt not in path:
                    stack.append((nxt, path + [nxt]))
    assert circles == []


def test_no_app_reaches_into_another_apps_private_names():
    private = []
    for path in _sources():
        source = _unit(_module_of(path))
        for target, line, names in _imports(path):
            unit = _unit(target)
            if not unit or unit == source:
                continue
            hidden = [name for name in names if name.startswith("_")]
            if hidden or any(part.startswith("_") and part != "__init__" for part in target.split(".")):
                private.append(f"{path.relative_to(ROOT)}:{line} imports {target} {hidden}")
    assert private == []


def test_the_walk_sees_imports_inside_functions(tmp_path):
    """The check itself: a function-level import is found like a module-level one."""
    sample = APPS / "core" / "queue.py"
    lines = {target for target, _, _ in _imports(sample)}
    assert "celery" in lines
    engine = APPS / "conversations" / "engine" / "process.py"
    assert _unit(_module_of(engine)) == "engine"
    assert any(target == "apps.conversations.media" for target, _, _ in _imports(engine))
