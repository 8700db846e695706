"""The reads of the owner side's pages: the prime contract with its schedule of values as billed, and the pay
application (AIA G702/G703 style) of an owner invoice, which its HTML page and its PDF both print.

Every figure is Decimal, and each read costs the same few queries whatever the number of lines and invoices:
the billing to date is summed by the database per line billed, not read invoice by invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from access import permissions
from access.permissions import Action, Person
from procore_sync import models as ps
from procore_sync import selectors
from procore_sync.money import ZERO

APPROVED = ps.PrimeContractChangeOrder.Status.APPROVED
VOID = ps.OwnerInvoice.Status.VOID
HUNDRED = Decimal(100)

# A line billed: ("line", id of the schedule-of-values line) or ("pcco", id of a change order's new line).
TargetKey = tuple[str, int]


def target_key(contract_line_id: int | None, change_order_line_id: int | None) -> TargetKey:
    return ("line", contract_line_id) if contract_line_id else ("pcco", change_order_line_id or 0)


@dataclass
class SovRow:
    """A line of the schedule of values (a line of the contract, or a new line an approved PCCO added), as
    billed: `previous` is what invoices before the one in hand billed of it, the rest is that invoice's."""

    key: TargetKey
    item: str
    description: str
    cost_code: str
    cost_type: str
    sub_job: str
    retention_percent: Decimal
    original: Decimal = ZERO
    changes: Decimal = ZERO
    previous: Decimal = ZERO
    this_period: Decimal = ZERO
    materials_stored: Decimal = ZERO
    retention_held: Decimal = ZERO
    retention_released: Decimal = ZERO
    # Held and released by the invoice in hand alone (the rest are to date).
    retention_held_now: Decimal = ZERO
    retention_released_now: Decimal = ZERO

    @property
    def scheduled(self) -> Decimal:
        """The value the line may be billed up to: its own and the approved changes to it."""
        return self.original + self.changes

    @property
    def completed_and_stored(self) -> Decimal:
        return self.previous + self.this_period + self.materials_stored

    @property
    def percent_complete(self) -> Decimal | None:
        return percent(self.completed_and_stored, self.scheduled)

    @property
    def balance_to_finish(self) -> Decimal:
        return self.scheduled - self.completed_and_stored

    @property
    def retention(self) -> Decimal:
        """Retention the owner still holds on the line: held to date less released."""
        return self.retention_held - self.retention_released


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, two places; None of nothing."""
    if whole == ZERO:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Totals:
    """The columns of a schedule of values, added up."""

    original: Decimal = ZERO
    changes: Decimal = ZERO
    scheduled: Decimal = ZERO
    previous: Decimal = ZERO
    this_period: Decimal = ZERO
    materials_stored: Decimal = ZERO
    completed_and_stored: Decimal = ZERO
    balance_to_finish: Decimal = ZERO
    retention_held: Decimal = ZERO
    retention_released: Decimal = ZERO
    retention: Decimal = ZERO
    retention_held_now: Decimal = ZERO
    retention_released_now: Decimal = ZERO

    @property
    def percent_complete(self) -> Decimal | None:
        return percent(self.completed_and_stored, self.scheduled)


def _totals(rows: list[SovRow]) -> Totals:
    totals = Totals()
    for name in totals.__dataclass_fields__:
        setattr(totals, name, sum((getattr(row, name) for row in rows), ZERO))
    return totals


@dataclass
class ScheduleOfValues:
    rows: list[SovRow]
    totals: Totals


def _contract_lines(contract: ps.PrimeContract) -> list[ps.PrimeContractLine]:
    return list(
        ps.PrimeContractLine.objects.filter(prime_contract=contract).select_related(
            "cost_code", "cost_type", "sub_job__parent__parent"
        )
    )


def _change_order_lines(contract: ps.PrimeContract) -> list[ps.PrimeContractChangeOrderLine]:
    """The lines of the contract's change orders, approved or not (the caller keeps what it counts)."""
    return list(
        ps.PrimeContractChangeOrderLine.objects.filter(change_order__prime_contract=contract).select_related(
            "change_order", "cost_code", "cost_type", "sub_job__parent__parent"
        )
    )


def _rows(
    contract: ps.PrimeContract,
    lines: list[ps.PrimeContractLine],
    change_lines: list[ps.PrimeContractChangeOrderLine],
    billed: set[TargetKey],
) -> list[SovRow]:
    """The rows of the schedule: the contract's lines with their approved changes, then the new lines of the
    approved PCCOs (and of any other PCCO a line was billed against, so that nothing billed goes unshown)."""
    rows: dict[TargetKey, SovRow] = {}
    for line in lines:
        rows[("line", line.pk)] = SovRow(
            key=("line", line.pk),
            item=str(line.line_number),
            description=line.description or line.cost_code.description,
            cost_code=line.cost_code.code,
            cost_type=line.cost_type.name,
            sub_job=line.sub_job.path if line.sub_job else "",
            retention_percent=(
                line.retention_percent if line.retention_percent is not None else contract.default_retention_percent
            ),
            original=line.amount,
        )
    for change in change_lines:
        approved = change.change_order.status == APPROVED
        if change.contract_line_id is not None:
            if approved and (row := rows.get(("line", change.contract_line_id))) is not None:
                row.changes += change.amount
            continue
        key: TargetKey = ("pcco", change.pk)
        if not approved and key not in billed:
            continue
        code = change.cost_code
        rows[key] = SovRow(
            key=key,
            item=f"PCCO {change.change_order.number}",
            description=change.description or (code.description if code else ""),
            cost_code=code.code if code else "",
            cost_type=change.cost_type.name if change.cost_type else "",
            sub_job=change.sub_job.path if change.sub_job else "",
            retention_percent=contract.default_retention_percent,
            changes=change.amount if approved else ZERO,
        )
    return list(rows.values())


def _billed_lines(contract: ps.PrimeContract) -> QuerySet[ps.OwnerInvoiceLine]:
    return ps.OwnerInvoiceLine.objects.filter(invoice__prime_contract=contract).order_by()


def _sums(queryset: QuerySet[ps.OwnerInvoiceLine], **filters: Q) -> dict[TargetKey, dict[str, Decimal]]:
    """Per line billed, the sums of its invoice lines: for each name, those that match its filter."""
    aggregates: dict[str, Any] = {}
    for name, where in filters.items():
        aggregates[f"{name}_work"] = Sum("work_completed_this_period", filter=where)
        aggregates[f"{name}_materials"] = Sum("materials_stored", filter=where)
        aggregates[f"{name}_held"] = Sum("retention_held", filter=where)
        aggregates[f"{name}_released"] = Sum("retention_released", filter=where)
    rows: Iterable[dict[str, Any]] = queryset.values(  # type: ignore[assignment]
        "contract_line_id", "change_order_line_id"
    ).annotate(**aggregates)
    return {
        target_key(row["contract_line_id"], row["change_order_line_id"]): {
            name: value or ZERO
            for name, value in row.items()
            if name not in ("contract_line_id", "change_order_line_id")
        }
        for row in rows
    }


# --- the prime contract's page ---------------------------------------------------------------------------------


def may_read_owner_side(user: Person, project: ps.Project) -> bool:
    """Whether the user may open a project's prime contract page: its readers, and those who bill the owner
    (an owner invoice is billed against the contract's schedule of values, which its pay application prints)."""
    return bool(
        permissions.check(user, Action.VIEW, object_type="prime_contract", project=project)
        or permissions.check(user, Action.VIEW, object_type="owner_invoice", project=project)
    )


def prime_contract_of_project(project: ps.Project) -> ps.PrimeContract | None:
    """The project's prime contract (the caller has asked `may_read_owner_side`)."""
    return ps.PrimeContract.objects.filter(project=project).select_related("project", "owner").first()


def prime_contract_on_visible_project(user: Person, pk: int) -> ps.PrimeContract | None:
    """A prime contract of a project the user sees (whether they may read the contract is the gate's to say:
    see `may_read_owner_side`)."""
    return (
        ps.PrimeContract.objects.select_related("project", "owner")
        .filter(pk=pk, project__in=selectors.records_for(user, ps.Project).values("pk"))
        .first()
    )


def schedule_of_values(contract: ps.PrimeContract) -> ScheduleOfValues:
    """The contract's schedule of values as billed to date by its invoices (void ones aside): three queries."""
    lines = _contract_lines(contract)
    change_lines = _change_order_lines(contract)
    sums = _sums(_billed_lines(contract), billed=~Q(invoice__status=VOID))
    rows = _rows(contract, lines, change_lines, set(sums))
    for row in rows:
        billed = sums.get(row.key)
        if billed:
            row.previous = billed["billed_work"] + billed["billed_materials"]
            row.retention_held = billed["billed_held"]
            row.retention_released = billed["billed_released"]
    return ScheduleOfValues(rows, _totals(rows))


def change_orders_of_contract(user: Person, contract: ps.PrimeContract) -> list[ps.PrimeContractChangeOrder]:
    """The contract's PCCOs the user may read, each with its lines and their total (`total`)."""
    change_orders = list(
        selectors.records_for(user, ps.PrimeContractChangeOrder)
        .filter(prime_contract=contract)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ps.PrimeContractChangeOrderLine.objects.select_related(
                    "contract_line__cost_code", "contract_line__cost_type", "cost_code", "cost_type"
                ),
            )
        )
    )
    for change_order in change_orders:
        change_order.total = sum((line.amount for line in change_order.lines.all()), ZERO)  # type: ignore[attr-defined]
    return change_orders


def invoices_of_contract(user: Person, contract: ps.PrimeContract) -> list[ps.OwnerInvoice]:
    """The contract's owner invoices the user may read, in billing order, each with its totals (`sums`)."""
    invoices = list(
        selectors.records_for(user, ps.OwnerInvoice)
        .filter(prime_contract=contract)
        .prefetch_related(None)
        .prefetch_related("lines")
    )
    # What QuickBooks' received payments paid of each (one query for them all).
    received = selectors.received_on_owner_invoices(invoice.pk for invoice in invoices)
    for invoice in invoices:
        invoice.sums = selectors.owner_invoice_totals(invoice.lines.all())  # type: ignore[attr-defined]
        invoice.received = received[invoice.pk]  # type: ignore[attr-defined]
        invoice.open_balance = invoice.sums["amount_due"] - received[invoice.pk]  # type: ignore[attr-defined]
    return invoices


def owner_invoice(user: Person, pk: int) -> ps.OwnerInvoice:
    """An owner invoice the user may read (raises DoesNotExist otherwise)."""
    return selectors.records_for(user, ps.OwnerInvoice).prefetch_related(None).get(pk=pk)


def prime_change_order(user: Person, pk: int) -> ps.PrimeContractChangeOrder:
    """A PCCO the user may read (raises DoesNotExist otherwise)."""
    return selectors.records_for(user, ps.PrimeContractChangeOrder).prefetch_related(None).get(pk=pk)


# --- the pay application ---------------------------------------------------------------------------------------


@dataclass
class ChangeOrderSummary:
    """G702's change order summary: what the approved PCCOs add and take away."""

    additions: Decimal = ZERO
    deductions: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.additions + self.deductions


@dataclass
class PayApplication:
    """An owner invoice as an AIA-style application for payment: the summary (G702) and the continuation
    sheet (G703), one row per line of the schedule of values."""

    invoice: ps.OwnerInvoice
    contract: ps.PrimeContract
    project: ps.Project
    owner: ps.Company
    application_number: int
    rows: list[SovRow]
    totals: Totals
    change_orders: ChangeOrderSummary = field(default_factory=ChangeOrderSummary)
    previous_payments: Decimal = ZERO

    @property
    def original_contract_sum(self) -> Decimal:
        return self.totals.original

    @property
    def net_change_by_change_orders(self) -> Decimal:
        return self.totals.changes

    @property
    def contract_sum_to_date(self) -> Decimal:
        return self.original_contract_sum + self.net_change_by_change_orders

    @property
    def completed_and_stored_to_date(self) -> Decimal:
        return self.totals.completed_and_stored

    @property
    def retention_held_to_date(self) -> Decimal:
        return self.totals.retention_held

    @property
    def retention_released_to_date(self) -> Decimal:
        return self.totals.retention_released

    @property
    def retention(self) -> Decimal:
        """What the owner still holds back: retention held to date less released to date."""
        return self.retention_held_to_date - self.retention_released_to_date

    @property
    def earned_less_retention(self) -> Decimal:
        return self.completed_and_stored_to_date - self.retention

    @property
    def current_payment_due(self) -> Decimal:
        return self.earned_less_retention - self.previous_payments

    @property
    def balance_to_finish_including_retention(self) -> Decimal:
        return self.contract_sum_to_date - self.earned_less_retention


def _before(invoice: ps.OwnerInvoice, prefix: str = "") -> Q:
    """The invoices billed before `invoice`: an earlier period's end, or the same one and created earlier."""
    end = f"{prefix}billing_period_end"
    return Q(**{f"{end}__lt": invoice.billing_period_end}) | Q(
        **{end: invoice.billing_period_end, f"{prefix}pk__lt": invoice.pk}
    )


def pay_application(invoice: ps.OwnerInvoice) -> PayApplication:
    """The G702/G703 figures of `invoice`: what the invoices before it billed (void ones aside), what it bills,
    and the contract's value with every approved PCCO. Five queries, whatever the number of lines and invoices.

    The figures reconcile by construction: the current payment due is the invoice's own amount due, the total
    completed and stored is what every invoice up to this one billed, and so on."""
    contract = ps.PrimeContract.objects.select_related("project", "owner").get(pk=invoice.prime_contract_id)
    lines = _contract_lines(contract)
    change_lines = _change_order_lines(contract)
    previous = ~Q(invoice__status=VOID) & _before(invoice, "invoice__")
    now = Q(invoice=invoice)
    sums = _sums(_billed_lines(contract).filter(previous | now), previous=previous, now=now)
    rows = _rows(contract, lines, change_lines, set(sums))
    for row in rows:
        billed = sums.get(row.key)
        if not billed:
            continue
        row.previous = billed["previous_work"] + billed["previous_materials"]
        row.this_period = billed["now_work"]
        row.materials_stored = billed["now_materials"]
        row.retention_held_now = billed["now_held"]
        row.retention_released_now = billed["now_released"]
        row.retention_held = billed["previous_held"] + row.retention_held_now
        row.retention_released = billed["previous_released"] + row.retention_released_now
    totals = _totals(rows)
    summary = ChangeOrderSummary()
    change_order_totals: dict[int, Decimal] = {}
    for change in change_lines:
        if change.change_order.status == APPROVED:
            change_order_totals[change.change_order_id] = change_order_totals.get(change.change_order_id, ZERO) + (
                change.amount
            )
    for total in change_order_totals.values():
        if total >= ZERO:
            summary.additions += total
        else:
            summary.deductions += total
    # The invoices before it, summed in one query: what was certified for payment, and how many there were.
    earlier = (
        ps.OwnerInvoice.objects.filter(prime_contract=contract)
        .exclude(status=VOID)
        .filter(_before(invoice))
        .aggregate(
            count=Count("pk", distinct=True),
            work=Sum("lines__work_completed_this_period"),
            materials=Sum("lines__materials_stored"),
            held=Sum("lines__retention_held"),
            released=Sum("lines__retention_released"),
        )
    )
    previous_payments = (
        (earlier["work"] or ZERO)
        + (earlier["materials"] or ZERO)
        - (earlier["held"] or ZERO)
        + (earlier["released"] or ZERO)
    )
    return PayApplication(
        invoice=invoice,
        contract=contract,
        project=contract.project,
        owner=contract.owner,
        application_number=earlier["count"] + 1,
        rows=rows,
        totals=totals,
        change_orders=summary,
        previous_payments=previous_payments,
    )
