"""The whole loop over HTTP on loopback: Web Connector simulator → SOAP endpoint → QuickBooks simulator.

Run: .venv/bin/python bench/sync.py [--items 10000] [--rounds 3] [--database sqlite|postgres]

The server runs in its own process (a plain WSGI server on 127.0.0.1, SQLite); this process plays the
Web Connector and QuickBooks. Printed: items/s end to end, requests per message, the server's own time per
item (measured inside the server around each SOAP call), and lxml's bare work on the same XML (parsing each
request and answer, and serialising them again) for comparison.
Targets on 2 cores with SQLite: ≥ 1,000 items/s; ≥ 50 requests per message; server time per item within
5× of lxml's bare work. This machine's speed varies from minute to minute by up to a third, so the loop runs
several rounds, each on a fresh database and server, and the targets are judged on the medians.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from _setup import LoopbackTransport, RecordingCompany, RoundDatabases, add_database_argument, served


def make_accepted_items(total: int) -> dict[str, int]:
    """`total` accepted items of mixed types, with their records, written in bulk (the loop is measured)."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from erp_integrations.models import ErpItem
    from procore_sync import models as ps
    from qbxml import services as qb_services

    qb_services.connection_create(None, name="Bench file", username="bench", password="bench-password")
    sender = get_user_model().objects.create_user("bench-pm", password="bench-pass-123")
    labor = ps.CostType.objects.get(name="Labor")
    shares = {"company": 0.2, "project": 0.02, "cost_code": 0.03, "commitment": 0.45}
    counts = {slug: max(1, int(total * share)) for slug, share in shares.items()}
    counts["subcontractor_invoice"] = total - sum(counts.values())
    now = timezone.now()
    division = ps.Division.objects.create(code="03", name="Concrete")
    owner = ps.Company.objects.create(name="Bench Owner LLC", vendor_type="owner")

    companies = ps.Company.objects.bulk_create(
        [ps.Company(name=f"Vendor {n:05d}", phone=f"555-{n:04d}") for n in range(counts["company"])], batch_size=1000
    )
    projects = ps.Project.objects.bulk_create(
        [ps.Project(number=f"B{n:04d}", name=f"Job {n}", owner=owner) for n in range(counts["project"])]
    )
    codes = ps.CostCode.objects.bulk_create(
        [
            ps.CostCode(code=f"03-{n:03d}", description=f"Concrete {n}", division=division)
            for n in range(counts["cost_code"])
        ]
    )
    commitments = ps.Commitment.objects.bulk_create(
        [
            ps.Commitment(
                project=projects[n % len(projects)],
                number=f"PO{n:06d}",
                title=f"Order {n}",
                vendor=companies[n % len(companies)],
                kind="purchase_order",
            )
            for n in range(counts["commitment"])
        ],
        batch_size=1000,
    )
    invoices = ps.SubcontractorInvoice.objects.bulk_create(
        [
            ps.SubcontractorInvoice(
                commitment=commitments[n % len(commitments)],
                number=f"INV{n:06d}",
                billing_period_start="2026-10-01",
                billing_period_end="2026-10-31",
                invoice_date="2026-11-01",
            )
            for n in range(counts["subcontractor_invoice"])
        ],
        batch_size=1000,
    )
    content_types = {
        model: ContentType.objects.get_for_model(model)
        for model in (ps.Company, ps.Project, ps.CostCode, ps.Commitment, ps.SubcontractorInvoice)
    }
    items: list[ErpItem] = []

    def item(record, slug, label, payload, depends_on=(), options=None, project=None):  # type: ignore[no-untyped-def]
        entry = ErpItem(
            content_type=content_types[type(record)],
            object_id=record.pk,
            object_type=slug,
            label=label,
            state="queued",
            sent_payload=payload,
            accept_options=options or {},
            sent_by=sender,
            sent_at=now,
            project=project,
        )
        items.append(entry)
        return entry

    company_items = {
        c.pk: item(
            c,
            "company",
            c.name,
            {
                "name": c.name,
                "phone": c.phone,
                "address_line1": "",
                "address_line2": "",
                "city": "",
                "state": "",
                "postal_code": "",
                "country": "",
                "contact_name": "",
                "email": "",
            },
        )
        for c in companies
    }
    project_items = {
        p.pk: item(
            p,
            "project",
            f"{p.number} {p.name}",
            {"job_name": f"{p.number} {p.name}", "number": p.number, "name": p.name, "owner": owner.name},
            options={"parent_customer": owner.name},
            project=p,
        )
        for p in projects
    }
    code_items = [
        item(
            c,
            "cost_code",
            c.code,
            {"code": c.code, "description": c.description, "division": "03", "division_name": "Concrete"},
        )
        for c in codes
    ]
    ErpItem.objects.bulk_create(items, batch_size=1000)
    items.clear()
    code_ids = [entry.pk for entry in code_items]
    line = {"cost_type": labor.name, "description": "Work", "amount": "1000.00"}
    commitment_items = {}
    for n, commitment in enumerate(commitments):
        project = projects[n % len(projects)]
        vendor = companies[n % len(companies)]
        lines = [
            {**line, "line_number": number, "cost_code": codes[(n + number) % len(codes)].code} for number in (1, 2)
        ]
        entry = item(
            commitment,
            "commitment",
            commitment.number,
            {
                "number": commitment.number,
                "title": commitment.title,
                "kind": "purchase_order",
                "vendor": vendor.name,
                "job_name": f"{project.number} {project.name}",
                "date": "2026-10-01",
                "retainage_percent": "10.00",
                "lines": lines,
            },
            project=project,
        )
        used_codes = [code_ids[(n + number) % len(codes)] for number in (1, 2)]
        entry.depends_on = [company_items[vendor.pk].pk, project_items[project.pk].pk, *used_codes]
        commitment_items[commitment.pk] = entry
    ErpItem.objects.bulk_create(items, batch_size=1000)
    items.clear()
    for n, invoice in enumerate(invoices):
        index = n % len(commitments)
        commitment, project, vendor = (
            commitments[index],
            projects[index % len(projects)],
            companies[index % len(companies)],
        )
        entry = item(
            invoice,
            "subcontractor_invoice",
            invoice.number,
            {
                "number": invoice.number,
                "vendor": vendor.name,
                "commitment": commitment.number,
                "job_name": f"{project.number} {project.name}",
                "invoice_date": "2026-11-01",
                "billing_period": ["2026-10-01", "2026-10-31"],
                "lines": [
                    {
                        "line_number": 1,
                        "cost_code": codes[(index + 1) % len(codes)].code,
                        "cost_type": labor.name,
                        "description": "Work",
                        "work_completed": "500.00",
                        "materials_stored": "0.00",
                        "retainage_held": "50.00",
                        "retainage_released": "0.00",
                    }
                ],
                "amount_due": "450.00",
                "retainage_held": "50.00",
            },
            project=project,
        )
        entry.depends_on = [commitment_items[commitment.pk].pk]
    ErpItem.objects.bulk_create(items, batch_size=1000)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="whole runs on fresh databases; medians are judged")
    add_database_argument(parser)
    args = parser.parse_args()
    rounds = []
    with RoundDatabases(args.database) as databases:
        for number in range(1, args.rounds + 1):
            database_url = databases.fresh(number)
            started = time.perf_counter()
            counts = make_accepted_items(args.items)
            seconds = time.perf_counter() - started
            print(f"round {number}: {sum(counts.values())} accepted items {counts}, set up in {seconds:.1f} s")
            with served(database_url) as server:
                rounds.append(run(server.url, counts))
    # The raw floor is SQLite's (it copies the last round's file); on PostgreSQL it is not measured.
    floor = database_floor(databases.sqlite_path) if databases.sqlite_path is not None else None
    report(rounds, floor)


@dataclass
class Round:
    items: int
    synced: int
    failed: int
    queued: int
    messages: int
    requests: int
    wall: float
    server: float
    bare: float

    @property
    def items_per_second(self) -> float:
        return self.items / self.wall

    @property
    def requests_per_message(self) -> float:
        return self.requests / max(1, self.messages)

    @property
    def server_ms_per_item(self) -> float:
        return 1000 * self.server / self.items

    @property
    def bare_ms_per_item(self) -> float:
        return 1000 * self.bare / self.items

    @property
    def ratio(self) -> float:
        return self.server / self.bare if self.bare else float("inf")


def run(url: str, counts: dict[str, int]) -> Round:
    from lxml import etree

    from qbxml.lib.webconnector import WebConnector
    from qbxml.simulator import QuickBooksCompany

    company = RecordingCompany(QuickBooksCompany(company_name="Bench Construction"))
    exchanged = company.exchanged
    transport = LoopbackTransport(url)
    connector = WebConnector(url, "bench", "bench-password", company, transport=transport)
    sessions = []
    started = time.perf_counter()
    while True:
        report = connector.run_session()
        if report.authenticated != "":
            break
        sessions.append(report)
        if len(sessions) > 20:
            raise SystemExit("too many sessions: the queue does not drain")
    wall = time.perf_counter() - started
    server_seconds = transport.server_seconds

    from erp_integrations.models import ErpItem

    states = dict.fromkeys(["synced", "failed", "queued"], 0)
    for state in ErpItem.objects.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1

    # lxml's bare work on the same XML: parse every request and answer, and serialise them again.
    bare_started = time.perf_counter()
    for request, answer in exchanged:
        for text in (request, answer):
            tree = etree.fromstring(text.encode("utf-8"))
            etree.tostring(tree)
    bare = time.perf_counter() - bare_started

    result = Round(
        items=sum(counts.values()),
        synced=states["synced"],
        failed=states["failed"],
        queued=states["queued"],
        messages=sum(report.messages for report in sessions),
        requests=sum(report.requests for report in sessions),
        wall=wall,
        server=server_seconds,
        bare=bare,
    )
    print(
        f"  sessions {len(sessions)}, messages {result.messages}, requests {result.requests}; items: "
        f"{result.synced} synced, {result.failed} failed, {result.queued} still queued"
    )
    print(
        f"  end to end {wall:.2f} s → {result.items_per_second:,.0f} items/s; "
        f"{result.requests_per_message:.1f} requests per message; "
        f"server {result.server_ms_per_item:.3f} ms per item; lxml bare {result.bare_ms_per_item:.3f} ms per item "
        f"({result.ratio:.1f}×)"
    )
    return result


def database_floor(db_path: Path, batch: int = 250) -> float:
    """Seconds that the database work exactly-once needs takes in raw sqlite3, without Django or any
    other Python than decoding the payloads: per item, its request written when queued, marked sent,
    and closed with the answer; the item read, and written synced with its history row; one
    transaction per message. On a copy of a synced round's file, which is left alone."""
    import json
    import sqlite3

    copy = db_path.with_name("floor.sqlite3")
    # Through SQLite, not a file copy: the server's last writes may still be in the round's -wal file alone.
    source, target = sqlite3.connect(db_path), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    database = sqlite3.connect(copy, isolation_level=None)
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("PRAGMA synchronous=NORMAL")
    columns = (
        "connection_id, item_id, kind, target, support_key, needs, depends_on_items, sequence, operation, status, "
        "attempts, parse_failures, description, repairs, session_id, message_number, request_xml, status_code, "
        "status_message, not_before_session, created_at, sent_at, answered_at"
    )
    requests = database.execute(f"SELECT {columns} FROM qbxml_qbrequest WHERE item_id IS NOT NULL").fetchall()  # noqa: S608
    now = "2026-11-25 10:00:00.000000"
    started = time.perf_counter()
    for start in range(0, len(requests), batch):
        rows = requests[start : start + batch]
        item_ids = [row[1] for row in rows]
        marks = ", ".join("?" * len(item_ids))
        database.execute("BEGIN IMMEDIATE")
        cursor = database.executemany(
            f"INSERT INTO qbxml_qbrequest ({columns}) VALUES ({', '.join('?' * 23)}) RETURNING id",  # noqa: S608
            rows,
        )
        request_ids = [row[0] for row in cursor.fetchall()]
        database.execute("COMMIT")
        database.execute("BEGIN IMMEDIATE")
        for payload, options, details, depends_on in database.execute(
            "SELECT sent_payload, accept_options, qb_details, depends_on FROM erp_integrations_erpitem "  # noqa: S608
            f"WHERE id IN ({marks})",
            item_ids,
        ):
            json.loads(payload), json.loads(options), json.loads(details), json.loads(depends_on)
        database.executemany(
            "UPDATE qbxml_qbrequest SET status = 'sent', session_id = NULL, message_number = 1, attempts = 1, "
            "sent_at = ?, operation = 'VendorAdd', target = 'x' WHERE id = ?",
            [(now, pk) for pk in request_ids],
        )
        database.execute("COMMIT")
        database.execute("BEGIN IMMEDIATE")
        database.executemany(
            "UPDATE qbxml_qbrequest SET status = 'done', status_code = 0, status_message = 'Status OK', "
            "answered_at = ?, repairs = 0, not_before_session = 0, parse_failures = 0 "
            "WHERE id = ?",
            [(now, pk) for pk in request_ids],
        )
        database.executemany(
            "UPDATE erp_integrations_erpitem SET state = 'synced', updated_at = ?, qb_ref = ?, "
            "qb_edit_sequence = '1', qb_details = '{}', erp_error = '', synced_payload = sent_payload WHERE id = ?",
            [(now, f"8000{pk}-1", pk) for pk in item_ids],
        )
        database.executemany(
            "INSERT INTO erp_integrations_erpevent (item_id, actor_id, action, from_state, to_state, reason, "
            "payload, created_at) VALUES (?, NULL, 'sync_succeeded', 'queued', 'synced', '', ?, ?)",
            [(pk, '{"qb_ref": "x", "edit_sequence": "1"}', now) for pk in item_ids],
        )
        database.execute("COMMIT")
    seconds = time.perf_counter() - started
    database.close()
    copy.unlink()
    return seconds


def report(rounds: list[Round], floor: float | None) -> None:
    def median(measure: str) -> float:
        return statistics.median(getattr(result, measure) for result in rounds)

    print(f"medians of {len(rounds)} round(s):")
    print(f"  end to end: {median('items_per_second'):,.0f} items/s")
    print(f"  requests per message: {median('requests_per_message'):.1f}")
    print(f"  server time: {median('server_ms_per_item'):.3f} ms per item")
    print(f"  lxml bare build+parse of the same XML: {median('bare_ms_per_item'):.3f} ms per item")
    print(f"  server time / lxml bare work: {median('ratio'):.1f}×")
    items = rounds[-1].items
    if floor is not None:
        print(
            f"for scale: the database work exactly-once needs, in raw sqlite3 without Django (last round's data): "
            f"{1000 * floor / items:.3f} ms per item, {floor / rounds[-1].bare:.1f}× lxml's bare work"
        )
    all_synced = all(result.synced == result.items for result in rounds)
    targets = {
        "≥ 1,000 items/s": median("items_per_second") >= 1000,
        "≥ 50 requests per message": median("requests_per_message") >= 50,
        "server time within 5× of lxml's bare work": median("ratio") <= 5,
        "every item synced": all_synced,
    }
    for target, met in targets.items():
        print(f"  {'met' if met else 'NOT MET'}: {target}")
    raise SystemExit(0 if all(targets.values()) else 1)


if __name__ == "__main__":
    main()
