"""The simulated company file, and one way to talk to it: builders in, parsers out.

Every answer that goes through `send` is also checked against Intuit's schemas (13.0 and 16.0) when
$QBXML_SCHEMA_DIR is set, so each test doubles as a test that the simulator's answers are valid qbXML.
Tests that cannot mean anything without the schema use the `qbxml_schema_dir` fixture of the builder
tests, which skips with the reason (or fails under STRICT_TESTS=1).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from lxml import etree

from qbxml.lib import build
from qbxml.lib.parse import Response, parse_responses
from qbxml.simulator import QuickBooksCompany
from tests.qbxml.lib.conftest import (  # noqa: F401  (fixtures shared with the builder tests)
    SCHEMA_ENV,
    VERSIONS,
    assert_valid,
    qbxml_schema_dir,
    qbxml_schemas,
)

JOB = "Big Builder Co:Main Street Lofts"
Send = Callable[..., list[Response]]


@pytest.fixture(scope="session")
def optional_schemas() -> dict[str, etree.XMLSchema]:
    """The schemas when $QBXML_SCHEMA_DIR is set, else nothing (the tests then run without them)."""
    value = os.environ.get(SCHEMA_ENV, "").strip()
    if not value:
        return {}
    directory = Path(value)
    files = {v: directory / f"qbxmlops{v.replace('.', '')}.xsd" for v in VERSIONS}
    return {v: etree.XMLSchema(etree.parse(str(path))) for v, path in files.items()}


@pytest.fixture(scope="session")
def check_answer(optional_schemas: dict[str, etree.XMLSchema]) -> Callable[[str], None]:
    def check(answer: str) -> None:
        assert answer.startswith('<?xml version="1.0" ?>\n<QBXML><QBXMLMsgsRs>')
        root = etree.fromstring(answer.encode("utf-8"))
        for version, schema in optional_schemas.items():
            if not schema.validate(root):
                errors = "\n".join(f"  line {e.line}: {e.message}" for e in schema.error_log)
                pytest.fail(f"the simulator's answer is not valid qbXML {version}:\n{errors}\n{answer[:4000]}")

    return check


@pytest.fixture
def company() -> QuickBooksCompany:
    """A new company file: only the default accounts."""
    return QuickBooksCompany("Big Builder Co")


@pytest.fixture
def seeded(company: QuickBooksCompany) -> QuickBooksCompany:
    """What a contractor's company file holds before the connector's first run."""
    company.add_customer("Big Builder Co")
    company.add_customer("Main Street Lofts", parent="Big Builder Co", job_status="InProgress")
    company.add_vendor("Acme Concrete", company_name="Acme Concrete Inc")
    company.add_class("Subcontract")
    company.add_class("Material")
    company.add_item_service("03", description="Concrete")
    company.add_item_service("03-300", parent="03", description="Cast-in-place", income_account="Construction Income")
    return company


@pytest.fixture
def send(check_answer: Callable[[str], None]) -> Send:
    """send(company, *requests, on_error=..., version=...) -> the parsed answers, checked against the schema."""

    def send_(
        company: QuickBooksCompany,
        *requests: etree._Element,
        on_error: build.OnError = "continueOnError",
        version: str = "13.0",
    ) -> list[Response]:
        answer = company.process(build.build_message(list(requests), version=version, on_error=on_error))
        check_answer(answer)
        return parse_responses(answer)

    return send_


def one(responses: Sequence[Response]) -> Response:
    assert len(responses) == 1, responses
    return responses[0]
