"""A record type is one module per layer: its exportable (`erp_integrations/exportables/<type>.py`) and its
QuickBooks mapping (`qbxml/mapping/`), found by their registries. These tests hold the registries to each
other and to the project side's record types, each payload to the TypedDict that declares it, and each
state field to its one writer."""

from __future__ import annotations

import ast
import typing
from decimal import Decimal
from pathlib import Path

import pytest

from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.exportables.base import payload_fields
from procore_sync import models as ps
from procore_sync.records import RECORD_TYPES
from qbxml.mapping import KINDS, SEQUENCE, mapping_for
from qbxml.mapping.support import SUPPORT_KINDS
from tests.factories import (
    BudgetLineItemFactory,
    BudgetModificationFactory,
    ChangeOrderFactory,
    ChangeOrderLineFactory,
    CompanyFactory,
    CostCodeFactory,
    EmployeeFactory,
    OwnerInvoiceFactory,
    PrimeChangeOrderFactory,
    ProjectFactory,
    SubJobFactory,
    TimeEntryFactory,
    commitment_with_lines,
    invoice_for,
    prime_contract_with_lines,
)

ROOT = Path(__file__).resolve().parents[1]


def test_every_exportable_type_has_its_quickbooks_mapping_and_every_mapping_an_exportable_type():
    assert sorted(mapping.object_type for mapping in KINDS.values()) == sorted(EXPORTABLE_TYPES)
    for slug in EXPORTABLE_TYPES:
        assert mapping_for(slug).object_type == slug


def test_every_exportable_type_is_a_record_type_of_the_project_side():
    assert set(EXPORTABLE_TYPES) <= set(RECORD_TYPES)
    for slug, exportable in EXPORTABLE_TYPES.items():
        assert exportable.model is RECORD_TYPES[slug].model


def test_the_dependency_order_names_every_request_kind_once():
    kinds = [*SUPPORT_KINDS, *KINDS]
    assert sorted(SEQUENCE) == sorted(kinds)
    assert len(set(SEQUENCE.values())) == len(kinds), "no two kinds share a place"
    # A record goes after what it refers to.
    assert SEQUENCE["class"] < SEQUENCE["parent_item"] < SEQUENCE["item"] < SEQUENCE["estimate"]
    assert SEQUENCE["vendor"] < SEQUENCE["purchase_order"] < SEQUENCE["purchase_order_change"] < SEQUENCE["bill"]
    assert SEQUENCE["customer"] < SEQUENCE["job"] < SEQUENCE["estimate"] < SEQUENCE["estimate_change"]
    assert SEQUENCE["job"] < SEQUENCE["sub_job"] < min(SEQUENCE["estimate"], SEQUENCE["purchase_order"])


def test_what_a_mapping_reads_of_its_dependencies_are_exportable_types():
    for mapping in KINDS.values():
        assert mapping.reads <= set(EXPORTABLE_TYPES), mapping.kind
        assert mapping.changes_record_of in {"", *EXPORTABLE_TYPES}, mapping.kind


@pytest.fixture
def one_of_each(db):  # type: ignore[no-untyped-def]
    project = ProjectFactory(owner=CompanyFactory(name="Owner LLC", vendor_type="owner"))
    sub_job = SubJobFactory(project=project, parent=SubJobFactory(project=project, name="Building A"), name="Level 2")
    budget_line = BudgetLineItemFactory(budget__project=project, sub_job=sub_job)
    other_line = BudgetLineItemFactory(budget=budget_line.budget)
    modification = BudgetModificationFactory(budget=budget_line.budget)
    for line, amount in ((budget_line, "500.00"), (other_line, "-500.00")):
        ps.BudgetModificationLine.objects.create(modification=modification, budget_line=line, amount=Decimal(amount))
    commitment = commitment_with_lines(project=project)
    commitment.lines.filter(line_number=1).update(sub_job=sub_job)
    change_order = ChangeOrderFactory(commitment=commitment)
    ChangeOrderLineFactory(change_order=change_order, sub_job=sub_job)
    contract = prime_contract_with_lines(2, project=project)
    contract.lines.filter(line_number=1).update(sub_job=sub_job)
    prime_change_order = PrimeChangeOrderFactory(prime_contract=contract)
    ps.PrimeContractChangeOrderLine.objects.create(
        change_order=prime_change_order, contract_line=contract.lines.get(line_number=1), amount=Decimal("1000.00")
    )
    owner_invoice = OwnerInvoiceFactory(prime_contract=contract)
    owner_invoice.lines.create(
        contract_line=contract.lines.get(line_number=1),
        work_completed_this_period=Decimal("20000.00"),
        retention_held=Decimal("2000.00"),
    )
    return {
        "prime_contract": contract,
        "prime_change_order": prime_change_order,
        "owner_invoice": owner_invoice,
        "company": CompanyFactory(),
        "project": project,
        "sub_job": sub_job,
        "cost_code": CostCodeFactory(),
        "budget": budget_line.budget,
        "budget_modification": modification,
        "commitment": commitment,
        "change_order": change_order,
        "subcontractor_invoice": invoice_for(commitment),
        "employee": EmployeeFactory(),
        "time_entry": TimeEntryFactory(project=project, sub_job=sub_job, notes="Formwork, level 2"),
    }


def _keys(payload_type: type) -> list[str]:
    return list(typing.get_type_hints(payload_type))


@pytest.mark.parametrize("slug", list(EXPORTABLE_TYPES))
def test_every_payload_is_what_its_typeddict_declares(one_of_each, slug):
    exportable = EXPORTABLE_TYPES[slug]
    payload = dict(exportable.payload(one_of_each[slug]))
    assert typing.is_typeddict(exportable.payload_type)
    assert sorted(payload) == sorted(_keys(exportable.payload_type))
    for field in payload_fields(exportable.payload_type):
        if field.lines:
            assert payload[field.name], f"the {slug} has lines"
            for line in payload[field.name]:
                assert sorted(line) == sorted(line_field.name for line_field in field.lines)
        if field.money:
            Decimal(payload[field.name])  # text that reads back exactly
    assert exportable.problems(one_of_each[slug]) == []


# --- one writer per state field -----------------------------------------------------------------------------


def _product_modules() -> list[Path]:
    return [
        path
        for app in ("access", "procore_sync", "erp_integrations", "qbxml", "demo")
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _writes_of(attribute: str, path: Path) -> list[int]:
    """Lines that assign `<x>.<attribute> = ...` or pass `<attribute>=` to a queryset's update()."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr == attribute for t in node.targets):
                if not (isinstance(node.value, ast.Attribute) and "QbSession" in ast.unparse(node.value)):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            if any(keyword.arg == attribute for keyword in node.keywords):
                lines.append(node.lineno)
    return lines


def test_an_items_state_is_written_only_by_the_workflows_move():
    writers = {
        path.relative_to(ROOT).as_posix(): lines for path in _product_modules() if (lines := _writes_of("state", path))
    }
    # move_many writes it in the database; _apply, beside it, keeps the caller's instance in step.
    assert list(writers) == ["erp_integrations/services.py"]
    assert len(writers["erp_integrations/services.py"]) == 1


def test_a_requests_status_and_an_import_runs_status_each_have_one_writer():
    writers = {
        path.relative_to(ROOT).as_posix(): lines
        for path in _product_modules()
        if path.parts[-3:-1] != ("qbxml", "simulator") and (lines := _writes_of("status", path))
    }
    assert sorted(writers) == ["qbxml/imports.py", "qbxml/queue/lifecycle.py"]
    # Each writes only its own model's field: the lifecycle never touches an import run, nor the imports a request.
    assert "QbListImport" not in (ROOT / "qbxml/queue/lifecycle.py").read_text(encoding="utf-8")
    assert "QbRequest" not in (ROOT / "qbxml/imports.py").read_text(encoding="utf-8")
