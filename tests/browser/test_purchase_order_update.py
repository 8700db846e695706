"""A synced purchase order updated from the browser: the project manager changes a line, removes one and adds
one, and resends; the approver sees the PurchaseOrderMod it will send and accepts; after a Web Connector
session the page says synced and QuickBooks holds the one purchase order, with the changed lines."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.test import Client

from erp_integrations.models import ErpState
from qbxml import services as qb_services
from qbxml.simulator import QuickBooksCompany
from tests.browser.conftest import screenshot, sign_in
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import USERNAME, ManualSession, connector_for, item_of, play_session, queued_chain


def test_the_project_manager_updates_a_synced_purchase_order_and_quickbooks_holds_the_changed_lines(
    page: Any, browser: Any, live_server: Any, pm: Any, approver: Any
) -> None:
    qb_services.connection_create(None, name="Main company", username=USERNAME, password=PASSWORD)
    chain = queued_chain(pm, approver, invoice=False)
    commitment = chain.commitment
    quickbooks = QuickBooksCompany("Main Company")
    play_session(ManualSession(connector_for(quickbooks, client=Client())), quickbooks)
    assert item_of(commitment).state == ErpState.SYNCED
    first, second = commitment.lines.order_by("line_number")

    # --- the project manager edits the lines of the synced commitment and resends it ----------------------
    sign_in(page, "pm")
    page.goto(f"/projects/commitments/{commitment.pk}/edit/")
    page.get_by_label("Amount, line 2").fill("62500.00")
    page.get_by_label("Remove line 1").check()
    page.get_by_role("button", name="Add a line").click()
    page.get_by_label("#, line 3").fill("3")
    page.get_by_label("Cost code, line 3").select_option(value=str(first.cost_code_id))
    page.get_by_label("Cost type, line 3").select_option(value=str(first.cost_type_id))
    page.get_by_label("Description, line 3").fill("Added footings")
    page.get_by_label("Amount, line 3").fill("7500.00")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("saved").first.wait_for()
    assert sorted(commitment.lines.values_list("line_number", "amount")) == [
        (2, Decimal("62500.00")),
        (3, Decimal("7500.00")),
    ]
    page.get_by_role("button", name="Resend to accounting").click()
    page.locator(f"#erp-commitment-{commitment.pk} .badge--pending").wait_for()
    screenshot(page, "pm-purchase-order-update-resent")

    # --- the approver sees the update it will send, and accepts it -------------------------------------------
    desk_context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    desk = desk_context.new_page()
    sign_in(desk, "approver")
    desk.goto(f"/erp/items/{item_of(commitment).pk}/")
    preview = desk.get_by_label("qbXML request").inner_text()
    assert "<PurchaseOrderModRq" in preview and f"<TxnID>{item_of(commitment).qb_ref}</TxnID>" in preview
    assert "<TxnLineID>-1</TxnLineID>" in preview and "Not ready" not in preview
    desk.get_by_role("button", name="Accept", exact=True).click()
    desk.get_by_text("accepted: it is queued for QuickBooks").wait_for()
    desk_context.close()

    # --- the Web Connector's session takes the update to QuickBooks ----------------------------------------
    messages = play_session(ManualSession(connector_for(quickbooks, client=Client())), quickbooks)
    assert any("<PurchaseOrderModRq" in message for message in messages)

    page.goto(f"/projects/commitments/{commitment.pk}/")
    assert page.locator(f"#erp-commitment-{commitment.pk} .badge").inner_text() == "Synced"
    screenshot(page, "pm-purchase-order-update-synced")
    (order,) = quickbooks.purchase_orders()
    assert [(line.amount, line.description) for line in order.lines] == [
        (Decimal("62500.00"), second.description),
        (Decimal("7500.00"), "Added footings"),
    ]
    assert re.fullmatch(r"\d+", order.edit_sequence)
    assert item_of(commitment).qb_edit_sequence == order.edit_sequence
    assert quickbooks.add_count("PurchaseOrder", commitment.number) == 1
