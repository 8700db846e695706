"""The timesheet in a browser: a project manager enters a week of hours in the grid, sees the totals follow
as they type, sees a refused cell's reason beside it while the others are saved, and sends an entry to
accounting from the week's list, after which its hours are read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.factories import CostCodeFactory, EmployeeFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project():  # type: ignore[no-untyped-def]
    EmployeeFactory(name="Jon Smith", default_payroll_item="Hourly Rate")
    CostCodeFactory(code="03-300", description="Cast-in-place concrete")
    return ProjectFactory(number="P-100", name="Clinic")


def test_a_week_of_hours_is_entered_checked_and_sent_from_the_timesheet(page, pm, project):
    sign_in(page, "pm")
    page.goto("/projects/timesheets/")
    page.get_by_role("link", name="P-100 Clinic").click()
    page.goto(page.url + "?week=2026-11-30")
    page.locator("form[data-timesheet-ready]").wait_for()  # the script runs once the page is parsed

    page.get_by_label("Employee, row 1").select_option(label="Jon Smith")
    page.get_by_label("Cost code, row 1").select_option(label="03-300 Cast-in-place concrete")
    page.get_by_label("Cost type, row 1").select_option(label="Labor")
    assert page.get_by_label("Payroll item, row 1").get_attribute("placeholder") == "Hourly Rate"
    page.get_by_label("Hours on Monday 11/30, row 1").fill("8")
    page.get_by_label("Hours on Tuesday 12/1, row 1").fill("7:30")
    page.get_by_label("Hours on Wednesday 12/2, row 1").fill("25")
    row = page.locator('tr[data-row="0"]')
    assert row.locator("[data-row-total]").text_content() == "40.50"
    assert page.locator("[data-week-total]").text_content() == "40.50"

    page.get_by_role("button", name="Save timesheet").click()
    page.wait_for_load_state()

    wednesday = page.get_by_label("Hours on Wednesday 12/2, row 1")
    assert wednesday.get_attribute("aria-invalid") == "true"
    assert "at most 24" in page.locator("#hours-0-2-error").text_content()
    assert sorted(ps.TimeEntry.objects.values_list("hours", flat=True)) == [Decimal("7.50"), Decimal("8.00")]
    screenshot(page, "timesheet-refused-cell")

    wednesday.fill("")
    page.get_by_role("button", name="Save timesheet").click()
    page.get_by_text("Timesheet saved").wait_for()
    page.locator("form[data-timesheet-ready]").wait_for()
    assert page.get_by_label("Hours on Tuesday 12/1, row 1").input_value() == "7.5"

    monday = page.get_by_role("row", name="Mon 11/30 Jon Smith")
    monday.get_by_role("button", name="Send to accounting").click()
    monday.get_by_text("Pending acceptance").wait_for()
    page.reload()
    page.locator("form[data-timesheet-ready]").wait_for()
    assert page.get_by_label("Hours on Monday 11/30, row 1").get_attribute("readonly") is not None
    screenshot(page, "timesheet-sent")
