"""QuickBooks' list records as an import leaves them, for the tests of Ready to Import."""

from __future__ import annotations

import itertools

import pytest

from erp_integrations.models import AccountingRecord
from qbxml import services as qb_services

_ids = itertools.count(1)


@pytest.fixture
def book(db) -> str:  # type: ignore[no-untyped-def]
    """The company file items go to: the default connection's."""
    return qb_services.connection_create(None, name="Main company", username="qbuser", password="pw-123456").book


def vendor(book: str, name: str, *, is_active: bool = True, **details: object) -> AccountingRecord:
    return AccountingRecord.objects.create(
        book=book,
        list_type=AccountingRecord.ListType.VENDOR,
        external_id=f"8000{next(_ids):04d}-1700000000",
        full_name=name,
        edit_sequence="1700000007",
        is_active=is_active,
        details={"name": name, **details},
    )


def customer(book: str, full_name: str, **details: object) -> AccountingRecord:
    return AccountingRecord.objects.create(
        book=book,
        list_type=AccountingRecord.ListType.CUSTOMER,
        external_id=f"9000{next(_ids):04d}-1700000000",
        full_name=full_name,
        edit_sequence="1700000009",
        parent_external_id="parent" if ":" in full_name else "",
        details={"name": full_name.rsplit(":", 1)[-1], "sublevel": full_name.count(":"), **details},
    )
