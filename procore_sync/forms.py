"""Forms of the project pages: a header form per record and a formset of its lines.

They parse input only; `procore_sync.services.save_record` validates the whole record, applies the edit
lock and saves. Choice lists (cost codes, cost types, lines) are read once per page and shared by every
line of the formset, so a 200-line form costs the same queries as a 2-line one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model

from procore_sync import models as ps
from procore_sync import selectors


class Choices:
    """Options read once, shared by every form of a formset: value → object."""

    def __init__(self, objects: Iterable[Any], label: Any = str, blank: str = "—") -> None:
        self.objects: dict[str, Any] = {}
        self.options: list[tuple[str, str]] = [("", blank)]
        for obj in objects:
            key = str(obj.pk)
            self.objects[key] = obj
            self.options.append((key, label(obj)))


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects read beforehand (no query per form); cleans to the object or None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lookup: dict[str, Any] = {}
        super().__init__(*args, **kwargs)

    def use(self, choices: Choices) -> None:
        self.choices = choices.options
        self.lookup = choices.objects

    def prepare_value(self, value: Any) -> Any:
        return str(value.pk) if isinstance(value, Model) else value

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.lookup.get(str(value)) if value not in (None, "") else None


class LineForm(forms.Form):
    """Base of a line form: the hidden id of an existing line, and the shared choice lists."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: dict[str, Choices] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, options in (choices or {}).items():
            field = self.fields[name]
            assert isinstance(field, ObjectChoiceField)
            field.use(options)

    def line_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        if not data.get("id"):
            data.pop("id", None)
        return data


def _money(label: str, attrs: dict[str, str] | None = None, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=15,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", **(attrs or {})}),
        **kwargs,
    )


def make_read_only(form: forms.BaseForm, names: Iterable[str], note_id: str) -> None:
    """Show `names` as they are, not to be changed: a disabled control keeps its value whatever is posted, and
    points at the note that says why."""
    for name in names:
        if name not in form.fields:
            continue
        field = form.fields[name]
        field.disabled = True
        described_by = [note_id]
        if field.help_text:
            described_by.append(f"{form[name].auto_id}_helptext")
        field.widget.attrs["aria-describedby"] = " ".join(described_by)


# --- projects ------------------------------------------------------------------------------------------


class ProjectForm(forms.ModelForm):
    class Meta:
        model = ps.Project
        fields = [
            "number",
            "name",
            "status",
            "owner",
            "start_date",
            "description",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "number": "The project's number, unique among projects.",
            "name": "Its job's name in QuickBooks, under the owner: 41 characters, no colon.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = ps.Company.objects.filter(is_archived=False).order_by("name")


# --- commitments ---------------------------------------------------------------------------------------


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = ps.Commitment
        fields = [
            "kind",
            "number",
            "title",
            "vendor",
            "status",
            "default_retainage_percent",
            "contract_date",
            "description",
        ]
        widgets = {
            "contract_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"default_retainage_percent": "Retainage (%)"}
        help_texts = {"number": "The purchase order number in QuickBooks: 11 characters at most."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor = self.fields["vendor"]
        assert isinstance(vendor, forms.ModelChoiceField)
        vendor.queryset = ps.Company.objects.filter(is_archived=False).order_by("name")


class CommitmentLineForm(LineForm):
    line_number = forms.IntegerField(label="#", required=False, min_value=1)
    cost_code = ObjectChoiceField(label="Cost code")
    cost_type = ObjectChoiceField(label="Cost type", required=False)
    sub_job = ObjectChoiceField(label="Sub job", required=False)
    description = forms.CharField(label="Description", required=False, max_length=255)
    amount = _money("Amount")


# --- commitment change orders ---------------------------------------------------------------------------


class ChangeOrderForm(forms.ModelForm):
    class Meta:
        model = ps.CommitmentChangeOrder
        fields = ["number", "title", "date", "status", "description"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class ChangeOrderLineForm(LineForm):
    commitment_line = ObjectChoiceField(
        label="Changes line", required=False, help_text="Leave empty to add a new line to the commitment."
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
        if not cleaned.get("commitment_line") and not cleaned.get("cost_code"):
            raise forms.ValidationError("Pick the line it changes, or a cost code and a cost type for a new line.")
        return cleaned


# --- subcontractor invoices ---------------------------------------------------------------------------------


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = ps.SubcontractorInvoice
        fields = ["number", "invoice_date", "billing_period_start", "billing_period_end", "status"]
        widgets = {
            "invoice_date": forms.DateInput(attrs={"type": "date"}),
            "billing_period_start": forms.DateInput(attrs={"type": "date"}),
            "billing_period_end": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"number": "The bill's reference number in QuickBooks."}


class InvoiceTarget:
    """A line an invoice can bill: a schedule-of-values line or a change order line."""

    def __init__(self, pk: str, obj: Model, label: str) -> None:
        self.pk = pk
        self.obj = obj
        self.label = label


def invoice_targets(commitment: ps.Commitment) -> Choices:
    targets = [
        InvoiceTarget(f"line-{line.pk}", line, f"{line.line_number}. {line.cost_code.code} {line.description}")
        for line in commitment.lines.select_related("cost_code")
    ]
    change_lines = ps.CommitmentChangeOrderLine.objects.filter(
        change_order__commitment=commitment, commitment_line__isnull=True
    ).select_related("change_order", "cost_code")
    targets += [
        InvoiceTarget(
            f"cco-{line.pk}",
            line,
            f"CCO {line.change_order.number}: {line.cost_code.code if line.cost_code else ''} {line.description}",
        )
        for line in change_lines
    ]
    return Choices(targets, label=lambda target: target.label)


class InvoiceLineForm(LineForm):
    target = ObjectChoiceField(label="Bills line")
    # Left empty, a line holds the commitment's retainage percentage of what it bills (the service fills it; a
    # script of the page fills it as the amounts are typed, and leaves alone a value typed over).
    work_completed_this_period = _money("Work this period", attrs={"data-retention-part": ""})
    materials_stored = _money("Materials stored", attrs={"data-retention-part": ""}, initial=Decimal("0.00"))
    retainage_held = _money("Retainage held", attrs={"data-retention-held": "", "placeholder": "Auto"}, required=False)
    retainage_released = _money("Retainage released", initial=Decimal("0.00"))

    def line_data(self) -> dict[str, Any]:
        data = super().line_data()
        target = data.pop("target")
        obj = target.obj if target is not None else None
        data["commitment_line"] = obj if isinstance(obj, ps.CommitmentLine) else None
        data["change_order_line"] = obj if isinstance(obj, ps.CommitmentChangeOrderLine) else None
        return data

    @staticmethod
    def initial_for(line: ps.SubcontractorInvoiceLine) -> dict[str, Any]:
        target = f"line-{line.commitment_line_id}" if line.commitment_line_id else f"cco-{line.change_order_line_id}"
        return {
            "id": line.pk,
            "target": target,
            "work_completed_this_period": line.work_completed_this_period,
            "materials_stored": line.materials_stored,
            "retainage_held": line.retainage_held,
            "retainage_released": line.retainage_released,
        }


# --- budgets ----------------------------------------------------------------------------------------------------


class BudgetForm(forms.ModelForm):
    class Meta:
        model = ps.Budget
        fields = ["is_locked"]
        labels = {"is_locked": "Locked"}
        help_texts = {"is_locked": "Only a locked budget can be sent to QuickBooks (as the job's estimate)."}


class BudgetLineForm(LineForm):
    cost_code = ObjectChoiceField(label="Cost code")
    cost_type = ObjectChoiceField(label="Cost type", required=False)
    sub_job = ObjectChoiceField(label="Sub job", required=False)
    description = forms.CharField(label="Description", required=False, max_length=255)
    original_amount = _money("Amount")


class BudgetModificationForm(forms.ModelForm):
    class Meta:
        model = ps.BudgetModification
        fields = ["number", "reason", "date"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"reason": "Why the money moves: the estimate's memo in QuickBooks."}


class BudgetModificationLineForm(LineForm):
    budget_line = ObjectChoiceField(label="Budget line")
    amount = _money("Amount", help_text="Positive adds to the line, negative takes from it.")


def budget_line_choices(budget: ps.Budget) -> Choices:
    """The budget's lines a modification may move money between, by cost code, cost type and sub job."""

    def label(line: ps.BudgetLineItem) -> str:
        where = f" · {line.sub_job.path}" if line.sub_job is not None else ""
        return f"{line.cost_code.code} {line.cost_type.name}{where}: {line.original_amount:,.2f}"

    lines = budget.lines.select_related("cost_code", "cost_type", "sub_job__parent__parent")
    return Choices(lines, label=label)


def sub_job_choices(project: ps.Project) -> Choices:
    """The project's sub jobs a line may name, by path; empty for the job itself."""
    sub_jobs = sorted(project.sub_jobs.select_related("parent__parent"), key=lambda sub_job: sub_job.path.lower())
    return Choices(sub_jobs, label=lambda sub_job: sub_job.path, blank="— the job —")


# --- sub jobs ---------------------------------------------------------------------------------------------------


class SubJobChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.path


class SubJobForm(forms.ModelForm):
    """A sub job of `project`: the parents offered are the project's other sub jobs that may have one under
    them (not itself, nor one under it, nor one already as deep as QuickBooks nests)."""

    class Meta:
        model = ps.SubJob
        fields = [
            "name",
            "parent",
            "description",
            "is_active",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
        ]
        field_classes = {"parent": SubJobChoiceField}
        labels = {"parent": "Under", "is_active": "Active"}
        help_texts = {
            "name": "Its name in QuickBooks, under the job (or the sub job it is part of): 41 characters, no colon.",
            "description": "The job description QuickBooks shows: 99 characters at most.",
        }

    def __init__(self, *args: Any, project: ps.Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form checks the model's rules (a parent of the same project, ...): a new one is the project's.
        if self.instance.project_id is None:
            self.instance.project = project
        parent = self.fields["parent"]
        assert isinstance(parent, SubJobChoiceField)
        parent.empty_label = "— the project's job —"
        candidates = [
            sub_job
            for sub_job in project.sub_jobs.select_related("parent__parent")
            if sub_job.depth < ps.SubJob.MAX_DEPTH and not self._is_self_or_under_it(sub_job)
        ]
        parent.queryset = ps.SubJob.objects.filter(pk__in=[sub_job.pk for sub_job in candidates]).select_related(
            "parent__parent"
        )

    def _is_self_or_under_it(self, sub_job: ps.SubJob) -> bool:
        if self.instance.pk is None:
            return False
        ancestor: ps.SubJob | None = sub_job
        while ancestor is not None:
            if ancestor.pk == self.instance.pk:
                return True
            ancestor = ancestor.parent
        return False


def line_formset(form: type[LineForm], *, extra: int) -> type[forms.BaseFormSet]:
    return forms.formset_factory(form, extra=extra, can_delete=True, max_num=2000, validate_max=True)


class JobCostFilterForm(forms.Form):
    """The filters of a list of job cost rows (a project's, or the unsyncable direct costs), from a query
    string: the pages and the API read them alike. A cost code, cost type or sub job is an id, or "none"."""

    cost_code = forms.CharField(required=False)
    cost_type = forms.CharField(required=False)
    sub_job = forms.CharField(required=False)
    vendor = forms.CharField(required=False, max_length=100, strip=True)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(
        required=False,
        choices=[("", "Every source"), ("direct", "Entered in QuickBooks"), ("invoices", "Our invoices' bills")],
    )
    project = forms.IntegerField(required=False, min_value=1)
    q = forms.CharField(required=False, max_length=100, strip=True)
    reason = forms.ChoiceField(
        required=False,
        choices=[("", "Every reason"), *((kind, reason.title) for kind, reason in selectors.UNPLACED_REASONS.items())],
    )

    def _id_or_none(self, name: str) -> int | None:
        value = str(self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        if value.lower() == "none":
            return selectors.NO_VALUE
        if not value.isdigit() or int(value) < 1:
            raise forms.ValidationError('An id, or "none" for the lines that have none.')
        return int(value)

    def clean_cost_code(self) -> int | None:
        return self._id_or_none("cost_code")

    def clean_cost_type(self) -> int | None:
        return self._id_or_none("cost_type")

    def clean_sub_job(self) -> int | None:
        return self._id_or_none("sub_job")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the date range comes before its start.")
        return data

    def filters(self) -> selectors.JobCostFilters:
        """The filters as given (call after `is_valid`: the invalid ones are left out)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return selectors.JobCostFilters(
            cost_code=data.get("cost_code"),
            cost_type=data.get("cost_type"),
            sub_job=data.get("sub_job"),
            vendor=data.get("vendor") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            source=data.get("source") or "",
            project=data.get("project"),
            search=data.get("q") or "",
            reason=data.get("reason") or "",
        )
