"""Who may do what: PRODUCT.md section 3 as one table, and the one gate that reads it.

The API, the pages and the admin of every app call `check` / `require`, which is why the gate sits below
them all. A rule is a requirement on the user's tool levels (None < Read Only < Standard < Admin),
optionally with the company-level Can Push to Accounting privilege. `ITEM_TOOL` means "the tool where the
record lives" (Commitments for a commitment, ...): the project side registers, for each of its record
types, that tool and how to find the record's project (`register_record_type`), so the gate needs no
import of the records it guards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from guardian.core import ObjectPermissionChecker

from access.tools import CAN_PUSH_TO_ACCOUNTING, GRANTABLE_LEVELS, Level, Tool, level_codename

# Whoever a page or the API serves: signed in, or not yet.
Person = User | AnonymousUser

# A project: per-project grants are django-guardian object permissions on it. The gate needs no more of it
# than that and its number, so it names no model of the project side.
Project = Model


class Action(StrEnum):
    # On one record of a project tool (or a company list).
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    SEND = "send"
    RETRIEVE = "retrieve"
    RESEND = "resend"
    ACCEPT = "accept"
    REJECT = "reject"
    RETRY = "retry"
    UNLINK = "unlink"
    # Company-level ERP Integrations actions.
    VIEW_ERP_QUEUE = "view_erp_queue"
    VIEW_QBXML = "view_qbxml"
    VIEW_ARCHIVED_COMPANIES = "view_archived_companies"
    ARCHIVE_COMPANY = "archive_company"
    ADD_PROJECT_TO_QUICKBOOKS = "add_project_to_quickbooks"
    ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY = "add_quickbooks_company_to_directory"
    ASSIGN_DEFAULT_COST_TYPES = "assign_default_cost_types"
    IMPORT_BUDGET = "import_budget"
    IMPORT_PRIME_CONTRACT = "import_prime_contract"
    ADD_QUICKBOOKS_JOB_AS_PROJECT = "add_quickbooks_job_as_project"
    CONFIGURE_SETTINGS = "configure_settings"
    ENABLE_DIRECT_EXPORT = "enable_direct_export"
    LINK_QUICKBOOKS_COMPANIES = "link_quickbooks_companies"
    REFRESH_COMPANIES = "refresh_companies"
    REFRESH_COST_CODES = "refresh_cost_codes"
    SYNC_JOB_COSTS = "sync_job_costs"
    VIEW_ACCOUNTANT_REPORT = "view_accountant_report"
    MANAGE_CONNECTIONS = "manage_connections"
    RELEASE_WEB_CONNECTOR_SESSION = "release_web_connector_session"
    VIEW_JOB_COSTS_REPORT = "view_job_costs_report"
    VIEW_UNSYNCABLE_COSTS_REPORT = "view_unsyncable_costs_report"
    # Writing the IIF file of accepted time entries, which QuickBooks payroll imports.
    EXPORT_PAYROLL_IIF = "export_payroll_iif"


ITEM_TOOL = "item_tool"


@dataclass(frozen=True)
class Needs:
    """At least `level` on `tool` (for project tools: on the record's project, or company-wide)."""

    tool: Tool | str
    level: Level

    def missing(self, access: Access, tool_of_item: Tool | None, project: Project | None) -> str | None:
        tool = tool_of_item if self.tool == ITEM_TOOL else Tool(self.tool)
        assert tool is not None, "ITEM_TOOL needs a record"
        if access.level(tool, project) >= self.level:
            return None
        where = (
            f" on project {getattr(project, 'number', project.pk)}"
            if project is not None and tool.is_project_tool
            else ""
        )
        return f"{self.level.label} on {tool.label}{where}"


@dataclass(frozen=True)
class Privilege:
    codename: str = CAN_PUSH_TO_ACCOUNTING

    def missing(self, access: Access, tool_of_item: Tool | None, project: Project | None) -> str | None:
        return None if access.has_push_privilege() else "the Can Push to Accounting privilege"


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Any, ...]

    def missing(self, access: Access, tool_of_item: Tool | None, project: Project | None) -> str | None:
        gaps = [gap for part in self.parts if (gap := part.missing(access, tool_of_item, project))]
        return " and ".join(gaps) or None


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Any, ...]

    def missing(self, access: Access, tool_of_item: Tool | None, project: Project | None) -> str | None:
        gaps = []
        for part in self.parts:
            gap = part.missing(access, tool_of_item, project)
            if gap is None:
                return None
            gaps.append(gap)
        return "either " + ", or ".join(gaps)


ERP = Tool.ERP_INTEGRATIONS
ACCOUNTING_APPROVER = AllOf((Needs(ERP, Level.STANDARD), Privilege()))
REPORTS_WITH_BUDGET_OR_PRIME = AllOf(
    (
        Needs(Tool.REPORTS, Level.READ_ONLY),
        AnyOf((Needs(Tool.BUDGET, Level.ADMIN), Needs(Tool.PRIME_CONTRACT, Level.ADMIN))),
    )
)

# The matrix. Reading a record is open to its tool's readers and to everyone who reads ERP Integrations
# (approvers must see what they accept).
RULES: dict[Action, Any] = {
    Action.VIEW: AnyOf((Needs(ITEM_TOOL, Level.READ_ONLY), Needs(ERP, Level.READ_ONLY))),
    Action.CREATE: Needs(ITEM_TOOL, Level.STANDARD),
    Action.EDIT: Needs(ITEM_TOOL, Level.STANDARD),
    Action.DELETE: Needs(ITEM_TOOL, Level.ADMIN),
    Action.SEND: Needs(ITEM_TOOL, Level.ADMIN),
    Action.RETRIEVE: Needs(ITEM_TOOL, Level.ADMIN),
    Action.RESEND: Needs(ITEM_TOOL, Level.ADMIN),
    Action.ACCEPT: ACCOUNTING_APPROVER,
    Action.REJECT: ACCOUNTING_APPROVER,
    Action.RETRY: ACCOUNTING_APPROVER,
    Action.UNLINK: Needs(ERP, Level.STANDARD),
    Action.VIEW_ERP_QUEUE: Needs(ERP, Level.READ_ONLY),
    # The qbXML an item will send is part of what its approver accepts.
    Action.VIEW_QBXML: AnyOf((Needs(ERP, Level.ADMIN), ACCOUNTING_APPROVER)),
    Action.VIEW_ARCHIVED_COMPANIES: Needs(ERP, Level.STANDARD),
    Action.ARCHIVE_COMPANY: Needs(ERP, Level.STANDARD),
    Action.ADD_PROJECT_TO_QUICKBOOKS: Needs(ERP, Level.STANDARD),
    Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY: Needs(ERP, Level.STANDARD),
    Action.ASSIGN_DEFAULT_COST_TYPES: Needs(ERP, Level.STANDARD),
    Action.IMPORT_BUDGET: Needs(ERP, Level.STANDARD),
    Action.IMPORT_PRIME_CONTRACT: Needs(ERP, Level.STANDARD),
    Action.ADD_QUICKBOOKS_JOB_AS_PROJECT: Needs(ERP, Level.ADMIN),
    Action.CONFIGURE_SETTINGS: Needs(ERP, Level.ADMIN),
    Action.ENABLE_DIRECT_EXPORT: Needs(ERP, Level.ADMIN),
    Action.LINK_QUICKBOOKS_COMPANIES: Needs(ERP, Level.ADMIN),
    Action.REFRESH_COMPANIES: Needs(ERP, Level.ADMIN),
    Action.REFRESH_COST_CODES: Needs(ERP, Level.ADMIN),
    Action.SYNC_JOB_COSTS: Needs(ERP, Level.ADMIN),
    Action.VIEW_ACCOUNTANT_REPORT: Needs(ERP, Level.ADMIN),
    Action.MANAGE_CONNECTIONS: Needs(ERP, Level.ADMIN),
    Action.RELEASE_WEB_CONNECTOR_SESSION: Needs(ERP, Level.ADMIN),
    Action.VIEW_JOB_COSTS_REPORT: AnyOf((Needs(ERP, Level.ADMIN), REPORTS_WITH_BUDGET_OR_PRIME)),
    Action.VIEW_UNSYNCABLE_COSTS_REPORT: REPORTS_WITH_BUDGET_OR_PRIME,
    Action.EXPORT_PAYROLL_IIF: Needs(ERP, Level.ADMIN),
}


@dataclass(frozen=True)
class RecordScope:
    """Where a record type lives, for the gate: the tool whose levels decide, and its project (None for the
    company's lists: the directory, cost codes, cost types)."""

    slug: str
    model: type[Model]
    tool: Tool
    project_of: Callable[[Any], Project | None]


_SCOPES_BY_SLUG: dict[str, RecordScope] = {}
_SCOPES_BY_MODEL: dict[type[Model], RecordScope] = {}


def register_record_type(scope: RecordScope) -> None:
    """Called by the app that owns the records, at start-up."""
    _SCOPES_BY_SLUG[scope.slug] = scope
    _SCOPES_BY_MODEL[scope.model] = scope


class Access:
    """A user's levels, read once per request: global grants and per-project grants (django-guardian)."""

    def __init__(self, user: AbstractBaseUser | AnonymousUser) -> None:
        self.user = user
        self._global: set[str] | None = None
        self._checker: ObjectPermissionChecker | None = None

    @property
    def is_superuser(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False)) and bool(self.user.is_active)

    def _global_codenames(self) -> set[str]:
        if self._global is None:
            if not self.user.is_authenticated or not self.user.is_active:
                self._global = set()
            else:
                self._global = {perm.split(".", 1)[1] for perm in self.user.get_all_permissions()}  # type: ignore[union-attr,attr-defined]
        return self._global

    def _object_codenames(self, project: Project) -> set[str]:
        if not self.user.is_authenticated or not self.user.is_active:
            return set()
        if self._checker is None:
            self._checker = ObjectPermissionChecker(self.user)
        return set(self._checker.get_perms(project))

    def prefetch(self, projects: Iterable[Project]) -> None:
        """Read the per-project grants of many projects in one query (for lists)."""
        projects = list(projects)
        if projects and self.user.is_authenticated:
            if self._checker is None:
                self._checker = ObjectPermissionChecker(self.user)
            self._checker.prefetch_perms(projects)  # type: ignore[arg-type]

    def level(self, tool: Tool, project: Project | None = None) -> Level:
        if self.is_superuser:
            return Level.ADMIN
        granted = self._global_codenames()
        if tool.is_project_tool and project is not None:
            granted = granted | self._object_codenames(project)
        for level in reversed(GRANTABLE_LEVELS):
            if level_codename(tool, level) in granted:
                return level
        return Level.NONE

    def has_push_privilege(self) -> bool:
        return self.is_superuser or CAN_PUSH_TO_ACCOUNTING in self._global_codenames()


def access_for(user: Person) -> Access:
    """The user's `Access`, cached on the user object for the length of a request."""
    cached = getattr(user, "_erp_access", None)
    if cached is None:
        cached = Access(user)
        try:
            setattr(user, "_erp_access", cached)  # noqa: B010 - an attribute of our own on Django's user
        except AttributeError:  # pragma: no cover - AnonymousUser allows attributes, this is a guard
            pass
    return cached


@dataclass(frozen=True)
class Decision:
    allowed: bool
    missing: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def _tool_and_project(
    record: Model | None, object_type: str | None, project: Project | None
) -> tuple[Tool | None, Project | None]:
    if record is not None:
        scope = _SCOPES_BY_MODEL.get(type(record))
        if scope is None:
            raise TypeError(f"{type(record).__name__} is not a record type the permission gate knows")
        return scope.tool, scope.project_of(record) if project is None else project
    if object_type is not None:
        return _SCOPES_BY_SLUG[object_type].tool, project
    return None, project


def check(
    user: Person | None,
    action: Action | str,
    record: Model | None = None,
    *,
    object_type: str | None = None,
    project: Project | None = None,
) -> Decision:
    """May `user` take `action` on `record` (or on a new record of `object_type` in `project`)?"""
    rule = RULES[Action(action)]
    if user is None or not user.is_authenticated or not user.is_active:
        return Decision(False, "signing in")
    tool, scope = _tool_and_project(record, object_type, project)
    gap = rule.missing(access_for(user), tool, scope)
    return Decision(gap is None, gap or "")


def signed_in(user: User | AnonymousUser) -> User:
    """The user of a request that requires signing in (pages behind `login_required`, the API)."""
    if not user.is_authenticated:
        raise PermissionDenied("This needs signing in.")
    return user


def require(user: Person | None, action: Action | str, record: Model | None = None, **kwargs: Any) -> None:
    decision = check(user, action, record, **kwargs)
    if not decision:
        raise PermissionDenied(f"This needs {decision.missing}.")
