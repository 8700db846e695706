"""Accepted time entries into the payroll IIF file: once, never twice, only what QuickBooks can take, and
each file kept as written."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection as db_connection

from access.tools import Level, Tool
from erp_integrations import services as erp
from erp_integrations.errors import SendRefused, WorkflowError
from erp_integrations.models import ErpItem, ErpSettings, ErpState
from procore_sync import models as ps
from procore_sync import payroll as project_payroll
from qbxml import payroll
from qbxml.lib import iif
from qbxml.models import QbRequest
from tests.factories import EmployeeFactory, SubJobFactory, TimeEntryFactory, UserFactory, grant
from tests.payroll import accepted_entry, linked_world, quickbooks_record


@pytest.fixture
def world(connection):  # type: ignore[no-untyped-def]
    return linked_world(connection.book)


def _item(entry: ps.TimeEntry) -> ErpItem:
    return ErpItem.objects.get(object_type="time_entry", object_id=entry.pk)


def test_accepted_time_waits_for_the_file_and_gets_no_web_connector_request(world, pm, approver):
    entry = accepted_entry(world, pm, approver)

    assert _item(entry).state == ErpState.QUEUED
    assert not QbRequest.objects.filter(item=_item(entry)).exists()


def test_the_file_holds_each_accepted_entry_with_quickbooks_names(world, pm, approver, erp_admin):
    sub_job = SubJobFactory(project=world.project, name="Building A")
    erp.link_record(
        sub_job,
        None,
        quickbooks_record(world.book, "customer", "Harbor Health:P-100 Clinic:Building A"),
        {"job_full_name": "Harbor Health:P-100 Clinic"},
    )
    accepted_entry(world, pm, approver, date=date(2026, 11, 30), hours=Decimal("7.50"), sub_job=sub_job)
    accepted_entry(world, pm, approver, date=date(2026, 12, 1), billable=True, notes="Pour\nlevel 2")

    result = payroll.export_payroll_iif(erp_admin)

    rows = iif.read_rows(bytes(result.export.content))
    assert [row["DATE"] for row in rows[1:]] == ["11/30/26", "12/01/26"]
    assert rows[1]["JOB"] == "Harbor Health:P-100 Clinic:Building A"
    assert rows[2]["JOB"] == "Harbor Health:P-100 Clinic"
    assert {row["EMP"] for row in rows[1:]} == {"Jon Smith"}
    assert {row["ITEM"] for row in rows[1:]} == {"03:03-300"}
    assert [row["DURATION"] for row in rows[1:]] == ["7:30", "8:00"]
    assert [row["BILLINGSTATUS"] for row in rows[1:]] == ["0", "1"]
    assert rows[2]["NOTE"] == "Pour/nlevel 2"
    assert result.export.entry_count == 2
    assert result.export.total_hours == Decimal("15.50")
    assert result.waiting == []


def test_an_employee_linked_under_another_name_goes_by_quickbooks_name(connection, pm, approver, erp_admin):
    world = linked_world(connection.book, employee_name="Jon Smith", quickbooks_employee="Smith, Jon")
    accepted_entry(world, pm, approver)

    rows = iif.read_rows(bytes(payroll.export_payroll_iif(erp_admin).export.content))

    assert rows[1]["EMP"] == "Smith, Jon"


def test_a_second_export_with_nothing_new_says_so_and_writes_no_file(world, pm, approver, erp_admin):
    entry = accepted_entry(world, pm, approver)
    first = payroll.export_payroll_iif(erp_admin)

    second = payroll.export_payroll_iif(erp_admin)

    assert second.export is None
    assert "every one is in a file already" in second.message
    assert ps.PayrollExport.objects.count() == 1
    entry.refresh_from_db()
    assert entry.payroll_export_id == first.export.pk and entry.exported_to_iif_at is not None
    assert _item(entry).state == ErpState.SYNCED


def test_a_later_export_takes_only_the_entries_accepted_since(world, pm, approver, erp_admin):
    accepted_entry(world, pm, approver, date=date(2026, 11, 30))
    first = payroll.export_payroll_iif(erp_admin)
    later = accepted_entry(world, pm, approver, date=date(2026, 12, 2), hours=Decimal("4.00"))

    second = payroll.export_payroll_iif(erp_admin)

    rows = iif.read_rows(bytes(second.export.content))
    assert [(row["DATE"], row["DURATION"]) for row in rows[1:]] == [("12/02/26", "4:00")]
    assert second.export.pk != first.export.pk
    later.refresh_from_db()
    assert later.payroll_export_id == second.export.pk


def test_an_exported_entry_cannot_be_sent_again(world, pm, approver, erp_admin):
    entry = accepted_entry(world, pm, approver)
    payroll.export_payroll_iif(erp_admin)

    with pytest.raises(SendRefused) as refused:
        erp.item_resend(entry, pm)
    assert any("payroll time file" in problem["message"] for problem in refused.value.details["problems"])


def test_entries_whose_employee_or_job_is_not_in_quickbooks_wait_with_why(world, pm, approver, erp_admin):
    newcomer = EmployeeFactory(name="Ana Ruiz")
    erp.item_send(newcomer, pm)
    erp.item_accept(newcomer, approver)
    waiting = accepted_entry(world, pm, approver, employee=newcomer)
    going = accepted_entry(world, pm, approver)

    result = payroll.export_payroll_iif(erp_admin)

    assert result.export.entry_count == 1
    assert [entry.item_id for entry in result.waiting] == [_item(waiting).pk]
    assert "Ana Ruiz is not linked to a QuickBooks employee yet" in result.waiting[0].reason
    assert _item(waiting).state == ErpState.QUEUED
    assert "Ana Ruiz" in _item(waiting).erp_error
    going.refresh_from_db()
    assert going.payroll_export_id == result.export.pk


def test_an_entry_over_23_59_is_refused_at_send(world, pm):
    entry = TimeEntryFactory(
        employee=world.employee, project=world.project, cost_code=world.cost_code, hours=Decimal("24")
    )
    with pytest.raises(SendRefused) as refused:
        erp.item_send(entry, pm)
    assert refused.value.details["problems"] == [
        {"field": "hours", "message": "QuickBooks' payroll file takes at most 23:59 an entry: split the 24.00 hours."}
    ]


def test_a_file_downloaded_again_is_the_same_bytes(world, pm, approver, erp_admin):
    accepted_entry(world, pm, approver)
    export = payroll.export_payroll_iif(erp_admin).export
    accepted_entry(world, pm, approver, date=date(2026, 12, 3))

    again = ps.PayrollExport.objects.get(pk=export.pk)

    assert bytes(again.content) == bytes(export.content)
    assert again.entries.count() == 1


def test_exporting_needs_admin_on_erp_integrations(world, pm, approver):
    accepted_entry(world, pm, approver)

    with pytest.raises(PermissionDenied, match="Admin on ERP Integrations"):
        payroll.export_payroll_iif(approver)


def test_no_file_when_the_company_sends_time_through_the_web_connector(world, pm, approver, erp_admin):
    ErpSettings.objects.update_or_create(pk=1, defaults={"time_export": ErpSettings.TimeExport.WEB_CONNECTOR})
    with pytest.raises(WorkflowError, match="Web Connector"):
        payroll.export_payroll_iif(erp_admin)


def test_an_entry_another_export_took_meanwhile_refuses_the_whole_file(world, pm, approver, erp_admin):
    """The last guard of concurrent exports: what one took, the other's file cannot take again."""
    entry = accepted_entry(world, pm, approver)
    payroll.export_payroll_iif(erp_admin)

    with pytest.raises(project_payroll.AlreadyExported):
        project_payroll.record_export(erp_admin, b"late", [entry.pk], Decimal("8.00"))


@pytest.mark.django_db(transaction=True)
def test_two_exports_at_once_never_put_one_entry_in_two_files(requires_postgres, connection, monkeypatch):
    sender = grant(UserFactory(username="sender"), Tool.TIMESHEETS, Level.ADMIN)
    admin = grant(UserFactory(username="admin"), Tool.ERP_INTEGRATIONS, Level.ADMIN, push=True)
    world = linked_world(connection.book)
    for day in (date(2026, 11, 30), date(2026, 12, 1)):
        accepted_entry(world, sender, admin, date=day)
    written = payroll.iif.timer_file

    def slow_file(*args, **kwargs):
        time.sleep(0.3)  # hold the first export's locks while the second asks for them
        return written(*args, **kwargs)

    monkeypatch.setattr(payroll.iif, "timer_file", slow_file)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt():
        try:
            barrier.wait()
            outcomes.append(payroll.export_payroll_iif(admin))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    files = [outcome.export for outcome in outcomes if isinstance(outcome, payroll.PayrollFile) and outcome.export]
    assert len(files) == 1
    assert files[0].entry_count == 2
    assert ps.TimeEntry.objects.filter(payroll_export__isnull=True).count() == 0


def _time_by(way: str) -> None:
    ErpSettings.objects.update_or_create(pk=1, defaults={"time_export": way})


def test_an_entry_queued_for_the_web_connector_never_goes_in_a_file_too(world, pm, approver, erp_admin):
    _time_by(ErpSettings.TimeExport.WEB_CONNECTOR)
    entry = accepted_entry(world, pm, approver)
    assert QbRequest.objects.filter(item=_item(entry), kind="time_tracking").exists()
    _time_by(ErpSettings.TimeExport.IIF)

    result = payroll.export_payroll_iif(erp_admin)

    assert result.export is None
    assert _item(entry).state == ErpState.QUEUED


def test_the_settings_page_chooses_how_time_goes(client, erp_admin):
    client.force_login(erp_admin)

    page = client.get("/erp/settings/")

    assert page.context["form"]["time_export"].initial == ErpSettings.TimeExport.IIF
    assert b"Time tracking through the Web Connector" in page.content


def test_an_erp_admin_sends_time_through_the_web_connector_from_the_settings_page(client, erp_admin):
    client.force_login(erp_admin)
    form = client.get("/erp/settings/").context["form"]
    posted = {name: value for name, value in form.initial.items() if name != "direct_export_types"}

    response = client.post("/erp/settings/", {**posted, "time_export": "web_connector"}, follow=True)

    assert "Settings saved." in response.content.decode()
    assert ErpSettings.load().time_export == ErpSettings.TimeExport.WEB_CONNECTOR


def test_once_quickbooks_payroll_items_are_read_an_entry_on_one_it_lacks_waits(world, pm, approver, erp_admin):
    quickbooks_record(world.book, "payroll_item", "Hourly Rate")
    waiting = accepted_entry(world, pm, approver, payroll_item="Double Time")
    accepted_entry(world, pm, approver, payroll_item="hourly rate")

    result = payroll.export_payroll_iif(erp_admin)

    assert result.export.entry_count == 1
    assert [entry.item_id for entry in result.waiting] == [_item(waiting).pk]
    assert "no active wage payroll item Double Time" in result.waiting[0].reason


def test_the_settings_api_chooses_how_time_goes(erp_admin):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(erp_admin)
    response = client.patch("/api/v1/erp/settings/", {"time_export": "web_connector"}, format="json")

    assert response.status_code == 200
    assert response.json()["time_export"] == "web_connector"
    assert ErpSettings.load().time_export == ErpSettings.TimeExport.WEB_CONNECTOR
