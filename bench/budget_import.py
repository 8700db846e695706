"""The budget import from CSV: the preview of a 10,000-row file, and its import.

Run: .venv/bin/python bench/budget_import.py [--rows 10000] [--database sqlite|postgres]

A fresh database holds 400 cost codes, the six cost types and 5 sub jobs of one project; the file (as Excel
writes it where the decimal mark is a comma: a byte order mark, `;` separators, amounts as "1.234,56") has
`--rows` distinct lines over them. Printed: the preview's median time of 5 (in this process, nothing saved,
every row checked against the lists), its query count, and the time and query count of one import of the file
into the empty budget (through the one write path, its lines checked and written in bulk). The preview must find
no error and the budget must then hold exactly the file's lines and total, or the run stops there. Targets: the
preview and the import each under 2 s (the exit status says whether both were met).
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from itertools import product

from _setup import RoundDatabases, add_database_argument, measure

PREVIEW_TARGET_S = 2.0
IMPORT_TARGET_S = 2.0
CODES, SUB_JOBS = 400, 5


def seed() -> tuple[object, object]:
    from django.contrib.auth import get_user_model

    from access.services import grant
    from access.tools import Level, Tool
    from procore_sync import models as ps

    user = get_user_model().objects.create_user("estimator", password="bench-password")  # noqa: S106
    grant(user, Tool.BUDGET, Level.STANDARD)
    owner = ps.Company.objects.create(name="Owner Inc", vendor_type=ps.Company.VendorType.OWNER)
    project = ps.Project.objects.create(number="P-1", name="Tower", owner=owner)
    division = ps.Division.objects.create(code="03", name="Concrete")
    ps.CostCode.objects.bulk_create(
        ps.CostCode(code=f"03-{n:04d}", description=f"Concrete work {n}", division=division) for n in range(CODES)
    )
    for n in range(SUB_JOBS):
        ps.SubJob.objects.create(project=project, name=f"Building {n}")
    return get_user_model().objects.get(pk=user.pk), project


def the_file(rows: int) -> tuple[bytes, Decimal]:
    from procore_sync import models as ps

    cost_types = list(ps.CostType.objects.values_list("name", flat=True))
    keys = product(range(CODES), cost_types, range(SUB_JOBS))
    lines = ["Cost code;Cost type;Description;Amount;Sub job"]
    total = Decimal("0.00")
    for n, (code, cost_type, sub_job) in zip(range(rows), keys, strict=False):
        amount = Decimal(1000 + n) + Decimal("0.56")
        total += amount
        euros = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        lines.append(f"03-{code:04d};{cost_type};Line {n};{euros};Building {sub_job}")
    if len(lines) - 1 != rows:
        sys.exit(f"Only {len(lines) - 1} distinct lines fit the seeded lists; ask for fewer rows.")
    return "\ufeff".encode() + "\r\n".join(lines).encode("utf-8") + b"\r\n", total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    add_database_argument(parser)
    args = parser.parse_args()
    with RoundDatabases(args.database) as databases:
        databases.fresh(1)
        from procore_sync import budget_import as bi
        from procore_sync import models as ps

        user, project = seed()
        data, total = the_file(args.rows)
        milliseconds, queries, result = measure(lambda: bi.preview(user, project, data), repeat=5)  # type: ignore[arg-type]
        if not result.ok or len(result.rows) != args.rows or result.total != total:
            sys.exit(f"The preview is wrong: {result.error_count} errors, {len(result.rows)} rows, {result.total}.")
        print(f"preview of {args.rows:,} rows ({len(data) / 1024:,.0f} KB): {milliseconds:,.0f} ms, {queries} queries")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as imported_with:
            started = time.perf_counter()
            bi.import_budget(user, project, data)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
        lines = ps.BudgetLineItem.objects.filter(budget__project=project)
        imported = sum(lines.values_list("original_amount", flat=True), Decimal("0.00"))
        if lines.count() != args.rows or imported != total:
            sys.exit(f"The import is wrong: {lines.count()} lines, total {imported} (expected {total}).")
        print(
            f"import of {args.rows:,} rows: {seconds:,.2f} s ({args.rows / seconds:,.0f} lines/s), "
            f"{len(imported_with)} queries"
        )
        preview_met = milliseconds / 1000 < PREVIEW_TARGET_S
        import_met = seconds < IMPORT_TARGET_S
        print(f"target: preview under {PREVIEW_TARGET_S:.0f} s: {'met' if preview_met else 'NOT met'}")
        print(f"target: import under {IMPORT_TARGET_S:.0f} s: {'met' if import_met else 'NOT met'}")
        return 0 if preview_met and import_met else 1


if __name__ == "__main__":
    sys.exit(main())
