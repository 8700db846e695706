"""The demo company's payroll IIF file, checked field by field against the TIMEACT layout of Intuit's IIF
reference: the demo loaded, its accepted projects, cost codes and employees synced with the simulated
QuickBooks, then the accountant writes the file. Every accepted entry of the demo week is a row, in the
column order of the layout, with QuickBooks' names; the entries not sent yet are not."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from demo import company as demo
from erp_integrations.models import ErpItem, ErpState
from procore_sync import models as ps
from qbxml import payroll
from qbxml.lib import iif
from qbxml.models import QbConnection
from qbxml.simulator import QuickBooksCompany
from tests.qbxml.helpers import connector_for, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db

TIMEACT = ["DATE", "JOB", "EMP", "ITEM", "PITEM", "DURATION", "PROJ", "NOTE", "XFERTOPAYROLL", "BILLINGSTATUS"]


@pytest.fixture
def demo_synced() -> QuickBooksCompany:
    call_command("demo", verbosity=0, stdout=io.StringIO())
    company = QuickBooksCompany(demo.GENERAL_CONTRACTOR)
    connector = connector_for(
        company, client=Client(), username=demo.DEMO_CONNECTION_USER, password=demo.DEMO_CONNECTION_PASSWORD
    )
    sync_until_nothing_to_do(connector)
    return company


def _expected_row(spec: demo.DemoTimeEntry) -> dict[str, str]:
    project = ps.Project.objects.get(number=spec.project)
    code = ps.CostCode.objects.get(code=spec.cost_code)
    employee = next(e for e in demo.EMPLOYEES if e.name == spec.employee)
    day = demo.TIME_WEEK.toordinal() + spec.day
    minutes = int(Decimal(spec.hours) * 60)
    return {
        "": "TIMEACT",
        "DATE": type(demo.TIME_WEEK).fromordinal(day).strftime("%m/%d/%y"),
        "JOB": f"{project.owner.name}:{project.number} {project.name}",
        "EMP": spec.employee,
        "ITEM": f"{code.division.code}:{code.code}",
        "PITEM": spec.payroll_item or employee.payroll_item,
        "DURATION": f"{minutes // 60}:{minutes % 60:02d}",
        "PROJ": "Labor",
        "NOTE": iif.field(iif.note(spec.notes)),
        "XFERTOPAYROLL": "Y",
        "BILLINGSTATUS": "1" if spec.billable else "0",
    }


def test_the_demo_companys_payroll_file_follows_the_timeact_layout_column_by_column(demo_synced):
    accountant = get_user_model().objects.get(username="admin")
    assert ErpItem.objects.filter(object_type="employee", state=ErpState.SYNCED).count() == len(demo.EMPLOYEES)

    result = payroll.export_payroll_iif(accountant)

    assert result.waiting == []
    content = bytes(result.export.content)
    lines = content.decode("cp1252").split("\r\n")
    assert lines[-1] == "" and all("\n" not in line and "\r" not in line for line in lines), "rows end in CRLF"
    header = [line.split("\t") for line in lines[:3]]
    assert header[0] == ["!TIMERHDR", "VER", "REL", "COMPANYNAME", "IMPORTEDBEFORE", "FROMTIMER", "COMPANYCREATETIME"]
    company_name = QbConnection.objects.get(name=demo.DEMO_CONNECTION).company_name
    assert header[1] == ["TIMERHDR", "8", "0", company_name, "N", "Y", ""]
    assert header[2] == ["!TIMEACT", *TIMEACT]
    rows = [line.split("\t") for line in lines[3:-1]]
    assert all(len(row) == len(TIMEACT) + 1 and row[0] == "TIMEACT" for row in rows), "one field per column"

    accepted = [spec for spec in demo.TIME_ENTRIES if spec.erp == ErpState.QUEUED]
    expected = sorted(
        (_expected_row(spec) for spec in accepted), key=lambda row: (row["DATE"], row["EMP"], row["DURATION"])
    )
    got = sorted(
        (dict(zip(["", *TIMEACT], row, strict=True)) for row in rows),
        key=lambda row: (row["DATE"], row["EMP"], row["DURATION"]),
    )
    assert len(got) == len(accepted)
    for column in ["", *TIMEACT]:
        assert [row[column] for row in got] == [row[column] for row in expected], column
    # The demo's notes: a line break as "/n", a tab as a space, a quote enclosed as Excel writes it.
    assert "Slab on grade, level 1/npour 2 of 3" in {row["NOTE"] for row in got}
    assert '"Set 3/4"" anchor bolts grid B"' in {row["NOTE"] for row in got}
    assert result.export.total_hours == sum((Decimal(spec.hours) for spec in accepted), Decimal("0"))

    again = payroll.export_payroll_iif(accountant)
    assert again.export is None
    drafts = [spec for spec in demo.TIME_ENTRIES if spec.erp == ErpState.DRAFT]
    assert ps.TimeEntry.objects.filter(payroll_export__isnull=True).count() == len(drafts)
