"""REST API of the project-side records. Thin: selectors read, services write, the gate decides."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from access.permissions import signed_in
from access.tools import Level, Tool
from procore_sync import models as ps
from procore_sync import selectors, services
from procore_sync.money import ZERO
from procore_sync.selectors import readable_projects, visible_projects


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A parent the user may write under; anything else reads as "does not exist" (no guessing ids)."""

    def __init__(self, *, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        kwargs.setdefault("queryset", ps.Project.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return self.scope(self.context["request"].user)


def _projects_for(tool: Tool):  # type: ignore[no-untyped-def]
    return lambda user: visible_projects(user, tool, Level.STANDARD)


def _parents_for(model: type[Model], tool: Tool, path: str):  # type: ignore[no-untyped-def]
    return lambda user: model._default_manager.filter(**{f"{path}__in": readable_projects(user, tool)})


# --- lines -----------------------------------------------------------------------------------------


class ParentLineField(serializers.PrimaryKeyRelatedField):
    """A line of the record's own parent (a schedule-of-values line of the change order's commitment, a line
    of the modification's budget). Any other id, another project's line or none at all, gets the same
    answer, so ids cannot be probed."""

    default_error_messages = {
        "does_not_exist": 'No line "{pk_value}" on this {parent}.',
        "incorrect_type": "A line is named by its id, not {data_type}.",
    }

    def __init__(self, *, model: type[Model], parent: str, path: str, **kwargs: Any) -> None:
        self.line_model, self.parent_name, self.path = model, parent, path
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def _parent_id(self) -> int | None:
        root = self.root
        given = getattr(root, "initial_data", {}).get(self.parent_name) if hasattr(root, "initial_data") else None
        if given is None and root.instance is not None:
            given = getattr(root.instance, f"{self.parent_name}_id", None)
        try:
            return int(given) if given is not None else None
        except (TypeError, ValueError):
            return None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        parent_id = self._parent_id()
        if parent_id is None:
            return self.line_model._default_manager.none()
        return self.line_model._default_manager.filter(**{self.path: parent_id})

    def fail(self, key: str, **kwargs: Any) -> None:  # type: ignore[override]
        super().fail(key, parent=self.parent_name.replace("_", " "), **kwargs)


class SubJobField(ParentLineField):
    """A sub job of the record's own project (its parent's, for a change order: its commitment's), or none.
    Another project's sub job gets the same answer as an id that does not exist."""

    default_error_messages = {
        "does_not_exist": 'No sub job "{pk_value}" on {where}.',
        "incorrect_type": "A sub job is named by its id, not {data_type}.",
    }

    def __init__(self, *, parent: str = "project", path: str = "project_id", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(model=ps.SubJob, parent=parent, path=path, **kwargs)

    def fail(self, key: str, **kwargs: Any) -> None:  # type: ignore[override]
        where = "this project" if self.parent_name == "project" else f"the project of this {self.parent_name}"
        serializers.PrimaryKeyRelatedField.fail(self, key, where=where, **kwargs)


class LineSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)


# Left out, a new line's cost type is its cost code's default cost type (`services.save_record` fills it).
DEFAULTED_COST_TYPE = {"cost_type": {"required": False}}


class BudgetLineSerializer(LineSerializer):
    sub_job = SubJobField()

    class Meta:
        model = ps.BudgetLineItem
        fields = ["id", "cost_code", "cost_type", "sub_job", "description", "original_amount"]
        extra_kwargs = DEFAULTED_COST_TYPE


class BudgetModificationLineSerializer(LineSerializer):
    budget_line = ParentLineField(model=ps.BudgetLineItem, parent="budget", path="budget_id")

    class Meta:
        model = ps.BudgetModificationLine
        fields = ["id", "budget_line", "amount"]


class CommitmentLineSerializer(LineSerializer):
    sub_job = SubJobField()

    class Meta:
        model = ps.CommitmentLine
        fields = ["id", "line_number", "cost_code", "cost_type", "sub_job", "description", "amount"]
        extra_kwargs = DEFAULTED_COST_TYPE


class ChangeOrderLineSerializer(LineSerializer):
    commitment_line = ParentLineField(
        model=ps.CommitmentLine, parent="commitment", path="commitment_id", required=False, allow_null=True
    )
    # A new line's; a line that changes one of the commitment keeps that line's.
    sub_job = SubJobField(parent="commitment", path="project__commitments")

    class Meta:
        model = ps.CommitmentChangeOrderLine
        fields = ["id", "commitment_line", "cost_code", "cost_type", "sub_job", "description", "amount"]


class InvoiceLineSerializer(LineSerializer):
    commitment_line = ParentLineField(
        model=ps.CommitmentLine, parent="commitment", path="commitment_id", required=False, allow_null=True
    )
    change_order_line = ParentLineField(
        model=ps.CommitmentChangeOrderLine,
        parent="commitment",
        path="change_order__commitment_id",
        required=False,
        allow_null=True,
    )
    completed_and_stored = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)
    amount_due = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)
    sub_job = serializers.SerializerMethodField(help_text="The billed line's sub job (null for the job itself).")

    class Meta:
        model = ps.SubcontractorInvoiceLine
        fields = [
            "id",
            "commitment_line",
            "change_order_line",
            "sub_job",
            "work_completed_this_period",
            "materials_stored",
            "retainage_held",
            "retainage_released",
            "completed_and_stored",
            "amount_due",
        ]

    def get_sub_job(self, line: ps.SubcontractorInvoiceLine) -> int | None:
        sub_job = line.sub_job if line.pk is not None else None
        return sub_job.pk if sub_job is not None else None


# Every record carries its timestamps.
RECORD_FIELDS = ("created_at", "updated_at")
# An amount as the API writes it: a string of two decimals.
_MONEY = serializers.DecimalField(max_digits=15, decimal_places=2)

# --- records ---------------------------------------------------------------------------------------


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = ps.Company
        fields = [
            "id",
            "name",
            "vendor_type",
            "contact_name",
            "phone",
            "email",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
            "is_archived",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = ps.Project
        fields = [
            "id",
            "name",
            "number",
            "status",
            "owner",
            "description",
            "start_date",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]


class SubJobSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(scope=_projects_for(Tool.ADMIN))
    # Declared fields leave the class for its field list: this one does not stand for the serializer's parent.
    parent = SubJobField(  # type: ignore[assignment]
        help_text="The sub job it is under (of the same project); null for directly under the job."
    )
    path = serializers.CharField(read_only=True, help_text='Its name under its parents: "Building A:Level 2".')

    class Meta:
        model = ps.SubJob
        fields = [
            "id",
            "project",
            "parent",
            "name",
            "path",
            "description",
            "is_active",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]


class CostCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ps.CostCode
        fields = [
            "id",
            "code",
            "description",
            "division",
            "default_cost_type",
            "is_active",
        ]


class CostTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ps.CostType
        fields = ["id", "code", "name", "is_active", "sort_order"]


class BudgetSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(scope=_projects_for(Tool.BUDGET))
    lines = BudgetLineSerializer(many=True, required=False)
    total = serializers.SerializerMethodField()

    class Meta:
        model = ps.Budget
        fields = [
            "id",
            "project",
            "is_locked",
            "locked_at",
            "lines",
            "total",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["locked_at", "created_at", "updated_at"]

    def get_total(self, budget: ps.Budget) -> str:
        return f"{sum((line.original_amount for line in budget.lines.all()), ZERO):.2f}"


class BudgetModificationSerializer(serializers.ModelSerializer):
    budget = VisibleRelatedField(scope=_parents_for(ps.Budget, Tool.BUDGET, "project"))
    lines = BudgetModificationLineSerializer(many=True, required=False)

    class Meta:
        model = ps.BudgetModification
        fields = [
            "id",
            "budget",
            "number",
            "reason",
            "date",
            "lines",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]


class CommitmentSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(scope=_projects_for(Tool.COMMITMENTS))
    vendor = serializers.PrimaryKeyRelatedField(queryset=ps.Company.objects.filter(is_archived=False))
    lines = CommitmentLineSerializer(many=True, required=False)
    original_value = serializers.SerializerMethodField()

    class Meta:
        model = ps.Commitment
        fields = [
            "id",
            "project",
            "kind",
            "number",
            "title",
            "vendor",
            "status",
            "default_retainage_percent",
            "contract_date",
            "description",
            "lines",
            "original_value",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_original_value(self, commitment: ps.Commitment) -> str:
        return f"{sum((line.amount for line in commitment.lines.all()), ZERO):.2f}"


class ChangeOrderSerializer(serializers.ModelSerializer):
    commitment = VisibleRelatedField(scope=_parents_for(ps.Commitment, Tool.CHANGE_ORDERS, "project"))
    lines = ChangeOrderLineSerializer(many=True, required=False)

    class Meta:
        model = ps.CommitmentChangeOrder
        fields = [
            "id",
            "commitment",
            "number",
            "title",
            "date",
            "status",
            "description",
            "lines",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]


class SubcontractorInvoiceSerializer(serializers.ModelSerializer):
    commitment = VisibleRelatedField(scope=_parents_for(ps.Commitment, Tool.INVOICING, "project"))
    lines = InvoiceLineSerializer(many=True, required=False)
    totals = serializers.SerializerMethodField()
    # What QuickBooks paid of the invoice's bill (read back from its bill payments).
    paid_status = serializers.SerializerMethodField(help_text="paid (in full), partly_paid or unpaid.")
    paid_amount = serializers.SerializerMethodField(help_text="What QuickBooks' payments paid of it (voided ones: 0).")
    open_balance = serializers.SerializerMethodField(help_text="The amount due less what was paid, never below 0.")
    paid_on = serializers.SerializerMethodField(help_text="The date of the payment that paid it in full, if one did.")

    class Meta:
        model = ps.SubcontractorInvoice
        fields = [
            "id",
            "commitment",
            "number",
            "billing_period_start",
            "billing_period_end",
            "invoice_date",
            "status",
            "lines",
            "totals",
            "paid_status",
            "paid_amount",
            "open_balance",
            "paid_on",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_totals(self, invoice: ps.SubcontractorInvoice) -> dict[str, str]:
        lines = list(invoice.lines.all())
        work = sum((line.work_completed_this_period for line in lines), ZERO)
        materials = sum((line.materials_stored for line in lines), ZERO)
        held = sum((line.retainage_held for line in lines), ZERO)
        released = sum((line.retainage_released for line in lines), ZERO)
        return {
            "work_completed_this_period": f"{work:.2f}",
            "materials_stored": f"{materials:.2f}",
            "completed_and_stored": f"{work + materials:.2f}",
            "retainage_held": f"{held:.2f}",
            "retainage_released": f"{released:.2f}",
            "amount_due": f"{work + materials - held + released:.2f}",
        }

    def _paid(self, invoice: ps.SubcontractorInvoice) -> selectors.PaidStatus:
        cache = self.context.setdefault("_paid_statuses", {})  # type: ignore[attr-defined]
        if invoice.pk not in cache:
            # In a list, the payments of the whole page are read at once; the amounts due from its lines.
            page = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
            invoices = list(page) if page is not None else [invoice]
            due = {each.pk: Decimal(self.get_totals(each)["amount_due"]) for each in invoices}
            cache.update(selectors.paid_statuses(list(due), due=due))
        return cache[invoice.pk]

    @extend_schema_field(serializers.ChoiceField(choices=selectors.PaidState.choices))
    def get_paid_status(self, invoice: ps.SubcontractorInvoice) -> str:
        return str(self._paid(invoice).state)

    @extend_schema_field(_MONEY)
    def get_paid_amount(self, invoice: ps.SubcontractorInvoice) -> str:
        return f"{self._paid(invoice).paid_amount:.2f}"

    @extend_schema_field(_MONEY)
    def get_open_balance(self, invoice: ps.SubcontractorInvoice) -> str:
        return f"{self._paid(invoice).open_balance:.2f}"

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_paid_on(self, invoice: ps.SubcontractorInvoice) -> datetime.date | None:
        return self._paid(invoice).paid_on


# --- the owner side ---------------------------------------------------------------------------------


class PrimeContractLineSerializer(LineSerializer):
    sub_job = SubJobField()
    effective_retention_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, help_text="Its own, or the contract's default."
    )

    class Meta:
        model = ps.PrimeContractLine
        fields = [
            "id",
            "line_number",
            "cost_code",
            "cost_type",
            "sub_job",
            "description",
            "amount",
            "retention_percent",
            "effective_retention_percent",
        ]
        extra_kwargs = DEFAULTED_COST_TYPE


class PrimeChangeOrderLineSerializer(LineSerializer):
    contract_line = ParentLineField(
        model=ps.PrimeContractLine, parent="prime_contract", path="prime_contract_id", required=False, allow_null=True
    )
    sub_job = SubJobField(parent="prime_contract", path="project__prime_contracts")

    class Meta:
        model = ps.PrimeContractChangeOrderLine
        fields = ["id", "contract_line", "cost_code", "cost_type", "sub_job", "description", "amount"]


class OwnerInvoiceLineSerializer(LineSerializer):
    contract_line = ParentLineField(
        model=ps.PrimeContractLine, parent="prime_contract", path="prime_contract_id", required=False, allow_null=True
    )
    change_order_line = ParentLineField(
        model=ps.PrimeContractChangeOrderLine,
        parent="prime_contract",
        path="change_order__prime_contract_id",
        required=False,
        allow_null=True,
    )
    completed_and_stored = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)
    amount_due = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)

    class Meta:
        model = ps.OwnerInvoiceLine
        fields = [
            "id",
            "contract_line",
            "change_order_line",
            "work_completed_this_period",
            "materials_stored",
            "retention_held",
            "retention_released",
            "completed_and_stored",
            "amount_due",
        ]


class PrimeContractSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(scope=_projects_for(Tool.PRIME_CONTRACT))
    owner = serializers.PrimaryKeyRelatedField(queryset=ps.Company.objects.filter(is_archived=False))
    lines = PrimeContractLineSerializer(many=True, required=False)
    original_value = serializers.SerializerMethodField()
    billing = serializers.SerializerMethodField(
        help_text="Revised value, billed to date, retention receivable, amount due, received and open balance."
    )

    class Meta:
        model = ps.PrimeContract
        fields = [
            "id",
            "project",
            "owner",
            "number",
            "title",
            "status",
            "default_retention_percent",
            "contract_date",
            "start_date",
            "estimated_completion_date",
            "description",
            "lines",
            "original_value",
            "billing",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(_MONEY)
    def get_original_value(self, contract: ps.PrimeContract) -> str:
        return f"{sum((line.amount for line in contract.lines.all()), ZERO):.2f}"

    @extend_schema_field(serializers.DictField(child=_MONEY))
    def get_billing(self, contract: ps.PrimeContract) -> dict[str, str]:
        cache = self.context.setdefault("_billings", {})  # type: ignore[attr-defined]
        if contract.pk not in cache:
            # In a list, the billings of the whole page are read at once.
            page = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
            cache.update(selectors.owner_billings(page or [contract]))
        billing = cache[contract.pk]
        return {
            "contract_value": f"{billing.contract_value:.2f}",
            "billed": f"{billing.billed:.2f}",
            "retention_receivable": f"{billing.retention_receivable:.2f}",
            "amount_due": f"{billing.amount_due:.2f}",
            "received": f"{billing.received:.2f}",
            "undeposited": f"{billing.undeposited:.2f}",
            "open_balance": f"{billing.open_balance:.2f}",
        }


class PrimeChangeOrderSerializer(serializers.ModelSerializer):
    prime_contract = VisibleRelatedField(scope=_parents_for(ps.PrimeContract, Tool.PRIME_CONTRACT, "project"))
    lines = PrimeChangeOrderLineSerializer(many=True, required=False)

    class Meta:
        model = ps.PrimeContractChangeOrder
        fields = ["id", "prime_contract", "number", "title", "date", "status", "description", "lines", *RECORD_FIELDS]
        read_only_fields = ["created_at", "updated_at"]


class OwnerInvoiceSerializer(serializers.ModelSerializer):
    prime_contract = VisibleRelatedField(scope=_parents_for(ps.PrimeContract, Tool.INVOICING, "project"))
    lines = OwnerInvoiceLineSerializer(many=True, required=False)
    totals = serializers.SerializerMethodField()
    received = serializers.SerializerMethodField(help_text="What QuickBooks' received payments paid of it.")
    open_balance = serializers.SerializerMethodField(help_text="The amount due less what was received.")

    class Meta:
        model = ps.OwnerInvoice
        fields = [
            "id",
            "prime_contract",
            "number",
            "billing_period_start",
            "billing_period_end",
            "invoice_date",
            "status",
            "lines",
            "totals",
            "received",
            "open_balance",
            *RECORD_FIELDS,
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_totals(self, invoice: ps.OwnerInvoice) -> dict[str, str]:
        return {name: f"{value:.2f}" for name, value in selectors.owner_invoice_totals(invoice.lines.all()).items()}

    def _received(self, invoice: ps.OwnerInvoice) -> Decimal:
        cache = self.context.setdefault("_received", {})  # type: ignore[attr-defined]
        if invoice.pk not in cache:
            # In a list, the payments of the whole page are read at once.
            page = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
            cache.update(selectors.received_on_owner_invoices(each.pk for each in (page or [invoice])))
        return cache[invoice.pk]

    @extend_schema_field(_MONEY)
    def get_received(self, invoice: ps.OwnerInvoice) -> str:
        return f"{self._received(invoice):.2f}"

    @extend_schema_field(_MONEY)
    def get_open_balance(self, invoice: ps.OwnerInvoice) -> str:
        due = selectors.owner_invoice_totals(invoice.lines.all())["amount_due"]
        return f"{due - self._received(invoice):.2f}"


class OwnerPaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    is_undeposited = serializers.BooleanField(read_only=True, help_text="Held in Undeposited Funds, not banked.")

    class Meta:
        model = ps.OwnerPayment
        fields = [
            "id",
            "qb_txn_id",
            "invoice_txn_id",
            "prime_contract",
            "invoice",
            "invoice_number",
            "ref_number",
            "txn_date",
            "amount",
            "payment_total",
            "deposit_to",
            "is_undeposited",
            "memo",
            "imported_at",
        ]
        read_only_fields = fields


class BillPaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True)

    class Meta:
        model = ps.BillPayment
        fields = [
            "id",
            "qb_txn_id",
            "bill_txn_id",
            "method",
            "vendor",
            "commitment",
            "invoice",
            "invoice_number",
            "ref_number",
            "txn_date",
            "amount",
            "payment_total",
            "is_void",
            "memo",
            "imported_at",
        ]
        read_only_fields = fields


# --- view sets -------------------------------------------------------------------------------------

_LIST_FILTERS = [OpenApiParameter("project", int, description="Only records of this project (id).")]


class RecordViewSet(viewsets.ModelViewSet):
    """List (paginated, filterable by project), create, retrieve, update and delete."""

    model: type[Model]
    # Fields that say where a record lives: set at creation, never moved.
    parent_fields: tuple[str, ...] = ()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.records_for(self.request.user, self.model, project=self.request.query_params.get("project"))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        fields = dict(serializer.validated_data)
        lines = fields.pop("lines", None)
        serializer.instance = services.save_record(signed_in(self.request.user), self.model, fields, lines)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        fields = dict(serializer.validated_data)
        lines = fields.pop("lines", None)
        instance = serializer.instance
        assert instance is not None, "an update has its record"
        for name in self.parent_fields:
            if name in fields and getattr(instance, f"{name}_id") != fields[name].pk:
                raise serializers.ValidationError({name: "A record cannot be moved to another parent."})
        services.save_record(signed_in(self.request.user), self.model, fields, lines, instance=instance)
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    def perform_destroy(self, instance: Model) -> None:
        services.delete_record(signed_in(self.request.user), instance)


def _record_viewset(
    model: type[Model], serializer: type[serializers.Serializer], *, parent_fields: tuple[str, ...] = ()
) -> type[RecordViewSet]:
    viewset = type(
        f"{model.__name__}ViewSet",
        (RecordViewSet,),
        {
            "model": model,
            "serializer_class": serializer,
            "queryset": model._default_manager.none(),
            "parent_fields": parent_fields,
            "__doc__": f"{str(model._meta.verbose_name_plural).capitalize()}.",
        },
    )
    return extend_schema_view(list=extend_schema(parameters=_LIST_FILTERS))(viewset)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            *_LIST_FILTERS,
            OpenApiParameter("commitment", int, description="Only the payments of this commitment (id)."),
            OpenApiParameter("invoice", int, description="Only the payments of this invoice (id)."),
        ]
    )
)
class BillPaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """What QuickBooks' bill payments (checks and credit card payments) paid of the subcontractor invoices'
    bills: a row per payment and bill, read back from QuickBooks (a voided payment at zero, marked void).
    Read-only; readable with the commitments they pay."""

    model = ps.BillPayment
    serializer_class = BillPaymentSerializer
    queryset = ps.BillPayment.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.bill_payments_for(
            self.request.user,
            project=params.get("project"),
            commitment=params.get("commitment"),
            invoice=params.get("invoice"),
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            *_LIST_FILTERS,
            OpenApiParameter("prime_contract", int, description="Only the payments of this prime contract (id)."),
            OpenApiParameter("invoice", int, description="Only the payments of this owner invoice (id)."),
        ]
    )
)
class OwnerPaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """What the owner's payments received in QuickBooks paid of the owner invoices: a row per payment and
    invoice, read back from QuickBooks. Read-only; readable with the owner invoices they pay."""

    model = ps.OwnerPayment
    serializer_class = OwnerPaymentSerializer
    queryset = ps.OwnerPayment.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.owner_payments_for(
            self.request.user,
            project=params.get("project"),
            prime_contract=params.get("prime_contract"),
            invoice=params.get("invoice"),
        )


# The resources: URL prefix, view set, route name.
ROUTES: list[tuple[str, type[viewsets.GenericViewSet], str]] = [
    ("companies", _record_viewset(ps.Company, CompanySerializer), "company"),
    ("projects", _record_viewset(ps.Project, ProjectSerializer), "project"),
    ("sub-jobs", _record_viewset(ps.SubJob, SubJobSerializer, parent_fields=("project",)), "sub-job"),
    ("cost-codes", _record_viewset(ps.CostCode, CostCodeSerializer), "cost-code"),
    ("cost-types", _record_viewset(ps.CostType, CostTypeSerializer), "cost-type"),
    ("budgets", _record_viewset(ps.Budget, BudgetSerializer, parent_fields=("project",)), "budget"),
    (
        "budget-modifications",
        _record_viewset(ps.BudgetModification, BudgetModificationSerializer, parent_fields=("budget",)),
        "budget-modification",
    ),
    ("commitments", _record_viewset(ps.Commitment, CommitmentSerializer, parent_fields=("project",)), "commitment"),
    (
        "change-orders",
        _record_viewset(ps.CommitmentChangeOrder, ChangeOrderSerializer, parent_fields=("commitment",)),
        "change-order",
    ),
    (
        "subcontractor-invoices",
        _record_viewset(ps.SubcontractorInvoice, SubcontractorInvoiceSerializer, parent_fields=("commitment",)),
        "subcontractor-invoice",
    ),
    (
        "prime-contracts",
        _record_viewset(ps.PrimeContract, PrimeContractSerializer, parent_fields=("project",)),
        "prime-contract",
    ),
    (
        "prime-contract-change-orders",
        _record_viewset(ps.PrimeContractChangeOrder, PrimeChangeOrderSerializer, parent_fields=("prime_contract",)),
        "prime-contract-change-order",
    ),
    (
        "owner-invoices",
        _record_viewset(ps.OwnerInvoice, OwnerInvoiceSerializer, parent_fields=("prime_contract",)),
        "owner-invoice",
    ),
    ("bill-payments", BillPaymentViewSet, "bill-payment"),
    ("owner-payments", OwnerPaymentViewSet, "owner-payment"),
]
