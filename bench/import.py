"""QuickBooks list imports, the whole loop over HTTP on loopback: Web Connector simulator → SOAP endpoint →
QuickBooks simulator holding a company file's lists.

Run: .venv/bin/python bench/import.py [--vendors 20000] [--rounds 3] [--database sqlite|postgres] [--page-size N]

Each round runs on a fresh database and a fresh server process (a plain WSGI server on 127.0.0.1); this
process plays the Web Connector and QuickBooks. The simulated company file holds `--vendors` vendors (each
with a phone, an e-mail and an address), a tenth as many customers with 3 jobs each, 200 sub jobs, 400
service items, a class and the file's accounts. A refresh of every list is queued, and one Web Connector
session reads them to the end, a page per message. Printed per round and as medians:
- rows/s end to end (AccountingRecords written / the session's wall time), the messages, and how much of
  that time was the server's own (measured inside it around each SOAP call) and the simulator's;
- the server process's peak RSS (VmHWM) after the session, against the target, and its RSS along the way;
- lxml's bare parse of the same answers (every page QuickBooks answered, `lxml.etree.fromstring`, as the
  product parses a page of this size whole), and the product's own parse of them, in rows/s;
- a second refresh of every list with nothing changed in QuickBooks: it must cost exactly one query message
  per list, of one request each, and read 0 rows.
The AccountingRecords after the first session must be exactly what was seeded, and the second refresh must
cost what it says, or the run stops there. Target: the server's peak RSS under 150 MB in every round (the
exit status says whether it was met).

With `--job-cost-lines N` it reads QuickBooks' transactions back instead: the simulated company file holds N
lines that cost a job, over bills, checks, credit card charges and credits, vendor credits, item receipts and
journal entries, on five jobs (a sub job among them) of two customers and a job no project is linked to, on
30 service items (and one that is no cost code). A first session reads the lists; the bench's database then
links four projects to their jobs (their sub jobs come along) and 30 cost codes to their items, as the
pages would, and has the four bring their job costs back. The measured session reads every transaction type
to the end. Printed: rows/s end to end (job cost rows written / the session's wall time), the server's peak
RSS, lxml's bare parse of the same answers and the product's parse, in lines/s; then the summary of the
largest project (per cost code, cost type and sub job, beside its budget) and the first page of its lines,
timed in this process (median of 15), and, for scale, that summary with every row moved onto the project.
The rows must be exactly the lines seeded, each project's total what the simulator holds, or the run stops
there. Targets: peak RSS under 200 MB, the summary of the largest project under 200 ms.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from _setup import (
    LoopbackTransport,
    RecordingCompany,
    RoundDatabases,
    Server,
    add_database_argument,
    measure,
    served,
)

USERNAME, PASSWORD = "bench", "bench-password"
JOBS_EACH, SUB_JOBS, ITEMS = 3, 200, 400
PEAK_RSS_TARGET_MB = 150


def seeded_company(vendors: int) -> tuple[Any, dict[str, int]]:
    """The simulated company file, and how many records each AccountingRecord list should get from it."""
    from qbxml.simulator import QuickBooksCompany

    company = QuickBooksCompany("Bench Construction")
    for n in range(vendors):
        company.add_vendor(
            f"Vendor {n:06d}",
            Phone=f"555-{n % 10_000:04d}",
            Email=f"ap{n}@vendor.example",
            VendorAddress={"Addr1": f"{n} Main Street", "City": "Springfield", "State": "IL", "PostalCode": "62701"},
        )
    owners = max(1, vendors // 10)
    for n in range(owners):
        company.add_customer(f"Owner {n:05d}")
        for job in range(JOBS_EACH):
            company.add_customer(f"Job {n:05d}-{job}", f"Owner {n:05d}")
    for n in range(SUB_JOBS):
        owner = n % owners
        company.add_customer(f"Building {n}", f"Owner {owner:05d}:Job {owner:05d}-0")
    for division in range(ITEMS // 20):
        company.add_item_service(f"{division:02d}")
        for code in range(19):
            company.add_item_service(f"{division:02d}-{code:03d}", f"{division:02d}", description=f"Work {code}")
    company.add_class("Labor")
    expected = {
        "account": len(company.accounts()),
        "class": 1,
        "customer": owners * (1 + JOBS_EACH) + SUB_JOBS,
        "item": ITEMS // 20 * 20,
        "vendor": vendors,
    }
    return company, expected


@dataclass
class Session:
    """One Web Connector session over HTTP, as this process saw it."""

    messages: int
    requests: int
    wall: float
    server: float  # the server's own time, summed over its SOAP calls
    quickbooks: float  # the simulator's time answering
    answers: list[str]  # every qbXML answer QuickBooks gave, in order
    queries: list[str]  # every qbXML message it was sent
    rss_mb: list[float] = field(default_factory=list)  # the server's VmRSS after each answer was applied


def play(server: Server, company: Any) -> Session:
    """One Web Connector session to the end."""
    from qbxml.lib.webconnector import WebConnector

    recording = RecordingCompany(company)
    rss: list[float] = []

    def after_call(operation: str) -> None:
        if operation == "receiveResponseXML":
            rss.append(server.memory_mb("VmRSS"))

    transport = LoopbackTransport(server.url, after_call)
    connector = WebConnector(server.url, USERNAME, PASSWORD, recording, transport=transport, noop_wait=0.0, max_noops=0)
    started = time.perf_counter()
    report = connector.run_session()
    wall = time.perf_counter() - started
    if not report.finished:
        raise SystemExit(f"the session did not finish: {report}")
    return Session(
        messages=report.messages,
        requests=report.requests,
        wall=wall,
        server=transport.server_seconds,
        quickbooks=recording.seconds,
        answers=[answer for _, answer in recording.exchanged],
        queries=[query for query, _ in recording.exchanged],
        rss_mb=rss,
    )


def requests_in(message: str) -> list[str]:
    """The requests of a qbXML message, by tag."""
    from lxml import etree

    root = etree.fromstring(message.encode("utf-8"))
    return [rq.tag for messages in root for rq in messages if isinstance(rq.tag, str)]


def rows_in(answers: list[bytes]) -> int:
    """The list records (`*Ret`) in these qbXML answers."""
    from lxml import etree

    rows = 0
    for answer in answers:
        for messages in etree.fromstring(answer):
            for rs in messages:
                rows += sum(1 for ret in rs if isinstance(ret.tag, str) and ret.tag.endswith("Ret"))
    return rows


def parse_seconds(answers: list[bytes], parse: Callable[[bytes], object], repeat: int = 3) -> float:
    """The best of `repeat` passes of `parse` over every answer: the floor of that work, without the noise."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        for answer in answers:
            parse(answer)
        timings.append(time.perf_counter() - started)
    return min(timings)


def held() -> dict[str, int]:
    from django.db.models import Count

    from erp_integrations.models import AccountingRecord

    return dict(AccountingRecord.objects.values_list("list_type").annotate(Count("id")).order_by("list_type"))


@dataclass
class Round:
    rows: int
    messages: int
    wall: float
    server: float
    quickbooks: float
    peak_rss_mb: float
    warm_rss_mb: float
    lxml_seconds: float
    product_parse_seconds: float
    parsed_rows: int
    second_messages: int
    second_requests: int
    second_rows: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.wall

    @property
    def lxml_rows_per_second(self) -> float:
        return self.parsed_rows / self.lxml_seconds

    @property
    def product_parse_rows_per_second(self) -> float:
        return self.parsed_rows / self.product_parse_seconds


def run_round(number: int, database_url: str, vendors: int, page_size: int | None) -> Round:
    from django.db import connections

    from qbxml import imports
    from qbxml import services as qb_services

    started = time.perf_counter()
    company, expected = seeded_company(vendors)
    connection = qb_services.connection_create(None, name="Bench file", username=USERNAME, password=PASSWORD)
    if page_size is not None:
        connection.import_page_size = page_size
        connection.save(update_fields=["import_page_size"])
    imports.refresh(None, connection, imports.LISTS)
    print(
        f"round {number}: {sum(expected.values()):,} list records seeded {expected}, "
        f"page size {connection.import_page_size}, set up in {time.perf_counter() - started:.1f} s"
    )
    with served(database_url) as server:
        warm_rss = server.memory_mb("VmHWM")
        first = play(server, company)
        peak_rss = server.memory_mb("VmHWM")
        rows = check_first(first, expected)
        print(
            f"  end to end {first.wall:.2f} s → {rows / first.wall:,.0f} rows/s; {first.messages} messages, "
            f"{first.requests} requests; server's own time {first.server:.2f} s, QuickBooks' {first.quickbooks:.2f} s"
        )
        marks = [first.rss_mb[max(0, len(first.rss_mb) * quarter // 4 - 1)] for quarter in (1, 2, 3, 4)]
        print(
            f"  server peak RSS (VmHWM) {peak_rss:.1f} MB: {verdict(peak_rss)} (target < {PEAK_RSS_TARGET_MB} MB); "
            f"{warm_rss:.1f} MB warmed, before the session; VmRSS after 1/4, 1/2, 3/4, all of the messages: "
            + ", ".join(f"{mark:.1f}" for mark in marks)
            + " MB"
        )

        # A second refresh with nothing changed in QuickBooks: a query per list, nothing read.
        imports.refresh(None, connection, imports.LISTS)
        connections.close_all()
        second = play(server, company)
        second_rows = check_second(second, expected)
        print(f"    ({second.wall:.2f} s; the server's peak RSS is now {server.memory_mb('VmHWM'):.1f} MB)")
    connections.close_all()

    answers = [answer.encode("utf-8") for answer in first.answers]
    parsed_rows, lxml_seconds, product_seconds = bare_parse(answers)
    print(
        f"  the same {len(answers)} answers ({sum(map(len, answers)) / 1e6:.1f} MB, {parsed_rows:,} rows) parsed "
        f"alone: lxml {parsed_rows / lxml_seconds:,.0f} rows/s, the product's parse (iter_responses) "
        f"{parsed_rows / product_seconds:,.0f} rows/s; end to end runs at "
        f"{(rows / first.wall) / (parsed_rows / lxml_seconds):.1%} of lxml's rate"
    )
    return Round(
        rows=rows,
        messages=first.messages,
        wall=first.wall,
        server=first.server,
        quickbooks=first.quickbooks,
        peak_rss_mb=peak_rss,
        warm_rss_mb=warm_rss,
        lxml_seconds=lxml_seconds,
        product_parse_seconds=product_seconds,
        parsed_rows=parsed_rows,
        second_messages=second.messages,
        second_requests=second.requests,
        second_rows=second_rows,
    )


def verdict(peak_rss_mb: float) -> str:
    return "PASS" if peak_rss_mb < PEAK_RSS_TARGET_MB else "FAIL"


def check_first(first: Session, expected: dict[str, int]) -> int:
    """Every list read to the end, into exactly the AccountingRecords seeded; returns how many."""
    from qbxml import imports
    from qbxml.models import QbListImport

    written = held()
    if written != expected:
        raise SystemExit(f"the AccountingRecords are not what was seeded: {written}, expected {expected}")
    runs = set(QbListImport.objects.values_list("list_name", "status", "last_error"))
    if runs != {(name, "idle", "") for name in imports.LISTS}:
        raise SystemExit(f"not every list was read to the end: {sorted(runs)}")
    rows = sum(written.values())
    print(f"  AccountingRecords written: {rows:,} {written}, as seeded")
    return rows


def check_second(second: Session, expected: dict[str, int]) -> int:
    """A second refresh with nothing changed: exactly one message per list, of one query each, answered with
    no rows, and the AccountingRecords as they were. Returns the rows answered (0)."""
    from qbxml import imports
    from qbxml.models import QbListImport

    per_message = [requests_in(query) for query in second.queries]
    queried = sorted(tag for tags in per_message for tag in tags)
    wanted = sorted(f"{imported.query}QueryRq" for imported in imports.LISTS.values())
    rows = rows_in([answer.encode("utf-8") for answer in second.answers])
    last_rows = set(QbListImport.objects.values_list("last_rows", flat=True))
    print(
        f"  second refresh, nothing changed: {second.messages} messages, {second.requests} requests for "
        f"{len(imports.LISTS)} lists ({', '.join(queried)}); {rows} rows answered, last_rows {sorted(last_rows)}"
    )
    one_each = (
        second.messages == second.requests == len(imports.LISTS)
        and all(len(tags) == 1 for tags in per_message)
        and queried == wanted
    )
    if not one_each or rows != 0 or last_rows != {0} or held() != expected:
        raise SystemExit("the second refresh did not cost exactly one query message per list with 0 rows read")
    return rows


def bare_parse(answers: list[bytes]) -> tuple[int, float, float]:
    """The rows in these answers, and the seconds lxml alone (`etree.fromstring`, as the product parses an
    answer of a page's size whole) and the product's parse into records (`iter_responses`) take over them."""
    from django.conf import settings
    from lxml import etree

    from qbxml.lib.parse import iter_responses

    lxml_seconds = parse_seconds(answers, etree.fromstring)
    product_seconds = parse_seconds(answers, lambda answer: list(iter_responses(answer, settings.QBWC_MAX_BODY_BYTES)))
    return rows_in(answers), lxml_seconds, product_seconds


def report(rounds: list[Round]) -> None:
    def median(measure: str) -> float:
        return statistics.median(getattr(result, measure) for result in rounds)

    highest = max(result.peak_rss_mb for result in rounds)
    print(f"medians of {len(rounds)} round(s), {rounds[-1].rows:,} rows:")
    print(
        f"  end to end: {median('rows_per_second'):,.0f} rows/s in {median('messages'):.0f} messages "
        f"({median('wall'):.2f} s; server's own time {median('server'):.2f} s, "
        f"QuickBooks' {median('quickbooks'):.2f} s)"
    )
    print(
        f"  server peak RSS (VmHWM): {median('peak_rss_mb'):.1f} MB, highest {highest:.1f} MB: {verdict(highest)} "
        f"(target < {PEAK_RSS_TARGET_MB} MB in every round)"
    )
    print(
        f"  lxml bare parse of the same answers: {median('lxml_rows_per_second'):,.0f} rows/s; "
        f"the product's parse: {median('product_parse_rows_per_second'):,.0f} rows/s"
    )
    print(
        f"  second refresh with nothing changed: {median('second_messages'):.0f} messages, "
        f"{median('second_requests'):.0f} requests, {median('second_rows'):.0f} rows read"
    )
    raise SystemExit(0 if verdict(highest) == "PASS" else 1)


# --- job cost transactions (--job-cost-lines) ---------------------------------------------------------------

JOB_COST_KINDS = (
    "Bill",
    "Check",
    "CreditCardCharge",
    "CreditCardCredit",
    "VendorCredit",
    "ItemReceipt",
    "JournalEntry",
)
CREDIT_KINDS = {"CreditCardCredit", "VendorCredit"}
LINES_EACH = 5
JOB_COST_PEAK_RSS_TARGET_MB = 200
SUMMARY_TARGET_MS = 200
MAIN_JOB = "Harbor Health:1042 Main Street Clinic"
# The jobs the lines cost, twenty shares of them each (the main job half), and the projects linked to them.
JOB_SHARES = [
    *[MAIN_JOB] * 10,
    f"{MAIN_JOB}:Building A",
    *["Harbor Health:1043 Annex"] * 3,
    *["Sierra Schools:2001 Library"] * 3,
    *["Sierra Schools:2002 Gym"] * 2,
    "Other Owner:Warehouse",  # no project is linked to it: its lines are unsyncable direct costs
]
PROJECTS = {
    MAIN_JOB: ("1042", "Main Street Clinic"),
    "Harbor Health:1043 Annex": ("1043", "Annex"),
    "Sierra Schools:2001 Library": ("2001", "Library"),
    "Sierra Schools:2002 Gym": ("2002", "Gym"),
}
CLASSES = ("Labor", "Material", "Equipment", "Subcontract")
DIVISIONS, CODES_EACH = 3, 10


@dataclass
class JobCostCompany:
    company: Any
    lines: int  # the lines that cost a job (a journal entry's balancing line is not one)
    transactions: int
    totals: dict[str, Decimal]  # what each project's lines cost, by job; "" for the lines on no project


def job_cost_company(lines: int) -> JobCostCompany:
    """The simulated company file: its lists, and `lines` lines that cost a job over every kind of transaction."""
    from qbxml.simulator import QuickBooksCompany, SeedLine

    company = QuickBooksCompany("Bench Construction")
    vendors = [f"Vendor {n:02d}" for n in range(20)]
    for vendor in vendors:
        company.add_vendor(vendor)
    for job in dict.fromkeys(JOB_SHARES):
        parts = job.split(":")
        for depth in range(1, len(parts) + 1):
            if company.find_list("Customer", ":".join(parts[:depth])) is None:
                company.add_customer(parts[depth - 1], ":".join(parts[: depth - 1]) or None)
    items = []
    for division in range(1, DIVISIONS + 1):
        company.add_item_service(f"{division:02d}", description=f"Division {division}")
        for code in range(CODES_EACH):
            company.add_item_service(f"{division:02d}-{code:03d}", f"{division:02d}", description=f"Work {code}")
            items.append(f"{division:02d}:{division:02d}-{code:03d}")
    company.add_item_service("Permits")  # an item that is no cost code
    for name in CLASSES:
        company.add_class(name)
    totals: dict[str, Decimal] = {}
    written = transactions = 0
    while written < lines:
        kind = JOB_COST_KINDS[transactions % len(JOB_COST_KINDS)]
        seeded = []
        for _ in range(min(LINES_EACH, lines - written)):
            n = written + len(seeded)
            job: str | None = JOB_SHARES[n % len(JOB_SHARES)]
            item: str | None = items[(n * 7) % len(items)]
            if kind == "JournalEntry" or n % 7 == 0:
                item = None  # an expense line: a cost of its project with no cost code
            elif n % 101 == 0:
                item = "Permits"
            elif n % 97 == 0:
                job = None  # a cost code item on no job
            amount = Decimal(10 + n % 900) + Decimal(n % 100) / 100
            seeded.append(
                SeedLine(
                    amount,
                    item=item,
                    account=None if item else "Job Expenses",
                    customer=job,
                    class_name=CLASSES[n % len(CLASSES)] if n % 5 else None,
                )
            )
            key = "" if job is None or job.startswith("Other Owner") else job.removesuffix(":Building A")
            totals[key] = totals.get(key, Decimal(0)) + (-amount if kind in CREDIT_KINDS else amount)
        written += len(seeded)
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=transactions % 330)
        company.add_job_cost_transaction(
            kind,
            seeded,
            payee=None if kind == "JournalEntry" else vendors[transactions % len(vendors)],
            ref_number=f"{transactions}",
            txn_date=day,
        )
        transactions += 1
    return JobCostCompany(company, lines, transactions, totals)


def link_projects_and_cost_codes(book: str) -> dict[str, Any]:
    """What a company admin does after the lists are read: each project linked to its QuickBooks job (its sub
    jobs come along), each cost code to its service item, and every project brings its job costs back, from
    the start. Returns the projects by job."""
    from erp_integrations import services as erp
    from erp_integrations.models import AccountingRecord, ProjectAccountingSettings
    from procore_sync import models as ps

    records = {
        (record.list_type, record.full_name): record
        for record in AccountingRecord.objects.filter(book=book, list_type__in=["customer", "item"])
    }
    links = []
    projects = {}
    for job, (number, name) in PROJECTS.items():
        owner, _ = ps.Company.objects.get_or_create(name=job.split(":")[0], defaults={"vendor_type": "owner"})
        project = ps.Project.objects.create(number=number, name=name, owner=owner)
        projects[job] = project
        links.append(erp.Link(project, records[("customer", job)], {"parent_customer": owner.name}))
    for division in range(1, DIVISIONS + 1):
        group = ps.Division.objects.create(code=f"{division:02d}", name=f"Division {division}")
        for code in range(CODES_EACH):
            cost_code = ps.CostCode.objects.create(
                code=f"{division:02d}-{code:03d}", description=f"Work {code}", division=group
            )
            links.append(erp.Link(cost_code, records[("item", f"{division:02d}:{division:02d}-{code:03d}")]))
    erp.link_many(links, None)
    for project in projects.values():
        erp.import_sub_jobs(None, project, book=book)
        ProjectAccountingSettings.objects.create(project=project, sync_job_costs=True)
    main = projects[MAIN_JOB]
    budget = ps.Budget.objects.create(project=main, is_locked=True)
    ps.BudgetLineItem.objects.bulk_create(
        ps.BudgetLineItem(budget=budget, cost_code=code, cost_type=kind, original_amount=Decimal("250000.00"))
        for code in ps.CostCode.objects.all()
        for kind in ps.CostType.objects.filter(name__in=CLASSES)
    )
    return projects


def lines_in(answers: list[bytes]) -> int:
    """The transaction lines in these qbXML answers."""
    from lxml import etree

    tags = {"ItemLineRet", "ExpenseLineRet", "JournalDebitLine", "JournalCreditLine"}
    return sum(1 for answer in answers for element in etree.fromstring(answer).iter(*tags))


@dataclass
class JobCostRound:
    rows: int
    wall: float
    server: float
    quickbooks: float
    messages: int
    peak_rss_mb: float
    lxml_lines_per_second: float
    product_lines_per_second: float
    summary_ms: float
    summary_queries: int
    detail_ms: float
    largest_rows: int
    everything_ms: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.wall


def check_job_costs(seed: JobCostCompany, projects: dict[str, Any]) -> int:
    """The rows are the lines seeded, one each, and each project's total is what the simulator's lines cost."""
    from django.db.models import Count, Sum

    from erp_integrations.services import JOB_COST_KINDS as READ_KINDS
    from procore_sync import models as ps
    from qbxml import imports
    from qbxml.models import QbListImport

    rows = ps.JobCostTransaction.objects.count()
    distinct = ps.JobCostTransaction.objects.values("qb_txn_id", "qb_txn_line_id").distinct().count()
    by_project = dict(
        ps.JobCostTransaction.objects.order_by()
        .values_list("project_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .values_list("project_id", "total")
    )
    held = {
        job: Decimal(by_project.get(project.pk) or 0).quantize(Decimal("0.01")) for job, project in projects.items()
    }
    held[""] = Decimal(by_project.get(None) or 0).quantize(Decimal("0.01"))
    expected = {job: total.quantize(Decimal("0.01")) for job, total in seed.totals.items()}
    runs = set(QbListImport.objects.filter(list_name__in=JOB_COST_IMPORTS).values_list("status", "last_error"))
    unplaced = ps.JobCostTransaction.objects.exclude(unplaced_reason="").count()
    print(
        f"  job cost rows written: {rows:,} ({distinct:,} distinct lines, {unplaced:,} unsyncable) for "
        f"{seed.lines:,} lines seeded; totals per job {'as' if held == expected else 'NOT as'} the simulator holds them"
    )
    if rows != seed.lines or distinct != rows or held != expected or runs != {("idle", "")}:
        raise SystemExit(f"the job cost rows are not what was seeded: {held} != {expected}, runs {runs}")
    assert set(READ_KINDS) == {imports.TRANSACTIONS[name].query for name in JOB_COST_IMPORTS if name != "deleted"}
    return rows


JOB_COST_IMPORTS = [
    "bills",
    "checks",
    "card_charges",
    "card_credits",
    "vendor_credits",
    "item_receipts",
    "journal_entries",
    "deleted",
]


def time_summary(project: Any, postgres: bool) -> tuple[float, int, float, int]:
    """The summary of the project and the first page of its lines, as the page reads them: median ms of 15."""
    from django.db import connection

    from procore_sync import selectors

    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a bulk load
    summary_ms, summary_queries, _ = measure(lambda: selectors.job_cost_summary(project))

    def first_page() -> list[Any]:
        rows = selectors.job_costs_of_project(project)
        rows.count()
        return list(rows[:50])

    detail_ms, _, _ = measure(first_page)
    return summary_ms, summary_queries, detail_ms, project.job_costs.count()


def time_summary_of_everything(project: Any) -> tuple[float, int]:
    """The summary of one project that every row is on (the rows moved to it, then back): the worst case."""
    from django.db import transaction

    from procore_sync import models as ps
    from procore_sync import selectors

    with transaction.atomic():
        moved = ps.JobCostTransaction.objects.update(project=project)
        summary_ms, _, _ = measure(lambda: selectors.job_cost_summary(project))
        transaction.set_rollback(True)
    return summary_ms, moved


def run_job_cost_round(
    number: int, database_url: str, lines: int, page_size: int | None, postgres: bool
) -> JobCostRound:
    from django.db import connections

    from qbxml import imports
    from qbxml import services as qb_services

    started = time.perf_counter()
    seed = job_cost_company(lines)
    connection = qb_services.connection_create(None, name="Bench file", username=USERNAME, password=PASSWORD)
    if page_size is not None:
        connection.import_page_size = page_size
        connection.save(update_fields=["import_page_size"])
    imports.refresh(None, connection, imports.LISTS)
    print(
        f"round {number}: {seed.lines:,} job cost lines in {seed.transactions:,} transactions seeded, page size "
        f"{connection.import_page_size}, in {time.perf_counter() - started:.1f} s"
    )
    with served(database_url) as server:
        play(server, seed.company)  # the lists
        projects = link_projects_and_cost_codes(connection.book)
        imports.refresh(None, connection, JOB_COST_IMPORTS)
        connections.close_all()
        before = server.memory_mb("VmHWM")
        session = play(server, seed.company)
        peak_rss = server.memory_mb("VmHWM")
    rows = check_job_costs(seed, projects)
    print(
        f"  end to end {session.wall:.2f} s → {rows / session.wall:,.0f} rows/s; {session.messages} messages; "
        f"server's own time {session.server:.2f} s, QuickBooks' {session.quickbooks:.2f} s"
    )
    verdict_rss = "PASS" if peak_rss < JOB_COST_PEAK_RSS_TARGET_MB else "FAIL"
    print(
        f"  server peak RSS (VmHWM) {peak_rss:.1f} MB: {verdict_rss} (target < {JOB_COST_PEAK_RSS_TARGET_MB} MB); "
        f"{before:.1f} MB after reading the lists"
    )
    answers = [answer.encode("utf-8") for answer in session.answers]
    from django.conf import settings
    from lxml import etree

    from qbxml.lib.parse import iter_responses

    parsed = lines_in(answers)
    lxml_seconds = parse_seconds(answers, etree.fromstring)
    product_seconds = parse_seconds(answers, lambda answer: list(iter_responses(answer, settings.QBWC_MAX_BODY_BYTES)))
    print(
        f"  the same {len(answers)} answers ({sum(map(len, answers)) / 1e6:.1f} MB, {parsed:,} lines) parsed alone: "
        f"lxml {parsed / lxml_seconds:,.0f} lines/s, the product's parse {parsed / product_seconds:,.0f} lines/s; "
        f"end to end runs at {(rows / session.wall) / (parsed / lxml_seconds):.1%} of lxml's rate"
    )
    summary_ms, queries, detail_ms, largest = time_summary(projects[MAIN_JOB], postgres)
    print(
        f"  summary of project 1042 ({largest:,} of the rows, beside a budget of "
        f"{DIVISIONS * CODES_EACH * len(CLASSES)} lines): {summary_ms:.1f} ms in {queries} queries: "
        f"{'PASS' if summary_ms < SUMMARY_TARGET_MS else 'FAIL'} (target < {SUMMARY_TARGET_MS} ms); "
        f"its first page of lines with their count {detail_ms:.1f} ms"
    )
    everything_ms, everything = time_summary_of_everything(projects[MAIN_JOB])
    print(f"  for scale, the same summary with all {everything:,} rows on that one project: {everything_ms:.1f} ms")
    connections.close_all()
    return JobCostRound(
        rows=rows,
        wall=session.wall,
        server=session.server,
        quickbooks=session.quickbooks,
        messages=session.messages,
        peak_rss_mb=peak_rss,
        lxml_lines_per_second=parsed / lxml_seconds,
        product_lines_per_second=parsed / product_seconds,
        summary_ms=summary_ms,
        summary_queries=queries,
        detail_ms=detail_ms,
        largest_rows=largest,
        everything_ms=everything_ms,
    )


def job_cost_report(rounds: list[JobCostRound]) -> None:
    def median(measure_name: str) -> float:
        return statistics.median(getattr(result, measure_name) for result in rounds)

    highest = max(result.peak_rss_mb for result in rounds)
    slowest = max(result.summary_ms for result in rounds)
    rss_ok, summary_ok = highest < JOB_COST_PEAK_RSS_TARGET_MB, slowest < SUMMARY_TARGET_MS
    print(f"medians of {len(rounds)} round(s), {rounds[-1].rows:,} job cost rows:")
    print(
        f"  end to end: {median('rows_per_second'):,.0f} rows/s in {median('messages'):.0f} messages "
        f"({median('wall'):.2f} s; server's own time {median('server'):.2f} s, "
        f"QuickBooks' {median('quickbooks'):.2f} s)"
    )
    print(
        f"  server peak RSS (VmHWM): {median('peak_rss_mb'):.1f} MB, highest {highest:.1f} MB: "
        f"{'PASS' if rss_ok else 'FAIL'} (target < {JOB_COST_PEAK_RSS_TARGET_MB} MB in every round)"
    )
    print(
        f"  lxml bare parse of the same answers: {median('lxml_lines_per_second'):,.0f} lines/s; "
        f"the product's parse: {median('product_lines_per_second'):,.0f} lines/s"
    )
    print(
        f"  summary of the largest project ({rounds[-1].largest_rows:,} of the {rounds[-1].rows:,} rows): "
        f"{median('summary_ms'):.1f} ms, slowest {slowest:.1f} ms: {'PASS' if summary_ok else 'FAIL'} "
        f"(target < {SUMMARY_TARGET_MS} ms); its first page of lines {median('detail_ms'):.1f} ms; "
        f"for scale, with every row on that one project {median('everything_ms'):.1f} ms"
    )
    raise SystemExit(0 if rss_ok and summary_ok else 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vendors", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="whole runs on fresh databases; medians are judged")
    parser.add_argument("--page-size", type=int, default=None, help="records per page (default: the connection's)")
    parser.add_argument(
        "--job-cost-lines",
        type=int,
        default=None,
        help="read this many job cost lines back from QuickBooks' transactions instead of its lists",
    )
    add_database_argument(parser)
    args = parser.parse_args()
    if args.job_cost_lines is not None:
        job_cost_rounds = []
        with RoundDatabases(args.database) as databases:
            for number in range(1, args.rounds + 1):
                job_cost_rounds.append(
                    run_job_cost_round(
                        number, databases.fresh(number), args.job_cost_lines, args.page_size, databases.postgres
                    )
                )
        job_cost_report(job_cost_rounds)
    rounds = []
    with RoundDatabases(args.database) as databases:
        for number in range(1, args.rounds + 1):
            rounds.append(run_round(number, databases.fresh(number), args.vendors, args.page_size))
    report(rounds)


if __name__ == "__main__":
    main()
