"""The timer activity IIF file, field by field: the layout of Intuit's IIF reference (TIMERHDR, TIMEACT),
tab separated, CRLF, Windows-1252, dates MM/DD/YY, durations H:MM, notes on one line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbxml.lib import iif

ACTIVITY = iif.TimeActivity(
    date=date(2026, 11, 30),
    job="Harbor Health:P-100 Clinic:Building A",
    employee="Jon Smith",
    item="03:03-300",
    payroll_item="Hourly Rate",
    hours=Decimal("7.25"),
    class_name="Labor",
    note="Formwork",
    billable=True,
)


def _lines(content: bytes) -> list[str]:
    text = content.decode("cp1252")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "every row ends in CRLF, and only rows do"
    return text.split("\r\n")[:-1]


def test_the_file_is_the_timer_header_then_one_activity_row_each():
    lines = _lines(iif.timer_file([ACTIVITY, ACTIVITY], company_name="Bayside Builders"))

    assert lines[0].split("\t") == [
        "!TIMERHDR",
        "VER",
        "REL",
        "COMPANYNAME",
        "IMPORTEDBEFORE",
        "FROMTIMER",
        "COMPANYCREATETIME",
    ]
    assert lines[1].split("\t") == ["TIMERHDR", "8", "0", "Bayside Builders", "N", "Y", ""]
    assert lines[2].split("\t") == [
        "!TIMEACT",
        "DATE",
        "JOB",
        "EMP",
        "ITEM",
        "PITEM",
        "DURATION",
        "PROJ",
        "NOTE",
        "XFERTOPAYROLL",
        "BILLINGSTATUS",
    ]
    assert lines[3].split("\t") == [
        "TIMEACT",
        "11/30/26",
        "Harbor Health:P-100 Clinic:Building A",
        "Jon Smith",
        "03:03-300",
        "Hourly Rate",
        "7:15",
        "Labor",
        "Formwork",
        "Y",
        "1",
    ]
    assert lines[4] == lines[3]
    assert len(lines) == 5


@pytest.mark.parametrize(
    ("hours", "expected"),
    [("8", "8:00"), ("0.05", "0:03"), ("7.5", "7:30"), ("10.75", "10:45"), ("23.95", "23:57")],
)
def test_durations_are_hours_and_minutes(hours, expected):
    assert iif.duration(Decimal(hours)) == expected


@pytest.mark.parametrize("hours", ["0", "24", "7.33", "-1"])
def test_a_duration_outside_one_activity_or_not_in_whole_minutes_is_refused(hours):
    with pytest.raises(iif.IifError):
        iif.duration(Decimal(hours))


def test_a_not_billable_activity_is_billing_status_zero():
    row = iif.activity_row(iif.TimeActivity(**{**ACTIVITY.__dict__, "billable": False}))
    assert row[iif.TIMEACT_COLUMNS.index("BILLINGSTATUS")] == "0"


def test_a_note_keeps_its_line_breaks_as_slash_n_and_its_tabs_as_spaces():
    row = iif.activity_row(iif.TimeActivity(**{**ACTIVITY.__dict__, "note": "Pour\r\nlevel 2\tnorth\nside\rdone"}))
    assert row[iif.TIMEACT_COLUMNS.index("NOTE")] == "Pour/nlevel 2 north/nside/ndone"


def test_a_field_with_double_quotes_is_enclosed_and_its_quotes_doubled():
    row = iif.activity_row(iif.TimeActivity(**{**ACTIVITY.__dict__, "note": 'Set 3/4" anchors'}))
    assert row[iif.TIMEACT_COLUMNS.index("NOTE")] == '"Set 3/4"" anchors"'


def test_typographic_characters_are_mapped_and_the_file_is_windows_1252():
    content = iif.timer_file([iif.TimeActivity(**{**ACTIVITY.__dict__, "note": "Crew\u2019s caf\u00e9 \u2013 done"})])
    assert "Crew's café - done".encode("cp1252") in content


def test_a_character_quickbooks_cannot_store_is_refused_with_its_name():
    with pytest.raises(iif.IifError, match="SNOWMAN"):
        iif.activity_row(iif.TimeActivity(**{**ACTIVITY.__dict__, "note": "Cold \u2603"}))


def test_a_tab_in_a_name_is_refused_rather_than_shifting_the_columns():
    with pytest.raises(iif.IifError):
        iif.activity_row(iif.TimeActivity(**{**ACTIVITY.__dict__, "employee": "Jon\tSmith"}))


def test_a_note_longer_than_quickbooks_keeps_is_refused():
    with pytest.raises(iif.IifError, match="1000"):
        iif.activity_row(iif.TimeActivity(**{**ACTIVITY.__dict__, "note": "x" * 1001}))


def test_read_rows_reads_back_what_the_file_holds():
    rows = iif.read_rows(iif.timer_file([ACTIVITY], company_name="Bayside Builders"))
    assert rows[0][""] == "TIMERHDR" and rows[0]["COMPANYNAME"] == "Bayside Builders"
    assert rows[1] == {
        "": "TIMEACT",
        "DATE": "11/30/26",
        "JOB": "Harbor Health:P-100 Clinic:Building A",
        "EMP": "Jon Smith",
        "ITEM": "03:03-300",
        "PITEM": "Hourly Rate",
        "DURATION": "7:15",
        "PROJ": "Labor",
        "NOTE": "Formwork",
        "XFERTOPAYROLL": "Y",
        "BILLINGSTATUS": "1",
    }
