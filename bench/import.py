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
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _setup import LoopbackTransport, RecordingCompany, RoundDatabases, Server, add_database_argument, served

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vendors", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="whole runs on fresh databases; medians are judged")
    parser.add_argument("--page-size", type=int, default=None, help="records per page (default: the connection's)")
    add_database_argument(parser)
    args = parser.parse_args()
    rounds = []
    with RoundDatabases(args.database) as databases:
        for number in range(1, args.rounds + 1):
            rounds.append(run_round(number, databases.fresh(number), args.vendors, args.page_size))
    report(rounds)


if __name__ == "__main__":
    main()
