"""Every read of project-side records that is more than a `get`: what a user may see, ready to list."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, OuterRef, Q, QuerySet, Sum, TextChoices
from guardian.shortcuts import get_objects_for_user

from access.permissions import ERP, Person, access_for
from access.tools import GRANTABLE_LEVELS, PROJECT_TOOLS, Level, Tool, level_codename
from procore_sync import models as ps
from procore_sync.money import ZERO, money
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


# --- job costs: what QuickBooks says a project cost -----------------------------------------------------


# A filter's value for "none": the rows with no cost code (expense and journal lines), no cost type, no sub job.
NO_VALUE = 0


@dataclass(frozen=True)
class JobCostFilters:
    """What a list of job cost rows is narrowed to. A cost code, cost type or sub job is an id, or NO_VALUE
    for the rows that have none; `vendor` and `search` match part of a name; the dates are inclusive."""

    cost_code: int | None = None
    cost_type: int | None = None
    sub_job: int | None = None
    vendor: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    # "direct": the transactions entered in QuickBooks; "invoices": the bills of our own synced invoices.
    source: str = ""
    # The unsyncable direct costs only: the project, a part of the names QuickBooks gave, why (a kind of
    # UNPLACED_REASONS).
    project: int | None = None
    search: str = ""
    reason: str = ""


_CODED = {"cost_code": "cost_code_id", "cost_type": "cost_type_id", "sub_job": "sub_job_id"}


def _by_code(rows: QuerySet[Any], filters: JobCostFilters) -> QuerySet[Any]:
    for name, column in _CODED.items():
        value = getattr(filters, name)
        if value == NO_VALUE:
            rows = rows.filter(**{f"{column}__isnull": True})
        elif value is not None:
            rows = rows.filter(**{column: value})
    return rows


def _filtered_costs(rows: QuerySet[ps.JobCostTransaction], filters: JobCostFilters) -> QuerySet[ps.JobCostTransaction]:
    from django.db.models import Q

    rows = _by_code(rows, filters)
    if filters.vendor:
        rows = rows.filter(vendor_name__icontains=filters.vendor)
    if filters.date_from is not None:
        rows = rows.filter(txn_date__gte=filters.date_from)
    if filters.date_to is not None:
        rows = rows.filter(txn_date__lte=filters.date_to)
    if filters.source:
        rows = rows.filter(from_synced_invoice=filters.source == "invoices")
    if filters.project is not None:
        rows = rows.filter(project_id=filters.project)
    if filters.reason:
        rows = rows.filter(unplaced_reason__startswith=UNPLACED_REASONS[filters.reason].prefix)
    if filters.search:
        rows = rows.filter(
            Q(customer_full_name__icontains=filters.search)
            | Q(item_full_name__icontains=filters.search)
            | Q(account_full_name__icontains=filters.search)
            | Q(memo__icontains=filters.search)
        )
    return rows


def job_costs_of_project(
    project: ps.Project, filters: JobCostFilters = JobCostFilters()
) -> QuerySet[ps.JobCostTransaction]:
    """The project's job cost rows placed on it (the bills of our invoices among them, marked), filtered,
    newest first, with their cost code, cost type and sub job read along."""
    rows = ps.JobCostTransaction.objects.filter(project=project, unplaced_reason="")
    return (
        _filtered_costs(rows, filters)
        .select_related("cost_code", "cost_type", "sub_job__parent__parent")
        .order_by("-txn_date", "-id")
    )


@dataclass
class JobCostRow:
    """What a project's cost code and cost type (and sub job) stand at: the budget (original and revised), what
    is committed, invoiced and paid of it here, and what QuickBooks holds as its cost. Also a cost code's,
    a project's or the company's total."""

    cost_code_id: int | None
    cost_type_id: int | None
    sub_job_id: int | None
    cost_code: str = ""
    description: str = ""
    cost_type: str = ""
    sub_job: str = ""
    original_budget: Decimal = ZERO
    budget: Decimal = ZERO  # revised: the original and the budget modifications
    committed: Decimal = ZERO  # commitments in force and their approved change orders
    billed: Decimal = ZERO  # the subcontractor invoices: work completed and materials stored
    paid: Decimal = ZERO  # what QuickBooks' bill payments paid of those invoices
    direct_cost: Decimal = ZERO  # entered in QuickBooks
    invoiced_cost: Decimal = ZERO  # the bills of our own synced invoices, as QuickBooks holds them
    lines: int = 0
    on_budget: bool = False  # a line of the budget

    @property
    def approved_changes(self) -> Decimal:
        return self.budget - self.original_budget

    @property
    def actual_cost(self) -> Decimal:
        return self.direct_cost + self.invoiced_cost

    @property
    def remaining(self) -> Decimal:
        """The revised budget less the actual cost: negative when over budget."""
        return self.budget - self.actual_cost

    @property
    def unbilled(self) -> Decimal:
        """What is committed and not yet invoiced."""
        return self.committed - self.billed

    @property
    def percent_used(self) -> int | None:
        return round(self.actual_cost * 100 / self.budget) if self.budget > 0 else None


@dataclass
class JobCostGroup(JobCostRow):
    """The costs of one cost code over its cost types and sub jobs."""

    rows: list[JobCostRow] | None = None


@dataclass
class JobCostSummary:
    rows: list[JobCostRow]
    cost_codes: list[JobCostGroup]
    total: JobCostRow
    has_budget: bool


_SUMS = ("original_budget", "budget", "committed", "billed", "paid", "direct_cost", "invoiced_cost", "lines")
# What a row of the report is keyed on, and each source's path to it.
_KEYS = ("project", "cost_code", "cost_type", "sub_job")
# A commitment commits its value while in force: signed (approved), complete, or terminated (what was done
# until then stays owed; deductive change orders take off the rest).
COMMITTED_STATUSES = (ps.Commitment.Status.APPROVED, ps.Commitment.Status.COMPLETE, ps.Commitment.Status.TERMINATED)
# An invoice counts as invoiced once it is submitted: under review or approved, never a draft nor void.
BILLED_STATUSES = (ps.SubcontractorInvoice.Status.UNDER_REVIEW, ps.SubcontractorInvoice.Status.APPROVED)


def _add(into: JobCostRow, row: JobCostRow) -> None:
    for name in _SUMS:
        setattr(into, name, getattr(into, name) + getattr(row, name))


@dataclass(frozen=True)
class _Source:
    """One kind of record the report sums: where its lines are, their key (a path or an expression per key),
    their amount, and the paths the vendor and the dates narrow."""

    name: str
    queryset: Any
    keys: dict[str, Any]
    amount: Any
    vendor: str = ""
    date: str = ""


def _invoice_line_key(field: str) -> Any:
    from django.db.models.functions import Coalesce

    # A line bills a line of the schedule of values, or a change order line (which keeps the key of the line
    # it changes, or has its own for a new line).
    return Coalesce(
        f"commitment_line__{field}", f"change_order_line__commitment_line__{field}", f"change_order_line__{field}"
    )


def _sources() -> list[_Source]:
    from django.db.models import F
    from django.db.models.functions import Coalesce

    return [
        _Source(
            "original_budget",
            ps.BudgetLineItem.objects.all(),
            {
                "project": "budget__project_id",
                "cost_code": "cost_code_id",
                "cost_type": "cost_type_id",
                "sub_job": "sub_job_id",
            },
            F("original_amount"),
        ),
        _Source(
            "budget_changes",
            ps.BudgetModificationLine.objects.all(),
            {
                "project": "budget_line__budget__project_id",
                "cost_code": "budget_line__cost_code_id",
                "cost_type": "budget_line__cost_type_id",
                "sub_job": "budget_line__sub_job_id",
            },
            F("amount"),
        ),
        _Source(
            "committed",
            ps.CommitmentLine.objects.filter(commitment__status__in=COMMITTED_STATUSES),
            {
                "project": "commitment__project_id",
                "cost_code": "cost_code_id",
                "cost_type": "cost_type_id",
                "sub_job": "sub_job_id",
            },
            F("amount"),
            vendor="commitment__vendor__name",
        ),
        _Source(
            "committed_changes",
            ps.CommitmentChangeOrderLine.objects.filter(
                change_order__status=ps.CommitmentChangeOrder.Status.APPROVED,
                change_order__commitment__status__in=COMMITTED_STATUSES,
            ),
            {
                "project": "change_order__commitment__project_id",
                **{
                    key: Coalesce(f"commitment_line__{key}_id", f"{key}_id")
                    for key in ("cost_code", "cost_type", "sub_job")
                },
            },
            F("amount"),
            vendor="change_order__commitment__vendor__name",
        ),
        _Source(
            "billed",
            ps.SubcontractorInvoiceLine.objects.filter(invoice__status__in=BILLED_STATUSES),
            {
                "project": "invoice__commitment__project_id",
                **{key: _invoice_line_key(f"{key}_id") for key in ("cost_code", "cost_type", "sub_job")},
            },
            F("work_completed_this_period") + F("materials_stored"),
            vendor="invoice__commitment__vendor__name",
            date="invoice__invoice_date",
        ),
    ]


def _narrowed(source: _Source, project_ids: list[int] | None, filters: JobCostFilters, *, dated: bool = True) -> Any:
    """The source's lines of these projects (None: every project), with their keys annotated as `k_<key>`,
    narrowed by the filters that apply to it."""
    from django.db.models import F

    rows = source.queryset.annotate(
        **{f"k_{key}": path if not isinstance(path, str) else F(path) for key, path in source.keys.items()}
    )
    if project_ids is not None:
        rows = rows.filter(k_project__in=project_ids)
    for name in ("cost_code", "cost_type", "sub_job"):
        value = getattr(filters, name)
        if value == NO_VALUE:
            rows = rows.filter(**{f"k_{name}__isnull": True})
        elif value is not None:
            rows = rows.filter(**{f"k_{name}": value})
    if filters.vendor and source.vendor:
        rows = rows.filter(**{f"{source.vendor}__icontains": filters.vendor})
    if dated and source.date and filters.date_from is not None:
        rows = rows.filter(**{f"{source.date}__gte": filters.date_from})
    if dated and source.date and filters.date_to is not None:
        rows = rows.filter(**{f"{source.date}__lte": filters.date_to})
    return rows


def _payments(project_ids: list[int] | None, filters: JobCostFilters) -> QuerySet[ps.BillPayment]:
    """The bill payments of our invoices the report counts: not voided, of these projects, narrowed by the
    vendor and the payments' dates."""
    payments = ps.BillPayment.objects.filter(invoice__isnull=False, is_void=False)
    if project_ids is not None:
        payments = payments.filter(invoice__commitment__project_id__in=project_ids)
    if filters.vendor:
        payments = payments.filter(invoice__commitment__vendor__name__icontains=filters.vendor)
    if filters.date_from is not None:
        payments = payments.filter(txn_date__gte=filters.date_from)
    if filters.date_to is not None:
        payments = payments.filter(txn_date__lte=filters.date_to)
    return payments


def payment_shares(
    payments: Sequence[tuple[Any, int | None, Decimal]], filters: JobCostFilters = JobCostFilters()
) -> list[tuple[Any, tuple[Any, ...], Decimal]]:
    """How each payment (anything, with the invoice it paid and its amount) is spread over the keys of its
    invoice's lines: a payment pays a whole bill, so each line takes its part of what the invoice made due
    (`allocate`), and only the keys the filters admit are kept. One query."""
    from django.db.models import F, Sum

    if not payments:
        return []
    billed = next(source for source in _sources() if source.name == "billed")
    due = (
        _narrowed(billed, None, JobCostFilters(), dated=False)
        .filter(invoice_id__in={invoice_id for _, invoice_id, _ in payments})
        .order_by()
        .values("invoice_id", *(f"k_{key}" for key in _KEYS))
        .annotate(
            due=Sum(
                F("work_completed_this_period") + F("materials_stored") - F("retainage_held") + F("retainage_released")
            )
        )
        .order_by("invoice_id", *(f"k_{key}" for key in _KEYS))
    )
    parts: dict[int | None, list[tuple[tuple[Any, ...], Decimal]]] = {}
    for row in due:
        parts.setdefault(row["invoice_id"], []).append((tuple(row[f"k_{key}"] for key in _KEYS), _money(row["due"])))
    narrowed = any(getattr(filters, name) is not None for name in ("cost_code", "cost_type", "sub_job"))
    return [
        (payment, key, share)
        for payment, invoice_id, amount in payments
        for key, share in allocate(_money(amount), parts.get(invoice_id, []))
        if not narrowed or _matches(key, filters)
    ]


def allocate(amount: Decimal, parts: list[tuple[Any, Decimal]]) -> list[tuple[Any, Decimal]]:
    """`amount` spread over `parts` (a key and its weight) in proportion to the weights, to the cent, adding up
    to `amount`: the last part takes what the rounding leaves. Equal parts when the weights add up to nothing."""
    from procore_sync.money import money

    if not parts:
        return []
    weights = sum((weight for _, weight in parts), ZERO)
    shares: list[tuple[Any, Decimal]] = []
    given = ZERO
    for index, (key, weight) in enumerate(parts):
        if index == len(parts) - 1:
            share = amount - given
        elif weights:
            share = money(amount * weight / weights)
        else:
            share = money(amount / len(parts))
        given += share
        shares.append((key, share))
    return shares


def _matches(key: tuple[Any, ...], filters: JobCostFilters) -> bool:
    for name, value in zip(_KEYS, key, strict=True):
        wanted = None if name == "project" else getattr(filters, name)
        if wanted == NO_VALUE and value is not None or wanted not in (None, NO_VALUE) and value != wanted:
            return False
    return True


def job_cost_sums(
    project_ids: list[int] | None, keys: tuple[str, ...], filters: JobCostFilters = JobCostFilters()
) -> dict[tuple[Any, ...], JobCostRow]:
    """The report's figures per `keys` (some of project, cost code, cost type, sub job) for these projects
    (None: every project): each source summed by the database, grouped by the keys. Seven queries (eight once
    payments are found), whatever the number of lines. Cost code, cost type and sub job filters narrow every
    source; the vendor narrows commitments, invoices, payments and QuickBooks' lines; the dates narrow what
    happened on a date (invoices, payments, QuickBooks' lines), while the budget and what is committed are as
    they stand."""
    from django.db.models import Count, F, Q, Sum

    found: dict[tuple[Any, ...], JobCostRow] = {}

    def row_of(key: tuple[Any, ...]) -> JobCostRow:
        row = found.get(key)
        if row is None:
            named = dict(zip(keys, key, strict=True))
            row = found[key] = JobCostRow(named.get("cost_code"), named.get("cost_type"), named.get("sub_job"))
        return row

    grouped = tuple(f"k_{key}" for key in keys)
    for source in _sources():
        sums = _narrowed(source, project_ids, filters).order_by().values(*grouped).annotate(total=Sum(source.amount))
        for value in sums:
            row = row_of(tuple(value[name] for name in grouped))
            amount = _money(value["total"])
            if source.name == "original_budget":
                row.original_budget += amount
                row.budget += amount
                row.on_budget = True
            elif source.name == "budget_changes":
                row.budget += amount
            elif source.name in ("committed", "committed_changes"):
                row.committed += amount
            else:
                row.billed += amount
    payments = list(_payments(project_ids, filters).order_by().values_list("pk", "invoice_id", "amount"))
    for _, full_key, share in payment_shares(payments, filters):
        named = dict(zip(_KEYS, full_key, strict=True))
        row_of(tuple(named[key] for key in keys)).paid += share
    costs = ps.JobCostTransaction.objects.filter(unplaced_reason="")
    if project_ids is not None:
        costs = costs.filter(project_id__in=project_ids)
    columns = {
        "project": "project_id",
        "cost_code": "cost_code_id",
        "cost_type": "cost_type_id",
        "sub_job": "sub_job_id",
    }
    sums = (
        _filtered_costs(costs, filters)
        .order_by()
        .annotate(**{f"k_{key}": F(columns[key]) for key in keys})
        .values(*grouped)
        .annotate(
            direct=Sum("amount", filter=Q(from_synced_invoice=False)),
            invoiced=Sum("amount", filter=Q(from_synced_invoice=True)),
            count=Count("id"),
        )
    )
    for value in sums:
        row = row_of(tuple(value[name] for name in grouped))
        row.direct_cost, row.invoiced_cost = _money(value["direct"]), _money(value["invoiced"])
        row.lines = value["count"]
    return found


def job_cost_summary(project: ps.Project, filters: JobCostFilters = JobCostFilters()) -> JobCostSummary:
    """The ERP job costs of a project per cost code, cost type and sub job (`job_cost_sums`), named, grouped per
    cost code, with totals. Ten queries (eleven once payments are found), whatever the number of rows."""
    keys = ("cost_code", "cost_type", "sub_job")
    found = job_cost_sums([project.pk], keys, filters)
    _name_rows(list(found.values()))
    rows = sorted(found.values(), key=_row_order)
    groups: dict[int | None, JobCostGroup] = {}
    total = JobCostRow(None, None, None, cost_code="Total")
    for row in rows:
        group = groups.get(row.cost_code_id)
        if group is None:
            group = groups[row.cost_code_id] = JobCostGroup(
                row.cost_code_id, None, None, cost_code=row.cost_code, description=row.description, rows=[]
            )
        assert group.rows is not None
        group.rows.append(row)
        group.on_budget = group.on_budget or row.on_budget
        _add(group, row)
        _add(total, row)
    return JobCostSummary(rows, list(groups.values()), total, has_budget=any(row.on_budget for row in rows))


@dataclass
class ProjectJobCosts:
    """A project's line of the company's job costs."""

    project: ps.Project
    costs: JobCostRow


@dataclass
class CompanyJobCosts:
    projects: list[ProjectJobCosts]
    total: JobCostRow


def company_job_costs(project_ids: list[int] | None, filters: JobCostFilters = JobCostFilters()) -> CompanyJobCosts:
    """The ERP job costs of every project (or these), a line per project, with the company's total: the same
    sums as each project's report, grouped by project. Eight queries (nine once
    payments are found)."""
    found = job_cost_sums(project_ids, ("project",), filters)
    projects = ps.Project.objects.all() if project_ids is None else ps.Project.objects.filter(pk__in=project_ids)
    total = JobCostRow(None, None, None, cost_code="Total")
    lines = []
    for project in projects.order_by("number"):
        row = found.get((project.pk,))
        if row is None:
            continue
        lines.append(ProjectJobCosts(project, row))
        _add(total, row)
    total.on_budget = any(line.costs.on_budget for line in lines)
    return CompanyJobCosts(lines, total)


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(ZERO)


def _row_order(row: JobCostRow) -> tuple[Any, ...]:
    return (row.cost_code_id is None, row.cost_code, row.cost_type_id is None, row.cost_type, row.sub_job)


def _name_rows(rows: list[JobCostRow]) -> None:
    """The code and description, cost type and sub job path of each row: a query each, for all the rows."""
    codes = {row.cost_code_id for row in rows if row.cost_code_id is not None}
    types = {row.cost_type_id for row in rows if row.cost_type_id is not None}
    sub_jobs = {row.sub_job_id for row in rows if row.sub_job_id is not None}
    code_names = (
        {
            pk: (code, text)
            for pk, code, text in ps.CostCode.objects.filter(pk__in=codes).values_list("pk", "code", "description")
        }
        if codes
        else {}
    )
    type_names = dict(ps.CostType.objects.filter(pk__in=types).values_list("pk", "name")) if types else {}
    paths = (
        {
            sub_job.pk: sub_job.path
            for sub_job in ps.SubJob.objects.filter(pk__in=sub_jobs).select_related("parent__parent")
        }
        if sub_jobs
        else {}
    )
    for row in rows:
        row.cost_code, row.description = (
            code_names.get(row.cost_code_id, ("", "No cost code")) if row.cost_code_id else ("", "No cost code")
        )
        row.cost_type = type_names.get(row.cost_type_id, "") if row.cost_type_id else ""
        row.sub_job = paths.get(row.sub_job_id, "") if row.sub_job_id else ""


@dataclass(frozen=True)
class Choice:
    pk: int
    label: str


@dataclass(frozen=True)
class JobCostChoices:
    """What a project's job costs may be filtered by: the cost codes, cost types and sub jobs its report has
    rows of (of its budget, commitments, invoices or QuickBooks' lines)."""

    cost_codes: list[Choice]
    cost_types: list[Choice]
    sub_jobs: list[Choice]


def job_cost_choices(rows: Iterable[JobCostRow]) -> JobCostChoices:
    """The filters a report's rows offer (the rows of an unfiltered summary, named): no query."""
    codes: dict[int, str] = {}
    kinds: dict[int, str] = {}
    sub_jobs: dict[int, str] = {}
    for row in rows:
        if row.cost_code_id is not None:
            codes[row.cost_code_id] = f"{row.cost_code} {row.description}".strip()
        if row.cost_type_id is not None:
            kinds[row.cost_type_id] = row.cost_type
        if row.sub_job_id is not None:
            sub_jobs[row.sub_job_id] = row.sub_job

    def choices(found: dict[int, str]) -> list[Choice]:
        return sorted((Choice(pk, label) for pk, label in found.items()), key=lambda choice: choice.label.lower())

    return JobCostChoices(choices(codes), choices(kinds), choices(sub_jobs))


def unplaced_costs_count(project: ps.Project) -> int:
    """How many of the project's job cost lines could not be placed on a cost code."""
    return (
        ps.JobCostTransaction.objects.filter(project=project, from_synced_invoice=False)
        # "Not empty" as a range ('' sorts first), so the index on (project, unplaced_reason, ...) finds them.
        .filter(unplaced_reason__gt="")
        .count()
    )


def projects_allowed(user: Person, action: str) -> list[int] | None:
    """The projects on which the gate lets `user` take `action`: None when it does company-wide (then on every
    project, and on what is on none), else their ids. Asks the gate of each project the user may see, with
    their grants read in one query."""
    from access import permissions

    if permissions.check(user, action):
        return None
    projects = list(visible_any_tool_projects(user))
    access_for(user).prefetch(projects)
    return [project.pk for project in projects if permissions.check(user, action, project=project)]


@dataclass(frozen=True)
class UnplacedReason:
    """Why a line QuickBooks charged to a job could not be placed, told by how its reason starts (the job cost
    import writes it), and what fixes it."""

    kind: str
    prefix: str
    title: str
    fix: str


UNPLACED_REASONS = {
    reason.kind: reason
    for reason in (
        UnplacedReason(
            "unlinked_job",
            "QuickBooks' customer:job ",
            "A QuickBooks job linked to no project",
            "Link the job to its project, or add it as a project, in Ready to Import. The lines are placed at "
            "the next job cost sync.",
        ),
        UnplacedReason(
            "unknown_job",
            "Unknown customer:job ",
            "A QuickBooks job not read yet",
            "Refresh QuickBooks' customers and jobs, then link the job to its project in Ready to Import.",
        ),
        UnplacedReason(
            "item_not_cost_code",
            "QuickBooks' item ",
            "An item that is no cost code",
            "Refresh the cost codes from QuickBooks' items (or add the cost code the item stands for). If the "
            "line is no job cost, give it a cost code item or no job in QuickBooks.",
        ),
        UnplacedReason(
            "no_job",
            "It names the cost code item ",
            "A cost code item on no job",
            "In QuickBooks, edit the transaction to name the customer:job the cost belongs to.",
        ),
    )
}


def unplaced_reason_of(text: str) -> UnplacedReason | None:
    return next((reason for reason in UNPLACED_REASONS.values() if text.startswith(reason.prefix)), None)


@dataclass(frozen=True)
class UnplacedGroup:
    """The unsyncable direct costs of one reason: how many, their total, their dates."""

    reason: UnplacedReason | None  # None: a reason of no known kind
    lines: int
    amount: Decimal
    first: datetime.date
    last: datetime.date


def unplaced_groups(allowed: list[int] | None, filters: JobCostFilters = JobCostFilters()) -> list[UnplacedGroup]:
    """The unsyncable direct costs (`unplaced_costs`, with these filters) grouped by reason: one query."""
    from django.db.models import Case, CharField, Count, Max, Min, Value, When

    kind = Case(
        *(
            When(unplaced_reason__startswith=reason.prefix, then=Value(reason.kind))
            for reason in UNPLACED_REASONS.values()
        ),
        default=Value(""),
        output_field=CharField(),
    )
    sums = (
        unplaced_costs(allowed, filters)
        .select_related(None)
        .order_by()
        .annotate(kind=kind)
        .values("kind")
        .annotate(lines=Count("id"), amount=Sum("amount"), first=Min("txn_date"), last=Max("txn_date"))
    )
    groups = [
        UnplacedGroup(UNPLACED_REASONS.get(row["kind"]), row["lines"], _money(row["amount"]), row["first"], row["last"])
        for row in sums
    ]
    order = list(UNPLACED_REASONS)
    return sorted(groups, key=lambda group: order.index(group.reason.kind) if group.reason else len(order))


def unplaced_costs(
    allowed: list[int] | None, filters: JobCostFilters = JobCostFilters()
) -> QuerySet[ps.JobCostTransaction]:
    """The unsyncable direct costs: the lines of QuickBooks' transactions that cost a job but could not be
    placed on a project's cost code, with why (the bills of our own invoices are not direct costs), newest
    first. `allowed`: the projects whose lines may be read (`projects_allowed` of the report), None for every
    line (a line on no project needs the report company-wide)."""
    rows = ps.JobCostTransaction.objects.filter(unplaced_reason__gt="", from_synced_invoice=False)
    if allowed is not None:
        rows = rows.filter(project_id__in=allowed)
    return (
        _filtered_costs(rows, filters)
        .select_related("project", "cost_code", "cost_type", "sub_job__parent__parent")
        .order_by("-txn_date", "-id")
    )


def owner_invoice_totals(lines: Iterable[ps.OwnerInvoiceLine]) -> dict[str, Decimal]:
    """An owner invoice's totals from its lines (read along with it): what it bills, holds and releases."""
    lines = list(lines)
    work = sum((line.work_completed_this_period for line in lines), ZERO)
    materials = sum((line.materials_stored for line in lines), ZERO)
    held = sum((line.retention_held for line in lines), ZERO)
    released = sum((line.retention_released for line in lines), ZERO)
    return {
        "work_completed_this_period": work,
        "materials_stored": materials,
        "completed_and_stored": work + materials,
        "retention_held": held,
        "retention_released": released,
        "amount_due": work + materials - held + released,
    }


# --- where a company-wide record is used ----------------------------------------------------------------


@dataclass
class Naming:
    """The records of one type the user may read that name a record (a company as their vendor or owner, a
    cost code on their lines, ...): the first few, and how many in all."""

    label: str
    records: list[Any]
    count: int


def records_naming(user: Person, record: Model, *, limit: int = 20) -> list[Naming]:
    """Every record type's records that name `record`, through their own foreign keys or their lines', as far
    as the user may read them: a query or two per type that can name it, none per record. Found from the
    models, so a record type added later is counted without a list kept here."""
    from django.db.models import Q

    from procore_sync.records import all_record_types

    model = type(record)

    def pointing(on: type[Model]) -> list[str]:
        return [
            field.name
            for field in on._meta.get_fields()
            if field.many_to_one and field.concrete and field.related_model is model
        ]

    found = []
    for record_type in all_record_types():
        paths = pointing(record_type.model)
        if record_type.lines is not None:
            parent: Any = record_type.lines.model._meta.get_field(record_type.lines.parent_field)
            through = parent.related_query_name()
            paths += [f"{through}__{name}" for name in pointing(record_type.lines.model)]
        if not paths:
            continue
        condition = Q()
        for path in paths:
            condition |= Q(**{path: record})
        naming = records_for(user, record_type.model).prefetch_related(None).filter(condition).distinct()
        count = naming.count()
        if count:
            label = str(record_type.model._meta.verbose_name_plural).capitalize()
            found.append(Naming(label, list(naming[:limit]), count))
    return found


@dataclass(frozen=True)
class OwnerBilling:
    """Where a prime contract's billing stands: what it is worth, what was billed (work and stored materials
    to date), the retention the owner still holds (held less released: a receivable), what the owner owes for
    it (billed less that retention), what QuickBooks says the owner paid, and what is still open."""

    contract_value: Decimal
    billed: Decimal
    retention_receivable: Decimal
    amount_due: Decimal
    received: Decimal
    undeposited: Decimal

    @property
    def open_balance(self) -> Decimal:
        return self.amount_due - self.received


def owner_billing(contract: ps.PrimeContract) -> OwnerBilling:
    """The billing of one prime contract (see `owner_billings`)."""
    return owner_billings([contract])[contract.pk]


def _sums_by_contract(queryset: QuerySet, contract_field: str, **sums: Any) -> dict[int, dict[str, Decimal]]:
    rows = queryset.order_by().values(contract_field).annotate(**sums)
    return {row[contract_field]: {name: row[name] or ZERO for name in sums} for row in rows}


def owner_billings(contracts: Iterable[ps.PrimeContract]) -> dict[int, OwnerBilling]:
    """The billing of each prime contract, over its invoices that are not void, by contract id: five grouped
    queries however many contracts (a page of the API's list reads them all at once)."""
    ids = [contract.pk for contract in contracts]
    not_void = ~Q(invoice__status=ps.OwnerInvoice.Status.VOID)
    billed = _sums_by_contract(
        ps.OwnerInvoiceLine.objects.filter(not_void, invoice__prime_contract_id__in=ids),
        "invoice__prime_contract_id",
        work=Sum("work_completed_this_period"),
        materials=Sum("materials_stored"),
        held=Sum("retention_held"),
        released=Sum("retention_released"),
    )
    paid = ps.OwnerPayment.objects.filter(not_void, prime_contract_id__in=ids)
    received = _sums_by_contract(paid, "prime_contract_id", total=Sum("amount"))
    undeposited = _sums_by_contract(
        paid.filter(deposit_to__iexact="Undeposited Funds"), "prime_contract_id", total=Sum("amount")
    )
    original = _sums_by_contract(
        ps.PrimeContractLine.objects.filter(prime_contract_id__in=ids), "prime_contract_id", total=Sum("amount")
    )
    changes = _sums_by_contract(
        ps.PrimeContractChangeOrderLine.objects.filter(
            change_order__prime_contract_id__in=ids,
            change_order__status=ps.PrimeContractChangeOrder.Status.APPROVED,
        ),
        "change_order__prime_contract_id",
        total=Sum("amount"),
    )
    none = {"work": ZERO, "materials": ZERO, "held": ZERO, "released": ZERO, "total": ZERO}
    billings = {}
    for pk in ids:
        sums = billed.get(pk, none)
        billed_to_date = money(sums["work"] + sums["materials"])
        receivable = money(sums["held"] - sums["released"])
        billings[pk] = OwnerBilling(
            contract_value=money(original.get(pk, none)["total"] + changes.get(pk, none)["total"]),
            billed=billed_to_date,
            retention_receivable=receivable,
            amount_due=billed_to_date - receivable,
            received=money(received.get(pk, none)["total"]),
            undeposited=money(undeposited.get(pk, none)["total"]),
        )
    return billings


def received_on_owner_invoices(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What QuickBooks' received payments paid of each owner invoice (0 for none): one query."""
    ids = list(invoice_ids)
    paid = dict(
        ps.OwnerPayment.objects.filter(invoice_id__in=ids)
        .order_by()
        .values_list("invoice_id")
        .annotate(total=Sum("amount"))
    )
    return {pk: money(paid.get(pk) or ZERO) for pk in ids}


def owner_payments_for(
    user: Person,
    *,
    project: str | int | None = None,
    prime_contract: str | int | None = None,
    invoice: str | int | None = None,
) -> QuerySet[ps.OwnerPayment]:
    """The owner's payment rows the user may read (those of owner invoices they may read), newest first."""
    queryset = ps.OwnerPayment.objects.filter(
        prime_contract__project__in=readable_projects(user, record_type_of(ps.OwnerInvoice).tool)
    )
    for path, value in (("prime_contract__project", project), ("prime_contract", prime_contract), ("invoice", invoice)):
        if value not in (None, ""):
            queryset = queryset.filter(**{path: _as_int(value)})
    return queryset.select_related("invoice").order_by("-txn_date", "-id")


# --- what is behind a figure of the job costs report ------------------------------------------------------------


@dataclass
class PaymentShare:
    """A payment of an invoice, and the part of it that paid the lines of the figure drilled into."""

    payment: ps.BillPayment
    share: Decimal


@dataclass
class JobCostDetail:
    """The records behind one figure of a project's job costs (a cost code, cost type and sub job, or a
    total): what `column` sums. The lists not asked for stay empty."""

    column: str
    budget_lines: list[ps.BudgetLineItem]
    budget_changes: list[ps.BudgetModificationLine]
    commitment_lines: list[ps.CommitmentLine]
    change_order_lines: list[ps.CommitmentChangeOrderLine]
    invoice_lines: list[ps.SubcontractorInvoiceLine]
    payments: list[PaymentShare]

    @property
    def commitments(self) -> list[ps.Commitment]:
        """The commitments of the lines listed, once each (their accounting state tells their QuickBooks id)."""
        found = {line.commitment_id: line.commitment for line in self.commitment_lines}
        found.update(
            {line.change_order.commitment_id: line.change_order.commitment for line in self.change_order_lines}
        )
        return list(found.values())

    @property
    def invoices(self) -> list[ps.SubcontractorInvoice]:
        return list({line.invoice_id: line.invoice for line in self.invoice_lines}.values())

    @property
    def listed_total(self) -> Decimal:
        """What the records listed add up to: the figure itself, unless the list was cut at DETAIL_LIMIT."""
        if self.column == "original_budget":
            return sum((line.original_amount for line in self.budget_lines), ZERO)
        if self.column == "budget":
            return sum((line.original_amount for line in self.budget_lines), ZERO) + sum(
                (line.amount for line in self.budget_changes), ZERO
            )
        if self.column == "committed":
            return sum((line.amount for line in self.commitment_lines), ZERO) + sum(
                (line.amount for line in self.change_order_lines), ZERO
            )
        if self.column == "billed":
            return sum((line.completed_and_stored for line in self.invoice_lines), ZERO)
        return sum((part.share for part in self.payments), ZERO)


DETAIL_COLUMNS = ("original_budget", "budget", "committed", "billed", "paid")
DETAIL_LIMIT = 500  # the records a drill-down lists; the figure's total is over all of them


def job_cost_detail(project: ps.Project, column: str, filters: JobCostFilters = JobCostFilters()) -> JobCostDetail:
    """What makes up one figure of `job_cost_summary` for the same filters: the budget lines and their
    modifications, the commitment and change order lines, the invoice lines, or the payments with the part of
    each that paid these lines. QuickBooks' own lines are `job_costs_of_project`. A few queries."""
    sources = {source.name: source for source in _sources()}

    def lines(name: str, *related: str, order: tuple[str, ...]) -> list[Any]:
        if (
            column
            not in {
                "original_budget": ("original_budget", "budget"),
                "budget_changes": ("budget",),
                "committed": ("committed",),
                "committed_changes": ("committed",),
                "billed": ("billed",),
            }[name]
        ):
            return []
        rows = _narrowed(sources[name], [project.pk], filters).select_related(*related).order_by(*order)
        return list(rows[:DETAIL_LIMIT])

    shares: list[PaymentShare] = []
    if column == "paid":
        payments = list(
            _payments([project.pk], filters).select_related("invoice__commitment__vendor").order_by("-txn_date", "-id")
        )
        by_payment: dict[int, PaymentShare] = {}
        for payment, _, share in payment_shares(
            [(payment, payment.invoice_id, payment.amount) for payment in payments], filters
        ):
            found = by_payment.setdefault(payment.pk, PaymentShare(payment, ZERO))
            found.share += share
        shares = list(by_payment.values())[:DETAIL_LIMIT]
    return JobCostDetail(
        column=column,
        budget_lines=lines("original_budget", "cost_code", "cost_type", "sub_job", order=("cost_code__code", "id")),
        budget_changes=lines(
            "budget_changes",
            "modification",
            "budget_line__cost_code",
            "budget_line__cost_type",
            order=("modification__number", "id"),
        ),
        commitment_lines=lines(
            "committed", "commitment__vendor", "cost_code", "cost_type", order=("commitment__number", "line_number")
        ),
        change_order_lines=lines(
            "committed_changes",
            "change_order__commitment__vendor",
            "commitment_line__cost_code",
            "cost_code",
            order=("change_order__commitment__number", "change_order__number", "id"),
        ),
        invoice_lines=lines(
            "billed",
            "invoice__commitment__vendor",
            "commitment_line__cost_code",
            "change_order_line__cost_code",
            "change_order_line__commitment_line__cost_code",
            order=("-invoice__invoice_date", "invoice__number", "id"),
        ),
        payments=shares,
    )
