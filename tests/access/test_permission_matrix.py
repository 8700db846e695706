"""The permission gate answers exactly as PRODUCT.md section 3 says, for every action, level and privilege.

The expected answers are written out below from the text of the specification, not read from
`permissions.RULES`: the table in the code is what these tests check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from access import permissions
from access import services as access_services
from access.permissions import Action
from access.tools import PROJECT_TOOLS, Level, Tool
from erp_integrations import services
from erp_integrations.models import ErpEvent, ErpItem
from tests.factories import (
    BudgetFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    CommitmentFactory,
    CompanyFactory,
    CostCodeFactory,
    EmployeeFactory,
    InvoiceFactory,
    OwnerInvoiceFactory,
    PrimeChangeOrderFactory,
    PrimeContractFactory,
    ProjectFactory,
    SubJobFactory,
    TimeEntryFactory,
    UserFactory,
    commitment_with_lines,
    grant,
)

pytestmark = pytest.mark.django_db

NONE, READ_ONLY, STANDARD, ADMIN = Level.NONE, Level.READ_ONLY, Level.STANDARD, Level.ADMIN
LEVELS = [NONE, READ_ONLY, STANDARD, ADMIN]
# The order of the levels as the specification gives it ("None, Read Only, Standard or Admin"), kept here
# so that a wrong order in `Level` itself would show up too.
RANK = {NONE: 0, READ_ONLY: 1, STANDARD: 2, ADMIN: 3}
ERP = Tool.ERP_INTEGRATIONS


def at_least(level: Level, minimum: Level) -> bool:
    return RANK[level] >= RANK[minimum]


# --- the expected table, from PRODUCT.md section 3 ------------------------------------------------------

# "Send, retrieve or resend an item: Admin on the tool where the item lives: Admin (the project tool) for
# projects, Directory for companies, Budget for budgets and modifications, Commitments for commitments,
# Change Orders for CCOs, Invoicing for subcontractor invoices; a company admin for cost codes".
HOME_TOOL = {
    "project": Tool.ADMIN,
    # A sub job is a part of its project: it lives where the project does (PRODUCT.md section 2 lists it
    # among the objects the workflow shares, beside projects).
    "sub_job": Tool.ADMIN,
    "company": Tool.DIRECTORY,
    "cost_code": Tool.ADMIN,
    "budget": Tool.BUDGET,
    "budget_modification": Tool.BUDGET,
    "commitment": Tool.COMMITMENTS,
    "change_order": Tool.CHANGE_ORDERS,
    "subcontractor_invoice": Tool.INVOICING,
    # The owner side: the Prime Contract tool, and Invoicing for owner invoices.
    "prime_contract": Tool.PRIME_CONTRACT,
    "prime_change_order": Tool.PRIME_CONTRACT,
    "owner_invoice": Tool.INVOICING,
    # Payroll time (the Timesheets tool): time entries of a project, and the employees they name,
    # whose list is the company's.
    "time_entry": Tool.TIMESHEETS,
    "employee": Tool.TIMESHEETS,
}

RECORD_FACTORIES: dict[str, Callable[[], Any]] = {
    "project": ProjectFactory,
    "sub_job": SubJobFactory,
    "company": CompanyFactory,
    "cost_code": CostCodeFactory,
    "budget": BudgetFactory,
    "budget_modification": BudgetModificationFactory,
    "commitment": CommitmentFactory,
    "change_order": ChangeOrderFactory,
    "subcontractor_invoice": InvoiceFactory,
    "prime_contract": PrimeContractFactory,
    "prime_change_order": PrimeChangeOrderFactory,
    "owner_invoice": OwnerInvoiceFactory,
    "time_entry": TimeEntryFactory,
    "employee": EmployeeFactory,
}


def _accounting_approver(erp: Level, push: bool) -> bool:
    # "An accounting approver is a user with Standard or Admin on ERP Integrations and that privilege."
    return at_least(erp, STANDARD) and push


ITEM_RULES: dict[Action, Callable[[Level, Level, bool], bool]] = {
    # Approvers must see what they accept: readers of the record's tool, and readers of ERP Integrations.
    Action.VIEW: lambda home, erp, push: at_least(home, READ_ONLY) or at_least(erp, READ_ONLY),
    Action.CREATE: lambda home, erp, push: at_least(home, STANDARD),
    Action.EDIT: lambda home, erp, push: at_least(home, STANDARD),
    Action.DELETE: lambda home, erp, push: at_least(home, ADMIN),
    # "no ERP permission needed", and no ERP permission suffices.
    Action.SEND: lambda home, erp, push: at_least(home, ADMIN),
    Action.RETRIEVE: lambda home, erp, push: at_least(home, ADMIN),
    Action.RESEND: lambda home, erp, push: at_least(home, ADMIN),
    # "Accept or reject ... for export: accounting approver"; retry is the approver's step on a failed item.
    Action.ACCEPT: lambda home, erp, push: _accounting_approver(erp, push),
    Action.REJECT: lambda home, erp, push: _accounting_approver(erp, push),
    Action.RETRY: lambda home, erp, push: _accounting_approver(erp, push),
    # "unlink CCOs, commitments, owner invoices, subcontractor invoices or a company: Standard or Admin on
    # ERP Integrations".
    Action.UNLINK: lambda home, erp, push: at_least(erp, STANDARD),
}

# Company-level ERP Integrations actions: the least level on ERP Integrations each needs. The privilege
# plays no part in any of them.
COMPANY_RULES: dict[Action, Level] = {
    # "Standard or Admin on ERP Integrations" row.
    Action.ADD_PROJECT_TO_QUICKBOOKS: STANDARD,
    Action.ADD_QUICKBOOKS_COMPANY_TO_DIRECTORY: STANDARD,
    Action.ARCHIVE_COMPANY: STANDARD,
    Action.ASSIGN_DEFAULT_COST_TYPES: STANDARD,
    Action.IMPORT_BUDGET: STANDARD,
    # "Import a prime contract: Standard on ERP Integrations".
    Action.IMPORT_PRIME_CONTRACT: STANDARD,
    Action.VIEW_ARCHIVED_COMPANIES: STANDARD,
    # "Admin on ERP Integrations" row.
    Action.ADD_QUICKBOOKS_JOB_AS_PROJECT: ADMIN,
    Action.CONFIGURE_SETTINGS: ADMIN,
    Action.ENABLE_DIRECT_EXPORT: ADMIN,
    Action.LINK_QUICKBOOKS_COMPANIES: ADMIN,
    Action.REFRESH_COMPANIES: ADMIN,
    Action.REFRESH_COST_CODES: ADMIN,
    Action.SYNC_JOB_COSTS: ADMIN,
    Action.VIEW_ACCOUNTANT_REPORT: ADMIN,
    # Not rows of the table. The QuickBooks connection is part of "configure the integration", which is
    # the company admins' job (section "Users"), and the qbXML exchanges are the connection's audit; the
    # approvers' queue is the ERP Integrations tool itself, which its readers may open.
    Action.MANAGE_CONNECTIONS: ADMIN,
    Action.RELEASE_WEB_CONNECTOR_SESSION: ADMIN,
    Action.VIEW_ERP_QUEUE: READ_ONLY,
    # Writing the payroll IIF file moves accepted time into QuickBooks' hands: an ERP Integrations admin's.
    Action.EXPORT_PAYROLL_IIF: ADMIN,
}


# The qbXML an item will send is part of what its approver accepts ("Accept or reject ... for export:
# accounting approver"), and ERP Integrations admins read every qbXML exchange: both may see it.
def _sees_qbxml(erp: Level, push: bool) -> bool:
    return at_least(erp, ADMIN) or _accounting_approver(erp, push)


def _reports_with_budget_or_prime(reports: Level, budget: Level, prime: Level) -> bool:
    return at_least(reports, READ_ONLY) and (at_least(budget, ADMIN) or at_least(prime, ADMIN))


REPORT_RULES: dict[Action, Callable[[Level, Level, Level, Level], bool]] = {
    # "Admin on ERP Integrations, or Read Only+ on Reports and Admin on Budget or Prime Contract".
    Action.VIEW_JOB_COSTS_REPORT: lambda erp, reports, budget, prime: (
        at_least(erp, ADMIN) or _reports_with_budget_or_prime(reports, budget, prime)
    ),
    # "Read Only+ on Reports and Admin on Budget or Prime Contract".
    Action.VIEW_UNSYNCABLE_COSTS_REPORT: lambda erp, reports, budget, prime: _reports_with_budget_or_prime(
        reports, budget, prime
    ),
}


def _user_with(levels: dict[Tool, Level], *, push: bool = False, project: Any = None) -> Any:
    """A new user holding `levels` (project tools on `project`, or company-wide), and the privilege."""
    user = UserFactory()
    for tool, level in levels.items():
        if level is not NONE:
            user = grant(user, tool, level, project if tool.is_project_tool else None)
    if push:
        access_services.set_push_privilege(user, True)
        user = type(user).objects.get(pk=user.pk)
    return user


def _check(user: Any, action: Action, record: Any, object_type: str) -> bool:
    if action is Action.CREATE:
        # A new record is judged by its type and the project it will belong to.
        project = None if object_type == "project" else _project_of(record, object_type)
        return bool(permissions.check(user, action, object_type=object_type, project=project))
    return bool(permissions.check(user, action, record))


PROJECT_OF: dict[str, Callable[[Any], Any]] = {
    "project": lambda project: project,
    "sub_job": lambda sub_job: sub_job.project,
    "company": lambda company: None,
    "cost_code": lambda cost_code: None,
    "budget": lambda budget: budget.project,
    "budget_modification": lambda modification: modification.budget.project,
    "commitment": lambda commitment: commitment.project,
    "change_order": lambda change_order: change_order.commitment.project,
    "subcontractor_invoice": lambda invoice: invoice.commitment.project,
    "prime_contract": lambda contract: contract.project,
    "prime_change_order": lambda change_order: change_order.prime_contract.project,
    "owner_invoice": lambda invoice: invoice.prime_contract.project,
    "time_entry": lambda entry: entry.project,
    "employee": lambda employee: None,
}


def _project_of(record: Any, object_type: str) -> Any:
    return PROJECT_OF[object_type](record)


# --- the whole table is covered ---------------------------------------------------------------------


def test_the_expected_table_covers_every_action_of_the_gate():
    covered = set(ITEM_RULES) | set(COMPANY_RULES) | set(REPORT_RULES) | {Action.VIEW_QBXML}
    assert covered == set(Action)
    assert not set(ITEM_RULES) & set(COMPANY_RULES)


def test_the_expected_table_covers_every_exportable_type_and_the_owner_side():
    from erp_integrations.exportables import EXPORTABLE_TYPES

    assert set(HOME_TOOL) == set(EXPORTABLE_TYPES) | {"prime_contract", "prime_change_order", "owner_invoice"}


# --- record actions: every action x every type x every level on the home tool and on ERP x privilege ---


@pytest.mark.parametrize("push", [False, True], ids=["no_push", "push"])
@pytest.mark.parametrize("erp_level", LEVELS, ids=[f"erp_{level.slug}" for level in LEVELS])
@pytest.mark.parametrize("home_level", LEVELS, ids=[f"home_{level.slug}" for level in LEVELS])
@pytest.mark.parametrize("object_type", list(HOME_TOOL))
def test_record_actions_follow_the_matrix(object_type, home_level, erp_level, push):
    record = RECORD_FACTORIES[object_type]()
    home = HOME_TOOL[object_type]
    user = _user_with({home: home_level, ERP: erp_level}, push=push)

    actual = {action.value: _check(user, action, record, object_type) for action in ITEM_RULES}
    expected = {action.value: rule(home_level, erp_level, push) for action, rule in ITEM_RULES.items()}

    assert actual == expected


@pytest.mark.parametrize("object_type", list(HOME_TOOL))
def test_admin_on_every_other_tool_does_not_stand_in_for_the_home_tool(object_type):
    """Admin on every project tool but the record's own, and nothing on ERP Integrations: as if nothing."""
    home = HOME_TOOL[object_type]
    record = RECORD_FACTORIES[object_type]()
    user = _user_with({tool: ADMIN for tool in PROJECT_TOOLS if tool is not home}, push=True)

    actual = {action.value: _check(user, action, record, object_type) for action in ITEM_RULES}
    expected = {action.value: rule(NONE, NONE, True) for action, rule in ITEM_RULES.items()}

    assert actual == expected


# --- company-level ERP Integrations actions -------------------------------------------------------------


@pytest.mark.parametrize("push", [False, True], ids=["no_push", "push"])
@pytest.mark.parametrize("erp_level", LEVELS, ids=[f"erp_{level.slug}" for level in LEVELS])
@pytest.mark.parametrize("action", list(COMPANY_RULES), ids=str)
def test_company_actions_follow_the_matrix(action, erp_level, push):
    user = _user_with({ERP: erp_level}, push=push)

    decision = permissions.check(user, action)

    assert bool(decision) is at_least(erp_level, COMPANY_RULES[action])
    if not decision:
        assert f"{COMPANY_RULES[action].label} on ERP Integrations" in decision.missing


@pytest.mark.parametrize("push", [False, True], ids=["without_push", "with_push"])
@pytest.mark.parametrize("erp_level", LEVELS, ids=[level.slug for level in LEVELS])
def test_the_qbxml_preview_is_for_approvers_and_erp_admins(erp_level, push):
    user = _user_with({ERP: erp_level}, push=push)

    assert bool(permissions.check(user, Action.VIEW_QBXML)) is _sees_qbxml(erp_level, push)


def test_admin_on_every_project_tool_gives_no_company_level_erp_action():
    user = _user_with(dict.fromkeys(PROJECT_TOOLS, ADMIN), push=True)

    allowed = {action.value for action in COMPANY_RULES if permissions.check(user, action)}

    assert allowed == set()


# --- the two reports -------------------------------------------------------------------------------------


@pytest.mark.parametrize("prime", LEVELS, ids=[f"prime_{level.slug}" for level in LEVELS])
@pytest.mark.parametrize("budget", LEVELS, ids=[f"budget_{level.slug}" for level in LEVELS])
@pytest.mark.parametrize("reports", LEVELS, ids=[f"reports_{level.slug}" for level in LEVELS])
@pytest.mark.parametrize("erp", LEVELS, ids=[f"erp_{level.slug}" for level in LEVELS])
def test_report_rules_follow_the_matrix(erp, reports, budget, prime):
    project = ProjectFactory()
    user = _user_with({ERP: erp, Tool.REPORTS: reports, Tool.BUDGET: budget, Tool.PRIME_CONTRACT: prime}, push=True)

    actual = {action.value: bool(permissions.check(user, action, project=project)) for action in REPORT_RULES}
    expected = {action.value: rule(erp, reports, budget, prime) for action, rule in REPORT_RULES.items()}

    assert actual == expected


def test_report_grants_on_one_project_open_that_projects_reports_only():
    project_a, project_b = ProjectFactory(), ProjectFactory()
    user = _user_with({Tool.REPORTS: READ_ONLY, Tool.PRIME_CONTRACT: ADMIN}, project=project_a)

    assert permissions.check(user, Action.VIEW_JOB_COSTS_REPORT, project=project_a)
    assert permissions.check(user, Action.VIEW_UNSYNCABLE_COSTS_REPORT, project=project_a)
    assert not permissions.check(user, Action.VIEW_JOB_COSTS_REPORT, project=project_b)
    assert not permissions.check(user, Action.VIEW_UNSYNCABLE_COSTS_REPORT, project=project_b)


# --- scope: per-project grants and company-wide grants ------------------------------------------------


def test_admin_on_commitments_for_one_project_does_not_allow_sending_another_projects_commitment():
    commitment_a, commitment_b = CommitmentFactory(), CommitmentFactory()
    user = _user_with({Tool.COMMITMENTS: ADMIN}, project=commitment_a.project)

    assert permissions.check(user, Action.SEND, commitment_a)
    decision = permissions.check(user, Action.SEND, commitment_b)
    assert not decision
    assert "Admin on Commitments" in decision.missing
    assert commitment_b.project.number in decision.missing


@pytest.mark.parametrize(
    "object_type",
    [
        "project",
        "sub_job",
        "budget",
        "budget_modification",
        "commitment",
        "change_order",
        "subcontractor_invoice",
        "prime_contract",
        "prime_change_order",
        "owner_invoice",
        "time_entry",
    ],
)
def test_per_project_grants_apply_to_that_project_only(object_type):
    record_a, record_b = RECORD_FACTORIES[object_type](), RECORD_FACTORIES[object_type]()
    project_a = _project_of(record_a, object_type)
    user = _user_with({HOME_TOOL[object_type]: ADMIN}, project=project_a)

    for action in (Action.VIEW, Action.EDIT, Action.DELETE, Action.SEND, Action.RETRIEVE, Action.RESEND):
        assert permissions.check(user, action, record_a), action
        assert not permissions.check(user, action, record_b), action
    if object_type != "project":
        assert permissions.check(user, Action.CREATE, object_type=object_type, project=project_a)
        assert not permissions.check(
            user, Action.CREATE, object_type=object_type, project=_project_of(record_b, object_type)
        )


@pytest.mark.parametrize(
    "object_type",
    [
        "project",
        "sub_job",
        "budget",
        "budget_modification",
        "commitment",
        "change_order",
        "subcontractor_invoice",
        "prime_contract",
        "prime_change_order",
        "owner_invoice",
        "time_entry",
    ],
)
def test_company_wide_grants_apply_to_every_project(object_type):
    records = [RECORD_FACTORIES[object_type]() for _ in range(3)]
    user = _user_with({HOME_TOOL[object_type]: ADMIN})

    for record in records:
        for action in (Action.VIEW, Action.EDIT, Action.DELETE, Action.SEND, Action.RETRIEVE, Action.RESEND):
            assert permissions.check(user, action, record), (action, record)


def test_a_per_project_admin_tool_grant_does_not_make_a_company_admin_for_cost_codes():
    project = ProjectFactory()
    cost_code = CostCodeFactory()
    user = _user_with({Tool.ADMIN: ADMIN, Tool.DIRECTORY: ADMIN}, project=project)

    assert permissions.check(user, Action.SEND, project)
    assert not permissions.check(user, Action.SEND, cost_code)
    assert not permissions.check(user, Action.SEND, CompanyFactory())


def test_an_accounting_approver_may_accept_items_of_every_project():
    commitment = CommitmentFactory()
    approver = _user_with({ERP: STANDARD}, push=True)

    assert permissions.check(approver, Action.ACCEPT, commitment)
    assert permissions.check(approver, Action.ACCEPT, CommitmentFactory())


# --- superusers, inactive users, anonymous users ----------------------------------------------------


def _every_check(user: Any) -> dict[str, bool]:
    project = ProjectFactory()
    answers: dict[str, bool] = {}
    for object_type, factory in RECORD_FACTORIES.items():
        record = factory()
        for action in ITEM_RULES:
            answers[f"{object_type}.{action.value}"] = _check(user, action, record, object_type)
    for action in COMPANY_RULES:
        answers[action.value] = bool(permissions.check(user, action))
    for action in REPORT_RULES:
        answers[action.value] = bool(permissions.check(user, action, project=project))
    return answers


def test_a_superuser_may_do_everything():
    user = UserFactory(is_superuser=True, is_staff=True)

    refused = sorted(name for name, allowed in _every_check(user).items() if not allowed)

    assert refused == []


def test_an_inactive_user_may_do_nothing_even_as_superuser_with_every_grant():
    user = _user_with({**dict.fromkeys(PROJECT_TOOLS, ADMIN), ERP: ADMIN}, push=True)
    user.is_active = False
    user.is_superuser = True
    user.save(update_fields=["is_active", "is_superuser"])
    user = type(user).objects.get(pk=user.pk)

    allowed = sorted(name for name, allowed in _every_check(user).items() if allowed)

    assert allowed == []


def test_an_anonymous_user_may_do_nothing():
    allowed = sorted(name for name, allowed in _every_check(AnonymousUser()).items() if allowed)

    assert allowed == []


# --- the refusal names what is missing ------------------------------------------------------------------


def test_refusing_a_send_names_admin_on_the_items_tool():
    commitment = CommitmentFactory()
    user = _user_with({Tool.COMMITMENTS: STANDARD, ERP: ADMIN}, push=True)

    with pytest.raises(PermissionDenied) as refused:
        permissions.require(user, Action.SEND, commitment)

    assert "Admin on Commitments" in str(refused.value)


@pytest.mark.parametrize(
    ("object_type", "label"),
    [
        ("project", "Admin on Admin"),
        ("sub_job", "Admin on Admin"),
        ("company", "Admin on Directory"),
        ("cost_code", "Admin on Admin"),
        ("budget", "Admin on Budget"),
        ("budget_modification", "Admin on Budget"),
        ("commitment", "Admin on Commitments"),
        ("change_order", "Admin on Change Orders"),
        ("subcontractor_invoice", "Admin on Invoicing"),
        ("prime_contract", "Admin on Prime Contract"),
        ("prime_change_order", "Admin on Prime Contract"),
        ("owner_invoice", "Admin on Invoicing"),
    ],
)
def test_refusing_a_send_names_the_tool_of_each_type(object_type, label):
    record = RECORD_FACTORIES[object_type]()
    user = _user_with({ERP: ADMIN}, push=True)

    decision = permissions.check(user, Action.SEND, record)

    assert not decision
    assert label in decision.missing


def test_refusing_an_accept_without_the_privilege_names_can_push_to_accounting():
    commitment = CommitmentFactory()
    user = _user_with({ERP: ADMIN})

    with pytest.raises(PermissionDenied) as refused:
        permissions.require(user, Action.ACCEPT, commitment)

    assert "Can Push to Accounting" in str(refused.value)
    assert "ERP Integrations" not in str(refused.value)


def test_refusing_an_accept_to_a_user_with_neither_names_both():
    commitment = CommitmentFactory()
    user = _user_with({ERP: READ_ONLY})

    decision = permissions.check(user, Action.ACCEPT, commitment)

    assert "Standard on ERP Integrations" in decision.missing
    assert "Can Push to Accounting" in decision.missing


# --- the services ask the gate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "levels, push",
    [
        ({}, False),
        ({ERP: ADMIN}, False),
        ({ERP: READ_ONLY}, True),
        (dict.fromkeys(PROJECT_TOOLS, ADMIN), True),
    ],
    ids=["nobody", "erp_admin_without_privilege", "erp_reader_with_privilege", "project_admin_with_privilege"],
)
def test_item_accept_refuses_a_non_approver_and_changes_nothing(pm, levels, push):
    commitment = commitment_with_lines()
    services.item_send(commitment, pm)
    item = services.item_for(commitment)
    events_before = list(ErpEvent.objects.filter(item=item).values_list("pk", flat=True))
    user = _user_with(levels, push=push)

    with pytest.raises(PermissionDenied):
        services.item_accept(commitment, user)

    item = ErpItem.objects.get(pk=item.pk)
    assert item.state == "pending"
    assert item.accept_options == {}
    assert list(ErpEvent.objects.filter(item=item).values_list("pk", flat=True)) == events_before


def test_item_accept_of_a_draft_by_a_non_approver_creates_no_item():
    commitment = commitment_with_lines()
    user = _user_with({ERP: STANDARD})

    with pytest.raises(PermissionDenied):
        services.item_accept(commitment, user)

    assert ErpItem.objects.count() == 0
    assert ErpEvent.objects.count() == 0
