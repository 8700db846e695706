"""Requests the tests send to the simulated QuickBooks that the product itself never builds: import pages
(iterators, modified-date filters) and deleted-record queries.

They are made from the pieces of `qbxml.lib.build`, so requestIDs, kinds and lengths are checked exactly
as in the product's builders, and test_builders.py validates each against Intuit's schemas.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from qbxml.lib import limits
from qbxml.lib.build import (
    Element,
    ListKind,
    TxnKind,
    _check_list_kind,
    _check_txn_kind,
    _request,
    _sub,
    _txn_query_tail,
)
from qbxml.lib.values import FieldError, qb_id, qb_text

ActiveStatus = Literal["ActiveOnly", "InactiveOnly", "All"]

# ClassQuery and AccountQuery have no iterator attributes in either schema: those lists are small and
# come back whole.
ITERABLE_LIST_KINDS = frozenset({"Vendor", "Customer", "ItemService", "Item"})

# Transaction types TxnDeletedQuery reports on that matter to job costs and payments.
TXN_DELETED_KINDS = frozenset(
    {
        "Bill",
        "BillPaymentCheck",
        "BillPaymentCreditCard",
        "Check",
        "CreditCardCharge",
        "CreditCardCredit",
        "Estimate",
        "ItemReceipt",
        "JournalEntry",
        "PurchaseOrder",
        "VendorCredit",
    }
)

DEFAULT_MAX_RETURNED = 200
MAX_RETURNED_LIMIT = 1000  # bigger pages make responses the Web Connector struggles to carry


def format_datetime(field: str, value: datetime) -> str:
    """A DATETIMETYPE bound for a modified-date filter.

    A naive datetime is sent as is and QuickBooks reads it in the local time of its machine; an aware
    one carries its offset. Microseconds are dropped (QuickBooks keeps seconds), which only widens an
    inclusive From bound.
    """
    if not isinstance(value, datetime):
        raise FieldError(field, f"expected a datetime, got {type(value).__name__}")
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        raise FieldError(field, "QuickBooks cannot take a time zone offset with seconds")
    return value.replace(microsecond=0).isoformat()


def _iterator_attributes(kind: str, iterator_id: str | None) -> dict[str, str]:
    if iterator_id is None:
        return {"iterator": "Start"}
    return {"iterator": "Continue", "iteratorID": qb_id(f"{kind}Rq/@iteratorID", iterator_id, 64)}


def _max_returned(field: str, value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RETURNED_LIMIT:
        raise FieldError(field, f"must be a whole number from 1 to {MAX_RETURNED_LIMIT}, got {value!r}")
    return str(value)


def list_import_query(
    request_id: str,
    kind: ListKind,
    *,
    max_returned: int = DEFAULT_MAX_RETURNED,
    iterator_id: str | None = None,
    modified_from: datetime | None = None,
    modified_to: datetime | None = None,
    active_status: ActiveStatus = "All",
) -> Element:
    """A page of an import: records of `kind` modified in [modified_from, modified_to] (both inclusive).

    Vendor, Customer, ItemService and Item iterate: pass the iteratorID of the previous answer to
    continue (with the same filter). Class and Account lists cannot iterate and come back whole.
    ActiveStatus defaults to All because QuickBooks' own default (ActiveOnly) hides deactivations.
    """
    _check_list_kind(kind)
    query = f"{kind}Query"
    if active_status not in ("ActiveOnly", "InactiveOnly", "All"):
        raise ValueError(f"{query}: unknown ActiveStatus {active_status!r}")
    iterable = kind in ITERABLE_LIST_KINDS
    if not iterable and iterator_id is not None:
        raise ValueError(f"{query} has no iterator in the qbXML schema")
    attributes = _iterator_attributes(query, iterator_id) if iterable else {}
    rq = _request(query, request_id, **attributes)
    # ListFilter order: MaxReturned, ActiveStatus, FromModifiedDate, ToModifiedDate, NameFilter | ...
    if iterable:
        _sub(rq, "MaxReturned", _max_returned(f"{query}/MaxReturned", max_returned))
    _sub(rq, "ActiveStatus", active_status)
    if modified_from is not None:
        _sub(rq, "FromModifiedDate", format_datetime(f"{query}/FromModifiedDate", modified_from))
    if modified_to is not None:
        _sub(rq, "ToModifiedDate", format_datetime(f"{query}/ToModifiedDate", modified_to))
    return rq


def txn_import_query(
    request_id: str,
    kind: TxnKind,
    *,
    max_returned: int = DEFAULT_MAX_RETURNED,
    iterator_id: str | None = None,
    modified_from: datetime | None = None,
    modified_to: datetime | None = None,
    entity_full_name: str | None = None,
    include_line_items: bool = True,
    include_linked_txns: bool = False,
) -> Element:
    """A page of an import of `kind` transactions modified in [modified_from, modified_to] (inclusive).

    The bounds are read in the QuickBooks machine's local time unless they carry an offset; the caller
    moves its saved bound on by a second so the last record of a run is not fetched again.
    """
    shape = _check_txn_kind(kind)
    query = f"{kind}Query"
    rq = _request(query, request_id, **_iterator_attributes(query, iterator_id))
    _sub(rq, "MaxReturned", _max_returned(f"{query}/MaxReturned", max_returned))
    if modified_from is not None or modified_to is not None:
        dates = _sub(rq, "ModifiedDateRangeFilter")
        if modified_from is not None:
            where = f"{query}/ModifiedDateRangeFilter/FromModifiedDate"
            _sub(dates, "FromModifiedDate", format_datetime(where, modified_from))
        if modified_to is not None:
            where = f"{query}/ModifiedDateRangeFilter/ToModifiedDate"
            _sub(dates, "ToModifiedDate", format_datetime(where, modified_to))
    if entity_full_name is not None:
        entity = _sub(rq, "EntityFilter")
        name = qb_text(f"{query}/EntityFilter/FullName", entity_full_name, limits.CUSTOMER_FULL_NAME, required=True)
        _sub(entity, "FullName", name)
    _txn_query_tail(rq, query, shape, include_line_items, include_linked_txns)
    return rq


def txn_deleted_query(
    request_id: str,
    kinds: Iterable[str],
    *,
    deleted_from: datetime | None = None,
    deleted_to: datetime | None = None,
) -> Element:
    """TxnDeletedQuery: transactions deleted in QuickBooks, which a modified-date import never sees."""
    rq = _request("TxnDeletedQuery", request_id)
    chosen = list(dict.fromkeys(kinds))
    if not chosen:
        raise ValueError("TxnDeletedQuery: name at least one transaction type")
    for kind in chosen:
        if kind not in TXN_DELETED_KINDS:
            raise ValueError(f"TxnDeletedQuery: unsupported transaction type {kind!r}")
        _sub(rq, "TxnDelType", kind)
    if deleted_from is not None or deleted_to is not None:
        dates = _sub(rq, "DeletedDateRangeFilter")
        if deleted_from is not None:
            where = "TxnDeletedQuery/DeletedDateRangeFilter/FromDeletedDate"
            _sub(dates, "FromDeletedDate", format_datetime(where, deleted_from))
        if deleted_to is not None:
            where = "TxnDeletedQuery/DeletedDateRangeFilter/ToDeletedDate"
            _sub(dates, "ToDeletedDate", format_datetime(where, deleted_to))
    return rq
