"""The official qbXML schemas, loaded once per session from $QBXML_SCHEMA_DIR.

The XSDs live outside the project (../shared/qbxml-schema). Without the variable the schema tests skip
with the reason below; with STRICT_TESTS=1 (as in CI) a missing schema fails the run instead, so CI can
never go green without having validated anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from tests.qbxml.lib.xsd import SchemaIndex

SCHEMA_ENV = "QBXML_SCHEMA_DIR"
VERSIONS = ("13.0", "16.0")
FIXTURES = Path(__file__).parent / "fixtures"


def _schema_file(directory: Path, version: str) -> Path:
    return directory / f"qbxmlops{version.replace('.', '')}.xsd"


@pytest.fixture(scope="session")
def qbxml_schema_dir() -> Path:
    value = os.environ.get(SCHEMA_ENV, "").strip()
    if not value:
        reason = (
            f"{SCHEMA_ENV} is not set: point it at Intuit's qbXML XSDs (../shared/qbxml-schema) "
            "to check requests, fixtures and limits against the official schema"
        )
        if os.environ.get("STRICT_TESTS") == "1":
            pytest.fail(f"STRICT_TESTS=1 and {reason}")
        pytest.skip(reason)
    directory = Path(value)
    missing = [str(_schema_file(directory, v)) for v in VERSIONS if not _schema_file(directory, v).is_file()]
    if missing:
        # A variable that is set but wrong is a broken setup, not a reason to skip.
        pytest.fail(f"{SCHEMA_ENV}={value} has no {', '.join(missing)}")
    return directory


@pytest.fixture(scope="session")
def qbxml_schemas(qbxml_schema_dir: Path) -> dict[str, etree.XMLSchema]:
    return {v: etree.XMLSchema(etree.parse(str(_schema_file(qbxml_schema_dir, v)))) for v in VERSIONS}


@pytest.fixture(scope="session")
def schema_indexes(qbxml_schema_dir: Path) -> dict[str, SchemaIndex]:
    return {v: SchemaIndex(qbxml_schema_dir, v) for v in VERSIONS}


@pytest.fixture(scope="session")
def assert_valid(qbxml_schemas: dict[str, etree.XMLSchema]):
    """Validate a whole qbXML document against both versions, failing with the schema's own words."""

    def check(document: bytes, versions: tuple[str, ...] = VERSIONS) -> None:
        root = etree.fromstring(document)
        for version in versions:
            schema = qbxml_schemas[version]
            if not schema.validate(root):
                errors = "\n".join(f"  line {e.line}: {e.message}" for e in schema.error_log)
                pytest.fail(f"not valid qbXML {version}:\n{errors}\n{document.decode('utf-8', 'replace')[:3000]}")

    return check
