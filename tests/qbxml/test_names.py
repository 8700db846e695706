"""The connector names cost codes and jobs as QuickBooks knows them: from what was accepted (the items'
snapshots), never from the project side's tables as they are now."""

from __future__ import annotations

import pytest

from erp_integrations import services as erp
from procore_sync import models as ps
from qbxml.mapping import Context, ExportSettings
from qbxml.mapping.names import load_names
from tests.factories import CostCodeFactory, DivisionFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def names_of(payload):  # type: ignore[no-untyped-def]
    ctx = Context(settings=ExportSettings(), items={})
    load_names(ctx, [payload])
    return ctx.item_names, ctx.job_names


def test_a_cost_code_is_named_as_quickbooks_received_it_not_as_it_is_edited_since(pm, approver):
    code = CostCodeFactory(code="03-100", division=DivisionFactory(code="03"))
    erp.item_send(code, pm)
    item = erp.item_accept(code, approver)
    erp.item_synced(item.pk, qb_ref="8000-1", edit_sequence="1")
    ps.CostCode.objects.filter(pk=code.pk).update(division=DivisionFactory(code="04"))

    item_names, _ = names_of({"lines": [{"cost_code": "03-100"}]})

    assert item_names == {"03-100": "03:03-100"}


def test_a_job_is_named_under_the_parent_customer_the_approver_chose(pm, approver):
    project = ProjectFactory(number="2026-9", name="Depot")
    erp.item_send(project, pm)
    erp.item_accept(project, approver, {"parent_customer": "City of Springfield"})
    ps.Project.objects.filter(pk=project.pk).update(name="Renamed since")

    _, job_names = names_of({"job_name": "2026-9 Depot", "lines": []})

    assert job_names == {"2026-9 Depot": "City of Springfield:2026-9 Depot"}


def test_a_draft_cost_code_has_no_quickbooks_name(pm):
    CostCodeFactory(code="09-900")
    item_names, _ = names_of({"lines": [{"cost_code": "09-900"}]})
    assert item_names == {}
