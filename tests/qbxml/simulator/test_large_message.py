"""A large message: the simulator answers every request of it (its speed is measured by bench/sync.py)."""

from __future__ import annotations

from qbxml.lib import build
from qbxml.lib.parse import parse_responses
from qbxml.lib.types import Address, VendorData
from qbxml.simulator import QuickBooksCompany

ADDRESS = Address(addr1="1200 Industrial Way", city="Springfield", state="IL", postal_code="62701")


def test_a_message_of_500_vendor_adds_is_answered_whole():
    company = QuickBooksCompany()
    requests = [
        build.vendor_add(str(n), VendorData(name=f"Vendor {n:05d}", company_name="Co", address=ADDRESS, phone="217"))
        for n in range(500)
    ]
    message = build.build_message(requests)
    answer = company.process(message)
    responses = parse_responses(answer)
    assert [r.status_code for r in responses] == [0] * 500
    assert len(company.vendors()) == 500
