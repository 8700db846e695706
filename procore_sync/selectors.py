"""Every read of project-side records that is more than a `get`: what a user may see, ready to list."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Model, OuterRef, QuerySet

from erp_integrations.exportables import is_exportable_model
from erp_integrations.models import ErpItem, ErpState
from erp_integrations.permissions import ERP, access_for, readable_projects
from procore_sync import models as ps
from procore_sync.tools import GRANTABLE_LEVELS, PROJECT_TOOLS, Level, Tool, level_codename

# The tool whose readers see each project record type.
RECORD_TOOLS: dict[type[Model], Tool] = {
    ps.Budget: Tool.BUDGET,
    ps.BudgetModification: Tool.BUDGET,
    ps.Commitment: Tool.COMMITMENTS,
    ps.CommitmentChangeOrder: Tool.CHANGE_ORDERS,
    ps.SubcontractorInvoice: Tool.INVOICING,
}

PROJECT_PATHS: dict[type[Model], str] = {
    ps.Project: "pk",
    ps.Budget: "project",
    ps.BudgetModification: "budget__project",
    ps.Commitment: "project",
    ps.CommitmentChangeOrder: "commitment__project",
    ps.SubcontractorInvoice: "commitment__project",
}

_RELATED: dict[type[Model], tuple[list[str], list[str]]] = {
    ps.Company: ([], []),
    ps.Project: (["owner"], []),
    ps.CostCode: (["division", "default_cost_type"], []),
    ps.CostType: ([], []),
    ps.Budget: (["project"], ["lines__cost_code", "lines__cost_type"]),
    ps.BudgetModification: (["budget__project"], ["lines"]),
    ps.Commitment: (["project", "vendor"], ["lines"]),
    ps.CommitmentChangeOrder: (["commitment__project"], ["lines"]),
    ps.SubcontractorInvoice: (["commitment__project", "commitment__vendor"], ["lines"]),
}


def visible_any_tool_projects(user: Any) -> QuerySet[ps.Project]:
    """Projects on which the user holds any level on any project tool (or all, for ERP readers)."""
    access = access_for(user)
    if access.level(ERP) >= Level.READ_ONLY or any(access.level(tool) >= Level.READ_ONLY for tool in PROJECT_TOOLS):
        return ps.Project.objects.all()
    from guardian.shortcuts import get_objects_for_user

    codenames = [f"procore_sync.{level_codename(tool, lvl)}" for tool in PROJECT_TOOLS for lvl in GRANTABLE_LEVELS]
    return get_objects_for_user(user, codenames, klass=ps.Project, any_perm=True, accept_global_perms=False)


def can_read_directory(user: Any) -> bool:
    access = access_for(user)
    return access.level(ERP) >= Level.READ_ONLY or access.has_any_project_level(Tool.DIRECTORY, Level.READ_ONLY)


def records_for(
    user: Any,
    model: type[Model],
    *,
    project: str | int | None = None,
    erp_status: str | None = None,
    include_archived: bool = True,
) -> QuerySet:
    """The records of `model` that `user` may read, with their workflow state prefetched."""
    queryset: QuerySet = model._default_manager.all()
    if model is ps.Project:
        queryset = queryset.filter(pk__in=visible_any_tool_projects(user).values("pk"))
    elif model in RECORD_TOOLS:
        path = PROJECT_PATHS[model]
        queryset = queryset.filter(**{f"{path}__in": readable_projects(user, RECORD_TOOLS[model])})
    elif model is ps.Company and not can_read_directory(user):
        queryset = queryset.none()
    if model is ps.Company and not include_archived:
        queryset = queryset.filter(is_archived=False)
    if project not in (None, "") and model in PROJECT_PATHS:
        queryset = queryset.filter(**{PROJECT_PATHS[model]: _as_int(project)})
    if erp_status:
        queryset = _with_erp_status(queryset, erp_status)
    select, prefetch = _RELATED[model]
    if select:
        queryset = queryset.select_related(*select)
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    return queryset.order_by(*model._meta.ordering or ["pk"], "pk")


def _as_int(value: str | int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _with_erp_status(queryset: QuerySet, erp_status: str) -> QuerySet:
    if not is_exportable_model(queryset.model):
        return queryset.none()
    items = ErpItem.objects.filter(
        content_type=ContentType.objects.get_for_model(queryset.model), object_id=OuterRef("pk")
    )
    if erp_status == ErpState.DRAFT:
        # A record that was never sent has no item yet: it is a draft too.
        return queryset.exclude(Exists(items.exclude(state=ErpState.DRAFT)))
    return queryset.filter(Exists(items.filter(state=erp_status)))
