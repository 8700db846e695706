"""The project pages: projects, their budget (with its modifications) and commitments (with change orders and
invoices), the forms that create and edit them, and the page that confirms a deletion.

Thin: reads go through selectors, writes through services, and the one permission gate decides what is
offered. What accounting holds of each record is shown by the templates (the acceptance workflow's
`accounting_status` tag); what a save may not change is asked of the service (`services.edit_lock`) and shown
read-only; a refusal is a message; a missing permission is a 403 page that names it.
"""

from __future__ import annotations

import copy
import csv
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import permissions
from access.permissions import Action, Person, signed_in
from procore_sync import forms as pf
from procore_sync import models as ps
from procore_sync import selectors, services
from procore_sync.errors import DomainError
from procore_sync.money import ZERO
from procore_sync.records import RECORD_TYPES, record_type_of
from procore_sync.templatetags.ui import humanize_key


class _Echo:
    """A file-like that hands back what the csv writer writes, so each row is sent as it is made."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """A list as a CSV download, streamed: the header, then one row each as the rows are read, so a list of
    any length costs the memory of one row."""
    writer = csv.writer(_Echo())
    lines = itertools.chain([writer.writerow(header)], (writer.writerow(row) for row in rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(filename: str, document: bytes) -> HttpResponse:
    """A PDF to show in the browser (and to save under `filename`)."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def next_url(request: HttpRequest, fallback: str) -> str:
    """Where to go back to: the page named in `next` when it is one of ours, else `fallback`."""
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
    context = {
        "page": page,
        "projects": projects,
        "search": search,
        "can_create_project": bool(permissions.check(request.user, Action.CREATE, object_type="project")),
    }
    return render(request, "projects/project_list.html", context)


def _project_or_404(user: Person, pk: int) -> ps.Project:
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
    for commitment in commitments:
        commitment.revised_total = commitment.original_total + commitment.approved_changes_total
    budget_lines = list(budget.lines.all()) if budget else []
    context = {
        "project": project,
        "sub_jobs": selectors.sub_jobs_of_project(user, project),
        # The accounting status the sub jobs list is narrowed to ("" for all); the template reads the states.
        "sub_jobs_status": request.GET.get("sub_jobs", "")[:20],
        "can_create_sub_job": bool(permissions.check(user, Action.CREATE, object_type="sub_job", project=project)),
        "can_edit_sub_jobs": bool(permissions.check(user, Action.EDIT, object_type="sub_job", project=project)),
        "can_delete_sub_jobs": bool(permissions.check(user, Action.DELETE, object_type="sub_job", project=project)),
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
        "can_delete_budget": bool(budget and permissions.check(user, Action.DELETE, budget)),
        "can_create_modification": bool(
            budget and permissions.check(user, Action.CREATE, object_type="budget_modification", project=project)
        ),
        "can_edit_modifications": bool(
            permissions.check(user, Action.EDIT, object_type="budget_modification", project=project)
        ),
        "can_delete_modifications": bool(
            permissions.check(user, Action.DELETE, object_type="budget_modification", project=project)
        ),
        "can_edit_project": bool(permissions.check(user, Action.EDIT, project)),
        "can_delete_project": bool(permissions.check(user, Action.DELETE, project)),
    }
    return render(request, "projects/project_detail.html", context)


# --- commitments ---------------------------------------------------------------------------------------------


def _commitment_or_404(user: Person, pk: int) -> ps.Commitment:
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
    approved = ps.CommitmentChangeOrder.Status.APPROVED
    original = sum((line.amount for line in lines), ZERO)
    approved_changes = ZERO
    for change_order in change_orders:
        change_order.total = sum((line.amount for line in change_order.lines.all()), ZERO)
        if change_order.status == approved:
            approved_changes += change_order.total
    payments = list(commitment.payments.all())
    payments_of: dict[int | None, list[ps.BillPayment]] = {}
    for payment in payments:
        payments_of.setdefault(payment.invoice_id, []).append(payment)
    billed = ZERO
    for invoice in invoices:
        invoice.sums = _invoice_sums(list(invoice.lines.all()))
        invoice.paid = selectors.paid_status(invoice.sums["amount_due"], payments_of.get(invoice.pk, []))
        if invoice.status != ps.SubcontractorInvoice.Status.VOID:
            billed += invoice.sums["completed_and_stored"]
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
        "paid": selectors.paid_to_date(payments),
        "can_edit": bool(permissions.check(user, Action.EDIT, commitment)),
        "can_delete": bool(permissions.check(user, Action.DELETE, commitment)),
        "can_create_change_order": bool(
            permissions.check(user, Action.CREATE, object_type="change_order", project=commitment.project)
        ),
        "can_create_invoice": bool(
            permissions.check(user, Action.CREATE, object_type="subcontractor_invoice", project=commitment.project)
        ),
    }
    return render(request, "projects/commitment_detail.html", context)


PAYMENT_CSV_HEADER = [
    "Date",
    "Method",
    "Check number",
    "Invoice",
    "Amount applied",
    "Whole payment",
    "Void",
    "Memo",
    "QuickBooks payment TxnID",
    "QuickBooks bill TxnID",
]


@login_required
@require_GET
def commitment_payments_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The payments of a commitment's invoices read back from QuickBooks, as on its page, as CSV."""
    commitment = _commitment_or_404(request.user, pk)
    rows = (
        [
            payment.txn_date.isoformat(),
            payment.get_method_display(),
            payment.ref_number,
            payment.invoice.number if payment.invoice else "",
            f"{payment.amount:.2f}",
            f"{payment.payment_total:.2f}",
            "yes" if payment.is_void else "",
            payment.memo,
            payment.qb_txn_id,
            payment.bill_txn_id,
        ]
        for payment in selectors.payments_of_commitment(commitment)
    )
    return csv_response(f"payments-{slugify(commitment.number) or commitment.pk}.csv", PAYMENT_CSV_HEADER, rows)


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
    line_class: type[pf.LineForm] | None  # None for a record without lines (a sub job)
    choices: dict[str, pf.Choices]
    initial_lines: list[dict[str, Any]]
    parent_fields: dict[str, Any]
    cancel_url: str
    cancel_label: str
    instance: Model | None = None
    # What the header form is made with beyond its data and instance (the project whose sub jobs it offers).
    header_kwargs: dict[str, Any] = field(default_factory=dict)
    # Data attributes of the form for the page's script (the commitment's retainage percentage), and the
    # scripts (paths under static/) the page loads.
    form_data: dict[str, str] = field(default_factory=dict)
    scripts: tuple[str, ...] = ()
    # A sentence above the lines about how they are filled.
    lines_help: str = ""


# The note a control that cannot change points at.
LOCKED_NOTE_ID = "locked-note"


def _cost_choices() -> dict[str, pf.Choices]:
    return {
        "cost_code": pf.Choices(
            ps.CostCode.objects.filter(is_active=True).order_by("code"), label=lambda c: f"{c.code} {c.description}"
        ),
        # Left empty, a line takes its cost code's default cost type (`services.save_record`).
        "cost_type": pf.Choices(ps.CostType.objects.filter(is_active=True), blank="Code's default"),
    }


def record_name(record: Model) -> str:
    """How a message names a record: its type and itself ("Commitment SC-001 Drywall"), or itself alone when it
    already says what it is: it starts with its type ("Budget of P-1 Tower") or with the type's noun and its
    number ("Invoice INV-7 (SC-001)" of a subcontractor invoice)."""
    label = record_type_of(record).label
    name = str(record)
    said = name.lower()
    number = getattr(record, "number", None)
    if said.startswith(f"{label.lower()} ") or (
        number is not None and said.startswith(f"{label.split()[-1]} {number}".lower())
    ):
        return name
    return f"{label} {name}"


# The hidden input that lists what the page showed read-only ("lines" for its lines), so that a save keeps exactly
# those as they are: a disabled control posts nothing.
READ_ONLY_FIELD = "read_only"


def initial_lines(record: Model | None) -> list[dict[str, Any]]:
    """A record's lines as its form's formset starts them: each line's id and the fields its record type
    writes (`records.LineSpec`), a related record by its id; none for a record not made yet."""
    if record is None:
        return []
    spec = record_type_of(record).lines
    assert spec is not None, "a record type with lines"
    columns = {name: getattr(spec.model._meta.get_field(name), "attname") for name in spec.fields}  # noqa: B009
    return [
        {"id": line.pk, **{name: getattr(line, column) for name, column in columns.items()}}
        for line in spec.model._default_manager.filter(**{spec.parent_field: record})
    ]


def _record_form(request: HttpRequest, page: RecordFormPage) -> HttpResponse:
    user = request.user
    record_type = record_type_of(page.model)
    if page.instance is None:
        project = record_type.project_of_new(page.parent_fields)
        permissions.require(user, Action.CREATE, object_type=record_type.slug, project=project)
    else:
        permissions.require(user, Action.EDIT, page.instance)
    posted = request.method == "POST"
    data = request.POST if posted else None
    header = page.header_class(data, instance=copy.copy(page.instance) if page.instance else None, **page.header_kwargs)
    # What accounting holds is shown as it is (the service's own rule says what that is); the rest still saves.
    lock = (
        services.edit_lock(page.instance, header.fields, with_lines=page.line_class is not None)
        if page.instance is not None
        else services.EditLock()
    )
    # A save keeps what its page showed read-only. A field locked since the page was shown was posted as the
    # person left it: the service takes it, and refuses it, with why, if it changed.
    if posted and page.instance is not None:
        shown = set(request.POST.get(READ_ONLY_FIELD, "").split(",")) - {""}
        read_only, lines_read_only = shown & set(header.fields), "lines" in shown
    else:
        read_only, lines_read_only = set(lock.fields), lock.lines
    pf.make_read_only(header, read_only, LOCKED_NOTE_ID)
    lines = None
    if page.line_class is not None:
        extra = 0 if lines_read_only else 1 if page.initial_lines else 3
        formset_class = pf.line_formset(page.line_class, extra=extra)
        lines = formset_class(data, prefix="lines", initial=page.initial_lines, form_kwargs={"choices": page.choices})
        if lines_read_only:
            _make_lines_read_only(lines)
    line_errors: list[str] = []
    if posted and header.is_valid() and (lines is None or lines_read_only or lines.is_valid()):
        fields = {**page.parent_fields, **header.cleaned_data} if page.instance is None else dict(header.cleaned_data)
        # Lines shown read-only are left as they are: not sent, so not compared.
        line_data = _lines_from(lines) if lines is not None and not lines_read_only else None
        try:
            record = services.save_record(signed_in(user), page.model, fields, line_data, instance=page.instance)
        except ValidationError as exc:
            line_errors = _apply_errors(exc, header)
        except DomainError as exc:
            header.add_error(None, exc.message)
        else:
            verb = "saved" if page.instance else "created"
            messages.success(request, f"{record_name(record)} {verb}.")
            return redirect(next_url(request, page_of(record)))
    if posted:
        # Shown again: what is locked now cannot be changed from this page either.
        pf.make_read_only(header, lock.fields, LOCKED_NOTE_ID)
        if lines is not None and lock.lines and not lines_read_only:
            _make_lines_read_only(lines)
            lines_read_only = True
    shown_read_only = sorted(name for name, control in header.fields.items() if control.disabled)
    editable = len(shown_read_only) < len(header.fields) or (lines is not None and not lines_read_only)
    context = {
        "page": page,
        "header": header,
        "lines": lines,
        "line_errors": line_errors,
        "line_fields": [name for name in page.line_class.base_fields if name != "id"] if page.line_class else [],
        "lock": lock,
        "read_only": ",".join([*shown_read_only, *(["lines"] if lines_read_only else [])]),
        "read_only_field": READ_ONLY_FIELD,
        "lines_read_only": lines_read_only,
        "locked_note_id": LOCKED_NOTE_ID,
        "editable": editable,
        "can_delete": page.instance is not None and bool(permissions.check(user, Action.DELETE, page.instance)),
        "delete_url": _delete_url(page.instance) if page.instance is not None else "",
    }
    return render(request, "projects/record_form.html", context)


def _make_lines_read_only(formset: forms.BaseFormSet) -> None:
    for line_form in formset.forms:
        pf.make_read_only(line_form, line_form.fields, LOCKED_NOTE_ID)


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
            label = "" if name == NON_FIELD_ERRORS else f"{humanize_key(name)}: "
            header.add_error(None, [f"{label}{error}" for error in errors])
    return line_errors


def page_of(record: Model) -> str:
    """The page that shows `record`."""
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
    if isinstance(record, ps.SubJob):
        return reverse("projects:detail", args=[record.project_id]) + "#sub-jobs"
    if isinstance(record, ps.Company | ps.CostCode | ps.CostType | ps.Employee):
        return reverse(f"directory:{record_type_of(record).slug}-detail", args=[record.pk])
    if isinstance(record, ps.PrimeContract):
        return reverse("owner:prime-contract", args=[record.project_id])
    if isinstance(record, ps.PrimeContractChangeOrder):
        return reverse("owner:prime-contract", args=[record.prime_contract.project_id]) + "#change-orders"
    if isinstance(record, ps.OwnerInvoice):
        return reverse("owner:prime-contract", args=[record.prime_contract.project_id]) + "#invoices"
    if isinstance(record, ps.TimeEntry):
        return f"{reverse('payroll:timesheet', args=[record.project_id])}?week={record.date.isoformat()}"
    return reverse("projects:list")


@login_required
@require_http_methods(["GET", "POST"])
def commitment_form(request: HttpRequest, project_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    if pk is not None:
        commitment = _commitment_or_404(user, pk)
        project = commitment.project
        initial = initial_lines(commitment)
    else:
        project = _project_or_404(user, project_pk or 0)
        commitment, initial = None, []
    page = RecordFormPage(
        title=f"Edit commitment {commitment}" if commitment else f"New commitment on {project}",
        model=ps.Commitment,
        header_class=pf.CommitmentForm,
        line_class=pf.CommitmentLineForm,
        choices={**_cost_choices(), "sub_job": pf.sub_job_choices(project)},
        initial_lines=initial,
        parent_fields={"project": project},
        cancel_url=reverse("projects:commitment", args=[commitment.pk])
        if commitment
        else reverse("projects:detail", args=[project.pk]),
        cancel_label=commitment.number if commitment else str(project),
        instance=commitment,
    )
    return _record_form(request, page)


def _change_order_or_404(user: Person, pk: int) -> ps.CommitmentChangeOrder:
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
    initial = initial_lines(change_order)
    choices = {**_cost_choices(), "sub_job": pf.sub_job_choices(commitment.project)}
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
    )
    return _record_form(request, page)


def _invoice_or_404(user: Person, pk: int) -> ps.SubcontractorInvoice:
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
        form_data={"retention-percent": f"{commitment.default_retainage_percent:.2f}"},
        scripts=("js/retention.js",),
        lines_help=(
            f"Retainage held is {commitment.default_retainage_percent:.2f} % (the commitment's) of the work and"
            " materials of a line, filled in as they are typed or when left empty; type over it to hold another amount."
        ),
    )
    return _record_form(request, page)


@login_required
@require_http_methods(["GET", "POST"])
def budget_form(request: HttpRequest, project_pk: int) -> HttpResponse:
    user = request.user
    project = _project_or_404(user, project_pk)
    budget = selectors.budget_of_project(user, project)
    initial = initial_lines(budget)
    page = RecordFormPage(
        title=f"Edit the budget of {project}" if budget else f"New budget for {project}",
        model=ps.Budget,
        header_class=pf.BudgetForm,
        line_class=pf.BudgetLineForm,
        choices={**_cost_choices(), "sub_job": pf.sub_job_choices(project)},
        initial_lines=initial,
        parent_fields={"project": project},
        cancel_url=reverse("projects:detail", args=[project.pk]) + "#budget",
        cancel_label=str(project),
        instance=budget,
    )
    return _record_form(request, page)


# --- sub jobs -----------------------------------------------------------------------------------------------------


def _sub_job_or_404(user: Person, pk: int) -> ps.SubJob:
    try:
        return selectors.records_for(user, ps.SubJob).get(pk=pk)
    except ps.SubJob.DoesNotExist:
        raise Http404("No such sub job, or you cannot see it.") from None


@login_required
@require_http_methods(["GET", "POST"])
def sub_job_form(request: HttpRequest, project_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    user = request.user
    sub_job = _sub_job_or_404(user, pk) if pk is not None else None
    project = sub_job.project if sub_job else _project_or_404(user, project_pk or 0)
    page = RecordFormPage(
        title=f"Edit sub job {sub_job.path}" if sub_job else f"New sub job of {project}",
        model=ps.SubJob,
        header_class=pf.SubJobForm,
        line_class=None,
        choices={},
        initial_lines=[],
        parent_fields={"project": project},
        cancel_url=reverse("projects:detail", args=[project.pk]) + "#sub-jobs",
        cancel_label=str(project),
        instance=sub_job,
        header_kwargs={"project": project},
    )
    return _record_form(request, page)


@login_required
@require_POST
def sub_job_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a sub job nothing names, that accounting does not hold (the service says why not, else)."""
    sub_job = _sub_job_or_404(request.user, pk)
    back = next_url(request, page_of(sub_job))
    try:
        services.delete_record(signed_in(request.user), sub_job)
    except ValidationError as exc:
        messages.error(request, f"Sub job {sub_job.path} was not deleted: {' '.join(exc.messages)}")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Sub job {sub_job.path} deleted.")
    return redirect(back)


# --- projects: create, edit ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    project = _project_or_404(request.user, pk) if pk is not None else None
    page = RecordFormPage(
        title=f"Edit project {project}" if project else "New project",
        model=ps.Project,
        header_class=pf.ProjectForm,
        line_class=None,
        choices={},
        initial_lines=[],
        parent_fields={},
        cancel_url=reverse("projects:detail", args=[project.pk]) if project else reverse("projects:list"),
        cancel_label=str(project) if project else "Projects",
        instance=project,
    )
    return _record_form(request, page)


# --- budget modifications -----------------------------------------------------------------------------------------


def _budget_modification_or_404(user: Person, pk: int) -> ps.BudgetModification:
    try:
        return selectors.records_for(user, ps.BudgetModification).prefetch_related(None).get(pk=pk)
    except ps.BudgetModification.DoesNotExist:
        raise Http404("No such budget modification, or you cannot see it.") from None


@login_required
@require_http_methods(["GET", "POST"])
def budget_modification_form(
    request: HttpRequest, project_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    """A transfer between the lines of a project's budget: the lines it moves money between net to zero."""
    user = request.user
    modification = _budget_modification_or_404(user, pk) if pk is not None else None
    if modification is not None:
        budget = modification.budget
        project = budget.project
    else:
        project = _project_or_404(user, project_pk or 0)
        found = selectors.budget_of_project(user, project)
        if found is None:
            messages.error(request, f"{project} has no budget yet: create the budget, then modify it.")
            return redirect(reverse("projects:detail", args=[project.pk]) + "#budget")
        budget = found
    initial = initial_lines(modification)
    numbers = [m.number for m in budget.modifications.all()]
    page = RecordFormPage(
        title=f"Edit {modification}" if modification else f"New budget modification on {project}",
        model=ps.BudgetModification,
        header_class=pf.BudgetModificationForm,
        line_class=pf.BudgetModificationLineForm,
        choices={"budget_line": pf.budget_line_choices(budget)},
        initial_lines=initial,
        parent_fields={"budget": budget},
        cancel_url=reverse("projects:detail", args=[project.pk]) + "#budget",
        cancel_label=str(project),
        instance=modification,
        header_kwargs={} if modification else {"initial": {"number": max(numbers, default=0) + 1}},
    )
    return _record_form(request, page)


# --- deleting a record --------------------------------------------------------------------------------------------

# The record types deleted from these pages (a sub job has its own, in its list).
DELETABLE_TYPES = (
    "project",
    "budget",
    "budget_modification",
    "commitment",
    "change_order",
    "subcontractor_invoice",
    "prime_contract",
    "prime_change_order",
    "owner_invoice",
    "company",
    "cost_code",
    "cost_type",
)


def _delete_url(record: Model) -> str:
    slug = record_type_of(record).slug
    return reverse("projects:delete", args=[slug, record.pk]) if slug in DELETABLE_TYPES else ""


def _page_after_delete(record: Model) -> str:
    """Where a deleted record's reader goes: the page that listed it."""
    if isinstance(record, ps.Project):
        return reverse("projects:list")
    if isinstance(record, ps.Commitment):
        return reverse("projects:detail", args=[record.project_id]) + "#commitments"
    if isinstance(record, ps.PrimeContract):
        return reverse("projects:detail", args=[record.project_id])
    if isinstance(record, ps.Company | ps.CostCode | ps.CostType):
        return reverse(f"directory:{record_type_of(record).slug}-list")
    return page_of(record)


def _deletable_or_404(user: Person, object_type: str, pk: int) -> Model:
    if object_type not in DELETABLE_TYPES:
        raise Http404("No such kind of record.")
    if not RECORD_TYPES[object_type].project_path:
        # A company-wide list hides nothing by project: who may not read it is told what it needs.
        permissions.require(user, Action.VIEW, object_type=object_type)
    model = RECORD_TYPES[object_type].model
    try:
        return selectors.records_for(user, model).prefetch_related(None).get(pk=pk)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404("No such record, or you cannot see it.") from None


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    """Asks first (this page), then deletes through the service, which refuses what accounting holds or what
    other records name, and says why."""
    user = request.user
    record = _deletable_or_404(user, object_type, pk)
    permissions.require(user, Action.DELETE, record)
    name = record_name(record)
    back = next_url(request, page_of(record))
    if request.method == "POST":
        after = _page_after_delete(record)
        try:
            services.delete_record(signed_in(user), record)
        except ValidationError as exc:
            messages.error(request, f"{name} was not deleted: {' '.join(exc.messages)}")
        except DomainError as exc:
            messages.error(request, f"{name} was not deleted: {exc.message}")
        else:
            messages.success(request, f"{name} deleted.")
            return redirect(after)
        return redirect(back)
    spec = record_type_of(record).lines
    line_count = spec.model._default_manager.filter(**{spec.parent_field: record}).count() if spec else 0
    context = {
        "record": record,
        "name": name,
        "project": record_type_of(record).project_of(record),
        "line_count": line_count,
        "back": back,
    }
    return render(request, "projects/delete_confirm.html", context)
