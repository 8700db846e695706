"""The record pages through the Django test client: projects and budget modifications created, edited and deleted;
every project-side record deleted after a confirmation (or refused, with why); what accounting holds shown
read-only while the rest saves; an invoice's retainage from its commitment's percentage; messages that name a
record once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from access.tools import Level, Tool
from erp_integrations import services as erp
from procore_sync import models as ps
from procore_sync import services
from procore_sync.templatetags.ui import humanize_key
from procore_sync.views import record_name
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CompanyFactory,
    ProjectFactory,
    SubJobFactory,
    UserFactory,
    commitment_with_lines,
    cost_type,
    grant,
    invoice_for,
)

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_with(tool: Tool, level: Level, project: ps.Project | None = None, name: str = "someone") -> Any:
    return grant(UserFactory.create(username=name), tool, level, project)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _management(total: int, initial: int = 0) -> dict[str, str]:
    return {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "2000",
    }


def project_data(**changes: str) -> dict[str, str]:
    data = {
        "number": "2026-07",
        "name": "Harbor Tower",
        "status": "active",
        "owner": "",
        "start_date": "2026-05-01",
        "description": "",
        "address_line1": "1 Harbor Way",
        "address_line2": "",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    return {**data, **changes}


# --- projects ------------------------------------------------------------------------------------------------


def test_a_project_admin_creates_a_project_from_the_list(pm):
    client = client_for(pm)
    assert reverse("projects:new") in client.get(reverse("projects:list")).content.decode()
    body = client.get(reverse("projects:new")).content.decode()
    assert "Address line 1" in body and "Address line1" not in body
    owner = CompanyFactory.create(name="Harbor Health", vendor_type="owner")

    response = client.post(reverse("projects:new"), project_data(owner=str(owner.pk)), follow=True)

    project = ps.Project.objects.get(number="2026-07")
    assert project.owner == owner and project.city == "Springfield"
    assert response.redirect_chain[-1][0] == reverse("projects:detail", args=[project.pk])
    assert messages_of(response) == ["Project 2026-07 Harbor Tower created."]


def test_creating_a_project_needs_standard_on_admin_company_wide(db):
    reader = user_with(Tool.ADMIN, Level.READ_ONLY, name="reader")
    assert reverse("projects:new") not in client_for(reader).get(reverse("projects:list")).content.decode()
    response = client_for(reader).post(reverse("projects:new"), project_data())
    assert response.status_code == 403
    assert "This needs Standard on Admin" in response.content.decode()
    # Standard on one project only is no grant to create others.
    project = ProjectFactory.create()
    site_admin = user_with(Tool.ADMIN, Level.STANDARD, project, name="site")
    assert client_for(site_admin).get(reverse("projects:new")).status_code == 403
    assert not ps.Project.objects.filter(number="2026-07").exists()


def test_a_project_standard_user_edits_the_project_but_cannot_delete_it(db):
    project = ProjectFactory.create(name="Old name")
    editor = user_with(Tool.ADMIN, Level.STANDARD, project, name="editor")
    client = client_for(editor)
    body = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:edit", args=[project.pk]) in body
    assert reverse("projects:delete", args=["project", project.pk]) not in body

    data = project_data(number=project.number, name="New name", owner=str(project.owner_id))
    response = client.post(reverse("projects:edit", args=[project.pk]), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "New name"
    assert client.get(reverse("projects:delete", args=["project", project.pk])).status_code == 403
    assert client.post(reverse("projects:delete", args=["project", project.pk])).status_code == 403
    assert ps.Project.objects.filter(pk=project.pk).exists()


def test_a_reader_sees_no_project_buttons_and_gets_403_on_the_forms(db):
    project = ProjectFactory.create()
    reader = user_with(Tool.ADMIN, Level.READ_ONLY, name="reader")
    client = client_for(reader)
    body = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Edit project" not in body and "Delete project" not in body
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 403


def test_a_project_admin_deletes_a_project_after_confirming(pm):
    project = ProjectFactory.create(number="DEL-1", name="Short lived")
    client = client_for(pm)
    url = reverse("projects:delete", args=["project", project.pk])
    assert url in client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Delete Project DEL-1 Short lived?" in confirm.content.decode()
    assert ps.Project.objects.filter(pk=project.pk).exists(), "asking deletes nothing"

    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("projects:list")
    assert messages_of(response) == ["Project DEL-1 Short lived deleted."]
    assert not ps.Project.objects.filter(pk=project.pk).exists()


def test_a_project_its_records_name_is_not_deleted_and_the_refusal_names_them(pm):
    commitment = commitment_with_lines(lines=1, number="SC-9", title="Steel")
    project = commitment.project
    response = client_for(pm).post(reverse("projects:delete", args=["project", project.pk]), follow=True)
    assert ps.Project.objects.filter(pk=project.pk).exists()
    [message] = messages_of(response)
    assert message.startswith(f"Project {project} was not deleted: Other records depend on this one")
    assert "SC-9 Steel" in message


def test_a_project_accounting_holds_is_not_deleted(pm):
    project = ProjectFactory.create()
    erp.item_send(project, pm)
    response = client_for(pm).post(reverse("projects:delete", args=["project", project.pk]), follow=True)
    assert ps.Project.objects.filter(pk=project.pk).exists()
    [message] = messages_of(response)
    assert "was not deleted" in message and "pending acceptance" in message


def test_a_pending_projects_name_is_read_only_and_its_description_saves(pm):
    project = ProjectFactory.create(name="Harbor Tower")
    erp.item_send(project, pm)
    client = client_for(pm)
    url = reverse("projects:edit", args=[project.pk])
    form = client.get(url).context["header"]
    assert form.fields["name"].disabled and form.fields["address_line1"].disabled
    assert not form.fields["description"].disabled and not form.fields["status"].disabled

    page = client.get(url)
    assert page.context["read_only"] == ",".join(sorted(name for name, f in form.fields.items() if f.disabled))
    # A disabled control posts nothing; the page says which ones it showed.
    data = project_data(number=project.number, owner=str(project.owner_id), description="Gate B")
    data = {name: value for name, value in data.items() if not form.fields[name].disabled}
    response = client.post(url, {**data, "read_only": page.context["read_only"]})

    assert response.status_code == 302, response.content.decode()
    project.refresh_from_db()
    assert project.name == "Harbor Tower" and project.description == "Gate B"


def commitment_post(commitment: ps.Commitment, **changes: str) -> dict[str, str]:
    line = commitment.lines.all()[0]
    data = {
        "kind": commitment.kind,
        "number": commitment.number,
        "title": commitment.title,
        "vendor": str(commitment.vendor_id),
        "status": commitment.status,
        "default_retainage_percent": "10.00",
        "description": "",
        **_management(1, initial=1),
        "lines-0-id": str(line.pk),
        "lines-0-line_number": "1",
        "lines-0-cost_code": str(line.cost_code_id),
        "lines-0-cost_type": str(line.cost_type_id),
        "lines-0-description": line.description,
        "lines-0-amount": str(line.amount),
    }
    return {**data, **changes}


def test_a_pending_commitment_saves_its_description_as_its_page_posts_it(pm):
    commitment = commitment_with_lines(lines=1, title="Steel")
    erp.item_send(commitment, pm)
    client = client_for(pm)
    url = reverse("projects:commitment-edit", args=[commitment.pk])
    read_only = client.get(url).context["read_only"].split(",")
    assert "title" in read_only and "lines" in read_only and "description" not in read_only
    posted = {
        name: value
        for name, value in commitment_post(commitment, description="Crane on site from May").items()
        if name not in read_only and not name.startswith("lines-0-")
    }

    response = client.post(url, {**posted, "read_only": ",".join(read_only)})

    assert response.status_code == 302, response.content.decode()
    commitment.refresh_from_db()
    assert commitment.description == "Crane on site from May" and commitment.title == "Steel"
    assert commitment.lines.count() == 1


def test_a_field_locked_after_its_page_was_shown_is_refused_with_why_then_shown_read_only(pm):
    commitment = commitment_with_lines(lines=1, title="Steel")
    client = client_for(pm)
    url = reverse("projects:commitment-edit", args=[commitment.pk])
    assert client.get(url).context["read_only"] == ""
    erp.item_send(commitment, pm)

    response = client.post(url, commitment_post(commitment, title="Steel and decking"))

    assert response.status_code == 200
    assert "title cannot be changed until it is retrieved or rejected" in response.content.decode()
    assert response.context["header"].fields["title"].disabled
    commitment.refresh_from_db()
    assert commitment.title == "Steel"


def test_lines_shown_read_only_are_kept_even_when_unlocked_since(pm):
    commitment = commitment_with_lines(lines=2)
    posted = {name: value for name, value in commitment_post(commitment).items() if not name.startswith("lines-")}
    response = client_for(pm).post(
        reverse("projects:commitment-edit", args=[commitment.pk]),
        {**posted, **_management(2, initial=2), "read_only": "lines", "description": "Kept lines"},
    )
    assert response.status_code == 302, response.content.decode()
    assert commitment.lines.count() == 2


# --- budget modifications ----------------------------------------------------------------------------------------


@pytest.fixture
def budget() -> ps.Budget:
    budget: ps.Budget = BudgetFactory.create()
    BudgetLineItemFactory.create(budget=budget, cost_type=cost_type("Labor"))
    BudgetLineItemFactory.create(budget=budget, cost_type=cost_type("Material"))
    return budget


def modification_data(budget: ps.Budget, *amounts: str, **header: str) -> dict[str, str]:
    lines = list(budget.lines.all())
    data = {"number": "1", "reason": "Contingency to concrete", "date": "2026-04-01", **header}
    data.update(_management(len(amounts)))
    for index, amount in enumerate(amounts):
        data[f"lines-{index}-budget_line"] = str(lines[index].pk)
        data[f"lines-{index}-amount"] = amount
    return data


def test_a_budget_admin_creates_a_budget_modification_from_the_project_page(pm, budget):
    project = budget.project
    BudgetModificationFactory.create(budget=budget, number=4)
    client = client_for(pm)
    url = reverse("projects:budget-modification-new", args=[project.pk])
    assert url in client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    page = client.get(url)
    assert page.context["header"]["number"].value() == 5, "the next number is offered"
    assert "Contingency" not in page.content.decode()

    response = client.post(url, modification_data(budget, "-500.00", "500.00", number="5"), follow=True)

    modification = ps.BudgetModification.objects.get(budget=budget, number=5)
    assert sorted(modification.lines.values_list("amount", flat=True)) == [Decimal("-500.00"), Decimal("500.00")]
    assert messages_of(response) == [f"Budget modification #5 ({project.number}) created."]
    assert response.redirect_chain[-1][0] == reverse("projects:detail", args=[project.pk]) + "#budget"


def test_a_budget_modification_whose_lines_do_not_net_to_zero_is_refused_on_the_page(pm, budget):
    url = reverse("projects:budget-modification-new", args=[budget.project_id])
    response = client_for(pm).post(url, modification_data(budget, "-500.00", "400.00"))
    assert response.status_code == 200
    assert "must net to zero; these net to -100.00" in response.content.decode()
    assert not ps.BudgetModification.objects.exists()


def test_a_budget_modification_needs_a_budget_first(pm):
    project = ProjectFactory.create()
    response = client_for(pm).get(reverse("projects:budget-modification-new", args=[project.pk]), follow=True)
    assert messages_of(response) == [f"{project} has no budget yet: create the budget, then modify it."]


def test_a_budget_modification_is_edited_and_its_workflow_steps_are_on_the_project_page(pm, budget):
    client = client_for(pm)
    client.post(
        reverse("projects:budget-modification-new", args=[budget.project_id]),
        modification_data(budget, "-500.00", "500.00"),
    )
    modification = ps.BudgetModification.objects.get()
    lines = list(modification.lines.all())
    data = modification_data(budget, "-700.00", "700.00", reason="Bigger move")
    data.update(_management(2, initial=2))
    data["lines-0-id"], data["lines-1-id"] = str(lines[0].pk), str(lines[1].pk)

    response = client.post(reverse("projects:budget-modification-edit", args=[modification.pk]), data)

    assert response.status_code == 302, response.content.decode()
    modification.refresh_from_db()
    assert modification.reason == "Bigger move"
    assert sorted(modification.lines.values_list("amount", flat=True)) == [Decimal("-700.00"), Decimal("700.00")]
    body = client.get(reverse("projects:detail", args=[budget.project_id])).content.decode()
    assert reverse("erp:record-step", args=["budget_modification", modification.pk, "send"]) in body
    assert reverse("projects:budget-modification-edit", args=[modification.pk]) in body


def test_budget_modification_pages_follow_the_budget_levels(budget):
    modification = BudgetModificationFactory.create(budget=budget)
    reader = user_with(Tool.BUDGET, Level.READ_ONLY, name="reader")
    standard = user_with(Tool.BUDGET, Level.STANDARD, name="standard")
    new_url = reverse("projects:budget-modification-new", args=[budget.project_id])
    edit_url = reverse("projects:budget-modification-edit", args=[modification.pk])
    delete_url = reverse("projects:delete", args=["budget_modification", modification.pk])
    assert client_for(reader).get(new_url).status_code == 403
    assert client_for(reader).get(edit_url).status_code == 403
    assert client_for(standard).get(new_url).status_code == 200
    assert client_for(standard).get(edit_url).status_code == 200
    response = client_for(standard).get(delete_url)
    assert response.status_code == 403 and "This needs Admin on Budget" in response.content.decode()
    body = client_for(standard).get(reverse("projects:detail", args=[budget.project_id])).content.decode()
    assert edit_url in body and delete_url not in body


def test_a_pending_budget_modification_shows_everything_read_only_without_a_save_button(pm, budget):
    modification = BudgetModificationFactory.create(budget=budget)
    first, second = budget.lines.all()
    services.save_record(
        pm,
        ps.BudgetModification,
        {},
        [{"budget_line": first, "amount": Decimal("-5.00")}, {"budget_line": second, "amount": Decimal("5.00")}],
        instance=modification,
    )
    erp.item_send(modification, pm)
    response = client_for(pm).get(reverse("projects:budget-modification-edit", args=[modification.pk]))
    body = response.content.decode()
    assert all(field.disabled for field in response.context["header"].fields.values())
    assert all(field.disabled for form in response.context["lines"].forms for field in form.fields.values())
    assert ">Save<" not in body and "Add a line" not in body
    assert "Pending acceptance: what QuickBooks will receive cannot change until it is accepted or retrieved" in body


# --- deleting every project-side record ------------------------------------------------------------------------


def _commitment() -> ps.Commitment:
    return commitment_with_lines(lines=1)


def _change_order() -> ps.CommitmentChangeOrder:
    change_order: ps.CommitmentChangeOrder = ChangeOrderFactory.create(commitment=_commitment())
    ChangeOrderLineFactory.create(change_order=change_order)
    return change_order


def _invoice() -> ps.SubcontractorInvoice:
    return invoice_for(_commitment())


def _budget() -> ps.Budget:
    budget: ps.Budget = BudgetFactory.create()
    BudgetLineItemFactory.create(budget=budget)
    return budget


def _modification() -> ps.BudgetModification:
    return BudgetModificationFactory.create(budget=_budget())


RECORDS = {
    "commitment": (_commitment, lambda r: reverse("projects:detail", args=[r.project_id]) + "#commitments"),
    "change_order": (_change_order, lambda r: reverse("projects:commitment", args=[r.commitment_id])),
    "subcontractor_invoice": (_invoice, lambda r: reverse("projects:commitment", args=[r.commitment_id])),
    "budget": (_budget, lambda r: reverse("projects:detail", args=[r.project_id]) + "#budget"),
    "budget_modification": (
        _modification,
        lambda r: reverse("projects:detail", args=[r.budget.project_id]) + "#budget",
    ),
}


@pytest.mark.parametrize("object_type", RECORDS)
def test_a_draft_record_is_deleted_after_its_confirmation_page(object_type, pm):
    make, after = RECORDS[object_type]
    record = make()
    client = client_for(pm)
    url = reverse("projects:delete", args=[object_type, record.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.content.decode()

    response = client.post(url)

    assert response.status_code == 302 and response["Location"] == after(record)
    assert not type(record)._default_manager.filter(pk=record.pk).exists()


@pytest.mark.parametrize("object_type", ["commitment", "change_order", "subcontractor_invoice", "budget"])
def test_a_record_accounting_holds_is_not_deleted_and_the_message_says_why(object_type, pm):
    record = RECORDS[object_type][0]()
    erp.item_send(record, pm)
    response = client_for(pm).post(reverse("projects:delete", args=[object_type, record.pk]), follow=True)
    assert type(record)._default_manager.filter(pk=record.pk).exists()
    [message] = messages_of(response)
    assert "was not deleted" in message and "pending acceptance" in message and "retrieve" in message


def test_a_budget_its_modifications_name_is_not_deleted(pm):
    modification = _modification()
    response = client_for(pm).post(reverse("projects:delete", args=["budget", modification.budget_id]), follow=True)
    [message] = messages_of(response)
    assert "Other records depend on this one: Budget modification #" in message
    assert ps.Budget.objects.filter(pk=modification.budget_id).exists()


def test_deleting_needs_admin_on_the_records_tool_and_shows_the_buttons_only_then(db):
    commitment = commitment_with_lines(lines=1)
    change_order = ChangeOrderFactory.create(commitment=commitment)
    invoice = invoice_for(commitment)
    standard = user_with(Tool.COMMITMENTS, Level.STANDARD, name="standard")
    grant(standard, Tool.CHANGE_ORDERS, Level.ADMIN)
    grant(standard, Tool.INVOICING, Level.STANDARD)
    client = client_for(standard)
    body = client.get(reverse("projects:commitment", args=[commitment.pk])).content.decode()
    assert reverse("projects:delete", args=["commitment", commitment.pk]) not in body
    assert reverse("projects:delete", args=["change_order", change_order.pk]) in body
    assert reverse("projects:delete", args=["subcontractor_invoice", invoice.pk]) not in body
    assert client.post(reverse("projects:delete", args=["commitment", commitment.pk])).status_code == 403
    assert client.post(reverse("projects:delete", args=["subcontractor_invoice", invoice.pk])).status_code == 403
    assert ps.Commitment.objects.filter(pk=commitment.pk).exists()
    assert ps.SubcontractorInvoice.objects.filter(pk=invoice.pk).exists()


def _project() -> ps.Project:
    return ProjectFactory.create()


# Each record type's delete asks Admin on the tool its records live in.
DELETE_TOOLS = {
    "project": (_project, Tool.ADMIN),
    "budget": (_budget, Tool.BUDGET),
    "budget_modification": (_modification, Tool.BUDGET),
    "commitment": (_commitment, Tool.COMMITMENTS),
    "change_order": (_change_order, Tool.CHANGE_ORDERS),
    "subcontractor_invoice": (_invoice, Tool.INVOICING),
}


@pytest.mark.parametrize("object_type", DELETE_TOOLS)
def test_delete_asks_admin_on_the_tool_of_the_record_and_standard_is_not_enough(object_type, db):
    make, tool = DELETE_TOOLS[object_type]
    record = make()
    url = reverse("projects:delete", args=[object_type, record.pk])
    standard = user_with(tool, Level.STANDARD, name="standard")
    response = client_for(standard).get(url)
    assert response.status_code == 403
    assert f"This needs Admin on {tool.label}" in response.content.decode()
    assert client_for(standard).post(url).status_code == 403
    admin = user_with(tool, Level.ADMIN, name="admin")
    assert client_for(admin).get(url).status_code == 200
    assert client_for(admin).post(url).status_code == 302
    assert not type(record)._default_manager.filter(pk=record.pk).exists()


def test_an_admin_of_one_project_deletes_its_commitments_and_not_anothers(db):
    mine, theirs = commitment_with_lines(lines=1), commitment_with_lines(lines=1)
    site_admin = user_with(Tool.COMMITMENTS, Level.ADMIN, mine.project, name="site")
    client = client_for(site_admin)
    assert client.post(reverse("projects:delete", args=["commitment", theirs.pk])).status_code == 404
    assert client.post(reverse("projects:delete", args=["commitment", mine.pk])).status_code == 302
    assert not ps.Commitment.objects.filter(pk=mine.pk).exists()
    assert ps.Commitment.objects.filter(pk=theirs.pk).exists()


def test_a_record_type_without_these_pages_or_out_of_sight_is_a_404(pm):
    sub_job = SubJobFactory.create()
    assert client_for(pm).get(reverse("projects:delete", args=["sub_job", sub_job.pk])).status_code == 404
    commitment = commitment_with_lines(lines=1)
    stranger = UserFactory.create(username="stranger")
    assert client_for(stranger).get(reverse("projects:delete", args=["commitment", commitment.pk])).status_code == 404


def test_an_edit_page_offers_delete_to_whoever_may(pm):
    commitment = commitment_with_lines(lines=1)
    body = client_for(pm).get(reverse("projects:commitment-edit", args=[commitment.pk])).content.decode()
    assert reverse("projects:delete", args=["commitment", commitment.pk]) in body


# --- an invoice's retainage ----------------------------------------------------------------------------------


def invoice_data(commitment: ps.Commitment, **line: str) -> dict[str, str]:
    target = commitment.lines.first()
    assert target is not None
    return {
        "number": "PA-1",
        "invoice_date": "2026-04-30",
        "billing_period_start": "2026-04-01",
        "billing_period_end": "2026-04-30",
        "status": "approved",
        **_management(1),
        "lines-0-target": f"line-{target.pk}",
        "lines-0-work_completed_this_period": "1234.50",
        "lines-0-materials_stored": "0.00",
        "lines-0-retainage_held": "",
        "lines-0-retainage_released": "0.00",
        **{f"lines-0-{name}": value for name, value in line.items()},
    }


def test_an_invoice_line_left_without_retainage_holds_the_commitments_percentage_half_up(pm):
    commitment = commitment_with_lines(lines=1, default_retainage_percent=Decimal("5.00"))
    client = client_for(pm)
    url = reverse("projects:invoice-new", args=[commitment.pk])
    body = client.get(url).content.decode()
    assert 'data-retention-percent="5.00"' in body and "js/retention.js" in body

    response = client.post(url, invoice_data(commitment, materials_stored="100.00"), follow=True)

    invoice = ps.SubcontractorInvoice.objects.get(number="PA-1")
    assert invoice.lines.get().retainage_held == Decimal("66.73"), "5 % of 1,334.50 is 66.725"
    assert messages_of(response) == [f"Invoice PA-1 ({commitment.number}) created."]


def test_a_retainage_typed_on_a_line_is_kept(pm):
    commitment = commitment_with_lines(lines=1, default_retainage_percent=Decimal("5.00"))
    client_for(pm).post(
        reverse("projects:invoice-new", args=[commitment.pk]), invoice_data(commitment, retainage_held="0.00")
    )
    assert ps.SubcontractorInvoice.objects.get(number="PA-1").lines.get().retainage_held == Decimal("0.00")


def test_the_service_fills_a_new_lines_retainage_and_keeps_a_saved_lines(pm):
    commitment = commitment_with_lines(lines=1, default_retainage_percent=Decimal("7.50"))
    target = commitment.lines.get()
    fields = {
        "commitment": commitment,
        "number": "PA-2",
        "invoice_date": "2026-04-30",
        "billing_period_start": "2026-04-01",
        "billing_period_end": "2026-04-30",
    }
    invoice = services.save_record(
        pm,
        ps.SubcontractorInvoice,
        fields,
        [{"commitment_line": target, "work_completed_this_period": Decimal("333.33")}],
    )
    line = invoice.lines.get()
    assert line.retainage_held == Decimal("25.00"), "7.5 % of 333.33 is 24.99975"
    ps.SubcontractorInvoiceLine.objects.filter(pk=line.pk).update(retainage_held=Decimal("1.00"))
    services.save_record(
        pm,
        ps.SubcontractorInvoice,
        {},
        [{"id": line.pk, "commitment_line": target, "work_completed_this_period": Decimal("400.00")}],
        instance=invoice,
    )
    assert invoice.lines.get().retainage_held == Decimal("1.00"), "a saved line that does not mention it keeps it"
    assert services.retainage_held(Decimal("10.00"), Decimal("-50.00")) == Decimal("0.00")


def test_a_pending_invoice_shows_its_lines_read_only(pm):
    invoice = invoice_for(commitment_with_lines(lines=1))
    erp.item_send(invoice, pm)
    response = client_for(pm).get(reverse("projects:invoice-edit", args=[invoice.pk]))
    lines = response.context["lines"]
    assert lines.forms and all(form.fields["retainage_held"].disabled for form in lines.forms)
    assert 'aria-describedby="locked-note"' in response.content.decode()


# --- wording -------------------------------------------------------------------------------------------------


def test_a_budget_saved_is_named_once(pm):
    budget = _budget()
    line = budget.lines.get()
    data = {
        "is_locked": "on",
        **_management(1, initial=1),
        "lines-0-id": str(line.pk),
        "lines-0-cost_code": str(line.cost_code_id),
        "lines-0-cost_type": str(line.cost_type_id),
        "lines-0-original_amount": "12.00",
    }
    response = client_for(pm).post(reverse("projects:budget-form", args=[budget.project_id]), data, follow=True)
    assert messages_of(response) == [f"Budget of {budget.project} saved."]


def test_a_record_is_named_with_its_type_unless_its_name_says_it():
    commitment = commitment_with_lines(lines=0, number="SC-4", title="Steel")
    invoice = invoice_for(commitment_with_lines(lines=1, number="SC-5"), number="INV-7")
    sub_job = SubJobFactory.create(name="Job trailer")
    assert record_name(commitment) == "Commitment SC-4 Steel"
    assert record_name(invoice) == "Invoice INV-7 (SC-5)"
    assert record_name(sub_job) == "Sub job Job trailer", "a name that merely starts with the type's noun"
    assert record_name(_budget()).startswith("Budget of ")


def test_a_key_with_a_number_reads_as_words():
    assert humanize_key("address_line1") == "Address line 1"
    assert humanize_key("job_name") == "Job name"
