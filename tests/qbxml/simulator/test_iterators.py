"""Iterator queries: pages of a list in bounded memory, alive only as long as the Web Connector session."""

from __future__ import annotations

from qbxml.lib.parse import parse_responses
from qbxml.simulator import SeedLine
from tests.qbxml.simulator.builders import list_import_query, txn_import_query
from tests.qbxml.simulator.conftest import one


def _vendors(company, count: int) -> None:
    for number in range(count):
        company.add_vendor(f"Vendor {number:03d}")


def test_an_iterator_pages_through_a_list_and_then_ends(company, send):
    _vendors(company, 7)
    first = one(send(company, list_import_query("p1", "Vendor", max_returned=3)))
    assert first.status_code == 0
    assert first.iterator_id and first.iterator_id.startswith("{") and first.iterator_id.endswith("}")
    assert first.iterator_remaining_count == 4
    assert first.has_more
    names = [r["name"] for r in first.records]
    second = one(send(company, list_import_query("p2", "Vendor", max_returned=3, iterator_id=first.iterator_id)))
    assert (second.iterator_id, second.iterator_remaining_count) == (first.iterator_id, 1)
    names += [r["name"] for r in second.records]
    third = one(send(company, list_import_query("p3", "Vendor", max_returned=3, iterator_id=first.iterator_id)))
    assert third.iterator_remaining_count == 0
    assert not third.has_more
    names += [r["name"] for r in third.records]
    assert names == [f"Vendor {number:03d}" for number in range(7)]
    # A finished iterator is gone.
    over = one(send(company, list_import_query("p4", "Vendor", max_returned=3, iterator_id=first.iterator_id)))
    assert (over.status_code, over.status_severity) == (3391, "Error")


def test_a_continue_sees_the_current_state_of_the_records_it_iterates(company, send):
    _vendors(company, 4)
    first = one(send(company, list_import_query("p1", "Vendor", max_returned=2)))
    company.edit_list("Vendor", "Vendor 003", Phone="555")
    company.delete_list("Vendor", "Vendor 002")
    company.add_vendor("Vendor 004")  # not in the result set the iterator started with
    rest = one(send(company, list_import_query("p2", "Vendor", max_returned=2, iterator_id=first.iterator_id)))
    assert [(r["name"], r.get("phone")) for r in rest.records] == [("Vendor 003", "555")]


def test_iterators_die_with_the_session(company, send):
    _vendors(company, 5)
    first = one(send(company, list_import_query("p1", "Vendor", max_returned=2)))
    company.end_session()
    dead = one(send(company, list_import_query("p2", "Vendor", max_returned=2, iterator_id=first.iterator_id)))
    assert dead.status_code == 3391
    assert first.iterator_id in dead.status_message


def test_an_unknown_iterator_or_one_of_another_query_is_invalid(company, send):
    _vendors(company, 5)
    company.add_customer("A Customer")
    unknown = list_import_query("u", "Vendor", iterator_id="{00000000-0000-0000-0000-000000000000}")
    assert one(send(company, unknown)).status_code == 3391
    vendors = one(send(company, list_import_query("v", "Vendor", max_returned=2)))
    customers = list_import_query("c", "Customer", max_returned=2, iterator_id=vendors.iterator_id)
    assert one(send(company, customers)).status_code == 3391


def test_an_empty_iterator_finds_nothing_without_an_error(company, send):
    answer = one(send(company, list_import_query("e", "Vendor")))
    assert (answer.status_code, answer.status_severity, answer.iterator_remaining_count) == (1, "Info", 0)


def test_transactions_iterate_with_their_lines(seeded, send):
    for number in range(5):
        seeded.add_bill("Acme Concrete", f"INV-{number}", [SeedLine(100 + number, item="03:03-300")])
    first = one(send(seeded, txn_import_query("b1", "Bill", max_returned=2)))
    assert first.iterator_remaining_count == 3
    assert [len(r["lines"]) for r in first.records] == [1, 1]
    rest = one(send(seeded, txn_import_query("b2", "Bill", max_returned=10, iterator_id=first.iterator_id)))
    assert [r["ref_number"] for r in first.records + rest.records] == [f"INV-{n}" for n in range(5)]
    assert rest.iterator_remaining_count == 0


def test_an_iterator_can_be_stopped(company):
    _vendors(company, 4)
    start = (
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
        '<VendorQueryRq requestID="s" iterator="Start"><MaxReturned>1</MaxReturned></VendorQueryRq>'
        "</QBXMLMsgsRq></QBXML>"
    )
    iterator_id = one(parse_responses(company.process(start))).iterator_id
    stop = start.replace('iterator="Start"', f'iterator="Stop" iteratorID="{iterator_id}"')
    assert one(parse_responses(company.process(stop))).status_code == 0
    cont = start.replace('iterator="Start"', f'iterator="Continue" iteratorID="{iterator_id}"')
    assert one(parse_responses(company.process(cont))).status_code == 3391
