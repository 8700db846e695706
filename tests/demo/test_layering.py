from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

# The demo loads records into all three apps; none of them may depend on it.
APPS_BELOW_THE_DEMO = ("procore_sync", "erp_integrations", "qbxml")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_the_apps_below_the_demo_never_import_it():
    offenders: list[str] = []
    for app in APPS_BELOW_THE_DEMO:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" in path.parts or path.name.startswith("test"):
                continue
            if any(module == "demo" or module.startswith("demo.") for module in imported_modules(path)):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []
