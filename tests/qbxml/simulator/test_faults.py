"""Injected faults and the counters exactly-once tests read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbxml.lib import build
from qbxml.lib.parse import parse_responses
from qbxml.lib.types import (
    BillData,
    BillLine,
    CustomerData,
    PurchaseOrderData,
    PurchaseOrderLine,
    VendorData,
    VendorModData,
)
from tests.qbxml.simulator.conftest import JOB, one


@pytest.mark.parametrize("code", [3170, 3175, 3176, 3180])
def test_a_locked_record_answers_its_code_for_the_next_requests_then_works(seeded, send, code):
    vendor = seeded.find_list("Vendor", "Acme Concrete")
    seeded.lock("Acme Concrete", times=2, code=code)
    mod = VendorModData(vendor.list_id, vendor.edit_sequence, VendorData(name="Acme Concrete", phone="1"))
    first, second = send(seeded, build.vendor_mod("1", mod), build.vendor_mod("2", mod))
    assert (first.status_code, first.status_severity) == (code, "Error")
    assert first.is_transient
    assert second.status_code == code
    assert '"Acme Concrete"' in first.status_message
    # Nothing changed while it was locked, and a query was never refused.
    assert seeded.find_list("Vendor", "Acme Concrete").edit_sequence == vendor.edit_sequence
    third, query = send(seeded, build.vendor_mod("3", mod), build.list_query("q", "Vendor", full_name="Acme Concrete"))
    assert (third.status_code, query.status_code) == (0, 0)


def test_a_lock_by_list_id_and_on_a_referenced_record(seeded, send):
    job = seeded.find_list("Customer", JOB)
    seeded.lock(job.list_id, times=1, code=3176, message="Somebody is editing the job")
    lines = (PurchaseOrderLine("03:03-300", Decimal("1.00"), customer_full_name=JOB),)
    answers = send(
        seeded,
        build.purchase_order_add("1", PurchaseOrderData("Acme Concrete", "PO-1", lines)),
        build.purchase_order_add("2", PurchaseOrderData("Acme Concrete", "PO-2", lines)),
    )
    assert [(a.status_code, a.status_message) for a in answers] == [
        (3176, "Somebody is editing the job"),
        (0, "Status OK"),
    ]


def test_a_lock_on_a_name_not_yet_added_refuses_its_add(company, send):
    company.lock("Main Street Lofts", times=1)
    data = CustomerData(name="Main Street Lofts")
    first, second = send(company, build.customer_add("1", data), build.customer_add("2", data))
    assert (first.status_code, second.status_code) == (3175, 0)
    company.lock("Owner:Job", times=1, code=3180)
    company.add_customer("Owner")
    job = one(send(company, build.customer_add("3", CustomerData(name="Job", parent_full_name="Owner"))))
    assert job.status_code == 3180


def test_unlock_lifts_locks(company, send):
    company.lock("Acme", times=5)
    company.unlock("Acme")
    assert one(send(company, build.vendor_add("1", VendorData(name="Acme")))).status_code == 0
    company.lock("Other", times=5)
    company.lock("Third", times=5)
    company.unlock()
    assert [a.status_code for a in send(company, build.vendor_add("2", VendorData(name="Other")))] == [0]


def test_add_count_counts_what_requests_added(seeded, send):
    send(
        seeded,
        build.vendor_add("1", VendorData(name="New Vendor")),
        build.vendor_add("2", VendorData(name="New Vendor")),
    )
    assert seeded.add_count("Vendor", "New Vendor") == 1  # the second got 3100
    assert seeded.add_count("Vendor", "new vendor") == 1
    assert seeded.add_count("Vendor", "Acme Concrete") == 0  # seeded, not added by a request
    send(seeded, build.customer_add("3", CustomerData(name="Phase 2", parent_full_name=JOB)))
    assert seeded.add_count("Customer", f"{JOB}:Phase 2") == 1
    bill = BillData("Acme Concrete", "INV-7", (BillLine("03:03-300", Decimal("10.00")),))
    send(seeded, build.bill_add("4", bill))
    assert seeded.add_count("Bill", "INV-7") == 1
    assert seeded.add_count("Item", "03") == 0


def test_a_lost_answer_resent_after_a_lookup_adds_nothing_twice(seeded, send):
    """The scenario exactly-once rests on: QuickBooks added the vendor, the answer never arrived."""
    add = build.vendor_add("1", VendorData(name="Lost Answer Ltd"))
    seeded.process(build.build_message([add]))  # the answer is lost on the way back
    lookup = one(send(seeded, build.list_query("2", "Vendor", full_name="Lost Answer Ltd")))
    assert lookup.status_code == 0
    assert seeded.add_count("Vendor", "Lost Answer Ltd") == 1
    # Sending the Add again would fail with 3100, never add a second record.
    again = one(parse_responses(seeded.process(build.build_message([add]))))
    assert again.status_code == 3100
    assert len([v for v in seeded.vendors() if v.name == "Lost Answer Ltd"]) == 1
