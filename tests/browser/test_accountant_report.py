"""An ERP Integrations admin reads the accountant report in a real browser: from the navigation to the report,
narrows it to one type and a date range, and downloads the same rows as CSV."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any
from unittest import mock

import pytest

from erp_integrations import services
from tests.browser.conftest import screenshot, sign_in
from tests.factories import CompanyFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def synced(record: Any, pm: Any, approver: Any, qb_ref: str, day: int) -> None:
    services.item_send(record, pm)
    services.item_accept(record, approver)
    at = datetime.datetime(2026, 3, day, 15, 0, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        services.item_synced(services.item_for(record).pk, qb_ref=qb_ref, edit_sequence="1")


def test_erp_admin_filters_the_accountant_report_and_downloads_it(page, pm, approver, erp_admin):
    synced(CompanyFactory(name="Early Electric"), pm, approver, "V-EARLY", day=2)
    synced(CompanyFactory(name="Late Lumber"), pm, approver, "V-LATE", day=20)
    synced(ProjectFactory(number="1042", name="Main Street Clinic"), pm, approver, "J-1042", day=20)

    sign_in(page, "erp_admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accountant report").click()
    page.get_by_role("heading", name="Accountant report").wait_for()
    report = page.locator("table[data-report] tbody tr")
    assert report.count() == 3

    page.get_by_label("Type", exact=True).select_option(label="Company")
    page.get_by_label("Synced from", exact=True).fill("2026-03-10")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**synced_from=2026-03-10**")
    assert report.count() == 1
    assert "Late Lumber" in report.first.inner_text() and "V-LATE" in report.first.inner_text()
    assert page.locator("table[data-totals] tbody tr").count() == 1
    screenshot(page, "erp-admin-accountant-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "accountant-report.csv"
    with open(download.path(), encoding="utf-8") as handle:
        table = list(csv.reader(io.StringIO(handle.read())))
    assert table[0][:3] == ["Synced", "Type", "Item"]
    assert [(line[2], line[4], line[6], line[8]) for line in table[1:]] == [("Late Lumber", "V-LATE", "pm", "approver")]
