"""`manage.py grant`: company-wide and per-project levels, the privilege, and what the gate then answers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from access.permissions import Action, check
from access.tools import Level, Tool
from procore_sync.selectors import visible_projects
from tests.factories import CommitmentFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="alice")


@pytest.fixture
def p1_and_p2(db):  # type: ignore[no-untyped-def]
    return ProjectFactory(number="P1"), ProjectFactory(number="P2")


def grant_command(*args: str) -> str:
    out = StringIO()
    call_command("grant", *args, stdout=out)
    return out.getvalue()


def fresh(user):  # type: ignore[no-untyped-def]
    """The user as the next request sees it (no permission caches)."""
    return get_user_model().objects.get(pk=user.pk)


def test_a_per_project_grant_applies_to_that_project_only(alice, p1_and_p2):
    p1, p2 = p1_and_p2
    on_p1, on_p2 = CommitmentFactory(project=p1), CommitmentFactory(project=p2)

    output = grant_command("alice", "--tool", "commitments", "--level", "admin", "--project", "P1")

    assert "Admin on Commitments for project P1" in output
    user = fresh(alice)
    assert check(user, Action.SEND, on_p1)
    assert not check(user, Action.SEND, on_p2)
    assert list(visible_projects(user, Tool.COMMITMENTS, Level.ADMIN)) == [p1]


def test_a_company_wide_grant_applies_to_every_project(alice, p1_and_p2):
    p1, p2 = p1_and_p2
    commitments = [CommitmentFactory(project=p1), CommitmentFactory(project=p2)]

    output = grant_command("alice", "--tool", "commitments", "--level", "standard")

    assert "Standard on Commitments for the whole company" in output
    user = fresh(alice)
    for commitment in commitments:
        assert check(user, Action.EDIT, commitment)
        assert not check(user, Action.SEND, commitment)
    assert set(visible_projects(user, Tool.COMMITMENTS, Level.STANDARD)) == {p1, p2}


@pytest.mark.parametrize("level", ["read_only", "standard", "admin"])
def test_every_level_can_be_granted_by_its_name(alice, p1_and_p2, level):
    commitment = CommitmentFactory(project=p1_and_p2[0])

    grant_command("alice", "--tool", "commitments", "--level", level, "--project", "P1")

    user = fresh(alice)
    assert check(user, Action.VIEW, commitment)
    assert bool(check(user, Action.EDIT, commitment)) is (level in ("standard", "admin"))
    assert bool(check(user, Action.DELETE, commitment)) is (level == "admin")


def test_a_new_level_replaces_the_old_one(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])
    grant_command("alice", "--tool", "commitments", "--level", "admin", "--project", "P1")

    grant_command("alice", "--tool", "commitments", "--level", "read_only", "--project", "P1")

    user = fresh(alice)
    assert check(user, Action.VIEW, commitment)
    assert not check(user, Action.EDIT, commitment)
    assert not check(user, Action.SEND, commitment)


def test_level_none_removes_a_per_project_grant(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])
    grant_command("alice", "--tool", "commitments", "--level", "admin", "--project", "P1")

    grant_command("alice", "--tool", "commitments", "--level", "none", "--project", "P1")

    user = fresh(alice)
    assert not check(user, Action.VIEW, commitment)
    assert not visible_projects(user, Tool.COMMITMENTS).exists()


def test_level_none_removes_a_company_wide_grant(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])
    grant_command("alice", "--tool", "erp_integrations", "--level", "admin")
    assert check(fresh(alice), Action.CONFIGURE_SETTINGS)

    grant_command("alice", "--tool", "erp_integrations", "--level", "none")

    user = fresh(alice)
    assert not check(user, Action.CONFIGURE_SETTINGS)
    assert not check(user, Action.VIEW, commitment)


def test_removing_a_per_project_grant_leaves_the_company_wide_one(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])
    grant_command("alice", "--tool", "commitments", "--level", "read_only")
    grant_command("alice", "--tool", "commitments", "--level", "admin", "--project", "P1")

    grant_command("alice", "--tool", "commitments", "--level", "none", "--project", "P1")

    user = fresh(alice)
    assert check(user, Action.VIEW, commitment)
    assert not check(user, Action.SEND, commitment)


def test_can_push_to_accounting_makes_an_erp_standard_user_an_approver(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])
    grant_command("alice", "--tool", "erp_integrations", "--level", "standard")
    assert not check(fresh(alice), Action.ACCEPT, commitment)

    output = grant_command("alice", "--tool", "erp_integrations", "--level", "standard", "--can-push-to-accounting")

    assert "alice may push to accounting" in output
    assert check(fresh(alice), Action.ACCEPT, commitment)
    assert check(fresh(alice), Action.REJECT, commitment)


def test_the_privilege_alone_makes_no_approver(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])

    grant_command("alice", "--can-push-to-accounting")

    decision = check(fresh(alice), Action.ACCEPT, commitment)
    assert not decision
    assert "Standard on ERP Integrations" in decision.missing


def test_no_push_to_accounting_takes_the_privilege_back(alice, p1_and_p2):
    commitment = CommitmentFactory(project=p1_and_p2[0])
    grant_command("alice", "--tool", "erp_integrations", "--level", "admin", "--can-push-to-accounting")

    output = grant_command("alice", "--no-push-to-accounting")

    assert "alice may not push to accounting" in output
    user = fresh(alice)
    assert not check(user, Action.ACCEPT, commitment)
    assert check(user, Action.CONFIGURE_SETTINGS)


def test_an_unknown_user_is_an_error(p1_and_p2):
    with pytest.raises(CommandError, match="bob"):
        grant_command("bob", "--tool", "commitments", "--level", "admin")


def test_an_unknown_project_is_an_error(alice, p1_and_p2):
    with pytest.raises(CommandError, match="P9"):
        grant_command("alice", "--tool", "commitments", "--level", "admin", "--project", "P9")

    assert not check(fresh(alice), Action.VIEW, CommitmentFactory(project=p1_and_p2[0]))


def test_a_company_tool_with_a_project_is_an_error(alice, p1_and_p2):
    with pytest.raises(CommandError, match="company tool"):
        grant_command("alice", "--tool", "erp_integrations", "--level", "admin", "--project", "P1")

    assert not check(fresh(alice), Action.CONFIGURE_SETTINGS)


@pytest.mark.parametrize(
    "args",
    [
        ("--tool", "commitments"),
        ("--level", "admin"),
        (),
        ("--tool", "payroll", "--level", "admin"),
        ("--tool", "commitments", "--level", "owner"),
        ("--can-push-to-accounting", "--no-push-to-accounting"),
    ],
    ids=["tool_without_level", "level_without_tool", "nothing", "unknown_tool", "unknown_level", "push_and_no_push"],
)
def test_incomplete_or_unknown_arguments_are_errors(alice, args):
    with pytest.raises(CommandError):
        grant_command("alice", *args)


@pytest.mark.parametrize("tool", [tool.value for tool in Tool if tool.is_project_tool])
def test_every_project_tool_can_be_granted_on_one_project(alice, p1_and_p2, tool):
    p1, p2 = p1_and_p2

    grant_command("alice", "--tool", tool, "--level", "admin", "--project", "P1")

    user = fresh(alice)
    assert list(visible_projects(user, Tool(tool), Level.ADMIN)) == [p1]
