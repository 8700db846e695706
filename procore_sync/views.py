"""The project pages: projects, their budget and commitments (with change orders and invoices), the forms
that create and edit them, and the send / retrieve / resend / unlink steps.

Thin: reads go through selectors, writes through services, and the one permission gate decides what is
offered. A refusal of the workflow is a message; a missing permission is a 403 page that names it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from erp_integrations import permissions
from erp_integrations import selectors as erp_selectors
from erp_integrations import services as erp
from erp_integrations.errors import WorkflowError
from erp_integrations.exportables import EXPORTABLE_TYPES, exportable_type_of
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from erp_integrations.permissions import Action
from erp_integrations.views import HtmxHttpRequest, workflow_error_message
from erp_integrations.workflow import allowed_steps, is_locked
from procore_sync import forms as pf
from procore_sync import models as ps
from procore_sync import selectors, services
from procore_sync.money import ZERO

# --- the ERP status of a record, with what the user may do ------------------------------------------------

PROJECT_SIDE_STEPS = {
    "send": "Send to accounting",
    "retrieve": "Retrieve",
    "resend": "Resend to accounting",
    "unlink": "Unlink from QuickBooks",
}


@dataclass
class StepButton:
    step: str
    label: str
    url: str


@dataclass
class ErpBlock:
    """What the page shows of one record's accounting state."""

    slug: str
    pk: int
    state: str
    item: ErpItem | None
    rejection: ErpEvent | None
    actions: list[StepButton] = field(default_factory=list)
    review_url: str = ""

    @property
    def dom_id(self) -> str:
        return f"erp-{self.slug}-{self.pk}"

    @property
    def error(self) -> str:
        return self.item.erp_error if self.item else ""

    @property
    def locked(self) -> bool:
        return is_locked(self.state)


def erp_blocks(user: Any, records: list[Model]) -> dict[tuple[type[Model], int], ErpBlock]:
    """The accounting state of many records: a query per type, one for the rejections, none per record."""
    items = erp_selectors.items_for_records(records)
    rejected = [item.pk for item in items.values() if item.state == ErpState.REJECTED]
    rejections = erp_selectors.latest_rejections(rejected)
    may_review = bool(permissions.check(user, Action.VIEW_ERP_QUEUE))
    blocks = {}
    for record in records:
        key = (type(record), record.pk)
        item = items.get(key)
        state = item.state if item else ErpState.DRAFT
        slug = exportable_type_of(record).slug
        actions = [
            StepButton(step, PROJECT_SIDE_STEPS[step], reverse("projects:step", args=[slug, record.pk, step]))
            for step in allowed_steps(state)
            if step in PROJECT_SIDE_STEPS and permissions.check(user, step, record)
        ]
        blocks[key] = ErpBlock(
            slug=slug,
            pk=record.pk,
            state=state,
            item=item,
            rejection=rejections.get(item.pk) if item else None,
            actions=actions,
            review_url=reverse("erp:item", args=[item.pk]) if item and may_review else "",
        )
    return blocks


def _attach(user: Any, records: list[Any]) -> None:
    blocks = erp_blocks(user, records)
    for record in records:
        record.erp = blocks[(type(record), record.pk)]


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# --- projects ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.records_for(request.user, ps.Project)
    search = request.GET.get("q", "").strip()[:100]
    if search:
        from django.db.models import Q

        queryset = queryset.filter(Q(name__icontains=search) | Q(number__icontains=search))
    paginator = Paginator(queryset, 50)
    page = paginator.get_page(request.GET.get("page"))
    projects = list(page.object_list)
    permissions.access_for(request.user).prefetch(projects)
    _attach(request.user, projects)
    return render(request, "projects/project_list.html", {"page": page, "projects": projects, "search": search})


def _project_or_404(user: Any, pk: int) -> ps.Project:
    try:
        return selectors.records_for(user, ps.Project).get(pk=pk)
    except ps.Project.DoesNotExist:
        raise Http404("No such project, or you cannot see it.") from None


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's budget and commitments, each with its accounting state and what may be done."""
    project = _project_or_404(request.user, pk)
    user = request.user
    budget = selectors.budget_of_project(user, project)
    commitments: list[Any] = list(selectors.commitments_of_project(user, project))
    modifications = list(budget.modifications.all()) if budget else []
    records: list[Any] = [project, *([budget] if budget else []), *modifications, *commitments]
    _attach(user, records)
    for commitment in commitments:
        commitment.revised_total = commitment.original_total + commitment.approved_changes_total
    budget_lines = list(budget.lines.all()) if budget else []
    context = {
        "project": project,
        "budget": budget,
        "budget_lines": budget_lines,
        "budget_total": sum((line.original_amount for line in budget_lines), ZERO) if budget else None,
        "modifications": modifications,
        "commitments": commitments,
        "commitments_total": sum((c.revised_total for c in commitments), ZERO),
        "can_create_commitment": bool(
            permissions.check(user, Action.CREATE, object_type="commitment", project=project)
        ),
        "can_edit_budget": bool(
            permissions.check(user, Action.EDIT, budget)
            if budget
            else permissions.check(user, Action.CREATE, object_type="budget", project=project)
        ),
        "can_read_budget": bool(permissions.check(user, Action.VIEW, object_type="budget", project=project)),
    }
    return render(request, "projects/project_detail.html", context)


# --- commitments ---------------------------------------------------------------------------------------------


def _commitment_or_404(user: Any, pk: int) -> ps.Commitment:
    try:
        return selectors.commitment_page(user, pk)
    except ps.Commitment.DoesNotExist:
        raise Http404("No such commitment, or you cannot see it.") from None


@login_required
@require_GET
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A commitment's schedule of values, change orders, invoices and payments, each with its state."""
    user = request.user
    commitment = _commitment_or_404(user, pk)
    lines = list(commitment.lines.all())
    change_orders: list[Any] = list(selectors.change_orders_of_commitment(user, commitment))
    invoices: list[Any] = list(selectors.invoices_of_commitment(user, commitment))
    _attach(user, [commitment, *change_orders, *invoices])
    approved = ps.CommitmentChangeOrder.Status.APPROVED
    original = sum((line.amount for line in lines), ZERO)
    approved_changes = ZERO
    for change_order in change_orders:
        change_order.total = sum((line.amount for line in change_order.lines.all()), ZERO)
        if change_order.status == approved:
            approved_changes += change_order.total
    billed = ZERO
    for invoice in invoices:
        invoice.sums = _invoice_sums(list(invoice.lines.all()))
        if invoice.status != ps.SubcontractorInvoice.Status.VOID:
            billed += invoice.sums["completed_and_stored"]
    payments = list(commitment.payments.all())
    context = {
        "commitment": commitment,
        "project": commitment.project,
        "lines": lines,
        "change_orders": change_orders,
        "invoices": invoices,
        "payments": payments,
        "original": original,
        "approved_changes": approved_changes,
        "revised": original + approved_changes,
        "billed": billed,
        "paid": sum((payment.amount for payment in payments if not payment.is_void), ZERO),
        "can_edit": bool(permissions.check(user, Action.EDIT, commitment)),
        "can_create_change_order": bool(
            permissions.check(user, Action.CREATE, object_type="change_order", project=commitment.project)
        ),
        "can_create_invoice": bool(
            permissions.check(user, Action.CREATE, object_type="subcontractor_invoice", project=commitment.project)
        ),
    }
    return render(request, "projects/commitment_detail.html", context)


def _invoice_sums(lines: list[ps.SubcontractorInvoiceLine]) -> dict[str, Any]:
    work = sum((line.work_completed_this_period for line in lines), ZERO)
    materials = sum((line.materials_stored for line in lines), ZERO)
    held = sum((line.retainage_held for line in lines), ZERO)
    released = sum((line.retainage_released for line in lines), ZERO)
    return {
        "completed_and_stored": work + materials,
        "retainage_held": held,
        "retainage_released": released,
        "amount_due": work + materials - held + released,
    }


# --- the forms: a header and its lines, saved through one service ---------------------------------------------


@dataclass
class RecordFormPage:
    """What one create-or-edit page needs: the record type, its parent, the header form and the lines."""

    title: str
    model: type[Model]
    header_class: type[forms.ModelForm]
    line_class: type[pf.LineForm]
    choices: dict[str, pf.Choices]
    initial_lines: list[dict[str, Any]]
    parent_fields: dict[str, Any]
    cancel_url: str
    cancel_label: str
    instance: Model | None = None
    notice: str = ""


def _cost_choices() -> dict[str, pf.Choices]:
    return {
        "cost_code": pf.Choices(
            ps.CostCode.objects.filter(is_active=True).order_by("code"), label=lambda c: f"{c.code} {c.description}"
        ),
        "cost_type": pf.Choices(ps.CostType.objects.filter(is_active=True)),
    }


def _lock_notice(record: Model | None) -> str:
    if record is None:
        return ""
    item = erp_selectors.items_for_records([record]).get((type(record), record.pk))
    if item is not None and is_locked(item.state):
        state = item.get_state_display().lower()
        return (
            f"This record is {state}: the fields QuickBooks will receive, and its lines, cannot change until it "
            "is retrieved or rejected."
        )
    return ""


def _record_form(request: HttpRequest, page: RecordFormPage) -> HttpResponse:
    user = request.user
    slug = exportable_type_of(page.instance).slug if page.instance else services.OBJECT_TYPES[page.model]
    if page.instance is None:
        project = services.project_of_new(page.model, page.parent_fields)
        permissions.require(user, Action.CREATE, object_type=slug, project=project)
    else:
        permissions.require(user, Action.EDIT, page.instance, object_type=slug)
    formset_class = pf.line_formset(page.line_class, extra=1 if page.initial_lines else 3)
    data = request.POST if request.method == "POST" else None
    header = page.header_class(data, instance=copy.copy(page.instance) if page.instance else None)
    lines = formset_class(data, prefix="lines", initial=page.initial_lines, form_kwargs={"choices": page.choices})
    line_errors: list[str] = []
    if request.method == "POST" and header.is_valid() and lines.is_valid():
        fields = {**page.parent_fields, **header.cleaned_data} if page.instance is None else dict(header.cleaned_data)
        line_data = _lines_from(lines)
        try:
            record = services.save_record(user, page.model, fields, line_data, instance=page.instance)
        except ValidationError as exc:
            line_errors = _apply_errors(exc, header)
        except WorkflowError as exc:
            header.add_error(None, exc.message)
        else:
            verb = "saved" if page.instance else "created"
            messages.success(request, f"{EXPORTABLE_TYPES[slug].label} {record} {verb}.")
            return redirect(_next_url(request, _page_of(record)))
    block = erp_blocks(user, [page.instance])[(type(page.instance), page.instance.pk)] if page.instance else None
    context = {
        "page": page,
        "status": block,
        "header": header,
        "lines": lines,
        "line_errors": line_errors,
        "line_fields": [name for name in page.line_class.base_fields if name != "id"],
    }
    return render(request, "projects/record_form.html", context)


def _lines_from(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    lines = []
    for line_form in formset.forms:
        if not hasattr(line_form, "cleaned_data") or line_form.cleaned_data.get("DELETE"):
            continue
        if not line_form.has_changed() and not line_form.cleaned_data.get("id"):
            continue
        lines.append(line_form.line_data())
    if lines and "line_number" in lines[0]:
        used = {line["line_number"] for line in lines if line.get("line_number")}
        next_number = max(used, default=0)
        for line in lines:
            if not line.get("line_number"):
                next_number += 1
                line["line_number"] = next_number
    return lines


def _apply_errors(exc: ValidationError, header: forms.BaseForm) -> list[str]:
    """Put the service's validation errors next to the fields they name; line errors go above the lines."""
    line_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        header.add_error(None, exc.messages)
        return line_errors
    for name, errors in exc.message_dict.items():
        if name == "lines":
            line_errors.extend(errors)
        elif name in header.fields:
            header.add_error(name, errors)
        else:
            label = "" if name == NON_FIELD_ERRORS else f"{name.replace('_', ' ').capitalize()}: "
            header.add_error(None, [f"{label}{error}" for error in errors])
    return line_errors


def _page_of(record: Model) -> str:
    if isinstance(record, ps.Commitment):
        return reverse("projects:commitment", args=[record.pk])
    if isinstance(record, ps.CommitmentChangeOrder | ps.SubcontractorInvoice):
        return reverse("projects:commitment", args=[record.commitment_id])
    if isinstance(record, ps.Budget):
        return reverse("projects:detail", args=[record.project_id]) + "#budget"
    if isinstance(record, ps.BudgetModification):
        return reverse("projects:detail", args=[record.budget.project_id]) + "#budget"
    if isinstance(record, ps.Project):
        return reverse("projects:detail", args=[record.pk])
    return reverse("projects:list")


@login_required
@require_http_methods(["GET", "POST"])
def commitment_form(request: HttpRequest, project_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    if pk is not None:
        commitment = _commitment_or_404(user, pk)
        project = commitment.project
        initial = [
            {
                "id": line.pk,
                "line_number": line.line_number,
                "cost_code": line.cost_code_id,
                "cost_type": line.cost_type_id,
                "description": line.description,
                "amount": line.amount,
            }
            for line in commitment.lines.all()
        ]
    else:
        project = _project_or_404(user, project_pk or 0)
        commitment, initial = None, []
    page = RecordFormPage(
        title=f"Edit commitment {commitment}" if commitment else f"New commitment on {project}",
        model=ps.Commitment,
        header_class=pf.CommitmentForm,
        line_class=pf.CommitmentLineForm,
        choices=_cost_choices(),
        initial_lines=initial,
        parent_fields={"project": project},
        cancel_url=reverse("projects:commitment", args=[commitment.pk])
        if commitment
        else reverse("projects:detail", args=[project.pk]),
        cancel_label=commitment.number if commitment else str(project),
        instance=commitment,
        notice=_lock_notice(commitment),
    )
    return _record_form(request, page)


def _change_order_or_404(user: Any, pk: int) -> ps.CommitmentChangeOrder:
    try:
        return selectors.records_for(user, ps.CommitmentChangeOrder).prefetch_related(None).get(pk=pk)
    except ps.CommitmentChangeOrder.DoesNotExist:
        raise Http404("No such change order, or you cannot see it.") from None


@login_required
@require_http_methods(["GET", "POST"])
def change_order_form(request: HttpRequest, commitment_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    change_order = _change_order_or_404(user, pk) if pk is not None else None
    commitment = change_order.commitment if change_order else _commitment_or_404(user, commitment_pk or 0)
    initial = [
        {
            "id": line.pk,
            "commitment_line": line.commitment_line_id,
            "cost_code": line.cost_code_id,
            "cost_type": line.cost_type_id,
            "description": line.description,
            "amount": line.amount,
        }
        for line in (change_order.lines.all() if change_order else [])
    ]
    choices = _cost_choices()
    choices["commitment_line"] = pf.Choices(
        commitment.lines.select_related("cost_code"),
        label=lambda line: f"{line.line_number}. {line.cost_code.code} {line.description}",
        blank="— new line —",
    )
    page = RecordFormPage(
        title=f"Edit {change_order} on {commitment.number}" if change_order else f"New change order on {commitment}",
        model=ps.CommitmentChangeOrder,
        header_class=pf.ChangeOrderForm,
        line_class=pf.ChangeOrderLineForm,
        choices=choices,
        initial_lines=initial,
        parent_fields={"commitment": commitment},
        cancel_url=reverse("projects:commitment", args=[commitment.pk]),
        cancel_label=commitment.number,
        instance=change_order,
        notice=_lock_notice(change_order),
    )
    return _record_form(request, page)


def _invoice_or_404(user: Any, pk: int) -> ps.SubcontractorInvoice:
    try:
        return selectors.records_for(user, ps.SubcontractorInvoice).prefetch_related(None).get(pk=pk)
    except ps.SubcontractorInvoice.DoesNotExist:
        raise Http404("No such invoice, or you cannot see it.") from None


@login_required
@require_http_methods(["GET", "POST"])
def invoice_form(request: HttpRequest, commitment_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    invoice = _invoice_or_404(user, pk) if pk is not None else None
    commitment = invoice.commitment if invoice else _commitment_or_404(user, commitment_pk or 0)
    initial = [pf.InvoiceLineForm.initial_for(line) for line in (invoice.lines.all() if invoice else [])]
    page = RecordFormPage(
        title=f"Edit {invoice}" if invoice else f"New invoice on {commitment}",
        model=ps.SubcontractorInvoice,
        header_class=pf.InvoiceForm,
        line_class=pf.InvoiceLineForm,
        choices={"target": pf.invoice_targets(commitment)},
        initial_lines=initial,
        parent_fields={"commitment": commitment},
        cancel_url=reverse("projects:commitment", args=[commitment.pk]),
        cancel_label=commitment.number,
        instance=invoice,
        notice=_lock_notice(invoice),
    )
    return _record_form(request, page)


@login_required
@require_http_methods(["GET", "POST"])
def budget_form(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request.user
    project = _project_or_404(user, project_pk)
    budget = selectors.budget_of_project(user, project)
    initial = [
        {
            "id": line.pk,
            "cost_code": line.cost_code_id,
            "cost_type": line.cost_type_id,
            "description": line.description,
            "original_amount": line.original_amount,
        }
        for line in (budget.lines.all() if budget else [])
    ]
    page = RecordFormPage(
        title=f"Edit the budget of {project}" if budget else f"New budget for {project}",
        model=ps.Budget,
        header_class=pf.BudgetForm,
        line_class=pf.BudgetLineForm,
        choices=_cost_choices(),
        initial_lines=initial,
        parent_fields={"project": project},
        cancel_url=reverse("projects:detail", args=[project.pk]) + "#budget",
        cancel_label=str(project),
        instance=budget,
        notice=_lock_notice(budget),
    )
    return _record_form(request, page)


# --- the workflow steps of the project side -------------------------------------------------------------------


@login_required
@require_POST
def record_step(request: HtmxHttpRequest, slug: str, pk: int, step: str) -> HttpResponse:
    """Send, retrieve, resend or unlink one record. In place under htmx; otherwise back where it was."""
    spec = EXPORTABLE_TYPES.get(slug)
    if spec is None or step not in PROJECT_SIDE_STEPS:
        raise Http404("No such step.")
    try:
        record = selectors.records_for(request.user, spec.model).prefetch_related(None).get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404("No such record, or you cannot see it.") from None
    try:
        if step == "send":
            erp.item_send(record, request.user)
        elif step == "retrieve":
            erp.item_retrieve(record, request.user)
        elif step == "resend":
            erp.item_resend(record, request.user)
        else:
            erp.item_unlink(record, request.user, request.POST.get("reason", "")[:2000])
    except WorkflowError as exc:
        messages.error(request, workflow_error_message(exc))
    else:
        messages.success(request, _step_message(step, spec.describe(record), record))
    if request.htmx:
        block = erp_blocks(request.user, [record])[(type(record), record.pk)]
        return render(
            request,
            "projects/_erp_step_response.html",
            {"status": block, "next": _next_url(request, _page_of(record))},
        )
    return redirect(_next_url(request, _page_of(record)))


def _step_message(step: str, label: str, record: Model) -> str:
    item = erp_selectors.items_for_records([record]).get((type(record), record.pk))
    if step in ("send", "resend"):
        if item is not None and item.state == ErpState.QUEUED:
            return f"{label} sent and accepted at once (direct export): it is queued for QuickBooks."
        return f"{label} sent to accounting for acceptance."
    if step == "retrieve":
        return f"{label} retrieved: it is a draft again and can be edited."
    return f"{label} is no longer linked to QuickBooks."
