"""The owner side's pages through the Django test client: the prime contract's page with its schedule of values as
billed, the forms of the contract, its PCCOs and the owner invoices, the pay application (G702/G703) as a page and
as a PDF, and who may open each."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.tools import Level, Tool
from erp_integrations.exportables import is_exportable
from procore_sync import models as ps
from procore_sync import owner_pdf, owner_selectors, selectors, services
from procore_sync.records import record_type_of
from tests.factories import (
    CostCodeFactory,
    OwnerInvoiceFactory,
    PrimeChangeOrderFactory,
    ProjectFactory,
    UserFactory,
    cost_type,
    grant,
    prime_contract_with_lines,
)

pytestmark = pytest.mark.django_db

D = Decimal


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def line(contract: ps.PrimeContract, number: int) -> ps.PrimeContractLine:
    return contract.lines.get(line_number=number)


def bill(actor: Any, contract: ps.PrimeContract, number: str, month: int, lines: list[dict[str, Any]]) -> Any:
    header = {
        "prime_contract": contract,
        "number": number,
        "billing_period_start": f"2026-{month:02d}-01",
        "billing_period_end": f"2026-{month:02d}-28",
        "invoice_date": f"2026-{month:02d}-28",
    }
    return services.save_record(actor, ps.OwnerInvoice, header, lines)


@pytest.fixture
def contract(db) -> ps.PrimeContract:  # type: ignore[no-untyped-def]
    """Two lines of 100,000.00 at 10 % retention by default, the second at 5 %."""
    contract = prime_contract_with_lines(2, number="PC-7", title="The clinic")
    contract.lines.filter(line_number=2).update(retention_percent=D("5.00"))
    return contract


@pytest.fixture
def billed(pm, contract):  # type: ignore[no-untyped-def]
    """Two approved PCCOs (line 1 +20,000 and a new 8,000 canopy line; line 2 -5,000), and three monthly
    invoices holding retention, the last of which finishes the work and releases all the retention held."""
    first = PrimeChangeOrderFactory(prime_contract=contract, number="001", title="Canopy")
    first.lines.create(contract_line=line(contract, 1), amount=D("20000.00"))
    canopy = first.lines.create(
        cost_code=CostCodeFactory(code="10-730"), cost_type=cost_type(), description="Canopy", amount=D("8000.00")
    )
    second = PrimeChangeOrderFactory(prime_contract=contract, number="002", title="Less paving")
    second.lines.create(contract_line=line(contract, 2), amount=D("-5000.00"))
    one, two = line(contract, 1), line(contract, 2)
    invoices = [
        bill(
            pm,
            contract,
            "OI-1",
            1,
            [
                {
                    "contract_line": one,
                    "work_completed_this_period": D("30000.00"),
                    "materials_stored": D("5000.00"),
                    "retention_held": D("3500.00"),
                },
                {"contract_line": two, "work_completed_this_period": D("20000.00"), "retention_held": D("1000.00")},
            ],
        ),
        bill(
            pm,
            contract,
            "OI-2",
            2,
            [
                {"contract_line": one, "work_completed_this_period": D("40000.00"), "retention_held": D("4000.00")},
                {"contract_line": two, "work_completed_this_period": D("30000.00"), "retention_held": D("1500.00")},
                {
                    "change_order_line": canopy,
                    "work_completed_this_period": D("4000.00"),
                    "retention_held": D("400.00"),
                },
            ],
        ),
        bill(
            pm,
            contract,
            "OI-3",
            3,
            [
                {
                    "contract_line": one,
                    "work_completed_this_period": D("45000.00"),
                    "retention_held": D("4500.00"),
                    "retention_released": D("12000.00"),
                },
                {
                    "contract_line": two,
                    "work_completed_this_period": D("45000.00"),
                    "retention_held": D("2250.00"),
                    "retention_released": D("4750.00"),
                },
                {
                    "change_order_line": canopy,
                    "work_completed_this_period": D("4000.00"),
                    "retention_held": D("400.00"),
                    "retention_released": D("800.00"),
                },
            ],
        ),
    ]
    return invoices


def _totals(invoice: ps.OwnerInvoice) -> dict[str, Decimal]:
    return selectors.owner_invoice_totals(invoice.lines.all())


# --- the G702/G703 figures ------------------------------------------------------------------------------------------


def test_the_pay_applications_of_three_monthly_invoices_reconcile(billed):
    first, second, last = billed
    apps = [owner_selectors.pay_application(invoice) for invoice in billed]

    assert [app.application_number for app in apps] == [1, 2, 3]
    for app in apps:
        assert app.original_contract_sum == D("200000.00")
        assert app.net_change_by_change_orders == D("23000.00")
        assert app.contract_sum_to_date == D("223000.00")
        assert (app.change_orders.additions, app.change_orders.deductions) == (D("28000.00"), D("-5000.00"))
    # Each application's figures are its invoice's and those of the invoices before it.
    for index, app in enumerate(apps):
        so_far = [_totals(invoice) for invoice in billed[: index + 1]]
        assert app.completed_and_stored_to_date == sum((t["completed_and_stored"] for t in so_far), D(0))
        assert app.retention_held_to_date == sum((t["retention_held"] for t in so_far), D(0))
        assert app.retention_released_to_date == sum((t["retention_released"] for t in so_far), D(0))
        assert app.previous_payments == sum((t["amount_due"] for t in so_far[:-1]), D(0))
        assert app.current_payment_due == so_far[-1]["amount_due"]
        assert app.totals.this_period + app.totals.materials_stored == so_far[-1]["completed_and_stored"]
        assert app.totals.retention == app.retention
        assert app.balance_to_finish_including_retention == app.contract_sum_to_date - app.earned_less_retention

    second_app, last_app = apps[1], apps[2]
    assert second_app.completed_and_stored_to_date == D("129000.00")
    assert second_app.retention == D("10400.00")
    assert second_app.earned_less_retention == D("118600.00")
    assert (second_app.previous_payments, second_app.current_payment_due) == (D("50500.00"), D("68100.00"))
    assert second_app.balance_to_finish_including_retention == D("104400.00")
    # The last finishes the work and releases every retention held: nothing is left to pay after it.
    assert last_app.completed_and_stored_to_date == D("223000.00")
    assert (last_app.retention_held_to_date, last_app.retention_released_to_date) == (D("17550.00"), D("17550.00"))
    assert last_app.retention == D("0.00")
    assert (last_app.previous_payments, last_app.current_payment_due) == (D("118600.00"), D("104400.00"))
    assert last_app.balance_to_finish_including_retention == D("0.00")


def test_the_continuation_sheet_has_a_row_per_line_with_its_columns(billed):
    app = owner_selectors.pay_application(billed[1])
    rows = {row.item: row for row in app.rows}

    assert list(rows) == ["1", "2", "PCCO 001"]
    first = rows["1"]
    assert (first.scheduled, first.previous, first.this_period, first.materials_stored) == (
        D("120000.00"),
        D("35000.00"),
        D("40000.00"),
        D("0.00"),
    )
    assert (first.completed_and_stored, first.balance_to_finish, first.retention) == (
        D("75000.00"),
        D("45000.00"),
        D("7500.00"),
    )
    assert first.percent_complete == D("62.50")
    assert rows["2"].scheduled == D("95000.00") and rows["2"].retention == D("2500.00")
    assert rows["PCCO 001"].scheduled == D("8000.00") and rows["PCCO 001"].percent_complete == D("50.00")
    assert all(
        isinstance(value, Decimal)
        for row in app.rows
        for value in vars(row).values()
        if not isinstance(value, (str, tuple))
    )


def test_a_void_invoice_counts_in_no_pay_application(pm, billed):
    first, second, _ = billed
    ps.OwnerInvoice.objects.filter(pk=first.pk).update(status=ps.OwnerInvoice.Status.VOID)

    app = owner_selectors.pay_application(second)

    assert app.application_number == 1
    assert app.previous_payments == D("0.00")
    assert app.completed_and_stored_to_date == _totals(second)["completed_and_stored"]


def test_the_pay_application_costs_the_same_queries_at_3_and_at_30_invoices(pm, billed, contract):
    last = billed[-1]
    with CaptureQueriesContext(connection) as few:
        owner_selectors.pay_application(last)
    code = CostCodeFactory()
    ps.PrimeContractLine.objects.bulk_create(
        [
            ps.PrimeContractLine(
                prime_contract=contract, line_number=n, cost_code=code, cost_type=cost_type(), amount=D("10.00")
            )
            for n in range(3, 40)
        ]
    )
    for n in range(27):
        invoice = OwnerInvoiceFactory(prime_contract=contract)
        invoice.lines.create(contract_line=contract.lines.get(line_number=3 + n), work_completed_this_period=D("1"))
    newest = ps.OwnerInvoice.objects.order_by("-billing_period_end", "-pk").first()
    with CaptureQueriesContext(connection) as many:
        owner_selectors.pay_application(newest)

    assert len(many) == len(few) <= 5


# --- the prime contract's page ------------------------------------------------------------------------------------


def test_the_contract_page_shows_the_schedule_of_values_as_billed(pm, billed, contract):
    body = client_for(pm).get(reverse("owner:prime-contract", args=[contract.project_id])).content.decode()

    assert "The clinic" in body and "Prime contract PC-7" in body
    assert "Schedule of values" in body and "(3 lines)" in body
    for figure in ["200,000.00", "23,000.00", "223,000.00", "120,000.00", "95,000.00"]:
        assert figure in body
    assert "PCCO 001: Canopy" in body and "PCCO 002: Less paving" in body
    assert "OI-1" in body and "OI-3" in body and "104,400.00" in body  # OI-3's amount due
    # Each record's accounting state is shown where the workflow knows its type, and said to be none elsewhere.
    for record in [contract, *billed]:
        if is_exportable(record):
            assert f'id="erp-{record_type_of(record).slug}-{record.pk}"' in body
        else:
            assert "Not exported to QuickBooks" in body
    for button in ["Edit prime contract", "Delete prime contract", "New change order", "New owner invoice"]:
        assert button in body
    assert reverse("owner:pay-application", args=[billed[0].pk]) in body


def test_the_contract_page_shows_billed_to_date_and_retention_held_per_line(pm, contract):
    bill(
        pm,
        contract,
        "OI-1",
        1,
        [
            {
                "contract_line": line(contract, 1),
                "work_completed_this_period": D("25000.00"),
                "retention_held": D("2500.00"),
            }
        ],
    )
    sov = owner_selectors.schedule_of_values(contract)

    first = sov.rows[0]
    assert (first.completed_and_stored, first.percent_complete, first.balance_to_finish, first.retention) == (
        D("25000.00"),
        D("25.00"),
        D("75000.00"),
        D("2500.00"),
    )
    assert sov.totals.completed_and_stored == D("25000.00") and sov.totals.percent_complete == D("12.50")


def test_a_project_without_a_contract_offers_to_create_one(pm):
    project = ProjectFactory(name="Harbor Tower")
    body = client_for(pm).get(reverse("owner:prime-contract", args=[project.pk])).content.decode()

    assert "No prime contract yet" in body
    assert reverse("owner:prime-contract-new", args=[project.pk]) in body


def test_the_project_page_links_to_the_prime_contract(pm, contract):
    stranger = UserFactory(username="budget-only")
    grant(stranger, Tool.BUDGET, Level.ADMIN)
    url = reverse("owner:prime-contract", args=[contract.project_id])

    assert url in client_for(pm).get(reverse("projects:detail", args=[contract.project_id])).content.decode()
    assert url not in client_for(stranger).get(reverse("projects:detail", args=[contract.project_id])).content.decode()


def test_the_schedule_of_values_downloads_as_csv(pm, billed, contract):
    response = client_for(pm).get(reverse("owner:schedule-of-values-csv", args=[contract.project_id]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response["Content-Disposition"] == 'attachment; filename="schedule-of-values-pc-7.csv"'
    assert rows[0][:3] == ["Item", "Cost code", "Cost type"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "PCCO 001", "Total"]
    assert rows[1][6:11] == ["100000.00", "20000.00", "120000.00", "120000.00", "100.00"]
    assert rows[-1][6:] == ["200000.00", "23000.00", "223000.00", "223000.00", "100.00", "0.00", "0.00"]


def test_the_contract_page_costs_the_same_queries_at_3_and_at_30_invoices(pm, billed, contract):
    client = client_for(pm)
    url = reverse("owner:prime-contract", args=[contract.project_id])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(27):
        invoice = OwnerInvoiceFactory(prime_contract=contract)
        invoice.lines.create(contract_line=line(contract, 1 + n % 2), work_completed_this_period=D("0.00"))
        PrimeChangeOrderFactory(prime_contract=contract).lines.create(contract_line=line(contract, 1), amount=D("1.00"))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(few)


# --- the forms ------------------------------------------------------------------------------------------------------


def _formset(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "2000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def test_a_prime_contract_is_created_with_lines_and_their_retention(pm):
    project = ProjectFactory()
    code = CostCodeFactory()
    data = {
        "number": "PC-1",
        "title": "Harbor Tower",
        "owner": project.owner_id,
        "status": "approved",
        "default_retention_percent": "10.00",
        **_formset(
            "lines",
            [
                {"cost_code": code.pk, "cost_type": cost_type().pk, "amount": "150000.00"},
                {"cost_code": code.pk, "cost_type": cost_type().pk, "amount": "50000.00", "retention_percent": "5"},
            ],
        ),
    }
    response = client_for(pm).post(reverse("owner:prime-contract-new", args=[project.pk]), data)

    contract = ps.PrimeContract.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == reverse("owner:prime-contract", args=[project.pk])
    assert [(each.line_number, each.amount, each.effective_retention_percent) for each in contract.lines.all()] == [
        (1, D("150000.00"), D("10.00")),
        (2, D("50000.00"), D("5.00")),
    ]


def test_a_second_prime_contract_is_not_offered(pm, contract):
    response = client_for(pm).get(reverse("owner:prime-contract-new", args=[contract.project_id]))

    assert response.status_code == 302 and response["Location"] == reverse(
        "owner:prime-contract", args=[contract.project_id]
    )


def test_the_contract_form_edits_the_lines(pm, contract):
    client = client_for(pm)
    url = reverse("owner:prime-contract-edit", args=[contract.pk])
    body = client.get(url).content.decode()
    assert "Retention (%)" in body and 'value="5.00"' in body

    first, second = contract.lines.all()
    data = {
        "number": contract.number,
        "title": "The clinic, phase 1",
        "owner": contract.owner_id,
        "status": contract.status,
        "default_retention_percent": "10.00",
        **_formset(
            "lines",
            [
                {
                    "id": first.pk,
                    "line_number": 1,
                    "cost_code": first.cost_code_id,
                    "cost_type": first.cost_type_id,
                    "amount": "110000.00",
                    "retention_percent": "",
                },
                {
                    "id": second.pk,
                    "line_number": 2,
                    "cost_code": second.cost_code_id,
                    "cost_type": second.cost_type_id,
                    "amount": "100000.00",
                    "DELETE": "on",
                },
            ],
        ),
    }
    data["lines-INITIAL_FORMS"] = "2"
    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    contract.refresh_from_db()
    assert contract.title == "The clinic, phase 1"
    assert [each.amount for each in contract.lines.all()] == [D("110000.00")]


def test_a_pcco_changes_a_line_and_adds_one_through_its_form(pm, contract):
    code = CostCodeFactory()
    data = {
        "number": "001",
        "title": "Added scope",
        "date": "2026-03-01",
        "status": "approved",
        **_formset(
            "lines",
            [
                {"contract_line": line(contract, 1).pk, "amount": "15000.00"},
                {"cost_code": code.pk, "cost_type": cost_type().pk, "description": "Canopy", "amount": "8000.00"},
            ],
        ),
    }
    response = client_for(pm).post(reverse("owner:pcco-new", args=[contract.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("owner:prime-contract", args=[contract.project_id]) + "#change-orders"
    assert contract.revised_value() == D("223000.00")


def test_a_pcco_line_needs_a_line_or_a_cost_code(pm, contract):
    data = {
        "number": "001",
        "title": "Nothing",
        "date": "2026-03-01",
        "status": "approved",
        **_formset("lines", [{"amount": "10.00"}]),
    }
    body = client_for(pm).post(reverse("owner:pcco-new", args=[contract.pk]), data).content.decode()

    assert "Pick the line it changes, or a cost code and a cost type for a new line." in body
    assert not ps.PrimeContractChangeOrder.objects.exists()


def _invoice_data(number: str, rows: list[dict[str, Any]], **header: str) -> dict[str, Any]:
    return {
        "number": number,
        "invoice_date": "2026-02-28",
        "billing_period_start": "2026-02-01",
        "billing_period_end": "2026-02-28",
        "status": "under_review",
        **header,
        **_formset("lines", [{"materials_stored": "0.00", "retention_released": "0.00", **row} for row in rows]),
    }


def test_an_owner_invoice_left_without_retention_holds_its_lines_percentage(pm, contract):
    one, two = line(contract, 1), line(contract, 2)
    data = _invoice_data(
        "OI-1",
        [
            {"target": f"line-{one.pk}", "work_completed_this_period": "30000.00", "materials_stored": "5000.00"},
            {"target": f"line-{two.pk}", "work_completed_this_period": "20000.05"},
            {"target": f"line-{two.pk}", "work_completed_this_period": "100.00", "retention_held": "0.00"},
        ],
    )
    response = client_for(pm).post(reverse("owner:invoice-new", args=[contract.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    invoice = ps.OwnerInvoice.objects.get(number="OI-1")
    # 10 % of 35,000.00; 5 % of 20,000.05 rounds half up; a retention typed (even nothing) is kept.
    assert [each.retention_held for each in invoice.lines.all()] == [D("3500.00"), D("1000.00"), D("0.00")]


def test_the_owner_invoice_form_gives_the_script_each_lines_percentage(pm, contract):
    canopy = PrimeChangeOrderFactory(prime_contract=contract).lines.create(
        cost_code=CostCodeFactory(), cost_type=cost_type(), description="Canopy", amount=D("8000.00")
    )
    pending = PrimeChangeOrderFactory(prime_contract=contract, status=ps.PrimeContractChangeOrder.Status.PENDING)
    pending_line = pending.lines.create(cost_code=CostCodeFactory(), cost_type=cost_type(), amount=D("1.00"))

    body = client_for(pm).get(reverse("owner:invoice-new", args=[contract.pk])).content.decode()

    one, two = line(contract, 1), line(contract, 2)
    assert (
        f'data-retention-percents="{{&quot;line-{one.pk}&quot;: &quot;10.00&quot;, '
        f'&quot;line-{two.pk}&quot;: &quot;5.00&quot;, &quot;pcco-{canopy.pk}&quot;: &quot;10.00&quot;}}"'
    ) in body
    assert f'value="pcco-{pending_line.pk}"' not in body, "an unapproved PCCO's lines are not offered"
    assert "js/retention.js" in body


def test_billing_past_a_lines_value_is_shown_above_the_lines(pm, contract):
    data = _invoice_data(
        "OI-1", [{"target": f"line-{line(contract, 1).pk}", "work_completed_this_period": "100000.01"}]
    )
    response = client_for(pm).post(reverse("owner:invoice-new", args=[contract.pk]), data)
    body = response.content.decode()

    assert response.status_code == 200
    assert re.search(
        r'<div class="callout callout--error" role="alert">\s*<ul class="plain"><li>Line “Scheduled work” would be '
        r"billed 100000.01 in all, more than its scheduled value of 100000.00.</li>",
        body,
    )
    assert not ps.OwnerInvoice.objects.exists()


def test_releasing_more_retention_than_held_is_shown_above_the_lines(pm, contract):
    bill(
        pm,
        contract,
        "OI-1",
        1,
        [
            {
                "contract_line": line(contract, 2),
                "work_completed_this_period": D("50000.00"),
                "retention_held": D("2500.00"),
            }
        ],
    )
    data = _invoice_data(
        "OI-2",
        [
            {
                "target": f"line-{line(contract, 2).pk}",
                "work_completed_this_period": "0.00",
                "retention_released": "2500.01",
            }
        ],
    )
    body = client_for(pm).post(reverse("owner:invoice-new", args=[contract.pk]), data).content.decode()

    assert "would release 2500.01 of retention in all, more than the 2500.00 held on it." in body
    assert 'class="callout callout--error" role="alert"' in body


def test_an_invoice_billing_a_pcco_no_longer_approved_says_so_above_the_lines(pm, contract):
    change_order = PrimeChangeOrderFactory(prime_contract=contract, number="004")
    canopy = change_order.lines.create(
        cost_code=CostCodeFactory(), cost_type=cost_type(), description="Canopy", amount=D("8000.00")
    )
    invoice = bill(pm, contract, "OI-1", 1, [{"change_order_line": canopy, "work_completed_this_period": D("100.00")}])
    ps.PrimeContractChangeOrder.objects.filter(pk=change_order.pk).update(
        status=ps.PrimeContractChangeOrder.Status.PENDING
    )
    [billed_line] = invoice.lines.all()
    client = client_for(pm)
    url = reverse("owner:invoice-edit", args=[invoice.pk])
    assert "PCCO 004 (pending)" in client.get(url).content.decode()

    data = _invoice_data(
        "OI-1",
        [{"id": billed_line.pk, "target": f"pcco-{canopy.pk}", "work_completed_this_period": "200.00"}],
        billing_period_start="2026-01-01",
        billing_period_end="2026-01-28",
    )
    data["lines-INITIAL_FORMS"] = "1"
    body = client.post(url, data).content.decode()

    assert "PCCO 004 Owner-requested change is not approved: its lines cannot be billed yet." in body
    assert invoice.lines.get().work_completed_this_period == D("100.00")


# --- the pay application: the page and the PDF -----------------------------------------------------------------------


def test_the_pay_application_page_prints_g702_and_g703(pm, billed):
    last = billed[-1]
    body = client_for(pm).get(reverse("owner:pay-application", args=[last.pk])).content.decode()

    assert "Application No. 3: invoice OI-3" in body
    for name, figure in [
        ("original_contract_sum", "200,000.00"),
        ("net_change_by_change_orders", "23,000.00"),
        ("contract_sum_to_date", "223,000.00"),
        ("completed_and_stored_to_date", "223,000.00"),
        ("retention_held_to_date", "17,550.00"),
        ("retention_released_to_date", "17,550.00"),
        ("retention", "0.00"),
        ("earned_less_retention", "223,000.00"),
        ("previous_payments", "118,600.00"),
        ("current_payment_due", "104,400.00"),
        ("balance_to_finish_including_retention", "0.00"),
    ]:
        assert f'data-figure="{name}">{figure}<' in body
    assert 'data-total="this_period">94,000.00<' in body
    assert "css/owner.css" in body
    assert reverse("owner:pay-application-pdf", args=[last.pk]) in body


def test_the_pay_application_pdf_is_a_pdf_of_the_invoice(pm, billed):
    last = billed[-1]
    response = client_for(pm).get(reverse("owner:pay-application-pdf", args=[last.pk]))
    document = response.content

    assert response["Content-Type"] == "application/pdf"
    assert document.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", document)) == 2, "the summary, then the continuation sheet"
    assert b"(Pay application OI-3)" in document, "its title names the invoice"


def test_the_pay_application_pdf_prints_the_same_figures(billed):
    app = owner_selectors.pay_application(billed[1])
    document = owner_pdf.pay_application_pdf(app, compress=False)

    assert b"OI-2" in document
    for figure in [b"223,000.00", b"129,000.00", b"50,500.00", b"68,100.00", b"104,400.00"]:
        assert figure in document


# --- who may open what: Admin, Standard, Read Only and None on Prime Contract and on Invoicing ----------------------

READ, WRITE, DELETE = "read", "write", "delete"
PAGES = {
    "contract page": (Tool.PRIME_CONTRACT, READ),
    "contract csv": (Tool.PRIME_CONTRACT, READ),
    "contract edit": (Tool.PRIME_CONTRACT, WRITE),
    "contract delete": (Tool.PRIME_CONTRACT, DELETE),
    "pcco new": (Tool.PRIME_CONTRACT, WRITE),
    "pcco edit": (Tool.PRIME_CONTRACT, WRITE),
    "pcco delete": (Tool.PRIME_CONTRACT, DELETE),
    "invoice new": (Tool.INVOICING, WRITE),
    "invoice edit": (Tool.INVOICING, WRITE),
    "invoice delete": (Tool.INVOICING, DELETE),
    "pay application": (Tool.INVOICING, READ),
    "pay application pdf": (Tool.INVOICING, READ),
}
NEEDS = {READ: Level.READ_ONLY, WRITE: Level.STANDARD, DELETE: Level.ADMIN}


def _urls(contract: ps.PrimeContract, change_order: Any, invoice: Any) -> dict[str, str]:
    project = contract.project_id
    return {
        "contract page": reverse("owner:prime-contract", args=[project]),
        "contract csv": reverse("owner:schedule-of-values-csv", args=[project]),
        "contract edit": reverse("owner:prime-contract-edit", args=[contract.pk]),
        "contract delete": reverse("projects:delete", args=["prime_contract", contract.pk]),
        "pcco new": reverse("owner:pcco-new", args=[contract.pk]),
        "pcco edit": reverse("owner:pcco-edit", args=[change_order.pk]),
        "pcco delete": reverse("projects:delete", args=["prime_change_order", change_order.pk]),
        "invoice new": reverse("owner:invoice-new", args=[contract.pk]),
        "invoice edit": reverse("owner:invoice-edit", args=[invoice.pk]),
        "invoice delete": reverse("projects:delete", args=["owner_invoice", invoice.pk]),
        "pay application": reverse("owner:pay-application", args=[invoice.pk]),
        "pay application pdf": reverse("owner:pay-application-pdf", args=[invoice.pk]),
    }


def expected_status(granted: Tool, level: Level, page: str) -> int:
    if level == Level.NONE:
        return 404  # the project itself is not theirs to see
    tool, need = PAGES[page]
    if tool == granted:
        return 200 if level >= NEEDS[need] else 403
    # Whoever bills the owner reads the contract's page and its schedule of values (a pay application prints it).
    if page in ("contract page", "contract csv"):
        return 200
    # Under a contract they may open, a record of the other tool is not theirs to make or change...
    if page in ("contract edit", "pcco new", "invoice new"):
        return 403
    # ...and the other tool's records are not theirs to see.
    return 404


@pytest.mark.parametrize("granted", [Tool.PRIME_CONTRACT, Tool.INVOICING])
@pytest.mark.parametrize("level", [Level.ADMIN, Level.STANDARD, Level.READ_ONLY, Level.NONE])
def test_each_page_follows_its_tools_level(granted, level, contract):
    change_order = PrimeChangeOrderFactory(prime_contract=contract)
    invoice = OwnerInvoiceFactory(prime_contract=contract)
    user = UserFactory(username=f"{granted.value}-{level.slug}")
    if level != Level.NONE:
        user = grant(user, granted, level, contract.project)
    client = client_for(user)

    found = {page: client.get(url).status_code for page, url in _urls(contract, change_order, invoice).items()}

    assert found == {page: expected_status(granted, level, page) for page in PAGES}


@pytest.mark.parametrize(
    ("granted", "offered", "hidden"),
    [
        (
            Tool.PRIME_CONTRACT,
            ["Edit prime contract", "New change order", "Change orders (PCCOs)"],
            ["Owner invoices", "New owner invoice"],
        ),
        (
            Tool.INVOICING,
            ["Owner invoices", "New owner invoice", "OI-9"],
            ["Edit prime contract", "Change orders (PCCOs)", "New change order"],
        ),
    ],
)
def test_the_contract_page_offers_what_each_tool_allows(granted, offered, hidden, contract):
    OwnerInvoiceFactory(prime_contract=contract, number="OI-9")
    user = grant(UserFactory(username=f"{granted.value}-admin"), granted, Level.ADMIN)

    body = client_for(user).get(reverse("owner:prime-contract", args=[contract.project_id])).content.decode()

    assert all(text in body for text in offered), [text for text in offered if text not in body]
    assert not any(text in body for text in hidden), [text for text in hidden if text in body]


def test_a_read_only_user_sees_no_buttons(contract):
    OwnerInvoiceFactory(prime_contract=contract, number="OI-9")
    user = UserFactory(username="owner-viewer")
    grant(user, Tool.PRIME_CONTRACT, Level.READ_ONLY)
    user = grant(user, Tool.INVOICING, Level.READ_ONLY)

    body = client_for(user).get(reverse("owner:prime-contract", args=[contract.project_id])).content.decode()

    assert "OI-9" in body and "Schedule of values" in body
    for button in ["Edit prime contract", "Delete prime contract", "New change order", "New owner invoice", ">Edit<"]:
        assert button not in body


# --- deleting ---------------------------------------------------------------------------------------------------------


def test_an_owner_invoice_is_deleted_after_asking(pm, contract):
    invoice = OwnerInvoiceFactory(prime_contract=contract, number="OI-5")
    invoice.lines.create(contract_line=line(contract, 1), work_completed_this_period=D("10.00"))
    client = client_for(pm)
    url = reverse("projects:delete", args=["owner_invoice", invoice.pk])

    asked = client.get(url).content.decode()
    response = client.post(url)

    assert "Delete Owner invoice OI-5 (PC-7)?" in asked and "its 1 line" in asked
    assert response.status_code == 302
    assert response["Location"] == reverse("owner:prime-contract", args=[contract.project_id]) + "#invoices"
    assert not ps.OwnerInvoice.objects.exists()


def test_a_contract_its_invoices_bill_is_not_deleted(pm, contract):
    OwnerInvoiceFactory(prime_contract=contract)
    client = client_for(pm)
    url = reverse("projects:delete", args=["prime_contract", contract.pk])

    response = client.post(url, follow=True)

    assert ps.PrimeContract.objects.filter(pk=contract.pk).exists()
    assert "was not deleted: Other records depend on this one" in response.content.decode()


def test_a_contract_without_billing_is_deleted_back_to_the_project(pm, contract):
    response = client_for(pm).post(reverse("projects:delete", args=["prime_contract", contract.pk]))

    assert response["Location"] == reverse("projects:detail", args=[contract.project_id])
    assert not ps.PrimeContract.objects.exists()


def test_only_record_types_with_pages_are_deleted_there(pm, contract):
    assert client_for(pm).get(reverse("projects:delete", args=["division", contract.project_id])).status_code == 404


def test_the_owner_invoice_form_costs_the_same_queries_at_2_and_at_40_lines(pm, contract):
    client = client_for(pm)
    url = reverse("owner:invoice-new", args=[contract.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    code = CostCodeFactory()
    ps.PrimeContractLine.objects.bulk_create(
        [
            ps.PrimeContractLine(
                prime_contract=contract, line_number=n, cost_code=code, cost_type=cost_type(), amount=D("10.00")
            )
            for n in range(3, 41)
        ]
    )
    change_order = PrimeChangeOrderFactory(prime_contract=contract)
    for n in range(5):
        change_order.lines.create(cost_code=code, cost_type=cost_type(), amount=D("1.00"), description=f"Extra {n}")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()

    assert len(many) == len(few)
    assert body.count(f'value="line-{contract.lines.last().pk}"') == 4, (
        "offered on each of the 3 lines and the template"
    )
