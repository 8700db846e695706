"""Refreshing the standard cost code list from QuickBooks' service items: a top-level item is a division, a
sub-item a cost code under it; new ones are added linked, known ones (by ListID, else by code) linked; an
item made inactive makes its cost code inactive and back; the directory's description is never
overwritten, the difference reported; a second run changes nothing; and the whole list costs a few queries."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied

from access.tools import Level, Tool
from erp_integrations import services
from erp_integrations.errors import WorkflowError
from erp_integrations.models import AccountingRecord, ErpEvent, ErpItem, ErpState
from procore_sync import models as ps
from qbxml import services as qb_services
from tests.factories import CostCodeFactory, DivisionFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

ITEM = AccountingRecord.ListType.ITEM
_ids = itertools.count(1)


@pytest.fixture
def book(db) -> str:  # type: ignore[no-untyped-def]
    """The company file items go to: the default connection's."""
    return qb_services.connection_create(None, name="Main company", username="qbuser", password="pw-123456").book


def item(
    book: str,
    full_name: str,
    parent: AccountingRecord | None = None,
    *,
    description: str = "",
    is_active: bool = True,
) -> AccountingRecord:
    """A service item as the import writes it: "Division" at the top, "Division:Code" under it."""
    details: dict[str, object] = {"name": full_name.rsplit(":", 1)[-1], "sublevel": full_name.count(":")}
    if description:
        details["description"] = description
    return AccountingRecord.objects.create(
        book=book,
        list_type=ITEM,
        external_id=f"{next(_ids):08X}-1700000000",
        full_name=full_name,
        parent_external_id=parent.external_id if parent else "",
        edit_sequence="1700000042",
        is_active=is_active,
        details=details,
    )


def item_of(cost_code: ps.CostCode) -> ErpItem:
    return ErpItem.objects.get(object_type="cost_code", object_id=cost_code.pk)


# --- new cost codes ----------------------------------------------------------------------------------------


def test_new_items_become_cost_codes_under_their_divisions_linked_to_quickbooks(book, erp_admin):
    concrete = item(book, "03", description="Concrete")
    formwork = item(book, "03:03-100", concrete, description="Formwork")
    item(book, "03:03-200", concrete, description="Reinforcing")
    metals = item(book, "05", description="Metals")
    item(book, "05:05-120", metals, description="Structural steel")

    result = services.refresh_cost_codes(erp_admin)

    assert result.created == ["03-100", "03-200", "05-120"]
    assert result.divisions_created == ["03", "05"]
    assert {division.code: division.name for division in ps.Division.objects.all()} == {
        "03": "Concrete",
        "05": "Metals",
    }
    code = ps.CostCode.objects.get(code="03-100")
    assert (code.description, code.division.code, code.is_active) == ("Formwork", "03", True)
    assert ps.CostCode.objects.get(code="05-120").division.code == "05"
    linked = item_of(code)
    assert (linked.state, linked.qb_ref, linked.qb_edit_sequence) == (
        ErpState.SYNCED,
        formwork.external_id,
        "1700000042",
    )
    event = ErpEvent.objects.get(item=linked)
    assert (event.action, event.from_state, event.to_state, event.actor) == ("link", "draft", "synced", erp_admin)
    assert "3 added (and 2 divisions)" in result.summary()


def test_an_item_without_a_description_is_described_by_its_name(book, erp_admin):
    item(book, "09:09-900", item(book, "09"))

    services.refresh_cost_codes(erp_admin)

    assert ps.CostCode.objects.get(code="09-900").description == "09-900"
    assert ps.Division.objects.get(code="09").name == "09"


def test_a_sub_item_goes_under_the_existing_division_of_its_parent(book, erp_admin):
    DivisionFactory(code="03", name="Concrete (ours)")
    item(book, "03:03-300", item(book, "03", description="Concrete"), description="Cast-in-place")

    result = services.refresh_cost_codes(erp_admin)

    assert result.divisions_created == []
    assert ps.Division.objects.get(code="03").name == "Concrete (ours)"
    assert ps.CostCode.objects.get(code="03-300").division.name == "Concrete (ours)"


def test_inactive_items_become_inactive_cost_codes(book, erp_admin):
    item(book, "03:03-900", item(book, "03"), description="Old work", is_active=False)

    result = services.refresh_cost_codes(erp_admin)

    code = ps.CostCode.objects.get(code="03-900")
    assert code.is_active is False
    assert item_of(code).state == ErpState.SYNCED
    assert result.created == ["03-900"] and result.deactivated == []


def test_the_retainage_item_deeper_items_and_long_names_are_left_out(book, erp_admin):
    item(book, "Retainage", description="Retainage held")
    division = item(book, "03")
    code = item(book, "03:03-100", division)
    item(book, "03:03-100:Extra", code)
    item(book, "A division name far too long!!")

    result = services.refresh_cost_codes(erp_admin)

    assert result.created == ["03-100"]
    assert sorted(ps.Division.objects.values_list("code", flat=True)) == ["03"]
    assert any("03:03-100:Extra" in reason for reason in result.skipped)
    assert any("A division name far too long" in reason for reason in result.skipped)


# --- known cost codes ----------------------------------------------------------------------------------------


def test_a_cost_code_of_the_items_name_is_linked_and_keeps_its_description(book, erp_admin):
    ours = CostCodeFactory(code="03-100", description="Forms and shoring", division=DivisionFactory(code="03"))
    quickbooks = item(book, "03:03-100", item(book, "03"), description="Formwork")

    result = services.refresh_cost_codes(erp_admin)

    assert result.linked == ["03-100"] and result.created == []
    ours.refresh_from_db()
    assert ours.description == "Forms and shoring"
    assert item_of(ours).qb_ref == quickbooks.external_id
    assert [(d.code, d.field, d.directory, d.quickbooks) for d in result.differences] == [
        ("03-100", "description", "Forms and shoring", "Formwork")
    ]
    assert "kept the directory's values" in result.summary()


def test_names_match_as_quickbooks_compares_them_ignoring_case(book, erp_admin):
    ours = CostCodeFactory(code="03-100A", division=DivisionFactory(code="03"))
    item(book, "03:03-100a", item(book, "03"))

    result = services.refresh_cost_codes(erp_admin)

    assert result.linked == ["03-100A"]
    assert ps.CostCode.objects.count() == 1
    assert [(d.field, d.quickbooks) for d in result.differences if d.field == "code"] == [("code", "03-100a")]
    assert item_of(ours).state == ErpState.SYNCED


def test_a_linked_cost_code_is_found_by_its_listid_even_renamed_in_quickbooks(book, erp_admin):
    division = item(book, "03")
    quickbooks = item(book, "03:03-100", division, description="Formwork")
    services.refresh_cost_codes(erp_admin)
    AccountingRecord.objects.filter(pk=quickbooks.pk).update(
        full_name="03:03-110", details={"name": "03-110", "description": "Formwork"}
    )

    result = services.refresh_cost_codes(erp_admin)

    assert result.created == [] and result.linked == []
    assert list(ps.CostCode.objects.values_list("code", flat=True)) == ["03-100"]
    assert [(d.code, d.field, d.quickbooks) for d in result.differences] == [("03-100", "code", "03-110")]


def test_a_pending_cost_code_is_linked_instead_of_waiting_to_be_accepted_as_new(book, erp_admin, pm):
    ours = CostCodeFactory(code="03-100", division=DivisionFactory(code="03"))
    services.item_send(ours, pm)
    quickbooks = item(book, "03:03-100", item(book, "03"))

    result = services.refresh_cost_codes(erp_admin)

    assert result.linked == ["03-100"]
    assert (item_of(ours).state, item_of(ours).qb_ref) == (ErpState.SYNCED, quickbooks.external_id)


def test_a_cost_code_queued_for_quickbooks_is_not_linked_and_says_why(book, erp_admin, pm, approver):
    ours = CostCodeFactory(code="03-100", division=DivisionFactory(code="03"))
    services.item_send(ours, pm)
    services.item_accept(ours, approver)
    item(book, "03:03-100", item(book, "03"))

    result = services.refresh_cost_codes(erp_admin)

    assert result.linked == [] and result.created == []
    assert item_of(ours).state == ErpState.QUEUED
    assert result.not_linked == [
        "03-100 is queued for QuickBooks: a refresh links it to QuickBooks' item 03:03-100 once it is a draft, failed "
        "to export, pending acceptance or rejected."
    ]


def test_an_item_made_inactive_makes_its_cost_code_inactive_and_active_again(book, erp_admin):
    quickbooks = item(book, "03:03-100", item(book, "03"))
    services.refresh_cost_codes(erp_admin)

    AccountingRecord.objects.filter(pk=quickbooks.pk).update(is_active=False)
    result = services.refresh_cost_codes(erp_admin)
    assert result.deactivated == ["03-100"]
    assert ps.CostCode.objects.get(code="03-100").is_active is False

    AccountingRecord.objects.filter(pk=quickbooks.pk).update(is_active=True)
    result = services.refresh_cost_codes(erp_admin)
    assert result.reactivated == ["03-100"] and result.deactivated == []
    assert ps.CostCode.objects.get(code="03-100").is_active is True


def test_a_second_refresh_changes_nothing(book, erp_admin):
    division = item(book, "03", description="Concrete")
    for n in range(5):
        item(book, f"03:03-{n:03d}", division, description=f"Work {n}")
    CostCodeFactory(code="03-001", description="Work 1", division=DivisionFactory(code="03"))
    first = services.refresh_cost_codes(erp_admin)
    assert (len(first.created), first.linked) == (4, ["03-001"])
    events = ErpEvent.objects.count()

    second = services.refresh_cost_codes(erp_admin)

    assert (second.created, second.linked, second.deactivated, second.differences) == ([], [], [], [])
    assert second.unchanged == 5
    assert ps.CostCode.objects.count() == 5
    assert ErpEvent.objects.count() == events
    assert second.summary() == (
        "Cost codes refreshed from QuickBooks: 0 added, 0 linked, 0 made inactive, 5 unchanged."
    )


def test_only_the_current_company_files_items_are_read(book, erp_admin):
    item("another-file", "03:03-100", item("another-file", "03"))
    item(book, "05:05-100", item(book, "05"))

    result = services.refresh_cost_codes(erp_admin)

    assert result.created == ["05-100"]


def test_a_refresh_before_the_lists_are_read_says_what_to_do(book, erp_admin):
    with pytest.raises(WorkflowError, match="read QuickBooks' lists from the sync health page"):
        services.refresh_cost_codes(erp_admin)


def test_a_refresh_without_a_company_file_says_what_to_do(erp_admin):
    with pytest.raises(WorkflowError, match="No QuickBooks company file is set up yet"):
        services.refresh_cost_codes(erp_admin)


# --- in bulk ----------------------------------------------------------------------------------------------------


def _many_items(book: str, divisions: int, codes_each: int) -> None:
    tops = [
        AccountingRecord(
            book=book,
            list_type=ITEM,
            external_id=f"D{n:04d}-1",
            full_name=f"{n:02d}",
            details={"name": f"{n:02d}", "description": f"Division {n}"},
        )
        for n in range(divisions)
    ]
    subs = [
        AccountingRecord(
            book=book,
            list_type=ITEM,
            external_id=f"C{n:04d}{c:03d}-1",
            full_name=f"{n:02d}:{n:02d}-{c:03d}",
            parent_external_id=f"D{n:04d}-1",
            edit_sequence="1700000001",
            is_active=c % 10 != 0,
            details={"name": f"{n:02d}-{c:03d}", "description": f"Work {c}", "sublevel": 1},
        )
        for n in range(divisions)
        for c in range(codes_each)
    ]
    AccountingRecord.objects.bulk_create(tops + subs)


def test_four_hundred_items_cost_a_handful_of_queries(book, erp_admin, django_assert_max_num_queries):
    _many_items(book, divisions=20, codes_each=20)
    for n in range(0, 20, 2):  # some codes exist already, unlinked
        CostCodeFactory(code=f"{n:02d}-005", description="Ours", division=DivisionFactory(code=f"{n:02d}"))

    # Statements and savepoints, whatever the number of items; SQLite takes a bulk insert in batches of its
    # variable limit (eight for the 400 items), PostgreSQL in one.
    with django_assert_max_num_queries(50):
        result = services.refresh_cost_codes(erp_admin)

    assert len(result.created) == 390 and len(result.linked) == 10
    assert ErpItem.objects.filter(object_type="cost_code", state=ErpState.SYNCED).count() == 400
    assert ps.CostCode.objects.filter(is_active=False).count() == 40

    with django_assert_max_num_queries(12):
        again = services.refresh_cost_codes(erp_admin)
    assert again.unchanged == 400


# --- who may ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "allowed"), [(Level.READ_ONLY, False), (Level.STANDARD, False), (Level.ADMIN, True)])
def test_only_an_erp_integrations_admin_may_refresh_cost_codes(book, level, allowed):
    item(book, "03:03-100", item(book, "03"))
    user = grant(UserFactory(), Tool.ERP_INTEGRATIONS, level)
    if allowed:
        assert services.refresh_cost_codes(user).created == ["03-100"]
    else:
        with pytest.raises(PermissionDenied, match="Admin on ERP Integrations"):
            services.refresh_cost_codes(user)
        assert not ps.CostCode.objects.exists()
