"""The import and deleted-record queries of builders.py, checked against Intuit's schema for 13.0 and 16.0:
the simulator tests that drive iterators and deletions send them, so they must be what QuickBooks accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from qbxml.lib import build
from qbxml.lib.values import FieldError
from tests.qbxml.simulator import builders


def _queries():
    when = datetime(2024, 3, 1, 8, 0, 0, tzinfo=UTC)
    for kind in ("Vendor", "Customer", "ItemService", "Item", "Class", "Account"):
        yield (
            f"{kind}Query import",
            builders.list_import_query(f"lm-{kind}", kind, modified_from=when, modified_to=when, active_status="All"),
        )
    yield "VendorQuery continue", builders.list_import_query("lc", "Vendor", iterator_id="{a5d1-77}", max_returned=500)
    for kind in build.TXN_QUERY_SHAPES:
        yield (
            f"{kind}Query import",
            builders.txn_import_query(
                f"tm-{kind}", kind, modified_from=when, modified_to=when, entity_full_name="Acme Concrete"
            ),
        )
        yield (
            f"{kind}Query continue",
            builders.txn_import_query(f"tc-{kind}", kind, iterator_id="{77}", max_returned=1),
        )
    yield (
        "TxnDeletedQuery",
        builders.txn_deleted_query("d1", sorted(builders.TXN_DELETED_KINDS), deleted_from=when, deleted_to=when),
    )


QUERIES = list(_queries())


@pytest.mark.parametrize(("label", "request_element"), QUERIES, ids=[label for label, _ in QUERIES])
def test_each_query_is_valid_in_both_versions(assert_valid, label, request_element):
    assert_valid(build.build_message([request_element]))


def _tags(element) -> list[str]:
    return [child.tag for child in element]


def test_datetimes_keep_their_offset_and_drop_microseconds():
    eastern = timezone(timedelta(hours=-5))
    assert (
        build.format_datetime("From", datetime(2024, 3, 9, 8, 7, 6, 999, tzinfo=eastern)) == "2024-03-09T08:07:06-05:00"
    )
    assert build.format_datetime("From", datetime(2024, 3, 9, 8, 7, 6)) == "2024-03-09T08:07:06"  # noqa: DTZ001


def test_import_queries_iterate_with_modified_dates():
    start = builders.list_import_query("1", "Customer", modified_from=datetime(2024, 3, 1, 8, 0, 1, tzinfo=UTC))
    assert start.get("iterator") == "Start" and start.get("iteratorID") is None
    assert _tags(start) == ["MaxReturned", "ActiveStatus", "FromModifiedDate"]
    assert start.findtext("ActiveStatus") == "All"
    assert start.findtext("FromModifiedDate") == "2024-03-01T08:00:01+00:00"
    more = builders.txn_import_query("2", "BillPaymentCheck", iterator_id="{abc}", max_returned=300)
    assert (more.get("iterator"), more.get("iteratorID")) == ("Continue", "{abc}")
    assert _tags(more) == ["MaxReturned", "IncludeLineItems"]


def test_class_and_account_lists_come_back_whole():
    rq = builders.list_import_query("1", "Class")
    assert rq.get("iterator") is None and rq.find("MaxReturned") is None
    with pytest.raises(ValueError, match="no iterator"):
        builders.list_import_query("1", "Account", iterator_id="{x}")


def test_max_returned_is_bounded():
    for bad in (0, -1, 1001, True):
        with pytest.raises(FieldError, match="MaxReturned"):
            builders.txn_import_query("1", "Bill", max_returned=bad)


def test_deleted_query_refuses_types_it_does_not_report():
    with pytest.raises(ValueError, match="unsupported transaction type"):
        builders.txn_deleted_query("1", ["Paycheck"])
