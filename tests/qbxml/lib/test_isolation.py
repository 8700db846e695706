"""The qbXML core stays plain Python: no Django, so it tests in milliseconds and the simulator reuses it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import qbxml.lib

LIB = Path(qbxml.lib.__file__).parent
ROOT = LIB.parents[1]


def test_qbxml_lib_imports_no_django():
    offenders = []
    for path in sorted(LIB.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {m}" for m in modules if m.split(".")[0] in {"django", "rest_framework"}]
    assert not offenders


def test_importing_every_qbxml_lib_module_loads_no_django():
    # The check above reads each module's own imports; this one catches Django reached through another
    # module, e.g. a part of the qbxml app outside lib.
    modules = sorted(f"qbxml.lib.{path.stem}" for path in LIB.glob("*.py") if path.stem != "__init__")
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter on our own code)
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert "qbxml.lib.soap" in modules and "qbxml.lib.webconnector" in modules
    assert result.returncode == 0, result.stderr
