"""Requests the tests send to the simulated QuickBooks that the product itself never builds yet:
transaction import pages and deleted-record queries.

They are made from the pieces of `qbxml.lib.build`, so requestIDs, kinds and lengths are checked exactly
as in the product's builders, and test_builders.py validates each against Intuit's schemas.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from qbxml.lib import limits
from qbxml.lib.build import (
    DEFAULT_MAX_RETURNED,
    Element,
    TxnKind,
    _check_txn_kind,
    _iterator_attributes,
    _max_returned,
    _request,
    _sub,
    _txn_query_tail,
    format_datetime,
    list_import_query,
)
from qbxml.lib.values import qb_text

__all__ = ["list_import_query", "txn_deleted_query", "txn_import_query"]

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
