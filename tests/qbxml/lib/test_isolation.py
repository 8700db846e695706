"""The qbXML core stays plain Python: no Django, so it tests in milliseconds and the simulator reuses it."""

from __future__ import annotations

import ast
from pathlib import Path

import qbxml.lib

LIB = Path(qbxml.lib.__file__).parent


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
