"""A record type's list with each record's accounting status, as CSV (a project's sub jobs, "synced" ones
only, ...): what QuickBooks holds or will hold of each, for a spreadsheet.

Thin: the project side's selectors say which records the user may read, the workflow's record statuses how
each stands, its payload what QuickBooks receives of it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.exportables.base import payload_fields
from erp_integrations.record_status import by_state, record_statuses
from procore_sync.selectors import records_for
from procore_sync.templatetags.ui import humanize_key
from procore_sync.views import csv_response


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@login_required
@require_GET
def record_list_csv(request: HttpRequest, slug: str) -> HttpResponseBase:
    """`/erp/records/sub_job.csv?project=12&erp_status=synced`: the records of a type the user may read (of
    one project, in one accounting status), one row each. Types whose payload has lines have no such list:
    a row is one record."""
    spec = EXPORTABLE_TYPES.get(slug)
    if spec is None or spec.has_lines:
        raise Http404("No such list.")
    records = list(records_for(request.user, spec.model, project=request.GET.get("project") or None))
    statuses = record_statuses(request.user, records)
    shown = by_state(statuses, records, request.GET.get("erp_status", ""))
    fields = [field for field in payload_fields(spec.payload_type) if not field.lines]
    name = f"{spec.plural.lower().replace(' ', '-').replace('/', '-')}{f'-{shown.state}' if shown.state else ''}"
    header = [
        "Id",
        spec.label,
        "Project",
        "Accounting status",
        "QuickBooks id",
        "Error",
        *(humanize_key(field.name) for field in fields),
    ]

    def row(record: Any) -> list[Any]:
        status = statuses.of(record)
        payload = spec.payload(record)
        return [
            record.pk,
            spec.describe(record),
            getattr(spec.project_of(record), "number", ""),
            status.state_label if status else "",
            status.item.qb_ref if status and status.item else "",
            status.error if status else "",
            *(_cell(payload.get(field.name)) for field in fields),
        ]

    return csv_response(f"{name}.csv", header, (row(record) for record in shown.records))
