"""The browser pages: server time and query count of the ERP Integrations list with 10,000 pending items,
and of a commitment with 200 lines (the approver's item page and the project admin's commitment page).

Run: .venv/bin/python bench/pages.py
Target: under 150 ms per page on SQLite, and the list's query count the same at 10 and 10,000 items.
"""

from __future__ import annotations

from decimal import Decimal

from _setup import django_on_fresh_sqlite, measure
from approval_queue import make_pending_items

TARGET_MS = 150


def make_commitment(lines: int) -> object:
    """A commitment with `lines` schedule-of-values lines, sent for acceptance."""
    from django.contrib.auth import get_user_model

    from erp_integrations import services
    from procore_sync import models as ps

    sender = get_user_model().objects.get(username="bench-pm")
    project = ps.Project.objects.get(number="B-1")
    vendor = ps.Company.objects.create(name="Bench Mechanical Inc")
    division = ps.Division.objects.create(code="23", name="HVAC")
    codes = ps.CostCode.objects.bulk_create(
        [ps.CostCode(code=f"23-{n:03d}", description=f"HVAC scope {n}", division=division) for n in range(40)]
    )
    subcontract = ps.CostType.objects.get(name="Subcontract")
    commitment = ps.Commitment.objects.create(
        project=project, number="SC-200", title="HVAC systems, 200 lines", vendor=vendor, status="approved"
    )
    ps.CommitmentLine.objects.bulk_create(
        [
            ps.CommitmentLine(
                commitment=commitment,
                line_number=n,
                cost_code=codes[n % len(codes)],
                cost_type=subcontract,
                description=f"Line {n}: ductwork, equipment and controls",
                amount=Decimal("1234.56"),
            )
            for n in range(1, lines + 1)
        ]
    )
    services.item_send(commitment, sender)
    return commitment


def report(label: str, median_ms: float, queries: int) -> bool:
    ok = median_ms < TARGET_MS
    print(f"{label:<58} {median_ms:7.1f} ms (median of 15), {queries:3d} queries  {'ok' if ok else 'TOO SLOW'}")
    return ok


def main() -> None:
    django_on_fresh_sqlite()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from access.services import grant as access_grant
    from access.services import set_push_privilege as access_set_push_privilege
    from access.tools import PROJECT_TOOLS, Level, Tool
    from erp_integrations.models import ErpItem
    from procore_sync.models import Project

    users = get_user_model().objects
    approver = users.create_user("bench-approver", password="bench-pass-123")
    access_grant(approver, Tool.ERP_INTEGRATIONS, Level.STANDARD)
    access_set_push_privilege(approver, True)
    erp_admin = users.create_user("bench-erp-admin", password="bench-pass-123")
    access_grant(erp_admin, Tool.ERP_INTEGRATIONS, Level.ADMIN)
    pm = users.create_user("bench-pm", password="bench-pass-123")
    for tool in PROJECT_TOOLS:
        access_grant(pm, tool, Level.ADMIN)
    Project.objects.create(number="B-1", name="Bench project")

    def client_for(user: object) -> Client:
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]
        return client

    as_approver, as_admin, as_pm = client_for(approver), client_for(erp_admin), client_for(pm)
    all_ok = True

    lists = {
        "ERP Integrations, all types, Ready to Export": "/erp/",
        "ERP Integrations, Companies": "/erp/?type=company",
    }
    counts: dict[tuple[str, int], int] = {}
    made = 0
    for total in (10, 10_000):
        make_pending_items(total - made, made)
        made = total
        for label, url in lists.items():
            median_ms, queries, response = measure(lambda url=url: as_approver.get(url))
            assert response.status_code == 200, response.content[:300]
            assert f"of {total:,}".replace(",", "") in response.content.decode().replace(",", ""), "wrong total"
            counts[(label, total)] = queries
            if total == 10_000:
                all_ok &= report(f"{label} ({total:,} pending)", median_ms, queries)
    same = all(counts[(label, 10)] == counts[(label, 10_000)] for label in lists)
    print(f"{'list query count the same at 10 and 10,000 items':<58} {'yes' if same else 'NO'}")

    commitment = make_commitment(200)
    item = ErpItem.objects.get(object_type="commitment", object_id=commitment.pk)  # type: ignore[attr-defined]
    pages = [
        ("Commitment item page, 200 lines (approver)", as_approver, f"/erp/items/{item.pk}/"),
        ("Commitment item page, 200 lines (ERP admin, with qbXML)", as_admin, f"/erp/items/{item.pk}/"),
        ("Commitment page, 200 lines (project admin)", as_pm, f"/projects/commitments/{commitment.pk}/"),  # type: ignore[attr-defined]
    ]
    for label, client, url in pages:
        median_ms, queries, response = measure(lambda client=client, url=url: client.get(url))
        assert response.status_code == 200, response.content[:300]
        assert "Line 200: ductwork" in response.content.decode()
        all_ok &= report(label, median_ms, queries)
    raise SystemExit(0 if all_ok and same else 1)


if __name__ == "__main__":
    main()
