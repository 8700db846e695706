"""The whole loop over HTTP on loopback: Web Connector simulator → SOAP endpoint → QuickBooks simulator.

Run: .venv/bin/python bench/sync.py [--items 10000]

The server runs in its own process (a plain WSGI server on 127.0.0.1, SQLite); this process plays the
Web Connector and QuickBooks. Printed: items/s end to end, requests per message, the server's own time per
item (measured inside the server around each SOAP call), and lxml's bare work on the same XML (parsing each
request and answer, and serialising them again) for comparison.
Targets on 2 cores with SQLite: ≥ 1,000 items/s; ≥ 50 requests per message; server time per item within
5× of lxml's bare work.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from _setup import ROOT, django_on_fresh_sqlite

SERVER = ROOT / "bench" / "_wsgi_server.py"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    db_path = django_on_fresh_sqlite()
    started = time.perf_counter()
    counts = make_accepted_items(args.items)
    print(f"set-up: {sum(counts.values())} accepted items ({counts}) in {time.perf_counter() - started:.1f} s")

    from django.db import connection

    connection.close()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    server = subprocess.Popen(  # noqa: S603 - our own server script
        [sys.executable, str(SERVER), "127.0.0.1", str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/qbwc/"
        wait_for(url)
        run(url, server, counts)
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(url: str, server: subprocess.Popen, counts: dict[str, int]) -> None:
    from lxml import etree

    from qbxml.simulator import QuickBooksCompany
    from qbxml.webconnector import WebConnector

    company = QuickBooksCompany(company_name="Bench Construction")
    exchanged: list[tuple[str, str]] = []
    server_seconds = 0.0

    def timed(operation: str, body: bytes) -> bytes:
        nonlocal server_seconds
        request = urllib.request.Request(  # noqa: S310 - loopback
            url, data=body, method="POST", headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation}
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                server_seconds += float(response.headers.get("X-Server-Seconds", "0"))
                return response.read()
        except urllib.error.HTTPError as error:  # a SOAP fault
            return error.read()

    class Recording:
        def host_response(self) -> str:
            return company.host_response()

        def process(self, request: str | bytes) -> str:
            answer = company.process(request)
            exchanged.append((request if isinstance(request, str) else request.decode(), answer))
            return answer

        def end_session(self) -> None:
            company.end_session()

    connector = WebConnector(url, "bench", "bench-password", Recording(), transport=timed)
    total_items = sum(counts.values())
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

    from erp_integrations.models import ErpItem

    states = dict.fromkeys(["synced", "failed", "queued"], 0)
    for state in ErpItem.objects.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    messages = sum(report.messages for report in sessions)
    requests = sum(report.requests for report in sessions)

    # lxml's bare work on the same XML: parse every request and answer, and serialise them again.
    bare_started = time.perf_counter()
    for request, answer in exchanged:
        for text in (request, answer):
            tree = etree.fromstring(text.encode("utf-8"))
            etree.tostring(tree)
    bare = time.perf_counter() - bare_started

    print(f"sessions: {len(sessions)}, messages: {messages}, requests: {requests}")
    print(f"items: {states['synced']} synced, {states['failed']} failed, {states['queued']} still queued")
    print(f"end to end: {wall:.2f} s → {total_items / wall:,.0f} items/s")
    print(f"requests per message: {requests / max(1, messages):.1f}")
    print(f"server time: {server_seconds:.2f} s → {1000 * server_seconds / total_items:.3f} ms per item")
    print(f"lxml bare build+parse of the same XML: {bare:.2f} s → {1000 * bare / total_items:.3f} ms per item")
    ratio = server_seconds / bare if bare else float("inf")
    print(f"server time / lxml bare work: {ratio:.1f}×")
    ok = (
        total_items / wall >= 1000
        and requests / max(1, messages) >= 50
        and ratio <= 5
        and states["synced"] == total_items
    )
    print("targets met" if ok else "TARGETS NOT MET")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
