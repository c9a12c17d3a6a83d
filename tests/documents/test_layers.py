import ast
from pathlib import Path

import apps

APPS = Path(apps.__file__).resolve().parent


def imported_apps(package: str) -> set[str]:
    """The apps a package imports anywhere, function-level imports included."""
    found = set()
    for path in (APPS / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found |= {name.split(".")[1] for name in names if name.startswith("apps.") and name.count(".") >= 1}
    return found - {package}


def test_documents_stands_below_the_apps_whose_documents_it_verifies():
    assert imported_apps("documents") <= {"core"}


def test_payments_prints_receipts_without_applications_helpers():
    sources = "\n".join(path.read_text() for path in (APPS / "payments").rglob("*.py"))
    for private in ("apps.applications.pdf", "apps.applications.answers", "reference_new"):
        assert private not in sources
