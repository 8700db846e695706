"""The approver's queue: server time and query count of GET /api/v1/erp/items/?erp_status=pending.

Run: .venv/bin/python bench/approval_queue.py
Target: the same number of queries with 10 and with 10,000 pending items, and under 100 ms per page
with 10,000 on SQLite.
"""

from __future__ import annotations

from _setup import django_on_fresh_sqlite, measure


def make_pending_items(count: int, start: int) -> None:
    """`count` pending items across the types, written in bulk (the benchmark is about reading them)."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from erp_integrations.models import ErpEvent, ErpItem
    from procore_sync.models import Company, Project

    sender = get_user_model().objects.get(username="bench-pm")
    project = Project.objects.get(number="B-1")
    companies = Company.objects.bulk_create(
        [Company(name=f"Bench vendor {start + n}") for n in range(count)], batch_size=1000
    )
    content_type = ContentType.objects.get_for_model(Company)
    now = timezone.now()
    items = ErpItem.objects.bulk_create(
        [
            ErpItem(
                content_type=content_type,
                object_id=company.pk,
                object_type="company",
                label=company.name,
                project=project,
                state="pending",
                sent_by=sender,
                sent_at=now,
                sent_payload={"name": company.name},
            )
            for company in companies
        ],
        batch_size=1000,
    )
    ErpEvent.objects.bulk_create(
        [ErpEvent(item=item, actor=sender, action="send", from_state="draft", to_state="pending") for item in items],
        batch_size=1000,
    )


def main() -> None:
    django_on_fresh_sqlite()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from access.services import grant as access_grant
    from access.services import set_push_privilege as access_set_push_privilege
    from access.tools import Level, Tool
    from procore_sync.models import Project

    users = get_user_model().objects
    approver = users.create_user("bench-approver", password="bench-pass-123")
    access_grant(approver, Tool.ERP_INTEGRATIONS, Level.STANDARD)
    access_set_push_privilege(approver, True)
    users.create_user("bench-pm", password="bench-pass-123")
    Project.objects.create(number="B-1", name="Bench project")
    client = Client()
    client.force_login(approver)

    url = "/api/v1/erp/items/?erp_status=pending"
    results = {}
    made = 0
    for total in (10, 10_000):
        make_pending_items(total - made, made)
        made = total
        median_ms, queries, response = measure(lambda: client.get(url))
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert body["count"] == total, body["count"]
        results[total] = (median_ms, queries, len(body["results"]))
        print(
            f"{total:>6} pending: {median_ms:6.1f} ms per page (median of 15), {queries} queries, "
            f"{len(body['results'])} items on the page"
        )
    same = results[10][1] == results[10_000][1]
    fast = results[10_000][0] < 100
    print(f"query count the same for 10 and 10,000: {'yes' if same else 'NO'}")
    print(f"10,000 under 100 ms per page: {'yes' if fast else 'NO'} ({results[10_000][0]:.1f} ms)")
    raise SystemExit(0 if same and fast else 1)


if __name__ == "__main__":
    main()
