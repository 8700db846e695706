"""A project's budget from a CSV file: read (as Excel writes it), previewed with what is wrong row by row, then
imported in one transaction through `services.save_record`, so the permission gate and the edit lock of what
accounting holds apply as they do to the budget form.

Reading the file needs no database (`read_csv`, `parse_amount`); checking it against the cost codes, cost
types, sub jobs and the budget does (`preview`), and only `import_budget` writes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from access import permissions
from access.permissions import Action
from procore_sync import models as ps
from procore_sync import services
from procore_sync.errors import DomainError
from procore_sync.money import CENTS, ZERO

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# What a qbXML amount (and the budget's MoneyField) can carry: 13 digits before the point.
MAX_AMOUNT = Decimal("9999999999999.99")
DESCRIPTION_MAX = ps.BudgetLineItem._meta.get_field("description").max_length or 255

COLUMNS = ("cost_code", "cost_type", "sub_job", "description", "amount")
REQUIRED = ("cost_code", "amount")
LABELS = {
    "cost_code": "Cost code",
    "cost_type": "Cost type",
    "sub_job": "Sub job",
    "description": "Description",
    "amount": "Amount",
}
# Header names as people and other systems write them, compared after `_header_key`.
ALIASES = {
    "cost code": "cost_code",
    "costcode": "cost_code",
    "code": "cost_code",
    "cost code number": "cost_code",
    "cost type": "cost_type",
    "costtype": "cost_type",
    "type": "cost_type",
    "sub job": "sub_job",
    "subjob": "sub_job",
    "description": "description",
    "desc": "description",
    "amount": "amount",
    "budget": "amount",
    "budget amount": "amount",
    "original amount": "amount",
    "original budget": "amount",
}
SAMPLE_CSV = (
    "Cost code,Cost type,Description,Amount\r\n"
    '03-100,Labor,Footings,"12,500.00"\r\n'
    "03-100,Material,Footings concrete,8400\r\n"
    "03-200,,Slab on grade (the code's default cost type),15000.00\r\n"
)


class Mode(StrEnum):
    REPLACE = "replace"
    APPEND = "append"


MODE_LABELS = {Mode.REPLACE: "Replace the budget's lines", Mode.APPEND: "Add to the budget's lines"}


@dataclass
class ParsedFile:
    """The rows of a file as text, keyed by column, each with the number of its line in the file."""

    delimiter: str = ","
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class PreviewRow:
    line: int
    cost_code: str
    cost_type: str
    sub_job: str
    description: str
    amount_text: str
    amount: Decimal | None = None
    errors: list[str] = field(default_factory=list)
    cost_code_id: int | None = None
    cost_type_id: int | None = None
    sub_job_id: int | None = None
    # The cost type the line gets, by name: the one written, or the cost code's default when none is.
    cost_type_name: str = ""
    cost_type_is_default: bool = False
    # What the row was read from when it is not a file's own cells (an estimate line's item and class).
    read_from: str = ""

    @property
    def key(self) -> tuple[int | None, int | None, int | None]:
        return (self.cost_code_id, self.cost_type_id, self.sub_job_id)


@dataclass
class Preview:
    """What importing a file would do, nothing saved: its rows with what is wrong with each, what is wrong with
    the file as a whole, and the lines the budget would keep or lose."""

    mode: Mode
    rows: list[PreviewRow] = field(default_factory=list)
    # What the rows were read from, as the messages name it.
    source: str = "file"
    errors: list[str] = field(default_factory=list)
    existing_lines: int = 0
    # What the user lacks to import into this budget, when they do ("" when they may).
    missing_permission: str = ""
    # Lines of the budget a replace would delete (those the file does not name again).
    removed_lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not any(row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(row.errors) for row in self.rows)

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows if row.amount is not None), ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mode": self.mode.value,
            "errors": self.errors,
            "counts": {
                "rows": len(self.rows),
                "rows_with_errors": self.rows_with_errors,
                "errors": self.error_count,
                "existing_lines": self.existing_lines,
                "removed_lines": self.removed_lines,
            },
            "total": f"{self.total:.2f}",
            "rows": [
                {
                    "line": row.line,
                    "cost_code": row.cost_code,
                    "cost_type": row.cost_type_name or row.cost_type,
                    "sub_job": row.sub_job,
                    "description": row.description,
                    "amount": None if row.amount is None else f"{row.amount:.2f}",
                    "errors": row.errors,
                }
                for row in self.rows
            ],
        }


# --- reading the file (no database) ---------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a file as Excel and others save it: UTF-8 with or without its byte order mark, UTF-16 ("Unicode
    text"), else Windows-1252 (Excel's "CSV" on a Western Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.replace("\ufeff", "")).strip(" .:*").lower()


def _delimiter(first_line: str) -> str:
    """The separator the header line uses most: Excel writes `;` where the decimal mark is a comma, and tabs for
    "Unicode text"."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv(data: bytes) -> ParsedFile:
    """The rows of a CSV file under its header, or why the file cannot be read."""
    parsed = ParsedFile()
    if len(data) > MAX_BYTES:
        parsed.errors.append(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        return parsed
    text = decode(data)
    if not text.strip():
        parsed.errors.append("The file is empty.")
        return parsed
    lines = text.splitlines(keepends=True)
    start = 0
    # Excel honours (and some exports write) a first line "sep=;" naming the separator.
    if lines and (match := re.fullmatch(r"sep=(.)\s*", lines[0].strip("\ufeff"), flags=re.IGNORECASE)):
        parsed.delimiter = "\t" if match.group(1) == "\t" else match.group(1)
        start = 1
    else:
        first = next((line for line in lines if line.strip()), "")
        parsed.delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=parsed.delimiter)
    header: list[str] | None = None
    try:
        for cells in reader:
            number = reader.line_num + start
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                _read_header(parsed, header)
                if parsed.errors:
                    return parsed
                continue
            if len(parsed.rows) >= MAX_ROWS:
                parsed.errors.append(f"The file has more than {MAX_ROWS:,} rows; split it.")
                return parsed
            row = {
                name: cells[index].strip() if index < len(cells) else ""
                for index, name in enumerate(parsed.columns)
                if name
            }
            parsed.rows.append((number, row))
    except csv.Error as exc:
        parsed.errors.append(f"Line {reader.line_num + start} cannot be read: {exc}.")
        return parsed
    if header is None:
        parsed.errors.append("The file is empty.")
    elif not parsed.rows:
        parsed.errors.append("The file has a header and no rows.")
    return parsed


def _read_header(parsed: ParsedFile, header: list[str]) -> None:
    columns = [ALIASES.get(_header_key(name), "") for name in header]
    if not any(columns):
        expected = ", ".join(LABELS[name] for name in ("cost_code", "cost_type", "description", "amount"))
        parsed.errors.append(f"The first line should name the columns ({expected}); it reads “{','.join(header)}”.")
        return
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            parsed.errors.append(f"The column {LABELS[name]} is named twice.")
        seen.add(name)
    missing = [LABELS[name] for name in REQUIRED if name not in seen]
    if missing:
        parsed.errors.append(f"The file has no {' or '.join(missing)} column.")
    parsed.columns = columns


_GROUPED = {",": re.compile(r"\d{1,3}(,\d{3})+"), ".": re.compile(r"\d{1,3}(\.\d{3})+")}


def parse_amount(text: str, delimiter: str = ",") -> Decimal:
    """An amount as a spreadsheet writes it, in dollars and cents: "1234.56", "1,234.56", "$1,234.56",
    "(1,234.56)" and "-1234.56" for a negative, and in a `;`-separated file (where the decimal mark is a comma)
    "1.234,56". Raises ValueError saying what is wrong."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        raise ValueError("The amount is missing.")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    value = value.lstrip("$€£")
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
    elif "," in value:
        # "1,234" is a thousand in a comma file (where a cell holding a comma is quoted), 1.234 where ";" separates.
        decimal_mark = "," if delimiter == ";" else "."
    elif "." in value:
        decimal_mark = "," if delimiter == ";" and _GROUPED["."].fullmatch(value) else "."
    else:
        decimal_mark = "."
    thousands = "." if decimal_mark == "," else ","
    whole, _, cents = value.partition(decimal_mark)
    if thousands in whole:
        if not _GROUPED[thousands].fullmatch(whole):
            raise ValueError(f"“{text}” is not an amount (its thousands separators are misplaced).")
        whole = whole.replace(thousands, "")
    if not re.fullmatch(r"\d+", whole or "0") or (cents and not re.fullmatch(r"\d+", cents)):
        raise ValueError(f"“{text}” is not an amount.")
    try:
        amount = Decimal(f"{whole or '0'}.{cents or '0'}")
    except InvalidOperation:
        raise ValueError(f"“{text}” is not an amount.") from None
    if amount.quantize(CENTS) != amount:
        raise ValueError(f"“{text}” has more than two decimals; amounts are in dollars and cents.")
    if amount > MAX_AMOUNT:
        raise ValueError(f"“{text}” is larger than an amount QuickBooks can hold.")
    amount = amount.quantize(CENTS)
    return -amount if negative else amount


# --- checking the rows against the company's lists and the budget ----------------------------------------------


def may_import(user: User, project: ps.Project, budget: ps.Budget | None) -> permissions.Decision:
    """Importing edits the budget (or creates it): the Budget tool decides, as for the budget form."""
    if budget is not None:
        return permissions.check(user, Action.EDIT, budget)
    return permissions.check(user, Action.CREATE, object_type="budget", project=project)


def budget_lock(budget: ps.Budget | None) -> str:
    """Why the budget's lines cannot change now, or ""."""
    if budget is None:
        return ""
    if budget.is_locked:
        return "The budget is locked: unlock it (on its form) before importing lines into it."
    lock = services.edit_lock(budget, (), with_lines=True)
    if lock.lines:
        return f"The budget is {lock.state.replace('_', ' ') or 'held'} in accounting: its lines cannot change now."
    return ""


class _Lists:
    """The cost codes, cost types and the project's sub jobs, each read once, by the names a file may use."""

    def __init__(self, project: ps.Project) -> None:
        self.cost_codes = {code.code.lower(): code for code in ps.CostCode.objects.all()}
        cost_types = list(ps.CostType.objects.all())
        self.cost_types_by_id = {cost_type.pk: cost_type for cost_type in cost_types}
        self.cost_types = {cost_type.name.lower(): cost_type for cost_type in cost_types}
        # A code wins over a name when one cost type's code is another's name.
        self.cost_types.update({cost_type.code.lower(): cost_type for cost_type in cost_types})
        sub_jobs = list(ps.SubJob.objects.filter(project=project).select_related("parent__parent"))
        self.sub_jobs = {sub_job.path.lower(): sub_job for sub_job in sub_jobs}


def _check_row(row: PreviewRow, lists: _Lists) -> None:
    cost_code = lists.cost_codes.get(row.cost_code.lower()) if row.cost_code else None
    if not row.cost_code:
        row.errors.append("The cost code is missing.")
    elif cost_code is None:
        row.errors.append(f"There is no cost code “{row.cost_code}”.")
    elif not cost_code.is_active:
        row.errors.append(f"The cost code {cost_code.code} is inactive.")
    else:
        row.cost_code_id = cost_code.pk
    if row.cost_type:
        cost_type = lists.cost_types.get(row.cost_type.lower())
        if cost_type is None:
            row.errors.append(f"There is no cost type “{row.cost_type}” (by code or name).")
        elif not cost_type.is_active:
            row.errors.append(f"The cost type {cost_type.name} is inactive.")
        else:
            row.cost_type_id, row.cost_type_name = cost_type.pk, cost_type.name
    elif cost_code is not None:
        default = lists.cost_types_by_id.get(cost_code.default_cost_type_id or 0)
        if default is None:
            row.errors.append(f"The cost type is missing and cost code {cost_code.code} has no default cost type.")
        else:
            row.cost_type_id, row.cost_type_name, row.cost_type_is_default = default.pk, default.name, True
    if row.sub_job:
        sub_job = lists.sub_jobs.get(row.sub_job.lower().replace(" : ", ":"))
        if sub_job is None:
            row.errors.append(f"The project has no sub job “{row.sub_job}” (write its path: Building A:Level 2).")
        elif not sub_job.is_active:
            row.errors.append(f"The sub job {sub_job.path} is inactive.")
        else:
            row.sub_job_id = sub_job.pk
    if len(row.description) > DESCRIPTION_MAX:
        row.errors.append(f"The description is longer than {DESCRIPTION_MAX} characters.")


def _describe_key(row: PreviewRow) -> str:
    return f"{row.cost_code} {row.cost_type_name}" + (f" on {row.sub_job}" if row.sub_job else "")


def preview(user: User, project: ps.Project, data: bytes, mode: Mode = Mode.REPLACE) -> Preview:
    """What importing `data` into the project's budget would do, and everything that stops it. Nothing is saved."""
    budget = ps.Budget.objects.filter(project=project).first()
    result = start_preview(may_import(user, project, budget), budget, mode)
    if result.missing_permission:
        return result
    parsed = read_csv(data)
    result.errors.extend(parsed.errors)
    if parsed.errors:
        return result
    rows = []
    for number, cells in parsed.rows:
        row = PreviewRow(
            line=number,
            cost_code=cells.get("cost_code", ""),
            cost_type=cells.get("cost_type", ""),
            sub_job=cells.get("sub_job", ""),
            description=cells.get("description", ""),
            amount_text=cells.get("amount", ""),
        )
        try:
            row.amount = parse_amount(row.amount_text, parsed.delimiter)
        except ValueError as exc:
            row.errors.append(str(exc))
        rows.append(row)
    check_rows(result, project, budget, rows)
    return result


def start_preview(decision: permissions.Decision, budget: ps.Budget | None, mode: Mode) -> Preview:
    """A preview that says, before any row, whether the person may import into the budget and whether its lines
    may change now."""
    result = Preview(mode=mode)
    if not decision:
        result.missing_permission = decision.missing
        result.errors.append(f"Importing into this budget needs {decision.missing}.")
        return result
    if lock := budget_lock(budget):
        result.errors.append(lock)
    return result


def check_rows(result: Preview, project: ps.Project, budget: ps.Budget | None, rows: list[PreviewRow]) -> None:
    """Check `rows` (named by their cost code, cost type and sub job path, whatever they were read from) against
    the company's lists and the budget, and add them to `result`: what a file and a QuickBooks estimate share."""
    mode = result.mode
    lists = _Lists(project)
    existing: dict[tuple[int | None, int | None, int | None], ps.BudgetLineItem] = {}
    if budget is not None:
        existing = {
            (line.cost_code_id, line.cost_type_id, line.sub_job_id): line
            for line in ps.BudgetLineItem.objects.filter(budget=budget)
        }
    result.existing_lines = len(existing)
    first_of: dict[tuple[int | None, int | None, int | None], int] = {}
    for row in rows:
        # What reading the row found (a bad amount) follows what the lists say of it, as the columns go.
        read, row.errors = row.errors, []
        _check_row(row, lists)
        row.errors.extend(read)
        if row.cost_code_id is not None and row.cost_type_id is not None:
            if row.key in first_of:
                row.errors.append(f"Duplicates line {first_of[row.key]} ({_describe_key(row)}).")
            else:
                first_of[row.key] = row.line
                if mode is Mode.APPEND and row.key in existing:
                    row.errors.append(f"The budget already has a line {_describe_key(row)}; replace its lines instead.")
        result.rows.append(row)
    if mode is Mode.REPLACE and budget is not None:
        gone = [line.pk for key, line in existing.items() if key not in first_of]
        result.removed_lines = len(gone)
        used = (
            ps.BudgetModificationLine.objects.filter(budget_line_id__in=gone)
            .select_related("budget_line__cost_code", "budget_line__cost_type")
            .order_by("budget_line_id")
        )
        kept = sorted({str(line.budget_line) for line in used})
        if kept:
            result.errors.append(
                f"Budget modifications move money on lines the {result.source} leaves out ({', '.join(kept)}); "
                "keep them in it."
            )


def import_budget(user: User, project: ps.Project, data: bytes, mode: Mode = Mode.REPLACE) -> Preview:
    """Import `data` into the project's budget, all of it or nothing: raises ImportRefused with the preview when
    anything is wrong. Replacing keeps the lines the file names again (updated) and deletes the others; adding
    keeps every line and adds the file's."""
    with transaction.atomic():
        # The budget's row is held from the checks to the write: a lock (or a line added) cannot slip in between.
        budget = ps.Budget.objects.select_for_update().filter(project=project).first()
        result = preview(user, project, data, mode)
        save_rows(user, project, budget, result)
    return result


def save_rows(
    user: User,
    project: ps.Project,
    budget: ps.Budget | None,
    result: Preview,
    *,
    permitted_by: Action | None = None,
) -> ps.Budget:
    """Write a checked preview's rows into the project's budget (made when it has none), its lines in bulk through
    `services.save_record`, or raise ImportRefused (PermissionDenied for a preview that lacks the permission).
    Call inside a transaction that holds the budget's row (`budget` as read under that lock)."""
    if result.missing_permission:
        raise PermissionDenied(result.errors[0])
    if not result.ok:
        raise ImportRefused(result)
    mode = result.mode
    existing: dict[tuple[int | None, int | None, int | None], int] = {}
    if budget is not None:
        existing = {
            (line.cost_code_id, line.cost_type_id, line.sub_job_id): line.pk
            for line in ps.BudgetLineItem.objects.filter(budget=budget)
        }
    cost_codes = ps.CostCode.objects.in_bulk({row.cost_code_id for row in result.rows})
    cost_types = ps.CostType.objects.in_bulk({row.cost_type_id for row in result.rows})
    sub_jobs = ps.SubJob.objects.in_bulk({row.sub_job_id for row in result.rows if row.sub_job_id})
    lines: list[dict[str, Any]] = []
    if mode is Mode.APPEND:
        lines.extend({"id": pk} for pk in existing.values())
    for row in result.rows:
        line: dict[str, Any] = {
            "cost_code": cost_codes[row.cost_code_id or 0],
            "cost_type": cost_types[row.cost_type_id or 0],
            "sub_job": sub_jobs.get(row.sub_job_id or 0),
            "description": row.description,
            "original_amount": row.amount,
        }
        if mode is Mode.REPLACE and row.key in existing:
            line["id"] = existing[row.key]
        lines.append(line)
    try:
        return services.save_record(
            user,
            ps.Budget,
            {} if budget is not None else {"project": project, "is_locked": False},
            lines,
            instance=budget,
            permitted_by=permitted_by,
            in_bulk=True,
        )
    except DomainError as exc:
        result.errors.append(str(exc))
        raise ImportRefused(result) from exc
    except ValidationError as exc:
        result.errors.extend(exc.messages)
        raise ImportRefused(result) from exc


class ImportRefused(Exception):
    def __init__(self, preview: Preview) -> None:
        rows = preview.rows_with_errors
        super().__init__(" ".join(preview.errors) or f"{rows} row{' has' if rows == 1 else 's have'} errors.")
        self.preview = preview
