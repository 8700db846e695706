"""Project-side records. They know nothing of QuickBooks: the workflow state lives in erp_integrations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Lower

from access.tools import project_tool_permissions
from procore_sync.money import ZERO, MoneyField, money


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AddressFields(models.Model):
    address_line1 = models.CharField("address line 1", max_length=255, blank=True)
    address_line2 = models.CharField("address line 2", max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("state / province", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


SUB_JOB_HELP = "The sub job whose costs the line is, in QuickBooks; empty for the project's job itself."


def check_sub_job_of_project(sub_job: SubJob | None, project_id: int | None) -> None:
    """A line names a sub job of its own record's project, or none."""
    if sub_job is not None and project_id is not None and sub_job.project_id != project_id:
        raise ValidationError({"sub_job": f"The sub job {sub_job.path} belongs to another project."})


class Company(TimestampedModel, AddressFields):
    """A company of the directory: a vendor, a subcontractor, or an owner the company works for."""

    class VendorType(models.TextChoices):
        SUBCONTRACTOR = "subcontractor", "Subcontractor"
        SUPPLIER = "supplier", "Supplier"
        CONSULTANT = "consultant", "Consultant"
        OWNER = "owner", "Owner / client"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    vendor_type = models.CharField(max_length=20, choices=VendorType.choices, default=VendorType.SUBCONTRACTOR)
    contact_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    tax_id = models.CharField(
        "tax id", max_length=15, blank=True, help_text="The vendor's tax identification number (for 1099s)."
    )
    is_archived = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="company_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class Project(TimestampedModel, AddressFields):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    number = models.CharField(max_length=50, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    owner = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_projects",
        help_text="The customer the project is built for.",
    )
    description = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        permissions = project_tool_permissions()

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class SubJob(TimestampedModel, AddressFields):
    """A part of a project (a building, a phase, a lot) whose costs are kept apart: in QuickBooks, a
    sub-customer of the project's job, itself possibly under another sub job."""

    # QuickBooks nests a customer's jobs five levels deep (a FullName of 209 characters is five names of 41
    # and four colons): the customer, the job, and three levels of sub jobs.
    MAX_DEPTH = 3

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sub_jobs")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The sub job it is part of; empty when it is directly under the project's job.",
    )
    name = models.CharField(max_length=41)
    description = models.CharField(max_length=99, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["project__number", "name"]
        # Names are unique among siblings, as QuickBooks' full names are ("Building A:Level 2" and
        # "Building B:Level 2" may both exist).
        constraints = [
            models.UniqueConstraint(
                "project", Lower("name"), condition=Q(parent__isnull=True), name="sub_job_name_unique_under_job"
            ),
            models.UniqueConstraint(
                "parent", Lower("name"), condition=Q(parent__isnull=False), name="sub_job_name_unique_under_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        """Its name under its parents, as QuickBooks writes it below the job: "Building A:Level 2"."""
        names = [self.name]
        parent = self.parent
        while parent is not None:
            names.append(parent.name)
            parent = parent.parent
        return ":".join(reversed(names))

    @property
    def depth(self) -> int:
        return self.path.count(":") + 1

    def levels_below(self) -> int:
        """How many levels of sub jobs stand under this one (0 for one with none)."""
        if self.pk is None:
            return 0
        levels, ids = 0, [self.pk]
        while levels <= self.MAX_DEPTH and (
            ids := list(SubJob.objects.filter(parent_id__in=ids).values_list("pk", flat=True))
        ):
            levels += 1
        return levels

    def clean(self) -> None:
        if self.parent is not None:
            if self.parent.project_id != self.project_id:
                raise ValidationError({"parent": "The parent sub job belongs to another project."})
            ancestor: SubJob | None = self.parent
            while ancestor is not None:
                if self.pk is not None and ancestor.pk == self.pk:
                    raise ValidationError({"parent": "A sub job cannot be under itself."})
                ancestor = ancestor.parent
        # Moving a sub job moves the ones under it too: the deepest of them must still fit.
        depth = (self.parent.depth if self.parent is not None else 0) + 1 + self.levels_below()
        if depth > self.MAX_DEPTH:
            raise ValidationError(
                {"parent": f"QuickBooks nests sub jobs {self.MAX_DEPTH} levels deep under a job, no more."}
            )
        if self.project_id and self.name:
            siblings = SubJob.objects.filter(project_id=self.project_id, parent=self.parent, name__iexact=self.name)
            if siblings.exclude(pk=self.pk).exists():
                where = f"under {self.parent.path}" if self.parent is not None else "directly under the job"
                raise ValidationError({"name": f"The project already has a sub job {self.name} {where}."})


class CostType(models.Model):
    """Labor, Material, ...: an editable company list, exported as QuickBooks classes."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Division(models.Model):
    """A division of the cost code list (CSI MasterFormat: 03 Concrete, ...)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CostCode(TimestampedModel):
    """A standard cost code of the company, exported as a QuickBooks service item."""

    code = models.CharField(max_length=50, unique=True)
    description = models.CharField(max_length=255)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="cost_codes")
    default_cost_type = models.ForeignKey(CostType, on_delete=models.SET_NULL, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Budget(TimestampedModel):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="budget")
    is_locked = models.BooleanField(default=False, help_text="Only a locked budget can go to QuickBooks.")
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project__number"]

    def __str__(self) -> str:
        return f"Budget of {self.project}"


class BudgetLineItem(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, related_name="+")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, related_name="+")
    sub_job = models.ForeignKey(
        SubJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text=SUB_JOB_HELP
    )
    description = models.CharField(max_length=255, blank=True)
    original_amount = MoneyField()

    class Meta:
        ordering = ["cost_code__code", "cost_type__sort_order"]
        constraints = [
            # One line per cost code and cost type on the job itself, and one per sub job.
            models.UniqueConstraint(
                fields=["budget", "cost_code", "cost_type"],
                condition=Q(sub_job__isnull=True),
                name="budget_line_unique_code_type",
            ),
            models.UniqueConstraint(
                fields=["budget", "cost_code", "cost_type", "sub_job"],
                condition=Q(sub_job__isnull=False),
                name="budget_line_unique_code_type_sub_job",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cost_code.code}.{self.cost_type.code}"

    def clean(self) -> None:
        if self.budget_id:
            check_sub_job_of_project(self.sub_job, self.budget.project_id)


class BudgetModification(TimestampedModel):
    """A transfer between budget lines. Its lines net to zero: money moves, the total stays."""

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="modifications")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    date = models.DateField()

    class Meta:
        ordering = ["budget", "number"]
        constraints = [models.UniqueConstraint(fields=["budget", "number"], name="budget_modification_unique_number")]

    def __str__(self) -> str:
        return f"Budget modification #{self.number} ({self.budget.project.number})"

    def check_invariants(self) -> None:
        lines = list(self.lines.select_related("budget_line"))
        errors: dict[str, list[str]] = {}
        if len(lines) < 2:
            errors.setdefault("lines", []).append("A budget modification moves money between at least two lines.")
        net = sum((line.amount for line in lines), ZERO)
        if net != ZERO:
            errors.setdefault("lines", []).append(
                f"The lines of a budget modification must net to zero; these net to {net}."
            )
        if any(line.budget_line.budget_id != self.budget_id for line in lines):
            errors.setdefault("lines", []).append("Every line must belong to this project's budget.")
        if errors:
            raise ValidationError(errors)


class BudgetModificationLine(models.Model):
    modification = models.ForeignKey(BudgetModification, on_delete=models.CASCADE, related_name="lines")
    budget_line = models.ForeignKey(BudgetLineItem, on_delete=models.PROTECT, related_name="modification_lines")
    amount = MoneyField(help_text="Positive adds to the line, negative takes from it.")

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="budget_modification_line_nonzero")]

    def __str__(self) -> str:
        return f"{self.budget_line}: {self.amount}"


class Commitment(TimestampedModel):
    """A subcontract or a purchase order with its schedule of values."""

    class Kind(models.TextChoices):
        SUBCONTRACT = "subcontract", "Subcontract"
        PURCHASE_ORDER = "purchase_order", "Purchase order"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OUT_FOR_SIGNATURE = "out_for_signature", "Out for signature"
        APPROVED = "approved", "Approved"
        COMPLETE = "complete", "Complete"
        TERMINATED = "terminated", "Terminated"
        VOID = "void", "Void"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUBCONTRACT)
    number = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    vendor = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="commitments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    default_retainage_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    contract_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["project__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="commitment_unique_number_per_project"),
            models.CheckConstraint(
                condition=Q(default_retainage_percent__gte=0, default_retainage_percent__lte=100),
                name="commitment_retainage_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def original_value(self) -> Decimal:
        return self.lines.aggregate(total=Sum("amount"))["total"] or ZERO

    def approved_change_orders_value(self) -> Decimal:
        return (
            CommitmentChangeOrderLine.objects.filter(
                change_order__commitment=self, change_order__status=CommitmentChangeOrder.Status.APPROVED
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )

    def revised_value(self) -> Decimal:
        return self.original_value() + self.approved_change_orders_value()


class CommitmentLine(models.Model):
    """A line of the schedule of values."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, related_name="+")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, related_name="+")
    sub_job = models.ForeignKey(
        SubJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text=SUB_JOB_HELP
    )
    description = models.CharField(max_length=255, blank=True)
    amount = MoneyField()

    class Meta:
        ordering = ["line_number"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "line_number"], name="commitment_line_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description or self.cost_code.code}"

    def clean(self) -> None:
        if self.commitment_id:
            check_sub_job_of_project(self.sub_job, self.commitment.project_id)


class CommitmentChangeOrder(TimestampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        VOID = "void", "Void"

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="change_orders")
    number = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.APPROVED)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["commitment", "number"]
        constraints = [models.UniqueConstraint(fields=["commitment", "number"], name="change_order_unique_number")]

    def __str__(self) -> str:
        return f"CCO {self.number} {self.title}"

    @property
    def project(self) -> Project:
        return self.commitment.project


class ChangeOrderLineRules:
    """What the lines of both kinds of change order share: a line changes a line of its contract's schedule of
    values (`line_field`), keeping that line's cost code, cost type and sub job, or adds a line with its own.
    The line changed must be of the change order's own contract (`contract_field`), and a sub job of its
    project."""

    line_field: str  # the line it changes: "commitment_line", "contract_line"
    contract_field: str  # what the change order and that line belong to: "commitment", "prime_contract"
    contract_word: str

    def _changed(self) -> Any:
        return getattr(self, self.line_field)

    def clean(self) -> None:
        changed, change_order_id = self._changed(), getattr(self, "change_order_id", None)
        own: Any = self
        if changed is not None and change_order_id:
            if getattr(changed, f"{self.contract_field}_id") != getattr(own.change_order, f"{self.contract_field}_id"):
                raise ValidationError({self.line_field: f"The line belongs to another {self.contract_word}."})
        if changed is not None and own.sub_job_id is not None and own.sub_job_id != changed.sub_job_id:
            raise ValidationError(
                {
                    "sub_job": f"A line that changes a line of the {self.contract_word} keeps that line's sub job: "
                    "leave it empty."
                }
            )
        if change_order_id:
            check_sub_job_of_project(own.sub_job, getattr(own.change_order, self.contract_field).project_id)

    @property
    def effective_cost_code(self) -> CostCode:
        """The line's cost code: the changed line's, or its own for a new line (a constraint requires one)."""
        changed = self._changed()
        code = changed.cost_code if changed is not None else getattr(self, "cost_code")  # noqa: B009
        assert code is not None, "a change order line has its target"
        return code

    @property
    def effective_cost_type(self) -> CostType:
        changed = self._changed()
        kind = changed.cost_type if changed is not None else getattr(self, "cost_type")  # noqa: B009
        assert kind is not None, "a change order line has its target"
        return kind

    @property
    def effective_sub_job(self) -> SubJob | None:
        """The line's sub job: the changed line's, or its own for a new line."""
        changed = self._changed()
        return changed.sub_job if changed is not None else getattr(self, "sub_job")  # noqa: B009


class CommitmentChangeOrderLine(ChangeOrderLineRules, models.Model):
    """Changes an existing schedule-of-values line (`commitment_line` set) or adds a new one."""

    line_field, contract_field, contract_word = "commitment_line", "commitment", "commitment"

    change_order = models.ForeignKey(CommitmentChangeOrder, on_delete=models.CASCADE, related_name="lines")
    commitment_line = models.ForeignKey(
        CommitmentLine, on_delete=models.PROTECT, null=True, blank=True, related_name="change_order_lines"
    )
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sub_job = models.ForeignKey(
        SubJob,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=SUB_JOB_HELP + " A changed line keeps the sub job of the line it changes.",
    )
    description = models.CharField(max_length=255, blank=True)
    amount = MoneyField(help_text="The change: negative to reduce.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commitment_line__isnull=False) | Q(cost_code__isnull=False, cost_type__isnull=False),
                name="change_order_line_target",
                violation_error_message="A new line needs a cost code and a cost type.",
            )
        ]

    def __str__(self) -> str:
        return self.description or f"change of {self.amount}"


class SubcontractorInvoice(TimestampedModel):
    """A pay application of a subcontractor against a commitment's schedule of values."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        UNDER_REVIEW = "under_review", "Under review"
        APPROVED = "approved", "Approved"
        VOID = "void", "Void"

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=50)
    billing_period_start = models.DateField()
    billing_period_end = models.DateField()
    invoice_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNDER_REVIEW)

    class Meta:
        ordering = ["commitment", "billing_period_end", "number"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "number"], name="invoice_unique_number"),
            models.CheckConstraint(
                condition=Q(billing_period_end__gte=models.F("billing_period_start")),
                name="invoice_period_ordered",
                violation_error_message="The billing period ends before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number} ({self.commitment.number})"

    @property
    def project(self) -> Project:
        return self.commitment.project

    def totals(self) -> dict[str, Decimal]:
        sums = self.lines.aggregate(
            work=Sum("work_completed_this_period"),
            materials=Sum("materials_stored"),
            held=Sum("retainage_held"),
            released=Sum("retainage_released"),
        )
        work = sums["work"] or ZERO
        materials = sums["materials"] or ZERO
        held = sums["held"] or ZERO
        released = sums["released"] or ZERO
        return {
            "work_completed_this_period": work,
            "materials_stored": materials,
            "completed_and_stored": work + materials,
            "retainage_held": held,
            "retainage_released": released,
            "amount_due": work + materials - held + released,
        }

    def check_invariants(self) -> None:
        """An invoice never bills a line beyond its scheduled value, nor the commitment beyond its value."""
        errors: list[str] = []
        lines = list(self.lines.select_related("commitment_line", "change_order_line__change_order"))
        for line in lines:
            if line.commitment_line is not None and line.commitment_line.commitment_id != self.commitment_id:
                errors.append("A line bills a schedule-of-values line of another commitment.")
            changed = line.change_order_line
            if changed is not None and changed.change_order.commitment_id != self.commitment_id:
                errors.append("A line bills a change order of another commitment.")
        billed_before = SubcontractorInvoiceLine.objects.filter(invoice__commitment_id=self.commitment_id).exclude(
            invoice__status=SubcontractorInvoice.Status.VOID
        )
        for line in lines:
            target = line.commitment_line or line.change_order_line
            if target is None:
                continue
            target_filter = (
                {"commitment_line_id": line.commitment_line_id}
                if line.commitment_line_id
                else {"change_order_line_id": line.change_order_line_id}
            )
            billed = (
                billed_before.filter(**target_filter).aggregate(
                    total=Sum(models.F("work_completed_this_period") + models.F("materials_stored"))
                )["total"]
                or ZERO
            )
            scheduled = target.amount + (
                line.commitment_line.change_order_lines.filter(
                    change_order__status=CommitmentChangeOrder.Status.APPROVED
                ).aggregate(total=Sum("amount"))["total"]
                or ZERO
                if line.commitment_line is not None
                else ZERO
            )
            if billed > scheduled:
                errors.append(
                    f"Line “{target.description or target}” would be billed {billed} in all, "
                    f"more than its scheduled value of {scheduled}."
                )
        billed_total = (
            billed_before.aggregate(total=Sum(models.F("work_completed_this_period") + models.F("materials_stored")))[
                "total"
            ]
            or ZERO
        )
        value = self.commitment.revised_value()
        if billed_total > value:
            errors.append(f"Invoices would bill {billed_total} in all, more than the commitment's value of {value}.")
        if errors:
            raise ValidationError({"lines": errors})


class SubcontractorInvoiceLine(models.Model):
    invoice = models.ForeignKey(SubcontractorInvoice, on_delete=models.CASCADE, related_name="lines")
    commitment_line = models.ForeignKey(
        CommitmentLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_lines"
    )
    change_order_line = models.ForeignKey(
        CommitmentChangeOrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )
    work_completed_this_period = MoneyField()
    materials_stored = MoneyField()
    retainage_held = MoneyField(help_text="Retainage withheld from this period's work.")
    retainage_released = MoneyField(help_text="Retainage held earlier and paid out with this invoice.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(commitment_line__isnull=False) & Q(change_order_line__isnull=True))
                | (Q(commitment_line__isnull=True) & Q(change_order_line__isnull=False)),
                name="invoice_line_one_target",
                violation_error_message="A line bills exactly one schedule-of-values or change order line.",
            ),
            models.CheckConstraint(
                condition=Q(retainage_held__gte=0) & Q(retainage_released__gte=0),
                name="invoice_line_retainage_not_negative",
                violation_error_message="Retainage held and released cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target}: {self.completed_and_stored}"

    @property
    def target(self) -> CommitmentLine | CommitmentChangeOrderLine:
        return self.commitment_line or self.change_order_line  # type: ignore[return-value]

    @property
    def sub_job(self) -> SubJob | None:
        """The sub job of the line it bills."""
        target = self.target
        return target.sub_job if isinstance(target, CommitmentLine) else target.effective_sub_job

    @property
    def completed_and_stored(self) -> Decimal:
        return self.work_completed_this_period + self.materials_stored

    @property
    def amount_due(self) -> Decimal:
        return self.completed_and_stored - self.retainage_held + self.retainage_released


class BillPayment(models.Model):
    """What a QuickBooks bill payment (a check or a credit card charge) paid of one bill: read-only here,
    imported from QuickBooks. A payment over several bills is a row per bill (`qb_txn_id` repeats), a bill
    paid in several payments has a row per payment; a voided payment keeps its rows, at zero, marked void."""

    class Method(models.TextChoices):
        CHECK = "check", "Check"
        CREDIT_CARD = "credit_card", "Credit card"

    qb_txn_id = models.CharField(max_length=36, help_text="The payment's TxnID.")
    bill_txn_id = models.CharField(max_length=36, blank=True, help_text="The TxnID of the bill it paid.")
    method = models.CharField(max_length=20, choices=Method.choices)
    vendor = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    invoice = models.ForeignKey(
        SubcontractorInvoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    ref_number = models.CharField(max_length=20, blank=True, help_text="The check number.")
    txn_date = models.DateField()
    amount = MoneyField(help_text="What the payment paid of this bill.")
    payment_total = MoneyField(help_text="The whole payment, over every bill it paid.")
    is_void = models.BooleanField(default=False)
    memo = models.TextField(blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-txn_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["qb_txn_id", "bill_txn_id"], name="bill_payment_one_row_per_bill")
        ]
        indexes = [models.Index(fields=["bill_txn_id"], name="bill_payment_by_bill")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.ref_number} {self.amount}"


class JobCostTransaction(models.Model):
    """A line of a QuickBooks transaction that costs a job (bills, checks, credit card charges and credits,
    vendor credits, item receipts, journal entries): read-only, imported. A line that cannot be placed on a
    project's cost code is kept with `unplaced_reason` (the unsyncable direct costs)."""

    qb_txn_id = models.CharField(max_length=36)
    qb_txn_line_id = models.CharField(max_length=36, blank=True)
    txn_type = models.CharField(max_length=40)
    txn_date = models.DateField()
    ref_number = models.CharField(max_length=40, blank=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="job_costs")
    sub_job = models.ForeignKey(SubJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    vendor_name = models.CharField(max_length=255, blank=True)
    # What QuickBooks named on the line, kept for a line that could not be placed.
    customer_full_name = models.CharField(max_length=209, blank=True)
    item_full_name = models.CharField(max_length=159, blank=True)
    account_full_name = models.CharField(max_length=159, blank=True)
    amount = MoneyField(help_text="The cost: a credit is negative.")
    memo = models.TextField(blank=True)
    from_synced_invoice = models.BooleanField(
        default=False, help_text="A bill that came from one of our own invoices: not counted twice."
    )
    unplaced_reason = models.CharField(max_length=255, blank=True, help_text="Why the line is on no project.")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-txn_date", "id"]
        constraints = [models.UniqueConstraint(fields=["qb_txn_id", "qb_txn_line_id"], name="job_cost_unique_txn_line")]
        indexes = [
            # The job costs report sums a project's placed lines per cost code, cost type and sub job, and
            # counts them: an index holding every column it reads answers from the index alone.
            models.Index(
                fields=[
                    "project",
                    "unplaced_reason",
                    "cost_code",
                    "cost_type",
                    "sub_job",
                    "from_synced_invoice",
                    "amount",
                ],
                name="job_cost_summary_covering",
            ),
            models.Index(fields=["project", "txn_date"], name="job_cost_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.txn_type} {self.txn_date} {self.amount}"


# --- the owner side: the prime contract, its change orders and the owner's invoices ----------------------------

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class PrimeContract(TimestampedModel):
    """The contract with the project's owner: its schedule of values (what the owner pays for each part of
    the work) and the retention the owner holds back from each billing until the work is accepted."""

    Status = Commitment.Status

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="prime_contracts")
    owner = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="prime_contracts")
    number = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    default_retention_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=PERCENT_VALIDATORS,
        help_text="Held from each billing, unless a line says otherwise.",
    )
    contract_date = models.DateField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    estimated_completion_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["project__number", "number"]
        constraints = [
            # One contract with the owner per project: its estimate in QuickBooks is the job's sales side.
            models.UniqueConstraint(
                fields=["project"],
                name="prime_contract_one_per_project",
                violation_error_message=("The project has a prime contract already."),
            ),
            models.CheckConstraint(
                condition=Q(default_retention_percent__gte=0, default_retention_percent__lte=100),
                name="prime_contract_retention_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Prime contract {self.number} {self.title}"

    def original_value(self) -> Decimal:
        return self.lines.aggregate(total=Sum("amount"))["total"] or ZERO

    def approved_change_orders_value(self) -> Decimal:
        return (
            PrimeContractChangeOrderLine.objects.filter(
                change_order__prime_contract=self, change_order__status=PrimeContractChangeOrder.Status.APPROVED
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )

    def revised_value(self) -> Decimal:
        return self.original_value() + self.approved_change_orders_value()


class PrimeContractLine(models.Model):
    """A line of the prime contract's schedule of values."""

    prime_contract = models.ForeignKey(PrimeContract, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, related_name="+")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, related_name="+")
    sub_job = models.ForeignKey(
        SubJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text=SUB_JOB_HELP
    )
    description = models.CharField(max_length=255, blank=True)
    amount = MoneyField(help_text="The scheduled value.")
    retention_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text="Empty: the contract's default retention.",
    )

    class Meta:
        ordering = ["line_number"]
        constraints = [
            models.UniqueConstraint(fields=["prime_contract", "line_number"], name="prime_contract_line_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description or self.cost_code.code}"

    def clean(self) -> None:
        if self.prime_contract_id:
            check_sub_job_of_project(self.sub_job, self.prime_contract.project_id)

    @property
    def effective_retention_percent(self) -> Decimal:
        if self.retention_percent is not None:
            return self.retention_percent
        return self.prime_contract.default_retention_percent


class PrimeContractChangeOrder(TimestampedModel):
    """A change to the prime contract the owner approved (PCCO): new lines, or changes of existing ones."""

    Status = CommitmentChangeOrder.Status

    prime_contract = models.ForeignKey(PrimeContract, on_delete=models.PROTECT, related_name="change_orders")
    number = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.APPROVED)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["prime_contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["prime_contract", "number"], name="prime_change_order_unique_number")
        ]

    def __str__(self) -> str:
        return f"PCCO {self.number} {self.title}"

    @property
    def project(self) -> Project:
        return self.prime_contract.project


class PrimeContractChangeOrderLine(ChangeOrderLineRules, models.Model):
    """Changes a line of the schedule of values (`contract_line` set) or adds a new one."""

    line_field, contract_field, contract_word = "contract_line", "prime_contract", "prime contract"

    change_order = models.ForeignKey(PrimeContractChangeOrder, on_delete=models.CASCADE, related_name="lines")
    contract_line = models.ForeignKey(
        PrimeContractLine, on_delete=models.PROTECT, null=True, blank=True, related_name="change_order_lines"
    )
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sub_job = models.ForeignKey(
        SubJob,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=SUB_JOB_HELP + " A changed line keeps the sub job of the line it changes.",
    )
    description = models.CharField(max_length=255, blank=True)
    amount = MoneyField(help_text="The change of the scheduled value: negative to reduce.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_line__isnull=False) | Q(cost_code__isnull=False, cost_type__isnull=False),
                name="prime_change_order_line_target",
                violation_error_message="A new line needs a cost code and a cost type.",
            )
        ]

    def __str__(self) -> str:
        return self.description or f"change of {self.amount}"

    @property
    def effective_retention_percent(self) -> Decimal:
        if self.contract_line is not None:
            return self.contract_line.effective_retention_percent
        return self.change_order.prime_contract.default_retention_percent


class OwnerInvoice(TimestampedModel):
    """A progress billing to the owner (a pay application, AIA G702/G703 style): per line of the schedule
    of values, the work completed and the materials stored this period, the retention held from it and the
    retention released."""

    Status = SubcontractorInvoice.Status

    prime_contract = models.ForeignKey(PrimeContract, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=50)
    billing_period_start = models.DateField()
    billing_period_end = models.DateField()
    invoice_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNDER_REVIEW)

    class Meta:
        ordering = ["prime_contract", "billing_period_end", "number"]
        constraints = [
            models.UniqueConstraint(fields=["prime_contract", "number"], name="owner_invoice_unique_number"),
            models.CheckConstraint(
                condition=Q(billing_period_end__gte=models.F("billing_period_start")),
                name="owner_invoice_period_ordered",
                violation_error_message="The billing period ends before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Owner invoice {self.number} ({self.prime_contract.number})"

    @property
    def project(self) -> Project:
        return self.prime_contract.project

    def check_invariants(self) -> None:
        """The invoices of a contract never bill a line beyond its scheduled value (with the approved changes),
        nor release more retention on a line than they held; and they bill only approved changes."""
        errors: list[str] = []
        lines = list(self.lines.select_related("contract_line", "change_order_line__change_order"))
        for line in lines:
            if line.contract_line is not None and line.contract_line.prime_contract_id != self.prime_contract_id:
                errors.append("A line bills a schedule-of-values line of another prime contract.")
            changed = line.change_order_line
            if changed is not None:
                if changed.change_order.prime_contract_id != self.prime_contract_id:
                    errors.append("A line bills a change order of another prime contract.")
                elif changed.change_order.status != PrimeContractChangeOrder.Status.APPROVED:
                    errors.append(f"{changed.change_order} is not approved: its lines cannot be billed yet.")
        if errors:
            raise ValidationError({"lines": errors})
        billed = OwnerInvoiceLine.objects.filter(invoice__prime_contract_id=self.prime_contract_id).exclude(
            invoice__status=OwnerInvoice.Status.VOID
        )
        for line in lines:
            target = line.target
            to_date = billed.filter(**line.target_filter()).aggregate(
                billed=Sum(models.F("work_completed_this_period") + models.F("materials_stored")),
                held=Sum("retention_held"),
                released=Sum("retention_released"),
            )
            scheduled = money(line.scheduled_value())
            billed_to_date, held, released = (money(to_date[name] or ZERO) for name in ("billed", "held", "released"))
            if billed_to_date > scheduled:
                errors.append(
                    f"Line “{target.description or target}” would be billed {billed_to_date} in all, "
                    f"more than its scheduled value of {scheduled}."
                )
            if released > held:
                errors.append(
                    f"Line “{target.description or target}” would release {released} of retention in all, "
                    f"more than the {held} held on it."
                )
        if errors:
            raise ValidationError({"lines": errors})


class OwnerInvoiceLine(models.Model):
    """What an owner invoice bills of one line of the schedule of values (or of an approved PCCO's new line)."""

    invoice = models.ForeignKey(OwnerInvoice, on_delete=models.CASCADE, related_name="lines")
    contract_line = models.ForeignKey(
        PrimeContractLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_lines"
    )
    change_order_line = models.ForeignKey(
        PrimeContractChangeOrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_lines"
    )
    work_completed_this_period = MoneyField()
    materials_stored = MoneyField(help_text="Materials presently stored, billed with this invoice.")
    retention_held = MoneyField(help_text="Retention the owner holds back from this period's billing.")
    retention_released = MoneyField(help_text="Retention held earlier and billed with this invoice.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contract_line__isnull=False) & Q(change_order_line__isnull=True))
                | (Q(contract_line__isnull=True) & Q(change_order_line__isnull=False)),
                name="owner_invoice_line_one_target",
                violation_error_message="A line bills exactly one schedule-of-values or change order line.",
            ),
            models.CheckConstraint(
                condition=Q(retention_held__gte=0) & Q(retention_released__gte=0),
                name="owner_invoice_line_retention_not_negative",
                violation_error_message="Retention held and released cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target}: {self.completed_and_stored}"

    @property
    def target(self) -> PrimeContractLine | PrimeContractChangeOrderLine:
        return self.contract_line or self.change_order_line  # type: ignore[return-value]

    def target_filter(self) -> dict[str, int | None]:
        if self.contract_line_id:
            return {"contract_line_id": self.contract_line_id}
        return {"change_order_line_id": self.change_order_line_id}

    def scheduled_value(self) -> Decimal:
        """What the line it bills is worth now: its value and the approved changes to it."""
        if self.contract_line is None:
            return self.target.amount
        changes = self.contract_line.change_order_lines.filter(
            change_order__status=PrimeContractChangeOrder.Status.APPROVED
        ).aggregate(total=Sum("amount"))["total"]
        return self.contract_line.amount + (changes or ZERO)

    @property
    def sub_job(self) -> SubJob | None:
        target = self.target
        return target.sub_job if isinstance(target, PrimeContractLine) else target.effective_sub_job

    @property
    def completed_and_stored(self) -> Decimal:
        return self.work_completed_this_period + self.materials_stored

    @property
    def amount_due(self) -> Decimal:
        return self.completed_and_stored - self.retention_held + self.retention_released


class OwnerPayment(models.Model):
    """What a payment the owner made in QuickBooks (a received payment) paid of one owner invoice: read-only
    here, imported. A payment over several invoices is a row per invoice (`qb_txn_id` repeats), an invoice
    paid in several payments has a row per payment."""

    qb_txn_id = models.CharField(max_length=36, help_text="The received payment's TxnID.")
    invoice_txn_id = models.CharField(max_length=36, help_text="The TxnID of the invoice it paid.")
    prime_contract = models.ForeignKey(PrimeContract, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(OwnerInvoice, on_delete=models.PROTECT, related_name="payments")
    ref_number = models.CharField(max_length=20, blank=True, help_text="The owner's check number.")
    txn_date = models.DateField()
    amount = MoneyField(help_text="What the payment paid of this invoice.")
    payment_total = MoneyField(help_text="The whole payment, over every invoice it paid.")
    deposit_to = models.CharField(max_length=159, blank=True, help_text="The account QuickBooks put it in.")
    memo = models.TextField(blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-txn_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["qb_txn_id", "invoice_txn_id"], name="owner_payment_one_row_per_invoice")
        ]

    def __str__(self) -> str:
        return f"Payment {self.ref_number} {self.amount}"

    @property
    def is_undeposited(self) -> bool:
        """Received but not yet in the bank: QuickBooks holds it in Undeposited Funds until a deposit."""
        return self.deposit_to.casefold() == "undeposited funds"


# --- payroll time ------------------------------------------------------------------------------------------

# QuickBooks keeps payroll time in whole minutes: hours are entered in steps of 0.05 (three minutes), which an
# IIF duration (h:mm) and a qbXML one (PTnHnnM) both carry exactly.
HOURS_STEP = Decimal("0.05")
MAX_HOURS_A_DAY = Decimal("24")


def check_no_colon(value: str) -> None:
    if ":" in value:
        raise ValidationError("QuickBooks separates names with a colon: a name cannot hold one.")


class Employee(TimestampedModel):
    """A person whose hours go to QuickBooks payroll, by the name QuickBooks' employee list holds."""

    name = models.CharField(
        max_length=41,
        validators=[check_no_colon],
        help_text="As QuickBooks holds the employee (its names are unique across vendors, customers and employees).",
    )
    is_active = models.BooleanField(default=True)
    default_payroll_item = models.CharField(
        max_length=31, blank=True, help_text="The wage payroll item a new time entry takes (Hourly Rate, Overtime...)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="employee_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class PayrollExport(models.Model):
    """One IIF file of time entries, kept as written: downloading it again gives the same bytes."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content = models.BinaryField(help_text="The file, as QuickBooks reads it (Windows-1252, CRLF).")
    entry_count = models.PositiveIntegerField(default=0)
    total_hours = models.DecimalField(max_digits=9, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Payroll time file {self.pk}"

    @property
    def filename(self) -> str:
        return f"payroll-time-{self.pk}-{self.created_at:%Y%m%d}.iif"


class TimeEntry(TimestampedModel):
    """Hours one employee worked on one day, on a project (or one of its sub jobs) and cost code."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="time_entries")
    date = models.DateField()
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    sub_job = models.ForeignKey(
        SubJob, on_delete=models.PROTECT, null=True, blank=True, related_name="time_entries", help_text=SUB_JOB_HELP
    )
    cost_code = models.ForeignKey(CostCode, on_delete=models.PROTECT, related_name="time_entries")
    cost_type = models.ForeignKey(CostType, on_delete=models.PROTECT, related_name="time_entries")
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    payroll_item = models.CharField(
        max_length=31, help_text="The QuickBooks wage payroll item the hours are paid on (Hourly Rate, Overtime...)."
    )
    billable = models.BooleanField(default=False, help_text="Billable to the job's customer in QuickBooks.")
    notes = models.TextField(blank=True)
    # Set once, in the transaction that writes the IIF file the entry is in: never exported twice.
    exported_to_iif_at = models.DateTimeField(null=True, blank=True, editable=False)
    payroll_export = models.ForeignKey(
        PayrollExport, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="entries"
    )

    class Meta:
        ordering = ["date", "employee__name", "id"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_HOURS_A_DAY), name="time_entry_hours_in_a_day"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "date"], name="time_entry_project_week"),
            models.Index(fields=["employee", "date"], name="time_entry_employee_week"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.date:%m/%d/%Y} {self.hours} h"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.hours is not None:
            if not Decimal("0") < self.hours <= MAX_HOURS_A_DAY:
                errors["hours"] = "Hours are more than 0 and at most 24 a day."
            elif self.hours % HOURS_STEP:
                errors["hours"] = (
                    f"{self.hours} hours is not a whole number of minutes: enter hours in steps of 0.05 (3 minutes)."
                )
        sub_job = self.sub_job if self.sub_job_id is not None else None
        if sub_job is not None and self.project_id is not None and sub_job.project_id != self.project_id:
            errors["sub_job"] = f"The sub job {sub_job.path} belongs to another project."
        if self.payroll_item and ":" in self.payroll_item:
            errors["payroll_item"] = "A payroll item's name cannot hold a colon."
        if "hours" not in errors and self.hours and self.employee_id is not None and self.date is not None:
            # A day holds 24 hours, whatever the projects they are spread over.
            others = TimeEntry.objects.filter(employee_id=self.employee_id, date=self.date).exclude(pk=self.pk)
            day = (others.aggregate(total=Sum("hours"))["total"] or ZERO) + self.hours
            if day > MAX_HOURS_A_DAY:
                errors["hours"] = f"{self.employee} would have {day} hours on {self.date:%m/%d/%Y}: a day holds 24."
        if errors:
            raise ValidationError(errors)
