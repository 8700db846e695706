"""An upgraded installation keeps the QuickBooks list records it had read, now as the workflow's
AccountingRecords under their company file's key (and back, when the migration is reversed)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("qbxml", "0005_session_release"), ("erp_integrations", "0003_accounting_records")]
AFTER = [("qbxml", "0006_list_records_to_accounting_records")]


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_list_records_move_to_accounting_records_and_back():
    old = _migrate(BEFORE)
    qb = old.get_model("qbxml", "QbConnection").objects.create(name="Main", username="qbuser", password_hash="x")
    old.get_model("qbxml", "QbListRecord").objects.create(
        connection=qb, list_type="customer", list_id="80000001-1", full_name="Acme:Job", parent_list_id="80000000-1"
    )
    try:
        new = _migrate(AFTER)
        (record,) = new.get_model("erp_integrations", "AccountingRecord").objects.all()
        assert (record.book, record.list_type, record.external_id, record.full_name, record.parent_external_id) == (
            str(qb.file_id),
            "customer",
            "80000001-1",
            "Acme:Job",
            "80000000-1",
        )
        old = _migrate([("qbxml", "0005_session_release")])
        (back,) = old.get_model("qbxml", "QbListRecord").objects.all()
        assert (back.connection_id, back.list_id, back.full_name) == (qb.pk, "80000001-1", "Acme:Job")
    finally:
        _migrate(None)
