"""The bulk helpers write and read exactly what the ORM would, on SQLite and on PostgreSQL.

Every write is read back with the ORM: the helpers bypass Django's conversions but for their own
converters, so a value the driver adapts differently (a Choices member, an aware datetime, a JSON
document, NULL) shows up here as a value the ORM does not read back equal.
"""

from __future__ import annotations

import datetime
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erp_integrations import bulk, services
from erp_integrations.bulk import (
    _as_text,
    _converter,
    _last_value_kept,
    insert_values,
    select_in,
    update_rows,
    update_values,
    values_of,
)
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from qbxml import services as qb_services
from qbxml.models import QbConnection, QbRequest
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# Microseconds and a non-UTC zone: both must survive the trip through the driver.
WHEN = datetime.datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=CHICAGO)


@pytest.fixture
def sent_items(pm: Any) -> list[ErpItem]:
    """Three vendors sent for acceptance: pending items, each with what it would send to QuickBooks."""
    items = [services.item_send(CompanyFactory.create(), pm) for _ in range(3)]
    for item in items:
        item.refresh_from_db()
        assert item.state == ErpState.PENDING
        assert item.sent_payload  # what `copy` is tested with
        assert item.synced_payload is None
    return items


@pytest.fixture
def qb_connection(db: Any) -> QbConnection:
    return qb_services.connection_create(None, name="Main company", username="qbuser", password="wc-password-1")


@pytest.fixture
def qb_requests(qb_connection: QbConnection, sent_items: list[ErpItem]) -> list[QbRequest]:
    """Three queued requests: two vendors (one ready, one sent) and a class, with their needs."""
    return [
        QbRequest.objects.create(
            connection=qb_connection,
            item=sent_items[0],
            kind="vendor",
            target="Vendor A",
            needs=["class:Concrete"],
            depends_on_items=[],
            status=QbRequest.Status.READY,
        ),
        QbRequest.objects.create(
            connection=qb_connection,
            item=sent_items[1],
            kind="vendor",
            target="Vendor B",
            needs=[],
            depends_on_items=[sent_items[0].pk],
            status=QbRequest.Status.SENT,
        ),
        QbRequest.objects.create(
            connection=qb_connection,
            kind="class",
            support_key="class:Concrete",
            target="Concrete",
            status=QbRequest.Status.READY,
        ),
    ]


# Every QbRequest field without a database default or NULL, as insert_values needs them.
REQUEST_FIELDS = ["connection", "item", "kind", "target", "support_key", "needs", "depends_on_items", "sequence"]
REQUEST_FIELDS += ["status", "created_at", "sent_at", "operation", "attempts", "parse_failures", "description"]
REQUEST_FIELDS += ["repairs", "request_xml", "status_message", "not_before_session"]


def _request_row(connection_id: int, item_id: int | None, kind: str, **values: Any) -> list[Any]:
    values = {"connection": connection_id, "item": item_id, "kind": kind, **values}
    defaults: dict[str, Any] = {"target": "", "support_key": "", "needs": [], "depends_on_items": [], "sequence": 0}
    defaults |= {"status": QbRequest.Status.READY, "created_at": WHEN, "sent_at": None, "operation": ""}
    defaults |= {"attempts": 0, "parse_failures": 0, "description": "", "repairs": 0, "request_xml": ""}
    defaults |= {"status_message": "", "not_before_session": 0}
    return [values.get(name, defaults.get(name)) for name in REQUEST_FIELDS]


def _row_values(model: Any, pk: int) -> dict[str, Any]:
    return model.objects.filter(pk=pk).values().get()


# --- update_values ------------------------------------------------------------------------------------


def test_update_values_writes_the_fields_by_primary_key_and_leaves_other_rows_alone(
    sent_items: list[ErpItem],
) -> None:
    first, second, untouched = sent_items
    before = {item.pk: _row_values(ErpItem, item.pk) for item in sent_items}
    written = ["state", "qb_ref", "qb_details", "updated_at"]

    count = update_values(
        ErpItem,
        written,
        [
            [ErpState.SYNCED, "80000001-1", {"lines": ["1-1", "1-2"]}, WHEN, first.pk],
            [ErpState.FAILED, "", {}, WHEN + datetime.timedelta(seconds=1), second.pk],
        ],
    )

    assert count == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.qb_ref, first.qb_details, first.updated_at) == (
        "synced",
        "80000001-1",
        {"lines": ["1-1", "1-2"]},
        WHEN,
    )
    assert (second.state, second.qb_ref, second.qb_details, second.updated_at) == (
        "failed",
        "",
        {},
        WHEN + datetime.timedelta(seconds=1),
    )
    # Fields not named are not written, and rows not named are not touched.
    for item in (first, second):
        after = _row_values(ErpItem, item.pk)
        assert {k: v for k, v in after.items() if k not in written} == {
            k: v for k, v in before[item.pk].items() if k not in written
        }
    assert _row_values(ErpItem, untouched.pk) == before[untouched.pk]


def test_update_values_copy_copies_a_json_column_in_the_database(sent_items: list[ErpItem]) -> None:
    first, second, untouched = sent_items
    ErpItem.objects.filter(pk=second.pk).update(sent_payload={"name": "Zoë & Sons", "lines": [{"amount": "1.50"}]})
    second.refresh_from_db()
    assert first.sent_payload != second.sent_payload

    update_values(
        ErpItem,
        ["state"],
        [[ErpState.SYNCED, first.pk], [ErpState.SYNCED, second.pk]],
        copy={"synced_payload": "sent_payload"},
    )

    for item in (first, second):
        stored = ErpItem.objects.get(pk=item.pk)
        assert stored.state == "synced"
        assert stored.synced_payload == item.sent_payload
        assert stored.sent_payload == item.sent_payload
    assert ErpItem.objects.get(pk=untouched.pk).synced_payload is None


def test_update_values_writes_none_as_null(sent_items: list[ErpItem], pm: Any) -> None:
    item = sent_items[0]
    ErpItem.objects.filter(pk=item.pk).update(sent_at=WHEN, synced_payload={"was": "here"}, sent_by=pm)
    assert ErpItem.objects.filter(pk=item.pk, sent_at=WHEN, synced_payload__was="here", sent_by=pm).exists()

    update_values(ErpItem, ["sent_at", "synced_payload", "sent_by"], [[None, None, None, item.pk]])

    item.refresh_from_db()
    assert item.sent_at is None and item.synced_payload is None and item.sent_by_id is None
    # SQL NULL, not the JSON document `null`.
    assert ErpItem.objects.filter(pk=item.pk, synced_payload__isnull=True, sent_at__isnull=True).exists()


def test_nothing_to_write_runs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert update_values(ErpItem, ["state"], []) == 0
        assert insert_values(ErpEvent, ["action"], iter([])) == 0
        assert update_rows([], ["state"], model=ErpItem) == 0


# --- insert_values ------------------------------------------------------------------------------------


def test_insert_values_rows_read_back_equal_with_the_orm(sent_items: list[ErpItem], pm: Any) -> None:
    first, second, _ = sent_items
    later = WHEN + datetime.timedelta(minutes=5)
    fields = ["item", "actor", "action", "from_state", "to_state", "reason", "payload", "created_at"]
    # ErpEvent.payload has DjangoJSONEncoder: a Decimal and a datetime must go through it, as with the ORM.
    payload = {"qb_ref": "80000001-1", "lines": [1, 2.5, None, True], "amount": Decimal("12.50"), "at": WHEN}

    count = insert_values(
        ErpEvent,
        fields,
        [
            [first.pk, pm.pk, "sync_succeeded", ErpState.QUEUED, ErpState.SYNCED, "", payload, WHEN],
            [second.pk, None, "sync_failed", ErpState.QUEUED, ErpState.FAILED, "Name in use «Acme»", None, later],
        ],
    )

    assert count == 2
    inserted = ErpEvent.objects.filter(item__in=[first, second], action__startswith="sync_")
    events = {event.item_id: event for event in inserted}
    assert set(events) == {first.pk, second.pk} and len(inserted) == 2
    synced, failed = events[first.pk], events[second.pk]
    assert (synced.item, synced.actor, synced.action, synced.reason) == (first, pm, "sync_succeeded", "")
    assert (synced.from_state, synced.to_state) == ("queued", "synced")
    assert synced.payload == json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    assert synced.payload["amount"] == "12.50"
    assert synced.created_at == WHEN
    assert (failed.actor, failed.to_state, failed.reason) == (None, "failed", "Name in use «Acme»")
    assert failed.payload is None
    assert failed.created_at == later
    # The enum members were stored as their values, not their names.
    assert ErpEvent.objects.filter(item=first, from_state="queued", to_state="synced").count() == 1


def test_insert_values_stores_a_choices_member_as_its_value(
    qb_connection: QbConnection, sent_items: list[ErpItem]
) -> None:
    item = sent_items[2]
    depends_on = [sent_items[0].pk]
    vendor = {"target": "Acme", "needs": ["class:Concrete"], "depends_on_items": depends_on, "sequence": 20}
    rows = [
        _request_row(qb_connection.pk, item.pk, "vendor", status=QbRequest.Status.READY, **vendor),
        _request_row(
            qb_connection.pk, None, "class", support_key="class:Concrete", sequence=10, status=QbRequest.Status.LOOK_UP
        ),
    ]

    assert insert_values(QbRequest, REQUEST_FIELDS, rows) == 2

    stored = {
        kind: (connection_id, item_id, status, needs, depends_on, created_at)
        for kind, connection_id, item_id, status, needs, depends_on, created_at in QbRequest.objects.values_list(
            "kind", "connection", "item", "status", "needs", "depends_on_items", "created_at"
        )
    }
    assert stored == {
        "vendor": (qb_connection.pk, item.pk, "ready", ["class:Concrete"], depends_on, WHEN),
        "class": (qb_connection.pk, None, "look_up", [], [], WHEN),
    }
    assert QbRequest.objects.filter(status="ready").count() == 1
    assert not QbRequest.objects.filter(status__in=["READY", "LOOK_UP", "Status.READY"]).exists()
    # The queue's order (by sequence) is what was written.
    assert [request.kind for request in QbRequest.objects.all()] == ["class", "vendor"]


# --- update_rows ------------------------------------------------------------------------


@dataclass
class RequestRow:
    """A queue row as the connector handles it: not a model instance."""

    pk: int
    status: str
    attempts: int
    status_message: str
    item_id: int | None
    sent_at: datetime.datetime | None


def test_update_rows_writes_plain_objects_given_the_model(
    qb_requests: list[QbRequest], sent_items: list[ErpItem]
) -> None:
    ready, sent, support = qb_requests
    before = _row_values(QbRequest, support.pk)
    rows = [
        RequestRow(ready.pk, QbRequest.Status.SENT, 1, "", sent_items[2].pk, WHEN),
        RequestRow(sent.pk, QbRequest.Status.FAILED, 3, "The name is already in use", None, None),
    ]

    count = update_rows(rows, ["status", "attempts", "status_message", "item", "sent_at"], model=QbRequest)

    assert count == 2
    ready.refresh_from_db()
    sent.refresh_from_db()
    assert (ready.status, ready.attempts, ready.status_message, ready.item_id, ready.sent_at) == (
        "sent",
        1,
        "",
        sent_items[2].pk,
        WHEN,
    )
    assert (sent.status, sent.attempts, sent.status_message, sent.item_id, sent.sent_at) == (
        "failed",
        3,
        "The name is already in use",
        None,
        None,
    )
    assert ready.target == "Vendor A" and ready.needs == ["class:Concrete"]  # not named, not written
    assert _row_values(QbRequest, support.pk) == before


def test_update_rows_writes_only_the_named_fields_of_model_instances(sent_items: list[ErpItem]) -> None:
    first, second, _ = sent_items
    for number, item in enumerate((first, second)):
        item.label = f"Renamed {number}"
        item.depends_on = [number, {"n": number}]
        item.erp_error = "changed in memory only"

    assert update_rows([first, second], ["label", "depends_on"]) == 2

    for number, item in enumerate((first, second)):
        stored = ErpItem.objects.get(pk=item.pk)
        assert (stored.label, stored.depends_on, stored.erp_error) == (f"Renamed {number}", [number, {"n": number}], "")


# --- select_in ----------------------------------------------------------------------------------------


def test_select_in_returns_the_requested_columns_of_matching_rows_only(sent_items: list[ErpItem]) -> None:
    first, second, third = sent_items
    ErpItem.objects.filter(pk=second.pk).update(state=ErpState.QUEUED)

    rows = select_in(ErpItem, ["id", "state", "label"], {"id": [third.pk, first.pk, 999_999_999]})

    assert sorted(rows) == sorted([(first.pk, "pending", first.label), (third.pk, "pending", third.label)])
    assert all(len(row) == 3 for row in rows)


def test_select_in_combines_several_fields_with_and(qb_requests: list[QbRequest], qb_connection: QbConnection) -> None:
    ready, sent, support = qb_requests
    other = qb_services.connection_create(None, name="Other company", username="other", password="wc-password-2")
    QbRequest.objects.create(connection=other, kind="vendor", target="Elsewhere", status=QbRequest.Status.READY)

    ids = {
        row[0]
        for row in select_in(
            QbRequest,
            ["id"],
            {"connection": [qb_connection.pk], "status": [QbRequest.Status.READY], "kind": ["vendor", "job"]},
        )
    }
    assert ids == {ready.pk}
    everything_ready = select_in(QbRequest, ["id"], {"status": ["ready"]})
    assert len(everything_ready) == 3  # both ready requests of the connection, and the other's
    assert select_in(QbRequest, ["id"], {"status": ["ready"], "kind": ["class"], "connection": [other.pk]}) == []


def test_select_in_decodes_json_columns(qb_requests: list[QbRequest], sent_items: list[ErpItem]) -> None:
    ready, sent, _ = qb_requests
    first = sent_items[0]
    ErpItem.objects.filter(pk=first.pk).update(qb_details={"lines": ["1-1"], "total": 12.5, "ok": True})

    requests = dict(
        (pk, (needs, depends_on))
        for pk, needs, depends_on in select_in(
            QbRequest, ["id", "needs", "depends_on_items"], {"pk": [ready.pk, sent.pk]}
        )
    )
    assert requests == {ready.pk: (["class:Concrete"], []), sent.pk: ([], [first.pk])}

    [(details, sent_payload, synced_payload)] = select_in(
        ErpItem, ["qb_details", "sent_payload", "synced_payload"], {"pk": [first.pk]}
    )
    assert details == {"lines": ["1-1"], "total": 12.5, "ok": True}
    assert isinstance(sent_payload, dict) and sent_payload == first.sent_payload
    assert synced_payload is None

    # A JSON document that is a string is decoded once: it stays that string, whatever it looks like.
    ErpItem.objects.filter(pk=first.pk).update(sent_payload="[1, 2]", synced_payload={"n": "[3]"})
    assert select_in(ErpItem, ["sent_payload", "synced_payload"], {"pk": [first.pk]}) == [("[1, 2]", {"n": "[3]"})]


def test_select_in_returns_nothing_when_a_value_list_is_empty(
    sent_items: list[ErpItem], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert select_in(ErpItem, ["id"], {"pk": []}) == []
        assert select_in(ErpItem, ["id"], {"state": ["pending"], "pk": set()}) == []
        assert select_in(ErpItem, ["id"], {"pk": (item.pk for item in sent_items[:0])}) == []


def test_select_in_accepts_pk_and_any_iterable(sent_items: list[ErpItem]) -> None:
    wanted = {sent_items[0].pk, sent_items[2].pk}

    by_pk = select_in(ErpItem, ["id", "object_type"], {"pk": wanted})
    by_id = select_in(ErpItem, ["id", "object_type"], {"id": list(wanted)})
    by_generator = select_in(ErpItem, ["id", "object_type"], {"pk": (pk for pk in sorted(wanted))})

    assert sorted(by_pk) == sorted(by_id) == sorted(by_generator)
    assert {pk for pk, _ in by_pk} == wanted


def test_select_in_without_conditions_reads_every_row(sent_items: list[ErpItem]) -> None:
    assert sorted(row[0] for row in select_in(ErpItem, ["id"], {})) == sorted(item.pk for item in sent_items)


def test_select_in_for_update_inside_a_transaction(sent_items: list[ErpItem]) -> None:
    first = sent_items[0]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = select_in(ErpItem, ["id", "state"], {"pk": [first.pk]}, for_update=True)
        # The rows can be written in the same transaction.
        update_values(ErpItem, ["state"], [[ErpState.QUEUED, first.pk]])

    assert rows == [(first.pk, "pending")]
    assert ErpItem.objects.get(pk=first.pk).state == "queued"
    selects = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    assert len(selects) == 1
    assert selects[0].endswith(" FOR UPDATE") == connection.features.has_select_for_update


@pytest.mark.django_db(transaction=True)
def test_select_in_for_update_locks_the_selected_rows(requires_postgres: None, pm: Any) -> None:
    locked, free = (services.item_send(CompanyFactory.create(), pm) for _ in range(2))
    outcomes: dict[int, object] = {}

    def try_lock(pk: int) -> None:
        try:
            with transaction.atomic():
                outcomes[pk] = ErpItem.objects.select_for_update(nowait=True).get(pk=pk).pk
        except DatabaseError as exc:
            outcomes[pk] = exc
        finally:
            connection.close()

    with transaction.atomic():
        assert select_in(ErpItem, ["id"], {"pk": [locked.pk]}, for_update=True) == [(locked.pk,)]
        for pk in (locked.pk, free.pk):
            thread = threading.Thread(target=try_lock, args=(pk,))
            thread.start()
            thread.join(timeout=30)

    assert isinstance(outcomes[locked.pk], DatabaseError)
    assert outcomes[free.pk] == free.pk


# --- the converters -----------------------------------------------------------------------------------


def test_a_datetime_shared_by_many_rows_is_written_for_every_row(qb_connection: QbConnection) -> None:
    """The rows of one write share their timestamp object: the converter remembers its last value, and
    a change of value, a None in between, or an equal datetime in another zone are all written as given."""
    now = timezone.now()
    later = now + datetime.timedelta(seconds=30, microseconds=1)
    same_instant_elsewhere = now.astimezone(CHICAGO)
    values = [now] * 40 + [None] * 3 + [later] * 5 + [now] * 10 + [same_instant_elsewhere, None, now]
    rows = [
        _request_row(qb_connection.pk, None, "vendor", target=f"V{n}", sequence=n, created_at=now, sent_at=value)
        for n, value in enumerate(values)
    ]

    assert insert_values(QbRequest, REQUEST_FIELDS, rows) == len(values)

    assert dict(QbRequest.objects.values_list("sequence", "sent_at")) == dict(enumerate(values))
    assert set(QbRequest.objects.values_list("created_at", flat=True)) == {now}
    assert QbRequest.objects.filter(sent_at__isnull=True).count() == 4
    assert QbRequest.objects.filter(sent_at=now).count() == 52  # the other zone's value is the same instant


def test_update_values_with_a_shared_datetime_and_nones(sent_items: list[ErpItem]) -> None:
    first, second, third = sent_items
    ErpItem.objects.update(record_deleted_at=WHEN)
    later = WHEN + datetime.timedelta(hours=1)

    update_values(
        ErpItem,
        ["sent_at", "record_deleted_at"],
        [[WHEN, None, first.pk], [None, None, second.pk], [WHEN, later, third.pk]],
    )

    stored = {
        pk: (sent_at, deleted)
        for pk, sent_at, deleted in ErpItem.objects.values_list("pk", "sent_at", "record_deleted_at")
    }
    assert stored == {first.pk: (WHEN, None), second.pk: (None, None), third.pk: (WHEN, later)}


def test_last_value_kept_converts_each_new_value_once() -> None:
    calls: list[Any] = []

    def convert(value: Any) -> str:
        calls.append(value)
        return f"<{value}>"

    converted = _last_value_kept(convert)
    first, equal = [1], [1]

    results = [converted(value) for value in (first, first, first, equal, first, 2, 2)]

    assert results == ["<[1]>"] * 5 + ["<2>"] * 2
    # Remembered by identity: the same object is not converted again, an equal one (or a change back) is.
    assert len(calls) == 4
    assert calls[0] is first and calls[1] is equal and calls[2] is first and calls[3] == 2


def test_as_text_gives_choices_members_as_their_plain_value() -> None:
    for member, value in [(QbRequest.Status.LOOK_UP, "look_up"), (ErpState.SYNCED, "synced")]:
        text = _as_text(member)
        assert text == value and type(text) is str
    assert _as_text("plain") == "plain"
    assert _as_text(12) == "12"


def test_converter_per_field_kind() -> None:
    field = QbRequest._meta.get_field
    assert _converter(field("status"), connection) is _as_text  # CharField with choices
    assert _converter(field("request_xml"), connection) is _as_text  # TextField
    assert _converter(field("attempts"), connection) is None
    assert _converter(field("connection"), connection) is None  # a foreign key to an auto id
    assert _converter(QbConnection._meta.get_field("is_active"), connection) is None

    convert = _converter(field("sent_at"), connection)
    assert convert is not None
    converted = convert(WHEN)
    assert converted == field("sent_at").get_db_prep_save(WHEN, connection)  # Django's own conversion
    assert convert(WHEN) is converted  # remembered, not converted again
    assert _converter(field("needs"), connection) is not None


@pytest.mark.django_db(transaction=True)
def test_select_in_for_update_outside_a_transaction_is_refused(pm: Any) -> None:
    item = services.item_send(CompanyFactory.create(), pm)

    with pytest.raises(TransactionManagementError, match="inside a transaction"):
        select_in(ErpItem, ["id"], {"pk": [item.pk]}, for_update=True)


def test_select_in_splits_long_lists_into_several_queries_where_each_value_is_a_parameter(
    sent_items: list[ErpItem], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMETERS", 3)  # one state value and two ids per query
    ids = [item.pk for item in sent_items]

    with CaptureQueriesContext(connection) as queries:
        rows = select_in(ErpItem, ["pk", "state"], {"pk": ids, "state": [ErpState.PENDING]})

    assert sorted(rows) == sorted((pk, "pending") for pk in ids)
    # PostgreSQL binds each list as one array, whatever its length: a single query.
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)


def test_select_in_converts_the_values_it_filters_on(qb_connection: QbConnection) -> None:
    # A UUID is stored as 32 hex digits on SQLite and as a uuid on PostgreSQL: it must match on both.
    rows = select_in(QbConnection, ["pk", "name"], {"owner_id": [qb_connection.owner_id]})

    assert rows == [(qb_connection.pk, "Main company")]


def test_a_row_with_a_value_too_many_is_refused_rather_than_written_to_another_row(
    sent_items: list[ErpItem],
) -> None:
    first, second = sent_items[0], sent_items[1]

    with pytest.raises(ValueError, match="zip"):
        update_values(ErpItem, ["erp_error"], [["stray", second.pk, first.pk]])

    assert not ErpItem.objects.filter(erp_error="stray").exists()


def test_values_of_reads_what_values_list_reads_with_json_decoded(qb_requests: list[QbRequest]) -> None:
    fields = ["id", "item_id", "status", "needs", "depends_on_items", "session_id"]
    queryset = QbRequest.objects.filter(status__in=[QbRequest.Status.READY, QbRequest.Status.SENT])

    assert sorted(values_of(queryset, fields)) == sorted(queryset.values_list(*fields))
    row = next(row for row in values_of(queryset, fields) if row[0] == qb_requests[1].pk)
    assert row[3:5] == ([], [qb_requests[0].item_id])  # JSON decoded, empty list included


def test_values_of_keeps_the_order_and_slice_of_the_queryset(qb_requests: list[QbRequest]) -> None:
    ordered = QbRequest.objects.order_by("-id")

    assert values_of(ordered[1:3], ["id", "target"]) == [(r.pk, r.target) for r in reversed(qb_requests[:2])]


def test_values_of_keeps_the_lock_of_the_queryset(qb_requests: list[QbRequest]) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = values_of(QbRequest.objects.select_for_update().filter(pk=qb_requests[0].pk), ["id"])

    assert rows == [(qb_requests[0].pk,)]
    assert queries.captured_queries[-1]["sql"].endswith("FOR UPDATE") == connection.features.has_select_for_update
