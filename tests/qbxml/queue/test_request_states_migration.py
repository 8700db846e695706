"""An installation upgraded with requests in its queue keeps what each was about to do: the look-up that
was a second field becomes the request's state (and back, when the migration is reversed)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("qbxml", "0003_sign_in_failures")]
AFTER = [("qbxml", "0004_request_states")]

# (status, pending_check) before → the state after → (status, pending_check) when reversed. A request in
# doubt comes back as a ready one with the same look-up, which the old queue treated the same.
CASES = [
    ("ready", "", "ready", ("ready", "")),
    ("ready", "exists", "look_up", ("ready", "exists")),
    ("in_doubt", "exists", "look_up", ("ready", "exists")),
    ("in_doubt", "", "ready", ("ready", "")),
    ("ready", "name_in_use", "name_in_use", ("ready", "name_in_use")),
    ("ready", "edit_sequence", "stale", ("ready", "edit_sequence")),
    ("sent", "", "sent", ("sent", "")),
    ("sent", "exists", "looking_up", ("sent", "exists")),
    ("sent", "name_in_use", "matching_name", ("sent", "name_in_use")),
    ("sent", "edit_sequence", "refreshing", ("sent", "edit_sequence")),
    ("held", "", "held", ("held", "")),
    ("done", "", "done", ("done", "")),
    ("failed", "", "failed", ("failed", "")),
]


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_pending_check_becomes_the_state_and_comes_back():
    old = _migrate(BEFORE)
    qb_connection = old.get_model("qbxml", "QbConnection").objects.create(
        name="Main", username="qbuser", password_hash="x"
    )
    request = old.get_model("qbxml", "QbRequest")
    ids = [
        request.objects.create(connection=qb_connection, kind="vendor", status=status, pending_check=check).pk
        for status, check, _, _ in CASES
    ]
    try:
        new = _migrate(AFTER)
        states = dict(new.get_model("qbxml", "QbRequest").objects.values_list("pk", "status"))
        assert [states[pk] for pk in ids] == [state for _, _, state, _ in CASES]
        old = _migrate(BEFORE)
        back = {
            pk: (status, check)
            for pk, status, check in old.get_model("qbxml", "QbRequest").objects.values_list(
                "pk", "status", "pending_check"
            )
        }
        assert [back[pk] for pk in ids] == [reversed_to for _, _, _, reversed_to in CASES]
    finally:
        _migrate(None)  # the latest schema again, for the tests that follow
