"""The simulator stands in for QuickBooks in a 10,000-item benchmark: answering must stay cheap."""

from __future__ import annotations

import time

from qbxml.lib import build
from qbxml.lib.parse import parse_responses
from qbxml.lib.types import Address, VendorData
from qbxml.simulator import QuickBooksCompany

ADDRESS = Address(addr1="1200 Industrial Way", city="Springfield", state="IL", postal_code="62701")


def test_a_message_of_500_vendor_adds_is_answered_quickly():
    company = QuickBooksCompany()
    requests = [
        build.vendor_add(str(n), VendorData(name=f"Vendor {n:05d}", company_name="Co", address=ADDRESS, phone="217"))
        for n in range(500)
    ]
    message = build.build_message(requests)
    started = time.perf_counter()
    answer = company.process(message)
    elapsed = time.perf_counter() - started
    responses = parse_responses(answer)
    assert [r.status_code for r in responses] == [0] * 500
    assert len(company.vendors()) == 500
    print(f"500 VendorAdd answered in {elapsed * 1000:.0f} ms")
    # About 0.1 ms each on a laptop; the bound leaves room for a slow CI runner.
    assert elapsed < 2.5
