"""The owner side's pages: a project's prime contract with its schedule of values as billed, the forms of the
contract, its change orders (PCCOs) and the owner invoices, and an invoice's pay application (G702/G703) to
print or as a PDF.

Thin, as the project pages are: the forms are theirs (`RecordFormPage`, `_record_form`), reads go through
`owner_selectors`, writes through `services`, and the one permission gate decides what is offered.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from access import permissions
from access.permissions import Action, Person
from procore_sync import forms as pf
from procore_sync import models as ps
from procore_sync import owner_forms as of
from procore_sync import owner_pdf, owner_selectors, selectors
from procore_sync.views import RecordFormPage, _record_form, csv_response, initial_lines, pdf_response


def _project_or_404(user: Person, pk: int) -> ps.Project:
    try:
        return selectors.records_for(user, ps.Project).get(pk=pk)
    except ps.Project.DoesNotExist:
        raise Http404("No such project, or you cannot see it.") from None


def contract_url(project_id: int) -> str:
    return reverse("owner:prime-contract", args=[project_id])


def _readable_contract(user: Person, project: ps.Project) -> ps.PrimeContract | None:
    if not owner_selectors.may_read_owner_side(user, project):
        permissions.require(user, Action.VIEW, object_type="prime_contract", project=project)
    return owner_selectors.prime_contract_of_project(project)


def _contract_or_404(user: Person, pk: int) -> ps.PrimeContract:
    contract = owner_selectors.prime_contract_on_visible_project(user, pk)
    if contract is None:
        raise Http404("No such prime contract, or you cannot see it.")
    if not owner_selectors.may_read_owner_side(user, contract.project):
        permissions.require(user, Action.VIEW, contract)
    return contract


def _back_to(request: HttpRequest, url: str) -> None:
    """The project pages' form goes back to the page named in `next`, and only knows its own pages otherwise:
    a form of the owner side opened without one goes back to the contract's page."""
    if not (request.GET.get("next") or request.POST.get("next")):
        query = request.GET.copy()
        query["next"] = url
        request.GET = query  # type: ignore[assignment]


# --- the prime contract's page -----------------------------------------------------------------------------------


@login_required
@require_GET
def prime_contract_detail(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The schedule of values as billed (changes, billed to date, retention held), the PCCOs and the invoices."""
    user = request.user
    project = _project_or_404(user, project_pk)
    contract = _readable_contract(user, project)
    can = {
        name: bool(permissions.check(user, action, object_type=slug, project=project))
        for name, action, slug in [
            ("read_change_orders", Action.VIEW, "prime_change_order"),
            ("read_invoices", Action.VIEW, "owner_invoice"),
            ("create_contract", Action.CREATE, "prime_contract"),
            ("create_change_order", Action.CREATE, "prime_change_order"),
            ("create_invoice", Action.CREATE, "owner_invoice"),
        ]
    }
    context: dict[str, Any] = {"project": project, "contract": contract, "can": can}
    if contract is not None:
        context.update(
            sov=owner_selectors.schedule_of_values(contract),
            billing=selectors.owner_billing(contract),
            change_orders=owner_selectors.change_orders_of_contract(user, contract)
            if can["read_change_orders"]
            else [],
            invoices=owner_selectors.invoices_of_contract(user, contract) if can["read_invoices"] else [],
            can_edit=bool(permissions.check(user, Action.EDIT, contract)),
            can_delete=bool(permissions.check(user, Action.DELETE, contract)),
            can_edit_change_orders=bool(
                permissions.check(user, Action.EDIT, object_type="prime_change_order", project=project)
            ),
            can_delete_change_orders=bool(
                permissions.check(user, Action.DELETE, object_type="prime_change_order", project=project)
            ),
            can_edit_invoices=bool(permissions.check(user, Action.EDIT, object_type="owner_invoice", project=project)),
            can_delete_invoices=bool(
                permissions.check(user, Action.DELETE, object_type="owner_invoice", project=project)
            ),
        )
    return render(request, "owner/prime_contract_detail.html", context)


SOV_CSV_HEADER = [
    "Item",
    "Cost code",
    "Cost type",
    "Sub job",
    "Description",
    "Retention %",
    "Scheduled value",
    "Approved changes",
    "Revised value",
    "Billed to date",
    "% complete",
    "Balance to finish",
    "Retention held",
]


@login_required
@require_GET
def schedule_of_values_csv(request: HttpRequest, project_pk: int) -> StreamingHttpResponse:
    """The schedule of values as on the contract's page, a row a line and the totals, as CSV."""
    project = _project_or_404(request.user, project_pk)
    contract = _readable_contract(request.user, project)
    if contract is None:
        raise Http404("The project has no prime contract.")
    sov = owner_selectors.schedule_of_values(contract)
    rows: list[list[Any]] = [
        [
            row.item,
            row.cost_code,
            row.cost_type,
            row.sub_job,
            row.description,
            f"{row.retention_percent:.2f}",
            f"{row.original:.2f}",
            f"{row.changes:.2f}",
            f"{row.scheduled:.2f}",
            f"{row.completed_and_stored:.2f}",
            "" if row.percent_complete is None else f"{row.percent_complete:.2f}",
            f"{row.balance_to_finish:.2f}",
            f"{row.retention:.2f}",
        ]
        for row in sov.rows
    ]
    totals = sov.totals
    rows.append(
        [
            "Total",
            "",
            "",
            "",
            "",
            "",
            f"{totals.original:.2f}",
            f"{totals.changes:.2f}",
            f"{totals.scheduled:.2f}",
            f"{totals.completed_and_stored:.2f}",
            "" if totals.percent_complete is None else f"{totals.percent_complete:.2f}",
            f"{totals.balance_to_finish:.2f}",
            f"{totals.retention:.2f}",
        ]
    )
    name = slugify(contract.number) or str(contract.pk)
    return csv_response(f"schedule-of-values-{name}.csv", SOV_CSV_HEADER, rows)


# --- the forms ----------------------------------------------------------------------------------------------------


def _cost_choices(project: ps.Project) -> dict[str, pf.Choices]:
    return {
        "cost_code": pf.Choices(
            ps.CostCode.objects.filter(is_active=True).order_by("code"), label=lambda c: f"{c.code} {c.description}"
        ),
        # Left empty, a line takes its cost code's default cost type (`services.save_record`).
        "cost_type": pf.Choices(ps.CostType.objects.filter(is_active=True), blank="Code's default"),
        "sub_job": pf.sub_job_choices(project),
    }


@login_required
@require_http_methods(["GET", "POST"])
def prime_contract_form(request: HttpRequest, project_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    contract: ps.PrimeContract | None = None
    if pk is not None:
        contract = _contract_or_404(user, pk)
        project = contract.project
        initial = initial_lines(contract)
    else:
        project = _project_or_404(user, project_pk or 0)
        if owner_selectors.prime_contract_of_project(project) is not None:
            messages.info(request, f"{project} has a prime contract already: a project has one.")
            return redirect(contract_url(project.pk))
        initial = []
    _back_to(request, contract_url(project.pk))
    page = RecordFormPage(
        title=f"Edit {contract}" if contract else f"New prime contract on {project}",
        model=ps.PrimeContract,
        header_class=of.PrimeContractForm,
        line_class=of.PrimeContractLineForm,
        choices=_cost_choices(project),
        initial_lines=initial,
        parent_fields={"project": project},
        cancel_url=contract_url(project.pk) if contract else reverse("projects:detail", args=[project.pk]),
        cancel_label=f"Prime contract {contract.number}" if contract else str(project),
        instance=contract,
        header_kwargs={} if contract else {"initial": {"owner": project.owner_id}},
    )
    return _record_form(request, page)


@login_required
@require_http_methods(["GET", "POST"])
def prime_change_order_form(
    request: HttpRequest, contract_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    user = request.user
    try:
        change_order = owner_selectors.prime_change_order(user, pk) if pk is not None else None
    except ps.PrimeContractChangeOrder.DoesNotExist:
        raise Http404("No such change order, or you cannot see it.") from None
    contract = change_order.prime_contract if change_order else _contract_or_404(user, contract_pk or 0)
    initial = initial_lines(change_order)
    _back_to(request, contract_url(contract.project_id) + "#change-orders")
    page = RecordFormPage(
        title=f"Edit {change_order} on {contract.number}"
        if change_order
        else f"New change order on prime contract {contract.number}",
        model=ps.PrimeContractChangeOrder,
        header_class=of.PrimeChangeOrderForm,
        line_class=of.PrimeChangeOrderLineForm,
        choices={**_cost_choices(contract.project), "contract_line": of.contract_line_choices(contract)},
        initial_lines=initial,
        parent_fields={"prime_contract": contract},
        cancel_url=contract_url(contract.project_id) + "#change-orders",
        cancel_label=f"Prime contract {contract.number}",
        instance=change_order,
    )
    return _record_form(request, page)


def _owner_invoice_or_404(user: Person, pk: int) -> ps.OwnerInvoice:
    try:
        return owner_selectors.owner_invoice(user, pk)
    except ps.OwnerInvoice.DoesNotExist:
        raise Http404("No such owner invoice, or you cannot see it.") from None


@login_required
@require_http_methods(["GET", "POST"])
def owner_invoice_form(request: HttpRequest, contract_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    invoice = _owner_invoice_or_404(user, pk) if pk is not None else None
    contract = invoice.prime_contract if invoice else _contract_or_404(user, contract_pk or 0)
    targets = of.owner_invoice_targets(contract, invoice)
    _back_to(request, contract_url(contract.project_id) + "#invoices")
    page = RecordFormPage(
        title=f"Edit {invoice}" if invoice else f"New owner invoice on prime contract {contract.number}",
        model=ps.OwnerInvoice,
        header_class=of.OwnerInvoiceForm,
        line_class=of.OwnerInvoiceLineForm,
        choices={"target": targets},
        initial_lines=[of.OwnerInvoiceLineForm.initial_for(line) for line in (invoice.lines.all() if invoice else [])],
        parent_fields={"prime_contract": contract},
        cancel_url=contract_url(contract.project_id) + "#invoices",
        cancel_label=f"Prime contract {contract.number}",
        instance=invoice,
        form_data={"retention-percents": of.retention_percents(targets)},
        scripts=("js/retention.js",),
    )
    return _record_form(request, page)


# --- the pay application --------------------------------------------------------------------------------------------


@login_required
@require_GET
def pay_application(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice as an application for payment, to print: the summary (G702) and the continuation sheet
    (G703)."""
    invoice = _owner_invoice_or_404(request.user, pk)
    application = owner_selectors.pay_application(invoice)
    return render(request, "owner/pay_application.html", {"app": application, "project": application.project})


@login_required
@require_GET
def pay_application_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same pay application as a PDF."""
    invoice = _owner_invoice_or_404(request.user, pk)
    document = owner_pdf.pay_application_pdf(owner_selectors.pay_application(invoice))
    name = slugify(f"pay-application-{invoice.prime_contract.number}-{invoice.number}") or f"pay-application-{pk}"
    return pdf_response(f"{name}.pdf", document)
