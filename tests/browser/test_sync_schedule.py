"""An ERP Integrations admin sets a company file's sync schedule and quiet window on the settings page in a
real browser, then has imports refreshed now: the page says what it queued, and shows it waiting."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from qbxml import schedules, services
from qbxml.models import QbConnection, QbListImport, QbSyncSchedule
from tests.browser.conftest import screenshot, sign_in
from tests.qbxml.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_admin_schedules_the_imports_and_refreshes_them_now(page: Any, erp_admin: Any) -> None:
    connection = services.connection_create(None, name="Main company", username="qbuser", password=PASSWORD)
    sign_in(page, "erp_admin")
    page.goto("/erp/settings/")
    section = page.locator(f"#sync-schedule-{connection.pk}")
    assert "No quiet window." in section.locator("[data-quiet-window]").inner_text()
    vendors_row = section.locator('tr[data-subject="vendors"]')
    assert vendors_row.locator("[data-next-due]").inner_text() == "Not scheduled"

    section.get_by_label("Vendors", exact=True).select_option(label="Every 2 hours")
    section.get_by_label("Job costs", exact=True).select_option(label="Daily")
    section.get_by_label("Quiet from").fill("18:00")
    section.get_by_label("Quiet until").fill("07:00")
    section.get_by_role("button", name="Save the schedule").click()
    page.wait_for_load_state()

    assert page.locator(".callout--success").inner_text() == f"The sync schedule of {connection.name} is saved."
    assert (
        section.locator("[data-quiet-window]").inner_text()
        == "Quiet: 18:00 to 07:00 (past midnight), Monday to Friday, UTC. Times are the QuickBooks machine's (UTC)."
    )
    assert "Every 2 hours" in vendors_row.inner_text()
    assert vendors_row.locator("[data-next-due]").inner_text() == "Due: the next session", "never read yet"
    connection = QbConnection.objects.get(pk=connection.pk)
    assert (connection.quiet_start, connection.quiet_end, connection.quiet_days) == (time(18), time(7), [0, 1, 2, 3, 4])
    assert dict(QbSyncSchedule.objects.filter(every__gt=0).values_list("subject", "every")) == {
        "vendors": 120,
        "job_costs": 1440,
    }

    costs_row = section.locator('tr[data-subject="job_costs"]')
    costs_row.get_by_role("button", name="Refresh now").click()
    page.wait_for_load_state()
    queued = page.locator(".callout--success").inner_text()
    # Said whenever the test runs, inside the quiet window or not.
    assert queued.startswith("Queued for the next Web Connector session of Main company")
    assert queued.endswith(": job costs.")
    assert "Waiting for the next session" in costs_row.inner_text()
    assert "Waiting for the next session" not in vendors_row.inner_text()
    waiting = set(QbListImport.objects.filter(status=QbListImport.Status.QUEUED).values_list("list_name", flat=True))
    assert waiting == set(schedules.SUBJECTS["job_costs"].imports)

    assert costs_row.locator("[data-next-due] time").count() == 1, "queued now: due again in a day"

    section.get_by_role("button", name="Refresh all").click()
    page.wait_for_load_state()
    for subject in schedules.SUBJECTS:
        assert "Waiting for the next session" in section.locator(f'tr[data-subject="{subject}"]').inner_text()
    screenshot(page, "erp-admin-sync-schedule")
