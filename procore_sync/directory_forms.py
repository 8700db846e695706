"""Forms of the company's lists: the directory's companies, the standard cost codes and the cost types.

Like the project pages' forms they parse input only: `procore_sync.services.save_record` validates the whole
record (QuickBooks' rules are checked when it is sent), applies the edit lock and saves.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from procore_sync import models as ps

ADDRESS_FIELDS = ["address_line1", "address_line2", "city", "state", "postal_code", "country"]


class CompanyForm(forms.ModelForm):
    # Archiving is not offered here: archiving a company is an ERP Integrations step (PRODUCT.md section 3),
    # and QuickBooks archives the companies of the vendors it makes inactive.
    class Meta:
        model = ps.Company
        fields = ["name", "vendor_type", "contact_name", "phone", "email", "tax_id", *ADDRESS_FIELDS]
        labels = {"vendor_type": "Type", "tax_id": "Tax id"}
        help_texts = {
            "name": "Its vendor name in QuickBooks: 41 characters, no colon, unique among QuickBooks' vendors, "
            "customers, employees and other names.",
            "vendor_type": "An owner is the customer of its projects' jobs in QuickBooks, not a vendor.",
            "tax_id": "The vendor's tax identification number (for 1099s): 15 characters at most.",
        }


class CostCodeForm(forms.ModelForm):
    class Meta:
        model = ps.CostCode
        fields = ["code", "description", "division", "default_cost_type", "is_active"]
        labels = {"is_active": "Active"}
        help_texts = {
            "code": "The service item's name in QuickBooks, under its division's item: 31 characters, no colon.",
            "default_cost_type": "What a budget, commitment or change order line of this code takes when it "
            "names no cost type.",
            "is_active": "An inactive cost code is not offered on new lines.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default_cost_type = self.fields["default_cost_type"]
        assert isinstance(default_cost_type, forms.ModelChoiceField)
        # Active ones, and the one it has (an inactive default stays as it is unless changed).
        default_cost_type.queryset = ps.CostType.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.default_cost_type_id)
        )
        default_cost_type.empty_label = "— none —"


class CostTypeForm(forms.ModelForm):
    class Meta:
        model = ps.CostType
        fields = ["name", "code", "sort_order", "is_active"]
        labels = {"is_active": "Active", "sort_order": "Order in lists"}
        help_texts = {
            "name": "The class QuickBooks keeps on transaction lines of this cost type.",
            "is_active": "An inactive cost type is not offered on new lines.",
        }


class EmployeeForm(forms.ModelForm):
    class Meta:
        model = ps.Employee
        fields = ["name", "default_payroll_item", "is_active"]
        labels = {"is_active": "Active", "default_payroll_item": "Payroll item"}
        help_texts = {
            "name": "As QuickBooks holds the employee: time goes to QuickBooks payroll under this name.",
            "is_active": "An inactive employee's time cannot be sent.",
        }
