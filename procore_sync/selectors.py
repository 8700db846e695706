"""Every read of project-side records that is more than a `get`: what a user may see, ready to list."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Model, OuterRef, QuerySet, TextChoices
from guardian.shortcuts import get_objects_for_user

from access.permissions import ERP, Person, access_for
from access.tools import GRANTABLE_LEVELS, PROJECT_TOOLS, Level, Tool, level_codename
from procore_sync import models as ps
from procore_sync.money import ZERO
from procore_sync.records import record_type_of


def visible_projects(user: Person, tool: Tool, level: Level = Level.READ_ONLY) -> QuerySet[ps.Project]:
    """The projects on which `user` holds at least `level` on `tool` (company-wide grants count for all)."""
    access = access_for(user)
    if not getattr(user, "is_authenticated", False):
        return ps.Project.objects.none()
    if access.level(tool) >= level:
        return ps.Project.objects.all()
    codenames = [level_codename(tool, lvl) for lvl in GRANTABLE_LEVELS if lvl >= level]
    return get_objects_for_user(
        user,
        [f"procore_sync.{c}" for c in codenames],
        klass=ps.Project,
        any_perm=True,
        accept_global_perms=False,
    )


def readable_projects(user: Person, tool: Tool) -> QuerySet[ps.Project]:
    """Projects whose `tool` records the user may read: ERP Integrations readers read every project."""
    if access_for(user).level(ERP) >= Level.READ_ONLY:
        return ps.Project.objects.all()
    return visible_projects(user, tool)


def has_any_project_level(user: Person, tool: Tool, level: Level) -> bool:
    """Whether the user holds `level` on `tool` company-wide or on at least one project."""
    if access_for(user).level(tool) >= level:
        return True
    return visible_projects(user, tool, level).exists()


def visible_any_tool_projects(user: Person) -> QuerySet[ps.Project]:
    """Projects on which the user holds any level on any project tool (or all, for ERP readers)."""
    access = access_for(user)
    if access.level(ERP) >= Level.READ_ONLY or any(access.level(tool) >= Level.READ_ONLY for tool in PROJECT_TOOLS):
        return ps.Project.objects.all()
    codenames = [f"procore_sync.{level_codename(tool, lvl)}" for tool in PROJECT_TOOLS for lvl in GRANTABLE_LEVELS]
    return get_objects_for_user(user, codenames, klass=ps.Project, any_perm=True, accept_global_perms=False)


def can_read_directory(user: Person) -> bool:
    access = access_for(user)
    return access.level(ERP) >= Level.READ_ONLY or has_any_project_level(user, Tool.DIRECTORY, Level.READ_ONLY)


def records_for(
    user: Person,
    model: type[Model],
    *,
    project: str | int | None = None,
    include_archived: bool = True,
) -> QuerySet:
    """The records of `model` that `user` may read, with what a list of them shows read along."""
    record_type = record_type_of(model)
    queryset: QuerySet = model._default_manager.all()
    path = record_type.project_path
    if model is ps.Project:
        queryset = queryset.filter(pk__in=visible_any_tool_projects(user).values("pk"))
    elif path:
        queryset = queryset.filter(**{f"{path}__in": readable_projects(user, record_type.tool)})
    elif model is ps.Company and not can_read_directory(user):
        queryset = queryset.none()
    if model is ps.Company and not include_archived:
        queryset = queryset.filter(is_archived=False)
    if project not in (None, "") and path:
        queryset = queryset.filter(**{path: _as_int(project)})
    if record_type.select_related:
        queryset = queryset.select_related(*record_type.select_related)
    if record_type.prefetch_related:
        queryset = queryset.prefetch_related(*record_type.prefetch_related)
    return queryset.order_by(*model._meta.ordering or ["pk"], "pk")


def _as_int(value: str | int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# --- reads of the browser pages -----------------------------------------------------------------------


def commitments_of_project(user: Person, project: ps.Project) -> QuerySet[ps.Commitment]:
    """The project's commitments the user may read, with their value and counts, in one query."""
    from django.db.models import Count, DecimalField, IntegerField, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    money = DecimalField(max_digits=15, decimal_places=2)
    original = (
        ps.CommitmentLine.objects.filter(commitment=OuterRef("pk"))
        .order_by()
        .values("commitment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    approved_changes = (
        ps.CommitmentChangeOrderLine.objects.filter(
            change_order__commitment=OuterRef("pk"),
            change_order__status=ps.CommitmentChangeOrder.Status.APPROVED,
        )
        .order_by()
        .values("change_order__commitment")
        .annotate(total=Sum("amount"))
        .values("total")
    )

    def count_of(model: type[Model]) -> Subquery:
        return Subquery(
            model._default_manager.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        )

    zero = Value(0, output_field=money)
    return (
        records_for(user, ps.Commitment, project=project.pk)
        .prefetch_related(None)
        .annotate(
            original_total=Coalesce(Subquery(original, output_field=money), zero),
            approved_changes_total=Coalesce(Subquery(approved_changes, output_field=money), zero),
            change_order_count=Coalesce(count_of(ps.CommitmentChangeOrder), Value(0)),
            invoice_count=Coalesce(count_of(ps.SubcontractorInvoice), Value(0)),
        )
    )


def sub_jobs_of_project(user: Person, project: ps.Project) -> list[ps.SubJob]:
    """The project's sub jobs the user may read, each under the one it is part of (by path)."""
    return sorted(records_for(user, ps.SubJob, project=project.pk), key=lambda sub_job: sub_job.path.lower())


def budget_of_project(user: Person, project: ps.Project) -> ps.Budget | None:
    """The project's budget with its lines and modifications, if the user may read it."""
    from django.db.models import Prefetch

    return (
        records_for(user, ps.Budget, project=project.pk)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ps.BudgetLineItem.objects.select_related("cost_code", "cost_type", "sub_job__parent__parent"),
            ),
            Prefetch(
                "modifications",
                queryset=ps.BudgetModification.objects.prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=ps.BudgetModificationLine.objects.select_related(
                            "budget_line__cost_code", "budget_line__cost_type"
                        ),
                    )
                ),
            ),
        )
        .first()
    )


def commitment_page(user: Person, pk: int) -> ps.Commitment:
    """A commitment the user may read, with its schedule of values (raises DoesNotExist otherwise)."""
    from django.db.models import Prefetch

    return (
        records_for(user, ps.Commitment)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ps.CommitmentLine.objects.select_related("cost_code", "cost_type", "sub_job__parent__parent"),
            ),
            Prefetch("payments", queryset=_newest_payments_first(ps.BillPayment.objects.select_related("invoice"))),
        )
        .get(pk=pk)
    )


def change_orders_of_commitment(user: Person, commitment: ps.Commitment) -> QuerySet[ps.CommitmentChangeOrder]:
    from django.db.models import Prefetch

    return (
        records_for(user, ps.CommitmentChangeOrder)
        .filter(commitment=commitment)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ps.CommitmentChangeOrderLine.objects.select_related(
                    "commitment_line__cost_code",
                    "commitment_line__cost_type",
                    "commitment_line__sub_job__parent__parent",
                    "cost_code",
                    "cost_type",
                    "sub_job__parent__parent",
                ),
            )
        )
    )


def invoices_of_commitment(user: Person, commitment: ps.Commitment) -> QuerySet[ps.SubcontractorInvoice]:
    return records_for(user, ps.SubcontractorInvoice).filter(commitment=commitment)


# --- what the accounting system paid of the invoices --------------------------------------------------


class PaidState(TextChoices):
    PAID = "paid", "Paid"
    PARTLY_PAID = "partly_paid", "Partly paid"
    UNPAID = "unpaid", "Unpaid"


@dataclass(frozen=True)
class PaidStatus:
    """What the accounting system paid of one invoice: in full (on the date of the payment that completed
    it), in part (with what is still open: the amount due less what was paid, never below zero), or not."""

    state: str
    amount_due: Decimal
    paid_amount: Decimal
    open_balance: Decimal
    paid_on: datetime.date | None

    @property
    def label(self) -> str:
        return str(PaidState(self.state).label)


def paid_status(amount_due: Decimal, payments: Iterable[ps.BillPayment]) -> PaidStatus:
    """The paid status of an invoice of `amount_due` from its payment rows (voided ones count nothing)."""
    paid, paid_on = ZERO, None
    for payment in sorted(payments, key=lambda row: (row.txn_date, row.pk or 0)):
        if payment.is_void or not payment.amount:
            continue
        paid += payment.amount
        if paid_on is None and paid >= amount_due:
            paid_on = payment.txn_date
    if paid <= 0:
        state = PaidState.UNPAID
    elif paid >= amount_due:
        state = PaidState.PAID
    else:
        state, paid_on = PaidState.PARTLY_PAID, None
    return PaidStatus(state, amount_due, paid, max(amount_due - paid, ZERO), paid_on)


def paid_to_date(payments: Iterable[ps.BillPayment]) -> Decimal:
    """What payment rows paid in all (a commitment's: what its invoices were paid); voided ones count nothing."""
    return sum((payment.amount for payment in payments if not payment.is_void), ZERO)


def amounts_due(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each invoice's amount due (completed and stored, less retainage held, plus retainage released), in
    one query."""
    from django.db.models import F, Sum

    ids = set(invoice_ids)
    if not ids:
        return {}
    sums = (
        ps.SubcontractorInvoiceLine.objects.filter(invoice_id__in=ids)
        .order_by()
        .values("invoice_id")
        .annotate(
            due=Sum(
                F("work_completed_this_period") + F("materials_stored") - F("retainage_held") + F("retainage_released")
            )
        )
    )
    found = {row["invoice_id"]: Decimal(row["due"] or 0).quantize(ZERO) for row in sums}
    return {pk: found.get(pk, ZERO) for pk in ids}


def paid_statuses(invoice_ids: Iterable[int], *, due: Mapping[int, Decimal] | None = None) -> dict[int, PaidStatus]:
    """The paid status of each invoice, in two queries (one when the amounts due are given)."""
    ids = set(invoice_ids)
    if not ids:
        return {}
    due = amounts_due(ids) if due is None else due
    rows: dict[int, list[ps.BillPayment]] = {pk: [] for pk in ids}
    for payment in ps.BillPayment.objects.filter(invoice_id__in=ids).only(
        "id", "invoice_id", "txn_date", "amount", "is_void"
    ):
        rows[payment.invoice_id].append(payment)  # type: ignore[index]
    return {pk: paid_status(due.get(pk, ZERO), rows[pk]) for pk in ids}


def _newest_payments_first(queryset: QuerySet[ps.BillPayment]) -> QuerySet[ps.BillPayment]:
    """Newest payment first; the rows of one payment (one per bill it paid) together."""
    return queryset.order_by("-txn_date", "-qb_txn_id", "id")


def payments_of_commitment(commitment: ps.Commitment) -> QuerySet[ps.BillPayment]:
    """The payment rows of a commitment, newest first, with the invoice each paid."""
    return _newest_payments_first(ps.BillPayment.objects.filter(commitment=commitment).select_related("invoice"))


def bill_payments_for(
    user: Person,
    *,
    project: str | int | None = None,
    commitment: str | int | None = None,
    invoice: str | int | None = None,
) -> QuerySet[ps.BillPayment]:
    """The payment rows the user may read (those of commitments they may read), newest first."""
    queryset = ps.BillPayment.objects.filter(
        commitment__project__in=readable_projects(user, record_type_of(ps.Commitment).tool)
    )
    for path, value in (("commitment__project", project), ("commitment", commitment), ("invoice", invoice)):
        if value not in (None, ""):
            queryset = queryset.filter(**{path: _as_int(value)})
    return _newest_payments_first(queryset.select_related("invoice"))
