"""Time through the Web Connector, when the company chooses it: each accepted entry becomes one QuickBooks time
tracking record (schema-valid), once, even when the server dies after QuickBooks answered; and an employee
QuickBooks does not hold is added before the time that names it."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from erp_integrations import services as erp
from erp_integrations.models import ErpEvent, ErpItem, ErpSettings, ErpState
from qbxml.lib import soap
from qbxml.models import QbRequest
from qbxml.queue import answers
from qbxml.simulator import QuickBooksCompany
from tests.factories import EmployeeFactory
from tests.payroll import accepted_entry, linked_world
from tests.qbxml.helpers import SCHEMA_ENV, connector_for, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db


@pytest.fixture
def company() -> QuickBooksCompany:
    """A company file with the job, the cost code's item, the class, the employee and the payroll item; it
    refuses every request the schema refuses when the schemas are at hand."""
    schema = os.environ.get(SCHEMA_ENV, "").strip()
    company = QuickBooksCompany("Bayside Builders", schema_dir=Path(schema) if schema else None)
    company.add_customer("Harbor Health")
    company.add_customer("P-100 Clinic", parent="Harbor Health", job_status="InProgress")
    company.add_class("Labor")
    company.add_item_service("03", description="Concrete")
    company.add_item_service("03-300", parent="03", description="Cast-in-place", income_account="Construction Income")
    company.add_employee("Jon Smith")
    company.add_payroll_item_wage("Hourly Rate")
    return company


@pytest.fixture
def world(connection):  # type: ignore[no-untyped-def]
    ErpSettings.objects.update_or_create(pk=1, defaults={"time_export": ErpSettings.TimeExport.WEB_CONNECTOR})
    return linked_world(connection.book)


@pytest.fixture
def connector(company, connection):  # type: ignore[no-untyped-def]
    return connector_for(company, client=Client())


@pytest.fixture
def idle_sessions_end_at_once(settings):  # type: ignore[no-untyped-def]
    settings.QBWC_SESSION_IDLE_SECONDS = 0


def _time_tracking(company: QuickBooksCompany) -> list[Any]:
    return company.transactions("TimeTracking")


def _item(record: Any) -> ErpItem:
    return ErpItem.objects.get(object_type="time_entry", object_id=record.pk)


def test_an_accepted_entry_becomes_one_time_tracking_record(world, pm, approver, company, connector):
    entry = accepted_entry(world, pm, approver, date=date(2026, 11, 30), hours=Decimal("7.25"), billable=True)

    reports = sync_until_nothing_to_do(connector)

    assert [report.last_error for report in reports] == [""] * len(reports)
    (record,) = _time_tracking(company)
    assert (record.txn_date, record.entity) == (date(2026, 11, 30), "Jon Smith")
    item = _item(entry)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, record.txn_id)
    again = connector.run_session()
    assert again.authenticated == "none"
    assert len(_time_tracking(company)) == 1


def test_two_entries_alike_are_two_records(world, pm, approver, company, connector):
    accepted_entry(world, pm, approver, date=date(2026, 11, 30))
    accepted_entry(world, pm, approver, date=date(2026, 11, 30))

    sync_until_nothing_to_do(connector)

    assert len(_time_tracking(company)) == 2


class DiesOnce:
    """The process dies while it writes QuickBooks' answer to the first message: nothing of it commits."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("the worker was killed")
        return self.real(*args, **kwargs)


def test_a_crash_after_quickbooks_answered_is_repaired_by_a_lookup_not_by_adding_again(
    world, pm, approver, company, connector, monkeypatch, idle_sessions_end_at_once
):
    entry = accepted_entry(world, pm, approver, date=date(2026, 11, 30))
    # Another entry of the same employee and day: the look-up tells them apart by the GUID each was sent with.
    other = accepted_entry(world, pm, approver, date=date(2026, 11, 30), hours=Decimal("2.00"))
    monkeypatch.setattr(answers, "write", DiesOnce(answers.write))

    with pytest.raises(soap.SoapFault, match="could not process"):
        connector.run_session()
    assert len(_time_tracking(company)) == 2, "QuickBooks kept both; their answer was lost"
    monkeypatch.undo()

    reports = sync_until_nothing_to_do(connector)

    assert all(report.last_error == "" for report in reports)
    records = _time_tracking(company)
    assert len(records) == 2
    assert {_item(entry).qb_ref, _item(other).qb_ref} == {record.txn_id for record in records}
    notes = ErpEvent.objects.filter(item=_item(entry), action="sync_succeeded").values_list("reason", flat=True)
    assert "Found in QuickBooks: its first answer was lost." in list(notes)


def test_an_employee_quickbooks_does_not_hold_is_added_before_the_time(world, pm, approver, company, connector):
    newcomer = EmployeeFactory(name="Ana Ruiz")
    erp.item_send(newcomer, pm)
    erp.item_accept(newcomer, approver)
    entry = accepted_entry(world, pm, approver, employee=newcomer)

    sync_until_nothing_to_do(connector)

    assert company.find_list("Employee", "Ana Ruiz") is not None
    (record,) = _time_tracking(company)
    assert record.entity == "Ana Ruiz"
    assert _item(entry).state == ErpState.SYNCED
    assert not QbRequest.objects.exclude(status=QbRequest.Status.DONE).exists()
