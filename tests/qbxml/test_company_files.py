"""Two QuickBooks company files: a project chooses the one its items go to, company-wide records go to the
default one, a project of the other file is accepted only when that file holds its vendor and cost codes,
and a project keeps its file while its items are in it. Through the services, the simulator, the page and
the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import selectors
from erp_integrations import services as erp
from erp_integrations.errors import CompanyFileInUse, DependencyNotReady
from erp_integrations.models import ErpState
from qbxml import imports, services
from qbxml.models import QbConnection, QbRequest
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory, UserFactory, commitment_with_lines, grant
from tests.qbxml.helpers import connector_for, item_of, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db

NORTH_PASSWORD = "north-password-1"
SOUTH_PASSWORD = "south-password-1"


@pytest.fixture
def north(db) -> QbConnection:  # type: ignore[no-untyped-def]
    return services.connection_create(None, name="North file", username="north", password=NORTH_PASSWORD)


@pytest.fixture
def south(north) -> QbConnection:  # type: ignore[no-untyped-def]
    return services.connection_create(
        None, name="South file", username="south", password=SOUTH_PASSWORD, is_default=False
    )


@pytest.fixture
def commitment(db):  # type: ignore[no-untyped-def]
    return commitment_with_lines(2, vendor=CompanyFactory(name="Acme Concrete"), number="SC-001")


def south_holding(commitment: Any) -> QuickBooksCompany:
    """The south company file, which has the commitment's vendor and cost codes already."""
    company = QuickBooksCompany("South Builders")
    company.add_vendor(commitment.vendor.name)
    for line in commitment.lines.select_related("cost_code__division"):
        division = line.cost_code.division.code
        if not any(item.name == division for item in company.items()):
            company.add_item_service(division)
        company.add_item_service(line.cost_code.code, division)
    return company


def read_lists(connection: QbConnection, company: QuickBooksCompany, password: str, client: Client) -> None:
    imports.refresh(None, connection, ["vendors", "items"])
    sync_until_nothing_to_do(connector_for(company, client=client, username=connection.username, password=password))


def cost_codes_of(commitment: Any) -> list[Any]:
    return [line.cost_code for line in commitment.lines.order_by("line_number")]


def test_a_projects_items_go_to_the_file_it_chose_and_company_wide_records_to_the_default(
    north, south, commitment, client, pm, approver, erp_admin
):
    south_company = south_holding(commitment)
    read_lists(south, south_company, SOUTH_PASSWORD, client)
    erp.set_project_company_file(erp_admin, commitment.project, south.book)

    company_wide = queue_for_quickbooks([*cost_codes_of(commitment), commitment.vendor], pm, approver)
    of_the_project = queue_for_quickbooks([commitment.project, commitment], pm, approver)

    assert {request.connection_id for item in company_wide for request in QbRequest.objects.filter(item=item)} == {
        north.pk
    }
    assert {request.connection_id for item in of_the_project for request in QbRequest.objects.filter(item=item)} == {
        south.pk
    }

    north_company = QuickBooksCompany("North Builders")
    sync_until_nothing_to_do(connector_for(north_company, client=client, username="north", password=NORTH_PASSWORD))
    sync_until_nothing_to_do(connector_for(south_company, client=client, username="south", password=SOUTH_PASSWORD))

    assert [order.ref_number for order in south_company.purchase_orders()] == ["SC-001"]
    assert north_company.purchase_orders() == []
    assert [vendor.name for vendor in north_company.vendors()] == ["Acme Concrete"]
    assert item_of(commitment).state == ErpState.SYNCED
    names = selectors.company_file_names([*company_wide, *of_the_project])
    assert {names[item.pk] for item in company_wide} == {"North file"}
    assert {names[item.pk] for item in of_the_project} == {"South file"}


def test_a_commitment_whose_vendor_its_file_does_not_hold_is_not_accepted(
    north, south, commitment, pm, approver, erp_admin
):
    erp.set_project_company_file(erp_admin, commitment.project, south.book)
    queue_for_quickbooks([*cost_codes_of(commitment), commitment.vendor, commitment.project], pm, approver)
    erp.item_send(commitment, pm)

    with pytest.raises(DependencyNotReady) as refused:
        erp.item_accept(commitment, approver)

    waiting = refused.value.details["waiting_on"]
    assert "company Acme Concrete is not in South file, the company file this project's items go to" in waiting[0]
    assert len(waiting) == 3, "the vendor and both cost codes"
    assert item_of(commitment).state == ErpState.PENDING


def test_a_project_of_the_default_file_needs_nothing_more(north, south, commitment, pm, approver):
    queue_for_quickbooks([*cost_codes_of(commitment), commitment.vendor, commitment.project, commitment], pm, approver)

    assert set(QbRequest.objects.filter(item__isnull=False).values_list("connection_id", flat=True)) == {north.pk}
    assert selectors.company_file_of(commitment.project).name == "North file"


def test_a_project_keeps_its_file_while_its_items_are_in_it(north, south, commitment, pm, approver, erp_admin):
    erp.set_project_company_file(erp_admin, commitment.project, south.book)
    erp.set_project_company_file(erp_admin, commitment.project, "")  # nothing is in a file yet: it may move
    queue_for_quickbooks([commitment.project], pm, approver)

    with pytest.raises(CompanyFileInUse) as refused:
        erp.set_project_company_file(erp_admin, commitment.project, south.book)

    assert "1 of its items are queued for, synced to or failed in it" in refused.value.message
    assert selectors.company_file_of(commitment.project) == selectors.company_file_of(None)
    # Naming the default file by its key is no move at all.
    erp.set_project_company_file(erp_admin, commitment.project, north.book)


def test_an_unknown_file_is_refused(north, commitment, erp_admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        erp.set_project_company_file(erp_admin, commitment.project, "no-such-file")


def test_a_turned_off_file_keeps_its_items_waiting(north, south, commitment, pm, approver, erp_admin, client):
    south_company = south_holding(commitment)
    read_lists(south, south_company, SOUTH_PASSWORD, client)
    erp.set_project_company_file(erp_admin, commitment.project, south.book)
    QbConnection.objects.filter(pk=south.pk).update(is_active=False)

    [item] = queue_for_quickbooks([commitment.project], pm, approver)

    assert not QbRequest.objects.filter(item=item).exists()
    assert selectors.company_file_names([item])[item.pk] == "South file (turned off)"


def test_the_api_shows_and_chooses_the_file_for_erp_admins_only(north, south, commitment, erp_admin, approver):
    url = f"/api/v1/erp/projects/{commitment.project.pk}/company-file/"
    admin = APIClient()
    admin.force_authenticate(erp_admin)

    shown = admin.get(url)
    chosen = admin.put(url, {"book": south.book}, format="json")
    unknown = admin.put(url, {"book": "nope"}, format="json")
    other = APIClient()
    other.force_authenticate(approver)

    assert shown.status_code == 200
    assert [book["name"] for book in shown.json()["books"]] == ["North file", "South file"]
    assert shown.json()["goes_to"] == "North file"
    assert chosen.status_code == 200, chosen.content
    assert (chosen.json()["chosen"], chosen.json()["goes_to"]) == (south.book, "South file")
    assert unknown.status_code == 400
    assert other.get(url).status_code == 403
    assert other.put(url, {"book": ""}, format="json").status_code == 403


def test_the_api_refuses_a_move_while_items_are_in_the_file(north, south, commitment, pm, approver, erp_admin):
    queue_for_quickbooks([commitment.project], pm, approver)
    admin = APIClient()
    admin.force_authenticate(erp_admin)

    response = admin.put(f"/api/v1/erp/projects/{commitment.project.pk}/company-file/", {"book": south.book})

    assert response.status_code == 409
    assert "keeps its company file" in str(response.json())


def test_the_project_accounting_page_chooses_the_file(north, south, commitment, erp_admin):
    page = Client()
    page.force_login(erp_admin)
    url = reverse("erp:project-accounting", args=[commitment.project.pk])

    before = page.get(url).content.decode()
    response = page.post(reverse("erp:project-company-file", args=[commitment.project.pk]), {"book": south.book})
    after = page.get(url).content.decode()

    assert "Its items go to <strong>North file</strong>" in before
    assert response.status_code == 302
    assert "Its items go to <strong>South file</strong>" in after
    assert "items go to South file." in after


def test_only_erp_admins_choose_the_file_on_the_page(north, south, commitment):
    standard = UserFactory(username="standard")
    grant(standard, Tool.ERP_INTEGRATIONS, Level.STANDARD)
    page = Client()
    page.force_login(standard)

    response = page.post(reverse("erp:project-company-file", args=[commitment.project.pk]), {"book": south.book})

    assert response.status_code == 403
    assert selectors.company_file_of(commitment.project).name == "North file"


def test_transactions_are_read_back_from_the_default_file_only(north, south, commitment, erp_admin):
    # The readers tie QuickBooks' ids (jobs, bills) to the default file's: another file's are not read.
    from qbxml.models import QbListImport

    erp.set_project_accounting(erp_admin, commitment.project, sync_job_costs=True)

    queued = set(
        QbListImport.objects.filter(status=QbListImport.Status.QUEUED).values_list("connection_id", "list_name")
    )
    assert {(north.pk, name) for name in imports.SUBJECTS["job_costs"]} == queued


def test_the_sync_health_counts_items_waiting_for_their_own_file(north, south, commitment, pm, approver, erp_admin):
    from qbxml.selectors import health_of_connections

    erp.set_project_company_file(erp_admin, commitment.project, south.book)
    QbConnection.objects.filter(pk=south.pk).update(is_active=False)
    queue_for_quickbooks([commitment.project], pm, approver)
    QbConnection.objects.filter(pk=south.pk).update(is_active=True)

    waiting = {health.connection.name: health.not_yet_requested for health in health_of_connections()}

    assert waiting == {"North file": 0, "South file": 1}


def test_the_approver_sees_which_file_each_item_goes_to(north, south, commitment, pm, approver, erp_admin):
    erp.set_project_company_file(erp_admin, commitment.project, south.book)
    erp.item_send(commitment.project, pm)
    erp.item_send(commitment.vendor, pm)
    page = Client()
    page.force_login(approver)

    queue = page.get(reverse("erp:queue")).content.decode()
    project_page = page.get(reverse("erp:item", args=[item_of(commitment.project).pk])).content.decode()
    vendor_page = page.get(reverse("erp:item", args=[item_of(commitment.vendor).pk])).content.decode()

    assert '<th scope="col">Company file</th>' in queue
    assert queue.count("<td data-company-file>South file</td>") == 1
    assert queue.count("<td data-company-file>North file</td>") == 1
    assert "Goes to <strong data-company-file>South file</strong>" in project_page
    assert "Goes to <strong data-company-file>North file</strong>" in vendor_page


def test_one_company_file_says_nothing_of_files(north, commitment, pm, approver):
    erp.item_send(commitment.project, pm)
    page = Client()
    page.force_login(approver)

    assert "Company file" not in page.get(reverse("erp:queue")).content.decode()
    assert "Goes to" not in page.get(reverse("erp:item", args=[item_of(commitment.project).pk])).content.decode()
