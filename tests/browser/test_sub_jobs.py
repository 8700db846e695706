"""A project admin adds sub jobs to a project in a real browser, sends one to accounting from the project page,
and finds it among the pending ones."""

from __future__ import annotations

import re

import pytest

from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from tests.browser.conftest import screenshot, sign_in
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_project_admin_creates_sub_jobs_and_sends_one_to_accounting(page, pm):
    project = ProjectFactory(name="Harbor Tower")
    sign_in(page, "pm")
    page.get_by_role("link", name="Harbor Tower").click()
    sub_jobs = page.locator("#sub-jobs")
    assert "No sub jobs yet" in sub_jobs.inner_text()

    sub_jobs.get_by_role("link", name="New sub job").click()
    page.get_by_label("Name").fill("Building A")
    page.get_by_label("City").fill("Springfield")
    assert page.get_by_role("heading", name="Lines").count() == 0, "a sub job has no lines"
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Sub job Building A created.").wait_for()
    sub_jobs.get_by_role("link", name="New sub job").click()
    page.get_by_label("Name").fill("Level 2")
    page.get_by_label("Under").select_option(label="Building A")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Sub job Building A:Level 2 created.").wait_for()

    rows = sub_jobs.locator("tbody tr")
    assert [rows.nth(n).locator("th").inner_text() for n in range(rows.count())] == ["Building A", "Building A:Level 2"]
    screenshot(page, "pm-project-sub-jobs")

    building = ps.SubJob.objects.get(project=project, name="Building A")
    row = sub_jobs.locator("tbody tr", has_text="Building A").first
    url_before = page.url
    row.get_by_role("button", name="Send to accounting").click()
    status = page.locator(f"#erp-sub_job-{building.pk}")
    status.locator(".badge--pending").wait_for()
    assert status.locator(".badge").inner_text() == "Pending acceptance"
    assert page.url == url_before  # swapped in place by htmx
    item = ErpItem.objects.get(object_type="sub_job", object_id=building.pk)
    assert item.state == ErpState.PENDING
    assert item.sent_payload["path"] == "Building A" and item.sent_payload["city"] == "Springfield"

    page.reload()
    filters = page.get_by_role("navigation", name="Sub jobs by accounting status")
    filters.get_by_role("link", name=re.compile("^Pending acceptance")).click()
    page.wait_for_url(re.compile(r"sub_jobs=pending"))
    assert [row.inner_text() for row in page.locator("#sub-jobs tbody th").all()] == ["Building A"]
    assert "erp_status=pending" in page.get_by_role("link", name=re.compile("Download CSV")).get_attribute("href")
    screenshot(page, "pm-project-sub-jobs-pending")
