"""The simulator is plain Python: it runs wherever the qbXML core runs, with no Django and no settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_simulator_imports_and_answers_without_django():
    script = (
        "import sys\n"
        "from qbxml.simulator import QuickBooksCompany\n"
        "from qbxml.lib import build\n"
        "from qbxml.lib.types import VendorData\n"
        "answer = QuickBooksCompany().process(build.build_message([build.vendor_add('1', VendorData('A'))]))\n"
        "assert 'statusCode=\"0\"' in answer, answer\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter on our own code)
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
