"""Two QuickBooks company files, each its own connection and Web Connector user, syncing at the same time
against the live server over real HTTP: neither ever sees the other's data, and a session's ticket works
only for its own connection.

On PostgreSQL the two sessions' calls run truly in parallel (each request thread has its own database
connection and the row locks do the ordering). On SQLite the live server shares the test's in-memory
connection with every request thread, so the two Web Connectors take turns call by call: the sessions
still interleave, but no two calls overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from erp_integrations.models import ErpState
from qbxml import services
from qbxml.lib.webconnector import SessionReport, Transport, WebConnector, http_transport
from qbxml.models import QbConnection, QbExchange, QbRequest, QbSession
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory
from tests.qbxml.helpers import ManualSession, item_of, queue_for_quickbooks, shared_in_memory_sqlite

pytestmark = pytest.mark.django_db(transaction=True)

NORTH = ["North Excavation", "North Framing", "North Glazing", "North Paving"]
SOUTH = ["South Electric", "South Masonry", "South Roofing", "South Steel"]
NORTH_PASSWORD = "north-password-1"
SOUTH_PASSWORD = "south-password-1"


def serialised(transport: Transport, lock: threading.Lock | None) -> Transport:
    if lock is None:
        return transport

    def post(operation: str, body: bytes) -> bytes:
        with lock:
            return transport(operation, body)

    return post


@pytest.fixture
def call_lock() -> threading.Lock | None:
    return threading.Lock() if shared_in_memory_sqlite() else None


@pytest.fixture
def north(pm, approver) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The default connection: accepted items go to it when a session starts (`qbxml.queue.enqueue`)."""
    connection = services.connection_create(None, name="North file", username="north", password=NORTH_PASSWORD)
    vendors = [CompanyFactory(name=name, phone="555-0100") for name in NORTH]
    queue_for_quickbooks(vendors, pm, approver)
    return {"connection": connection, "vendors": vendors, "company": QuickBooksCompany("North Builders")}


@pytest.fixture
def south(pm, approver, north) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A second company file: accepting its items queued their requests on the default connection, which
    are moved to its own queue here."""
    connection = services.connection_create(
        None, name="South file", username="south", password=SOUTH_PASSWORD, is_default=False
    )
    vendors = [CompanyFactory(name=name, phone="555-0200") for name in SOUTH]
    items = queue_for_quickbooks(vendors, pm, approver)
    assert QbRequest.objects.filter(item__in=items).update(connection=connection) == len(SOUTH)
    return {"connection": connection, "vendors": vendors, "company": QuickBooksCompany("South Builders")}


def connector(live_server, side: dict[str, Any], username: str, password: str, lock) -> WebConnector:  # type: ignore[no-untyped-def]
    url = live_server.url + "/qbwc/"
    return WebConnector(
        url, username, password, side["company"], transport=serialised(http_transport(url, timeout=60), lock)
    )


def run_together(*jobs: Callable[[], SessionReport]) -> list[SessionReport]:
    """Start the jobs at the same moment in threads; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], SessionReport]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a session hung"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def vendor_names(company: QuickBooksCompany) -> list[str]:
    return sorted(vendor.name for vendor in company.vendors())


def test_two_connections_syncing_at_the_same_time_each_send_only_their_own_records(
    live_server, north, south, call_lock
):
    # One request per message: many calls per session, so the two sessions interleave closely.
    QbConnection.objects.update(batch_limit=1)
    north_wc = connector(live_server, north, "north", NORTH_PASSWORD, call_lock)
    south_wc = connector(live_server, south, "south", SOUTH_PASSWORD, call_lock)

    north_report, south_report = run_together(north_wc.run_session, south_wc.run_session)

    for report, side, names in ((north_report, north, NORTH), (south_report, south, SOUTH)):
        assert report.finished and report.last_error == "", report
        assert report.messages > 1 and report.requests == len(names)
        assert report.closed_with == f"Synced {len(names)} item(s), 0 failed."
        company = side["company"]
        assert vendor_names(company) == names, "only its own records reach its company file"
        for vendor in side["vendors"]:
            item = item_of(vendor)
            assert item.state == ErpState.SYNCED
            assert item.qb_ref == company.find_list("Vendor", vendor.name).list_id
            assert company.add_count("Vendor", vendor.name) == 1
        session = QbSession.objects.get(connection=side["connection"])
        assert session.status == QbSession.Status.CLOSED and session.synced_count == len(names)
        assert session.host_info["company_name"] == company.host.company_name
        bodies = "".join(QbExchange.objects.filter(session=session).values_list("body", flat=True))
        other = SOUTH if names is NORTH else NORTH
        assert not any(name in bodies for name in other), "no message or answer of the other file"
    assert (
        QbRequest.objects.filter(
            connection=north["connection"], item__object_id__in=[v.pk for v in south["vendors"]]
        ).count()
        == 0
    )

    # Both company files are up to date: the next runs have nothing to do.
    assert run_together(north_wc.run_session, south_wc.run_session)[0].authenticated == "none"
    assert south_wc.run_session().authenticated == "none"


def test_a_ticket_works_only_for_the_connection_that_opened_it(live_server, north, south):
    north_session = ManualSession(connector(live_server, north, "north", NORTH_PASSWORD, None))
    south_session = ManualSession(connector(live_server, south, "south", SOUTH_PASSWORD, None))
    assert north_session.open() == "" and south_session.open() == ""
    north_message = north_session.send()
    south_message = south_session.send()
    assert all(name in north_message for name in NORTH) and not any(name in north_message for name in SOUTH)
    assert all(name in south_message for name in SOUTH) and not any(name in south_message for name in NORTH)
    south_answer = south["company"].process(south_message)

    # South's answer handed in with North's ticket changes nothing for either file.
    north_session.receive(south_answer)

    assert {item_of(vendor).state for vendor in north["vendors"] + south["vendors"]} == {ErpState.QUEUED}
    south_requests = QbRequest.objects.filter(connection=south["connection"])
    assert set(south_requests.values_list("status", flat=True)) == {QbRequest.Status.SENT}
    north_db_session = QbSession.objects.get(connection=north["connection"])
    assert north_db_session.synced_count == 0 and north_db_session.done_requests == 0

    # A ticket is no way into another connection: South's user cannot authenticate with North's password,
    # and a made-up ticket reads nothing.
    assert services.authenticate("south", NORTH_PASSWORD) == ["", "nvu"]
    assert north_session.connector.call("getLastError", ticket="made-up") != "NoOp"

    # Each answer with its own ticket: each file's items are synced to that file's records.
    assert south_session.receive(south_answer) == 100
    assert north_session.receive(north["company"].process(north_message)) == 100
    north_session.close()
    south_session.close()
    for side in (north, south):
        for vendor in side["vendors"]:
            assert item_of(vendor).qb_ref == side["company"].find_list("Vendor", vendor.name).list_id
    assert vendor_names(north["company"]) == NORTH and vendor_names(south["company"]) == SOUTH
