"""The WSGI entry point, as gunicorn and the benchmarks load it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import gc
from config.wsgi import application
print(callable(application), gc.get_freeze_count() > 0, gc.get_threshold()[0])
"""


def test_the_entry_point_loads_the_application_and_freezes_what_startup_made() -> None:
    # In its own process: freezing and the collector's thresholds are process-wide.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "20000"]
