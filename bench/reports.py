"""The job costs report at size: server time and query count of a project's ERP job costs (the page, the
summary API, its PDF, a drill-down) and of the company's view, for a project with 500 cost codes and 100,000
lines imported from QuickBooks, beside its budget, 40 commitments with 2,000 lines, their change orders, 400
invoices with 4,000 lines and their payments.

Run: .venv/bin/python bench/reports.py [--database sqlite|postgres]
Target: the page and the summary under 300 ms, and the same query count as for a project with a handful of
records.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from decimal import Decimal

from _setup import add_database_argument, django_on_fresh_postgres, django_on_fresh_sqlite, drop_postgres, measure

TARGET_MS = 300
COST_CODES = 500
QUICKBOOKS_LINES = 100_000
COMMITMENTS = 40
INVOICES_EACH = 10


def make_project(number: str, cost_codes: int, quickbooks_lines: int, commitments: int) -> object:
    """A project with a budget line per cost code, `commitments` commitments of 50 lines each with a change
    order, 10 invoices each (10 lines each) paid by a check, and `quickbooks_lines` of QuickBooks' costs."""
    from procore_sync import models as ps

    project = ps.Project.objects.create(number=number, name=f"Bench report project {number}")
    division, _ = ps.Division.objects.get_or_create(code="99", defaults={"name": "Bench"})
    codes = list(ps.CostCode.objects.filter(division=division).order_by("code")[:cost_codes])
    if len(codes) < cost_codes:
        codes += ps.CostCode.objects.bulk_create(
            [
                ps.CostCode(code=f"99-{n:04d}", description=f"Bench scope {n}", division=division)
                for n in range(len(codes), cost_codes)
            ]
        )
    kinds = list(ps.CostType.objects.order_by("pk")[:2])
    budget = ps.Budget.objects.create(project=project, is_locked=True)
    ps.BudgetLineItem.objects.bulk_create(
        [
            ps.BudgetLineItem(budget=budget, cost_code=code, cost_type=kinds[0], original_amount=Decimal("25000.00"))
            for code in codes
        ]
    )
    vendor = ps.Company.objects.create(name=f"Bench Builders {number}")
    day = datetime.date(2026, 3, 1)
    for n in range(commitments):
        commitment = ps.Commitment.objects.create(
            project=project, number=f"SC-{n:03d}", title=f"Scope {n}", vendor=vendor, status="approved"
        )
        lines = ps.CommitmentLine.objects.bulk_create(
            [
                ps.CommitmentLine(
                    commitment=commitment,
                    line_number=k + 1,
                    cost_code=codes[(n * 50 + k) % len(codes)],
                    cost_type=kinds[0],
                    amount=Decimal("9000.00"),
                )
                for k in range(50)
            ]
        )
        change = ps.CommitmentChangeOrder.objects.create(commitment=commitment, number="001", title="More", date=day)
        ps.CommitmentChangeOrderLine.objects.bulk_create(
            [
                ps.CommitmentChangeOrderLine(change_order=change, commitment_line=line, amount=Decimal("500.00"))
                for line in lines[:5]
            ]
        )
        for i in range(INVOICES_EACH):
            invoice = ps.SubcontractorInvoice.objects.create(
                commitment=commitment,
                number=f"INV-{n}-{i}",
                billing_period_start=day,
                billing_period_end=day,
                invoice_date=day,
                status="approved",
            )
            ps.SubcontractorInvoiceLine.objects.bulk_create(
                [
                    ps.SubcontractorInvoiceLine(
                        invoice=invoice,
                        commitment_line=lines[i * 5 + k],
                        work_completed_this_period=Decimal("800.00"),
                        retainage_held=Decimal("80.00"),
                    )
                    for k in range(10 if i * 5 + 10 <= 50 else 5)
                ]
            )
            ps.BillPayment.objects.create(
                qb_txn_id=f"P-{number}-{n}-{i}",
                bill_txn_id=f"B-{number}-{n}-{i}",
                method="check",
                vendor=vendor,
                commitment=commitment,
                invoice=invoice,
                ref_number=f"{n}{i}",
                txn_date=day,
                amount=Decimal("3600.00"),
                payment_total=Decimal("3600.00"),
            )
    batch = 10_000
    for start in range(0, quickbooks_lines, batch):
        ps.JobCostTransaction.objects.bulk_create(
            [
                ps.JobCostTransaction(
                    qb_txn_id=f"T-{number}-{k}",
                    qb_txn_line_id="1",
                    txn_type="Check",
                    txn_date=day + datetime.timedelta(days=k % 200),
                    ref_number=str(k),
                    project=project,
                    cost_code=codes[k % len(codes)],
                    cost_type=kinds[k % 2],
                    vendor_name="Bench Supply",
                    amount=Decimal("12.34"),
                    from_synced_invoice=k % 10 == 0,
                )
                for k in range(start, min(start + batch, quickbooks_lines))
            ]
        )
    return project


def report(label: str, median_ms: float, queries: int, *, target: bool = True) -> bool:
    ok = median_ms < TARGET_MS or not target
    verdict = ("ok" if ok else "TOO SLOW") if target else ""
    print(f"{label:<60} {median_ms:7.1f} ms (median of 15), {queries:3d} queries  {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_argument(parser)
    database = parser.parse_args().database
    template = django_on_fresh_postgres() if database == "postgres" else None
    if template is None:
        django_on_fresh_sqlite()
    try:
        run(database)
    finally:
        if template is not None:
            from django.db import connections

            connections.close_all()
            drop_postgres(template)


def run(database: str) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from access.services import grant as access_grant
    from access.tools import Level, Tool

    print(f"Job costs report on {database}: {COST_CODES} cost codes, {QUICKBOOKS_LINES:,} QuickBooks lines")
    small = make_project("R-SMALL", 5, 20, 1)
    big = make_project("R-BIG", COST_CODES, QUICKBOOKS_LINES, COMMITMENTS)
    if database == "postgres":
        # What autovacuum does soon after a large import: the planner's statistics, and the visibility map
        # that lets the sums be read from the covering index alone.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    admin = get_user_model().objects.create_user("bench-erp-admin", password="bench-pass-123")
    access_grant(admin, Tool.ERP_INTEGRATIONS, Level.ADMIN)
    client = Client()
    client.force_login(admin)

    def urls(project: object) -> dict[str, str]:
        pk = project.pk  # type: ignore[attr-defined]
        return {
            "Job costs page": f"/projects/{pk}/job-costs/",
            "Job costs summary API": f"/api/v1/projects/{pk}/job-costs/summary/",
            "Job costs summary CSV": f"/projects/{pk}/job-costs/?format=summary-csv",
            "Drill-down: what is paid": f"/projects/{pk}/job-costs/detail/?column=paid",
        }

    all_ok = True
    counts: dict[str, tuple[int, int]] = {}
    for label, url in urls(small).items():
        _, queries, response = measure(lambda url=url: client.get(url), repeat=3)
        assert response.status_code == 200, response.content[:300]
        counts[label] = (queries, 0)
    for label, url in urls(big).items():
        median_ms, queries, response = measure(
            lambda url=url: b"".join(r.streaming_content) if (r := client.get(url)).streaming else r.content
        )
        counts[label] = (counts[label][0], queries)
        all_ok &= report(f"{label} (R-BIG)", median_ms, queries, target=label != "Drill-down: what is paid")
    pdf_ms, pdf_queries, _ = measure(lambda: client.get(f"/projects/{big.pk}/job-costs/?format=pdf"), repeat=5)  # type: ignore[attr-defined]
    report("Job costs PDF (R-BIG)", pdf_ms, pdf_queries, target=False)
    company_ms, company_queries, response = measure(lambda: client.get("/projects/job-costs/"))
    assert response.status_code == 200
    all_ok &= report("Company job costs page (2 projects)", company_ms, company_queries)
    same = all(small_count == big_count for small_count, big_count in counts.values())
    for label, (small_count, big_count) in counts.items():
        print(f"  queries of {label}: {small_count} for R-SMALL, {big_count} for R-BIG")
    print(f"{'query count the same for a handful of records and for R-BIG':<60} {'yes' if same else 'NO'}")
    sys.exit(0 if all_ok and same else 1)


if __name__ == "__main__":
    main()
