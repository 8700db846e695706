"""The apps depend one way: access ← procore_sync ← erp_integrations ← qbxml ← demo. Each app's modules
(migrations and tests aside) import only the apps below it; news travels upward through the hooks the
lower app offers (`procore_sync.hooks`, `erp_integrations.hooks`), never through an import. The qbXML
core (`qbxml.lib`) imports no app and may be used by any; the connector reads only accepted snapshots, so
it imports nothing of the project side.

A small AST walk rather than a linter: it reads every `import` of every module, those inside functions
too, so a late import cannot hide an arrow.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("access", "procore_sync", "erp_integrations", "qbxml", "demo")
# What each app may import of the project's own packages, beyond itself.
ALLOWED: dict[str, set[str]] = {
    "access": set(),
    "procore_sync": {"access"},
    "erp_integrations": {"access", "procore_sync", "qbxml.lib"},
    "qbxml": {"access", "erp_integrations"},
    "demo": {"access", "procore_sync", "erp_integrations", "qbxml"},
}
# Settings-level helpers any app may use: they import no app.
SHARED = {"config.client_ip", "config.env"}
PURE = ("qbxml/lib", "qbxml/simulator")  # plain Python: may import only the pure core


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def product_modules(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and not path.name.startswith("test")
    ]


def ours(module: str) -> bool:
    return module.split(".")[0] in {*APPS, "config"}


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def wrong_arrows(app: str) -> list[str]:
    found = []
    for path in product_modules(app):
        relative = path.relative_to(ROOT).as_posix()
        pure = relative.startswith(PURE)
        for module in sorted(imported_modules(path)):
            if not ours(module) or module in SHARED:
                continue
            if pure:
                if not any(within(module, package.replace("/", ".")) for package in PURE):
                    found.append(f"{relative} imports {module} (the pure core imports no app)")
            elif not within(module, app) and not any(within(module, allowed) for allowed in ALLOWED[app]):
                found.append(f"{relative} imports {module}")
    return found


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_only_the_apps_below_it(app):
    assert wrong_arrows(app) == []


def test_the_check_sees_an_arrow_the_wrong_way(tmp_path, monkeypatch):
    """The walk finds imports where they hide: inside a function, and as `import x.y`."""
    package = tmp_path / "procore_sync"
    package.mkdir()
    (package / "views.py").write_text("def page():\n    import erp_integrations.services\n    return 1\n")
    (package / "ok.py").write_text("from access.permissions import check\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert wrong_arrows("procore_sync") == ["procore_sync/views.py imports erp_integrations.services"]


def test_every_app_of_the_layers_is_installed():
    from django.conf import settings

    assert [app for app in settings.INSTALLED_APPS if app in APPS] == list(APPS)
