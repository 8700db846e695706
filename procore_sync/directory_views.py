"""The pages of the company's lists, under /directory/: the directory's companies, the standard cost codes and
the cost types. Each has a list (searched, a page at a time, as CSV), a page per record (its fields, where it
stands with accounting and the steps the user may take, what names it), create and edit forms, and delete.

One set of views serves the three: a `ListKind` says what differs (its URL, its form, what a list shows and
searches). The forms are the project pages' machinery (`RecordFormPage`), the writes `services.save_record`
and `services.delete_record`, the reads the selectors, and the one permission gate decides what is offered.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods

from access import permissions
from access.permissions import Action, Person
from procore_sync import directory_forms as df
from procore_sync import selectors
from procore_sync.records import RECORD_TYPES, RecordType
from procore_sync.views import RecordFormPage, _record_form, csv_response, page_of, record_name

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListKind:
    """One of the company's lists, as its pages show it."""

    slug: str  # the record type's
    path: str  # under /directory/
    plural: str
    form: type[forms.ModelForm]
    # What a row of the list shows (the first links to the record), and what the search looks in.
    columns: tuple[str, ...]
    search: tuple[str, ...]
    # The field no two records share: how a record just created is found again.
    key: str
    # What QuickBooks keeps of a record of the list.
    in_quickbooks: str
    intro: str

    @property
    def record_type(self) -> RecordType:
        return RECORD_TYPES[self.slug]

    @property
    def model(self) -> type[Model]:
        return self.record_type.model

    @property
    def label(self) -> str:
        return self.record_type.label

    @property
    def fields(self) -> list[str]:
        """What a record's page and the CSV show: the form's fields, and what the form does not change."""
        names = list(self.form._meta.fields or [])
        return [*names, *(name for name in ("is_archived",) if hasattr(self.model, name) and name not in names)]

    def url(self, page: str, record: Model | None = None) -> str:
        return reverse(f"directory:{self.slug}-{page}", args=[record.pk] if record is not None else [])


KINDS: dict[str, ListKind] = {
    kind.slug: kind
    for kind in [
        ListKind(
            slug="company",
            path="companies",
            plural="Companies",
            form=df.CompanyForm,
            columns=("name", "vendor_type", "contact_name", "phone", "city"),
            search=("name", "contact_name", "email", "phone", "city", "tax_id"),
            key="name",
            in_quickbooks="QuickBooks vendor",
            intro="The vendors, subcontractors and suppliers the company works with, and the owners it works for.",
        ),
        ListKind(
            slug="cost_code",
            path="cost-codes",
            plural="Cost codes",
            form=df.CostCodeForm,
            columns=("code", "description", "division", "default_cost_type", "is_active"),
            search=("code", "description", "division__code", "division__name"),
            key="code",
            in_quickbooks="QuickBooks service item",
            intro="The company's standard cost codes, by division: each is a service item in QuickBooks.",
        ),
        ListKind(
            slug="cost_type",
            path="cost-types",
            plural="Cost types",
            form=df.CostTypeForm,
            columns=("name", "code", "sort_order", "is_active"),
            search=("name", "code"),
            key="code",
            in_quickbooks="QuickBooks class",
            intro="Labor, Material, Subcontract...: each line of a budget, commitment or invoice has one; "
            "QuickBooks keeps it as the line's class.",
        ),
        ListKind(
            slug="employee",
            path="employees",
            plural="Employees",
            form=df.EmployeeForm,
            columns=("name", "default_payroll_item", "is_active"),
            search=("name", "default_payroll_item"),
            key="name",
            in_quickbooks="QuickBooks employee",
            intro="The people whose timesheet hours go to QuickBooks payroll, each linked to its QuickBooks employee.",
        ),
    ]
}


@functools.cache
def _kinds_by_model() -> dict[type[Model], ListKind]:
    return {kind.model: kind for kind in KINDS.values()}


def _kind(slug: str) -> ListKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("No such list.") from None


def _record_or_404(user: Person, kind: ListKind, pk: int) -> Model:
    # The gate first: someone who may not read the list is told what it needs, not that nothing is there.
    permissions.require(user, Action.VIEW, object_type=kind.slug)
    try:
        record = selectors.records_for(user, kind.model).get(pk=pk)
    except kind.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404(f"No such {kind.label.lower()}, or you cannot see it.") from None
    permissions.require(user, Action.VIEW, record)
    return record


def _tabs(user: Person, current: ListKind) -> list[dict[str, Any]]:
    """The company's lists the user may read, for the pages' own navigation."""
    return [
        {"label": kind.plural, "url": kind.url("list"), "current": kind is current}
        for kind in KINDS.values()
        if permissions.check(user, Action.VIEW, object_type=kind.slug)
    ]


def display(record: Model, name: str) -> str:
    """A field's value as a page or a CSV shows it: a choice's label, yes or no, a related record's name."""
    field = record._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(record, f"get_{name}_display")())
    value = getattr(record, name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


# Labels of what a page shows beside the form's fields.
SHOWN_LABELS = {"is_archived": "Archived"}


def _label(kind: ListKind, name: str) -> str:
    form_field = kind.form.base_fields.get(name)
    if form_field is not None and form_field.label:
        return str(form_field.label)
    if name in SHOWN_LABELS:
        return SHOWN_LABELS[name]
    return capfirst(str(kind.model._meta.get_field(name).verbose_name))  # type: ignore[union-attr]


def _searched(queryset: QuerySet, kind: ListKind, search: str) -> QuerySet:
    condition = Q()
    for name in kind.search:
        condition |= Q(**{f"{name}__icontains": search})
    return queryset.filter(condition)


# --- the list ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def record_list(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The list, searched; archived companies only when asked for; `?format=csv` gives every match."""
    kind = _kind(slug)
    user = request.user
    permissions.require(user, Action.VIEW, object_type=kind.slug)
    search = request.GET.get("q", "").strip()[:100]
    with_archived = request.GET.get("archived") == "1"
    queryset = selectors.records_for(user, kind.model, include_archived=with_archived)
    if search:
        queryset = _searched(queryset, kind, search)
    if request.GET.get("format") == "csv":
        fields = kind.fields
        return csv_response(
            f"{kind.path}.csv",
            ["Id", *(_label(kind, name) for name in fields)],
            ([record.pk, *(display(record, name) for name in fields)] for record in queryset.iterator()),
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    records = list(page.object_list)
    csv_query = request.GET.copy()
    csv_query.pop("page", None)
    csv_query["format"] = "csv"
    context = {
        "kind": kind,
        "tabs": _tabs(user, kind),
        "page": page,
        "records": records,
        "headers": [_label(kind, name) for name in kind.columns],
        "rows": [
            {"record": record, "url": kind.url("detail", record), "cells": [display(record, n) for n in kind.columns]}
            for record in records
        ],
        "search": search,
        "with_archived": with_archived,
        "has_archived": hasattr(kind.model, "is_archived"),
        "csv_query": csv_query.urlencode(),
        "can_create": bool(permissions.check(user, Action.CREATE, object_type=kind.slug)),
    }
    return render(request, "directory/list.html", context)


# --- one record ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def record_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A record's fields, where it stands with accounting (and the steps the user may take), what names it."""
    kind = _kind(slug)
    user = request.user
    record = _record_or_404(user, kind, pk)
    naming = selectors.records_naming(user, record)
    context = {
        "kind": kind,
        "tabs": _tabs(user, kind),
        "record": record,
        "fields": [{"label": _label(kind, name), "value": display(record, name)} for name in kind.fields],
        "naming": [
            {
                "label": found.label,
                "count": found.count,
                "records": [{"name": str(other), "url": page_of(other)} for other in found.records],
            }
            for found in naming
        ],
        "can_edit": bool(permissions.check(user, Action.EDIT, record)),
        "can_delete": bool(permissions.check(user, Action.DELETE, record)),
    }
    return render(request, "directory/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    """Create or edit, through the project pages' form machinery (the gate, the edit lock, the errors)."""
    kind = _kind(slug)
    record = _record_or_404(request.user, kind, pk) if pk is not None else None
    page = RecordFormPage(
        title=f"Edit {record_name(record)}" if record else f"New {kind.label.lower()}",
        model=kind.model,
        header_class=kind.form,
        line_class=None,
        choices={},
        initial_lines=[],
        parent_fields={},
        cancel_url=kind.url("detail", record) if record else kind.url("list"),
        cancel_label=str(record) if record else kind.plural,
        instance=record,
    )
    return _record_form(request, page)
