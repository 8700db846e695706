"""Forms of the approver's pages. They parse input only: the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms

from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.models import ErpSettings
from erp_integrations.workflow import TRANSITIONS, Step


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
    sync_every_minutes = forms.IntegerField(
        label="Sync every (minutes)",
        min_value=1,
        max_value=24 * 60,
        help_text="The sync schedule: how often scheduled work with QuickBooks runs.",
    )

    FIELDS = ("direct_export_types", "retainage_item_name", "expense_account_name", "income_account_name")

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
