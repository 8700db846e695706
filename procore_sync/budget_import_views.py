"""The pages of a budget import: upload a CSV file, see its preview (nothing saved), confirm, and the budget has it.

Between the preview and the confirm the file stays in the user's session (the database session store), under a
token the confirm form carries. Sending the file back as a signed hidden field was the other choice; it would
put up to 5 MB (6.7 MB as base64) in the page and post it back again, and a browser without the preview page's
form state (a reload) would lose it. The token makes the confirm import exactly the file that was previewed: a
preview of another file in another tab replaces it, and the stale confirm is refused and asks for an upload.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procore_sync import budget_import as bi
from procore_sync import models as ps
from procore_sync.views import _project_or_404

PREVIEW_ROWS_SHOWN = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns Cost code, Cost type, Description, Amount (and Sub job, by its path); "
        "Excel's CSV (commas or semicolons) is read.",
    )
    mode = forms.ChoiceField(
        label="The file's lines",
        choices=[(mode.value, bi.MODE_LABELS[mode]) for mode in bi.Mode],
        initial=bi.Mode.REPLACE.value,
        widget=forms.RadioSelect,
        help_text="Replacing keeps the lines the file names again (with its amounts) and deletes the others.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > bi.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {bi.MAX_BYTES // (1024 * 1024)} MB; split it.")
        return upload


def _session_key(project: ps.Project) -> str:
    return f"budget_import:{project.pk}"


def _allowed(request: HttpRequest, project: ps.Project) -> ps.Budget | None:
    budget = ps.Budget.objects.filter(project=project).first()
    decision = bi.may_import(request.user, project, budget)  # type: ignore[arg-type]
    if not decision:
        raise PermissionDenied(f"Importing into this budget needs {decision.missing}.")
    return budget


def preview_context(result: bi.Preview) -> dict[str, Any]:
    """What a page shows of a preview (`projects/_budget_import_rows.html`): the rows with errors when any has one,
    else every row, at most PREVIEW_ROWS_SHOWN of them."""
    with_errors = [row for row in result.rows if row.errors]
    shown = with_errors if with_errors else result.rows
    return {
        "preview": result,
        "rows": shown[:PREVIEW_ROWS_SHOWN],
        "rows_hidden": max(0, len(shown) - PREVIEW_ROWS_SHOWN),
        "only_errors": bool(with_errors),
        "clean_rows": len(result.rows) - len(with_errors),
        "mode_label": bi.MODE_LABELS[result.mode],
    }


def _render_preview(
    request: HttpRequest, project: ps.Project, form: UploadForm, result: bi.Preview, token: str
) -> HttpResponse:
    context = {"project": project, "form": form, "token": token, **preview_context(result)}
    return render(request, "projects/budget_import_preview.html", context, status=200 if result.ok else 422)


@login_required
@require_http_methods(["GET", "POST"])
def budget_import(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The upload form; posted, the preview of the file."""
    project = _project_or_404(request.user, project_pk)
    budget = _allowed(request, project)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        mode = bi.Mode(form.cleaned_data["mode"])
        result = bi.preview(request.user, project, data, mode)  # type: ignore[arg-type]
        token = ""
        if result.ok:
            token = secrets.token_urlsafe(16)
            request.session[_session_key(project)] = {
                "token": token,
                "mode": mode.value,
                "data": base64.b64encode(data).decode("ascii"),
            }
        else:
            request.session.pop(_session_key(project), None)
        return _render_preview(request, project, UploadForm(initial={"mode": mode.value}), result, token)
    context = {"project": project, "form": form, "lock": bi.budget_lock(budget), "budget": budget}
    return render(request, "projects/budget_import.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def budget_import_confirm(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project_or_404(request.user, project_pk)
    _allowed(request, project)
    kept = request.session.get(_session_key(project))
    if not kept or not secrets.compare_digest(kept["token"], request.POST.get("token", "")):
        messages.error(
            request, "The previewed file is no longer at hand (another was previewed since); upload it again."
        )
        return redirect("projects:budget-import", project.pk)
    mode = bi.Mode(kept["mode"])
    try:
        result = bi.import_budget(request.user, project, base64.b64decode(kept["data"]), mode)  # type: ignore[arg-type]
    except bi.ImportRefused as refused:
        # Something changed since the preview (a cost code, the budget's lock): the file is shown again with why.
        request.session.pop(_session_key(project), None)
        return _render_preview(request, project, UploadForm(initial={"mode": mode.value}), refused.preview, "")
    request.session.pop(_session_key(project), None)
    count = len(result.rows)
    messages.success(request, f"Imported {count} line{'' if count == 1 else 's'} into the budget of {project}.")
    return redirect(reverse("projects:detail", args=[project.pk]) + "#budget")


@login_required
@require_GET
def budget_import_sample(request: HttpRequest, project_pk: int) -> HttpResponse:
    _project_or_404(request.user, project_pk)
    response = HttpResponse(bi.SAMPLE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="budget-sample.csv"'
    return response
