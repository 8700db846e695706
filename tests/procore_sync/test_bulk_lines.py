"""Saving a record's lines in bulk (`save_record(..., in_bulk=True)`, what an import of thousands of lines uses):
the checks of the line-by-line save, with its messages, made for all the lines at once in a few queries whatever
their number; nothing written when one line fails, and the workflow's edit lock applied as to any edit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp_integrations import services as erp
from erp_integrations.errors import RecordLocked
from erp_integrations.models import ErpItem
from procore_sync import bulk_checks, services
from procore_sync import models as ps
from procore_sync.budget_import import import_budget
from tests.factories import (
    BudgetFactory,
    BudgetLineItemFactory,
    BudgetModificationFactory,
    CostCodeFactory,
    ProjectFactory,
    SubJobFactory,
    cost_type,
)

pytestmark = pytest.mark.django_db

D = Decimal


def line(code: ps.CostCode, kind: ps.CostType | None, amount: str, **more: Any) -> dict[str, Any]:
    return {"cost_code": code, "cost_type": kind, "description": "", "original_amount": D(amount), **more}


def refusal(pm, budget: ps.Budget, lines: list[dict[str, Any]], *, in_bulk: bool) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        services.save_record(pm, ps.Budget, {}, lines, instance=budget, in_bulk=in_bulk)
    return refused.value.messages


@pytest.mark.parametrize("case", ["duplicate", "missing cost code", "unknown cost code", "other project's sub job"])
def test_a_bad_line_is_refused_with_the_same_message_in_bulk_as_line_by_line(pm, case):
    budget = BudgetFactory()
    code, labor = CostCodeFactory(code="03-100"), cost_type("Labor")
    lines = [line(code, labor, "10.00")]
    if case == "duplicate":
        lines.append(line(code, labor, "20.00"))
    elif case == "missing cost code":
        lines.append({"cost_type": labor, "original_amount": D("1.00")})
    elif case == "unknown cost code":
        lines.append(line(ps.CostCode(pk=987654, code="gone"), labor, "1.00"))
    else:
        lines.append(line(code, labor, "1.00", sub_job=SubJobFactory(project=ProjectFactory(), name="Elsewhere")))

    one_by_one = refusal(pm, budget, lines, in_bulk=False)
    in_bulk = refusal(pm, budget, lines, in_bulk=True)

    assert in_bulk == one_by_one
    assert in_bulk and all(message.startswith("Line 2: ") for message in in_bulk), in_bulk
    assert not budget.lines.exists()


def test_a_line_on_a_sub_job_is_not_a_duplicate_of_the_jobs_own_line(pm):
    budget = BudgetFactory()
    code, labor = CostCodeFactory(), cost_type("Labor")
    sub_job = SubJobFactory(project=budget.project)

    services.save_record(
        pm,
        ps.Budget,
        {},
        [line(code, labor, "10.00"), line(code, labor, "5.00", sub_job=sub_job)],
        instance=budget,
        in_bulk=True,
    )

    assert sorted(budget.lines.values_list("sub_job_id", "original_amount"), key=str) == sorted(
        [(None, D("10.00")), (sub_job.pk, D("5.00"))], key=str
    )


def test_a_bulk_save_costs_the_same_queries_for_ten_lines_or_three_hundred(pm):
    codes = [CostCodeFactory() for _ in range(100)]
    kinds = [cost_type("Labor"), cost_type("Material"), cost_type("Equipment")]

    def queries(count: int) -> int:
        budget = BudgetFactory()
        lines = [line(codes[n // 3], kinds[n % 3], f"{n}.00") for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            services.save_record(pm, ps.Budget, {}, lines, instance=budget, in_bulk=True)
        assert budget.lines.count() == count
        return len(captured)

    queries(10)  # the first save reads what is cached for the next ones (content types)
    assert queries(300) == queries(10)


def test_a_bulk_save_updates_the_lines_it_keeps_adds_the_new_and_deletes_the_rest(pm):
    budget = BudgetFactory()
    code, other, labor = CostCodeFactory(), CostCodeFactory(), cost_type("Labor")
    kept = BudgetLineItemFactory(budget=budget, cost_code=code, cost_type=labor, original_amount=D("1.00"))
    BudgetLineItemFactory(budget=budget, cost_code=other, cost_type=labor, original_amount=D("2.00"))

    services.save_record(
        pm,
        ps.Budget,
        {},
        [{"id": kept.pk, "original_amount": D("3.00")}, line(other, cost_type("Material"), "4.00")],
        instance=budget,
        in_bulk=True,
    )

    assert sorted(budget.lines.values_list("cost_code_id", "cost_type__name", "original_amount")) == sorted(
        [(code.pk, "Labor", D("3.00")), (other.pk, "Material", D("4.00"))]
    )
    assert budget.lines.get(cost_code=code).pk == kept.pk


def test_a_line_a_modification_moves_money_on_is_not_deleted_in_bulk(pm):
    budget = BudgetFactory()
    first, second = (
        BudgetLineItemFactory(budget=budget, original_amount=D("5.00")),
        BudgetLineItemFactory(budget=budget, original_amount=D("6.00")),
    )
    modification = BudgetModificationFactory(budget=budget)
    ps.BudgetModificationLine.objects.create(modification=modification, budget_line=first, amount=D("1.00"))

    messages = refusal(pm, budget, [{"id": second.pk}], in_bulk=True)

    assert messages == [f"Line {first} is billed or changed elsewhere and cannot be removed."]
    assert set(budget.lines.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_a_budget_in_accounting_refuses_a_bulk_save_of_its_lines(pm):
    budget = BudgetFactory(is_locked=True)
    BudgetLineItemFactory(budget=budget)
    erp.item_send(budget, pm)

    with pytest.raises(RecordLocked):
        services.save_record(
            pm, ps.Budget, {}, [line(CostCodeFactory(), cost_type("Labor"), "1.00")], instance=budget, in_bulk=True
        )

    assert budget.lines.count() == 1


def test_a_bulk_import_keeps_the_budgets_queue_label_current(pm):
    CostCodeFactory(code="03-100", default_cost_type=cost_type("Labor"))
    budget = BudgetFactory(is_locked=False)
    item = erp.item_for(budget)
    ErpItem.objects.filter(pk=item.pk).update(label="stale")

    import_budget(pm, budget.project, b"Cost code,Cost type,Amount\r\n03-100,Labor,12.50\r\n")

    item.refresh_from_db()
    assert item.label == f"Budget of {budget.project}"
    assert list(budget.lines.values_list("original_amount", flat=True)) == [D("12.50")]


def test_a_condition_the_checks_cannot_read_from_a_line_is_left_to_the_database():
    from django.db.models import Q, UniqueConstraint

    readable = UniqueConstraint(fields=["budget", "cost_code"], condition=Q(sub_job__isnull=True), name="a")
    unreadable = UniqueConstraint(fields=["budget", "cost_code"], condition=Q(sub_job__name="x"), name="b")

    assert bulk_checks._within_record(ps.BudgetLineItem, readable, "budget")
    assert not bulk_checks._within_record(ps.BudgetLineItem, unreadable, "budget")
