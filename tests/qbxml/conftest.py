from __future__ import annotations

import os
from pathlib import Path

import pytest

from qbxml import services
from tests.factories import CompanyFactory

STRICT = os.environ.get("STRICT_TESTS") == "1"
PASSWORD = "wc-password-1"


@pytest.fixture(scope="session")
def shared_wsdl() -> Path:
    """The Web Connector's WSDL from ../shared (never ours): the client the tests build speaks Intuit's."""
    value = os.environ.get("QBWC_WSDL")
    if value:
        return Path(value)
    default = Path(__file__).resolve().parents[3] / "shared" / "qbwc" / "QBWebConnectorSvc.wsdl"
    if default.exists():
        return default
    pytest.skip("QBWC_WSDL is not set: point it at ../shared/qbwc/QBWebConnectorSvc.wsdl")


@pytest.fixture
def connection(db):  # type: ignore[no-untyped-def]
    return services.connection_create(None, name="Main company", username="qbuser", password=PASSWORD)


@pytest.fixture
def queued_company(db, pm, approver):  # type: ignore[no-untyped-def]
    """A vendor accepted for QuickBooks."""
    from erp_integrations import services as erp

    company = CompanyFactory(name="Acme Concrete", phone="217-555-0100")
    erp.item_send(company, pm)
    erp.item_accept(company, approver)
    return company
