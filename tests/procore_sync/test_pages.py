"""The project pages through the Django test client: lists, commitment page, forms and workflow steps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services as erp
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CommitmentFactory,
    CommitmentLineFactory,
    CompanyFactory,
    CostCodeFactory,
    ProjectFactory,
    UserFactory,
    commitment_with_lines,
    cost_type,
    grant,
    invoice_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="viewer")
    for tool in PROJECT_TOOLS:
        grant(user, tool, Level.READ_ONLY)
    return grant(user, Tool.ERP_INTEGRATIONS, Level.READ_ONLY)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


# --- query counts: the same at 10 and at 500 ---------------------------------------------------------------


def test_project_list_query_count_is_the_same_at_10_and_500_projects(pm):
    client = client_for(pm)
    owner = CompanyFactory()
    ps.Project.objects.bulk_create([ps.Project(number=f"Q{n:04d}", name=f"Query {n}", owner=owner) for n in range(10)])
    client.get(reverse("projects:list"))
    at_10 = query_count(client, reverse("projects:list"))
    ps.Project.objects.bulk_create(
        [ps.Project(number=f"Q{n:04d}", name=f"Query {n}", owner=owner) for n in range(10, 500)]
    )
    for project in ps.Project.objects.all()[:60]:
        erp.item_send(project, pm)
    assert query_count(client, reverse("projects:list")) == at_10
    assert query_count(client, reverse("projects:list") + "?page=3") == at_10


def test_project_list_query_count_for_a_user_with_per_project_grants(db):
    user = UserFactory(username="site-pm")
    owner = CompanyFactory()
    projects = ps.Project.objects.bulk_create(
        [ps.Project(number=f"G{n:04d}", name=f"Granted {n}", owner=owner) for n in range(60)]
    )
    for project in projects[:10]:
        grant(user, Tool.ADMIN, Level.ADMIN, project)
    client = client_for(user)
    client.get(reverse("projects:list"))
    at_10 = query_count(client, reverse("projects:list"))
    for project in projects[10:]:
        grant(user, Tool.ADMIN, Level.ADMIN, project)
    assert query_count(client, reverse("projects:list")) == at_10


def _commitments(project: ps.Project, count: int, start: int = 0) -> None:
    vendor = CompanyFactory()
    code = CostCodeFactory()
    commitments = ps.Commitment.objects.bulk_create(
        [
            ps.Commitment(project=project, number=f"C-{start + n:04d}", title=f"Scope {n}", vendor=vendor)
            for n in range(count)
        ]
    )
    ps.CommitmentLine.objects.bulk_create(
        [
            ps.CommitmentLine(
                commitment=c, line_number=1, cost_code=code, cost_type=cost_type(), amount=Decimal("1000.00")
            )
            for c in commitments
        ]
    )


def test_project_page_query_count_is_the_same_at_10_and_500_commitments(pm):
    project = ProjectFactory()
    budget = BudgetFactory(project=project)
    BudgetLineItemFactory(budget=budget)
    _commitments(project, 10)
    client = client_for(pm)
    url = reverse("projects:detail", args=[project.pk])
    client.get(url)
    at_10 = query_count(client, url)
    _commitments(project, 490, start=10)
    for commitment in ps.Commitment.objects.filter(project=project)[:40]:
        erp.item_send(commitment, pm)
    assert query_count(client, url) == at_10


def test_commitment_page_query_count_is_the_same_at_10_and_500_lines(pm, approver):
    commitment = commitment_with_lines(lines=10)
    change_order = ChangeOrderFactory(commitment=commitment)
    ChangeOrderLineFactory(change_order=change_order, commitment_line=commitment.lines.first(), cost_code=None)
    first = invoice_for(commitment)
    _payment(first, "TX-0", amount=Decimal("10.00"))
    erp.item_send(change_order, pm)
    erp.item_reject(change_order, approver, "Wrong amount")
    client = client_for(pm)
    url = reverse("projects:commitment", args=[commitment.pk])
    client.get(url)
    at_10 = query_count(client, url)
    code = CostCodeFactory()
    ps.CommitmentLine.objects.bulk_create(
        [
            ps.CommitmentLine(
                commitment=commitment, line_number=n, cost_code=code, cost_type=cost_type(), amount=Decimal("10.00")
            )
            for n in range(11, 501)
        ]
    )
    for n in range(5):
        extra = ChangeOrderFactory(commitment=commitment)
        ChangeOrderLineFactory(change_order=extra)
        paid = invoice_for(commitment, work=Decimal("100.00"))
        for m in range(40):
            _payment(paid, f"TX-{n}-{m}", amount=Decimal("1.00"), is_void=m % 7 == 0)
    assert query_count(client, url) == at_10


# --- what the pages show -----------------------------------------------------------------------------------------


def test_project_page_shows_budget_commitments_badges_and_rejection_reason(pm, approver):
    project = ProjectFactory()
    budget = BudgetFactory(project=project)
    BudgetLineItemFactory(budget=budget, original_amount=Decimal("1234.50"))
    commitment = commitment_with_lines(project=project)
    erp.item_send(commitment, pm)
    erp.item_reject(commitment, approver, "Retainage should be 5%")
    body = client_for(pm).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "1,234.50" in body
    assert commitment.title in body
    assert "badge--rejected" in body
    assert "“Retainage should be 5%”" in body
    assert "Resend to accounting" in body
    assert "Send to accounting" in body  # the draft budget


def test_commitment_page_shows_lines_change_orders_and_invoices(pm):
    commitment = commitment_with_lines(lines=2)
    change_order = ChangeOrderFactory(commitment=commitment, title="Extra footings")
    ChangeOrderLineFactory(change_order=change_order, amount=Decimal("2500.00"))
    invoice_for(commitment, number="INV-77")
    body = client_for(pm).get(reverse("projects:commitment", args=[commitment.pk])).content.decode()
    assert "Schedule of values" in body and "(2 lines)" in body
    assert "100,000.00" in body and "102,500.00" in body  # original and revised
    assert "Extra footings" in body
    assert "INV-77" in body and "9,000.00" in body  # amount due after 10 % retainage
    assert "New change order" in body and "New invoice" in body


def test_viewer_sees_no_actions_on_project_pages(viewer, pm):
    commitment = commitment_with_lines()
    body = client_for(viewer).get(reverse("projects:detail", args=[commitment.project_id])).content.decode()
    assert "badge--draft" in body
    assert "Send to accounting" not in body
    assert "New commitment" not in body
    body = client_for(viewer).get(reverse("projects:commitment", args=[commitment.pk])).content.decode()
    assert "Edit commitment" not in body and "New change order" not in body


def test_a_user_without_access_to_a_project_gets_404(db):
    stranger = UserFactory(username="stranger")
    project = ProjectFactory()
    assert client_for(stranger).get(reverse("projects:detail", args=[project.pk])).status_code == 404


# --- the workflow steps of the project side ------------------------------------------------------------------------


def test_send_then_retrieve_in_place_under_htmx(pm):
    commitment = commitment_with_lines()
    client = client_for(pm)
    url = reverse("erp:record-step", args=["commitment", commitment.pk, "send"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="erp-commitment-{commitment.pk}"' in body
    assert "badge--pending" in body and ">Retrieve<" in body
    assert "sent to accounting for acceptance" in body  # the message, out of band
    response = client.post(
        reverse("erp:record-step", args=["commitment", commitment.pk, "retrieve"]), HTTP_HX_REQUEST="true"
    )
    assert "badge--draft" in response.content.decode()


def test_send_without_htmx_redirects_back(pm):
    commitment = commitment_with_lines()
    url = reverse("erp:record-step", args=["commitment", commitment.pk, "send"])
    back = reverse("projects:detail", args=[commitment.project_id])
    response = client_for(pm).post(url, {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = client_for(pm).post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("projects:commitment", args=[commitment.pk])


def test_send_refused_lists_every_problem(pm):
    commitment = CommitmentFactory(number="THIS-NUMBER-IS-TOO-LONG")
    response = client_for(pm).post(
        reverse("erp:record-step", args=["commitment", commitment.pk, "send"]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "cannot be sent to accounting yet: 2 problem(s) to fix" in body
    assert "<li>" in body and "schedule of values has no lines" in body


def test_send_by_a_viewer_is_a_403(viewer):
    commitment = commitment_with_lines()
    response = client_for(viewer).post(reverse("erp:record-step", args=["commitment", commitment.pk, "send"]))
    assert response.status_code == 403
    assert "This needs Admin on Commitments" in response.content.decode()


def test_unknown_step_is_a_404(pm):
    commitment = commitment_with_lines()
    assert (
        client_for(pm).post(reverse("erp:record-step", args=["commitment", commitment.pk, "accept"])).status_code == 404
    )


# --- the forms ----------------------------------------------------------------------------------------------


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "2000",
    }


def test_create_a_commitment_with_its_lines(pm):
    project = ProjectFactory()
    vendor = CompanyFactory()
    code = CostCodeFactory()
    client = client_for(pm)
    url = reverse("projects:commitment-new", args=[project.pk])
    body = client.get(url).content.decode()
    assert 'id="lines-template"' in body and "Add a line" in body
    data = {
        "kind": "subcontract",
        "number": "SC-900",
        "title": "Drywall",
        "vendor": str(vendor.pk),
        "status": "approved",
        "default_retainage_percent": "10.00",
        "contract_date": "2026-03-01",
        "description": "",
        **_management("lines", 3),
        "lines-0-cost_code": str(code.pk),
        "lines-0-cost_type": str(cost_type().pk),
        "lines-0-description": "Hang and finish",
        "lines-0-amount": "12000.00",
        "lines-1-cost_code": str(code.pk),
        "lines-1-cost_type": str(cost_type("Material").pk),
        "lines-1-amount": "3000.00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    commitment = ps.Commitment.objects.get(number="SC-900")
    assert [(line.line_number, line.amount) for line in commitment.lines.all()] == [
        (1, Decimal("12000.00")),
        (2, Decimal("3000.00")),
    ]


def test_form_errors_are_shown_next_to_fields_and_lines(pm):
    project = ProjectFactory()
    vendor = CompanyFactory()
    code = CostCodeFactory()
    commitment_with_lines(project=project, number="SC-1")
    data = {
        "kind": "subcontract",
        "number": "SC-1",
        "title": "Duplicate",
        "vendor": str(vendor.pk),
        "status": "approved",
        "default_retainage_percent": "10.00",
        **_management("lines", 1),
        "lines-0-cost_code": str(code.pk),
        "lines-0-amount": "100.00",
    }
    response = client_for(pm).post(reverse("projects:commitment-new", args=[project.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "already exists" in body or "duplicate" in body.lower()
    # A line without a cost type takes its cost code's default; this code has none.
    data["number"] = "SC-2"
    body = client_for(pm).post(reverse("projects:commitment-new", args=[project.pk]), data).content.decode()
    assert f"Line 1: pick a cost type (cost code {code.code} has no default cost type)." in body


def test_edit_a_rejected_commitment_then_resend_it(pm, approver):
    commitment = commitment_with_lines(lines=2)
    erp.item_send(commitment, pm)
    erp.item_reject(commitment, approver, "Title is wrong")
    client = client_for(pm)
    url = reverse("projects:commitment-edit", args=[commitment.pk])
    body = client.get(url).content.decode()
    assert "“Title is wrong”" in body
    lines = list(commitment.lines.all())
    data = {
        "kind": commitment.kind,
        "number": commitment.number,
        "title": "Corrected title",
        "vendor": str(commitment.vendor_id),
        "status": commitment.status,
        "default_retainage_percent": "10.00",
        "contract_date": "2026-01-15",
        **_management("lines", 3, initial=2),
    }
    for index, line in enumerate(lines):
        data.update(
            {
                f"lines-{index}-id": str(line.pk),
                f"lines-{index}-line_number": str(line.line_number),
                f"lines-{index}-cost_code": str(line.cost_code_id),
                f"lines-{index}-cost_type": str(line.cost_type_id),
                f"lines-{index}-description": line.description,
                f"lines-{index}-amount": str(line.amount),
            }
        )
    data["lines-1-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    commitment.refresh_from_db()
    assert commitment.title == "Corrected title"
    assert commitment.lines.count() == 1
    client.post(reverse("erp:record-step", args=["commitment", commitment.pk, "resend"]))
    assert ErpItem.objects.get(object_type="commitment").state == ErpState.PENDING


def test_editing_a_pending_commitment_says_it_is_locked(pm):
    commitment = commitment_with_lines(lines=1)
    erp.item_send(commitment, pm)
    client = client_for(pm)
    url = reverse("projects:commitment-edit", args=[commitment.pk])
    body = client.get(url).content.decode()
    assert "Pending acceptance: what QuickBooks will receive cannot change until it is accepted or retrieved." in body
    assert body.count("cannot change until") == 1, "said once, beside the fields"
    line = commitment.lines.get()
    data = {
        "kind": commitment.kind,
        "number": commitment.number,
        "title": "Changed while pending",
        "vendor": str(commitment.vendor_id),
        "status": commitment.status,
        "default_retainage_percent": "10.00",
        **_management("lines", 1, initial=1),
        "lines-0-id": str(line.pk),
        "lines-0-line_number": "1",
        "lines-0-cost_code": str(line.cost_code_id),
        "lines-0-cost_type": str(line.cost_type_id),
        "lines-0-description": line.description,
        "lines-0-amount": str(line.amount),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "title cannot be changed until it is retrieved or rejected" in response.content.decode()


def test_create_a_change_order_and_an_invoice(pm):
    commitment = commitment_with_lines(lines=2)
    first = commitment.lines.first()
    client = client_for(pm)
    response = client.post(
        reverse("projects:change-order-new", args=[commitment.pk]),
        {
            "number": "009",
            "title": "More rebar",
            "date": "2026-04-01",
            "status": "approved",
            **_management("lines", 2),
            "lines-0-commitment_line": str(first.pk),
            "lines-0-amount": "500.00",
            "lines-1-cost_code": str(CostCodeFactory().pk),
            "lines-1-cost_type": str(cost_type().pk),
            "lines-1-description": "New scope",
            "lines-1-amount": "750.00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    change_order = ps.CommitmentChangeOrder.objects.get(number="009")
    assert change_order.lines.count() == 2
    new_line = change_order.lines.get(commitment_line__isnull=True)
    body = client.get(reverse("projects:invoice-new", args=[commitment.pk])).content.decode()
    assert f'value="cco-{new_line.pk}"' in body
    response = client.post(
        reverse("projects:invoice-new", args=[commitment.pk]),
        {
            "number": "PA-1",
            "invoice_date": "2026-04-30",
            "billing_period_start": "2026-04-01",
            "billing_period_end": "2026-04-30",
            "status": "approved",
            **_management("lines", 2),
            "lines-0-target": f"line-{first.pk}",
            "lines-0-work_completed_this_period": "1000.00",
            "lines-0-materials_stored": "0.00",
            "lines-0-retainage_held": "100.00",
            "lines-0-retainage_released": "0.00",
            "lines-1-target": f"cco-{new_line.pk}",
            "lines-1-work_completed_this_period": "750.00",
            "lines-1-materials_stored": "0.00",
            "lines-1-retainage_held": "0.00",
            "lines-1-retainage_released": "0.00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    invoice = ps.SubcontractorInvoice.objects.get(number="PA-1")
    assert invoice.totals()["amount_due"] == Decimal("1650.00")


def test_a_change_order_line_needs_a_target(pm):
    commitment = commitment_with_lines(lines=1)
    response = client_for(pm).post(
        reverse("projects:change-order-new", args=[commitment.pk]),
        {
            "number": "010",
            "title": "Nothing",
            "date": "2026-04-01",
            "status": "approved",
            **_management("lines", 1),
            "lines-0-amount": "5.00",
        },
    )
    assert "Pick the line it changes, or a cost code and a cost type" in response.content.decode()


def test_create_and_lock_a_budget(pm):
    project = ProjectFactory()
    code = CostCodeFactory()
    client = client_for(pm)
    url = reverse("projects:budget-form", args=[project.pk])
    assert "New budget for" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "is_locked": "on",
            **_management("lines", 1),
            "lines-0-cost_code": str(code.pk),
            "lines-0-cost_type": str(cost_type("Labor").pk),
            "lines-0-original_amount": "5000.00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    budget = ps.Budget.objects.get(project=project)
    assert budget.is_locked and budget.locked_at is not None
    assert budget.lines.get().original_amount == Decimal("5000.00")


def test_forms_need_the_tool_permission(viewer):
    commitment = commitment_with_lines()
    client = client_for(viewer)
    response = client.get(reverse("projects:commitment-edit", args=[commitment.pk]))
    assert response.status_code == 403
    assert "This needs Standard on Commitments" in response.content.decode()
    response = client.get(reverse("projects:commitment-new", args=[commitment.project_id]))
    assert response.status_code == 403


def test_a_form_of_200_lines_costs_no_query_per_line(pm):
    commitment = CommitmentFactory()
    code = CostCodeFactory()
    ps.CommitmentLine.objects.bulk_create(
        [
            ps.CommitmentLine(
                commitment=commitment, line_number=n, cost_code=code, cost_type=cost_type(), amount=Decimal("1.00")
            )
            for n in range(1, 11)
        ]
    )
    client = client_for(pm)
    url = reverse("projects:commitment-edit", args=[commitment.pk])
    client.get(url)
    at_10 = query_count(client, url)
    ps.CommitmentLine.objects.bulk_create(
        [
            ps.CommitmentLine(
                commitment=commitment, line_number=n, cost_code=code, cost_type=cost_type(), amount=Decimal("1.00")
            )
            for n in range(11, 201)
        ]
    )
    assert query_count(client, url) == at_10


def _payment(invoice: ps.SubcontractorInvoice, qb_txn_id: str, **fields: object) -> ps.BillPayment:
    values: dict[str, object] = {
        "bill_txn_id": f"BILL-{invoice.pk}",
        "method": "check",
        "txn_date": datetime.date(2026, 3, 15),
        **fields,
    }
    values.setdefault("payment_total", values.get("amount", Decimal("0.00")))
    return ps.BillPayment.objects.create(
        qb_txn_id=qb_txn_id, commitment=invoice.commitment, invoice=invoice, vendor=invoice.commitment.vendor, **values
    )


def test_commitment_page_shows_payments_from_quickbooks(pm):
    commitment = commitment_with_lines()
    partly, paid, unpaid = (invoice_for(commitment, number=f"INV-{n}") for n in (1, 2, 3))
    # One check over two bills, then a card payment, then a voided check.
    _payment(partly, "TX-1", ref_number="1042", amount=Decimal("4000.00"), payment_total=Decimal("13000.00"))
    _payment(paid, "TX-1", ref_number="1042", amount=Decimal("9000.00"), payment_total=Decimal("13000.00"))
    _payment(partly, "TX-2", method="credit_card", amount=Decimal("500.00"), txn_date=datetime.date(2026, 3, 20))
    _payment(unpaid, "TX-3", ref_number="1043", amount=Decimal("0.00"), is_void=True)

    body = client_for(pm).get(reverse("projects:commitment", args=[commitment.pk])).content.decode()

    assert "Payments issued in QuickBooks" in body and "1042" in body and "1043" in body
    assert "<dt>Paid in QuickBooks</dt><dd>13,500.00</dd>" in body
    assert "Partly paid: 4,500.00" in body and "4,500.00 open" in body
    assert "Paid Mar 15, 2026" in body and "Unpaid" in body
    assert '<td class="num">13,000.00</td>' in body, "the whole check, beside what it paid of each bill"
    assert 'class="tag tag--muted">Void</span>' in body
    assert reverse("projects:commitment-payments-csv", args=[commitment.pk]) in body


def test_the_payments_of_a_commitment_download_as_csv(pm, viewer):
    commitment = commitment_with_lines(number="SC/7")
    invoice = invoice_for(commitment, number="INV-9")
    _payment(invoice, "TX-9", ref_number="2001", amount=Decimal("100.00"), payment_total=Decimal("250.00"))
    url = reverse("projects:commitment-payments-csv", args=[commitment.pk])

    response = client_for(viewer).get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="payments-sc7.csv"'
    lines = response.getvalue().decode().splitlines()
    assert lines[0].startswith("Date,Method,Check number,Invoice,Amount applied,Whole payment,Void")
    assert lines[1].startswith("2026-03-15,Check,2001,INV-9,100.00,250.00,,")
    assert client_for(UserFactory(username="stranger")).get(url).status_code == 404


def test_commitment_line_factory_is_used(pm):
    # The change order line of a new line shows its own cost code.
    commitment = commitment_with_lines(lines=1)
    change_order = ChangeOrderFactory(commitment=commitment)
    line = ChangeOrderLineFactory(change_order=change_order)
    CommitmentLineFactory(commitment=commitment, line_number=9)
    body = client_for(pm).get(reverse("projects:commitment", args=[commitment.pk])).content.decode()
    assert line.cost_code.code in body and "New line" in body
