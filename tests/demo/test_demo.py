from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from guardian.models import UserObjectPermission

from access import permissions
from access import services as access_services
from access.permissions import Action
from access.tools import PROJECT_TOOLS, Level, Tool
from demo import company
from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from procore_sync import models as ps

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counted = [*apps.get_app_config("procore_sync").get_models(), *apps.get_app_config("erp_integrations").get_models()]
    counts = {model._meta.label: model._default_manager.count() for model in counted}
    counts["users"] = get_user_model().objects.count()
    counts["global grants"] = get_user_model().user_permissions.through.objects.count()
    counts["project grants"] = UserObjectPermission.objects.count()
    return counts


def user(username: str):  # type: ignore[no-untyped-def]
    return get_user_model().objects.get(username=username)


def state_of(record) -> str:  # type: ignore[no-untyped-def]
    item = ErpItem.objects.filter(object_type=_slug(record), object_id=record.pk).first()
    return item.state if item else ErpState.DRAFT


def _slug(record) -> str:  # type: ignore[no-untyped-def]
    return next(spec.slug for spec in EXPORTABLE_TYPES.values() if isinstance(record, spec.model))


def test_demo_loads_a_company_with_projects_vendors_cost_codes_and_commitments():
    out = run_demo()

    assert ps.Project.objects.count() == 3
    assert all(project.owner and project.owner.vendor_type == "owner" for project in ps.Project.objects.all())
    vendors = ps.Company.objects.exclude(vendor_type=ps.Company.VendorType.OWNER)
    assert vendors.count() == 12
    assert all(len(vendor.name) <= 41 and ":" not in vendor.name for vendor in vendors)
    for division in [
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "07",
        "08",
        "09",
        "10",
        "21",
        "22",
        "23",
        "26",
        "31",
        "32",
        "33",
    ]:
        assert ps.CostCode.objects.filter(division__code=division).count() >= 2, division
    assert all(len(code.code) <= 31 for code in ps.CostCode.objects.all())
    assert ps.Budget.objects.filter(is_locked=True).count() == 3
    assert ps.Commitment.objects.count() == 10
    assert set(ps.Commitment.objects.values_list("kind", flat=True)) == {"subcontract", "purchase_order"}
    assert ps.CommitmentChangeOrderLine.objects.filter(commitment_line__isnull=False).exists()
    assert ps.CommitmentChangeOrderLine.objects.filter(commitment_line__isnull=True).exists()
    assert ps.SubcontractorInvoiceLine.objects.filter(retainage_held__gt=0).exists()
    modification = ps.BudgetModification.objects.first()
    assert modification is not None
    modification.check_invariants()
    assert "http://127.0.0.1:8000/" in out
    assert "/api/docs/" in out
    for demo_user in company.USERS:
        assert demo_user.username in out and demo_user.password in out


def test_every_demo_record_could_be_sent_to_quickbooks_as_it_stands():
    run_demo()
    for spec in EXPORTABLE_TYPES.values():
        for record in spec.model._default_manager.all():
            if isinstance(record, ps.Company) and record.vendor_type == ps.Company.VendorType.OWNER:
                # Owners reach QuickBooks as their jobs' parent customers, never as vendors.
                assert [problem.field for problem in spec.problems(record)] == ["vendor_type"]
                continue
            assert spec.problems(record) == [], (spec.slug, str(record))


def test_running_the_demo_twice_changes_nothing():
    run_demo()
    before = row_counts()
    passwords = dict(get_user_model().objects.values_list("username", "password"))
    items = set(ErpItem.objects.values_list("id", "state", "updated_at"))
    commitments = set(ps.Commitment.objects.values_list("id", "updated_at"))

    out = run_demo()

    assert row_counts() == before
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords
    assert set(ErpItem.objects.values_list("id", "state", "updated_at")) == items
    assert set(ps.Commitment.objects.values_list("id", "updated_at")) == commitments
    assert "nothing to add" in out


def test_the_demo_has_items_in_every_state_a_person_can_reach_before_quickbooks():
    run_demo()

    states = set(ErpItem.objects.values_list("state", flat=True))
    assert {ErpState.PENDING, ErpState.QUEUED, ErpState.REJECTED} <= states
    drafts = [commitment for commitment in ps.Commitment.objects.all() if state_of(commitment) == ErpState.DRAFT]
    assert drafts
    rejections = list(ErpEvent.objects.filter(to_state=ErpState.REJECTED))
    assert {event.item.object_type for event in rejections} == {"commitment", "owner_invoice"}
    assert all(rejection.reason and rejection.actor == user("approver") for rejection in rejections)


def test_the_demo_history_is_made_by_the_demo_users():
    run_demo()

    actors = dict(ErpEvent.objects.values_list("action", "actor__username").distinct())
    assert actors["send"] == "pm"
    assert actors["accept"] == "approver"
    queued = ErpItem.objects.filter(state=ErpState.QUEUED, object_type="commitment").first()
    assert queued is not None
    assert [event.action for event in queued.events.all()] == ["send", "accept"]


def test_demo_users_have_their_roles():
    run_demo()
    commitment = ps.Commitment.objects.get(number="SC-27-002")
    assert state_of(commitment) == ErpState.PENDING

    admin, approver, pm, viewer = (user(name) for name in ("admin", "approver", "pm", "viewer"))

    assert admin.is_superuser and admin.is_staff
    assert not any(u.is_superuser or u.is_staff for u in (approver, pm, viewer))
    assert permissions.check(approver, Action.ACCEPT, commitment)
    assert not permissions.check(viewer, Action.ACCEPT, commitment)
    assert not permissions.check(pm, Action.ACCEPT, commitment)
    assert permissions.check(pm, Action.SEND, commitment)
    assert permissions.check(pm, Action.SEND, ps.CostCode.objects.first())
    assert not permissions.check(approver, Action.SEND, commitment)
    assert permissions.check(viewer, Action.VIEW, commitment)
    assert not permissions.check(viewer, Action.EDIT, commitment)
    assert permissions.check(viewer, Action.VIEW_ERP_QUEUE)
    access = permissions.Access(pm)
    assert all(access.level(tool) == Level.ADMIN for tool in PROJECT_TOOLS)
    assert permissions.Access(viewer).level(Tool.ERP_INTEGRATIONS) == Level.READ_ONLY


def test_the_demo_resets_demo_passwords_and_roles():
    run_demo()
    viewer = user("viewer")
    viewer.set_password("something else")
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="can_push_to_accounting"))
    access_services.grant(viewer, Tool.COMMITMENTS, Level.ADMIN, ps.Project.objects.first())

    run_demo()

    viewer = user("viewer")
    assert viewer.check_password("demo-viewer-2026")
    assert not permissions.check(viewer, Action.SEND, ps.Commitment.objects.first())
    assert not permissions.Access(viewer).has_push_privilege()


def test_the_demo_refuses_to_run_in_production(settings):
    settings.DJANGO_ENV = "production"

    with pytest.raises(CommandError, match="production"):
        run_demo()

    assert not ps.Project.objects.exists()
    assert not get_user_model().objects.exists()


def test_make_simulate_signs_in_as_the_demo_connection():
    makefile = (Path(django_settings.BASE_DIR) / "Makefile").read_text()

    command = f'qbwc_simulate --connection "{company.DEMO_CONNECTION}" --password {company.DEMO_CONNECTION_PASSWORD}'
    assert command in makefile


def test_the_summary_and_make_simulate_follow_the_port_make_run_serves_on():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo", "--url", "http://127.0.0.1:8301", stdout=out)

    assert "http://127.0.0.1:8301/" in out.getvalue() and "http://127.0.0.1:8301/api/docs/" in out.getvalue()
    assert "--url http://127.0.0.1:8301/qbwc/" in out.getvalue()
    assert "8000" not in out.getvalue()
    makefile = (Path(django_settings.BASE_DIR) / "Makefile").read_text()
    assert "manage.py demo --url http://$(HOST):$(PORT)/" in makefile
    assert "--url http://$(HOST):$(PORT)/qbwc/" in makefile
