"""A vendor or job QuickBooks refuses because another record holds its name (3100), end to end with the simulated
company file: the item's page says so and offers the accountant's two ways out, linking the item to that record
or renaming it here and sending it again, through the pages and the API, each for the levels the matrix allows,
and harmless when clicked twice."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.tools import Level, Tool
from erp_integrations import name_in_use
from erp_integrations.models import AccountingRecord, ErpItem, ErpState
from qbxml import services as qb_services
from qbxml.models import QbListImport, QbRequest
from qbxml.simulator import QuickBooksCompany
from tests.factories import CompanyFactory, ProjectFactory, SubJobFactory, UserFactory, grant
from tests.qbxml.conftest import PASSWORD
from tests.qbxml.helpers import USERNAME, connector_for, item_of, queue_for_quickbooks, sync_until_nothing_to_do

pytestmark = pytest.mark.django_db

VENDOR = "ABC Electric"
RENAMED = "ABC Electric (Springfield)"


@pytest.fixture
def quickbooks() -> QuickBooksCompany:
    company = QuickBooksCompany("Existing Construction Co")
    company.add_vendor(
        VENDOR,
        company_name="ABC Electric of Chicago",
        Phone="(312) 555-0199",
        VendorAddress={"Addr1": "9 Lake Shore Drive", "City": "Chicago"},
    )
    return company


@pytest.fixture
def sync(quickbooks, client):  # type: ignore[no-untyped-def]
    qb_services.connection_create(None, name="Main company", username=USERNAME, password=PASSWORD)
    connector = connector_for(quickbooks, client=client)
    return lambda: sync_until_nothing_to_do(connector)


@pytest.fixture
def refused(pm, approver, sync):  # type: ignore[no-untyped-def]
    """A directory company QuickBooks refused: another vendor, in Chicago, holds its name."""
    company = CompanyFactory(name=VENDOR, phone="217-555-0100", address_line1="100 Main St", city="Springfield")
    queue_for_quickbooks([company], pm, approver)
    sync()
    return company


@pytest.fixture
def reader(db):  # type: ignore[no-untyped-def]
    return grant(UserFactory(username="erp_reader"), Tool.ERP_INTEGRATIONS, Level.READ_ONLY)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user, item: ErpItem) -> str:  # type: ignore[no-untyped-def]
    response = client_for(user).get(reverse("erp:item", args=[item.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def post(user, name: str, item: ErpItem, data: dict[str, str]) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse(name, args=[item.pk]), data, follow=True)
    return response.status_code, html.unescape(response.content.decode())


def holder() -> AccountingRecord:
    return AccountingRecord.objects.get(list_type="vendor", full_name=VENDOR)


# --- what QuickBooks answered, and what the page shows of it -------------------------------------------------------


def test_a_vendor_whose_name_another_vendor_holds_fails_with_3100_kept(refused, quickbooks):
    item = item_of(refused)

    assert item.state == ErpState.FAILED
    assert "(status 3100)" in item.erp_error and "9 Lake Shore Drive" in item.erp_error
    assert [request.status_code for request in QbRequest.objects.filter(item=item)] == [3100]
    assert name_in_use.is_name_in_use(item)
    assert quickbooks.add_count("Vendor", VENDOR) == 0 and len(quickbooks.vendors()) == 1


def test_the_lists_are_read_when_quickbooks_holds_a_name_we_do_not_know(refused, quickbooks):
    runs = {run.list_name: run.status for run in QbListImport.objects.all()}

    assert set(runs) == {"vendors", "customers"}
    found = holder()
    assert found.external_id == quickbooks.find_list("Vendor", VENDOR).list_id
    assert found.details["company_name"] == "ABC Electric of Chicago"


def test_the_item_page_shows_the_record_holding_the_name_beside_ours_with_both_ways_out(refused, erp_admin):
    body = page(erp_admin, item_of(refused))

    assert "The name is in use in QuickBooks" in body
    for detail in ("ABC Electric of Chicago", "(312) 555-0199", "9 Lake Shore Drive", "217-555-0100", "100 Main St"):
        assert detail in body, detail
    assert f"Link to {VENDOR}" in body
    assert "Rename and resend" in body and f'value="{VENDOR}"' in body


def test_the_panel_says_it_is_looking_the_record_up_while_the_lists_do_not_hold_it(refused, erp_admin):
    AccountingRecord.objects.all().delete()

    body = page(erp_admin, item_of(refused))

    assert "looking it up in QuickBooks at the next sync" in body
    assert f"Link to {VENDOR}" not in body and "Rename and resend" in body


def test_other_failures_show_no_panel(pm, approver, sync, quickbooks, erp_admin):
    quickbooks.deny("VendorAdd")
    company = CompanyFactory(name="Delta Drywall")
    queue_for_quickbooks([company], pm, approver)
    sync()

    item = item_of(company)
    assert item.state == ErpState.FAILED and "3260" in item.erp_error
    assert "The name is in use in QuickBooks" not in page(erp_admin, item)


# --- link ------------------------------------------------------------------------------------------------------------


def test_linking_it_syncs_the_item_with_the_quickbooks_list_id_and_sends_nothing(refused, quickbooks, erp_admin, sync):
    item = item_of(refused)

    status, body = post(
        erp_admin, "erp:item-link-existing", item, {"record": str(holder().pk), "pick_city": "quickbooks"}
    )

    assert status == 200 and "is linked to QuickBooks" in body
    item.refresh_from_db()
    existing = quickbooks.find_list("Vendor", VENDOR)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, existing.list_id)
    last = item.events.order_by("-id").first()
    assert (last.action, last.from_state, last.actor) == ("link", ErpState.FAILED, erp_admin)
    refused.refresh_from_db()
    assert refused.city == "Chicago" and refused.address_line1 == "100 Main St", "only the picked field is taken"
    sync()
    assert quickbooks.add_count("Vendor", VENDOR) == 0 and len(quickbooks.vendors()) == 1


def test_a_second_click_on_link_changes_nothing(refused, erp_admin):
    item = item_of(refused)
    data = {"record": str(holder().pk)}

    post(erp_admin, "erp:item-link-existing", item, data)
    status, body = post(erp_admin, "erp:item-link-existing", item, data)

    assert status == 200 and "cannot" not in body
    item.refresh_from_db()
    assert item.state == ErpState.SYNCED
    assert item.events.filter(action="link").count() == 1


def test_a_job_whose_name_another_job_holds_is_linked_to_it(pm, approver, sync, quickbooks, erp_admin):
    project = ProjectFactory(number="P-100", name="River Park", address_line1="1450 River Park Drive")
    owner = project.owner.name
    quickbooks.add_customer(owner)
    existing = quickbooks.add_customer("P-100 River Park", owner, BillAddress={"Addr1": "77 Harbor Road"})
    queue_for_quickbooks([project], pm, approver)
    sync()
    item = item_of(project)
    assert item.state == ErpState.FAILED and "(status 3100)" in item.erp_error
    assert f"{owner}:P-100 River Park" in page(erp_admin, item)

    job = AccountingRecord.objects.get(list_type="customer", external_id=existing.list_id)
    post(erp_admin, "erp:item-link-existing", item, {"record": str(job.pk)})

    item.refresh_from_db()
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, existing.list_id)
    assert item.accept_options == {"parent_customer": owner}


def test_a_vendor_name_a_customer_holds_cannot_be_linked_only_renamed(pm, approver, sync, quickbooks, erp_admin):
    quickbooks.add_customer("Northside Plumbing")
    company = CompanyFactory(name="Northside Plumbing")
    queue_for_quickbooks([company], pm, approver)
    sync()
    item = item_of(company)

    body = page(erp_admin, item)
    assert "holds the name for a customer or job" in body and "Link to Northside Plumbing" not in body
    _, body = post(erp_admin, "erp:item-link-existing", item, {})
    assert "holds the name for a customer or job" in body
    item.refresh_from_db()
    assert item.state == ErpState.FAILED

    post(erp_admin, "erp:item-rename", item, {"name": "Northside Plumbing Supply"})
    sync()
    item.refresh_from_db()
    assert item.state == ErpState.SYNCED
    assert item.qb_ref == quickbooks.find_list("Vendor", "Northside Plumbing Supply").list_id


# --- rename ----------------------------------------------------------------------------------------------------------


def test_renamed_and_resent_it_syncs_under_the_new_name(refused, quickbooks, approver, sync):
    item = item_of(refused)

    status, body = post(approver, "erp:item-rename", item, {"name": f"  {RENAMED} "})

    assert status == 200 and "queued for QuickBooks again under its new name" in body
    item.refresh_from_db()
    refused.refresh_from_db()
    assert refused.name == RENAMED and item.label == RENAMED
    assert (item.state, item.erp_error, item.sent_payload["name"]) == (ErpState.QUEUED, "", RENAMED)
    last = item.events.order_by("-id").first()
    assert (last.action, last.from_state, last.actor) == ("retry", ErpState.FAILED, approver)
    assert last.payload == {"renamed_from": VENDOR, "renamed_to": RENAMED}

    sync()
    item.refresh_from_db()
    made = quickbooks.find_list("Vendor", RENAMED)
    assert made is not None and made.fields["Phone"] == "217-555-0100"
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, made.list_id)
    assert len(quickbooks.vendors()) == 2


def test_a_second_click_on_rename_queues_it_once(refused, approver):
    item = item_of(refused)

    post(approver, "erp:item-rename", item, {"name": RENAMED})
    status, body = post(approver, "erp:item-rename", item, {"name": RENAMED})

    assert status == 200 and "cannot" not in body
    item.refresh_from_db()
    assert item.state == ErpState.QUEUED
    assert item.events.filter(action="retry").count() == 1
    assert QbRequest.objects.filter(item=item).exclude(status=QbRequest.Status.FAILED).count() == 1


@pytest.mark.parametrize(
    ("new_name", "said"),
    [
        ("A" * 42, "41"),
        ("ABC: Electric", "colon"),
        ("abc electric", 'QuickBooks holds "ABC Electric" already'),
        ("   ", "Give it a name."),
    ],
)
def test_a_new_name_quickbooks_would_refuse_is_refused_here(refused, approver, new_name, said):
    item = item_of(refused)

    _, body = post(approver, "erp:item-rename", item, {"name": new_name})

    assert said in body
    item.refresh_from_db()
    refused.refresh_from_db()
    assert (item.state, refused.name) == (ErpState.FAILED, VENDOR)


# --- who may ---------------------------------------------------------------------------------------------------------


def test_an_erp_reader_sees_the_panel_but_may_take_neither_way(refused, reader):
    item = item_of(refused)

    body = page(reader, item)
    assert "The name is in use in QuickBooks" in body
    assert "Linking it to a QuickBooks record needs Admin on ERP Integrations." in body
    assert "it needs Standard on ERP Integrations and the Can Push to Accounting privilege." in body
    assert client_for(reader).post(reverse("erp:item-link-existing", args=[item.pk]), {}).status_code == 403
    assert client_for(reader).post(reverse("erp:item-rename", args=[item.pk]), {"name": RENAMED}).status_code == 403
    item.refresh_from_db()
    assert item.state == ErpState.FAILED


def test_the_approver_may_rename_but_linking_needs_admin_on_erp_integrations(refused, approver):
    item = item_of(refused)

    body = page(approver, item)
    assert "Rename and resend" in body and f"Link to {VENDOR}" not in body
    response = client_for(approver).post(reverse("erp:item-link-existing", args=[item.pk]), {})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == ErpState.FAILED


def test_the_project_side_may_do_neither(refused, pm):
    item = item_of(refused)

    assert client_for(pm).get(reverse("erp:item", args=[item.pk])).status_code == 403
    assert client_for(pm).post(reverse("erp:item-rename", args=[item.pk]), {"name": RENAMED}).status_code == 403
    refused.refresh_from_db()
    assert refused.name == VENDOR


# --- the API ---------------------------------------------------------------------------------------------------------


def test_the_api_links_it_for_an_erp_admin_and_names_the_missing_permission_to_others(
    refused, quickbooks, approver, erp_admin
):
    item = item_of(refused)
    url = f"/api/v1/erp/items/{item.pk}/link-existing/"

    refused_response = api_for(approver).post(url, {}, format="json")
    assert refused_response.status_code == 403
    assert refused_response.json()["missing_permission"] == "Admin on ERP Integrations"

    response = api_for(erp_admin).post(url, {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["erp_status"] == "synced"
    assert response.json()["qb_ref"] == quickbooks.find_list("Vendor", VENDOR).list_id
    assert api_for(erp_admin).post(url, {}, format="json").status_code == 200, "a second call changes nothing"


def test_the_api_renames_and_resends_for_the_approver_and_says_what_to_fix(refused, approver, sync, quickbooks):
    item = item_of(refused)
    url = f"/api/v1/erp/items/{item.pk}/rename/"

    invalid = api_for(approver).post(url, {"name": "B" * 42}, format="json")
    assert invalid.status_code == 400 and "41" in invalid.json()["errors"]["name"][0]

    response = api_for(approver).post(url, {"name": RENAMED}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["erp_status"], response.json()["label"]) == ("queued", RENAMED)
    sync()
    assert item_of(refused).qb_ref == quickbooks.find_list("Vendor", RENAMED).list_id


def test_the_api_refuses_an_item_that_did_not_fail_on_its_name(approver, erp_admin, sync):
    company = CompanyFactory(name="Quiet Vendor")
    item = ErpItem.objects.get(pk=name_in_use.services.item_for(company).pk)

    assert (
        api_for(approver).post(f"/api/v1/erp/items/{item.pk}/rename/", {"name": "X"}, format="json").status_code == 409
    )
    assert api_for(erp_admin).post(f"/api/v1/erp/items/{item.pk}/link-existing/", {}, format="json").status_code == 409
    company.refresh_from_db()
    assert company.name == "Quiet Vendor"


# --- jobs and sub jobs renamed -----------------------------------------------------------------------------------


def test_a_job_renamed_here_goes_to_quickbooks_as_its_number_and_new_name(pm, approver, sync, quickbooks, erp_admin):
    project = ProjectFactory(number="P-100", name="River Park", address_line1="1450 River Park Drive")
    owner = project.owner.name
    quickbooks.add_customer(owner)
    quickbooks.add_customer("P-100 River Park", owner, BillAddress={"Addr1": "77 Harbor Road"})
    queue_for_quickbooks([project], pm, approver)
    sync()
    item = item_of(project)
    assert 'value="River Park"' in page(erp_admin, item)

    _, body = post(approver, "erp:item-rename", item, {"name": "X" * 40})
    assert "41" in body and item_of(project).state == ErpState.FAILED, "the job name is its number and name"
    post(approver, "erp:item-rename", item, {"name": "River Park East"})
    sync()

    item.refresh_from_db()
    made = quickbooks.find_list("Customer", f"{owner}:P-100 River Park East")
    assert made is not None and (item.state, item.qb_ref) == (ErpState.SYNCED, made.list_id)
    assert quickbooks.find_list("Customer", f"{owner}:P-100 River Park") is not None, "theirs is left as it was"


def test_a_sub_job_whose_name_quickbooks_holds_under_its_job_is_linked_when_the_lists_are_read(
    pm, approver, sync, quickbooks
):
    """QuickBooks cannot hold two sub-customers of one name under one job: the one it holds under the project's
    own job is the sub job (the import's rule), so reading the lists after the refusal links it, failed or not."""
    project = ProjectFactory(number="P-300", name="Harbor Tower")
    owner = project.owner.name
    sub_job = SubJobFactory(project=project, name="Building A", address_line1="1 Pier Road")
    quickbooks.add_customer(owner)
    queue_for_quickbooks([project], pm, approver)
    sync()
    job = f"{owner}:P-300 Harbor Tower"
    assert item_of(project).state == ErpState.SYNCED
    theirs = quickbooks.add_customer("Building A", job, BillAddress={"Addr1": "900 Other Street"})
    queue_for_quickbooks([sub_job], pm, approver)

    sync()

    item = item_of(sub_job)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, theirs.list_id)
    steps = [(event.action, event.from_state) for event in item.events.order_by("id")][-2:]
    assert steps == [("sync_failed", ErpState.QUEUED), ("link", ErpState.FAILED)]
    assert "(status 3100)" in item.events.get(action="sync_failed").reason
    assert quickbooks.add_count("Customer", f"{job}:Building A") == 0


def test_link_all_exact_matches_takes_a_company_quickbooks_refused_on_its_name_too(refused, quickbooks, erp_admin):
    response = client_for(erp_admin).post(reverse("erp:import-companies-act"), {"action": "link_exact"}, follow=True)

    assert "Linked 1 QuickBooks vendor" in html.unescape(response.content.decode())
    item = item_of(refused)
    assert (item.state, item.qb_ref) == (ErpState.SYNCED, quickbooks.find_list("Vendor", VENDOR).list_id)


def test_standard_on_erp_integrations_without_the_push_privilege_may_not_rename(refused):
    standard = grant(UserFactory(username="erp_standard"), Tool.ERP_INTEGRATIONS, Level.STANDARD)
    item = item_of(refused)

    assert "it needs the Can Push to Accounting privilege." in page(standard, item)
    response = client_for(standard).post(reverse("erp:item-rename", args=[item.pk]), {"name": RENAMED})
    assert response.status_code == 403
    refused.refresh_from_db()
    assert refused.name == VENDOR
