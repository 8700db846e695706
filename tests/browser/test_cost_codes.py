"""The cost code list in a real browser: an ERP Integrations user gives several cost codes a default cost type
at once, and clears one."""

from __future__ import annotations

import pytest

from access.tools import Level, Tool
from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.factories import CostCodeFactory, DivisionFactory, UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_standard_user_assigns_default_cost_types_to_several_cost_codes(page):
    grant(UserFactory(username="erp_standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)
    division = DivisionFactory(code="03", name="Concrete")
    for code, description in [("03-100", "Formwork"), ("03-200", "Reinforcing"), ("03-300", "Cast-in-place")]:
        CostCodeFactory(code=code, description=description, division=division)

    sign_in(page, "erp_standard")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cost codes").click()
    page.get_by_role("heading", name="Cost codes", level=1).wait_for()
    bar = page.get_by_role("group", name="Default cost type of the selected cost codes")
    apply = bar.get_by_role("button", name="Apply to selected")
    assert apply.is_disabled()  # nothing selected yet

    page.get_by_label("Select 03-100").check()
    page.get_by_label("Select 03-300").check()
    assert bar.get_by_text("2 selected").is_visible()
    bar.get_by_label("Default cost type").select_option(label="Material")
    apply.click()

    page.get_by_text("Material is now the default cost type of 2 cost codes.").wait_for()
    rows = page.locator("table.table--cost-codes tbody tr")
    assert [rows.nth(n).locator("[data-default-cost-type]").inner_text() for n in range(3)] == [
        "Material",
        "—",
        "Material",
    ]
    screenshot(page, "cost-codes-default-cost-types")

    page.get_by_label("Select 03-300").check()
    page.get_by_role("group", name="Default cost type of the selected cost codes").get_by_role(
        "button", name="Clear selected"
    ).click()
    page.get_by_text("Default cost type cleared on 1 cost code.").wait_for()
    assert dict(ps.CostCode.objects.values_list("code", "default_cost_type__name")) == {
        "03-100": "Material",
        "03-200": None,
        "03-300": None,
    }
