"""Forms of the approver's pages. They parse input only: the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms

from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.models import ErpSettings, ProjectAccountingSettings
from erp_integrations.selectors import QuickBooksLists
from erp_integrations.workflow import TRANSITIONS, Step
from procore_sync import models as ps


class AcceptForm(forms.Form):
    """What the approver may give when accepting: the fields the item's type takes (`Exportable.accept_fields`)."""

    parent_customer = forms.CharField(
        label="Parent customer in QuickBooks",
        required=False,
        max_length=209,
        widget=forms.TextInput(attrs={"list": "qb-customers", "autocomplete": "off"}),
        help_text="The QuickBooks customer this job goes under: pick one QuickBooks has, or type a new name.",
    )

    def __init__(self, *args: Any, fields: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The sender sees it on the record and by email.",
    )


# The steps an approver may take on several items at once, with their buttons' words.
BULK_ACTIONS = {step.value: TRANSITIONS[step].button for step in (Step.ACCEPT, Step.REJECT, Step.RETRY)}
BULK_LIMIT = 500


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=list(BULK_ACTIONS.items()))
    reason = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.ids: list[int] = []
        if data is not None:
            self.ids = sorted({int(value) for value in data.getlist("ids") if str(value).isdigit()})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.ids:
            raise forms.ValidationError("Select at least one item first.")
        if len(self.ids) > BULK_LIMIT:
            raise forms.ValidationError(f"Select at most {BULK_LIMIT} items at a time.")
        return cleaned


class SettingsForm(forms.Form):
    direct_export_types = forms.MultipleChoiceField(
        label="Direct export",
        required=False,
        choices=[(slug, spec.plural) for slug, spec in EXPORTABLE_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="Sending an item of these types accepts it at once, without an approver.",
    )
    retainage_item_name = forms.CharField(
        label="Retainage item",
        max_length=31,
        help_text="The QuickBooks service item that holds retainage on bills (31 characters at most).",
    )
    retention_item_name = forms.CharField(
        label="Retention item",
        max_length=31,
        help_text="The QuickBooks item owner invoices hold and release retention on (31 characters at most).",
    )
    prime_contract_estimates = forms.BooleanField(
        label="Send prime contracts as estimates",
        required=False,
        help_text="Each prime contract (and its change orders) becomes an estimate on the job. Off: billing "
        "only, the owner invoices go without one.",
    )
    expense_account_name = forms.CharField(
        label="Expense account for cost codes",
        max_length=31,
        help_text="Set on the service item of each cost code as its expense account.",
    )
    income_account_name = forms.CharField(
        label="Income account for cost codes",
        max_length=31,
        help_text="Set on the service item of each cost code as its income account.",
    )
    time_export = forms.ChoiceField(
        label="Time entries go to QuickBooks",
        choices=ErpSettings.TimeExport.choices,
        required=False,
        help_text="As an IIF file the accountant imports into QuickBooks payroll, or as time tracking through the "
        "Web Connector. An entry goes one way only, once.",
    )
    sync_every_minutes = forms.IntegerField(
        label="Sync every (minutes)",
        min_value=1,
        max_value=24 * 60,
        help_text="The sync schedule: how often scheduled work with QuickBooks runs.",
    )

    FIELDS = (
        "direct_export_types",
        "retainage_item_name",
        "retention_item_name",
        "prime_contract_estimates",
        "expense_account_name",
        "income_account_name",
        "time_export",
    )

    # The names picked from QuickBooks' lists once they are read, and what each list offers.
    PICKED = {
        "expense_account_name": (
            "expense_accounts",
            "QuickBooks' expense, cost of goods sold and other expense accounts",
        ),
        "income_account_name": ("income_accounts", "QuickBooks' income and other income accounts"),
        "retainage_item_name": ("retainage_items", "QuickBooks' service items that are no division's parent"),
    }

    def __init__(self, *args: Any, lists: QuickBooksLists | None = None, **kwargs: Any) -> None:
        """With `lists`, the QuickBooks names are picked from the current company file's lists where they were
        read (the stored name stays offered, marked, when QuickBooks does not hold it); elsewhere typed."""
        super().__init__(*args, **kwargs)
        if lists is None:
            return
        for name, (list_name, words) in self.PICKED.items():
            field = self.fields[name]
            options: list[str] | None = getattr(lists, list_name)
            current = str(self.initial.get(name) or "")
            if options is None or not (options or current):
                field.help_text = (
                    f"{field.help_text} Read QuickBooks' lists from the sync health page to pick from them."
                )
                continue
            choices = [(option, option) for option in options]
            if current and current not in options:
                choices.insert(0, (current, f"{current} (not in QuickBooks)"))
            self.fields[name] = forms.ChoiceField(
                label=field.label, choices=choices, help_text=f"{field.help_text} From {words}."
            )

    def clean_time_export(self) -> str:
        # A form posted without the choice (an older page) keeps the company's.
        return str(
            self.cleaned_data.get("time_export") or self.initial.get("time_export") or ErpSettings.TimeExport.IIF
        )

    @classmethod
    def initial_from(cls, row: ErpSettings) -> dict[str, Any]:
        return {name: getattr(row, name) for name in (*cls.FIELDS, "sync_every_minutes")}

    def changes(self, row: ErpSettings) -> dict[str, Any]:
        """Only what differs from the stored row, so a save asks for no permission it does not need."""
        changed: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            current = getattr(row, name)
            if name == "direct_export_types":
                if sorted(value) != sorted(current or []):
                    changed[name] = sorted(value)
            elif value != current:
                changed[name] = value
        return changed


# --- the standard cost code list ----------------------------------------------------------------------------


class CostCodeFilterForm(forms.Form):
    """The cost code list's filters (GET): a search, a division, a default cost type or none."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    division = forms.ModelChoiceField(
        label="Division", queryset=ps.Division.objects.all(), required=False, empty_label="All divisions"
    )
    cost_type = forms.ChoiceField(label="Default cost type", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["cost_type"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [
            ("", "Any default cost type"),
            ("none", "No default cost type"),
            *((str(kind.pk), kind.name) for kind in ps.CostType.objects.all()),
        ]

    def filters(self) -> dict[str, Any]:
        """What `selectors.cost_code_list` takes; filters that did not parse are left out."""
        data = self.cleaned_data if self.is_valid() else {}
        division = data.get("division")
        return {
            "search": (data.get("q") or "").strip(),
            "division": division.pk if division is not None else None,
            "cost_type": data.get("cost_type") or None,
        }


DEFAULT_COST_TYPE_LIMIT = 2000


class DefaultCostTypeForm(forms.Form):
    """Give the selected cost codes one default cost type (apply), or clear theirs (clear)."""

    action = forms.ChoiceField(choices=[("apply", "Apply to selected"), ("clear", "Clear selected")])
    cost_type = forms.ModelChoiceField(
        label="Default cost type",
        queryset=ps.CostType.objects.filter(is_active=True),
        required=False,
        empty_label="Pick a cost type",
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.ids: list[int] = []
        if data is not None:
            self.ids = sorted({int(value) for value in data.getlist("ids") if str(value).isdigit()})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.ids:
            raise forms.ValidationError("Select at least one cost code first.")
        if len(self.ids) > DEFAULT_COST_TYPE_LIMIT:
            raise forms.ValidationError(f"Select at most {DEFAULT_COST_TYPE_LIMIT} cost codes at a time.")
        if cleaned.get("action") == "apply" and cleaned.get("cost_type") is None:
            raise forms.ValidationError("Pick the cost type to give the selected cost codes.")
        return cleaned

    def chosen_cost_type(self) -> ps.CostType | None:
        """The default cost type the cost codes get: None clears it."""
        return self.cleaned_data["cost_type"] if self.cleaned_data["action"] == "apply" else None


class ProjectAccountingForm(forms.ModelForm):
    """What a project brings back from QuickBooks."""

    class Meta:
        model = ProjectAccountingSettings
        fields = ["sync_job_costs", "job_costs_since", "sync_paid_invoices", "notify_when_paid"]
        labels = {
            "sync_job_costs": "Sync job cost transactions",
            "job_costs_since": "Job costs from",
            "sync_paid_invoices": "Sync paid invoice notifications",
            "notify_when_paid": "E-mail an invoice's sender when QuickBooks has paid it in full",
        }
        help_texts = {
            "sync_job_costs": "Bills, checks, credit card charges and credits, vendor credits, item receipts and "
            "journal entries that QuickBooks charges to this project's job, by cost code and cost type.",
            "job_costs_since": "Transactions dated before it are not brought back (empty: all of them).",
            "sync_paid_invoices": "The payments of this project's subcontractor invoices, on their commitments.",
        }
        widgets = {"job_costs_since": forms.DateInput(attrs={"type": "date"})}
