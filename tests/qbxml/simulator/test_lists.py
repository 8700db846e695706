"""Vendors, customers and jobs, service items and sub-items, classes, accounts: kept as QuickBooks keeps them."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

from qbxml.lib import build
from qbxml.lib.parse import parse_qb_datetime, parse_responses
from qbxml.lib.types import (
    Address,
    ClassData,
    CustomerData,
    CustomerModData,
    ServiceItemData,
    ServiceItemModData,
    VendorData,
    VendorModData,
)
from tests.qbxml.simulator.builders import list_import_query
from tests.qbxml.simulator.conftest import JOB, one

ADDRESS = Address(addr1="Acme Concrete Inc", addr2="1200 Industrial Way", city="Springfield", state="IL")


def test_an_added_vendor_comes_back_with_ids_times_and_edit_sequence(company, send):
    data = VendorData(name="Bolt Steel & Supply", company_name="Bolt", address=ADDRESS, phone="217-555-0100")
    record = one(send(company, build.vendor_add("v", data))).records[0]
    assert re.fullmatch(r"8[0-9A-F]{7}-\d{10}", record["list_id"])
    assert record["edit_sequence"].isdigit()
    assert record["time_created"] == record["time_modified"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00", record["time_created"])
    assert record["name"] == "Bolt Steel & Supply"
    assert record["vendor_address"]["addr2"] == "1200 Industrial Way"
    assert record["is_active"] is True
    assert record["balance"] == 0
    assert company.find_list("Vendor", "bolt steel & supply").list_id == record["list_id"]


def test_names_are_unique_across_vendors_customers_employees_and_other_names(seeded, send):
    seeded.add_employee("Dana Ortiz")
    seeded.add_other_name("City of Springfield")
    answers = send(
        seeded,
        build.vendor_add("1", VendorData(name="Big Builder Co")),  # a customer
        build.vendor_add("2", VendorData(name="dana ortiz")),  # an employee, in other letters
        build.customer_add("3", CustomerData(name="City of Springfield")),  # an other name
        build.customer_add("4", CustomerData(name="Acme Concrete")),  # a vendor
        build.vendor_add("5", VendorData(name="Acme Concrete Two")),
    )
    assert [r.status_code for r in answers] == [3100, 3100, 3100, 3100, 0]
    assert answers[0].status_message == 'The name "Big Builder Co" of the list element is already in use.'
    assert answers[1].status_message == 'The name "dana ortiz" of the list element is already in use.'
    assert all(r.status_severity == "Error" for r in answers[:4])


def test_a_job_is_a_customer_under_its_parent_and_unique_only_there(seeded, send):
    answers = send(
        seeded,
        build.customer_add("1", CustomerData(name="Acme Concrete", parent_full_name="Big Builder Co")),
        build.customer_add("2", CustomerData(name="Main Street Lofts", parent_full_name="Big Builder Co")),
        build.customer_add("3", CustomerData(name="Other Owner")),
        build.customer_add("4", CustomerData(name="Main Street Lofts", parent_full_name="Other Owner")),
        build.customer_add("5", CustomerData(name="Phase 2", parent_full_name=JOB)),
    )
    assert [r.status_code for r in answers] == [0, 3100, 0, 0, 0]
    job = answers[0].records[0]
    assert (job["full_name"], job["parent_full_name"], job["sublevel"]) == (
        "Big Builder Co:Acme Concrete",
        "Big Builder Co",
        1,
    )
    phase = answers[4].records[0]
    assert (phase["full_name"], phase["sublevel"]) == (f"{JOB}:Phase 2", 2)
    assert [c.full_name for c in seeded.customers()] == [
        "Big Builder Co",
        "Big Builder Co:Acme Concrete",
        "Big Builder Co:Main Street Lofts",
        "Big Builder Co:Main Street Lofts:Phase 2",
        "Other Owner",
        "Other Owner:Main Street Lofts",
    ]


def test_an_unknown_parent_is_an_invalid_reference_that_names_it(company, send):
    answer = one(send(company, build.customer_add("j", CustomerData(name="Lofts", parent_full_name="Nobody Inc"))))
    assert answer.status_code == 3140
    assert 'QuickBooks Customer "Nobody Inc"' in answer.status_message
    assert company.customers() == []


def test_service_items_and_sub_items(seeded, send):
    answers = send(
        seeded,
        build.item_service_add("1", ServiceItemData(name="05", expense_account="Job Expenses")),
        build.item_service_add(
            "2",
            ServiceItemData(
                name="05-120",
                parent_full_name="05",
                description="Structural steel",
                expense_account="Job Expenses",
                income_account="Construction Income",
            ),
        ),
        build.item_service_add(
            "3", ServiceItemData(name="05-120", parent_full_name="05", expense_account="Job Expenses")
        ),
        build.item_service_add(
            "4", ServiceItemData(name="05-130", parent_full_name="99", expense_account="Job Expenses")
        ),
        build.item_service_add("5", ServiceItemData(name="05-140", parent_full_name="05", expense_account="No Such")),
        build.item_service_add("6", ServiceItemData(name="Big Builder Co", expense_account="Job Expenses")),
    )
    assert [r.status_code for r in answers] == [0, 0, 3100, 3140, 3140, 0]
    parent, sub = answers[0].records[0], answers[1].records[0]
    assert parent["sales_or_purchase"]["account_full_name"] == "Job Expenses"
    assert (sub["full_name"], sub["parent_list_id"], sub["sublevel"]) == ("05:05-120", parent["list_id"], 1)
    both = sub["sales_and_purchase"]
    assert (both["income_account_full_name"], both["expense_account_full_name"]) == (
        "Construction Income",
        "Job Expenses",
    )
    assert both["purchase_desc"] == both["sales_desc"] == "Structural steel"
    assert 'QuickBooks Item "99" in the Item' in answers[3].status_message
    assert 'QuickBooks Account "No Such"' in answers[4].status_message
    # Items have a namespace of their own: an item may share a customer's name.
    assert seeded.find_list("Item", "Big Builder Co") is not None


def test_an_item_without_an_account_is_refused(company, send):
    message = (
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError"><ItemServiceAddRq requestID="1">'
        "<ItemServiceAdd><Name>01</Name><SalesOrPurchase><Desc>x</Desc></SalesOrPurchase></ItemServiceAdd>"
        "</ItemServiceAddRq></QBXMLMsgsRq></QBXML>"
    )
    assert one(parse_responses(company.process(message))).status_code == 3210
    assert company.items() == []


def test_a_mod_needs_the_current_edit_sequence_and_each_mod_changes_it(company, send):
    added = one(send(company, build.vendor_add("a", VendorData(name="Acme")))).records[0]
    first = VendorModData(added["list_id"], added["edit_sequence"], VendorData(name="Acme Concrete", phone="1"))
    changed = one(send(company, build.vendor_mod("m1", first))).records[0]
    assert changed["name"] == "Acme Concrete"
    assert changed["phone"] == "1"
    assert changed["edit_sequence"] != added["edit_sequence"]
    assert changed["time_modified"] > added["time_modified"]
    assert changed["time_created"] == added["time_created"]
    # The same Mod again carries the old EditSequence.
    stale = one(send(company, build.vendor_mod("m2", first)))
    assert (stale.status_code, stale.status_severity) == (3200, "Error")
    assert stale.status_message == f'The provided edit sequence "{added["edit_sequence"]}" is out-of-date. '
    # Someone edits the vendor in QuickBooks: our EditSequence is stale too.
    company.touch("Acme Concrete")
    again = VendorModData(added["list_id"], changed["edit_sequence"], VendorData(name="Acme Concrete", fax="2"))
    assert one(send(company, build.vendor_mod("m3", again))).status_code == 3200


def test_a_mod_leaves_out_what_it_does_not_name(company, send):
    data = VendorData(name="Acme", company_name="Acme Inc", address=ADDRESS, email="ap@acme.example")
    added = one(send(company, build.vendor_add("a", data))).records[0]
    mod = VendorModData(added["list_id"], added["edit_sequence"], VendorData(name="Acme", phone="217"))
    changed = one(send(company, build.vendor_mod("m", mod))).records[0]
    assert (changed["company_name"], changed["email"], changed["phone"]) == ("Acme Inc", "ap@acme.example", "217")
    assert changed["vendor_address"]["city"] == "Springfield"


def test_a_mod_of_a_record_that_is_not_there_is_object_not_found(company, send):
    mod = VendorModData("80000099-1700000000", "1", VendorData(name="Ghost"))
    answer = one(send(company, build.vendor_mod("m", mod)))
    assert answer.status_code == 3120
    assert answer.status_message.startswith('Object "80000099-1700000000" specified in the request cannot be found.')
    customer = company.add_customer("A Customer")
    # A ListID of another list is not found either.
    mod = VendorModData(customer.list_id, customer.edit_sequence, VendorData(name="Ghost"))
    assert one(send(company, build.vendor_mod("m", mod))).status_code == 3120


def test_renaming_a_customer_renames_its_jobs(seeded, send):
    customer = seeded.find_list("Customer", "Big Builder Co")
    mod = CustomerModData(customer.list_id, customer.edit_sequence, CustomerData(name="Big Builder Company"))
    assert one(send(seeded, build.customer_mod("m", mod))).status_code == 0
    assert seeded.find_list("Customer", "Big Builder Company:Main Street Lofts") is not None
    assert seeded.find_list("Customer", JOB) is None
    renamed = one(send(seeded, build.list_query("q", "Customer", full_name="Big Builder Company:Main Street Lofts")))
    assert renamed.records[0]["parent_full_name"] == "Big Builder Company"


def test_a_rename_onto_a_name_in_use_is_refused_and_changes_nothing(seeded, send):
    vendor = seeded.find_list("Vendor", "Acme Concrete")
    mod = VendorModData(vendor.list_id, vendor.edit_sequence, VendorData(name="Big Builder Co", phone="9"))
    assert one(send(seeded, build.vendor_mod("m", mod))).status_code == 3100
    after = seeded.find_list("Vendor", "Acme Concrete")
    assert after.edit_sequence == vendor.edit_sequence
    assert "Phone" not in after.fields


def test_an_item_can_become_two_sided(seeded, send):
    item = seeded.find_list("Item", "03")
    data = ServiceItemData(
        name="03", description="Concrete", expense_account="Job Expenses", income_account="Construction Income"
    )
    changed = one(send(seeded, build.item_service_mod("m", ServiceItemModData(item.list_id, item.edit_sequence, data))))
    assert changed.status_code == 0
    assert changed.records[0].get("sales_or_purchase") is None
    assert changed.records[0]["sales_and_purchase"]["income_account_full_name"] == "Construction Income"


def test_classes_and_accounts(company, send):
    answers = send(
        company,
        build.class_add("1", ClassData(name="Cost types")),
        build.class_add("2", ClassData(name="Labor", parent_full_name="Cost types")),
        build.class_add("3", ClassData(name="labor", parent_full_name="Cost types")),
        build.class_add("4", ClassData(name="Labor")),
    )
    assert [r.status_code for r in answers] == [0, 0, 3100, 0]
    assert answers[1].records[0]["full_name"] == "Cost types:Labor"
    accounts = one(send(company, list_import_query("a", "Account")))
    names = {record["full_name"]: record["account_type"] for record in accounts.records}
    assert names["Job Expenses"] == "Expense"
    assert names["Accounts Payable"] == "AccountsPayable"
    assert names["Checking"] == "Bank"
    assert names["Construction Income"] == "Income"
    assert {c.full_name for c in company.classes()} == {"Cost types", "Cost types:Labor", "Labor"}


def test_lookups_by_full_name_or_list_id_find_inactive_records_and_warn_on_a_miss(seeded, send):
    seeded.add_vendor("Old Vendor", is_active=False)
    old = seeded.find_list("Vendor", "Old Vendor")
    by_name = one(send(seeded, build.list_query("n", "Vendor", full_name="old vendor")))
    by_id = one(send(seeded, build.list_query("i", "Vendor", list_id=old.list_id)))
    assert by_name.records[0]["list_id"] == by_id.records[0]["list_id"] == old.list_id
    assert by_name.records[0]["is_active"] is False
    miss = one(send(seeded, build.list_query("m", "Vendor", full_name="Nobody")))
    # QuickBooks answers a lookup of a name it does not have with a warning, not with status 1.
    assert (miss.status_code, miss.status_severity, miss.records) == (500, "Warn", [])
    assert '("Nobody") that could not be found' in miss.status_message
    job = one(send(seeded, build.list_query("j", "Customer", full_name=JOB)))
    assert job.records[0]["full_name"] == JOB
    sub = one(send(seeded, build.list_query("s", "ItemService", full_name="03:03-300")))
    assert sub.records[0]["parent_full_name"] == "03"
    # ItemQuery answers with every kind of item; a vendor's name is not an item.
    any_item = one(send(seeded, build.list_query("a", "Item", full_name="03")))
    assert any_item.records[0]["type"] == "ItemService"
    assert one(send(seeded, build.list_query("x", "Item", full_name="Acme Concrete"))).status_code == 500


def test_filters_active_status_and_modified_dates(seeded, send):
    seeded.add_vendor("Inactive", is_active=False)
    answer = one(send(seeded, list_import_query("all", "Vendor", active_status="ActiveOnly")))
    assert [r["name"] for r in answer.records] == ["Acme Concrete"]
    answer = one(send(seeded, list_import_query("all", "Vendor", active_status="All")))
    assert [r["name"] for r in answer.records] == ["Acme Concrete", "Inactive"]
    since = seeded.now.replace(tzinfo=None) + timedelta(seconds=1)
    seeded.advance_clock(60)
    seeded.edit_list("Vendor", "Acme Concrete", Phone="217-555-0100")
    changed = one(send(seeded, list_import_query("c", "Vendor", modified_from=since)))
    assert [r["name"] for r in changed.records] == ["Acme Concrete"]
    assert one(send(seeded, list_import_query("n", "Vendor", modified_to=since))).records[0]["name"] == "Inactive"
    later = seeded.now.replace(tzinfo=None) + timedelta(hours=1)
    nothing = one(send(seeded, list_import_query("z", "Vendor", modified_from=later)))
    assert (nothing.status_code, nothing.status_severity, nothing.records) == (1, "Info", [])
    # Bounds are inclusive; an aware bound is read in its own offset (here UTC, five hours ahead).
    modified = parse_qb_datetime(changed.records[0]["time_modified"]).astimezone(UTC)
    exact = one(send(seeded, list_import_query("e", "Vendor", modified_from=modified, modified_to=modified)))
    assert [r["name"] for r in exact.records] == ["Acme Concrete"]
    after = modified + timedelta(seconds=1)
    assert one(send(seeded, list_import_query("a", "Vendor", modified_from=after))).status_code == 1


def test_max_returned_bounds_a_query_without_an_iterator(company):
    for number in range(5):
        company.add_vendor(f"Vendor {number}")
    message = (
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError"><VendorQueryRq requestID="q">'
        "<MaxReturned>3</MaxReturned><NameFilter><MatchCriterion>StartsWith</MatchCriterion><Name>vendor</Name>"
        "</NameFilter></VendorQueryRq></QBXMLMsgsRq></QBXML>"
    )
    answer = one(parse_responses(company.process(message)))
    assert [r["name"] for r in answer.records] == ["Vendor 0", "Vendor 1", "Vendor 2"]
    assert answer.iterator_id is None


def test_a_record_in_use_cannot_be_deleted(seeded):
    customer = seeded.find_list("Customer", "Big Builder Co")
    vendor = seeded.add_vendor("Unused Vendor")
    message = (
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
        f'<ListDelRq requestID="c"><ListDelType>Customer</ListDelType><ListID>{customer.list_id}</ListID></ListDelRq>'
        f'<ListDelRq requestID="v"><ListDelType>Vendor</ListDelType><ListID>{vendor.list_id}</ListID></ListDelRq>'
        '<ListDeletedQueryRq requestID="q"><ListDelType>Vendor</ListDelType></ListDeletedQueryRq>'
        "</QBXMLMsgsRq></QBXML>"
    )
    in_use, deleted, log = parse_responses(seeded.process(message))
    assert in_use.status_code == 3170  # it has a job
    assert deleted.status_code == 0
    assert seeded.find_list("Vendor", "Unused Vendor") is None
    assert log.records[0]["full_name"] == "Unused Vendor"
