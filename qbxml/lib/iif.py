"""The IIF file QuickBooks Desktop imports timed activities from (File > Utilities > Import > Timer
Activities): a Timer header block (`TIMERHDR`) and one `TIMEACT` row per activity.

Intuit's IIF reference is the layout: tab-separated fields, each block's column names on a row starting with
"!", dates as MM/DD/YY, durations as H:MM (at most 23:59), a note on one line of at most 1000 characters
with its line breaks written "/n". Rows end in CRLF and the file is Windows-1252, as QuickBooks Desktop
reads it. QuickBooks reads IIF as Excel writes tab-delimited text: a field holding a double quote is
enclosed in double quotes, its own quotes doubled.

Plain data in, bytes out: no Django, so the layout is tested field by field in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from qbxml.lib.text import to_qb_text

TIMERHDR_COLUMNS = ("VER", "REL", "COMPANYNAME", "IMPORTEDBEFORE", "FROMTIMER", "COMPANYCREATETIME")
TIMEACT_COLUMNS = (
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
)
# The Timer version the header names: the last QuickBooks Timer (8.0) whose files every edition imports.
TIMER_VERSION = ("8", "0")
NOTE_MAX_LENGTH = 1000
MAX_MINUTES = 23 * 60 + 59
CRLF = "\r\n"


class IifError(ValueError):
    """A value the timer import cannot carry (a duration over 23:59, a character outside Windows-1252)."""


@dataclass(frozen=True)
class TimeActivity:
    """One activity as QuickBooks will hold it: every name its full name in QuickBooks."""

    date: date
    job: str  # "Customer:Job" or "Customer:Job:Sub job"
    employee: str
    item: str  # the service item (cost code), "Division:Code"
    payroll_item: str  # the wage payroll item, "" for none
    hours: Decimal
    class_name: str  # the class (cost type), "" for none
    note: str = ""
    billable: bool = False


def iif_date(value: date) -> str:
    return value.strftime("%m/%d/%y")


def duration(hours: Decimal) -> str:
    """Hours as H:MM: 7.25 is 7:15. Hours come in whole minutes (steps of 0.05); anything else is refused
    rather than rounded, so payroll never pays a minute nobody entered."""
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise IifError(f"{hours} hours is not a whole number of minutes")
    whole = int(minutes)
    if not 0 < whole <= MAX_MINUTES:
        raise IifError(f"{hours} hours is outside what one activity holds (0:01 to 23:59)")
    return f"{whole // 60}:{whole % 60:02d}"


def note(value: str) -> str:
    """A note on one line: line breaks as "/n", tabs as spaces (a tab would end the field)."""
    one_line = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "/n").replace("\t", " ")
    if len(one_line) > NOTE_MAX_LENGTH:
        raise IifError(f"the note is {len(one_line)} characters long on one line; QuickBooks keeps {NOTE_MAX_LENGTH}")
    return one_line


def field(value: str) -> str:
    """One field as QuickBooks reads it: no tab nor line break inside, quotes enclosed as Excel writes them."""
    if any(char in value for char in "\t\r\n"):
        raise IifError(f"{value!r} holds a tab or a line break, which would break the row")
    try:
        mapped = to_qb_text(value)
    except ValueError as exc:
        raise IifError(str(exc)) from None
    if '"' in mapped:
        return '"' + mapped.replace('"', '""') + '"'
    return mapped


def _row(fields: Iterable[str]) -> str:
    return "\t".join(fields) + CRLF


def activity_row(activity: TimeActivity) -> list[str]:
    """The TIMEACT fields of one activity, in the column order."""
    return [
        iif_date(activity.date),
        field(activity.job),
        field(activity.employee),
        field(activity.item),
        field(activity.payroll_item),
        duration(activity.hours),
        field(activity.class_name),
        field(note(activity.note)),
        # Y: the hours go to the employee's paycheck on the payroll item.
        "Y",
        # 1: billable to the job's customer, not yet billed; 0: not billable (overhead).
        "1" if activity.billable else "0",
    ]


def timer_file(activities: Iterable[TimeActivity], *, company_name: str = "", company_create_time: str = "") -> bytes:
    """The IIF file of these activities. `company_name` is the company as QuickBooks names it; the create time
    is the company file's, as QuickBooks' own timer list export writes it, when it is known (QuickBooks
    asks before importing a file that names none)."""
    text = _row(["!TIMERHDR", *TIMERHDR_COLUMNS])
    text += _row(["TIMERHDR", *TIMER_VERSION, field(company_name), "N", "Y", company_create_time])
    text += _row(["!TIMEACT", *TIMEACT_COLUMNS])
    for activity in activities:
        text += _row(["TIMEACT", *activity_row(activity)])
    return text.encode("cp1252")


def read_rows(content: bytes) -> list[dict[str, str]]:
    """The rows of an IIF file as column name → field, for each block's header row (what QuickBooks reads)."""
    rows: list[dict[str, str]] = []
    columns: dict[str, list[str]] = {}
    for line in content.decode("cp1252").split(CRLF):
        if not line:
            continue
        keyword, *fields = line.split("\t")
        if keyword.startswith("!"):
            columns[keyword[1:]] = fields
            continue
        rows.append({"": keyword, **dict(zip(columns[keyword], fields, strict=True))})
    return rows
