"""A project's budget from one of its job's QuickBooks estimates ("import a budget": Standard on ERP Integrations).

The estimate's lines become budget rows (item → the cost code linked to it or named like it, class → the cost type
of that name or code, none → the code's default; the customer:job → the project, or the sub job a sub-customer is)
and are checked and saved exactly as a CSV file's rows are (`procore_sync.budget_import`): the same preview, the
same errors, the same bulk save into a new budget or the project's unlocked one, replacing its lines or adding to
them. The budget is then linked to the estimate, in the same transaction: its next export changes that estimate
rather than adding a second one beside it, and the link is the history's record of who imported it, and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from access import permissions
from access.permissions import Action
from erp_integrations import selectors, services
from erp_integrations.errors import WorkflowError
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from procore_sync import budget_import as bi
from procore_sync import models as ps
from procore_sync.money import ZERO

# A budget already in QuickBooks has an estimate of its own; one in these states can be tied to the estimate.
LINKABLE_STATES = frozenset({ErpState.DRAFT, ErpState.REJECTED, ErpState.FAILED})


@dataclass
class EstimatePreview:
    """What importing an estimate would do: the CSV import's preview of its rows (each row's `line` is the
    estimate's line number), and what the rows cannot show."""

    estimate: AccountingRecord
    result: bi.Preview
    # The sub job the whole estimate is for (its customer is the sub job's sub-customer), or None for the job.
    sub_job: ps.SubJob | None = None
    # Lines that make no budget line, and lines added together, with why.
    notes: list[str] = field(default_factory=list)
    # Whether the import makes the budget (the project has none yet).
    creates_budget: bool = True

    @property
    def ok(self) -> bool:
        return self.result.ok

    def as_dict(self) -> dict[str, Any]:
        mapped = self.result.as_dict()
        # Each row says the QuickBooks item and class it was mapped from.
        for row, shown in zip(self.result.rows, mapped["rows"], strict=True):
            shown["read_from"] = row.read_from
        return {
            "estimate": {"id": self.estimate.pk, "txn_id": self.estimate.external_id, "name": self.estimate.full_name},
            "sub_job": self.sub_job.path if self.sub_job else "",
            "creates_budget": self.creates_budget,
            "notes": self.notes,
            **mapped,
        }


def estimates(project: ps.Project) -> list[AccountingRecord] | None:
    """The estimates of the project's job and of its linked sub jobs that nothing is tied to (None while the
    project is not linked to its job)."""
    return selectors.estimates_to_import(project, with_sub_jobs=True)


def estimate_offered(project: ps.Project, estimate_id: Any) -> AccountingRecord | None:
    return next((found for found in estimates(project) or [] if str(found.pk) == str(estimate_id)), None)


def preview(
    user: User, project: ps.Project, estimate: AccountingRecord, mode: bi.Mode = bi.Mode.REPLACE
) -> EstimatePreview:
    """What importing `estimate` into the project's budget would do, and everything that stops it. Nothing saved."""
    budget = ps.Budget.objects.filter(project=project).first()
    result = bi.start_preview(permissions.check(user, Action.IMPORT_BUDGET), budget, mode)
    result.source = "estimate"
    found = EstimatePreview(estimate=estimate, result=result, creates_budget=budget is None)
    if result.missing_permission:
        return found
    if estimate_offered(project, estimate.pk) is None:
        result.errors.append(
            f"{estimate.full_name} is not an estimate of {project}'s job (or its sub jobs) that nothing is tied to."
        )
    if why := _not_linkable(budget):
        result.errors.append(why)
    sub_jobs = {
        sub_job.pk: sub_job for sub_job in ps.SubJob.objects.filter(project=project).select_related("parent__parent")
    }
    if estimate.parent_external_id in (linked := selectors.linked_sub_jobs(project)):
        found.sub_job = sub_jobs.get(linked[estimate.parent_external_id])
    by_path = {sub_job.path.casefold(): sub_job for sub_job in sub_jobs.values()}
    bi.check_rows(result, project, budget, _rows(found, by_path))
    return found


def _not_linkable(budget: ps.Budget | None) -> str:
    """Why the budget cannot be tied to an estimate now ("" when it can: it has no QuickBooks record yet)."""
    if budget is None:
        return ""
    item = ErpItem.objects.filter(object_type="budget", object_id=budget.pk).first()
    if item is None or (item.state in LINKABLE_STATES and not item.qb_ref):
        return ""
    if item.qb_ref:
        return (
            "The budget is in QuickBooks already, as an estimate of its own: import the lines from a CSV file, or "
            "unlink the budget first."
        )
    return f"The budget is {item.get_state_display().lower()} in accounting: it cannot be tied to an estimate now."


def _rows(found: EstimatePreview, by_path: dict[str, ps.SubJob]) -> list[bi.PreviewRow]:
    """The estimate's lines as budget rows: lines of one cost code, cost type and sub job added together (a
    budget has one line of each), lines of text without an item or amount left out."""
    lines = list(found.estimate.details.get("lines") or [])
    codes = services.estimate_line_places(lines)
    rows: list[bi.PreviewRow] = []
    first: dict[tuple[str, str, str], bi.PreviewRow] = {}
    for number, (line, code) in enumerate(zip(lines, codes, strict=True), start=1):
        amount = Decimal(line.get("amount") or "0")
        if not line.get("item_full_name") and amount == ZERO:
            found.notes.append(f"Line {number} is text only (no item, no amount): it makes no budget line.")
            continue
        sub_job, description = _sub_job_of(found.sub_job, line.get("description") or "", by_path)
        row = bi.PreviewRow(
            line=number,
            # A line whose item is no cost code here keeps the item's name: the check says there is no such code.
            cost_code=code.code if code is not None else line.get("item_full_name") or "",
            cost_type=line.get("class_full_name") or "",
            sub_job=sub_job.path if sub_job else "",
            description=description[: bi.DESCRIPTION_MAX],
            amount_text=f"{amount:.2f}",
            amount=amount,
            read_from=", ".join(
                f"{label} {name}"
                for label, name in (("item", line.get("item_full_name")), ("class", line.get("class_full_name")))
                if name
            ),
        )
        # The cost type the line gets: its class, else its cost code's default.
        kind = row.cost_type or (code.default_cost_type.name if code and code.default_cost_type else "")
        key = (row.cost_code.casefold(), kind.casefold(), row.sub_job.casefold())
        if code is not None and key in first:
            kept = first[key]
            kept.amount = (kept.amount or ZERO) + amount
            kept.amount_text = f"{kept.amount:.2f}"
            named = " ".join(part for part in (row.cost_code, kind, row.sub_job and f"on {row.sub_job}") if part)
            found.notes.append(
                f"Line {number} is {named} as line {kept.line} is: the budget's line adds them together."
            )
            continue
        first.setdefault(key, row)
        rows.append(row)
    return rows


def _sub_job_of(
    estimate_sub_job: ps.SubJob | None, description: str, by_path: dict[str, ps.SubJob]
) -> tuple[ps.SubJob | None, str]:
    """A line's sub job: the estimate's when it is a sub job's, else the one its description starts with as our
    own budget estimates write it ("Building A:Level 2 - Footings"), else none (the job itself)."""
    if estimate_sub_job is not None:
        return estimate_sub_job, description
    path, separator, rest = description.partition(" - ")
    if separator and (sub_job := by_path.get(path.strip().casefold())) is not None:
        return sub_job, rest.strip()
    return None, description


def import_estimate(
    user: User, project: ps.Project, estimate: AccountingRecord, mode: bi.Mode = bi.Mode.REPLACE
) -> tuple[ps.Budget, EstimatePreview]:
    """Import `estimate` into the project's budget and tie the budget to it, all of it or nothing: raises
    `EstimateImportRefused` with the preview when anything is wrong (PermissionDenied without the permission)."""
    with transaction.atomic():
        # The budget's row is held from the checks to the link: a lock or a send cannot slip in between.
        budget = ps.Budget.objects.select_for_update().filter(project=project).first()
        found = preview(user, project, estimate, mode)
        try:
            saved = bi.save_rows(user, project, budget, found.result, permitted_by=Action.IMPORT_BUDGET)
            services.link_record(saved, user, estimate, permitted_by=Action.IMPORT_BUDGET)
        except bi.ImportRefused as refused:
            raise EstimateImportRefused(found) from refused
        except WorkflowError as exc:
            # Tied to another record meanwhile: the lines saved go with the transaction.
            found.result.errors.append(exc.message)
            raise EstimateImportRefused(found) from exc
    return saved, found


class EstimateImportRefused(bi.ImportRefused):
    def __init__(self, found: EstimatePreview) -> None:
        super().__init__(found.result)
        self.found = found
