"""Forms of the owner side's pages: the prime contract, its change orders (PCCOs) and the owner's invoices.

Built on the project pages' form machinery (`LineForm`, `ObjectChoiceField`, `Choices`): they parse input only,
and `procore_sync.services.save_record` validates the whole record (the invoices' `check_invariants`) and saves.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms

from procore_sync import models as ps
from procore_sync.forms import Choices, InvoiceTarget, LineForm, ObjectChoiceField
from procore_sync.money import ZERO
from procore_sync.services import retainage_held

DATE = forms.DateInput(attrs={"type": "date"})


def _money(label: str, attrs: dict[str, str] | None = None, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=15,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", **(attrs or {})}),
        **kwargs,
    )


def _percent(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100", **kwargs.pop("attrs", {})}),
        **kwargs,
    )


# --- the prime contract -------------------------------------------------------------------------------------------


class PrimeContractForm(forms.ModelForm):
    class Meta:
        model = ps.PrimeContract
        fields = [
            "number",
            "title",
            "owner",
            "status",
            "default_retention_percent",
            "contract_date",
            "start_date",
            "estimated_completion_date",
            "description",
        ]
        widgets = {
            "contract_date": DATE,
            "start_date": DATE,
            "estimated_completion_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"default_retention_percent": "Retention (%)"}
        help_texts = {"owner": "The customer the project is built for, who pays the owner invoices."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = ps.Company.objects.filter(is_archived=False).order_by("name")


class PrimeContractLineForm(LineForm):
    line_number = forms.IntegerField(label="#", required=False, min_value=1)
    cost_code = ObjectChoiceField(label="Cost code")
    cost_type = ObjectChoiceField(label="Cost type", required=False)
    sub_job = ObjectChoiceField(label="Sub job", required=False)
    description = forms.CharField(label="Description", required=False, max_length=255)
    amount = _money("Scheduled value")
    retention_percent = _percent(
        "Retention (%)", required=False, attrs={"placeholder": "Default"}, help_text="Empty: the contract's."
    )


# --- prime contract change orders ---------------------------------------------------------------------------------


class PrimeChangeOrderForm(forms.ModelForm):
    class Meta:
        model = ps.PrimeContractChangeOrder
        fields = ["number", "title", "date", "status", "description"]
        widgets = {"date": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"status": "Only an approved change order changes the contract's value and can be billed."}


class PrimeChangeOrderLineForm(LineForm):
    contract_line = ObjectChoiceField(
        label="Changes line", required=False, help_text="Leave empty to add a new line to the contract."
    )
    cost_code = ObjectChoiceField(label="Cost code", required=False)
    cost_type = ObjectChoiceField(label="Cost type", required=False)
    sub_job = ObjectChoiceField(
        label="Sub job", required=False, help_text="A new line's; a changed line keeps the sub job it has."
    )
    description = forms.CharField(label="Description", required=False, max_length=255)
    amount = _money("Change", help_text="Negative to reduce.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("contract_line") and not cleaned.get("cost_code"):
            raise forms.ValidationError("Pick the line it changes, or a cost code and a cost type for a new line.")
        return cleaned

    def line_data(self) -> dict[str, Any]:
        data = super().line_data()
        if data.get("contract_line") is not None:
            # A change of a line is that line's cost code and cost type: none of its own to disagree with them.
            data["cost_code"] = data["cost_type"] = None
        return data


def contract_line_choices(contract: ps.PrimeContract) -> Choices:
    return Choices(
        contract.lines.select_related("cost_code"),
        label=lambda line: f"{line.line_number}. {line.cost_code.code} {line.description}",
        blank="— new line —",
    )


# --- owner invoices -------------------------------------------------------------------------------------------------


class OwnerInvoiceForm(forms.ModelForm):
    class Meta:
        model = ps.OwnerInvoice
        fields = ["number", "invoice_date", "billing_period_start", "billing_period_end", "status"]
        widgets = {"invoice_date": DATE, "billing_period_start": DATE, "billing_period_end": DATE}
        help_texts = {"number": "The invoice's number for the owner (its RefNumber in QuickBooks)."}


class BillableLine(InvoiceTarget):
    """A line an owner invoice can bill, with the retention percentage the owner holds of it."""

    def __init__(self, pk: str, obj: Any, label: str, retention_percent: Decimal) -> None:
        super().__init__(pk, obj, label)
        self.retention_percent = retention_percent


def owner_invoice_targets(contract: ps.PrimeContract, invoice: ps.OwnerInvoice | None = None) -> Choices:
    """What an owner invoice may bill: the contract's lines and the new lines of its approved PCCOs, and whatever
    `invoice` bills already (a PCCO no longer approved stays shown, so that saving it says why it cannot be)."""
    default = contract.default_retention_percent
    targets = [
        BillableLine(
            f"line-{line.pk}",
            line,
            f"{line.line_number}. {line.cost_code.code} {line.description}",
            line.retention_percent if line.retention_percent is not None else default,
        )
        for line in contract.lines.select_related("cost_code")
    ]
    billed = (
        set(invoice.lines.filter(change_order_line__isnull=False).values_list("change_order_line_id", flat=True))
        if invoice is not None
        else set()
    )
    change_lines = ps.PrimeContractChangeOrderLine.objects.filter(
        change_order__prime_contract=contract, contract_line__isnull=True
    ).select_related("change_order", "cost_code")
    for line in change_lines:
        approved = line.change_order.status == ps.PrimeContractChangeOrder.Status.APPROVED
        if not approved and line.pk not in billed:
            continue
        code = line.cost_code.code if line.cost_code else ""
        state = "" if approved else f" ({line.change_order.get_status_display().lower()})"
        targets.append(
            BillableLine(
                f"pcco-{line.pk}", line, f"PCCO {line.change_order.number}{state}: {code} {line.description}", default
            )
        )
    return Choices(targets, label=lambda target: target.label)


def retention_percents(targets: Choices) -> str:
    """The retention percentage of each line an invoice may bill, for the page's script: {"line-1": "10.00"}."""
    return json.dumps({key: f"{target.retention_percent:.2f}" for key, target in targets.objects.items()})


class OwnerInvoiceLineForm(LineForm):
    target = ObjectChoiceField(label="Bills line", widget=forms.Select(attrs={"data-retention-target": ""}))
    # Left empty, a line holds its line's retention percentage of the work and materials it bills (a script of
    # the page fills it in as the amounts are typed, and leaves alone a value typed over).
    # Zero rather than empty: a line of the final billing may only release retention.
    work_completed_this_period = _money("Work this period", attrs={"data-retention-part": ""}, initial=ZERO)
    materials_stored = _money("Materials stored", attrs={"data-retention-part": ""}, initial=ZERO)
    retention_held = _money(
        "Retention held", attrs={"data-retention-held": "", "placeholder": "Auto"}, required=False, min_value=ZERO
    )
    retention_released = _money("Retention released", initial=ZERO, min_value=ZERO)

    def line_data(self) -> dict[str, Any]:
        data = super().line_data()
        target = data.pop("target")
        obj = target.obj if target is not None else None
        data["contract_line"] = obj if isinstance(obj, ps.PrimeContractLine) else None
        data["change_order_line"] = obj if isinstance(obj, ps.PrimeContractChangeOrderLine) else None
        if data.get("retention_held") is None:
            # The same rounding as the subcontractors' retainage: two places, half up, none of a credit.
            billed = (data.get("work_completed_this_period") or ZERO) + (data.get("materials_stored") or ZERO)
            data["retention_held"] = retainage_held(target.retention_percent, billed) if target else ZERO
        return data

    @staticmethod
    def initial_for(line: ps.OwnerInvoiceLine) -> dict[str, Any]:
        target = f"line-{line.contract_line_id}" if line.contract_line_id else f"pcco-{line.change_order_line_id}"
        return {
            "id": line.pk,
            "target": target,
            "work_completed_this_period": line.work_completed_this_period,
            "materials_stored": line.materials_stored,
            "retention_held": line.retention_held,
            "retention_released": line.retention_released,
        }
